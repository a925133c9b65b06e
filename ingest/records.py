"""Records read from a chunk once, at ingest, and stored with it (Chroma metadata, JSON).

- `EntityList` (`ingest/entities.py`): a list of units of any kind — provinces, communes/wards,
  ministries, departments, associations, schools, databases, laws, members — with what it is a list
  of (predicate, polarity), the count and universe the text states, its date and its source.
- `FigureRecord`: one figure as the text states it — the metric as the text names it, the value as
  written, the number, the unit, the scope (which units it is about, or the whole country), its date
  and the sentence it comes from.
- Task records (`TaskRecord`, `Chunk.task`) are read by `ingest/plan.py` and the structure step.

The assistant answers from these records; it does not re-read the text per question.
"""

from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from baocao.ingest.datapack import load_pack
from baocao.ingest.entities import EntityList, extract_lists, extract_lists_from_footnote, find_entities
from baocao.ingest.generic_lists import extract_named_lists
from baocao.ingest.models import Chunk
from baocao.ingest.text import (
    last_marker_number,
    search_key,
    sentence_spans,
    stated_dates,
    without_markers,
)

RECORDS_VERSION = 1


@dataclass
class FigureRecord:
    metric: str  # as the text names it: "tốc độ tải xuống băng rộng di động"
    value: str  # as written: "144,50 Mbit/s", "43/63 địa phương", "91.060.000.000 đồng"
    number: float | None  # 144.5, 43.0 (the numerator of a ratio), 91060000000.0
    unit: str  # "Mbit/s", "%", "địa phương", "đồng", "" when none
    scope: list[str] = field(default_factory=list)  # units it is about; ["cả nước"] for the whole country
    as_of: str | None = None  # ISO (maybe partial) date the figure speaks of
    sentence: str = ""  # the verbatim sentence of the chunk it comes from
    total: float | None = None  # the denominator of a ratio ('43/63')
    change: str | None = None  # "tăng" / "giảm" when the figure is itself a change
    chunk_id: str = ""
    type: str = "figure"


# ---------------------------------------------------------------------------------------- figures

_NUMBER = r"(?<![\w/.,])(\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?)(?:\s*/\s*(\d{1,4}))?(?![\w/]|[.,]\d)"
_SCALE = r"(?:\s+(nghìn|ngàn|triệu|tỷ|tỉ))?"
_NUMBER_RE = re.compile(_NUMBER + _SCALE)
SCALE = {"nghìn": 1e3, "ngàn": 1e3, "triệu": 1e6, "tỷ": 1e9, "tỉ": 1e9}
# what a number is not: dates, years, document numbers and ordinals of laws ('Nghị định 105/2021')
_NOT_FIGURE = re.compile(
    r"\d{1,2}/\d{1,2}/\d{4}|\b(?:tháng|quý|năm|ngày)\s+\S+|\b(?:19|20)\d{2}\b|\d+(?:/\d{4})?/[A-ZĐ][\w-]*(?:/[\w-]+)*"
    r"|\d+-[A-ZĐ][\w/-]*|(?:Đề án|Nghị quyết|Nghị định|Quyết định|Chỉ thị|Kế hoạch|Thông tư|Luật|Công văn|Tờ trình|số|Số|Điều|khoản|Khoản|điểm|Mẫu)\s+\d+\S*",
    re.IGNORECASE,
)
_UNIT_RE = re.compile(r"\s*(%|Mbit/s|Mbps|Gbps|km|m2|ha|USD|đồng|lượt|người|[^\W\d_]+(?:\s+[^\W\d_]+){0,3})")
_VERBS = r"(?:đạt|là|có|được|chiếm|khoảng|với|gồm|trên|hơn|gần|còn|mới|hiện|đã|lên|xuống|tới|đến|bằng)"
_CHANGE_RE = re.compile(r"\b(tăng|giảm)(?:\s+thêm)?\s*$", re.IGNORECASE)
_NATIONAL_RE = re.compile(r"\b(cả nước|toàn quốc|Việt Nam|quốc gia|trung ương)\b", re.IGNORECASE)
_CLAUSE_START = re.compile(r"[;:(]|,\s+(?=(?:trong đó|tăng|giảm|đạt|chiếm|có)\b)|\.\s")


@functools.lru_cache(maxsize=1)
def _unit_nouns() -> list[str]:
    kinds = load_pack("entity_kinds")
    return sorted({n for k in kinds.values() for n in k.get("nouns", [])}, key=len, reverse=True)


def parse_number(text: str, scale: str | None = None) -> float | None:
    """'1.273.272' → 1273272, '159,57' → 159.57, '15,1' + 'triệu' → 15100000."""
    raw = text.replace(".", "").replace(",", ".") if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", text) else text.replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        return None
    return value * SCALE.get(scale or "", 1)


def _masked(sentence: str) -> str:
    """The sentence with dates and document numbers blanked out (same length), so they are no figures."""
    return _NOT_FIGURE.sub(lambda m: " " * len(m.group()), sentence)


def _metric_before(sentence: str, start: int) -> str:
    head = sentence[:start]
    cut = max((m.end() for m in _CLAUSE_START.finditer(head)), default=0)
    words = head[cut:]
    words = re.sub(rf"(?:\s+{_VERBS})+\s*$", "", words, flags=re.IGNORECASE)
    words = _CHANGE_RE.sub("", words)
    words = re.sub(r"^\s*(?:[-+•–]\s*|\(?\d{1,2}[.)]\s*|[a-zđ]\)\s*)", "", words)
    words = re.sub(r"(?i)^\s*(?:tính\s+)?đến\s+(?:hết\s+)?(?:ngày|tháng)?\s*,?\s*", "", words)
    return " ".join(without_markers(words).split()).strip(" ,;:-–")


_SCOPE_WORDS = re.compile(r"(?i)\b(?:cả nước|toàn quốc|toàn tỉnh|toàn thành phố|trên địa bàn(?: tỉnh)?)\b")
_TAIL_RE = re.compile(r"\s*((?:[^\W\d_]+[ \t]*){1,8})")


def _metric(masked: str, start: int, value_end: int, unit: str) -> str:
    """What the figure measures: the words before it ('Tốc độ tải … di động'), else its unit and the words
    after it ('trạm y tế xã có bác sĩ'); dates and scope words ('cả nước') left out."""
    before = " ".join(_SCOPE_WORDS.sub(" ", _metric_before(masked, start)).split()).strip(" ,;:")
    if len(before.split()) >= 2:
        return before
    tail = _TAIL_RE.match(masked, value_end)
    words = " ".join(x for x in (before, tail.group(1) if tail else unit) if x)
    return " ".join(_SCOPE_WORDS.sub(" ", words).split()).strip(" ,;:")


def figures_in(sentence: str, *, as_of: str | None, chunk_id: str = "") -> list[FigureRecord]:
    masked = _masked(sentence)
    out: list[FigureRecord] = []
    scope = [m.name for m in find_entities(sentence, ("province", "agency", "commune", "department"))]
    if not scope and _NATIONAL_RE.search(sentence):
        scope = ["cả nước"]
    dates = stated_dates(sentence)
    for m in _NUMBER_RE.finditer(masked):
        number_text, total_text, scale = m.group(1), m.group(2), m.group(3)
        unit_match = _UNIT_RE.match(sentence, m.end())
        unit = _unit_of(sentence, m.end(), unit_match)
        value_end = m.end() + (len(unit_match.group(0)) if unit_match and unit else 0)
        value = " ".join(sentence[m.start() : value_end].split())
        metric = _metric(masked, m.start(), m.end(), unit)
        if not metric:
            continue
        change = _CHANGE_RE.search(sentence[: m.start()].rstrip())
        out.append(FigureRecord(
            metric=metric or unit, value=value, number=parse_number(number_text, scale), unit=unit,
            scope=scope, as_of=dates[0] if dates else as_of, sentence=sentence,
            total=float(total_text) if total_text else None,
            change=change.group(1).lower() if change else None, chunk_id=chunk_id,
        ))
    return out


def _unit_of(sentence: str, end: int, unit_match: re.Match[str] | None) -> str:
    if not unit_match:
        return ""
    word = unit_match.group(1)
    if word in ("%",) or not word[0].isalpha() or word.startswith(("Mbit", "Mbps", "Gbps")):
        return word
    rest = search_key(sentence[end : end + 60])
    for noun in _unit_nouns():
        if rest.startswith(search_key(noun)):
            return " ".join(sentence[end:].split()[: len(noun.split())]).strip(" ,;:.()")
    first = word.split()[0]
    return first if first.islower() else ""


# ------------------------------------------------------------------------------------ per chunk


def lists_in(chunk: Chunk) -> list[EntityList]:
    """Every list of a chunk: named units the gazetteer knows, then lists of anything else."""
    if chunk.kind == "footnote":
        found = extract_lists_from_footnote(chunk.text, chunk.context or "", as_of=chunk.as_of,
                                            number=last_marker_number(chunk.context))
    else:
        found = extract_lists(chunk.text, as_of=chunk.as_of)
    found = [lst for lst in found if lst.items]
    taken = [lst.source_span for lst in found]
    found += [lst for lst in extract_named_lists(chunk.text, as_of=chunk.as_of, context=chunk.context)
              if not any(lst.source_span[0] < e and s < lst.source_span[1] for s, e in taken)]
    for lst in found:
        lst.chunk_id = chunk.chunk_id
        start, end = lst.source_span
        lst.quote = chunk.text[start:end].strip() or chunk.text[:400]
    return found


def figures_of(chunk: Chunk) -> list[FigureRecord]:
    if chunk.kind == "task":
        return []
    out: list[FigureRecord] = []
    for start, end in sentence_spans(chunk.text):
        out += figures_in(chunk.text[start:end], as_of=chunk.as_of, chunk_id=chunk.chunk_id)
    return out


def extract_records(chunk: Chunk) -> list[EntityList | FigureRecord]:
    """The records of one chunk (lists first, then figures), ready to store with it."""
    return [*lists_in(chunk), *figures_of(chunk)]


def attach_records(chunks: list[Chunk]) -> None:
    """The ingest hook: every chunk gets its records."""
    for chunk in chunks:
        chunk.records = extract_records(chunk)


# ------------------------------------------------------------------------------- serialisation


def record_to_dict(record: EntityList | FigureRecord) -> dict[str, Any]:
    data = asdict(record)
    data["type"] = "list" if isinstance(record, EntityList) else "figure"
    return data


def record_from_dict(data: dict[str, Any]) -> EntityList | FigureRecord | None:
    data = dict(data)
    kind = data.pop("type", None)
    if kind == "list":
        data["source_span"] = tuple(data.get("source_span") or (0, 0))
        return EntityList(**{k: v for k, v in data.items() if k in EntityList.__dataclass_fields__})
    if kind == "figure":
        return FigureRecord(**{k: v for k, v in data.items() if k in FigureRecord.__dataclass_fields__})
    return None  # a record type this version does not know: skipped, not an error


def records_to_json(records: list) -> str:
    import json

    return json.dumps({"v": RECORDS_VERSION, "records": [record_to_dict(r) for r in records]}, ensure_ascii=False)


def records_from_json(text: str | None) -> list | None:
    """None when the chunk was stored before records existed (then the assistant extracts them once)."""
    import json

    if not text:
        return None
    data = json.loads(text)
    return [r for r in (record_from_dict(d) for d in data.get("records", [])) if r is not None]
