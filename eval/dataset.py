"""The evaluation dataset: questions an official would ask about the sample reports.

Two splits live in ``eval/datasets/``:

- ``questions.jsonl``: the development split (tune on it freely);
- ``heldout.jsonl``: the held-out split (never tune on it; only report on it).

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

SPLITS: dict[str, Path] = {"questions": QUESTIONS_PATH, "heldout": HELDOUT_PATH}

TYPES: tuple[str, ...] = (
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
#: types whose gold answer is a set of items (``answer_items`` required)
LIST_TYPES: frozenset[str] = frozenset({"list", "complement"})

#: the document every ``plan_task`` item must cite
PLAN_DOCUMENT = "2025_ke-hoach-cds-quoc-gia-nam-2025-du-thao.txt"

#: the answer of an ``unanswerable`` item starts with this
UNANSWERABLE_PREFIX = "Không tìm thấy"

REQUIRED_FIELDS = ("id", "question", "type", "answer")
KNOWN_FIELDS = frozenset(
    {"id", "question", "type", "answer", "answer_items", "must_contain", "evidence", "as_of",
     "conversation", "notes"}
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

    @property
    def documents(self) -> list[str]:
        """The distinct documents this item's evidence comes from, in order."""
        return list(dict.fromkeys(e.document for e in self.evidence))

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if d.get("notes") is None:
            d.pop("notes", None)
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
        )


class DatasetError(ValueError):
    """Raised when a dataset file has problems; ``problems`` lists every one of them."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = list(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s) in the evaluation dataset:\n{shown}")


# ---------------------------------------------------------------------------- corpus access


@lru_cache(maxsize=64)
def _normalised_document(path_str: str, mtime_ns: int) -> str:
    return normalise_for_match(Path(path_str).read_text(encoding="utf-8"))


def normalised_corpus_text(document: str, corpus_dir: Path | str | None = None) -> str | None:
    """The normalised text of one corpus file, or None if it does not exist."""
    path = Path(corpus_dir or DEFAULT_CORPUS_DIR) / document
    if not path.is_file():
        return None
    return _normalised_document(str(path), path.stat().st_mtime_ns)


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


def _check_item(item: EvalItem, where: str, corpus_dir: Path) -> list[str]:
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

    # evidence: documents exist, quotes verbatim, clean, 5-25 words
    for k, ev in enumerate(item.evidence):
        text = normalised_corpus_text(ev.document, corpus_dir)
        if text is None:
            problems.append(f"{where}: evidence[{k}] document {ev.document!r} not found in {corpus_dir}")
            continue
        quote = normalise_for_match(ev.quote)
        if not quote:
            problems.append(f"{where}: evidence[{k}] has an empty quote")
            continue
        if quote not in text:
            problems.append(f"{where}: evidence[{k}] quote is not a verbatim substring of {ev.document}: {ev.quote!r}")
        if "\ufffd" in quote:
            problems.append(f"{where}: evidence[{k}] quote contains U+FFFD; quote a clean fragment instead")
        n_words = len(quote.split(" "))
        if not QUOTE_MIN_WORDS <= n_words <= QUOTE_MAX_WORDS:
            problems.append(f"{where}: evidence[{k}] quote has {n_words} words (want {QUOTE_MIN_WORDS}-{QUOTE_MAX_WORDS})")

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

    if item.type == "plan_task" and PLAN_DOCUMENT not in item.documents:
        problems.append(f"{where}: plan_task item must cite {PLAN_DOCUMENT}")
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
    return problems


def validate_items(items: Iterable[EvalItem], corpus_dir: Path | str | None = None,
                   source: str = "dataset") -> list[str]:
    """Every problem in already-built items (content checks and duplicate ids)."""
    corpus = Path(corpus_dir or DEFAULT_CORPUS_DIR)
    problems: list[str] = []
    seen: dict[str, int] = {}
    for n, item in enumerate(items, start=1):
        where = f"{source} item {n} ({item.id or '?'})"
        if item.id in seen:
            problems.append(f"{where}: duplicate id {item.id!r} (first at item {seen[item.id]})")
        else:
            seen[item.id] = n
        problems.extend(_check_item(item, where, corpus))
    return problems


def _parse_file(path: Path, corpus_dir: Path) -> tuple[list[EvalItem], list[str]]:
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
            problems.extend(_check_item(item, where, corpus_dir))
        items.append(item)
    return items, problems


def load_dataset(path: Path | str, corpus_dir: Path | str | None = None) -> list[EvalItem]:
    """Load and validate one JSONL file; raise :class:`DatasetError` listing all problems."""
    path = Path(path)
    items, problems = _parse_file(path, Path(corpus_dir or DEFAULT_CORPUS_DIR))
    if problems:
        raise DatasetError(str(path), problems)
    return items


def load_all(datasets_dir: Path | str | None = None,
             corpus_dir: Path | str | None = None) -> dict[str, list[EvalItem]]:
    """Load both splits (``questions``, ``heldout``); ids must be unique across them too."""
    base = Path(datasets_dir) if datasets_dir else DATASETS_DIR
    corpus = Path(corpus_dir or DEFAULT_CORPUS_DIR)
    splits: dict[str, list[EvalItem]] = {}
    problems: list[str] = []
    for name, default_path in SPLITS.items():
        items, p = _parse_file(base / default_path.name, corpus)
        splits[name] = items
        problems.extend(p)
    owner: dict[str, str] = {}
    for name, items in splits.items():
        for item in items:
            if item.id in owner and owner[item.id] != name:
                problems.append(f"id {item.id!r} appears in both {owner[item.id]} and {name}")
            owner.setdefault(item.id, name)
    if problems:
        raise DatasetError(str(base), problems)
    return splits


def load_split(name: str, corpus_dir: Path | str | None = None) -> list[EvalItem]:
    """One split by name: ``questions`` (development) or ``heldout``."""
    if name not in SPLITS:
        raise KeyError(f"unknown split {name!r} (known: {', '.join(SPLITS)})")
    return load_dataset(SPLITS[name], corpus_dir)


def type_counts(items: Iterable[EvalItem]) -> dict[str, int]:
    """Items per type, in the order of :data:`TYPES`."""
    c = Counter(i.type for i in items)
    return {t: c.get(t, 0) for t in TYPES}


def write_jsonl(items: Iterable[EvalItem], path: Path | str) -> None:
    """Write items one JSON object per line (UTF-8, Vietnamese kept readable)."""
    with Path(path).open("w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    """``python -m baocao.eval.dataset``: validate both splits and print the counts per type."""
    try:
        splits = load_all()
    except DatasetError as exc:
        print(exc)
        return 1
    for name, items in splits.items():
        counts = type_counts(items)
        print(f"{name}: {len(items)} items")
        for t, n in counts.items():
            print(f"  {t:18s} {n}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
