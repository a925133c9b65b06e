"""The evaluation datasets: questions an official would ask, per corpus, with gold answers and quotes.

Two corpora, each with a development and a held-out file in ``eval/datasets/`` (``corpora.json`` says
which files, which folder holds the documents, and which file assigns documents to splits):

- ``sample``: the five sample reports in ``data/sample``; ``questions.jsonl`` (development) and
  ``heldout.jsonl`` (held out *by question* over the same five reports), plus a by-document view
  (``sample_document_splits.json``: three reports dev, two held out);
- ``realdocs``: the working documents of ``../shared/realdocs`` (not its ``legal/`` folder);
  ``realdocs_dev.jsonl`` and ``realdocs_heldout.jsonl``, split **by document**
  (``realdocs_splits.json``: no document serves both splits; cross-document items go with their cluster).

Every line is one JSON object (see ``eval/datasets/README.md`` for the format). Items were
written by hand from the reports; this module only loads and *validates* them, so that a
wrong quote, a typo in a number or a duplicate id is caught before it can mislead an
evaluation run. :func:`load_dataset` raises :class:`DatasetError` listing every problem found.

Quotes are checked against the corpus after :func:`normalise_for_match` (NFC + every
whitespace run collapsed to one space + strip), the same normalisation the assistant uses for
its citations, so a hard line wrap in the source does not break a quote.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

REPO_ROOT = Path(__file__).resolve().parent.parent
DATASETS_DIR = Path(__file__).resolve().parent / "datasets"
QUESTIONS_PATH = DATASETS_DIR / "questions.jsonl"
HELDOUT_PATH = DATASETS_DIR / "heldout.jsonl"
DEFAULT_CORPUS_DIR = REPO_ROOT / "data" / "sample"
CORPORA_PATH = DATASETS_DIR / "corpora.json"

SPLITS: dict[str, Path] = {"questions": QUESTIONS_PATH, "heldout": HELDOUT_PATH}

#: the types of the sample-corpus set (every one of them in both of its files)
SAMPLE_TYPES: tuple[str, ...] = (
    "numeric",
    "entity",
    "list",
    "complement",
    "count",
    "temporal_at_date",
    "temporal_latest",
    "disagreement",
    "multi_report",
    "plan_task",
    "unanswerable",
    "no_diacritics",
    "abbreviation",
    "conversation",
)
#: every type: the sample set's, and those the realdocs set adds (the plan types of issue 9)
TYPES: tuple[str, ...] = SAMPLE_TYPES + (
    "set_operation",  # difference / intersection of two lists ("đã A nhưng chưa B")
    "comparison",  # a change between two figures or dates, or two documents side by side
    "multi_part",  # several questions in one ("bao nhiêu và gồm những gì?"); `parts` scores each
    "yes_no",
    "explanation",  # "vì sao", "chức năng gì"
    "task",  # who leads, by when (outside the sample's plan)
)
#: types whose gold answer is a set of items (``answer_items`` required)
LIST_TYPES: frozenset[str] = frozenset({"list", "complement", "set_operation"})

#: the answer of an ``unanswerable`` item starts with this
UNANSWERABLE_PREFIX = "Không tìm thấy"

REQUIRED_FIELDS = ("id", "question", "type", "answer")
KNOWN_FIELDS = frozenset(
    {"id", "question", "type", "answer", "answer_items", "must_contain", "evidence", "as_of",
     "conversation", "notes", "parts", "corpus", "about"}
)
QUOTE_MIN_WORDS = 5
QUOTE_MAX_WORDS = 25

_WS = re.compile(r"\s+")
_AS_OF = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
_ID = re.compile(r"^[A-Za-z0-9_.-]+$")


def normalise_for_match(text: str) -> str:
    """NFC, every whitespace run (newlines included) collapsed to one space, stripped.

    Quotes in the dataset are verbatim substrings of the source *after* this normalisation.
    """
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


# ---------------------------------------------------------------------------- data model


@dataclass(frozen=True)
class Evidence:
    document: str  # file name in the corpus folder
    quote: str  # verbatim (after normalise_for_match) text supporting the answer


@dataclass(frozen=True)
class ConversationTurn:
    question: str
    must_contain: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Part:
    """One part of a multi-part question: scored on its own (its strings, or an explicit refusal)."""

    question: str
    must_contain: list[str] = field(default_factory=list)
    answer_items: list[str] = field(default_factory=list)
    answerable: bool = True


@dataclass
class EvalItem:
    id: str
    question: str
    type: str
    answer: str
    answer_items: list[str] = field(default_factory=list)
    must_contain: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    as_of: str | None = None
    conversation: list[ConversationTurn] = field(default_factory=list)
    notes: str | None = None
    parts: list[Part] = field(default_factory=list)
    corpus: str | None = None
    about: list[str] = field(default_factory=list)  # unanswerable items: the documents the question is about

    @property
    def documents(self) -> list[str]:
        """The distinct documents this item's evidence comes from, in order."""
        return list(dict.fromkeys(e.document for e in self.evidence))

    @property
    def split_documents(self) -> list[str]:
        """The documents that place the item in a by-document split: its evidence, else what it is `about`."""
        return list(dict.fromkeys([*self.documents, *self.about]))

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for optional in ("notes", "corpus"):
            if d.get(optional) is None:
                d.pop(optional, None)
        for optional in ("parts", "about"):
            if not d.get(optional):
                d.pop(optional, None)
        for part in d.get("parts", []):
            if part["answerable"]:
                part.pop("answerable")
            if not part["answer_items"]:
                part.pop("answer_items")
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "EvalItem":
        """Build an item from a parsed JSON object (no validation; see :func:`validate_items`)."""
        evidence = [
            Evidence(document=str(e.get("document", "")), quote=str(e.get("quote", "")))
            for e in (d.get("evidence") or [])
            if isinstance(e, dict)
        ]
        conversation = [
            ConversationTurn(question=str(t.get("question", "")),
                             must_contain=list(t.get("must_contain") or []))
            for t in (d.get("conversation") or [])
            if isinstance(t, dict)
        ]
        return cls(
            id=str(d.get("id", "")),
            question=str(d.get("question", "")),
            type=str(d.get("type", "")),
            answer=str(d.get("answer", "")),
            answer_items=list(d.get("answer_items") or []),
            must_contain=list(d.get("must_contain") or []),
            evidence=evidence,
            as_of=d.get("as_of"),
            conversation=conversation,
            notes=d.get("notes"),
            parts=[Part(question=str(p.get("question", "")), must_contain=list(p.get("must_contain") or []),
                        answer_items=list(p.get("answer_items") or []), answerable=bool(p.get("answerable", True)))
                   for p in (d.get("parts") or []) if isinstance(p, dict)],
            corpus=d.get("corpus"),
            about=[str(a) for a in (d.get("about") or [])],
        )


class DatasetError(ValueError):
    """Raised when a dataset file has problems; ``problems`` lists every one of them."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = list(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s) in the evaluation dataset:\n{shown}")


# ---------------------------------------------------------------------------- corpora


@dataclass
class Corpus:
    """One corpus of `corpora.json`: where its documents are, its dataset files, how documents split."""

    name: str
    documents_dir: Path
    files: dict[str, Path]  # split name -> JSONL file
    sides: dict[str, str | None]  # split name -> "dev" | "heldout" (by document) | None (by question only)
    labels: dict[str, str]
    document_splits: dict[str, list[str]] | None = None  # "dev" / "heldout" -> documents
    document_views: dict[str, str] = field(default_factory=dict)  # side -> view name (a by-document regrouping)
    plan_document: str | None = None
    gate_documents: list[str] = field(default_factory=list)
    exclude_dirs: list[str] = field(default_factory=list)
    exclude_files: list[str] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return self.documents_dir.is_dir()

    def side_of(self, document: str) -> str | None:
        for side, documents in (self.document_splits or {}).items():
            if document in documents:
                return side
        return None

    def side_of_item(self, item: "EvalItem") -> str | None:
        """The one side all of an item's documents are on; None if unassigned or across both sides."""
        sides = {self.side_of(d) for d in item.split_documents}
        return sides.pop() if len(sides) == 1 else None

    def load(self, *, allow_ocr: bool = False, report: "ValidationReport | None" = None) -> dict[str, list["EvalItem"]]:
        """Every file of the corpus, validated (raises DatasetError listing every problem)."""
        report = report if report is not None else ValidationReport()
        ctx = CheckContext(self.documents_dir, self.plan_document, allow_ocr, report)
        splits: dict[str, list[EvalItem]] = {}
        problems: list[str] = []
        for name, path in self.files.items():
            items, p = _parse_file(path, ctx)
            splits[name] = items
            problems.extend(p)
        problems.extend(_cross_file_problems(splits))
        problems.extend(self._split_problems(splits))
        if problems:
            raise DatasetError(f"{self.name} ({DATASETS_DIR})", problems)
        return splits

    def _split_problems(self, splits: dict[str, list["EvalItem"]]) -> list[str]:
        if self.document_splits is None:
            return []
        problems = []
        dev, held = set(self.document_splits.get("dev", [])), set(self.document_splits.get("heldout", []))
        for both in sorted(dev & held):
            problems.append(f"{self.name}: document {both!r} is assigned to both dev and heldout")
        if self.available:
            for document in sorted(dev | held):
                if not (self.documents_dir / document).is_file():
                    problems.append(f"{self.name}: split file names {document!r}, not in {self.documents_dir}")
        for name, items in splits.items():
            side = self.sides.get(name)
            for item in items:
                if not item.split_documents:
                    problems.append(f"{self.name} {name} ({item.id}): no evidence and no 'about': cannot be placed in a by-document split")
                    continue
                unassigned = [d for d in item.split_documents if self.side_of(d) is None]
                if unassigned:
                    problems.append(f"{self.name} {name} ({item.id}): document(s) {unassigned} have no side in the split file")
                elif side is not None and self.side_of_item(item) != side:
                    sides = sorted({str(self.side_of(d)) for d in item.split_documents})
                    problems.append(f"{self.name} {name} ({item.id}): in the {side} file but its documents are on {sides}")
        return problems

    def views(self, splits: dict[str, list["EvalItem"]]) -> tuple[dict[str, list["EvalItem"]], dict[str, list[str]]]:
        """The splits as reported: each file, plus the by-document regrouping when the files are by question.

        Returns (view name -> items, view name -> ids left out because their documents sit on both sides).
        """
        views = dict(splits)
        excluded: dict[str, list[str]] = {}
        if self.document_views:
            everything = [i for items in splits.values() for i in items]
            for side, view in self.document_views.items():
                views[view] = [i for i in everything if self.side_of_item(i) == side]
                excluded[view] = [i.id for i in everything if self.side_of_item(i) is None]
        return views, excluded

    def label(self, view: str) -> str:
        return self.labels.get(view, view)


def _resolve_dir(value: str, env: str | None) -> Path:
    if env and os.environ.get(env):
        return Path(os.environ[env]).expanduser()
    path = Path(value)
    return path if path.is_absolute() else (REPO_ROOT / path).resolve()


def load_corpora(path: Path = CORPORA_PATH) -> dict[str, Corpus]:
    """The corpora of `corpora.json` (documents dirs resolved against the repo root, or their env var)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    corpora = {}
    for name, c in data["corpora"].items():
        files = {split: DATASETS_DIR / f["path"] for split, f in c["files"].items()}
        splits_file = c.get("document_splits")
        document_splits = None
        if splits_file:
            raw = json.loads((DATASETS_DIR / splits_file).read_text(encoding="utf-8"))
            document_splits = {"dev": list(raw["dev"]), "heldout": list(raw["heldout"])}
        corpora[name] = Corpus(
            name=name, documents_dir=_resolve_dir(c["documents"], c.get("env")), files=files,
            sides={split: f.get("side") for split, f in c["files"].items()},
            labels={**{split: f.get("label", split) for split, f in c["files"].items()}, **c.get("view_labels", {})},
            document_splits=document_splits, document_views=dict(c.get("document_views", {})),
            plan_document=c.get("plan_document"), gate_documents=list(c.get("gate_documents", [])),
            exclude_dirs=list(c.get("exclude_dirs", [])), exclude_files=list(c.get("exclude_files", [])),
        )
    return corpora


def get_corpus(name: str) -> Corpus:
    corpora = load_corpora()
    if name not in corpora:
        raise KeyError(f"unknown corpus {name!r} (known: {', '.join(corpora)})")
    return corpora[name]


# ---------------------------------------------------------------------------- corpus access


@lru_cache(maxsize=64)
def _normalised_document(path_str: str, mtime_ns: int) -> str:
    return normalise_for_match(Path(path_str).read_text(encoding="utf-8"))


def normalised_corpus_text(document: str, corpus_dir: Path | str | None = None) -> str | None:
    """The normalised text of one plain-text corpus file, or None if it does not exist."""
    path = Path(corpus_dir or DEFAULT_CORPUS_DIR) / document
    if not path.is_file():
        return None
    return _normalised_document(str(path), path.stat().st_mtime_ns)


@dataclass
class ValidationReport:
    """How each evidence quote was found (exact / fuzzy / unchecked), for the CLI and the tests."""

    levels: Counter = field(default_factory=Counter)
    unchecked: list[str] = field(default_factory=list)
    fuzzy: list[tuple[str, str, float]] = field(default_factory=list)  # (where, reading, ratio)


@dataclass
class CheckContext:
    corpus_dir: Path
    plan_document: str | None = None
    allow_ocr: bool = False
    report: ValidationReport = field(default_factory=ValidationReport)


def _check_quote(ev: "Evidence", where: str, ctx: CheckContext) -> list[str]:
    """A quote is verbatim in a plain-text source; in a real document, verbatim in one of its readings or,
    for OCR and converted sources, within the fuzzy threshold (`eval/sourcetext.py`)."""
    path = ctx.corpus_dir / ev.document
    if not path.is_file():
        return [f"{where} document {ev.document!r} not found in {ctx.corpus_dir}"]
    quote = normalise_for_match(ev.quote)
    if path.suffix.lower() in (".txt", ".md"):
        if quote in normalised_corpus_text(ev.document, ctx.corpus_dir):
            ctx.report.levels["exact"] += 1
            return []
        return [f"{where} quote is not a verbatim substring of {ev.document}: {ev.quote!r}"]
    from baocao.eval import sourcetext

    check = sourcetext.check_quote(quote, sourcetext.source_text(path, allow_ocr=ctx.allow_ocr))
    ctx.report.levels[check.level] += 1
    if check.level == "unchecked":
        ctx.report.unchecked.append(f"{where} ({ev.document}): no reading to check it against yet "
                                    "(OCR not cached, or pdftotext/antiword missing: `make eval-deps`)")
    elif check.level == "fuzzy":
        ctx.report.fuzzy.append((where, check.reading or "", check.ratio or 0.0))
    elif check.level == "missing":
        ratio = f" (best fuzzy ratio {check.ratio} < {sourcetext.FUZZY_MIN_RATIO})" if check.ratio is not None else ""
        return [f"{where} quote not found in {ev.document}{ratio}: {ev.quote!r}"]
    return []


# ---------------------------------------------------------------------------- validation


def _check_raw(obj: Any, where: str) -> list[str]:
    """Shape checks on the raw JSON object (types of fields, unknown keys)."""
    problems: list[str] = []
    if not isinstance(obj, dict):
        return [f"{where}: not a JSON object"]
    for name in REQUIRED_FIELDS:
        value = obj.get(name)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: missing or empty required field '{name}'")
    unknown = sorted(set(obj) - KNOWN_FIELDS)
    if unknown:
        problems.append(f"{where}: unknown field(s) {unknown}")
    for name in ("answer_items", "must_contain"):
        value = obj.get(name, [])
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)):
            problems.append(f"{where}: '{name}' must be a list of non-empty strings")
    evidence = obj.get("evidence", [])
    if evidence is not None:
        if not isinstance(evidence, list):
            problems.append(f"{where}: 'evidence' must be a list")
        else:
            for k, e in enumerate(evidence):
                if not (isinstance(e, dict) and isinstance(e.get("document"), str) and isinstance(e.get("quote"), str)):
                    problems.append(f"{where}: evidence[{k}] must be {{'document': str, 'quote': str}}")
    conversation = obj.get("conversation", [])
    if conversation is not None:
        if not isinstance(conversation, list):
            problems.append(f"{where}: 'conversation' must be a list")
        else:
            for k, t in enumerate(conversation):
                if not (isinstance(t, dict) and isinstance(t.get("question"), str)
                        and isinstance(t.get("must_contain", []), list)):
                    problems.append(f"{where}: conversation[{k}] must be {{'question': str, 'must_contain': [str]}}")
    as_of = obj.get("as_of")
    if as_of is not None and not isinstance(as_of, str):
        problems.append(f"{where}: 'as_of' must be a string (YYYY-MM-DD or YYYY-MM) or null")
    notes = obj.get("notes")
    if notes is not None and not isinstance(notes, str):
        problems.append(f"{where}: 'notes' must be a string")
    parts = obj.get("parts", [])
    if parts is not None:
        if not isinstance(parts, list):
            problems.append(f"{where}: 'parts' must be a list")
        else:
            for k, p in enumerate(parts):
                if not (isinstance(p, dict) and isinstance(p.get("question"), str)
                        and isinstance(p.get("must_contain", []), list) and isinstance(p.get("answerable", True), bool)):
                    problems.append(f"{where}: parts[{k}] must be {{'question': str, 'must_contain': [str], 'answerable': bool}}")
    about = obj.get("about", [])
    if about is not None and not (isinstance(about, list) and all(isinstance(a, str) for a in about)):
        problems.append(f"{where}: 'about' must be a list of document names")
    corpus = obj.get("corpus")
    if corpus is not None and not isinstance(corpus, str):
        problems.append(f"{where}: 'corpus' must be a string")
    return problems


def _valid_as_of(value: str) -> bool:
    if not _AS_OF.match(value):
        return False
    parts = [int(p) for p in value.split("-")]
    try:
        date(parts[0], parts[1], parts[2] if len(parts) == 3 else 1)
    except ValueError:
        return False
    return True


def _check_item(item: EvalItem, where: str, ctx: CheckContext) -> list[str]:
    """Content checks on one item."""
    problems: list[str] = []
    if item.id and not _ID.match(item.id):
        problems.append(f"{where}: id {item.id!r} may only hold letters, digits, '_', '-', '.'")
    if item.type not in TYPES:
        problems.append(f"{where}: unknown type {item.type!r} (known: {', '.join(TYPES)})")
    if item.as_of is not None and not _valid_as_of(item.as_of):
        problems.append(f"{where}: as_of {item.as_of!r} is not YYYY-MM-DD or YYYY-MM")

    answer_n = normalise_for_match(item.answer)

    # must_contain: every string appears in the gold answer
    for s in item.must_contain:
        if normalise_for_match(s) not in answer_n:
            problems.append(f"{where}: must_contain {s!r} does not appear in the gold answer")
    if len(set(item.must_contain)) != len(item.must_contain):
        problems.append(f"{where}: must_contain has duplicates")

    # evidence: documents exist, quotes found in the source, clean, 5-25 words
    for k, ev in enumerate(item.evidence):
        quote = normalise_for_match(ev.quote)
        if not quote:
            problems.append(f"{where}: evidence[{k}] has an empty quote")
            continue
        problems.extend(_check_quote(ev, f"{where}: evidence[{k}]", ctx))
        if "\ufffd" in quote:
            problems.append(f"{where}: evidence[{k}] quote contains U+FFFD; quote a clean fragment instead")
        n_words = len(quote.split(" "))
        if not QUOTE_MIN_WORDS <= n_words <= QUOTE_MAX_WORDS:
            problems.append(f"{where}: evidence[{k}] quote has {n_words} words (want {QUOTE_MIN_WORDS}-{QUOTE_MAX_WORDS})")
    for a in item.about:
        if not (ctx.corpus_dir / a).is_file():
            problems.append(f"{where}: 'about' document {a!r} not found in {ctx.corpus_dir}")
    if item.about and item.answerable:
        problems.append(f"{where}: only unanswerable items name the documents they are 'about' (others cite evidence)")

    # per type
    if item.type == "unanswerable":
        if item.must_contain:
            problems.append(f"{where}: unanswerable item must have an empty must_contain")
        if item.evidence:
            problems.append(f"{where}: unanswerable item must have no evidence")
        if item.answer_items:
            problems.append(f"{where}: unanswerable item must have no answer_items")
        if not item.answer.startswith(UNANSWERABLE_PREFIX):
            problems.append(f"{where}: unanswerable answer must start with {UNANSWERABLE_PREFIX!r}")
    elif item.type in TYPES:
        if not item.evidence:
            problems.append(f"{where}: answerable item needs at least one evidence quote")
        if not item.must_contain:
            problems.append(f"{where}: answerable item needs a non-empty must_contain")

    if item.type in LIST_TYPES:
        if not item.answer_items:
            problems.append(f"{where}: {item.type} item needs answer_items")
        if len(set(item.answer_items)) != len(item.answer_items):
            problems.append(f"{where}: answer_items has duplicates")
        for a in item.answer_items:
            if normalise_for_match(a) not in answer_n:
                problems.append(f"{where}: answer_item {a!r} is not named in the gold answer")

    if item.type == "plan_task" and ctx.plan_document and ctx.plan_document not in item.documents:
        problems.append(f"{where}: plan_task item must cite {ctx.plan_document}")
    if item.type == "disagreement" and len(item.evidence) < 2:
        problems.append(f"{where}: disagreement item needs at least two evidence quotes (one per figure)")
    if item.type == "multi_report" and len(item.documents) < 2:
        problems.append(f"{where}: multi_report item needs evidence from at least two documents")
    if item.type in ("temporal_at_date", "temporal_latest") and not item.as_of:
        problems.append(f"{where}: {item.type} item needs as_of")

    if item.type == "conversation":
        turns = item.conversation
        if len(turns) < 2:
            problems.append(f"{where}: conversation item needs at least two turns")
        elif normalise_for_match(turns[0].question) != normalise_for_match(item.question):
            problems.append(f"{where}: the first conversation turn must be the top-level question")
        for k, t in enumerate(turns):
            if not t.question.strip():
                problems.append(f"{where}: conversation[{k}] has an empty question")
            if not t.must_contain:
                problems.append(f"{where}: conversation[{k}] needs its own must_contain")
            for s in t.must_contain:
                if not isinstance(s, str) or normalise_for_match(s) not in answer_n:
                    problems.append(f"{where}: conversation[{k}] must_contain {s!r} does not appear in the gold answer")
    elif item.conversation:
        problems.append(f"{where}: only 'conversation' items may have conversation turns")

    if item.type == "multi_part" and len(item.parts) < 2:
        problems.append(f"{where}: multi_part item needs at least two parts")
    for k, part in enumerate(item.parts):
        if not part.question.strip():
            problems.append(f"{where}: parts[{k}] has an empty question")
        if part.answerable and not part.must_contain:
            problems.append(f"{where}: parts[{k}] needs its own must_contain (or answerable: false)")
        if not part.answerable and part.must_contain:
            problems.append(f"{where}: parts[{k}] is unanswerable and must have an empty must_contain")
        for s in [*part.must_contain, *part.answer_items]:
            if normalise_for_match(s) not in answer_n:
                problems.append(f"{where}: parts[{k}] string {s!r} does not appear in the gold answer")
    return problems


def validate_items(items: Iterable[EvalItem], corpus_dir: Path | str | None = None,
                   source: str = "dataset", *, plan_document: str | None = None, allow_ocr: bool = False) -> list[str]:
    """Every problem in already-built items (content checks and duplicate ids)."""
    ctx = CheckContext(Path(corpus_dir or DEFAULT_CORPUS_DIR), plan_document, allow_ocr)
    problems: list[str] = []
    seen: dict[str, int] = {}
    for n, item in enumerate(items, start=1):
        where = f"{source} item {n} ({item.id or '?'})"
        if item.id in seen:
            problems.append(f"{where}: duplicate id {item.id!r} (first at item {seen[item.id]})")
        else:
            seen[item.id] = n
        problems.extend(_check_item(item, where, ctx))
    return problems


def _parse_file(path: Path, ctx: CheckContext) -> tuple[list[EvalItem], list[str]]:
    problems: list[str] = []
    items: list[EvalItem] = []
    seen: dict[str, int] = {}
    if not path.is_file():
        return [], [f"{path}: file not found"]
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: invalid JSON ({exc.msg})")
            continue
        raw_problems = _check_raw(obj, where)
        problems.extend(raw_problems)
        if not isinstance(obj, dict):
            continue
        item = EvalItem.from_dict(obj)
        where = f"{where} ({item.id or '?'})"
        if item.id:
            if item.id in seen:
                problems.append(f"{where}: duplicate id {item.id!r} (first on line {seen[item.id]})")
            else:
                seen[item.id] = lineno
        if not raw_problems:
            problems.extend(_check_item(item, where, ctx))
        items.append(item)
    return items, problems


def _corpus_for_path(path: Path) -> Corpus | None:
    for corpus in load_corpora().values():
        if any(Path(f).resolve() == path.resolve() for f in corpus.files.values()):
            return corpus
    return None


def load_dataset(path: Path | str, corpus_dir: Path | str | None = None, *, allow_ocr: bool = False) -> list[EvalItem]:
    """Load and validate one JSONL file; raise :class:`DatasetError` listing all problems.

    A file of `corpora.json` is checked against its own corpus (documents folder, plan document) unless
    `corpus_dir` says otherwise; any other file against `corpus_dir` (default: the sample reports).
    """
    path = Path(path)
    corpus = _corpus_for_path(path)
    ctx = CheckContext(Path(corpus_dir) if corpus_dir else (corpus.documents_dir if corpus else DEFAULT_CORPUS_DIR),
                       corpus.plan_document if corpus else None, allow_ocr)
    items, problems = _parse_file(path, ctx)
    if problems:
        raise DatasetError(str(path), problems)
    return items


def _cross_file_problems(splits: dict[str, list[EvalItem]]) -> list[str]:
    problems, owner = [], {}
    for name, items in splits.items():
        for item in items:
            if item.id in owner and owner[item.id] != name:
                problems.append(f"id {item.id!r} appears in both {owner[item.id]} and {name}")
            owner.setdefault(item.id, name)
    return problems


def load_all(datasets_dir: Path | str | None = None,
             corpus_dir: Path | str | None = None) -> dict[str, list[EvalItem]]:
    """Load both sample-corpus splits (``questions``, ``heldout``); ids must be unique across them too."""
    base = Path(datasets_dir) if datasets_dir else DATASETS_DIR
    sample = load_corpora()["sample"]
    ctx = CheckContext(Path(corpus_dir or DEFAULT_CORPUS_DIR), sample.plan_document)
    splits: dict[str, list[EvalItem]] = {}
    problems: list[str] = []
    for name, default_path in SPLITS.items():
        items, p = _parse_file(base / default_path.name, ctx)
        splits[name] = items
        problems.extend(p)
    problems.extend(_cross_file_problems(splits))
    if problems:
        raise DatasetError(str(base), problems)
    return splits


def load_split(name: str, corpus_dir: Path | str | None = None) -> list[EvalItem]:
    """One split by name: ``questions``/``heldout`` (sample) or a split of another corpus (``realdocs_dev``, ...)."""
    if name in SPLITS:
        return load_dataset(SPLITS[name], corpus_dir)
    for corpus in load_corpora().values():
        if name in corpus.files:
            return load_dataset(corpus.files[name], corpus_dir)
    raise KeyError(f"unknown split {name!r}")


def type_counts(items: Iterable[EvalItem]) -> dict[str, int]:
    """Items per type, in the order of :data:`TYPES` (types with no item are left out past the sample's)."""
    c = Counter(i.type for i in items)
    return {t: c.get(t, 0) for t in TYPES if t in SAMPLE_TYPES or c.get(t)}


_VIETNAMESE_MARKS = re.compile(r"[^\x00-\x7f]")


def without_diacritics(question: str) -> bool:
    """Typed without any Vietnamese diacritic (`tinh nao chua thanh lap ban chi dao`)."""
    return not _VIETNAMESE_MARKS.search(unicodedata.normalize("NFC", question))


def write_jsonl(items: Iterable[EvalItem], path: Path | str) -> None:
    """Write items one JSON object per line (UTF-8, Vietnamese kept readable)."""
    with Path(path).open("w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    """``python -m baocao.eval.dataset [--corpus NAME] [--ocr]``: validate and print the counts per type."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m baocao.eval.dataset", description=main.__doc__)
    parser.add_argument("--corpus", action="append", help="corpus to validate (default: every available one)")
    parser.add_argument("--ocr", action="store_true", help="OCR scans not yet in the cache (slow) to check their quotes")
    args = parser.parse_args(argv)
    corpora = load_corpora()
    status = 0
    for name in args.corpus or list(corpora):
        corpus = corpora[name]
        if not corpus.available:
            print(f"{name}: documents folder {corpus.documents_dir} is absent: not validated")
            continue
        report = ValidationReport()
        try:
            splits = corpus.load(allow_ocr=args.ocr, report=report)
        except DatasetError as exc:
            print(exc)
            status = 1
            continue
        views, excluded = corpus.views(splits)
        for view, items in views.items():
            plain = sum(without_diacritics(i.question) for i in items)
            print(f"{name} / {view} ({corpus.label(view)}): {len(items)} items, "
                  f"{sum(not i.answerable for i in items)} unanswerable, {plain} without diacritics"
                  + (f", {len(excluded[view])} left out (documents on both sides)" if excluded.get(view) else ""))
            for t, n in type_counts(items).items():
                print(f"  {t:18s} {n}")
        print(f"{name}: quotes {dict(report.levels)}")
        for line in report.unchecked:
            print(f"  unchecked: {line}")
    return status


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
