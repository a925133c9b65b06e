"""How the index and the assistant scale: 1k, 10k and 100k chunks of realistic Vietnamese text.

The index always holds the five sample reports (ingested for real, so the evaluation questions have
their answers), plus synthetic reports recombined from sentences of the sample and of
`../shared/realdocs` (text extracted here, at bench time, never saved in the repository). Each
synthetic report has a unit and topic of its own, unique figures ("… đạt 47,3% tính đến hết tháng
5/2025"), province lists ("Có 21/63 tỉnh, thành phố đã …: An Giang, …") and plan tasks (lead agency,
deadline), so figures, lists, complements and tasks exist at every size and crowd the real answers.

Tokens are computed with the real tokenizer once per distinct sentence (a chunk's words are its
sentences' words), the way embeddings "may be computed once and cached for the bench": the build time
below is `Index.add` (Chroma writes + the incremental BM25), not parsing. Parsing and tokenising cost
is measured by `bench/ingest.py`.

Per size, in a fresh process over the built index (as a server would be): RSS, time to the first answer,
`search` p50/p95 (HybridRetriever), `ask` p50/p95 per answer path (`Assistant` in-process; questions of
eval/datasets/questions.jsonl: numeric → figure, list/count → list, plan_task → task, unanswerable →
refusal) and how many of them are still answered right (`must_contain` / refused), then one real
document (a changed copy of a sample report, parsed and tokenised for real) added, re-ingested (no-op)
and deleted, and how long another process takes to see the change.

    .venv/bin/python bench/scale.py                  # 1k, 10k, 100k → bench/results/scale.json, docs/scale.png
    .venv/bin/python bench/scale.py --sizes 1000 10000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
REALDOCS = ROOT.parent / "shared" / "realdocs"
GAZETTEER = ROOT.parent / "shared" / "gazetteer" / "provinces.json"
RESULTS = ROOT / "bench" / "results" / "scale.json"
PLOT = ROOT / "docs" / "scale.png"
QUESTIONS = ROOT / "eval" / "datasets" / "questions.jsonl"
PATHS = {"numeric": "figure", "list": "list", "count": "list", "plan_task": "task", "unanswerable": "refusal"}
TARGETS = {"ask_p95_ms": 100, "search_p95_ms": 30, "rss_mb": 2048, "add_s": 5, "delete_s": 2, "noop_s": 2}
CHUNKS_PER_DOC = 80
SENTENCE = re.compile(r"(?<=[.;:!?])\s+(?=[A-ZĐÀ-Ỹ])")


def rss_mb() -> float:
    """Peak RSS of this process: `VmHWM` of /proc/self/status. Not `ru_maxrss`: on Linux a process started
    by another keeps the parent's peak there across fork and exec, so the measuring subprocess reported
    the RSS of the builder that spawned it (2.6 GB at 100k, while the server process peaked near 1 GB)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# --- the corpus ------------------------------------------------------------------------------------


def realdocs_text(limit: int = 20) -> list[str]:
    """Text of born-digital real documents (no OCR, no .doc conversion), read with the project's loaders."""
    from baocao.ingest.loaders import load_file

    texts = []
    if not REALDOCS.is_dir():
        return texts
    candidates = sorted(p for p in REALDOCS.rglob("*") if p.suffix.lower() in (".pdf", ".docx")
                        and "scan" not in p.name and "ocr" not in p.name)
    for path in candidates[:limit]:
        try:
            raw = load_file(path, allow_non_vietnamese=True)
        except Exception:
            continue
        texts.append("\n".join(page.text for page in raw.pages))
    return texts


def sentence_pool(sample_chunks, extra_texts: list[str]) -> list[str]:
    pool = []
    for text in [c.text for c in sample_chunks] + extra_texts:
        for line in text.splitlines():
            for sentence in SENTENCE.split(line.strip()):
                sentence = " ".join(sentence.split())
                if 40 <= len(sentence) <= 400 and sum(ch.isalpha() for ch in sentence) > 0.6 * len(sentence):
                    pool.append(sentence)
    return list(dict.fromkeys(pool))


class Words:
    """The real tokenizer, once per distinct string."""

    def __init__(self) -> None:
        from baocao.vectorstore.tokenize import words

        self._words, self.cache = words, {}

    def __call__(self, text: str) -> list[str]:
        if text not in self.cache:
            self.cache[text] = self._words(text)
        return self.cache[text]


def provinces() -> list[str]:
    data = json.loads(GAZETTEER.read_text(encoding="utf-8")) if GAZETTEER.exists() else {}
    units = data.get("until_2025_06_30", {}).get("units") or ["An Giang", "Bắc Ninh", "Cà Mau", "Đà Nẵng", "Hà Nội"]
    return [u if isinstance(u, str) else u.get("name", "") for u in units]


TOPICS = ["hạ tầng số", "dữ liệu số", "chính quyền số", "kinh tế số", "xã hội số", "an toàn thông tin", "dịch vụ công trực tuyến",
          "thanh toán không dùng tiền mặt", "chữ ký số", "nền tảng số", "kỹ năng số", "đô thị thông minh"]
METRICS = ["tỷ lệ hồ sơ trực tuyến toàn trình", "tỷ lệ thuê bao băng rộng cố định", "tỷ lệ người dân có tài khoản định danh",
           "tỷ lệ văn bản điện tử", "tỷ lệ doanh nghiệp sử dụng hóa đơn điện tử", "tỷ lệ hộ gia đình có cáp quang"]
AGENCIES = ["Sở Khoa học và Công nghệ", "Sở Tài chính", "Sở Nội vụ", "Công an tỉnh", "Văn phòng Ủy ban nhân dân tỉnh", "Sở Y tế",
            "Sở Giáo dục và Đào tạo", "Sở Xây dựng"]
UNITS = ["Ban Quản lý", "Trung tâm", "Văn phòng", "Phòng", "Ban Điều hành", "Tổ công tác"]
SURNAMES = ["Phú", "Hòa", "Thịnh", "An", "Bình", "Lộc", "Phước", "Hưng", "Thuận", "Long", "Tân", "Mỹ"]


def synthetic_docs(count: int, start: int, pool: list[str], words: Words, sections: list[str]):
    """`count` synthetic reports numbered from `start`: (IngestedDocument, its chunks' words)."""
    from baocao.ingest.models import Chunk, IngestedDocument, TaskRecord

    names = provinces()
    out = []
    for k in range(start, start + count):
        rng = random.Random(k)
        doc_id = f"{k:016x}"[-16:]
        unit = f"{rng.choice(UNITS)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)} số {k}"
        topic = f"{rng.choice(TOPICS)} đợt {k}"
        month = 1 + k % 12
        name = f"bao-cao-tong-hop-{k:05d}.txt"
        title = f"Báo cáo kết quả {topic} của {unit} tháng {month}/2025"
        chunks, chunk_words = [], []
        for n in range(CHUNKS_PER_DOC):
            section = rng.choice(sections)
            sentences = rng.sample(pool, rng.randint(3, 6))
            kind, task = "text", None
            if n % 20 == 7:  # a plan task with its lead agency and deadline
                lead = rng.choice(AGENCIES)
                task_text = f"Xây dựng cơ sở dữ liệu {topic} của {unit}"
                deadline = f"Tháng {1 + (k + n) % 12}/2026"
                sentences = [f"- {task_text}.", f"+ Cơ quan chủ trì: {lead}.", f"+ Thời hạn hoàn thành: {deadline}."]
                kind = "task"
                task = TaskRecord(task=task_text, result=None, lead=lead, coordinating=None, deadline=deadline,
                                  section=section, document=name, chunk_id=f"{doc_id}:{n:04d}")
            elif n % 25 == 3:  # a province list with its count
                chosen = sorted(rng.sample(names, rng.randint(8, 30)))
                sentences = [f"Đến hết tháng {month}/2025, có {len(chosen)}/63 tỉnh, thành phố đã ban hành kế hoạch {topic}: "
                             f"{', '.join(chosen)}."]
            elif n % 4 == 0:  # a unique figure
                sentences.append(f"Tính đến hết tháng {month}/2025, {rng.choice(METRICS)} của {unit} đạt "
                                 f"{rng.randint(10, 99)},{rng.randint(0, 9)}%.")
            text = "\n".join(sentences)
            chunk = Chunk(chunk_id=f"{doc_id}:{n:04d}", doc_id=doc_id, document=name, title=title, section=section,
                          text=text, page=1 + n // 3, issuer=f"Ủy ban nhân dân {unit}", report_date=f"2025-{month:02d}",
                          as_of=f"2025-{month:02d}", kind=kind, task=task, order=n)
            chunks.append(chunk)
            chunk_words.append([w for s in [section, *sentences] for w in words(s)])
        tasks = [c.task for c in chunks if c.task]
        doc = IngestedDocument(doc_id=doc_id, document=name, title=title, issuer=f"Ủy ban nhân dân {unit}",
                               report_date=f"2025-{month:02d}", as_of=f"2025-{month:02d}", chunks=chunks, tasks=tasks,
                               chars=sum(len(c.text) for c in chunks))
        out.append((doc, chunk_words))
    return out


def disk_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


# --- measuring one size (a fresh process, like a server over that index) ------------------------------


def load_questions() -> dict[str, list[dict]]:
    by_path: dict[str, list[dict]] = {}
    for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if row.get("type") in PATHS and not row.get("conversation"):
                by_path.setdefault(PATHS[row["type"]], []).append(row)
    return by_path


def right(row: dict, answer) -> bool:
    if row["type"] == "unanswerable":
        return not answer.grounded
    text = answer.answer + " " + " ".join(answer.items or [])
    return all(m in text for m in row.get("must_contain", []))


def measure(home: Path, work: Path) -> dict:
    from baocao.assistant.retriever import HybridRetriever
    from baocao.assistant.service import Assistant
    from baocao.settings import Settings
    from baocao.vectorstore.ingest_files import ingest_paths
    from baocao.vectorstore.store import open_index

    settings = Settings(_env_file=None, home=home)
    start = time.perf_counter()
    index = open_index(settings)
    assistant = Assistant.from_settings(settings, index=index)
    first = assistant.ask("Tỉnh nào chưa thành lập Ban Chỉ đạo?")
    first_answer_s = time.perf_counter() - start
    retriever = HybridRetriever.from_index(index, settings)
    questions = load_questions()
    result: dict = {"chunks": index.count(), "documents": len(index.list_documents()),
                    "first_answer_s": round(first_answer_s, 2), "first_answer_grounded": first.grounded}
    search_ms = []
    for rows in questions.values():
        for row in rows:
            t = time.perf_counter()
            retriever.search(row["question"])
            search_ms.append(1000 * (time.perf_counter() - t))
    result["search_ms"] = {"p50": round(percentile(search_ms, 0.5), 1), "p95": round(percentile(search_ms, 0.95), 1),
                           "n": len(search_ms)}
    result["ask_ms"], all_ms = {}, []
    for path, rows in questions.items():
        times, correct = [], 0
        for row in rows:
            t = time.perf_counter()
            answer = assistant.ask(row["question"])
            times.append(1000 * (time.perf_counter() - t))
            correct += right(row, answer)
        all_ms += times
        result["ask_ms"][path] = {"p50": round(percentile(times, 0.5), 1), "p95": round(percentile(times, 0.95), 1),
                                  "n": len(rows), "right": correct}
    result["ask_ms"]["all"] = {"p50": round(percentile(all_ms, 0.5), 1), "p95": round(percentile(all_ms, 0.95), 1)}
    result["rss_mb_after_questions"] = rss_mb()

    # One real document: a changed copy of a sample report, parsed and tokenised for real.
    source = SAMPLE / "2025-09-22_bao-cao-tom-tat-phien-hop-lan-4.txt"
    new = work / "bao-cao-bo-sung-thu-nghiem.txt"
    new.write_text(source.read_text(encoding="utf-8") + "\nĐến hết tháng 11/2025 có 4.321 nền tảng thử nghiệm mới.\n",
                   encoding="utf-8")
    reader = open_index(settings)  # another process's view (same code path; its own state)
    reader.count()
    timings = {}
    from baocao.ingest.pipeline import ingest_file
    from baocao.vectorstore.store import chunk_words

    t = time.perf_counter()
    parsed = ingest_file(new)
    timings["of_which_parse_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    [chunk_words(c) for c in parsed.chunks]
    timings["of_which_tokenise_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    report = ingest_paths(index, [new], settings)
    timings["add_s"] = round(time.perf_counter() - t, 2)
    assert [o.status for o in report.outcomes] == ["added"], report.lines()
    t = time.perf_counter()
    hits = index.search_lexical("4.321 nền tảng thử nghiệm", 3)
    timings["add_searchable_after_s"] = round(time.perf_counter() - t, 3)
    timings["add_found"] = bool(hits) and "4.321" in hits[0].chunk.text
    reader._checked_at = 0.0
    t = time.perf_counter()
    reader.count()
    timings["other_process_refresh_after_add_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    report = ingest_paths(index, [new], settings)
    timings["noop_s"] = round(time.perf_counter() - t, 2)
    assert [o.status for o in report.outcomes] == ["unchanged"], report.lines()
    t = time.perf_counter()
    index.delete(new.name)
    timings["delete_s"] = round(time.perf_counter() - t, 2)
    reader._checked_at = 0.0
    t = time.perf_counter()
    reader.count()
    timings["other_process_refresh_after_delete_s"] = round(time.perf_counter() - t, 2)
    result["one_document"] = timings
    result["rss_mb"] = rss_mb()
    return result


# --- the driver -------------------------------------------------------------------------------------


def build_and_measure(sizes: list[int], tmp: Path, on_size=None) -> list[dict]:
    from baocao.ingest.loaders import iter_input_files
    from baocao.settings import Settings
    from baocao.vectorstore.ingest_files import ingest_paths
    from baocao.vectorstore.store import open_index

    home = tmp / "home"
    settings = Settings(_env_file=None, home=home)
    index = open_index(settings)
    t = time.perf_counter()
    ingest_paths(index, iter_input_files([SAMPLE]), settings)
    sample_s = time.perf_counter() - t
    sample_chunks = index.current_chunks()
    t = time.perf_counter()
    extra = realdocs_text()
    pool = sentence_pool(sample_chunks, extra)
    words = Words()
    for sentence in pool:
        words(sentence)
    sections = sorted({c.section for c in sample_chunks if c.section})
    for section in sections:
        words(section)
    corpus = {"pool_sentences": len(pool), "realdocs_files": len(extra), "sample_ingest_s": round(sample_s, 1),
              "tokenise_pool_s": round(time.perf_counter() - t, 1)}
    print(f"pool: {len(pool)} sentences ({len(extra)} realdocs files), tokenised in {corpus['tokenise_pool_s']} s", flush=True)
    results, built_s, next_doc = [], 0.0, 0
    for size in sizes:
        missing = size - index.count()
        docs = synthetic_docs(max(0, -(-missing // CHUNKS_PER_DOC)), next_doc, pool, words, sections)
        next_doc += len(docs)
        t = time.perf_counter()
        with index.writing():
            for doc, chunk_words in docs:
                index.add(doc, chunk_tokens=chunk_words)
        step_s = time.perf_counter() - t
        built_s += step_s
        print(f"{index.count():,} chunks: built +{len(docs)} documents in {step_s:.1f} s", flush=True)
        out = tmp / f"measure-{size}.json"
        done = subprocess.run([sys.executable, __file__, "--measure", str(home), "--out", str(out)], cwd=ROOT,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"measuring {size} failed:\n{done.stderr[-4000:]}")
        entry = json.loads(out.read_text())
        entry.update(size=size, build_s=round(built_s, 1), build_step_s=round(step_s, 1),
                     build_chunks_per_s=round(index.count() / built_s) if built_s else None, disk_mb=disk_mb(home),
                     load_average=os.getloadavg())
        results.append(entry)
        if on_size is not None:  # results so far reach the disk after every size (a long run may be cut short)
            on_size(corpus, results)
        print(json.dumps({k: entry[k] for k in ("chunks", "rss_mb", "search_ms", "one_document")}, ensure_ascii=False), flush=True)
    return corpus, results


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    chunks = [r["chunks"] for r in results]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for label in ("figure", "list", "task", "refusal"):
        left.plot(chunks, [r["ask_ms"][label]["p95"] for r in results], marker="o", label=f"ask p95 · {label}")
    left.plot(chunks, [r["search_ms"]["p95"] for r in results], marker="s", linestyle="--", label="search p95")
    left.axhline(TARGETS["ask_p95_ms"], color="grey", linewidth=0.8, linestyle=":")
    left.set(xscale="log", yscale="log", xlabel="chunks in the index", ylabel="milliseconds", title="Latency (in-process, warm)")
    left.legend(fontsize=8)
    right.plot(chunks, [r["rss_mb"] for r in results], marker="o", label="RSS (MB)")
    right.plot(chunks, [r["disk_mb"] for r in results], marker="s", label="disk (MB)")
    right.plot(chunks, [1000 * r["one_document"]["add_s"] for r in results], marker="^", label="add one document (ms)")
    right.plot(chunks, [1000 * r["one_document"]["delete_s"] for r in results], marker="v", label="delete one (ms)")
    right.set(xscale="log", yscale="log", xlabel="chunks in the index", title="Memory, disk, writes")
    right.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--plot", type=Path, default=PLOT)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temp folder)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # internal: one size, in a fresh process
    args = parser.parse_args()
    if args.measure:
        work = Path(tempfile.mkdtemp(prefix="baocao-scale-doc-"))
        try:
            args.out.write_text(json.dumps(measure(args.measure, work)))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    began, load_start = time.perf_counter(), os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="baocao-scale-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        corpus, results = build_and_measure(sorted(args.sizes), work,
                                            lambda c, r: write_results(args, c, r, load_start, began, sorted(args.sizes)))
    write_results(args, corpus, results, load_start, began, sorted(args.sizes))
    plot(results, args.plot)
    print_table(results)
    print(f"total {time.perf_counter() - began:.0f} s → {args.out}, {args.plot}")


def write_results(args, corpus: dict, results: list[dict], load_start, began: float, planned: list[int]) -> dict:
    growth = None
    by_size = {r["size"]: r for r in results}
    if 10_000 in by_size and 100_000 in by_size:
        a, b = by_size[10_000], by_size[100_000]
        growth = {"chunks": round(b["chunks"] / a["chunks"], 1), "ask_p95": round(b["ask_ms"]["all"]["p95"] / a["ask_ms"]["all"]["p95"], 1),
                  "search_p95": round(b["search_ms"]["p95"] / a["search_ms"]["p95"], 1), "rss": round(b["rss_mb"] / a["rss_mb"], 1)}
    payload = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpu": next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                                 if line.startswith("model name")), "?"), "cores": os.cpu_count()},
        "load_average_at_start": load_start, "load_average_at_end": os.getloadavg(),
        "targets_at_100k": TARGETS, "corpus": corpus, "planned_sizes": planned,
        "measured_sizes": [r["size"] for r in results], "sizes": results, "growth_10k_to_100k": growth,
        "total_s": round(time.perf_counter() - began, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return payload


def print_table(results: list[dict]) -> None:
    print(f"\n{'chunks':>8} {'build s':>8} {'disk MB':>8} {'RSS MB':>7} {'search p95':>10} {'ask p95':>8}  per path p95 (right/n)   add/noop/del s")
    for r in results:
        paths = ", ".join(f"{p} {r['ask_ms'][p]['p95']:.0f} ({r['ask_ms'][p]['right']}/{r['ask_ms'][p]['n']})"
                          for p in ("figure", "list", "task", "refusal") if p in r["ask_ms"])
        d = r["one_document"]
        print(f"{r['chunks']:>8,} {r['build_s']:>8.1f} {r['disk_mb']:>8.0f} {r['rss_mb']:>7.0f} {r['search_ms']['p95']:>10.1f} "
              f"{r['ask_ms']['all']['p95']:>8.1f}  {paths}   {d['add_s']}/{d['noop_s']}/{d['delete_s']}")


if __name__ == "__main__":
    main()
