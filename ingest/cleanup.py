"""From extracted page text to paragraphs: strip control characters, drop page furniture, re-join hard line wraps.

PDF text comes as visual lines. A line ends its paragraph when it is visibly short (the page width
was not used up) or when the next line opens a new block (heading, list item, footnote).

Page furniture is removed by position, never by repetition alone: a PDF line is a running header or
footer only if it sits at the top or bottom edge of its pages and repeats there, or is a page number
or a Công báo header at that place (`furniture_lines`, called once by the PDF reader, which knows the
positions). Text without positions (DOCX, TXT) only loses lines that are furniture by their form
(`is_furniture`): a sentence that recurs in the body always stays.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass

from baocao.ingest.text import fold

# Lines that are page furniture by their form, wherever they are.
_CONG_BAO_HEADER = re.compile(
    r"^\s*(?:\d{1,4}\s+)?CÔNG\s*BÁO\s*/\s*Số\s+[\d\s+]+/\s*Ngày\s+\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{2,4}"
    r"(?:\s+\d{1,4})?\s*$",
    re.IGNORECASE,
)
_PAGE_NUMBER = re.compile(r"^\s*[-–—]?\s*(?:Trang\s+)?\d{1,4}(?:\s*/\s*\d{1,4})?\s*[-–—]?\s*$", re.IGNORECASE)
_SCANNER_STAMP = re.compile(r"^\s*(?:Được quét bằng|Scanned with)\s+CamScanner\s*$", re.IGNORECASE)
_FURNITURE = [
    re.compile(r"^\s*(?:[A-ZĐÀ-Ỹ ,&-]+\s+)?CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\s*$", re.IGNORECASE),
    re.compile(r"^\s*Độc lập\s*[-–]\s*Tự do\s*[-–]\s*Hạnh phúc\s*$", re.IGNORECASE),
    re.compile(r"^\s*[-_–—=.·*]{3,}\s*$"),  # separator rules
    _PAGE_NUMBER,
    re.compile(r"^\s*DỰ THẢO\s*$"),  # draft watermark
    _CONG_BAO_HEADER,
    _SCANNER_STAMP,
]
_DOCX_ARTIFACT = re.compile(r"\[bookmark:\s*[^\]]*\]|\[(?:image|picture):[^\]]*\]", re.IGNORECASE)
_ISSUER_HEADER = re.compile(r"^\s*((?:BỘ|ỦY BAN|UBND|BAN|VĂN PHÒNG|SỞ)\s[A-ZĐÀ-Ỹ ,&-]+?)\s+CỘNG HÒA XÃ HỘI", re.IGNORECASE)

# Openers of a new block: these lines never continue the previous paragraph.
BLOCK_OPENER = re.compile(
    r"^(?:"
    r"(?:[IVX]{1,5})\.\s"  # I. II.
    r"|\d{1,2}(?:\.\d{1,2})*\.\s"  # 1. 1.2.
    r"|[a-zđ]\)\s"  # a) đ)
    r"|\(\d{1,2}\)\s?"  # (1)
    r"|[-+•–—*]\s?"  # - + •
    r")"
)


@dataclass
class Line:
    text: str
    page: int | None
    indented: bool  # the extractor put leading space: in pypdf text, often a resumed body after a page break
    table: bool = False  # a table row ("header: value; header: value"): never joined to a neighbour
    after_blank: bool = False  # a blank line came before it on its page: where text files end paragraphs


def strip_artifacts(text: str) -> str:
    return _DOCX_ARTIFACT.sub("", text)


def is_furniture(line: str) -> bool:
    return any(p.match(line) for p in _FURNITURE) or is_signature_stamp(line)


def is_signature_stamp(line: str) -> bool:
    """The digital-signature stamp a signed PDF carries in a margin ("Ký bởi: UBND tỉnh …", "SAO Y; …; Thời
    gian ký: …"). Extractors place it anywhere, even inside a list; its letters can come apart ("Cơ q uan
    hát hành: … p"), so a label matches with one letter missing."""
    if ":" not in line or len(line) > 160:
        return False
    return any(_compact(segment.split(":", 1)[0]) in _stamp_labels() for segment in line.split(";") if ":" in segment)


def _compact(text: str) -> str:
    return "".join(ch for ch in fold(text).casefold() if ch.isalpha())


@functools.cache
def _stamp_labels() -> frozenset[str]:
    """Each label compacted, and every form of it with one letter dropped."""
    from baocao.ingest.structure import document_format  # structure reads cleanup's line rules

    labels = {_compact(label) for label in document_format()["signature_stamp_labels"]}
    return frozenset(labels | {label[:i] + label[i + 1:] for label in labels for i in range(len(label))})


def header_issuer(line: str) -> str | None:
    """`BỘ KHOA HỌC VÀ CÔNG NGHỆ CỘNG HÒA XÃ HỘI ...` on one extracted line carries the issuer."""
    m = _ISSUER_HEADER.match(line)
    return m.group(1).strip() if m else None


def page_lines(pages) -> list[Line]:
    """Non-blank, non-furniture lines of every page, in order, with their page number.

    `pages` are `Page` objects (their table rows come back with `table=True`) or (number, text) pairs.
    """
    lines: list[Line] = []
    for page in pages:
        number, text = (page.number, page.text) if hasattr(page, "text") else page
        rows = {row.strip() for table in getattr(page, "tables", ()) for row in table}
        blank = False
        for raw in strip_artifacts(text).splitlines():
            if not raw.strip():
                blank = bool(lines) and lines[-1].page == number
                continue
            if is_furniture(raw):
                continue
            stripped = raw.strip()
            lines.append(Line(stripped, number, indented=raw[:1].isspace(), table=stripped in rows, after_blank=blank))
            blank = False
    return lines


# --- page furniture by position (PDF) ---------------------------------------------------------------


@dataclass
class PositionedLine:
    """A PDF line with where it sits: `top`/`bottom` as shares of the page height from the top edge,
    `left`/`right` in points; None when the extractor gave no positions."""

    text: str
    top: float | None = None
    bottom: float | None = None
    left: float | None = None
    right: float | None = None
    table: bool = False
    stamp: bool = False  # text of a signature stamp drawn over the page: neither body nor running header


EDGE = 0.12  # running headers and footers sit within this share of the page height from its edge
OUTERMOST = 3  # and are among the outermost lines there
MIN_REPEAT_PAGES = 3
MIN_REPEAT_SHARE = 0.4  # ... of the pages with text: a recurring body sentence is never that regular


def furniture_key(text: str) -> str:
    """Lines that differ only in numbers (page numbers, dates of issues) are the same furniture."""
    key = re.sub(r"\d+", "#", " ".join(text.split()).casefold())
    return key.strip(" #-–—.|")


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(text))


def furniture_lines(pages: list[list[PositionedLine]]) -> list[set[int]]:
    """Per page, the indices of its lines that are page furniture.

    With positions: an edge line that is a page number or a Công báo header, or whose text (numbers
    aside) recurs at the edge of at least MIN_REPEAT_PAGES pages and MIN_REPEAT_SHARE of them. Without
    positions (pypdf fallback): only a page number or Công báo header as the first or last line.
    A repeated line's first occurrence is kept.
    """
    edges = [_edge_indices(lines) for lines in pages]
    counts: Counter[str] = Counter()
    for lines, indices in zip(pages, edges):
        counts.update({furniture_key(lines[i].text) for i in indices if lines[i].top is not None})
    pages_with_text = sum(1 for lines in pages if lines)
    needed = max(MIN_REPEAT_PAGES, math.ceil(MIN_REPEAT_SHARE * pages_with_text))
    dropped: list[set[int]] = []
    seen: set[str] = set()
    for lines, indices in zip(pages, edges):
        drop = set()
        for i in indices:
            text = lines[i].text
            key = furniture_key(text)
            if is_page_number(text) or _CONG_BAO_HEADER.match(text) or _SCANNER_STAMP.match(text):
                drop.add(i)
            elif lines[i].top is not None and len(key) >= 3 and counts[key] >= needed:
                # The first occurrence stays: a repeated edge line may be the document's own header
                # block (issuer, national motto) restated on later pages; one copy costs nothing.
                if key in seen:
                    drop.add(i)
                seen.add(key)
        dropped.append(drop)
    return dropped


def _edge_indices(lines: list[PositionedLine]) -> list[int]:
    placed = [i for i, line in enumerate(lines) if line.top is not None and not line.table and not line.stamp]
    if not placed:
        ends = [i for i in (0, 1, len(lines) - 2, len(lines) - 1) if 0 <= i < len(lines) and not lines[i].table]
        return sorted(set(ends))
    by_top = sorted(placed, key=lambda i: lines[i].top)
    by_bottom = sorted(placed, key=lambda i: -lines[i].bottom)
    top = [i for i in by_top[:OUTERMOST] if lines[i].top <= EDGE]
    bottom = [i for i in by_bottom[:OUTERMOST] if lines[i].bottom >= 1 - EDGE]
    return sorted(set(top + bottom))


# --- characters ---------------------------------------------------------------------------------------

_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, ESC[2J
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window titles, hyperlinks
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS / SOS / PM / APC strings
    r"|\x1b[@-Z\\-_]?"
)
_LINE_BREAKS = re.compile(r"\r\n?|[\f\v\x85\u2028\u2029]")
# C0 and C1 controls (not tab or newline), DEL, zero-width and bidirectional controls, noncharacters
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufffe\uffff]")
# Letters some fonts map to the wrong code point: 'ƣ' (U+01A3, Latin oi) for ư, 'Ð' (Icelandic eth) for Đ.
# A soft hyphen (U+00AD) inside Unicode Vietnamese is invisible noise ('nư\u00adớc'); in TCVN3 text it is
# the letter ư ('ph\u00ad¬ng'), which the legacy-font conversion needs: it only goes from lines holding
# letters that only Unicode Vietnamese has.
_SOFT_HYPHEN_LINE = re.compile("^(?=.*[\u0102\u0103\u0110\u0111\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9]).*\u00ad.*$", re.MULTILINE)
_CONFUSABLES = str.maketrans({"\u01a3": "ư", "\u01a2": "Ư", "\u00d0": "Đ", "\u00f0": "đ"})


def clean_characters(text: str) -> str:
    """Control characters and terminal escape sequences out (tab and newline kept), look-alike letters
    fixed. Run on every extracted text before anything judges it."""
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _LINE_BREAKS.sub("\n", text)
    text = _CONTROLS.sub("", text).translate(_CONFUSABLES)
    if "\u00ad" in text:
        text = _SOFT_HYPHEN_LINE.sub(lambda m: m.group(0).replace("\u00ad", ""), text)
    return text


def typical_width(lines: list[Line]) -> int:
    """The length of a full line in this document (80th percentile), to tell wraps from paragraph ends."""
    lengths = sorted(len(line.text) for line in lines)
    if not lengths:
        return 0
    return lengths[int(0.8 * (len(lengths) - 1))]


def ends_paragraph(line: str, width: int, next_line: str = "") -> bool:
    """A visibly short line ended its paragraph; a wrapped line fills the width up to about one word."""
    if len(line) < 0.72 * width:
        # a line cut mid-phrase (after a word or a comma) that still fills most of the width is a wrap on a
        # page or in a font narrower than the document's typical line ("…, Hiệp hội" / "Thủy sản và …")
        return not (len(line) >= 0.6 * width and _cut_mid_phrase(line))
    sentence_ended = line.rstrip()[-1:] in ".:;!?"
    return sentence_ended and len(line) < 0.92 * width and not starts_lowercase(next_line)


def _cut_mid_phrase(line: str) -> bool:
    last = line.rstrip()[-1:]
    return last == "," or (last.isalpha() and last.islower())


def starts_lowercase(text: str) -> bool:
    first = next((c for c in text if c.isalpha()), "")
    return bool(first) and first.islower()
