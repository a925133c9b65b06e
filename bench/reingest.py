"""A whole folder ingested twice: the second `ingest_paths` finds every file unchanged (a no-op).

Two folders, each into a fresh BAOCAO_HOME with embedded Chroma and default settings:
- `sample`: the five reports of `data/sample` (227 kB);
- `synthetic`: `--docs` small reports (default 1,000, ~2,500 characters each) made of consecutive
  paragraphs of the sample reports, a title of their own and one unique sentence, so every content hash
  differs and each parses like a real report.

Per folder: the first ingest (wall s), the second one (wall s, CPU s), how many files the second one
parsed (calls of `ingest_file`, counted by wrapping it) and the outcome of every file. Written under
`--label` (e.g. `before`, `after`) into `bench/results/reingest.json`, next to the other labels' runs,
with the machine, the load average at the start and the end and the git revision.

    .venv/bin/python bench/reingest.py --label after
    .venv/bin/python bench/reingest.py --label before --docs 200
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
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
RESULTS = ROOT / "bench" / "results" / "reingest.json"
DOC_CHARS = 2500


def paragraphs() -> list[str]:
    out = []
    for path in sorted(SAMPLE.glob("*.txt")):
        out += [p.strip() for p in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")) if len(p.strip()) > 80]
    return out


def make_synthetic(folder: Path, docs: int) -> list[Path]:
    """`docs` small reports: consecutive sample paragraphs from a different start each, a title, a unique line."""
    pool = paragraphs()
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for k in range(docs):
        body, i = [], (k * 7) % len(pool)
        while sum(len(p) for p in body) < DOC_CHARS:
            body.append(pool[i % len(pool)])
            i += 1
        text = (f"BÁO CÁO\nKết quả thực hiện nhiệm vụ chuyển đổi số của đơn vị số {k + 1}\n\n"
                + "\n\n".join(body) + f"\n\nĐơn vị số {k + 1} đã hoàn thành {k % 97 + 1} nhiệm vụ trong năm 2025.\n")
        path = folder / f"bao-cao-don-vi-{k + 1:04d}.txt"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    return files


def cpu_s() -> float:
    times = os.times()
    return times.user + times.system


def ingest_twice(files: list[Path], home: Path) -> dict:
    from baocao.settings import Settings
    from baocao.vectorstore import ingest_files
    from baocao.vectorstore.store import open_index

    parsed: list[Path] = []
    real = ingest_files.ingest_file

    def counting(path, *args, **kwargs):
        parsed.append(path)
        return real(path, *args, **kwargs)

    ingest_files.ingest_file = counting  # ingest_paths looks it up in the module at call time
    try:
        settings = Settings(_env_file=None, home=home, chroma_url=None)
        index = open_index(settings)
        t = time.perf_counter()
        first = ingest_files.ingest_paths(index, files, settings)
        first_s = time.perf_counter() - t
        parsed_first = len(parsed)
        index = open_index(settings)  # a new `baocao ingest` process: nothing remembered but what is stored
        t, c = time.perf_counter(), cpu_s()
        second = ingest_files.ingest_paths(index, files, settings)
        noop_s, noop_cpu = time.perf_counter() - t, cpu_s() - c
    finally:
        ingest_files.ingest_file = real
    return {
        "files": len(files), "chars": sum(len(p.read_text(encoding="utf-8")) for p in files),
        "chunks": index.count(), "first_s": round(first_s, 2), "first_parsed": parsed_first,
        "first_outcomes": first.summary(),
        "noop_s": round(noop_s, 2), "noop_cpu_s": round(noop_cpu, 2), "noop_parsed": len(parsed) - parsed_first,
        "noop_outcomes": second.summary(),
    }


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def revision() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "vectorstore", "ingest"],
                               capture_output=True, text=True).stdout.strip()
        return out.stdout.strip() + (" (+ uncommitted changes)" if dirty else "")
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", required=True, help="the name of this run in reingest.json (before, after, …)")
    parser.add_argument("--docs", type=int, default=1000, help="synthetic documents (0: the sample folder only)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    run = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "revision": revision(),
           "machine": machine(), "folders": {}}
    with tempfile.TemporaryDirectory(prefix="baocao-reingest-") as tmp:
        tmp_path = Path(tmp)
        folders = {"sample": sorted(SAMPLE.glob("*.txt"))}
        if args.docs:
            folders["synthetic"] = make_synthetic(tmp_path / "synthetic", args.docs)
        for name, files in folders.items():
            result = ingest_twice(files, tmp_path / f"home-{name}")
            run["folders"][name] = result
            print(f"{name}: {result['files']} files, {result['chunks']} chunks; first ingest {result['first_s']} s; "
                  f"no-op re-ingest {result['noop_s']} s wall, {result['noop_cpu_s']} s CPU, "
                  f"{result['noop_parsed']} files parsed ({result['noop_outcomes']})", flush=True)
    run["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    existing = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    existing[args.label] = run
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(existing, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out} [{args.label}]")


if __name__ == "__main__":
    sys.exit(main())
