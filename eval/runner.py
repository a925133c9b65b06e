"""`baocao eval`: ask every question of the evaluation dataset, score the answers, write a report.

    baocao eval                          # dev and held-out splits, baocao and the textbook baseline
    baocao eval --out DIR                # DIR/results.json and DIR/report.html
    baocao eval --dataset PATH.jsonl     # one file instead of both splits
    baocao eval --compare A B            # what changed between two runs (results.json or their folders)
    python -m baocao.eval.runner --no-baseline --tune-fusion --write-thresholds --limit N  # the extra flags

Each corpus of `eval/datasets/corpora.json` is run against its own index: `sample` against the configured
index (an empty one is filled with `data/sample` first), `realdocs` against an index of
`../shared/realdocs` in its own BAOCAO_HOME, cached by content (`eval/corpus_index.py`). For every system
(baocao, and for the sample corpus unless `--no-baseline` the textbook LangChain RAG of
`eval/baseline.py`) each item is asked once (conversations turn by turn with one conversation id, timed)
and scored with `eval/metrics.py`; retrieval is scored per retriever with `eval/retrieval.py`. The results
are then reported per split, each apart: sample dev / held-out (by question), sample dev / held-out (by
document), realdocs dev / held-out (by document).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import platform
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Protocol, Sequence

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from baocao.eval import metrics, regression, retrieval  # noqa: E402
from baocao.eval.dataset import REPO_ROOT, ConversationTurn, Corpus, EvalItem, load_corpora, load_dataset  # noqa: E402
from baocao.eval.options import Options, add_arguments  # noqa: E402

SNIPPET_CHARS = 160
RETRIEVED_SHOWN = 5


# ---------------------------------------------------------------------------- systems under test


class System(Protocol):
    name: str
    main_retriever: str

    def ask(self, question: str, conversation_id: str | None = None): ...
    def rank(self, question: str) -> dict[str, list]: ...
    def chunk(self, chunk_id: str): ...
    def passages(self) -> dict[str, str]: ...


class BaocaoSystem:
    """The assistant as users get it (`Assistant.from_settings`), plus its retrievers one by one."""

    name = "baocao"
    main_retriever = "fused"

    def __init__(self, settings, index):
        from baocao.assistant.service import Assistant

        self.index = index
        self.assistant = Assistant.from_settings(settings, index)
        self.searches = retrieval.MemoisedSearches(index)
        self.retriever = retrieval.hybrid_retriever(self.searches, base=self.assistant.retriever)

    def ask(self, question: str, conversation_id: str | None = None):
        return self.assistant.ask(question, conversation_id)

    def rank(self, question: str) -> dict[str, list]:
        return retrieval.baocao_rankings(self.searches, self.retriever, question)

    def chunk(self, chunk_id: str):
        found = self.index.get_chunks([chunk_id])
        return found[0] if found else None

    def passages(self) -> dict[str, str]:
        return {c.chunk_id: c.text for c in self.index.all_chunks()}


class BaselineSystem:
    name = "baseline"
    main_retriever = "baseline"

    def __init__(self, rag):
        self.rag = rag

    def ask(self, question: str, conversation_id: str | None = None):
        return self.rag.ask(question)

    def rank(self, question: str) -> dict[str, list]:
        return self.rag.rank(question)

    def chunk(self, chunk_id: str):
        return self.rag.chunk(chunk_id)

    def passages(self) -> dict[str, str]:
        return self.rag.passages()


@contextlib.contextmanager
def remembered_query_embeddings(embedder):
    """Query embeddings computed once per text while the run lasts: the retrieval metrics re-run the dense
    search the assistant has just done (and timed), and need not embed the question again."""
    original = embedder.__dict__.get("embed_query")
    embedder.embed_query = functools.lru_cache(maxsize=8192)(embedder.embed_query)
    try:
        yield
    finally:
        if original is None:
            del embedder.embed_query
        else:
            embedder.embed_query = original


# ---------------------------------------------------------------------------- scoring one item


@dataclass
class TurnResult:
    question: str
    standalone: str | None
    answer: str
    items: list[str]
    grounded: bool
    latency_s: float
    must_contain: list[str]
    must_missing: list[str]
    match_levels: dict[str, str]
    citations: list[dict]
    citation_scores: dict
    unsupported_facts: list[str]
    error: str | None = None

    @property
    def must_found_all(self) -> bool:
        return not self.must_missing


@dataclass
class ItemResult:
    id: str
    type: str
    question: str
    gold_answer: str
    documents: list[str]
    answerable: bool
    turns: list[TurnResult]
    correct: bool
    must_contain_recall: float | None
    set_scores: dict | None = None
    items_in_text_recall: float | None = None
    cites_evidence_document: bool | None = None
    evidence_levels: list[str | None] = field(default_factory=list)
    retrieval: dict[str, dict] = field(default_factory=dict)
    retrieved: list[dict] = field(default_factory=list)
    judge: dict | None = None
    parts: list[dict] | None = None  # multi-part items: each part scored on its own


def date_forms(iso: str | None) -> list[str]:
    """How a report date may be written in an answer: `2025-03-26` -> 26/3/2025, 26/03/2025, ..."""
    if not iso:
        return []
    parts = iso.split("-")
    forms = [iso]
    if len(parts) == 3:
        y, m, d = parts
        forms += [f"{int(d)}/{int(m)}/{y}", f"{d}/{m}/{y}", f"tháng {int(m)}/{y}"]
    elif len(parts) == 2:
        y, m = parts
        forms += [f"tháng {int(m)}/{y}", f"{m}/{y}", f"tháng {int(m)} năm {y}"]
    else:
        forms.append(f"năm {parts[0]}")
    return forms


def cited_passages(answer, system: System) -> tuple[list[metrics.CitedPassage], list[dict]]:
    """Each citation's passage as indexed (the index's chunk text; the Citation's own text otherwise)."""
    passages, shown = [], []
    for c in answer.citations:
        chunk = system.chunk(c.chunk_id)
        text = chunk.text if chunk is not None else (c.text or "")
        dates = date_forms(c.as_of) + date_forms(getattr(chunk, "report_date", None))
        # the document's own số và ký hiệu is what "Theo Công văn số 8977/BNV-TCPCP …" rests on (its header block)
        number = getattr(chunk, "number", None)
        context = "\n".join(x for x in (c.title, c.section, c.document, number, *dates) if x)
        passages.append(metrics.CitedPassage(c.marker, text, context, c.quote))
        shown.append({"marker": c.marker, "document": c.document, "section": c.section, "chunk_id": c.chunk_id,
                      "quote": c.quote, "quote_verbatim": bool(c.quote) and c.quote in text,
                      "in_index": chunk is not None})
    return passages, shown


def answer_text(answer) -> str:
    """What the user reads as the answer: the text and any items listed apart from it."""
    return "\n".join([answer.answer, *answer.items])


def ask_turn(system: System, turn: ConversationTurn, conversation_id: str | None) -> tuple[TurnResult, object]:
    start = time.perf_counter()
    try:
        answer = system.ask(turn.question, conversation_id)
        error = None
    except Exception as exc:  # one broken question must not stop the run; it scores as wrong
        from baocao.assistant.models import Answer

        answer = Answer(answer="", grounded=False)
        error = f"{type(exc).__name__}: {exc}"
        if os.environ.get("BAOCAO_DEBUG"):
            traceback.print_exc()
    latency = time.perf_counter() - start
    must = metrics.score_must_contain(answer_text(answer), turn.must_contain)
    passages, shown = cited_passages(answer, system)
    scores = metrics.score_citations(answer.answer, passages) if answer.grounded else metrics.CitationScores()
    result = TurnResult(
        question=turn.question, standalone=answer.question, answer=answer.answer, items=list(answer.items),
        grounded=answer.grounded, latency_s=latency, must_contain=list(turn.must_contain),
        must_missing=must.missing, match_levels=must.levels, citations=shown,
        citation_scores=citation_summary(scores), unsupported_facts=scores.facts_unsupported, error=error,
    )
    return result, answer


def citation_summary(scores: metrics.CitationScores) -> dict:
    return {
        "citation_precision": scores.precision, "citation_recall": scores.recall,
        "citation_support": scores.support, "faithfulness": scores.faithfulness,
        "quote_verbatim": scores.quote_verbatim, "factual_sentences": scores.factual_sentences,
        "dangling_markers": scores.dangling_markers,
    }


@dataclass
class RunContext:
    system: System
    locator: retrieval.EvidenceLocator
    gazetteer: object
    run_id: str
    judge: object | None = None


def evaluate_item(item: EvalItem, ctx: RunContext) -> ItemResult:
    turns = item.conversation or [ConversationTurn(item.question, item.must_contain)]
    conversation_id = f"eval-{ctx.run_id}-{item.id}" if item.conversation else None
    results, answers = [], []
    for turn in turns:
        result, answer = ask_turn(ctx.system, turn, conversation_id)
        results.append(result)
        answers.append(answer)
    parts = score_parts(item, results[-1], answers[-1]) if item.parts else None
    out = ItemResult(
        id=item.id, type=item.type, question=item.question, gold_answer=item.answer, documents=item.split_documents,
        answerable=item.answerable, turns=results, correct=is_correct(item, results, parts),
        must_contain_recall=must_contain_recall(results) if item.answerable else None, parts=parts,
    )
    if item.answer_items:
        final = answers[-1]
        out.set_scores = asdict(metrics.set_scores(final.items, item.answer_items, ctx.gazetteer))
        mentioned = metrics.score_must_contain(answer_text(final), item.answer_items)
        out.items_in_text_recall = mentioned.recall
    if item.answerable:
        cited = {c["document"] for r in results for c in r.citations}
        out.cites_evidence_document = bool(cited & set(item.documents))
    if item.evidence and not item.conversation:
        score_retrieval(item, out, ctx)
    if ctx.judge is not None and item.answerable and answers[-1].grounded:
        out.judge = ctx.judge.score(item.question, answers[-1])
    return out


def score_parts(item: EvalItem, turn: TurnResult, answer) -> list[dict]:
    """Each part of a multi-part question: answered (its strings in the answer, not refused) or, for a part
    the documents cannot answer, refused explicitly (the whole answer refused, or a refusal phrase)."""
    text = answer_text(answer)
    refused_all = not turn.grounded
    out = []
    for part in item.parts:
        if part.answerable:
            must = metrics.score_must_contain(text, part.must_contain)
            correct = not refused_all and not must.missing and turn.error is None
            out.append({"question": part.question, "answerable": True, "correct": correct, "missing": must.missing})
        else:
            refused = refused_all or metrics.says_not_found(text)
            out.append({"question": part.question, "answerable": False, "correct": refused, "missing": []})
    return out


def is_correct(item: EvalItem, turns: Sequence[TurnResult], parts: list[dict] | None = None) -> bool:
    """Unanswerable: every turn refused. Answerable: no turn refused and every must_contain string present;
    with parts, every part answered or refused as its gold says."""
    if not item.answerable:
        return all(not t.grounded for t in turns)
    if parts is not None:
        return all(p["correct"] for p in parts) and all(t.error is None for t in turns)
    return all(t.grounded and t.must_found_all and t.error is None for t in turns)


def must_contain_recall(turns: Sequence[TurnResult]) -> float:
    total = sum(len(t.must_contain) for t in turns)
    found = sum(len(t.must_contain) - len(t.must_missing) for t in turns)
    return found / total if total else 1.0


def score_retrieval(item: EvalItem, out: ItemResult, ctx: RunContext) -> None:
    quotes = [e.quote for e in item.evidence]
    coverage = ctx.locator.coverage(quotes)
    out.evidence_levels = ctx.locator.match_levels(quotes)
    try:
        rankings = ctx.system.rank(item.question)
    except Exception as exc:
        out.retrieval = {"error": {"message": f"{type(exc).__name__}: {exc}"}}
        return
    for name, chunks in rankings.items():
        scores = retrieval.score_ranking([c.chunk_id for c in chunks], coverage, len(quotes))
        out.retrieval[name] = scores.to_dict()
    main = rankings.get(ctx.system.main_retriever, [])
    out.retrieved = [
        {"rank": n, "chunk_id": c.chunk_id, "document": c.document, "section": c.section,
         "snippet": c.text[:SNIPPET_CHARS], "relevant": sorted(coverage.get(c.chunk_id, set()))}
        for n, c in enumerate(main[:RETRIEVED_SHOWN], start=1)
    ]


# ---------------------------------------------------------------------------- summaries


def _share(flags: Iterable[bool]) -> float | None:
    flags = list(flags)
    return sum(flags) / len(flags) if flags else None


def _turn_metric(results: Sequence[ItemResult], key: str) -> float | None:
    """Mean over grounded answers (every turn) of one per-answer citation metric."""
    return metrics.mean(t.citation_scores.get(key) for r in results for t in r.turns if t.grounded)


def answer_summary(results: Sequence[ItemResult]) -> dict:
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    listed = [r for r in results if r.set_scores is not None]
    answerable_turns = [t for r in answerable for t in r.turns]
    conversation_turns = [t for r in results if r.type == "conversation" for t in r.turns]
    with_parts = [r for r in results if r.parts]
    return {
        "n_items": len(results),
        "n_questions": sum(len(r.turns) for r in results),
        "answer_accuracy": _share(r.correct for r in results),
        "answerable_accuracy": _share(r.correct for r in answerable),
        "must_contain_recall": metrics.mean(r.must_contain_recall for r in answerable),
        "conversation_turn_accuracy": _share(t.grounded and t.must_found_all for t in conversation_turns),
        "part_accuracy": _share(p["correct"] for r in with_parts for p in r.parts),
        "multi_part_complete": _share(all(p["correct"] for p in r.parts) for r in with_parts),
        "set_precision": metrics.mean(r.set_scores["precision"] for r in listed),
        "set_recall": metrics.mean(r.set_scores["recall"] for r in listed),
        "set_f1": metrics.mean(r.set_scores["f1"] for r in listed),
        "items_in_text_recall": metrics.mean(r.items_in_text_recall for r in listed),
        "refusal_accuracy": _share(r.correct for r in unanswerable),
        "false_refusal_rate": _share(not t.grounded for t in answerable_turns),
        "citation_precision": _turn_metric(results, "citation_precision"),
        "citation_recall": _turn_metric(results, "citation_recall"),
        "citation_support": _turn_metric(results, "citation_support"),
        "faithfulness": _turn_metric(results, "faithfulness"),
        "quote_verbatim": _turn_metric(results, "quote_verbatim"),
        "cites_evidence_document": _share(r.cites_evidence_document for r in answerable
                                          if r.cites_evidence_document is not None),
        "errors": sum(1 for r in results for t in r.turns if t.error),
    }


def retrieval_summary(results: Sequence[ItemResult]) -> dict:
    names = sorted({n for r in results for n in r.retrieval if n != "error"})
    out = {}
    for name in names:
        rows = [r.retrieval[name] for r in results if name in r.retrieval]
        summary = {"n": len(rows)}
        for key in rows[0] if rows else []:
            if key != "first_relevant_rank":
                summary[key] = metrics.mean(row[key] for row in rows)
        out[name] = summary
    return out


def evidence_summary(results: Sequence[ItemResult]) -> dict:
    levels = [lvl for r in results for lvl in r.evidence_levels]
    return {
        "quotes": len(levels),
        "exact": _share(lvl == "exact" for lvl in levels),
        "fuzzy_only": _share(lvl == "fuzzy" for lvl in levels),
        "not_found": _share(lvl is None for lvl in levels),
    }


def judge_summary(results: Sequence[ItemResult]) -> dict | None:
    judged = [r.judge for r in results if r.judge]
    if not judged:
        return None
    keys = sorted({k for j in judged for k, v in j.items() if isinstance(v, (int, float))})
    return {"n": len(judged), **{k: metrics.mean(j.get(k) for j in judged) for k in keys}}


def summarise(results: Sequence[ItemResult], main_retriever: str) -> dict:
    summary = answer_summary(results)
    summary["retrieval"] = retrieval_summary(results)
    summary["evidence_in_index"] = evidence_summary(results)
    summary["latency"] = metrics.latency_summary([t.latency_s for r in results for t in r.turns])
    summary["main_retriever"] = main_retriever
    if judged := judge_summary(results):
        summary["judge"] = judged
    if main_retriever == "fused":
        summary["fusion_check"] = retrieval.fusion_check(summary["retrieval"])
    return summary


def breakdown(results: Sequence[ItemResult], key: Callable[[ItemResult], Iterable[str]], main_retriever: str) -> dict:
    groups: dict[str, list[ItemResult]] = {}
    for r in results:
        for g in key(r):
            groups.setdefault(g, []).append(r)
    out = {}
    for name, rows in sorted(groups.items()):
        s = answer_summary(rows)
        s["retrieval"] = {main_retriever: retrieval_summary(rows).get(main_retriever, {})}
        s["latency"] = metrics.latency_summary([t.latency_s for r in rows for t in r.turns])
        out[name] = s
    return out


def system_report(results: Sequence[ItemResult], main_retriever: str) -> dict:
    return {
        "summary": summarise(results, main_retriever),
        "by_type": breakdown(results, lambda r: [r.type], main_retriever),
        "by_document": breakdown(results, lambda r: r.documents or ["(no evidence)"], main_retriever),
        "items": [compact_item(asdict(r)) for r in results],
    }


def compact_item(item: dict) -> dict:
    """Per-item retrieval kept at the headline cut-offs (the summaries hold every k for the curves)."""
    keep = {f"{m}@{k}" for m in ("hit", "recall") for k in retrieval.KS} | {"mrr", "ndcg@10", "first_relevant_rank", "message"}
    item["retrieval"] = {name: {k: v for k, v in scores.items() if k in keep} for name, scores in item["retrieval"].items()}
    return item


# ---------------------------------------------------------------------------- running


@dataclass
class CorpusRun:
    """One corpus as this run sees it: its files (already validated) and the views reported apart."""

    corpus: Corpus
    splits: dict[str, list[EvalItem]]
    views: dict[str, list[EvalItem]]
    excluded: dict[str, list[str]]

    @property
    def items(self) -> list[EvalItem]:
        """Every item once (the by-document views regroup the files' items)."""
        groups = [*self.splits.values(), *self.views.values()]
        return list({i.id: i for items in groups for i in items}.values())


def corpora_to_run(opts: Options, say: Callable[[str], None] = print) -> list[CorpusRun]:
    """The corpora asked for (default: every corpus whose documents are on this machine), loaded and limited."""
    corpora = load_corpora()
    if opts.realdocs:
        corpora["realdocs"].documents_dir = Path(opts.realdocs)
    if opts.dataset:
        sample = corpora["sample"]
        path = Path(opts.dataset)
        corpus = Corpus(name="dataset", documents_dir=Path(opts.corpus), files={path.stem: path},
                        sides={path.stem: None}, labels={path.stem: path.stem})
        splits = {path.stem: load_dataset(path, opts.corpus if opts.corpus != sample.documents_dir else None)}
        runs = [CorpusRun(corpus, splits, dict(splits), {})]
    else:
        runs = []
        for name in opts.corpora or list(corpora):
            corpus = corpora[name]
            if not corpus.available:
                if opts.corpora:
                    raise FileNotFoundError(f"corpus {name}: {corpus.documents_dir} is absent")
                say(f"Corpus {name} skipped: {corpus.documents_dir} is absent.")
                continue
            splits = corpus.load()
            views, excluded = corpus.views(splits)
            runs.append(CorpusRun(corpus, splits, views, excluded))
    if opts.limit:
        for run_ in runs:
            run_.splits = {n: items[: opts.limit] for n, items in run_.splits.items()}
            run_.views = {n: items[: opts.limit] for n, items in run_.views.items()}
    return runs


def ensure_index(settings, corpus: Path, say: Callable[[str], None], index=None):
    """The configured index; filled with the sample corpus first when it holds no document, and the corpus's
    documents ingested again when they were made by other ingest code or settings (their fingerprint): an
    evaluation of the code at hand never reads chunks an older ingest made."""
    from baocao.ingest.loaders import iter_input_files
    from baocao.vectorstore.fingerprint import ingest_fingerprint
    from baocao.vectorstore.store import open_index

    index = index or open_index(settings)
    documents = index.list_documents()
    files = iter_input_files([corpus])
    if not documents:
        say(f"The index in {settings.home} has no documents: ingesting {corpus} into it first (once).")
    else:
        current, names = ingest_fingerprint(settings), {p.name for p in files}
        stale = [d for d in documents if set(d.names) & names and d.ingest != current]
        if not stale:
            return index
        say(f"{len(stale)} documents of {corpus} in {settings.home} were made by other ingest code or settings: "
            "ingesting them again.")
    _ingest_corpus(index, files, settings)
    return index


def _ingest_corpus(index, files: list[Path], settings) -> None:
    from baocao.progress import reporting_to_stderr
    from baocao.vectorstore.ingest_files import ingest_paths

    with reporting_to_stderr(len(files)):
        report = ingest_paths(index, files, settings)
    if report.failed:
        raise RuntimeError("could not ingest the sample corpus: " + "; ".join(o.message for o in report.failed))


def missing_documents(index, items: Iterable[EvalItem]) -> list[str]:
    present = {r.document for r in index.list_documents()}
    wanted = {d for i in items for d in i.documents}
    return sorted(wanted - present)


def run_system(system: System, items: Sequence[EvalItem], gazetteer, run_id: str, judge=None,
               advance: Callable[[int], None] | None = None, locator: retrieval.EvidenceLocator | None = None) -> list[ItemResult]:
    ctx = RunContext(system, locator or retrieval.EvidenceLocator(system.passages()), gazetteer, run_id, judge)
    results = []
    for item in items:
        results.append(evaluate_item(item, ctx))
        if advance:
            advance(max(1, len(item.conversation)))
    return results


def evaluate_baocao(settings, index, items: Sequence[EvalItem], run_id: str = "test") -> dict:
    """baocao alone on some items (the regression test's entry point): the system report."""
    from baocao.assistant.gazetteer import Gazetteer

    system = BaocaoSystem(settings, index)
    with remembered_query_embeddings(index.embedder):
        results = run_system(system, items, Gazetteer.load(), run_id)
    return system_report(results, system.main_retriever)


def machine_info() -> dict:
    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    info = {"platform": platform.platform(), "python": platform.python_version(), "cpu": cpu,
            "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()}
    with contextlib.suppress(OSError, AttributeError):
        info["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    with contextlib.suppress(ImportError):
        import torch

        info["torch_threads"] = torch.get_num_threads()
    return info


def source_revision() -> str | None:
    """The checked-out commit, read from .git (no git command is run); a worktree's .git file is followed."""
    git = REPO_ROOT / ".git"
    with contextlib.suppress(OSError):
        if git.is_file():  # a worktree: "gitdir: /repo/.git/worktrees/name"
            git = Path(git.read_text().split(":", 1)[1].strip())
        common = git / "commondir"
        common_dir = (git / common.read_text().strip()).resolve() if common.is_file() else git
        ref = (git / "HEAD").read_text().strip()
        if not ref.startswith("ref:"):
            return ref
        name = ref.split(" ", 1)[1]
        for base in (git, common_dir):
            if (base / name).is_file():
                return (base / name).read_text().strip()
        for line in (common_dir / "packed-refs").read_text().splitlines():
            if line.endswith(name):
                return line.split(" ", 1)[0]
    return None


def file_digest(path: Path) -> str:
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()[:12]


def run_meta(settings, opts: Options, runs: Sequence[CorpusRun]) -> dict:
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "revision": source_revision(),
        "settings": {"home": str(settings.home), "embedding_model": settings.embedding_model,
                     "fusion_weights": settings.fusion_weights, "chunk_chars": settings.chunk_chars,
                     "generator": "llm" if settings.llm_base_url or settings.llm_gguf_path else "extractive"},
        "datasets": {name: {"path": str(path), "sha1": file_digest(Path(path)), "items": len(r.splits[name]),
                            "corpus": r.corpus.name}
                     for r in runs for name, path in r.corpus.files.items()},
        "limit": opts.limit,
        "torch_threads_option": opts.torch_threads,
    }


class Progress:
    """A rich progress bar over every question asked, all systems and splits together; when stderr is not
    a terminal, plain lines (baocao.progress) at most every few seconds, so a piped run is never silent."""

    def __init__(self, total: int):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn

        from baocao.progress import PlainReporter

        self._plain = None if sys.stderr.isatty() else PlainReporter(sys.stderr, every_s=10.0)
        self._done, self._total, self._label = 0, total, "eval"
        self._bar = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), transient=False, disable=self._plain is not None)
        self._task = self._bar.add_task("eval", total=total)

    def __enter__(self):
        self._bar.__enter__()
        return self

    def __exit__(self, *exc):
        return self._bar.__exit__(*exc)

    def describe(self, text: str) -> None:
        self._label = text
        self._bar.update(self._task, description=text)

    def advance(self, n: int = 1) -> None:
        self._done += n
        self._bar.advance(self._task, n)
        if self._plain is not None:
            self._plain(self._label, "eval", self._done, self._total)


def questions_in(items: Sequence[EvalItem]) -> int:
    return sum(max(1, len(i.conversation)) for i in items)


def build_baseline(settings, corpus: Path, say: Callable[[str], None]):
    from baocao.eval.baseline import TextbookRag

    start = time.perf_counter()
    try:
        rag = TextbookRag(settings, corpus)
    except Exception as exc:
        say(f"The baseline could not be built ({type(exc).__name__}: {exc}); it is left out of this run.")
        return None, time.perf_counter() - start
    return rag, time.perf_counter() - start


def corpus_index(settings, run_: CorpusRun, opts: Options, say: Callable[[str], None], embedder=None):
    """(index, settings for it, index meta): the configured index for the sample corpus, a cached one otherwise."""
    if run_.corpus.name in ("sample", "dataset"):
        index = ensure_index(settings, opts.corpus, say)
        return index, settings, {"home": str(settings.home)}
    from baocao.eval.corpus_index import cached_corpus_index

    built = cached_corpus_index(settings, run_.corpus, say, embedder=embedder, reindex=opts.reindex)
    return built.index, built.settings, {"home": str(built.home), "reused": not built.built,
                                         "build_s": built.build_s, "failed": built.failed}


def run(settings, opts: Options, say: Callable[[str], None] = print) -> dict:
    """The whole evaluation: every corpus, every system, every split; returns the results document."""
    from baocao.assistant.gazetteer import Gazetteer

    from baocao.eval.judge import Judge

    started = time.perf_counter()
    if opts.torch_threads:
        import torch

        torch.set_num_threads(opts.torch_threads)
    runs = corpora_to_run(opts, say)
    meta = run_meta(settings, opts, runs)
    meta["corpora"] = {}
    timings: dict[str, float] = {}
    judge = Judge.from_settings(settings)
    meta["judge"] = judge.describe() if judge else None
    gazetteer = Gazetteer.load()
    run_id = dt.datetime.now().strftime("%Y%m%d%H%M%S")
    out_splits: dict[str, dict] = {}
    embedder = None
    total = sum(questions_in(r.items) * (2 if opts.baseline and r.corpus.name != "realdocs" else 1) for r in runs)
    with Progress(total) as bar:
        for run_ in runs:
            name = run_.corpus.name
            t = time.perf_counter()
            index, index_settings, index_meta = corpus_index(settings, run_, opts, say, embedder)
            embedder = embedder or index.embedder
            timings[f"{name}.index_ready_s"] = time.perf_counter() - t
            missing = missing_documents(index, run_.items)
            if missing:
                say(f"Warning: the {name} index lacks {len(missing)} document(s) the questions cite: {', '.join(missing)}")
            index_meta.update(documents=len(index.list_documents()), chunks=index.count(), missing_documents=missing)
            meta["corpora"][name] = {"documents_dir": str(run_.corpus.documents_dir), "index": index_meta}
            if name in ("sample", "dataset"):
                meta["index"] = index_meta

            t = time.perf_counter()
            systems: list[System] = [BaocaoSystem(index_settings, index)]
            rag = None
            if opts.baseline and name != "realdocs":  # the textbook path reads plain-text files only
                rag, timings["baseline_build_s"] = build_baseline(settings, opts.corpus, say)
                if rag is not None:
                    systems.append(BaselineSystem(rag))
            timings[f"{name}.systems_ready_s"] = time.perf_counter() - t
            try:
                with remembered_query_embeddings(index.embedder):
                    by_system: dict[str, dict[str, ItemResult]] = {}
                    for system in systems:
                        bar.describe(f"{name} · {system.name}")
                        t = time.perf_counter()
                        locator = retrieval.EvidenceLocator(system.passages())
                        results = run_system(system, run_.items, gazetteer, run_id,
                                             judge if system.name == "baocao" else None, bar.advance, locator)
                        timings[f"{name}.{system.name}_s"] = time.perf_counter() - t
                        by_system[system.name] = {r.id: r for r in results}
            finally:
                if rag is not None:
                    rag.close()
            out_splits.update(split_reports(run_, systems, by_system))
            if name == "realdocs" and "realdocs_dev" in out_splits:
                t = time.perf_counter()
                out_splits["realdocs_dev"]["regression_subset"] = gate_subset_summary(
                    settings, run_, gazetteer, run_id, say, embedder)
                timings["realdocs.gate_subset_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - started
    with contextlib.suppress(OSError, AttributeError):
        meta["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    meta["timings"] = {k: round(v, 2) for k, v in timings.items()}
    return {"meta": meta, "splits": out_splits}


def gate_subset_summary(settings, run_: CorpusRun, gazetteer, run_id: str, say: Callable[[str], None], embedder=None) -> dict:
    """The realdocs gate as `make test` runs it: the gate items against an index of the gate documents only."""
    from baocao.eval.corpus_index import cached_corpus_index

    items = regression.realdocs_subset(run_.splits["realdocs_dev"], run_.corpus)
    built = cached_corpus_index(settings, run_.corpus, say, documents=run_.corpus.gate_documents, embedder=embedder,
                                label="realdocs-gate")
    system = BaocaoSystem(built.settings, built.index)
    with remembered_query_embeddings(built.index.embedder):
        results = run_system(system, items, gazetteer, run_id)
    summary = summarise(results, system.main_retriever)
    summary["index"] = {"home": str(built.home), "documents": len(built.index.list_documents()), "chunks": built.index.count()}
    return summary


def split_reports(run_: CorpusRun, systems: Sequence[System], by_system: dict[str, dict[str, ItemResult]]) -> dict[str, dict]:
    """Each view of a corpus reported apart, from the item results (every item was asked once)."""
    out = {}
    for view, items in run_.views.items():
        entry = {"label": run_.corpus.label(view), "corpus": run_.corpus.name, "systems": {}}
        if run_.excluded.get(view):
            entry["excluded"] = run_.excluded[view]
        for system in systems:
            results = [by_system[system.name][i.id] for i in items]
            entry["systems"][system.name] = system_report(results, system.main_retriever)
        subset = regression.subset_for(run_.corpus, view, items)
        if subset is not None and run_.corpus.name == "sample":  # realdocs: on its gate index (gate_subset_summary)
            ids = {i.id for i in subset}
            entry["regression_subset"] = summarise([r for r in (by_system["baocao"][i.id] for i in items) if r.id in ids],
                                                   systems[0].main_retriever)
        out[view] = entry
    return out


# ---------------------------------------------------------------------------- entry points


def default_out_dir(settings) -> Path:
    return Path(settings.home) / "eval" / dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def write_results(results: dict, out_dir: Path) -> tuple[Path, Path]:
    from baocao.eval.report import write_html

    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "results.json"
    json_path.write_text(json.dumps(results, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    html_path = out_dir / "report.html"
    write_html(results, html_path)
    return json_path, html_path


def summary_only(results: dict) -> dict:
    """The run without its per-item records: small enough to keep in bench/results/."""
    return {
        "meta": results["meta"],
        "splits": {
            name: {**{k: v for k, v in split.items() if k != "systems"},
                   "systems": {n: {k: v for k, v in s.items() if k != "items"} for n, s in split["systems"].items()}}
            for name, split in results["splits"].items()
        },
    }


def thresholds_scopes(results: dict) -> dict[str, dict[str, float]]:
    """Scope of eval/thresholds.json -> measured gated metrics, for each gated split present in the run."""
    scopes = {}
    for scope, (split, subset) in regression.SCOPES.items():
        data = results["splits"].get(split)
        if not data:
            continue
        summary = data.get("regression_subset") if subset else data["systems"]["baocao"]["summary"]
        if summary:
            scopes[scope] = regression.gated_metrics(summary)
    return scopes


def check_thresholds(results: dict, say: Callable[[str], None]) -> list[str]:
    thresholds = regression.load_thresholds()
    if not thresholds or results["meta"].get("limit"):
        return []
    failures = []
    for scope, (split, subset) in regression.SCOPES.items():
        data = results["splits"].get(split)
        if subset or not data or scope not in thresholds:
            continue
        found = regression.check(regression.gated_metrics(data["systems"]["baocao"]["summary"]), thresholds[scope])
        label = data.get("label", split)
        if found:
            say(f"Below eval/thresholds.json ({label}):\n  " + "\n  ".join(found))
        else:
            say(f"{label} meets eval/thresholds.json.")
        failures += [f"{label}: {f}" for f in found]
    return failures


def main(args, settings) -> int:
    from rich.console import Console

    from baocao.eval.report import compare_runs, summary_table

    opts = Options.from_args(args)
    console = Console(stderr=True)
    say = console.print
    if opts.compare:
        print(compare_runs(*opts.compare))
        return 0
    if opts.tune_fusion:
        from baocao.eval.tune_fusion import tune

        return tune(settings, corpus=opts.corpus, say=say, limit=opts.limit)
    results = run(settings, opts, say)
    out_dir = opts.out or default_out_dir(settings)
    json_path, html_path = write_results(results, out_dir)
    Console().print(summary_table(results))
    say(f"Wrote {json_path} and {html_path} ({results['meta']['timings']['total_s']:.0f} s).")
    failures = check_thresholds(results, say)
    if opts.write_thresholds:
        if opts.limit or opts.dataset or opts.corpora:
            say("Not writing thresholds from a partial run (--limit/--dataset/--corpora).")
        else:
            regression.write_thresholds(thresholds_scopes(results), {
                "date": results["meta"]["date"], "revision": results["meta"]["revision"],
                "machine": results["meta"]["machine"].get("cpu"),
            })
            say(f"Wrote {regression.THRESHOLDS_PATH}.")
    return 1 if (opts.check and failures) else 0


def cli(argv: list[str] | None = None) -> int:
    """`python -m baocao.eval.runner [flags]`: the same as `baocao eval`, with every flag."""
    from baocao.settings import get_settings

    parser = add_arguments(argparse.ArgumentParser(prog="python -m baocao.eval.runner", description=__doc__.split("\n")[0]))
    return main(parser.parse_args(argv), get_settings())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(cli())
