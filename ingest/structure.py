"""Document structure: paragraphs into blocks (headings, items, footnotes), the section tree, and footnote links.

Reports number their parts `A.` > `I.` > `1.` > `1.1.` > `a)` and list with `-` / `+`; legal texts go
`Phần` > `Chương` > `Mục` > `Tiểu mục` > `Điều N.`, and inside an article `1.` (khoản) and `a)` (điểm)
are clauses, not headings. A kind line (`BÁO CÁO`, `LUẬT`) or `Phụ lục` opens a part. Footnote bodies
sit at the page bottom as lines opening with their number, while the marker is glued to the word it
annotates (`địa phương3`, `Đề án 06.1`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from baocao.ingest.text import TO_SUPERSCRIPT, sentence_at
from baocao.ingest.cleanup import BLOCK_OPENER, Line, ends_paragraph, starts_lowercase, typical_width

ROMAN = re.compile(r"^(?P<m>[IVX]{1,5})\.\s+(?P<t>.*)$")
ARABIC = re.compile(r"^(?P<m>\d{1,2})\.\s+(?P<t>[^\W\d_].*)$")
ARABIC_SUB = re.compile(r"^(?P<m>\d{1,2}(?:\.\d{1,2})+)\.?\s+(?P<t>[^\W\d_].*)$")
LETTER = re.compile(r"^(?P<m>[a-zđ])\)\s+(?P<t>.*)$")
UPPER_LETTER = re.compile(r"^(?P<m>[A-HK-UX-YĐ])\.\s+(?P<t>[^\W\d_].*)$")
# Legal texts: Phần > Chương > Mục > Tiểu mục > Điều; khoản (1.) and điểm (a)) are the article's clauses.
PHAN = re.compile(r"^(?:PHẦN|Phần)\s+(?P<m>(?:THỨ|thứ)\s+[^\W\d_]+|[IVXLC]+|\d{1,2})\b\s*[.:]?\s*(?P<t>.*)$")
CHUONG = re.compile(r"^(?:CHƯƠNG|Chương)\s+(?P<m>[IVXLC]+|\d{1,3})\b\s*[.:]?\s*(?P<t>.*)$")
MUC = re.compile(r"^(?:MỤC|Mục)\s+(?P<m>[IVXLC]+|\d{1,3})\b\s*[.:]?\s*(?P<t>.*)$")
TIEU_MUC = re.compile(r"^(?:TIỂU MỤC|Tiểu mục)\s+(?P<m>[IVXLC]+|\d{1,3})\b\s*[.:]?\s*(?P<t>.*)$")
DIEU = re.compile(r"^(?:Điều|ĐIỀU)\s+(?P<m>\d{1,3}[a-zđ]?)\s*[.:]\s*(?P<t>.*)$")
APPENDIX = re.compile(r"^(?:PHỤ LỤC|Phụ lục)(?:\s+(?P<m>[\dIVX]+[a-zA-Z]?))?\s*[.:]?\s*(?P<t>.*)$")
TABLE_ROW = re.compile(r"^\||^[^:;]{1,40}: .*; [^:;]{1,40}: ")  # a table row as the loaders render it
MARKDOWN_HEADING = re.compile(r"^(?P<h>#{1,6})\s+(?P<t>\S.*)$")
FOOTNOTE_START = re.compile(r"^(?P<n>\d{1,2})\s+(?P<t>[A-ZĐÀ-Ỹ\"“(].*)$")
SUPERSCRIPT = TO_SUPERSCRIPT

# Heading depth, legal and report layouts on one scale (a decree's appendix may number its parts I., 1.).
HEADING_RANK = {
    "phan": 1, "chuong": 2, "muc": 3, "tieu_muc": 4, "dieu": 5,
    "upper_letter": 6, "roman": 7, "arabic": 8, "arabic_sub": 9, "letter": 10,
}
ARTICLE_RANK = HEADING_RANK["dieu"]
CLAUSE_RANK = HEADING_RANK["arabic"]  # inside an article, `1.` `1.1.` `a)` are clauses and points, not headings
# Lines in a paragraph-per-line file are far longer than a printed page line (~75-110 characters).
NO_HARD_WRAP_WIDTH = 140
_DATA = Path(__file__).parent / "data" / "document_format.json"


@cache
def document_format() -> dict:
    """The vocabulary of the administrative format and legal layout (`data/document_format.json`)."""
    return json.loads(_DATA.read_text(encoding="utf-8"))


_TONES = "\u0300\u0301\u0303\u0309\u0323"


def tone_key(text: str) -> str:
    """`UỶ BAN` and `ủy ban:` give the same key: lower case, each word's tone mark moved after its letters."""
    def move(m: re.Match) -> str:
        decomposed = unicodedata.normalize("NFD", m.group(0))
        tones = "".join(ch for ch in decomposed if ch in _TONES)
        return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES)) + tones

    return " ".join(_LETTERS.sub(move, unicodedata.normalize("NFC", text.lower())).split())


_LETTERS = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")


def starts_with_any(text: str, phrases: list[str]) -> str | None:
    """The longest of `phrases` that `text` opens with (whole words, any case and tone placement)."""
    key = tone_key(text)
    for phrase in sorted(phrases, key=len, reverse=True):
        p = tone_key(phrase)
        if key == p or (key.startswith(p) and (p.endswith(".") or not key[len(p)].isalnum())):
            return phrase
    return None


def is_upper_text(text: str, share: float = 0.8) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 2 and sum(ch.isupper() for ch in letters) >= share * len(letters)


def is_kind_title(text: str) -> bool:
    """`BÁO CÁO`, `TỜ TRÌNH`, `LUẬT`, `ĐIỀU LỆ (SỬA ĐỔI, BỔ SUNG) HIỆP HỘI …`: the line naming the document's kind."""
    text = text.strip()
    if len(text) > 160 or text.endswith(":") or not is_upper_text(text, 0.9):
        return False
    return starts_with_any(text, document_format()["kinds"]) is not None


@dataclass
class Block:
    kind: str  # part | heading | para | item | footnote | table | header
    text: str
    page: int | None
    rank: int = 0  # heading depth (HEADING_RANK); 0 for parts
    marker: str = ""  # heading marker ("II.", "2.", "a)", "Điều 5.") or footnote number
    lines: list[str] = field(default_factory=list)
    layout: str = ""  # which heading pattern matched ("dieu", "roman", …); for clauses, the pattern they had

    def add(self, line: str) -> None:
        self.lines.append(line)
        self.text = join_wrapped(self.text, line)


def join_wrapped(text: str, line: str) -> str:
    if not text:
        return line
    if text.endswith("-") and not text.endswith(" -"):
        return text + line  # a code broken over the wrap: "57-" + "NQ/TW" is "57-NQ/TW"
    return f"{text} {line}"


_PATTERNS = (
    ("phan", PHAN), ("chuong", CHUONG), ("tieu_muc", TIEU_MUC), ("muc", MUC), ("dieu", DIEU),
    ("roman", ROMAN), ("arabic_sub", ARABIC_SUB), ("arabic", ARABIC), ("letter", LETTER),
)


def heading_of(text: str) -> tuple[int, str] | None:
    found = heading_layout(text)
    return (found[1], found[2]) if found else None


def heading_layout(text: str) -> tuple[str, int, str] | None:
    """(layout, rank, marker) of a numbered heading line, or None."""
    for layout, pattern in _PATTERNS:
        m = pattern.match(text)
        if m:
            if layout in ("phan", "chuong", "muc", "tieu_muc") and not _is_bare_or_titled(m.group("t")):
                continue
            marker = m.group("m") + (")" if layout == "letter" else ".")
            if layout in ("phan", "chuong", "muc", "tieu_muc", "dieu"):
                marker = text[: m.start("m")].strip().capitalize() + " " + m.group("m")
            return layout, HEADING_RANK[layout], marker
    m = UPPER_LETTER.match(text)
    if m and is_upper_text(m.group("t")):
        return "upper_letter", HEADING_RANK["upper_letter"], m.group("m") + "."
    return None


def _is_bare_or_titled(rest: str) -> bool:
    """`Chương I`, `Chương II. QUY ĐỊNH CHUNG`: a bare marker or a short title, not a sentence citing one."""
    rest = rest.strip()
    return not rest or (len(rest) <= 160 and (is_upper_text(rest) or not rest[:1].islower()) and not rest.endswith((",", ";")))


def is_appendix_title(text: str) -> bool:
    m = APPENDIX.match(text)
    if not m:
        return False
    rest = m.group("t").strip()
    return (text.startswith("PHỤ LỤC") or m.group("m") is not None or not rest) and len(rest) <= 200 and not rest[:1].islower()


def classify_opener(text: str) -> tuple[str, int, str, str]:
    """(kind, rank, marker, layout) of the block a line opens."""
    if m := MARKDOWN_HEADING.match(text):
        inner = classify_opener(m.group("t"))
        if inner[0] in ("part", "heading"):
            return inner
        level = len(m.group("h"))
        return ("part", 0, "", "markdown") if level == 1 else ("heading", HEADING_RANK["upper_letter"] + level - 2, "", "markdown")
    if is_kind_title(text) or is_appendix_title(text):
        return "part", 0, text, "part"
    found = heading_layout(text)
    if found:
        return "heading", found[1], found[2], found[0]
    if TABLE_ROW.match(text):
        return "table", 0, "", ""
    return ("item", 0, "", "") if BLOCK_OPENER.match(text) else ("para", 0, "", "")


def opens_block(text: str) -> bool:
    """Lines that never continue the paragraph before them, whatever the line widths say."""
    if BLOCK_OPENER.match(text) or MARKDOWN_HEADING.match(text):
        return True
    if heading_layout(text) or is_kind_title(text) or is_appendix_title(text) or TABLE_ROW.match(text):
        return True
    fmt = document_format()
    return starts_with_any(text, fmt["preamble_openers"][:2] + fmt["addressee"] + fmt["recipients"]) is not None


class _FootnoteTracker:
    """Footnotes are numbered in order; a number line is a footnote only if it is the next one."""

    def __init__(self) -> None:
        self.last = 0

    def accepts(self, number: int, body_so_far: str) -> bool:
        if number not in (self.last + 1, 1):
            return False
        return marker_position(body_so_far, str(number)) is not None

    def take(self, number: int) -> None:
        self.last = number


def marker_pattern(number: str) -> re.Pattern:
    # `phương3` / `ngành2.` (digit glued to a letter) or `06.1` / `xã.1` (glued after a full stop, at a clause end)
    return re.compile(
        rf"(?<=[^\W\d_]){number}(?=[\s.,;:)]|$)|(?<=\w\.){number}(?=\s|$)|(?<=[)”\"]){number}(?=[\s.,;:]|$)"
        rf"|\[\^{number}\]"
    )


def marker_position(text: str, number: str, window: int = 6000) -> int | None:
    start = max(0, len(text) - window)
    matches = list(marker_pattern(number).finditer(text, start))
    return matches[-1].start() if matches else None


BLANK_LINE_SHARE = 0.4


def build_blocks(lines: list[Line], hard_wraps: bool | None = None) -> list[Block]:
    """Group visual lines into blocks; footnote bodies are pulled out of the body flow. `hard_wraps`: whether
    lines are printed lines wrapped at the page width (PDF, most text files) rather than paragraphs (DOCX);
    None guesses from the line widths."""
    width = typical_width(lines)
    if hard_wraps is None:
        hard_wraps = width < NO_HARD_WRAP_WIDTH
    # blank lines end paragraphs, unless the extractor puts one between most lines
    blank_breaks = sum(line.after_blank for line in lines) < BLANK_LINE_SHARE * len(lines)
    blocks: list[Block] = []
    body: Block | None = None  # the paragraph being built; survives a footnote interruption
    footnote: Block | None = None
    notes = _FootnoteTracker()
    body_text = ""  # running body text, to find footnote markers
    in_article = False  # the last article heading (`Điều 5.`) is still open: `1.` and `a)` are its clauses

    for line in lines:
        text = line.text
        fn = FOOTNOTE_START.match(text)
        if fn and notes.accepts(int(fn.group("n")), body_text + (body.text if body else "")):
            notes.take(int(fn.group("n")))
            footnote = Block("footnote", fn.group("t"), line.page, marker=fn.group("n"), lines=[text])
            blocks.append(footnote)
            continue
        if footnote is not None:
            if continues_footnote(footnote, line, width):
                footnote.add(text)
                continue
            footnote = None
        if body is not None and takes_title(body, text):
            body.add(text)
            continue
        if body is not None and continues_paragraph(body, line, width, hard_wraps, blank_breaks):
            body.add(text)
            continue
        if body is not None:
            body_text += "\n" + body.text
        kind, rank, marker, layout = classify_opener(text)
        body = Block(kind, MARKDOWN_HEADING.sub(r"\g<t>", text), line.page, rank=rank, marker=marker, lines=[text],
                     layout=layout)
        in_article = resolve_clause(body, in_article)  # before its next line: a clause wraps like any item
        blocks.append(body)
    return blocks


_TITLED_LAYOUTS = ("phan", "chuong", "muc", "tieu_muc")


def takes_title(body: Block, text: str) -> bool:
    """`Chương I` / `NHỮNG QUY ĐỊNH CHUNG`, `PHỤ LỤC I` / `DANH SÁCH …`: a bare marker takes the title line under it."""
    if len(body.lines) != 1 or len(text) > 200 or heading_layout(text) or BLOCK_OPENER.match(text):
        return False
    if body.kind == "heading" and body.layout in _TITLED_LAYOUTS:
        bare = not (CHUONG.match(body.text) or PHAN.match(body.text) or MUC.match(body.text)
                    or TIEU_MUC.match(body.text)).group("t").strip()
        return bare and is_upper_text(text)
    if body.kind == "part" and body.layout == "part" and is_appendix_title(body.text):
        return not APPENDIX.match(body.text).group("t").strip() and is_upper_text(text)
    return False


def resolve_clause(block: Block, in_article: bool) -> bool:
    """Inside an article (`Điều 5.`), `1.` `1.1.` `a)` are its clauses and points: `block` becomes an item, not
    a heading, as soon as it opens, so that a clause wrapped onto a line opening with a capital ('… tại Thành phố Hồ Chí'
    / 'Minh, trừ …') goes on like any item. Returns whether the blocks after it are inside an article."""
    if block.kind == "part":
        return False
    if block.kind == "heading":
        if block.rank == ARTICLE_RANK:
            return True
        if block.rank < ARTICLE_RANK:
            return False
        if in_article and block.rank >= CLAUSE_RANK:
            block.kind, block.rank = "item", 0
    return in_article


def continues_footnote(footnote: Block, line: Line, width: int) -> bool:
    if line.indented or line.page != footnote.page or BLOCK_OPENER.match(line.text):
        return False
    return starts_lowercase(line.text) or not ends_paragraph(footnote.lines[-1], width)


INLINE_ENUMERATION = re.compile(r"^\(\d{1,2}\)")


def continues_paragraph(body: Block, line: Line, width: int, hard_wraps: bool, blank_breaks: bool = False) -> bool:
    text = line.text
    if body.kind in ("part", "header") or is_kind_title(text) or is_appendix_title(text):
        return False
    if INLINE_ENUMERATION.match(text) and hard_wraps:
        # "(3) …" wrapped onto a new line mid-paragraph, after a full line, continues the enumeration
        previous = body.lines[-1]
        return not ends_paragraph(previous, width, text) and not previous.rstrip().endswith(":")
    if opens_block(text):
        return False
    if starts_lowercase(text):
        return True
    if blank_breaks and line.after_blank:
        return False
    if body.lines[-1].rstrip().endswith(","):
        return True  # nothing ends on a comma: an OCR'd item "… Phạm Thị Thanh Trà," goes on "Phó Trưởng Ban …"
    if not hard_wraps or (body.kind == "heading" and body.layout != "dieu"):
        return False  # a heading goes on only with a lower-case line: the body under it opens with a capital
    if body.layout and body.lines[-1].rstrip()[-1:] in ".:;!?":
        return False  # an article's title or a clause goes on with a capital only where a full line cut its phrase
    return not ends_paragraph(body.lines[-1], width, text)


@dataclass
class Section:
    path: list[str] = field(default_factory=list)  # one label per level

    def label(self) -> str:
        return " > ".join(self.path)


def short_title(text: str, limit: int = 70) -> str:
    text = text.rstrip(" :;")
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def assign_sections(blocks: list[Block]) -> list[tuple[Block, str]]:
    """Each block with the section path it belongs to; parts only appear when a file holds several."""
    several_parts = sum(1 for b in blocks if b.kind == "part") > 1
    stack: list[tuple[int, str]] = []
    out: list[tuple[Block, str]] = []
    for block in blocks:
        if block.kind == "part":
            stack = [(0, short_title(block.text.strip()))] if several_parts else []
        elif block.kind == "heading":
            stack = [(rank, label) for rank, label in stack if rank < block.rank or rank == 0]
            stack.append((block.rank, short_title(block.text)))
        out.append((block, " > ".join(label for _, label in stack)))
    return out


def link_footnotes(blocks: list[Block]) -> dict[int, int]:
    """Map each footnote block's index to the index of the body block that carries its marker."""
    links: dict[int, int] = {}
    for i, block in enumerate(blocks):
        if block.kind != "footnote":
            continue
        pattern = marker_pattern(block.marker)
        for j in range(i - 1, max(-1, i - 40), -1):
            candidate = blocks[j]
            if candidate.kind != "footnote" and pattern.search(candidate.text):
                links[i] = j
                break
        else:  # the marker may sit in the paragraph that resumes after the footnote block
            for j in range(i + 1, min(len(blocks), i + 4)):
                if blocks[j].kind != "footnote" and pattern.search(blocks[j].text):
                    links[i] = j
                    break
    return links


def mark_footnote(text: str, number: str) -> str:
    """Replace the glued marker (`phương3`) with a superscript (`phương³`), so words stay whole."""
    matches = list(marker_pattern(number).finditer(text))
    if not matches:
        return text
    m = matches[-1]
    return text[: m.start()] + number.translate(SUPERSCRIPT) + text[m.end():]


def sentence_with(text: str, position: int) -> str:
    """The sentence of `text` around `position` (for a footnote: the sentence it annotates)."""
    return sentence_at(text, position)
