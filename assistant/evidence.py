"""Sentences of retrieved passages, scored against the question: the raw material of every answer."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from baocao.assistant.acronyms import acronyms_in, spelled_out
from baocao.assistant.knowledge import cue_words, literal_alternation, phrase_alternation, without_stop_words
from baocao.assistant.query import Query
from baocao.assistant.references import DocumentRef, is_document, referenced_document
from baocao.ingest.metadata import as_of_dates
from baocao.ingest.models import Chunk
from baocao.ingest.text import fold, nfc, search_key, split_sentences as text_sentences, stated_dates, strip_diacritics
from baocao.vectorstore.store import SearchHit

SYLLABLE = re.compile(r"[^\W_]+(?:[/,.-]\d+)*", re.UNICODE)
NUMBER = re.compile(r"\d")
DATE_TERM = re.compile(r"[\d/.,-]+")
# Dates, years and document numbers are not figures: `13/3/2025`, `2025`, `598/QĐ-TTg`, `57-NQ/TW`.
NOT_A_FIGURE = re.compile(r"(?:ngày\s+\d{0,2}\s*)?tháng\s+\d{1,2}\s+năm\s+\d{4}|Số:\s*\d*\s*/\S+|(?:Đề án|Nghị quyết|Nghị định|Quyết định|Chỉ thị|Kế hoạch|Thông tư|Luật|số)\s+\d+\S*|\d{1,2}/\d{1,2}/\d{4}|\d+(?:/\d{4})?(?:/|-)[A-ZĐ][\w-]*(?:/[\w-]+)*|\b(?:19|20)\d{2}\b|\b\d{1,2}/\d{4}\b"
    r"|(?i:\b(?:điều|khoản|điểm|chương|mục|phần|phụ lục|mẫu số|mẫu)\s+\d+[a-zđ]?\b)")  # 'Điều 19', 'khoản 3' cite, not count


_OPENS_ITEM = re.compile(r"^\s*(?:[-+•–]|\(?\d{1,2}[.)]|[a-zđ]\))\s")
LEADING_ENUMERATOR = re.compile(r"^\s*(?:[-+•]\s*)?(?:\(?\d{1,2}[.)]|[a-zđ]\))\s+")


FIGURE = re.compile(r"\d+(?:[.,]\d+)*")
FRACTION = re.compile(r"\d{1,4}/\d{1,4}")


def _figure_text(text: str) -> str:
    return NOT_A_FIGURE.sub(" ", LEADING_ENUMERATOR.sub(" ", text))


def has_figure(text: str) -> bool:
    """A number that is a figure: not a date, a year, a document number or the '1.' that opens an item."""
    return bool(NUMBER.search(_figure_text(text)))


def figure_words(text: str, keep_case: bool = False) -> list[str]:
    """The folded words of a sentence with its dates and document numbers blanked out: figures stay words
    (`keep_case`: as written, 'Lâm Đồng' → 'Lam', 'Dong', where a unit would be 'dong')."""
    text = re.sub(r"\(\d{1,2}\)", " ", _figure_text(text))  # '(1)', '(2)' number the items of a list
    key = " ".join(fold(nfc(text)).split()) if keep_case else search_key(text)
    return re.findall(r"\d+(?:[.,/]\d+)*|\w+|%", key)


def figures_in(text: str) -> frozenset[str]:
    """The figures a sentence states, as written without leading zeros (`06` and `6` are one figure)."""
    return frozenset(m.lstrip("0") or "0" for m in FIGURE.findall(_figure_text(text)))


@dataclass
class Sentence:
    text: str  # verbatim substring of chunk.text
    chunk: Chunk
    rank: int  # rank of its chunk in retrieval
    score: float = 0.0
    coverage: float = 0.0

    @property
    def as_of(self) -> str | None:
        """The date the sentence itself states ("tính đến hết tháng 9/2025"), else its passage's."""
        year = int(self.chunk.report_date[:4]) if self.chunk.report_date else None
        own = as_of_dates(self.text, year, self.chunk.report_date)
        return own[0] if own else self.chunk.as_of


def syllables(text: str) -> list[str]:
    return [fold(s).lower() for s in SYLLABLE.findall(text)]


def content_syllables(text: str, *roles: str) -> list[str]:
    """The folded syllables of `text` once the stop phrases of `roles` are taken out."""
    return syllables(without_stop_words(text, *roles))


@dataclass
class Requirement:
    """A content word of the question, met by itself or by any expansion (`cđs` or `chuyển đổi số`)."""

    term: str
    alternatives: list[tuple[str, ...]]
    weight: float

    def met_by(self, present: set[str]) -> bool:
        return any(all(t in present for t in alternative) for alternative in self.alternatives)


@lru_cache(maxsize=1)
def folded_abbreviations() -> dict[str, list[tuple[str, ...]]]:
    from baocao.assistant.query import _abbreviations

    out: dict[str, list[tuple[str, ...]]] = {}
    for abbr, expansions in _abbreviations().items():
        key = syllables(abbr)
        if len(key) == 1:
            out.setdefault(key[0], []).extend(tuple(syllables(e)) for e in expansions)
    return out


def requirements(query: Query, weights: "TermWeights", passages: list[str] = ()) -> list[Requirement]:
    """The question's content words; an acronym no table knows may be met by its spelling-out in `passages`."""
    out: list[Requirement] = []
    spelled = _spelled_acronyms(query.text, passages)
    said_otherwise = _synonym_spellings(query.folded)
    for term in dict.fromkeys(content_syllables(query.text, "question")):
        spellings = [*folded_abbreviations().get(term, []), *spelled.get(term, [])]
        weight = weights.weight(term)
        if not weights.known(term) and spellings:  # an acronym weighs what its spelling-out weighs; a synonym does not
            weight = min(sum(weights.weight(t) for t in alt) for alt in spellings)
        out.append(Requirement(term, [(term,), *spellings, *said_otherwise.get(term, [])], weight))
    return out


def _synonym_spellings(folded_question: str) -> dict[str, list[tuple[str, ...]]]:
    """Each syllable of a phrase the synonym table knows → the syllables of the words reports use instead
    ('chuyên trách' is met by 'kiêm nhiệm': the sentence that says which one it is answers)."""
    from baocao.assistant.query import synonym_phrases

    out: dict[str, list[tuple[str, ...]]] = {}
    for phrase, instead in synonym_phrases(folded_question):
        for part in syllables(phrase):
            out.setdefault(part, []).extend(tuple(syllables(e)) for e in instead)
    return out


def _spelled_acronyms(question: str, passages: list[str]) -> dict[str, list[tuple[str, ...]]]:
    """Each syllable of an unknown acronym ("HHĐG&MT" → hhdg, mt) → the syllables of its spellings-out."""
    from baocao.assistant.query import _abbreviations

    out: dict[str, list[tuple[str, ...]]] = {}
    known = {fold(a).lower() for a in _abbreviations()}
    for acronym in acronyms_in(question, known) if passages else []:
        spellings = [tuple(syllables(p)) for p in spelled_out(acronym, list(passages))]
        for part in syllables(acronym):
            out.setdefault(part, []).extend(spellings)
    return out


def spelled_words(question: str, words: set[str], passages: list[str]) -> set[str]:
    """`words` (folded) with each unknown acronym of the question replaced by the syllables of its first
    spelling-out in `passages` ('Hội đồng ATVSLĐ' → hội đồng an toàn vệ sinh lao động)."""
    out = set(words)
    for term, spellings in _spelled_acronyms(question, passages).items():
        if term in out and spellings:
            out = (out - {term}) | set(spellings[0])
    return out


def split_sentences(chunk: Chunk) -> list[str]:
    """Sentences (and list lines) of the chunk, each a verbatim substring of its text (the text module's splitter)."""
    if chunk.kind == "task":  # a task and its lead, partners and deadline answer together
        return [chunk.text]
    return list(dict.fromkeys(text_sentences(chunk.text)))


class TermWeights:
    """Inverse document frequency of folded syllables over the indexed chunks."""

    def __init__(self, chunks: list[Chunk], df: dict[str, int] | None = None):
        if df is None:
            df = {}
            for chunk in chunks:
                for term in set(syllables(chunk.passage_text())):
                    df[term] = df.get(term, 0) + 1
        self.n = max(1, len(chunks))
        self.df = df
        self.chunks = chunks

    @classmethod
    def updated(cls, previous: "TermWeights | None", chunks: list[Chunk]) -> "TermWeights":
        """The weights of `TermWeights(chunks)`, reading only the chunks that came or went since `previous`
        (a new document at 100k chunks costs its own chunks, not the corpus)."""
        if previous is None:
            return cls(chunks)
        old = {c.chunk_id: c for c in previous.chunks}
        new = {c.chunk_id for c in chunks}
        df = dict(previous.df)
        for chunk, sign in [(c, 1) for c in chunks if c.chunk_id not in old] + [(c, -1) for i, c in old.items() if i not in new]:
            for term in set(syllables(chunk.passage_text())):
                count = df.get(term, 0) + sign
                if count > 0:
                    df[term] = count
                else:
                    df.pop(term, None)
        return cls(chunks, df)

    def weight(self, term: str) -> float:
        return math.log((self.n + 1) / (self.df.get(term, 0) + 0.5))

    def known(self, term: str) -> bool:
        return term in self.df


def document_identity(chunk, named: DocumentRef | None) -> str:
    """The words that name the chunk's document — kind, number, issuer, title — when the question names
    that document ("Theo Công điện 63, …", "Tờ trình 93 của Sở Nội vụ …"): its sentences cover them
    without repeating them. Nothing for the documents the question does not name."""
    if named is None or not is_document(chunk, named):
        return ""
    number = chunk.number or ""
    return " ".join(x for x in (chunk.doc_kind, number, number.split("/")[0], chunk.issuer, chunk.title) if x)


TITLE_SHARE = 0.75  # fitted on the dev splits (0.5, 0.75, 1.0 tried)
MIN_OWN_WORDS = 2  # words a sentence must say itself to answer anything
_CLOCK = re.compile(r"\d{1,2}\s*(?:giờ|h)\b|\d{1,2}:\d{2}", re.IGNORECASE)


def names_a_place(text: str) -> bool:
    """'tại Trụ sở Chính phủ', 'số 24 đường Nguyễn Tất Thành, phường …' (place words in question_cues.json), or
    'tại'/'ở' before a name."""
    from baocao.ingest.datapack import configured_packs

    if _place_pattern(configured_packs()).search(text) is not None:
        return True  # 'Trụ sở Chính phủ', 'tầng 2', 'địa chỉ: số 24 …'; not 'địa điểm đặt trụ sở làm việc của Hội' 
    written, folded_kinds = _cited_after_at(configured_packs())
    folded = strip_diacritics(text).lower()
    return any(m[1].isupper() and not written.match(text, m.start(1)) and not folded_kinds.match(folded, m.start(1))
               for m in _AT_A_NAME.finditer(text))


_AT_A_NAME = re.compile(r"(?<!\w)(?:tại|ở)\s+(?:(?:tỉnh|thành phố|huyện|quận|thị xã|thị trấn|xã|phường)\s+)?(\w)")  # 'tại Khu Công nghệ cao Hoà Lạc', 'ở Hà Nội'


@lru_cache(maxsize=8)
def _cited_after_at(packs_key: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """What 'tại' cites rather than locates: 'tại Điều 17', 'tại Cơ sở dữ liệu …' (as written), 'tại Quyết định
    số …' (a document kind, folded)."""
    from baocao.assistant.references import document_questions

    written = re.compile(rf"(?i)(?:{literal_alternation(cue_words('not_places'))})(?!\w)")
    return written, re.compile(rf"(?:{phrase_alternation(document_questions()['kinds'])})(?!\w)")


@lru_cache(maxsize=8)
def _place_pattern(packs_key: str) -> re.Pattern[str]:
    """A place word that goes on with a name or a number (a place word or 'số' may come between)."""
    words = literal_alternation(cue_words("place_words"))
    return re.compile(rf"(?<!\w)(?i:{words})(?:\s*:)?(?:\s+(?i:{words}|số))?\s+[A-ZĐÀ-Ỹ\d]")


_DURATION = re.compile(r"(?<!\w)\d+\s*(?:\([^)]{1,20}\)\s*)?(?:ngày|tháng|năm|tuần|giờ)(?!\w)", re.IGNORECASE)


def states_a_duration(text: str) -> bool:
    """'trong thời gian 03 (ba) tháng', '30 ngày làm việc'."""
    return _DURATION.search(text) is not None


def states_a_time(text: str) -> bool:
    """A date ('ngày 12/01/2026', 'tháng 3/2025'), a clock time ('14 giờ 30') or a time told by an event
    ('có hiệu lực kể từ ngày ký', `relative_times`)."""
    relative = re.search(rf"(?i)(?<!\w)(?:{literal_alternation(cue_words('relative_times'))})(?!\w)", nfc(text))
    return bool(stated_dates(text) or _CLOCK.search(text) or relative)


def _about_words(title: str) -> set[str]:
    """A title's words about its subject: not its dates, nor the words that place it in time or in a report."""
    return {t for t in content_syllables(title, "list_soft", "period") if not any(ch.isdigit() for ch in t)}


def _without_trailing_capitals(sentence: str) -> str:
    """'… về dữ liệu THỦ TƯỚNG CHÍNH PHỦ' → '… về dữ liệu' (str.isupper: a regex range À-Ỹ takes lower case too)."""
    words = sentence.split()
    while words and words[-1].strip(".,;:").isupper():
        words.pop()
    return " ".join(words)


def is_report_formula(sentence: str) -> bool:
    """'UBND tỉnh Lâm Đồng kính báo cáo Bộ Nội vụ về tình hình … năm 2025./.', '… báo cáo như sau:': the sentence
    that opens or closes a report by saying one is made."""
    ends = sentence.rstrip().endswith(("./.", ":", "/."))
    return ends and re.search(rf"(?i)(?<!\w)(?:{literal_alternation(cue_words('report_formulas'))})(?!\w)", nfc(sentence)) is not None


def _restates_title(sentence: str, title_key: str) -> bool:
    """The title line, maybe with the authority's line an OCR read ran into it."""
    key = search_key(sentence).strip(" .:;")
    bare = search_key(_without_trailing_capitals(sentence)).strip(" .:;")
    return bool(key) and (key in title_key or (len(bare.split()) >= 4 and bare in title_key))


def _date_words(chunk: Chunk) -> str:
    """The period a passage is about, as a question names it ('năm 2025', 'tháng 9/2025'): its report's date
    and its as-of date say it for every sentence, which need not repeat the year (as surely as its title)."""
    words = []
    for date in {d for d in (chunk.report_date, chunk.as_of) if d}:
        year, month = date[:4], date[5:7].lstrip("0")
        words.append(f"năm {year}" + (f" tháng {month}/{year}" if month else ""))
    return " ".join(words)


def score_sentences(query: Query, hits: list[SearchHit], weights: TermWeights,
                    checked_apart: frozenset[str] = frozenset(), left_out: frozenset[str] = frozenset()) -> list[Sentence]:
    """Words another check owns (the gate) do not decide whether a sentence is about the question:
    `checked_apart` (the entities a plan names) count as covered, so the sentence giving only the national
    figure is found and the gate says whose figure it is (dev: 0.5 or 0.75 when absent was no better);
    `left_out` (the words of its period) do not count, so 'tháng 11/2025' in a sentence about something else
    does not make it an answer, and one about the asked figure at another date is found for the gate to say
    which date it has."""
    needs = [r for r in requirements(query, weights, [h.chunk.text for h in hits]) if r.term not in left_out]
    total = sum(r.weight for r in needs) or 1.0
    terms = [r.term for r in needs]
    pairs = set(zip(terms, terms[1:]))
    named = referenced_document(search_key(query.text))
    scored: list[Sentence] = []
    for rank, hit in enumerate(hits):
        context = syllables(" ".join([hit.chunk.section, hit.chunk.context or "", document_identity(hit.chunk, named)]))
        title = _about_words(hit.chunk.title) | set(syllables(_date_words(hit.chunk)))
        title_key = search_key(hit.chunk.title)
        before: set[str] = set()
        lead_in: set[str] = set()
        for text in split_sentences(hit.chunk):
            if _restates_title(text, title_key) or is_report_formula(text):
                continue  # the title line and the reporting formula say what the document is about, never what it says
            own = syllables(text)
            own += [part for t in own if FRACTION.fullmatch(t) for part in t.split("/")]  # '04/11' says '04 trong số 11'
            if sum(1 for t in own if t.isalpha()) < MIN_OWN_WORDS:
                continue  # '1.1.', 'Điều 1.': a heading's number says nothing, whatever its section covers
            present = set(own) | set(context)
            # the document's title says what every sentence of it is about, though less surely than its section;
            # so does the sentence before, which a report's next one goes on from ('… có ý kiến về dự thảo văn
            # bản trên. Kết quả tổng hợp có 07/09 sở có văn bản ý kiến thống nhất.')
            # an item ('3. Hội Nông dân …', '- …') goes on from its list's lead-in ('… cho thấy:'), not the item before
            if _OPENS_ITEM.match(text):
                around = title | lead_in
            else:
                around, lead_in = title | before, set()
            if text.rstrip().endswith(":"):
                lead_in = set(own)
            before = set(own)
            covered = sum(r.weight if r.term in checked_apart or r.met_by(present) else TITLE_SHARE * r.weight
                          for r in needs if r.term in checked_apart or r.met_by(present | around))
            coverage = covered / total
            bigrams = sum(1 for pair in zip(own, own[1:]) if pair in pairs)
            score = coverage + 0.05 * min(bigrams, 6) + 0.08 / (rank + 1)
            if query.wants_figure:
                score += 0.05 if has_figure(text) else -0.1
            scored.append(Sentence(text, hit.chunk, rank, score, coverage))
    return sorted(scored, key=lambda s: s.score, reverse=True)
