"""The one text module: folding, name keys, superscripts, sentences, footnote markers, dates, polarity.

Ingest (chunks, records) and the assistant (questions, answers) both read text through these
functions, so a sentence, a fold or a negation means the same thing everywhere.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from baocao.ingest.datapack import load_pack

# ---------------------------------------------------------------------------------------- folding


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _build_fold_table() -> dict[int, int | None]:
    table: dict[int, int | None] = {}
    for code in range(0x00C0, 0x1F00):
        base = unicodedata.normalize("NFD", chr(code))[0]
        if base != chr(code) and base.isascii() and base.isalpha():
            table[code] = ord(base)
    table[ord("đ")], table[ord("Đ")] = ord("d"), ord("D")
    for mark in range(0x0300, 0x0370):  # stray combining marks of non-NFC input
        table[mark] = None
    return table


_FOLD_TABLE = _build_fold_table()


def fold(text: str) -> str:
    """Remove diacritics, keep case: `Đường hầm` -> `Duong ham` (stray combining marks dropped)."""
    return text.translate(_FOLD_TABLE)


def search_key(text: str) -> str:
    """Folded, lower case, one space: what cue patterns and questions are matched on."""
    return " ".join(fold(nfc(text)).lower().split())


def search_words(text: str) -> list[str]:
    """The words of `search_key(text)` without punctuation: 'Dữ liệu.' → ['du', 'lieu']."""
    return re.findall(r"\w+", search_key(text))


@functools.lru_cache(maxsize=65536)
def strip_diacritics(s: str) -> str:
    """'Điện Biên' -> 'Dien Bien', keeping the length of NFC text (offsets stay valid); '�' stays."""
    out = []
    for ch in s:
        if ch in "đĐ":
            out.append("d" if ch == "đ" else "D")
        else:
            out.append(unicodedata.normalize("NFD", ch)[0])
    return "".join(out)


_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng
# Old tone placement puts the mark on the 2nd vowel of oa/oe/uy without a final consonant
# ("hoà", "khoẻ", "thuý"); names are compared with it on the 1st ("hòa", "khỏe", "thúy"). "qu" is a consonant.
_OLD_TONE_RE = re.compile(r"(?<!q)([ou])([àáảãạèéẻẽẹỳýỷỹỵ])(?![^\W\d_])")
_NAME_PREFIX_RE = re.compile(r"^(?:tỉnh|thành phố|thủ đô|t\.?p\.?)(?:\s+|(?<=\.)\s*)(?=\S)")


def split_tone(ch: str) -> tuple[str, str]:
    """'ắ' -> ('ă', '\u0301'); letters without a tone mark -> (ch, '')."""
    decomposed = unicodedata.normalize("NFD", ch)
    tone = "".join(c for c in decomposed if c in _TONE_MARKS)
    rest = "".join(c for c in decomposed if c not in _TONE_MARKS)
    return unicodedata.normalize("NFC", rest), tone


def strip_tone(ch: str) -> str:
    """'ắ' -> 'ă', 'ộ' -> 'ô': drops the tone mark, keeps the vowel's own mark."""
    return split_tone(ch)[0]


def _move_tone_to_first_vowel(m: re.Match[str]) -> str:
    second, tone = split_tone(m.group(2))
    return unicodedata.normalize("NFC", m.group(1) + tone) + second


def unify_tone_placement(s: str) -> str:
    """'hoà' -> 'hòa', 'thuý' -> 'thúy' (lower-case NFC text; keeps the length)."""
    return _OLD_TONE_RE.sub(_move_tone_to_first_vowel, s)


@functools.lru_cache(maxsize=65536)
def normalise_token(token: str) -> str:
    """One word as names are compared: NFC, lower case, one tone placement."""
    return unify_tone_placement(unicodedata.normalize("NFC", token).lower())


def normalise_name(s: str) -> str:
    """Comparison key of a name: 'Tp. Hồ  Chí Minh' -> 'hồ chí minh', 'Khánh Hoà' -> 'khánh hòa'."""
    s = unify_tone_placement(unicodedata.normalize("NFC", s).lower())
    s = re.sub(r"\s*[-–—]\s*", "-", s)
    s = re.sub(r"\s+", " ", s).strip(" .,;:")
    return _NAME_PREFIX_RE.sub("", s, count=1)


def name_key(s: str) -> str:
    """A name's key for text typed without diacritics: 'Thành phố Đà Nẵng' -> 'da nang'."""
    return strip_diacritics(normalise_name(s))


def has_diacritics(text: str) -> bool:
    return fold(text) != text


class AccentAware:
    """A regex written with Vietnamese diacritics, and its twin for text typed without them."""

    def __init__(self, pattern: str, flags: int = re.IGNORECASE):
        self.accented = re.compile(pattern, flags)
        self.folded = re.compile(strip_diacritics(pattern), flags)

    def on(self, text: str) -> re.Pattern[str]:
        return self.folded if text.isascii() else self.accented

    def search(self, text: str, *args) -> re.Match[str] | None:
        return self.on(text).search(text, *args)


def words_pattern(phrases: list[str]) -> str:
    """Alternation of phrases, longest first, each bounded by non-letters, spaces flexible."""
    parts = sorted({" ".join(p.split()) for p in phrases if p.strip()}, key=len, reverse=True)
    return "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in parts)


# ------------------------------------------------------------------------------------ superscripts

SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
TO_SUPERSCRIPT = str.maketrans("0123456789", SUPERSCRIPT_DIGITS)
FROM_SUPERSCRIPT = str.maketrans(SUPERSCRIPT_DIGITS, "0123456789")
# Python's \w takes superscript digits (a footnote marker 'ngành²') for letters: these patterns do not.
LETTER = r"[^\W\d_\u00b2\u00b3\u00b9\u2070-\u2079]"
NO_LETTER_AHEAD, NO_LETTER_BEHIND = rf"(?!{LETTER})", rf"(?<!{LETTER})"
_MARKUP_RE = re.compile(rf"[{SUPERSCRIPT_DIGITS}]+|\[\^\d+\]")


def to_superscript(number: str) -> str:
    return number.translate(TO_SUPERSCRIPT)


def from_superscript(text: str) -> str:
    return text.translate(FROM_SUPERSCRIPT)


def has_markers(text: str) -> bool:
    """The text carries a footnote marker ('triển khai¹', '[^1]')."""
    return _MARKUP_RE.search(text) is not None


def without_markers(text: str) -> str:
    """Text with footnote markers ('ngành²', '[^2]') removed, spaces squashed."""
    return " ".join(_MARKUP_RE.sub("", text).split())


_TRAILING_SUPERSCRIPT = re.compile(rf"([{SUPERSCRIPT_DIGITS}]+)[^{SUPERSCRIPT_DIGITS}]*$")


def last_marker_number(sentence: str | None) -> str | None:
    """The last superscript marker of a sentence (`… Đề án 06.¹` → `1`): which footnote it carries."""
    m = _TRAILING_SUPERSCRIPT.search(sentence or "")
    return from_superscript(m.group(1)) if m else None


# ---------------------------------------------------------------------------------------- sentences


@functools.lru_cache(maxsize=1)
def _lexicon() -> dict:
    return load_pack("lexicon")


@functools.lru_cache(maxsize=1)
def _abbreviation_before_dot() -> re.Pattern[str]:
    words = "|".join(re.escape(w) for w in _lexicon().get("abbreviations_before_dot", []))
    return re.compile(rf"(?:^|[^\w])(?:{words})$", re.IGNORECASE)


_ENUMERATOR_AHEAD = re.compile(r"(?:\d{1,2}(?:\.\d{1,2})*[.)]|[a-zđ]\)|[IVX]{1,5}\.)\s")


def is_sentence_end(text: str, i: int) -> bool:
    """text[i] is '.', '!', '?' or '…' that ends a sentence: a space (after any closing quote, bracket or
    footnote marker) then a capital, a bullet, an opening bracket or an enumerator ('2.', 'b)')."""
    if i >= len(text) or text[i] not in ".!?…":
        return False
    j = i + 1
    while j < len(text) and (text[j] in SUPERSCRIPT_DIGITS or text[j] in "\"”’)»"):
        j += 1
    if j < len(text) and not text[j].isspace():
        return False
    if text[i] == "." and _abbreviation_before_dot().search(text, max(0, i - 6), i):
        return False
    if text[i] == "." and i > 0 and text[i - 1].isdigit() and j == i + 1:
        # '1. Mục tiêu' opens a numbered heading; '06. Tiếp' ends a sentence: look at what precedes
        k = i - 1
        while k >= 0 and text[k].isdigit():
            k -= 1
        if k < 0 or text[k] == "\n":
            return False
    rest = text[j : j + 12].lstrip(" \t")
    if not rest or rest[0] == "\n":
        return True
    return rest[0].isupper() or rest[0] in "(-+•–\"“[" or bool(_ENUMERATOR_AHEAD.match(rest))


def _end_after(text: str, i: int) -> int:
    """Offset just after the punctuation at i and anything that closes with it (quotes, markers)."""
    j = i + 1
    while j < len(text) and (text[j] in SUPERSCRIPT_DIGITS or text[j] in "\"”’)».…"):
        j += 1
    return j


def sentence_spans(text: str, *, lines: bool = True) -> list[tuple[int, int]]:
    """(start, end) of every sentence, stripped of surrounding space, in order.

    `lines=True` (chunk text, where a line is a paragraph or a list item): a line break always ends a
    sentence. `lines=False` (raw page text with hard wraps): only punctuation does, or a blank line.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        cut = None
        if ch == "\n" and (lines or text.startswith("\n", i + 1) or re.match(r"\n[ \t]*\n", text[i:])):
            cut = i
            next_start = i + 1
        elif ch in ".!?…" and is_sentence_end(text, i):
            cut = _end_after(text, i)
            next_start = cut
        if cut is not None:
            _push(text, start, cut, spans)
            start = next_start
            i = max(i + 1, next_start)
            continue
        i += 1
    _push(text, start, n, spans)
    return spans


def _push(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def split_sentences(text: str, *, lines: bool = True) -> list[str]:
    """The sentences of `text`, each a verbatim substring of it."""
    return [text[s:e] for s, e in sentence_spans(text, lines=lines)]


def sentence_span_at(text: str, position: int, *, lines: bool = True) -> tuple[int, int]:
    for start, end in sentence_spans(text, lines=lines):
        if position < end or (position == end):
            return (start, end) if position >= start else (position, position)
    return (len(text), len(text))


def sentence_at(text: str, position: int, *, lines: bool = False) -> str:
    """The sentence of `text` around `position` (for a footnote: the sentence its marker sits in)."""
    start, end = sentence_span_at(text, position, lines=lines)
    return text[start:end]


# ------------------------------------------------------------------------------------ footnote markers


def is_marker_at(text: str, start: int, end: int) -> bool:
    """text[start:end] (digits) is a footnote marker: glued to a word ('ngành2', 'báo cáo4 (') or to a
    closing quote/parenthesis, or right after a final dot at a line end ('Đề án 06.1')."""
    following = text[end : end + 2]
    if start == 0 or (following and (following[0].isalnum() or following[0] in "/_")):
        return False
    if re.match(r"[.,]\d", following):  # '2.5', '3,4': a number, not a marker
        return False
    before = text[start - 1]
    if before.isalpha() or before in ")”\"’":
        return True
    if before == "." and start >= 2 and text[start - 2].isalnum():
        line_end = text.find("\n", end)
        return not text[end : line_end if line_end != -1 else len(text)].strip()
    return False


def marker_span(text: str, number: str, before: int | None = None, window: int = 12000) -> tuple[int, int] | None:
    """Span of the last marker `number` in the `window` characters before `before`: as extracted
    ('ngành2', 'Đề án 06.1'), as ingestion marks it up ('ngành²') or as a DOCX reference ('[^2]')."""
    end = len(text) if before is None else before
    floor = max(0, end - window)
    found = [s for s in (_last_superscript(text, number, floor, end), _last_reference(text, number, floor, end),
                         _last_glued(text, number, floor, end)) if s]
    return max(found) if found else None


def find_footnote_marker(text: str, number: str, before: int | None = None, window: int = 12000) -> int | None:
    span = marker_span(text, number, before, window)
    return span[0] if span else None


def marker_end(text: str, marker_pos: int) -> int:
    if text.startswith("[^", marker_pos):
        return text.index("]", marker_pos) + 1
    end = marker_pos
    while end < len(text) and (text[end].isdigit() or text[end] in SUPERSCRIPT_DIGITS):
        end += 1
    return end


def _last_superscript(text: str, number: str, floor: int, end: int) -> tuple[int, int] | None:
    mark = to_superscript(number)
    position = text.rfind(mark, floor, end)
    while position != -1:
        after = position + len(mark)
        alone = (position == 0 or text[position - 1] not in SUPERSCRIPT_DIGITS) and (
            after == len(text) or text[after] not in SUPERSCRIPT_DIGITS
        )  # '¹' of '¹²' (footnote 12) is no marker 1
        if alone:
            return position, after
        position = text.rfind(mark, floor, position)
    return None


def _last_reference(text: str, number: str, floor: int, end: int) -> tuple[int, int] | None:
    reference = f"[^{number}]"
    position = text.rfind(reference, floor, end)
    return (position, position + len(reference)) if position != -1 else None


def _last_glued(text: str, number: str, floor: int, end: int) -> tuple[int, int] | None:
    position = text.rfind(number, floor, end)
    while position != -1:
        if is_marker_at(text, position, position + len(number)):
            return position, position + len(number)
        position = text.rfind(number, floor, position)
    return None


# -------------------------------------------------------------------------------------------- dates

QUARTER_NUMBER = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
ROMAN_QUARTER = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass(frozen=True)
class Period:
    """A span of time a question or a figure is about; `year_given` is False when the text named no year
    (then `start`/`end` hold the year the caller assumed, to be re-anchored to the documents)."""

    start: str  # ISO date
    end: str  # ISO date
    label: str  # as Vietnamese writes it: "tháng 5/2025", "quý II/2025", "năm 2025", "26/3/2025"
    granularity: Literal["day", "month", "quarter", "months", "year"] = "month"
    year_given: bool = True

    def contains(self, iso: str | None) -> bool:
        """An ISO date (maybe partial) falls inside: '2025-05' is in May 2025, '2025' only in a year."""
        if not iso:
            return False
        if len(iso) == 4:
            return self.granularity == "year" and iso == self.start[:4]
        return self.start[: len(iso)] <= iso <= self.end[: len(iso)] or self.start <= _first_day(iso) <= self.end

    def with_year(self, year: int) -> "Period":
        if self.year_given:
            return self
        found = parse_period(self.label + f"/{year}") or parse_period(f"{self.label} năm {year}")
        return found or self


def _first_day(iso: str) -> str:
    return iso if len(iso) == 10 else (iso + "-01" if len(iso) == 7 else iso + "-01-01")


def _last_day(year: int, month: int) -> str:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - dt.timedelta(days=1)).isoformat()


_Y = r"(?:/|-|\s+nam\s+)(\d{4})"
DAY_RE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")
DAY_WORDS_RE = re.compile(r"\bngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})")
MONTH_RE = re.compile(rf"\bthang\s+(\d{{1,2}})(?:{_Y})?(?![\d/])")
MONTHS_RE = re.compile(r"\b(\d{1,2})\s+thang(?:\s+(dau|cuoi))?\s+nam(?:\s+(\d{4}))?")
QUARTER_RE = re.compile(rf"\bquy\s+(iv|i{{1,3}}|[1-4])\b(?:{_Y})?")
HALF_RE = re.compile(r"\b(6 thang dau nam|nua dau nam|6 thang cuoi nam)(?:\s+(\d{4}))?")
YEAR_RE = re.compile(r"\bnam\s+(\d{4})\b")
RELATIVE_YEAR_RE = re.compile(r"\bnam\s+(nay|sau|toi|truoc|ngoai|qua)\b")
RELATIVE_YEAR = {"nay": 0, "sau": 1, "toi": 1, "ngoai": 1, "truoc": -1, "qua": -1}


def parse_period(text: str, default_year: int | None = None) -> Period | None:
    """The first period a question names: a day, a month, a quarter, 'N tháng (đầu) năm', a year, or
    'năm nay/sau/trước' (relative to `default_year`). Without a year and without `default_year`, the
    period comes back with `year_given=False` and the current calendar year as a placeholder."""
    key = search_key(text)
    placeholder = default_year or dt.date.today().year
    if m := DAY_RE.search(key) or DAY_WORDS_RE.search(key):
        d, mo, y = (int(x) for x in m.groups())
        try:
            day = dt.date(y, mo, d).isoformat()
        except ValueError:
            return None
        return Period(day, day, f"{d}/{mo}/{y}", "day")
    if m := MONTH_RE.search(key):
        mo = int(m.group(1))
        if 1 <= mo <= 12:
            y = int(m.group(2)) if m.group(2) else placeholder
            return Period(f"{y:04d}-{mo:02d}-01", _last_day(y, mo), f"tháng {mo}" + (f"/{y}" if m.group(2) or default_year else ""),
                          "month", bool(m.group(2)) or default_year is not None)
    if m := QUARTER_RE.search(key):
        q = QUARTER_NUMBER[m.group(1)]
        y = int(m.group(2)) if m.group(2) else placeholder
        return Period(f"{y:04d}-{3 * q - 2:02d}-01", _last_day(y, 3 * q), f"quý {ROMAN_QUARTER[q]}" + (f"/{y}" if m.group(2) or default_year else ""),
                      "quarter", bool(m.group(2)) or default_year is not None)
    if m := HALF_RE.search(key):
        y = int(m.group(2)) if m.group(2) else placeholder
        first = not m.group(1).endswith("cuoi nam")
        start, end = (f"{y:04d}-01-01", _last_day(y, 6)) if first else (f"{y:04d}-07-01", _last_day(y, 12))
        return Period(start, end, ("6 tháng đầu năm" if first else "6 tháng cuối năm") + (f" {y}" if m.group(2) or default_year else ""),
                      "months", bool(m.group(2)) or default_year is not None)
    if m := MONTHS_RE.search(key):
        n = int(m.group(1))
        y = int(m.group(3)) if m.group(3) else placeholder
        if 1 <= n <= 12:
            last = m.group(2) == "cuoi"  # '5 tháng cuối năm': August to December
            start, end = (f"{y:04d}-{13 - n:02d}-01", _last_day(y, 12)) if last else (f"{y:04d}-01-01", _last_day(y, n))
            label = f"{n} tháng {'cuối' if last else 'đầu'} năm" if m.group(2) else f"{n} tháng năm"
            return Period(start, end, f"{label} {y}" if m.group(3) or default_year else label,
                          "months", bool(m.group(3)) or default_year is not None)
    if m := YEAR_RE.search(key):
        y = int(m.group(1))
        return Period(f"{y:04d}-01-01", f"{y:04d}-12-31", f"năm {y}", "year")
    if (m := RELATIVE_YEAR_RE.search(key)) and default_year:
        y = default_year + RELATIVE_YEAR[m.group(1)]
        return Period(f"{y:04d}-01-01", f"{y:04d}-12-31", f"năm {y}", "year")
    return None


def vn_date(iso: str | None) -> str:
    """`2025-03-26` → `26/3/2025`; `2025-10` → `tháng 10/2025`; `2025` → `năm 2025`."""
    if not iso:
        return ""
    parts = iso.split("-")
    if len(parts) == 3:
        return f"{int(parts[2])}/{int(parts[1])}/{parts[0]}"
    if len(parts) == 2:
        return f"tháng {int(parts[1])}/{parts[0]}"
    return f"năm {parts[0]}"


_AS_OF_RE = AccentAware(r"(?:tính\s+)?đến\s+(?:hết\s+)?(?:ngày\s+)?(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})")


def find_as_of(text: str, start: int = 0, end: int | None = None) -> str | None:
    """ISO date of the last 'tính đến (hết) ngày d/m/yyyy' in text[start:end], else None."""
    end = len(text) if end is None else end
    for m in reversed(list(_AS_OF_RE.on(text[start:end]).finditer(text, start, end))):
        day, month, year = (int(g) for g in m.groups())
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            continue
    return None


_STATED_DATE_RE = re.compile(
    r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])"
    r"|\bthang\s+(\d{1,2})\s*(?:/|-|\s+nam\s+)(\d{4})"
    r"|\bquy\s+(iv|i{1,3}|[1-4])\s*(?:/|\s+nam\s+)(\d{4})"
    r"|\b(\d{1,2})\s+thang(?:\s+dau)?\s+nam\s+(\d{4})"
    r"|\bnam\s+(\d{4})\b"
)


def stated_dates(text: str) -> list[str]:
    """Every explicit date a sentence states, as (partial) ISO strings in text order: '26/3/2025' →
    '2025-03-26', 'tháng 02/2025' → '2025-02', 'quý II/2025' → '2025-06', '7 tháng năm 2025' → '2025-07',
    'năm 2025' → '2025'. The last month of a quarter or a period stands for it."""
    out: list[str] = []
    for m in _STATED_DATE_RE.finditer(search_key(text)):
        g = m.groups()
        try:
            if g[0]:
                out.append(dt.date(int(g[2]), int(g[1]), int(g[0])).isoformat())
            elif g[3] and 1 <= int(g[3]) <= 12:
                out.append(f"{int(g[4]):04d}-{int(g[3]):02d}")
            elif g[5]:
                out.append(f"{int(g[6]):04d}-{3 * QUARTER_NUMBER[g[5]]:02d}")
            elif g[7] and 1 <= int(g[7]) <= 12:
                out.append(f"{int(g[8]):04d}-{int(g[7]):02d}")
            elif g[9]:
                out.append(g[9])
        except ValueError:
            continue
    return out


# ------------------------------------------------------------------------------------------ polarity

Polarity = Literal["positive", "negative"]


@functools.lru_cache(maxsize=1)
def _polarity_patterns() -> tuple[AccentAware, AccentAware | None, AccentAware]:
    lex = _lexicon()
    negation = AccentAware(rf"{NO_LETTER_BEHIND}(?:{words_pattern(lex['negation'])}){NO_LETTER_AHEAD}")
    idioms = lex.get("not_negation") or []
    not_negation = AccentAware(rf"{NO_LETTER_BEHIND}(?:{words_pattern(idioms)}){NO_LETTER_AHEAD}") if idioms else None
    tails = words_pattern(lex.get("yes_no_tails", []))
    yes_no = AccentAware(rf"(?:\bcó\b.*?)?{NO_LETTER_BEHIND}(?:{tails})\s*[?.!]*\s*$")
    return negation, not_negation, yes_no


def yes_no_tail(question: str) -> re.Match[str] | None:
    """'… có chủ trì nhiệm vụ X không?': the 'không' that makes a yes–no question, not a negation.
    Only a question ending in 'không/chưa?' after 'có/đã' counts ('Tỉnh nào chưa …?' is no yes–no)."""
    text = question.strip()
    _, _, yes_no = _polarity_patterns()
    m = yes_no.search(text)
    if not m:
        return None
    head = search_key(text[: m.start()] + text[m.start():])
    ends = re.search(r"\b(khong|chua|hay khong|phai khong|dung khong|duoc khong)\s*[?.!]*\s*$", head)
    if not ends:
        return None
    before = head[: ends.start()]
    if not re.search(r"\b(co|da|duoc|phai|dung)\b", before) or re.search(r"\b(nao|gi|bao nhieu|may|ai)\b", before):
        return None
    return m


def negation_spans(text: str) -> list[tuple[int, int]]:
    """Where `text` negates (chưa, không, thiếu, chậm, quá hạn …), idioms like 'không ngừng' left out."""
    negation, not_negation, _ = _polarity_patterns()
    idiom_spans = [m.span() for m in not_negation.on(text).finditer(text)] if not_negation else []
    return [m.span() for m in negation.on(text).finditer(text)
            if not any(s <= m.start() < e for s, e in idiom_spans)]


def polarity_of(text: str, *, question: bool = False) -> Polarity:
    """'negative' when the text (a list's predicate, a question) is about not doing something.
    For a question, a yes–no tail ('… không?') is not a negation."""
    if question and (tail := yes_no_tail(text)):
        text = text[: tail.start()] + " " + _strip_yes_no(text[tail.start():])
    return "negative" if negation_spans(text) else "positive"


def _strip_yes_no(tail: str) -> str:
    return re.sub(r"(?i)(không|khong|chưa|chua)\s*[?.!]*\s*$", "", tail)


def without_negation(text: str) -> str:
    """The predicate with its negation words removed: 'chưa ban hành kế hoạch' → 'ban hành kế hoạch'."""
    out, last = [], 0
    for s, e in negation_spans(text):
        out.append(text[last:s])
        last = e
    out.append(text[last:])
    return " ".join("".join(out).split())


@functools.lru_cache(maxsize=1)
def _complement_pattern() -> AccentAware:
    return AccentAware(rf"{NO_LETTER_BEHIND}(?:{words_pattern(_lexicon().get('complement', []))}){NO_LETTER_AHEAD}")


def asks_for_rest(text: str) -> bool:
    """'các tỉnh còn lại', 'trừ …': the question wants what a list leaves out."""
    return _complement_pattern().search(text) is not None


@functools.lru_cache(maxsize=1)
def _exclusion_pattern() -> AccentAware:
    # opens a clause (after '(' or ',' or a space) and names something: a capital, 'các', 'những' ('người nước
    # ngoài' is no exclusion); the name runs to ')', ',', ';', '?', the end, or a verb ('ngoài Hà Nội | đã báo cáo')
    words = words_pattern(_lexicon().get("exclusion", []))
    verb = r"\s(?:đã|chưa|được|có|là|không|sẽ|đang|cần|phải|thì)\s"
    return AccentAware(rf"(?:(?<=\()|(?<=,)|{NO_LETTER_BEHIND})\s*(?i:{words})\s+(?=[A-ZĐ]|(?:các|những)\s)"
                       rf"(?:(?!{verb})[^(),;?])*", flags=0)


def without_excluded(text: str) -> str:
    """The question without what it leaves out: 'Những cơ quan nào dự họp (ngoài Sở Nội vụ chủ trì)?' → 'Những
    cơ quan nào dự họp ()?'; the excluded words say nothing about what is asked for."""
    return _exclusion_pattern().on(text).sub(" ", text)
