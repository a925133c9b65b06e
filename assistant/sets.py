"""Exact answers for list, complement and count questions about provinces and agencies.

Reports often state only the positive list ("43/63 địa phương thành lập …", the 43 named in a
footnote). "Which have NOT …" is then the complement against the universe in force on the list's
date (63 provinces before 1/7/2025, 34 after), and the answer says so and cites the footnote.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from baocao.assistant.compose import CitationList, as_of_phrase, vn_date
from baocao.ingest.entities import EntityList, complement, extract_lists, extract_lists_from_footnote, universe_for
from baocao.assistant.evidence import QUESTION_WORDS, TermWeights, syllables
from baocao.assistant.models import Answer
from baocao.assistant.query import Query
from baocao.ingest.models import Chunk
from baocao.ingest.text import sentence_at as sentence_with

PROVINCE_WORDS = re.compile(r"\b(tỉnh|địa phương|thành phố|tinh|dia phuong|thanh pho)\b")
AGENCY_WORDS = re.compile(r"\b(bộ|ngành|cơ quan|bo|nganh|co quan)\b")
# "những bộ, ngành nào", "tỉnh nào", "bao nhiêu địa phương": the kind asked about is the subject, next to
# "nào" or after "những/các/bao nhiêu/mấy"; a kind word elsewhere ("doanh thu ngành …") is not asked about.
BEFORE_NAO = re.compile(r"((?:\S+\s+){0,3}\S+)\s+(?:nào|nao)\b")
AFTER_QUANTIFIER = re.compile(r"\b(?:những|các|bao nhiêu|mấy|liệt kê|nhung|cac|bao nhieu|may|liet ke)\s+((?:\S+\s+){0,2}\S+)")
# A list is wanted when the question says so (plural, "liệt kê", a count) or asks who has NOT done something.
LIST_WANTED = re.compile(r"\b(những|các|liệt kê|danh sách|bao nhiêu|mấy|chưa|không|còn lại|nhung|cac|liet ke|danh sach|bao nhieu|may|chua|khong|con lai)\b")
# Words that place the question in time or in a report, not what the list is about: they count little.
SOFT_WORDS = {"bao", "cao", "thuc", "hien", "tinh", "den", "het", "ngay", "thang", "nam", "cuoi", "dau", "theo", "ke", "tu"}
NEGATION = re.compile(r"\b(chua|khong|con lai|cham|qua han)\b")
KIND_WORDS = {"tinh", "dia", "phuong", "thanh", "pho", "bo", "nganh", "co", "quan", "chua", "khong", "con", "lai", "da"}
KIND_LABEL = {"province": "tỉnh, thành phố", "agency": "bộ, ngành"}
MIN_MATCH = 0.55


@dataclass
class FoundList:
    chunk: Chunk
    entities: EntityList
    relevance: float = 0.0


def kinds_in(text: str) -> list[str]:
    return [kind for kind, words in (("province", PROVINCE_WORDS), ("agency", AGENCY_WORDS)) if words.search(text)]


def asked_kinds(query: Query) -> list[str]:
    """Provinces, agencies or both, as the subject of the question; read with diacritics when the question
    has them (`tính` is not `tỉnh`)."""
    text = query.text.lower() if query.has_diacritics else query.folded
    if not query.has_diacritics:
        text = text.replace("tinh den", "").replace("tinh toi", "")
    subjects = [m.group(1) for pattern in (BEFORE_NAO, AFTER_QUANTIFIER) for m in pattern.finditer(text)]
    return list(dict.fromkeys(kind for subject in subjects for kind in kinds_in(subject)))


SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
TRAILING_SUPERSCRIPT = re.compile(r"([⁰¹²³⁴⁵⁶⁷⁸⁹]+)[^⁰¹²³⁴⁵⁶⁷⁸⁹]*$")


def footnote_number(context: str | None) -> str | None:
    """The marker of a footnote chunk, read from the sentence it annotates (`… Đề án 06.¹` → `1`)."""
    m = TRAILING_SUPERSCRIPT.search(context or "")
    return m.group(1).translate(SUPERSCRIPT_DIGITS) if m else None


def lists_in(chunk: Chunk) -> list[EntityList]:
    if chunk.kind == "footnote":
        number = footnote_number(chunk.context)
        return extract_lists_from_footnote(chunk.text, chunk.context or "", as_of=chunk.as_of, number=number)
    return extract_lists(chunk.text, as_of=chunk.as_of)


def plain(predicate: str) -> str:
    return " ".join(re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+", "", predicate).split()).rstrip(" .;:,")


class ListCatalogue:
    """Every entity list in the index, read once per set of documents."""

    def __init__(self) -> None:
        self._generation: str | None = None
        self._lists: list[FoundList] = []
        self._lock = threading.Lock()

    def lists(self, generation: str, chunks: list[Chunk]) -> list[FoundList]:
        with self._lock:
            if generation != self._generation:
                self._lists = [FoundList(c, lst) for c in chunks for lst in lists_in(c) if lst.items]
                self._generation = generation
            return self._lists


def subject_words(query: Query, weights: TermWeights) -> dict[str, float]:
    """The question's words about what the list is of, weighted; time and report words count a quarter."""
    words: dict[str, float] = {}
    for term in syllables(query.text):
        if term in QUESTION_WORDS or term in KIND_WORDS or term in words:
            continue
        if any(ch.isdigit() for ch in term) and not any(ch.isalpha() for ch in term):
            continue  # dates and counts: the list's date and count are checked elsewhere
        words[term] = weights.weight(term) * (0.25 if term in SOFT_WORDS else 1.0)
    return words


def relevance(query: Query, found: FoundList, weights: TermWeights) -> float:
    """Share of the question's subject words (not kind or polarity words) found in the list's claim."""
    wanted = subject_words(query, weights)
    total = sum(wanted.values())
    if not total:
        return 0.0
    entities = found.entities
    claim = " ".join(x for x in (entities.predicate, entities.count_source, found.chunk.context, found.chunk.section) if x)
    present = set(syllables(claim))
    coverage = sum(w for t, w in wanted.items() if t in present) / total
    share, matched = predicate_match(query, entities.predicate)
    # a longer predicate met word for word is more specific: "chưa ban hành Kế hoạch hành động" beats "chưa báo cáo"
    return 0.5 * coverage + 0.5 * share + 0.03 * min(matched, 6)


def predicate_match(query: Query, predicate: str) -> tuple[float, int]:
    """Share and number of the list's predicate words (`ban hành Kế hoạch hành động`) the question uses."""
    words = [t for t in dict.fromkeys(syllables(predicate)) if t not in KIND_WORDS | QUESTION_WORDS and not t.isdigit()]
    if not words:
        return 0.0, 0
    asked = set(syllables(query.text))
    matched = sum(1 for t in words if t in asked)
    return matched / len(words), matched


def negated(predicate: str) -> str:
    """`thành lập Ban Chỉ đạo` → `chưa thành lập Ban Chỉ đạo`; `chưa báo cáo` → `đã báo cáo`."""
    predicate = predicate.strip()
    if re.match(r"(?i)chưa\s", predicate):
        return "đã " + predicate[4:].strip()
    return "chưa " + re.sub(r"(?i)^đã\s+", "", predicate)


def quote_of(found: FoundList) -> str:
    start, end = found.entities.source_span
    span = found.chunk.text[start:end].strip()
    return span if span and span in found.chunk.text else found.chunk.text[:400]


def universe_phrase(kind: str, universe: list[str], as_of: str | None) -> str:
    label = KIND_LABEL[kind]
    if kind == "province":
        era = "trước sắp xếp ngày 1/7/2025" if len(universe) == 63 else "sau sắp xếp từ ngày 1/7/2025"
        return f"{len(universe)} {label} ({era})"
    return f"{len(universe)} {label}" + (f" tại thời điểm {vn_date(as_of)}" if as_of else "")


def set_answer(
    query: Query, found: FoundList, kind: str, cites: CitationList, annotated: Chunk | None = None
) -> tuple[str, list[str]] | None:
    lst = found.entities
    want_negative = bool(NEGATION.search(query.folded))
    list_negative = lst.polarity == "negative"
    if want_negative == list_negative and query.wants_count and not query.wants_list:
        return None  # the report states this count itself: the sentences answer it, with their dates
    marker = cites.cite(found.chunk, quote_of(found))
    when = as_of_phrase(lst.as_of or found.chunk.as_of)
    label = KIND_LABEL[kind]
    if want_negative == list_negative:
        items = lst.items
        text = f"{when[:1].upper() + when[1:] + ', ' if when else ''}có {len(items)} {label} {plain(lst.predicate)}: {', '.join(items)} [{marker}]."
        if lst.stated_count is not None and lst.count_matches_stated is False:
            text += f" Lưu ý: báo cáo nêu con số {lst.stated_count}, nhưng danh sách chỉ có {len(items)} tên."
        return text + stated_sentence(found, cites, annotated), items
    universe = universe_for(lst)
    if universe is None:
        return None
    items = complement(lst, universe)
    stated = f"{lst.stated_count}/{lst.stated_total}" if lst.stated_count and lst.stated_total else str(len(lst.items))
    number = lst.footnote or footnote_number(found.chunk.context)
    where = f"chú thích {number}" if found.chunk.kind == "footnote" and number else "báo cáo"
    text = (
        f"{when[:1].upper() + when[1:] + ', ' if when else ''}có {len(items)} {label} {negated(plain(lst.predicate))}: "
        f"{', '.join(items)} [{marker}].\n"
        f"Báo cáo nêu {stated} {label} {plain(lst.predicate)} và liệt kê tên tại {where}; danh sách trên là các đơn vị "
        f"còn lại trong {universe_phrase(kind, universe, lst.as_of)}."
    )
    if lst.count_matches_stated is False:
        text += f" Lưu ý: báo cáo nêu {stated} nhưng {where} liệt kê {len(lst.items)} tên."
    return text + stated_sentence(found, cites, annotated), items


def stated_sentence(found: FoundList, cites: CitationList, annotated: Chunk | None) -> str:
    """The report's own sentence behind the list (the one a footnote annotates, or the one holding the list)."""
    if found.chunk.kind == "footnote":
        body = found.chunk.context or ""
        if annotated is not None and body and body in annotated.text:
            return f"\nCâu trong báo cáo: «{plain(body)}» [{cites.cite(annotated, body)}]"
        return ""
    sentence = sentence_with(found.chunk.text, found.entities.source_span[0])
    if sentence and sentence != quote_of(found) and sentence in found.chunk.text and len(sentence) < 600:
        return f"\nCâu trong báo cáo: «{sentence}» [{cites.cite(found.chunk, sentence)}]"
    return ""


class SetAnswerer:
    def __init__(self) -> None:
        self.catalogue = ListCatalogue()

    def answer(self, query: Query, generation: str, chunks: list[Chunk], weights: TermWeights) -> Answer | None:
        kinds = asked_kinds(query)
        if not kinds or not LIST_WANTED.search(query.text.lower() if query.has_diacritics else query.folded):
            return None
        candidates = self.catalogue.lists(generation, chunks)
        by_id = {c.chunk_id: c for c in chunks}
        cites = CitationList()
        parts: list[str] = []
        items: list[str] = []
        as_of: str | None = None
        for kind in kinds:
            best = self.best_list(query, candidates, kind, weights)
            if best is None:
                continue
            annotated = by_id.get(best.chunk.annotates) if best.chunk.annotates else None
            result = set_answer(query, best, kind, cites, annotated)
            if result:
                parts.append(result[0])
                items.extend(result[1])
                as_of = as_of or best.entities.as_of or best.chunk.as_of
        if not parts:
            return None
        return Answer(answer="\n".join(parts), citations=cites.citations, items=items, grounded=True, as_of=as_of)

    @staticmethod
    def best_list(query: Query, candidates: list[FoundList], kind: str, weights: TermWeights) -> FoundList | None:
        scored = [(relevance(query, f, weights), f) for f in candidates if f.entities.kind == kind]
        scored = [(r, f) for r, f in scored if r >= MIN_MATCH]
        if not scored:
            return None
        # the best match; among equals, a footnote-backed list with a stated count, then the latest
        return max(
            scored,
            key=lambda rf: (round(rf[0], 2), rf[1].entities.stated_count is not None, rf[1].entities.as_of or ""),
        )[1]
