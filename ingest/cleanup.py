"""From extracted page text to paragraphs: drop page furniture, re-join hard line wraps.

PDF text comes as visual lines. A line ends its paragraph when it is visibly short (the page width
was not used up) or when the next line opens a new block (heading, list item, footnote).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Lines that are page furniture, never content.
_FURNITURE = [
    re.compile(r"^\s*(?:[A-ZĐÀ-Ỹ ,&-]+\s+)?CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\s*$", re.IGNORECASE),
    re.compile(r"^\s*Độc lập\s*[-–]\s*Tự do\s*[-–]\s*Hạnh phúc\s*$", re.IGNORECASE),
    re.compile(r"^\s*[-_–—=.·*]{3,}\s*$"),  # separator rules
    re.compile(r"^\s*(?:Trang\s+)?\d{1,3}(?:\s*/\s*\d{1,3})?\s*$", re.IGNORECASE),  # page numbers
    re.compile(r"^\s*DỰ THẢO\s*$"),  # draft watermark
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


def strip_artifacts(text: str) -> str:
    return _DOCX_ARTIFACT.sub("", text)


def is_furniture(line: str) -> bool:
    return any(p.match(line) for p in _FURNITURE)


def header_issuer(line: str) -> str | None:
    """`BỘ KHOA HỌC VÀ CÔNG NGHỆ CỘNG HÒA XÃ HỘI ...` on one extracted line carries the issuer."""
    m = _ISSUER_HEADER.match(line)
    return m.group(1).strip() if m else None


def page_lines(pages: list[tuple[int | None, str]]) -> list[Line]:
    """Non-blank, non-furniture lines of every page, in order, with their page number."""
    lines: list[Line] = []
    for number, text in pages:
        for raw in strip_artifacts(text).splitlines():
            if not raw.strip() or is_furniture(raw):
                continue
            lines.append(Line(raw.strip(), number, indented=raw[:1].isspace()))
    return lines


def repeated_lines(lines: list[Line], min_pages: int = 3) -> set[str]:
    """Short lines that recur on many pages: running headers and footers."""
    pages_of: dict[str, set] = {}
    for line in lines:
        if len(line.text) <= 80 and line.page is not None:
            pages_of.setdefault(line.text, set()).add(line.page)
    return {text for text, pages in pages_of.items() if len(pages) >= min_pages and not BLOCK_OPENER.match(text)}


def typical_width(lines: list[Line]) -> int:
    """The length of a full line in this document (80th percentile), to tell wraps from paragraph ends."""
    lengths = sorted(len(line.text) for line in lines)
    if not lengths:
        return 0
    return lengths[int(0.8 * (len(lengths) - 1))]


def ends_paragraph(line: str, width: int, next_line: str = "") -> bool:
    """A visibly short line ended its paragraph; a wrapped line fills the width up to about one word."""
    if len(line) < 0.72 * width:
        return True
    sentence_ended = line.rstrip()[-1:] in ".:;!?"
    return sentence_ended and len(line) < 0.92 * width and not starts_lowercase(next_line)


def starts_lowercase(text: str) -> bool:
    first = next((c for c in text if c.isalpha()), "")
    return bool(first) and first.islower()
