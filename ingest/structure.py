"""Report structure: paragraphs into blocks (headings, items, footnotes), the section tree, and footnote links.

Vietnamese reports number their parts `I.` > `1.` > `a)` and list with `-` / `+`; footnote bodies
sit at the page bottom as lines opening with their number, while the marker is glued to the word it
annotates (`địa phương3`, `Đề án 06.1`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from baocao.ingest.text import TO_SUPERSCRIPT, sentence_at
from baocao.ingest.cleanup import BLOCK_OPENER, Line, ends_paragraph, starts_lowercase, typical_width

ROMAN = re.compile(r"^(?P<m>[IVX]{1,5})\.\s+(?P<t>.*)$")
ARABIC = re.compile(r"^(?P<m>\d{1,2})\.\s+(?P<t>[^\W\d_].*)$")
ARABIC_SUB = re.compile(r"^(?P<m>\d{1,2}(?:\.\d{1,2})+)\.?\s+(?P<t>[^\W\d_].*)$")
LETTER = re.compile(r"^(?P<m>[a-zđ])\)\s+(?P<t>.*)$")
PART_TITLE = re.compile(r"^(BÁO CÁO(?: TÓM TẮT)?|KẾ HOẠCH|PHỤ LỤC(?:\s+[\dIVX]+)?|ĐỀ ÁN|TỜ TRÌNH|CHƯƠNG TRÌNH)\s*$")
FOOTNOTE_START = re.compile(r"^(?P<n>\d{1,2})\s+(?P<t>[A-ZĐÀ-Ỹ\"“(].*)$")
SUPERSCRIPT = TO_SUPERSCRIPT

HEADING_RANK = {"roman": 1, "arabic": 2, "arabic_sub": 3, "letter": 4}
# Lines in a paragraph-per-line file are far longer than a printed page line (~75-110 characters).
NO_HARD_WRAP_WIDTH = 140


@dataclass
class Block:
    kind: str  # part | heading | para | item | footnote | table
    text: str
    page: int | None
    rank: int = 0  # heading depth: 0 part, 1 roman, 2 arabic, 3 sub, 4 letter
    marker: str = ""  # heading marker ("II.", "2.", "a)") or footnote number
    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.lines.append(line)
        self.text = join_wrapped(self.text, line)


def join_wrapped(text: str, line: str) -> str:
    if not text:
        return line
    if text.endswith("-") and not text.endswith(" -"):
        return text + line  # a code broken over the wrap: "57-" + "NQ/TW" is "57-NQ/TW"
    return f"{text} {line}"


def heading_of(text: str) -> tuple[int, str] | None:
    for kind, pattern in (("roman", ROMAN), ("arabic_sub", ARABIC_SUB), ("arabic", ARABIC), ("letter", LETTER)):
        m = pattern.match(text)
        if m:
            marker = m.group("m") + (")" if kind == "letter" else ".")
            return HEADING_RANK[kind], marker
    return None


def classify_opener(text: str) -> tuple[str, int, str]:
    if PART_TITLE.match(text):
        return "part", 0, text
    heading = heading_of(text)
    if heading:
        return "heading", heading[0], heading[1]
    if text.startswith("|") or re.match(r"^[^:;]{1,40}: .*; [^:;]{1,40}: ", text):
        return "table", 0, ""
    return ("item", 0, "") if BLOCK_OPENER.match(text) else ("para", 0, "")


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


def build_blocks(lines: list[Line]) -> list[Block]:
    """Group visual lines into blocks; footnote bodies are pulled out of the body flow."""
    width = typical_width(lines)
    hard_wraps = width < NO_HARD_WRAP_WIDTH
    blocks: list[Block] = []
    body: Block | None = None  # the paragraph being built; survives a footnote interruption
    footnote: Block | None = None
    notes = _FootnoteTracker()
    body_text = ""  # running body text, to find footnote markers

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
        if body is not None and continues_paragraph(body, line, width, hard_wraps):
            body.add(text)
            continue
        if body is not None:
            body_text += "\n" + body.text
        kind, rank, marker = classify_opener(text)
        body = Block(kind, text, line.page, rank=rank, marker=marker, lines=[text])
        blocks.append(body)
    return blocks


def continues_footnote(footnote: Block, line: Line, width: int) -> bool:
    if line.indented or line.page != footnote.page or BLOCK_OPENER.match(line.text):
        return False
    return starts_lowercase(line.text) or not ends_paragraph(footnote.lines[-1], width)


INLINE_ENUMERATION = re.compile(r"^\(\d{1,2}\)")


def continues_paragraph(body: Block, line: Line, width: int, hard_wraps: bool) -> bool:
    text = line.text
    if PART_TITLE.match(text) or body.kind == "part":
        return False
    if INLINE_ENUMERATION.match(text) and hard_wraps:
        # "(3) …" wrapped onto a new line mid-paragraph, after a full line, continues the enumeration
        previous = body.lines[-1]
        return not ends_paragraph(previous, width, text) and not previous.rstrip().endswith(":")
    if BLOCK_OPENER.match(text):
        return False
    if starts_lowercase(text):
        return True
    if not hard_wraps:
        return False
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
            stack = [(0, block.text.strip())] if several_parts else []
        elif block.kind == "heading":
            stack = [(rank, label) for rank, label in stack if rank < block.rank]
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
