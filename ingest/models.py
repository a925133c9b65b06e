"""Plain typed objects that leave the ingest step: what `vectorstore/` and `assistant/` receive."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class IngestError(Exception):
    """A file that cannot go in. `str()` is one line: what is wrong and what to do."""

    def __init__(self, name: str, problem: str, hint: str = ""):
        self.name, self.problem, self.hint = name, problem, hint
        super().__init__(f"{name}: {problem}" + (f" — {hint}" if hint else ""))


@dataclass
class Page:
    number: int | None  # 1-based page of a PDF; None where the source has no pages
    text: str
    ocr: bool = False  # the text was read from the page image by OCR
    quality: float | None = None  # share of words that are not valid Vietnamese syllables (ingest/quality.py)
    legacy_font: str | None = None  # "tcvn3" | "vni": the text layer used that legacy font encoding, converted
    warning: str | None = None  # why this page's text is not to be trusted ("poor OCR (4.1% invalid syllables)")
    tables: list[list[str]] = field(default_factory=list)  # rows of each table, as they appear in `text`
    furniture: list[str] = field(default_factory=list)  # running headers/footers/page numbers removed from `text`


@dataclass
class RawDocument:
    """A file read into text, before any clean-up."""

    path: Path
    name: str  # file name as ingested
    format: str  # pdf | docx | doc | rtf | odt | xlsx | txt | md | png | jpg | tif
    pages: list[Page]
    sha256: str
    footnotes: dict[str, str] = field(default_factory=dict)  # native DOCX footnotes: marker -> text
    warnings: list[str] = field(default_factory=list)  # for the ingest report: OCR, legacy fonts, poor pages

    @property
    def ocr_pages(self) -> int:
        return sum(page.ocr for page in self.pages)


@dataclass
class TaskRecord:
    """One task of a plan document with its result, lead and coordinating agencies and deadline."""

    task: str
    result: str | None
    lead: str | None
    coordinating: str | None
    deadline: str | None
    section: str
    document: str
    page: int | None = None
    chunk_id: str = ""


def chunk_id(doc_id: str, order: int) -> str:
    """A chunk's id: its document's content id and its place in the document ("3f2a…:0007")."""
    return f"{doc_id}:{order:04d}"


@dataclass
class Chunk:
    chunk_id: str
    doc_id: str
    document: str
    title: str
    section: str  # e.g. "I. MỘT SỐ KẾT QUẢ ĐẠT ĐƯỢC > 2."
    text: str  # cleaned text, what quotes are taken from
    page: int | None = None
    issuer: str | None = None
    report_date: str | None = None  # ISO, may be partial ("2025-08")
    as_of: str | None = None  # ISO date the figures in this chunk speak of
    number: str | None = None  # số và ký hiệu of the document ("123/BC-UBND"; "/TTr-SNV" when left blank)
    doc_kind: str | None = None  # the document's kind: "Báo cáo", "Tờ trình", "Luật", "Công văn" …
    signer: str | None = None  # who signed the document ("Nguyễn Minh")
    kind: str = "text"  # text | footnote | task | table
    footnotes: list[str] = field(default_factory=list)  # "1 Các bộ, ngành: ..." linked to this chunk
    annotates: str | None = None  # footnote chunks: chunk_id of the body chunk they annotate
    context: str | None = None  # footnote chunks: the sentence that carries the marker
    task: TaskRecord | None = None
    order: int = 0
    # EntityList / FigureRecord read at ingest (ingest/records.py); None: stored before records existed
    records: list | None = field(default_factory=list)
    ocr: bool = False  # the chunk's page was read by OCR
    text_quality: float | None = None  # its page's share of invalid Vietnamese syllables (Page.quality)
    # where a chunk runs over several pages: (offset in `text`, page) where each later page begins
    page_starts: list[tuple[int, int]] = field(default_factory=list)

    def page_at(self, offset: int) -> int | None:
        """The page of the character at `offset` of `text` (a quote's page, not only the chunk's first)."""
        page = self.page
        for start, number in self.page_starts:
            if start <= offset:
                page = number
        return page

    def index_text(self) -> str:
        """What BM25 sees: the document's title and the section heading for context, then the text (an article
        that says only "Bộ Công an làm nhiệm vụ cơ quan thường trực" is found for the body its title names).

        A footnote chunk carries the sentence it annotates (`context`); a body chunk keeps its footnotes
        in `footnotes` for display but does not index them, so a long list does not bury its sentence.
        """
        return "\n".join(p for p in (self.title, self.passage_text()) if p)

    def passage_text(self) -> str:
        """The passage in its section: the heading, the annotated sentence of a footnote, the text. What the
        answer's term weights count (a title repeated on every chunk would say nothing about any of them)."""
        parts = [self.section, self.context or "", self.text]
        return "\n".join(p for p in parts if p)

    def embed_text(self) -> str:
        """What the embedder sees: like `index_text` but only the deepest heading, since a small model's
        256-token window is better spent on the passage than on the whole section path."""
        parts = [self.section.rsplit(" > ", 1)[-1], self.context or "", self.text]
        return "\n".join(p for p in parts if p)


@dataclass
class IngestedDocument:
    doc_id: str  # content hash: the same bytes always give the same id
    document: str
    title: str
    issuer: str | None
    report_date: str | None
    as_of: str | None
    chunks: list[Chunk]
    tasks: list[TaskRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    chars: int = 0
    # what the header and closing blocks say (Nghị định 30/2020, Appendix I); None where the document does not
    number: str | None = None
    doc_kind: str | None = None
    summary: str | None = None  # trích yếu: "Về việc …"
    governing_body: str | None = None  # "UBND tỉnh Lâm Đồng" above the issuer "Sở Nội vụ tỉnh Lâm Đồng"
    place: str | None = None
    signer: str | None = None
    signer_title: str | None = None  # "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
    addressee: str | None = None  # kính gửi
    recipients: list[str] = field(default_factory=list)  # nơi nhận
    draft: bool = False  # marked "Dự thảo"
    # chunk sizes in characters (footnotes aside): chunks, min, p25, median, p75, max, under_200, under_200_not_whole
    chunk_sizes: dict = field(default_factory=dict)

    def size_line(self) -> str:
        """`median 512, 3 under 200 (0 not a whole unit)`: the chunk-size summary for the ingest report."""
        s = self.chunk_sizes
        if not s.get("chunks"):
            return ""
        under = next((k for k in s if k.startswith("under_") and not k.endswith("not_whole")), None)
        text = f"chars min {s['min']} / median {s['median']} / max {s['max']}"
        if under:
            text += f", {s[under]} under {under[6:]} ({s[under + '_not_whole']} not a whole unit)"
        return text
