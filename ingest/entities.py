"""Entity mentions and entity lists in report text.

Reports state facts as lists of provinces or ministries, often in footnotes whose predicate and count
live in the body sentence carrying the footnote marker:

    body:     "... đã có 09/22 bộ, ngành; 43/63 địa phương thành lập/kiện toàn Ban Chỉ đạo ... Đề án 06.1"
    footnote: "1 Các bộ, ngành: Bộ Quốc phòng, ...; Các địa phương: Bà Rịa-Vũng Tàu, Bạc Liêu, ..."

`extract_lists` turns such text into `EntityList`s (kind, items, predicate, polarity, stated counts),
`complement` answers "which ones have NOT ..." against the universe in force on the list's date.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable, Iterable, Literal

from baocao.ingest.gazetteer import LIST_KINDS, MERGER_DAY, MINISTRY_REFORM_DAY, Entity, Gazetteer, Kind, as_date
from baocao.ingest.text import (
    LETTER as _LETTER,
    NO_LETTER_AHEAD as _NO_LETTER_AHEAD,
    NO_LETTER_BEHIND as _NO_LETTER_BEHIND,
    SUPERSCRIPT_DIGITS as _SUPERSCRIPTS,
    AccentAware as _AccentAware,
    Polarity,
    find_as_of,
    find_footnote_marker,
    from_superscript,
    is_sentence_end,
    marker_end as _marker_end,
    polarity_of,
)

KINDS = LIST_KINDS


def _is_sentence_end(text: str, i: int) -> bool:
    """The text module's rule, where the punctuation is followed by a space (a '.¹' marker stays inside)."""
    return i + 1 < len(text) and text[i + 1].isspace() and is_sentence_end(text, i)

CountKind = Literal["province", "agency", "mixed"]

# --------------------------------------------------------------------------------------------
# Mentions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntityMention:
    start: int
    end: int
    surface: str  # the text as written, e.g. 'TP Hồ Chí Minh', 'Cao \nBằng', 'Đi�n Biên'
    entity: Entity

    @property
    def name(self) -> str:
        return self.entity.name

    @property
    def kind(self) -> Kind:
        return self.entity.kind


def find_entities(
    text: str,
    kinds: Iterable[Kind] = KINDS,
    *,
    require_capital: bool = True,
    gazetteer: Gazetteer | None = None,
) -> list[EntityMention]:
    """Province/agency mentions in text order, longest alias first, tolerant of missing diacritics,
    '�' for a lost letter, line breaks inside a name and 'TP'/'tỉnh' prefixes.

    `require_capital=False` for lower-case user input (at the price of matching words like 'hòa bình').
    """
    g = gazetteer or Gazetteer.load()
    return [
        EntityMention(m.start, m.end, text[m.start : m.end], m.entity)
        for m in g.scan(text, kinds, require_capital=require_capital)
    ]


# --------------------------------------------------------------------------------------------
# Counts ("43/63 địa phương", "06 bộ, ngành") and dates ("tính đến hết ngày 26/3/2025")
# --------------------------------------------------------------------------------------------

_S = r"\s+"
_PROVINCE_NOUNS = "|".join([
    rf"tỉnh,\s*thành{_S}phố(?:{_S}trực{_S}thuộc{_S}(?:trung{_S}ương|TW))?",
    rf"tỉnh\s*/\s*thành(?:{_S}phố)?",
    r"tỉnh,\s*thành",
    rf"đơn{_S}vị{_S}hành{_S}chính{_S}cấp{_S}tỉnh",
    rf"địa{_S}phương",
    r"tỉnh",
    rf"thành{_S}phố",
])
_AGENCY_NOUNS = "|".join([
    rf"bộ,\s*cơ{_S}quan{_S}ngang{_S}bộ(?:,\s*cơ{_S}quan{_S}thuộc{_S}Chính{_S}phủ)?",
    rf"bộ,\s*ngành(?:{_S}trung{_S}ương)?",
    r"bộ\s*/\s*ngành",
    rf"bộ,\s*cơ{_S}quan",
    rf"cơ{_S}quan{_S}ngang{_S}bộ",
    r"bộ",
])
# Counts over both kinds at once ("33 bộ, ngành, địa phương") say nothing about either list.
_MIXED_NOUNS = "|".join([
    rf"bộ,\s*ngành(?:,|{_S}và)\s*địa{_S}phương",
    r"bộ,\s*ngành,\s*tỉnh",
    rf"cơ{_S}quan(?:,\s*đơn{_S}vị)?",
    rf"đơn{_S}vị",
])
_COUNT_RE = _AccentAware(
    rf"(?<![\d./,%])(?P<count>\d{{1,3}})(?:\s*/\s*(?P<total>\d{{1,3}}))?{_S}(?:các{_S})?"
    rf"(?:(?P<mixed>{_MIXED_NOUNS})|(?P<province>{_PROVINCE_NOUNS})|(?P<agency>{_AGENCY_NOUNS})){_NO_LETTER_AHEAD}"
)
@dataclass(frozen=True)
class CountPhrase:
    kind: CountKind
    count: int
    total: int | None
    start: int
    end: int
    text: str


def find_count_phrases(text: str, start: int = 0, end: int | None = None) -> list[CountPhrase]:
    """'09/22 bộ, ngành; 43/63 địa phương' -> [agency 9/22, province 43/63]; '16/16 tiêu chí' is ignored."""
    end = len(text) if end is None else end
    phrases = []
    for m in _COUNT_RE.on(text[start:end]).finditer(text, start, end):
        kind: CountKind = "mixed" if m.group("mixed") else "province" if m.group("province") else "agency"
        total = int(m.group("total")) if m.group("total") else None
        phrases.append(CountPhrase(kind, int(m.group("count")), total, m.start(), m.end(), " ".join(m.group().split())))
    return phrases


def _last_count_of_kind(phrases: list[CountPhrase], kind: Kind) -> CountPhrase | None:
    of_kind = [p for p in phrases if p.kind == kind]
    return of_kind[-1] if of_kind else None


# --------------------------------------------------------------------------------------------
# Sentences, clauses, footnotes
# --------------------------------------------------------------------------------------------

# '1 Các bộ, ngành: ...' in extracted PDF text; '¹ Các bộ, ngành: ...' once ingestion marked it up
_FOOTNOTE_LINE_RE = re.compile(rf"(?m)^[ \t]*(?:(\d{{1,3}})[ \t]+|([{_SUPERSCRIPTS}]{{1,3}})[ \t]*)(?={_LETTER})")
_BULLET_LINE_RE = re.compile(r"(?m)^[ \t]*[-+•*–][ \t]+")


def _footnote_number(footnote_line: re.Match[str]) -> str:
    return footnote_line.group(1) or from_superscript(footnote_line.group(2))


def _footnote_starts(text: str, start: int, end: int) -> list[re.Match[str]]:
    """Lines like '1 Các bộ, ngành: ...' (a number, a space, a capital) whose text begins in [start, end]."""
    found = _FOOTNOTE_LINE_RE.finditer(text, start, min(len(text), end + 1))  # +1: the capital may sit at `end`
    return [m for m in found if m.end() <= end and text[m.end()].isupper()]


@dataclass(frozen=True)
class _ClauseStart:
    pos: int
    footnote: str | None = None  # the footnote number when the clause opens a footnote
    footnote_pos: int = 0


_CLAUSE_MARK_RE = re.compile(r"[;:()]|[.!?](?=\s)")


def _clause_start(text: str, pos: int, lookback: int = 500) -> _ClauseStart:
    """Where the clause ending at `pos` begins: after ; : ( or a sentence end, a bullet or a footnote
    number at a line start. Balanced '(...)' groups inside the clause are stepped over."""
    floor = max(0, pos - lookback)
    boundary = floor
    depth = 0
    for mark in reversed(list(_CLAUSE_MARK_RE.finditer(text, floor, pos))):
        ch, i = mark.group(), mark.start()
        if ch == ")":
            depth += 1
        elif ch == "(" and depth:
            depth -= 1
        elif depth == 0 and (ch in ";:(" or _is_sentence_end(text, i)):
            boundary = i + 1
            break
    line_starts = [(m.end(), m) for m in _footnote_starts(text, boundary, pos)]
    line_starts += [(m.end(), None) for m in _BULLET_LINE_RE.finditer(text, boundary, pos)]
    later_lines = [(p, m) for p, m in line_starts if p > boundary]
    if later_lines:
        p, m = max(later_lines, key=lambda pm: pm[0])
        return _ClauseStart(p, _footnote_number(m), m.start()) if m is not None else _ClauseStart(p)
    return _ClauseStart(boundary)


def _clause_end(text: str, pos: int, lookahead: int = 400) -> int:
    """First ; : ( or sentence end after `pos` (or a footnote line)."""
    ceiling = min(len(text), pos + lookahead)
    footnotes = _footnote_starts(text, pos, ceiling)
    ceiling = footnotes[0].start() if footnotes else ceiling
    for i in range(pos, ceiling):
        ch = text[i]
        if ch in ";:(" or (ch in ".!?" and _is_sentence_end(text, i)):
            return i
    return ceiling


def _sentence_span(text: str, pos: int, lookback: int = 800, lookahead: int = 800) -> tuple[int, int]:
    start = max(0, pos - lookback)
    for i in range(pos - 1, start - 1, -1):
        if text[i] in ".!?" and _is_sentence_end(text, i):
            start = i + 1
            break
    footnotes = [m for m in _footnote_starts(text, start, pos)]
    if footnotes:
        start = footnotes[-1].end()
    end = min(len(text), pos + lookahead)
    for i in range(pos, end):
        if text[i] in ".!?" and _is_sentence_end(text, i):
            end = i + 1
            break
    return start, end


# --------------------------------------------------------------------------------------------
# Predicates
# --------------------------------------------------------------------------------------------

_LEADING_NOISE_RE = _AccentAware(
    r"^(?:"
    r"\(?\d{1,2}[.)]\s*|\(?[a-zđ]\)\s*|[ivx]+[.)]\s*|[-+•*–]\s*"  # enumerators
    r"|(?:tính\s+)?đến\s+(?:hết\s+)?(?:ngày\s+|tháng\s+)?\d{1,2}/\d{1,4}(?:/\d{2,4})?\s*[,;:]?\s*"
    r"|(?:tính\s+)?đến\s+nay\s*[,;:]?\s*"
    r"|(?:trong\s+đó|hiện\s+nay|nhìn\s+chung|theo\s+đó|cụ\s+thể)\s*[,:]?\s*"
    r"|[,;:.]\s*"
    r")",
)
_SUBJECT_RE = _AccentAware(
    r"^(?:(?:(?:các|những|tất\s+cả\s+các)\s+)?(?:"
    r"bộ,\s*ngành,\s*địa\s+phương|bộ,\s*ngành|bộ,\s*cơ\s+quan(?:\s+ngang\s+bộ)?(?:,\s*cơ\s+quan\s+thuộc\s+chính\s+phủ)?"
    r"|địa\s+phương|tỉnh,\s*thành\s+phố(?:\s+trực\s+thuộc\s+trung\s+ương)?|tỉnh|cơ\s+quan(?:,\s*đơn\s+vị)?|đơn\s+vị"
    r")|(?:các|những|tất\s+cả\s+các)\s+(?:bộ|ngành|thành\s+phố))" + _NO_LETTER_AHEAD + r"\s*",
)
_TRAILING_NOISE_RE = _AccentAware(
    r"(?:[\s,:;.\-–]+|" + _NO_LETTER_BEHIND + r"(?:bao\s+gồm|gồm\s+có|gồm|là|như\s+sau|cụ\s+thể\s+là|cụ\s+thể|sau\s+đây"
    r"|(?:đã|mới|vẫn|chỉ|hiện)?\s*(?:có|còn|c\ufffdn))\s*)$",
)


def _squash(s: str) -> str:
    return " ".join(s.split())


def clean_predicate(raw: str) -> str:
    """'Các địa phương chưa báo cáo:' -> 'chưa báo cáo'; strips subjects, enumerators, dates, 'bao gồm'."""
    s = _squash(unicodedata.normalize("NFC", raw))
    previous = None
    while s != previous:
        previous = s
        s = _LEADING_NOISE_RE.on(s).sub("", s, count=1)
        s = _SUBJECT_RE.on(s).sub("", s, count=1)
        s = _TRAILING_NOISE_RE.on(s).sub("", s, count=1)
    return s.strip()


def _predicate_around_counts(text: str, start: int, end: int, counts: list[CountPhrase]) -> str:
    """The clause text[start:end] minus its counts: what follows the last count, else what precedes the first."""
    if not counts:
        return clean_predicate(text[start:end])
    after = clean_predicate(text[counts[-1].end : end])
    if after:
        return after
    return clean_predicate(text[start : counts[0].start])


# --------------------------------------------------------------------------------------------
# The body sentence a footnote hangs on
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BodyClaim:
    """What the sentence carrying a footnote marker says about the footnote's lists."""

    counts: dict[Kind, CountPhrase]  # kind -> its count phrase nearest before the marker
    predicate: str
    polarity: Polarity
    as_of: str | None
    span: tuple[int, int]  # the sentence, in the text it was read from


def analyse_annotated_sentence(text: str, marker_pos: int | None = None) -> BodyClaim:
    """Counts, predicate and date of the sentence around `marker_pos` (or of all `text`)."""
    if marker_pos is None:
        start, end, marker_end = 0, len(text), None
        scope_end = len(text)
    else:
        start, end = _sentence_span(text, marker_pos)
        marker_end = _marker_end(text, marker_pos)
        scope_end = marker_pos
    phrases = find_count_phrases(text, start, scope_end) or find_count_phrases(text, start, end)
    counts = {kind: p for kind in KINDS if (p := _last_count_of_kind(phrases, kind))}
    chosen = sorted(counts.values(), key=lambda p: p.start)
    predicate = _body_predicate(text, start, end, chosen, marker_pos, marker_end)
    # a date stated in an earlier sentence of the paragraph still scopes this one
    as_of = (
        find_as_of(text, start, scope_end)
        or find_as_of(text, start, end)
        or find_as_of(text, max(0, start - 400), start)
    )
    return BodyClaim(counts, predicate, polarity_of(predicate), as_of, (start, end))


def _body_predicate(
    text: str, start: int, end: int, counts: list[CountPhrase], marker_pos: int | None, marker_end: int | None
) -> str:
    if not counts:
        return clean_predicate(text[start : marker_pos if marker_pos is not None else end])
    after_start = counts[-1].end
    if marker_pos is not None and marker_pos >= after_start:
        if clean_predicate(text[after_start:marker_pos]):
            # "... 42 địa phương báo cáo5 (...)": the marker closes the predicate
            return _predicate_around_counts(text, start, marker_pos, counts)
        after_start = marker_end  # "... 07 địa phương3 chưa ban hành ...": the predicate follows the marker
    after = clean_predicate(text[after_start : _clause_end(text, after_start)])
    return after or _shared_predicate_after(text, after_start, end) or clean_predicate(text[start : counts[0].start])


def _shared_predicate_after(text: str, start: int, end: int) -> str:
    """'Còn 06 bộ, ngành²; 02 địa phương³ chưa báo cáo': the predicate after the sentence's last count."""
    later = find_count_phrases(text, start, end)
    if not later:
        return ""
    position = _marker_end(text, later[-1].end)  # steps over a marker glued to the count's noun
    return clean_predicate(text[position : _clause_end(text, position)])


# --------------------------------------------------------------------------------------------
# Lists
# --------------------------------------------------------------------------------------------


@dataclass
class EntityList:
    kind: Kind
    items: list[str]  # canonical names, text order, no duplicates
    predicate: str  # what the list is of: 'thành lập/kiện toàn Ban Chỉ đạo ...', 'chưa báo cáo'
    polarity: Polarity
    stated_count: int | None
    stated_total: int | None
    source_span: tuple[int, int]  # from the list's header (if any) to its last item
    count_matches_stated: bool | None
    as_of: str | None = None  # ISO date the list speaks of
    count_source: str | None = None  # the phrase the count was read from: '43/63 địa phương'
    count_derived: bool = False  # stated_count = total - the body's count of the opposite predicate
    footnote: str | None = None  # footnote number when the list sits in a footnote
    unmatched: list[str] = field(default_factory=list)  # list fragments that name nothing known
    notes: dict[str, str] = field(default_factory=dict)  # item -> its parenthesis: '07 nhiệm vụ'
    chunk_id: str = ""  # the chunk the list was read from (records)
    quote: str = ""  # the list as written there, for citing
    headings: list[str] = field(default_factory=list)  # a section's items: the headings they stand under
    continued: list[list[str]] = field(default_factory=list)  # [chunk_id, quote] of each later chunk holding items
    tail: str = ""  # what the sentence goes on to say of the items: '… để thảo luận, thống nhất nội dung …'

    @property
    def count(self) -> int:
        return len(self.items)


@dataclass
class _Item:
    entity: Entity
    start: int
    end: int


@dataclass
class _Run:
    """Consecutive items separated only by list separators."""

    items: list[_Item]
    unmatched: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def start(self) -> int:
        return self.items[0].start

    @property
    def end(self) -> int:
        return self.items[-1].end


_NOTE_RE = re.compile(r"\s*\((?P<note>[^()]{1,120})\)")
_AND = r"(?:và|va|hoặc|hoac)"  # 'va': text typed without diacritics
_ENUMERATOR = r"(?:[-+•*–]|\(\d{1,2}\)|\d{1,2}[.)]|[a-zđ]\))"  # '-', '(2)', '2.', 'b)'
_SEPARATOR_RE = re.compile(
    rf"\s*(?:[,;]\s*(?:{_AND}\s+|{_ENUMERATOR}\s*)?|{_AND}\s+|\n\s*{_ENUMERATOR}\s*)", re.IGNORECASE
)
_FRAGMENTS_GAP_RE = re.compile(
    rf"\s*[,;]\s*(?P<frags>[^().:]+?)\s*(?:[,;]\s*(?:{_AND}\s+)?|\s+{_AND}\s+)", re.IGNORECASE
)
_MAX_FRAGMENT_WORDS = 9  # 'Đại học Quốc gia Thành phố Hồ Chí Minh'


def _looks_like_name(fragment: str) -> bool:
    words = fragment.split()
    return (
        0 < len(words) <= _MAX_FRAGMENT_WORDS
        and (fragment[0].isupper() or fragment[0] == "\ufffd")
        and not any(ch.isdigit() for ch in fragment)
    )


class _RunBuilder:
    def __init__(self, text: str, gazetteer: Gazetteer, kinds: tuple[Kind, ...]):
        self.text, self.g, self.kinds = text, gazetteer, kinds

    def build(self, mentions: list[EntityMention]) -> list[_Run]:
        runs: list[_Run] = []
        for mention in mentions:
            item = _Item(mention.entity, mention.start, mention.end)
            if runs and self._join(runs[-1], item):
                continue
            runs.append(_Run([item]))
        for run in runs:
            self._extend_left(run)
            self._extend_right(run)
        return runs

    def _join(self, run: _Run, item: _Item) -> bool:
        """Append `item` to `run` if only separators (and maybe a note or unknown items) lie between."""
        gap_start, gap_end = run.end, item.start
        note = _NOTE_RE.match(self.text, gap_start, gap_end)
        after_note = note.end() if note else gap_start
        if _SEPARATOR_RE.fullmatch(self.text, after_note, gap_end):
            self._add_note(run, note)
            run.items.append(item)
            return True
        frags = _FRAGMENTS_GAP_RE.fullmatch(self.text, after_note, gap_end)
        if frags and self._absorb_fragments(run, frags.group("frags"), frags.span("frags")):
            self._add_note(run, note)
            run.items.append(item)
            return True
        return False

    def _add_note(self, run: _Run, note: re.Match[str] | None) -> None:
        if note:
            run.notes.setdefault(run.items[-1].entity.name, _squash(note.group("note")))

    def _absorb_fragments(self, run: _Run, fragments: str, span: tuple[int, int], *, at_front: bool = False) -> bool:
        """Unknown items between separators: typos are fuzzy-matched, the rest kept as unmatched."""
        parts = [_squash(p) for p in re.split(r"[,;]", fragments)]
        if not parts or len(parts) > 2 or not all(_looks_like_name(p) for p in parts):
            return False
        found = []
        for part in parts:
            entity = self.g.fuzzy_match(part, self.kinds)
            if entity is None:
                run.unmatched.append(part)
            else:
                found.append(_Item(entity, *span))  # the span of all fragments: close enough for a citation
        run.items = found + run.items if at_front else run.items + found
        return True

    def _extend_left(self, run: _Run) -> None:
        """'(Đà Nẵn, Bắc Ninh' / ': Đà Nẵn, Bắc Ninh': unknown items right after a list opener."""
        window_start = max(0, run.start - 80)
        m = re.search(r"[(:]\s*(?P<frags>[^()\n:;.]+?)\s*,\s*$", self.text[window_start : run.start])
        if m:
            span = (window_start + m.start("frags"), window_start + m.end("frags"))
            self._absorb_fragments(run, m.group("frags"), span, at_front=True)

    def _extend_right(self, run: _Run) -> None:
        """'..., Bắc Ninh, Đà Nẵn.' unknown items before the list's closing punctuation."""
        note = _NOTE_RE.match(self.text, run.end)
        if note:
            self._add_note(run, note)
        tail_start = note.end() if note else run.end
        tail = self.text[tail_start : tail_start + 80]
        m = re.match(r"\s*[,;]\s*(?P<frags>[^()\n:;.]+?)\s*(?=[.;)]|\n\s*\n|$)", tail)
        if m:
            span = (tail_start + m.start("frags"), tail_start + m.end("frags"))
            self._absorb_fragments(run, m.group("frags"), span)


@dataclass(frozen=True)
class _Header:
    """The clause just before a run: 'Các địa phương chưa báo cáo:', '21/34 địa phương ..., gồm:'."""

    start: int
    end: int  # where the opener (':' or '(') or the run begins
    opener: str  # ':', '(' or ''
    footnote: str | None
    footnote_pos: int

    def text(self, source: str) -> str:
        return source[self.start : self.end]


_INTRO_END_RE = _AccentAware(_NO_LETTER_BEHIND + r"(?:bao\s+gồm|gồm\s+có|gồm|là|như\s+sau)\s*$")


def _names_only_a_subject(header_text: str) -> bool:
    """'Các tỉnh' / 'Các bộ, ngành': a header that says what the items are and nothing else."""
    text = _squash(header_text)
    return bool(text) and _SUBJECT_RE.on(text).match(text) is not None and not clean_predicate(text)


def _ends_with_intro(header_text: str) -> bool:
    """'..., gồm' / 'bao gồm' / 'là': the words that introduce a list without a colon."""
    return _INTRO_END_RE.on(header_text).search(header_text) is not None


# an enumerator opening the first item, at a line start or right after the header's colon
_ENUMERATOR_BEFORE_RE = re.compile(rf"(?:^|\n|:)[ \t]*({_ENUMERATOR})[ \t]*$", re.IGNORECASE)


def _header_before(text: str, run_start: int) -> _Header:
    i = run_start
    while i > 0 and text[i - 1].isspace():
        i -= 1
    bullet = _ENUMERATOR_BEFORE_RE.search(text, max(0, i - 12), i)
    if bullet:  # 'Các địa phương chưa báo cáo:\n- Hà Nội\n- Huế': look past the first bullet
        i = bullet.start(1)
        while i > 0 and text[i - 1].isspace():
            i -= 1
    opener = text[i - 1] if i > 0 and text[i - 1] in ":(" else ""
    end = i - 1 if opener else run_start
    clause = _clause_start(text, end)
    if not opener and clause.pos > 0 and text[clause.pos - 1] == ";" and not clean_predicate(text[clause.pos : end]):
        colon = _colon_earlier_in_sentence(text, clause.pos - 1)
        if colon is not None:  # 'Cơ quan phối hợp: Ban X; các bộ, ngành; VTV, VOV, TTXVN.'
            return _header_ending_at(text, colon, ":")
    return _header_from_clause(text, clause, end, opener)


def _header_ending_at(text: str, end: int, opener: str) -> _Header:
    return _header_from_clause(text, _clause_start(text, end), end, opener)


def _header_from_clause(text: str, clause: _ClauseStart, end: int, opener: str) -> _Header:
    start = clause.pos
    while start < end and text[start].isspace():
        start += 1
    return _Header(start, end, opener, clause.footnote, clause.footnote_pos)


def _colon_earlier_in_sentence(text: str, pos: int, lookback: int = 300) -> int | None:
    for k in range(pos - 1, max(0, pos - lookback) - 1, -1):
        if text[k] == ":":
            return k
        if text[k] in ".!?" and _is_sentence_end(text, k):
            return None
    return None


ClaimResolver = Callable[[_Header], "BodyClaim | None"]


def _group_by_kind(run: _Run) -> dict[Kind, list[_Item]]:
    groups: dict[Kind, list[_Item]] = {}
    for item in run.items:
        groups.setdefault(item.entity.kind, []).append(item)
    return groups


def _unique_names(items: list[_Item]) -> list[str]:
    return list(dict.fromkeys(item.entity.name for item in items))


class _ListAssembler:
    def __init__(
        self,
        text: str,
        gazetteer: Gazetteer,
        as_of: str | None,
        min_items: int,
        resolve: ClaimResolver,
        *,
        footnote_mode: bool = False,  # all of `text` is one footnote: every run takes the resolved claim
    ):
        self.text, self.g, self.as_of, self.min_items, self.resolve = text, gazetteer, as_of, min_items, resolve
        self.footnote_mode = footnote_mode

    def assemble(self, runs: list[_Run]) -> list[EntityList]:
        lists: list[EntityList] = []
        chain_header: _Header | None = None
        previous_end: int | None = None
        for run in runs:
            if not self._may_qualify(run):
                chain_header, previous_end = None, None
                continue
            header = _header_before(self.text, run.start)
            if chain_header and header.opener == ":" and self._continues_chain(previous_end, header):
                header = _Header(header.start, header.end, ":", chain_header.footnote, chain_header.footnote_pos)
            if not self._qualifies(run, header):
                chain_header, previous_end = None, None
                continue
            claim = self.resolve(header) if (header.footnote or self.footnote_mode) else None
            for kind, items in _group_by_kind(run).items():
                lists.append(self._make_list(run, kind, items, header, claim))
            chain_header, previous_end = header, run.end
        return lists

    def _continues_chain(self, previous_end: int | None, header: _Header) -> bool:
        """'...; Các địa phương: ...' right after a footnote's first list belongs to the same footnote."""
        if previous_end is None:
            return False
        return re.fullmatch(r"[\s;,.]*", self.text[previous_end : header.start]) is not None

    def _may_qualify(self, run: _Run) -> bool:
        """A cheap first look, before reading the header: most single names in prose end here."""
        if self.footnote_mode or len(run.items) >= self.min_items or self._ends_like_a_list(run):
            return True
        before = self.text[max(0, run.start - 40) : run.start]
        return re.sub(rf"{_ENUMERATOR}\s*$", "", before.rstrip()).rstrip().endswith(":")

    def _qualifies(self, run: _Run, header: _Header) -> bool:
        if len(run.items) >= self.min_items:
            return True
        header_text = header.text(self.text)
        if not self._ends_like_a_list(run) and not (header.opener == ":" and _names_only_a_subject(header_text)):
            return False  # '...: Bộ Khoa học và Công nghệ đã có văn bản ...' is a sentence, not a list
        if self.footnote_mode or header.opener == ":" or header.footnote or _ends_with_intro(header_text):
            return True
        if header.opener == "(":
            kinds = {item.entity.kind for item in run.items}
            return any(p.kind in kinds for p in self._header_counts(run, header))
        return False

    def _ends_like_a_list(self, run: _Run) -> bool:
        note = _NOTE_RE.match(self.text, run.end)
        rest = self.text[note.end() if note else run.end :].lstrip()
        return not rest or rest[0] in ".;),"

    def _make_list(
        self, run: _Run, kind: Kind, items: list[_Item], header: _Header, claim: BodyClaim | None
    ) -> EntityList:
        counts = self._header_counts(run, header)
        predicate = self._predicate(run, header, counts, claim)
        polarity = polarity_of(predicate)
        names = _unique_names(items)
        as_of = self.as_of or (claim.as_of if claim else None) or find_as_of(self.text, header.start, header.end)
        count = _last_count_of_kind(counts, kind)
        derived = False
        if count is None and claim and kind in claim.counts:
            count = claim.counts[kind]
            derived = polarity != claim.polarity
        stated_count, stated_total = (count.count, count.total) if count else (None, None)
        if derived:
            stated_count, stated_total = self._derive_count(count, kind, as_of, names)
        start = header.start if (header.opener or header.footnote) else min(i.start for i in items if i.start >= 0)
        return EntityList(
            kind=kind,
            items=names,
            predicate=predicate,
            polarity=polarity,
            stated_count=stated_count,
            stated_total=stated_total,
            source_span=(start, max(run.end, max(i.end for i in items))),
            count_matches_stated=None if stated_count is None else stated_count == len(names),
            as_of=as_of,
            count_source=count.text if count else None,
            count_derived=derived and stated_count is not None,
            footnote=header.footnote,
            unmatched=list(run.unmatched),
            notes={n: note for n, note in run.notes.items() if n in names},
        )

    def _header_counts(self, run: _Run, header: _Header) -> list[CountPhrase]:
        """Counts in the header, including one whose noun the first item's prefix took ('3 tỉnh Lai Châu, ...')."""
        search_end = max(header.end, run.items[0].end)
        return [p for p in find_count_phrases(self.text, header.start, search_end) if p.start < header.end]

    def _predicate(self, run: _Run, header: _Header, counts: list[CountPhrase], claim: BodyClaim | None) -> str:
        """The header's own words ('Các địa phương chưa báo cáo:'), else the body sentence's, else what
        follows the list ('Các tỉnh: A, B, C chưa ban hành ...'); for a bare run, what follows first."""
        own = _predicate_around_counts(self.text, header.start, header.end, counts)
        if claim:
            return own or claim.predicate
        # '... bổ sung cho 04 địa phương Thanh Hóa, Đà Nẵng, ...' (apposition) counts as a header too
        if header.opener or _ends_with_intro(header.text(self.text)) or self._count_right_before(run, counts):
            return own or self._predicate_after(run)
        return self._predicate_after(run) or own

    def _predicate_after(self, run: _Run) -> str:
        note = _NOTE_RE.match(self.text, run.end)
        position = note.end() if note else run.end
        closing = re.match(r"\s*\)", self.text[position : position + 20])
        position += closing.end() if closing else 0
        return clean_predicate(self.text[position : _clause_end(self.text, position)])

    def _count_right_before(self, run: _Run, counts: list[CountPhrase]) -> bool:
        return any(re.fullmatch(r"[\s,:]*", self.text[c.end : run.start]) for c in counts)

    def _derive_count(
        self, count: CountPhrase, kind: Kind, as_of: str | None, names: list[str]
    ) -> tuple[int | None, int | None]:
        """The body counts the opposite ('05 bộ, ngành báo cáo' vs 'Các bộ, ngành chưa báo cáo: ...')."""
        total = count.total
        if total is None:
            universe = _universe(self.g, kind, as_of, None, names)
            total = len(universe) if universe else None
        if total is None:
            return None, None
        return total - count.count, total


def _default_resolver(text: str) -> ClaimResolver:
    def resolve(header: _Header) -> BodyClaim | None:
        marker = find_footnote_marker(text, header.footnote or "", before=header.footnote_pos)
        return analyse_annotated_sentence(text, marker) if marker is not None else None

    return resolve


def extract_lists(
    text: str,
    *,
    as_of: str | None = None,
    kinds: Iterable[Kind] = KINDS,
    min_items: int = 3,
    require_capital: bool = True,
    gazetteer: Gazetteer | None = None,
) -> list[EntityList]:
    """Every list of provinces/agencies in `text` (a report, a chunk or a footnote), in text order.

    A list is a run of names joined by separators that either follows a header ('Các địa phương
    chưa báo cáo:', '..., gồm:'), sits in a footnote, sits in parentheses after a count ('02 địa phương
    đã đạt ... (Hà Nội và TP Hồ Chí Minh)'), or has at least `min_items` names. A footnote's predicate
    and count come from the body sentence carrying its marker when that sentence is in `text`.
    `as_of` (ISO date) overrides the date read from the text.
    """
    g = gazetteer or Gazetteer.load()
    # all kinds are read even when fewer are wanted: a footnote's second list ('...; Các địa phương: ...')
    # finds its footnote through the first one
    mentions = find_entities(text, KINDS, require_capital=require_capital, gazetteer=g)
    runs = _RunBuilder(text, g, KINDS).build(mentions)
    wanted = set(kinds)
    lists = _ListAssembler(text, g, as_of, min_items, _default_resolver(text)).assemble(runs)
    return [lst for lst in lists if lst.kind in wanted]


def extract_lists_from_footnote(
    footnote_text: str,
    annotated_sentence: str,
    *,
    as_of: str | None = None,
    number: str | None = None,
    gazetteer: Gazetteer | None = None,
) -> list[EntityList]:
    """Lists of a footnote ('1 Các bộ, ngành: ...; Các địa phương: ...') with the predicate and stated
    counts taken from the body sentence carrying its marker ('... 09/22 bộ, ngành; 43/63 địa phương
    thành lập ... Đề án 06.1'). A header with its own predicate ('Các địa phương chưa báo cáo:') wins;
    if it says the opposite of the body, the count becomes total - body count.
    `number`: the footnote's marker when `footnote_text` does not start with it (a DOCX footnote).
    Spans are offsets in `footnote_text`.
    """
    g = gazetteer or Gazetteer.load()
    if number is None:
        leading = _FOOTNOTE_LINE_RE.match(footnote_text)
        number = _footnote_number(leading) if leading else None
    marker = find_footnote_marker(annotated_sentence, number) if number else None
    claim = analyse_annotated_sentence(annotated_sentence, marker)
    mentions = find_entities(footnote_text, KINDS, gazetteer=g)
    runs = _RunBuilder(footnote_text, g, KINDS).build(mentions)
    assembler = _ListAssembler(footnote_text, g, as_of, 1, lambda _header: claim, footnote_mode=True)
    return assembler.assemble(runs)


# --------------------------------------------------------------------------------------------
# Universes and complements
# --------------------------------------------------------------------------------------------


def _universe(
    g: Gazetteer, kind: Kind, as_of: str | None, stated_total: int | None, items: list[str]
) -> list[str] | None:
    day = as_date(as_of) if as_of and len(as_of) >= 7 else None
    if kind == "province":
        return _province_universe(g, day, stated_total, items)
    return _agency_universe(g, day, stated_total, items)


def _province_universe(g: Gazetteer, day: dt.date | None, total: int | None, items: list[str]) -> list[str] | None:
    before, after = g.provinces_on(MERGER_DAY - dt.timedelta(days=1)), g.provinces_on(MERGER_DAY)
    if day is not None:
        return g.provinces_on(day)
    if total == len(after):
        return after
    if total == len(before) or any(name not in after for name in items):
        return before
    return None


def _agency_universe(g: Gazetteer, day: dt.date | None, total: int | None, items: list[str]) -> list[str] | None:
    old = g.agencies_on(MINISTRY_REFORM_DAY - dt.timedelta(days=1))
    new = g.agencies_on(MINISTRY_REFORM_DAY)
    new_with_agencies = g.agencies_on(MINISTRY_REFORM_DAY, include_government_agencies=True)
    mentions_government_agency = any(n in new_with_agencies and n not in new for n in items)
    only_new = any(n in new and n not in old for n in items)
    only_old = any(n in old and n not in new for n in items)
    if day is not None and day < MINISTRY_REFORM_DAY:
        return g.agencies_on(day, include_government_agencies=mentions_government_agency)
    counted_after_reform = total in (len(new), len(new_with_agencies)) and not only_old
    if day is not None or only_new or counted_after_reform:
        if total == len(new) and not mentions_government_agency:
            return new
        return new_with_agencies
    if only_old or total == len(old):
        return old
    return None


def universe_for(entity_list: EntityList, gazetteer: Gazetteer | None = None) -> list[str] | None:
    """The units the list is a subset of: by its date, else its stated total, else the names it holds.

    Agencies after 1/3/2025 counted out of 22 ('09/22 bộ, ngành') are the 17 ministries plus the 5
    agencies under the Government. None when nothing tells (e.g. three names, no date, no total).
    """
    g = gazetteer or Gazetteer.load()
    return _universe(g, entity_list.kind, entity_list.as_of, entity_list.stated_total, entity_list.items)


def complement(
    entity_list: EntityList, universe: list[str] | None = None, gazetteer: Gazetteer | None = None
) -> list[str]:
    """The units of `universe` (default: `universe_for(entity_list)`) not in the list, in universe order.

    Universe names may be spelled any way the gazetteer knows ('TP. HCM'); they come back as given.
    """
    g = gazetteer or Gazetteer.load()
    if universe is None:
        universe = universe_for(entity_list, g)
        if universe is None:
            raise ValueError("cannot tell which universe this list belongs to: pass one (e.g. provinces_on(date))")
    listed = {g.canonical(name) or name for name in entity_list.items}
    return [name for name in universe if (g.canonical(name, entity_list.kind) or name) not in listed]
