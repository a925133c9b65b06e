"""Helpers that WRITE real test files (PDF, DOCX, text) into a folder: no binary fixtures in the repo.

Import them from any test: `from fixtures_files import write_pdf, write_docx, DocxTable`.
Footnotes in `write_docx`: put `[^key]` in a paragraph or cell where the reference goes and pass
`footnotes={"key": "text"}`; the helper writes a real `word/footnotes.xml` part.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib

DEJAVU_FONT = Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf"  # has every Vietnamese letter
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


# --- PDF -----------------------------------------------------------------------------------------


def write_pdf(path: Path, pages: Sequence[str], *, font_size: int = 11) -> Path:
    """One PDF page per string, with a text layer, in DejaVu Sans (embedded, Unicode)."""
    path = Path(path)
    path.write_bytes(pdf_bytes(pages, font_size=font_size))
    return path


def pdf_bytes(pages: Sequence[str], *, font_size: int = 11) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", fname=str(DEJAVU_FONT))
    pdf.set_font("DejaVu", size=font_size)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, font_size * 0.6, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def write_encrypted_pdf(
    path: Path, pages: Sequence[str], *, user_password: str = "", owner_password: str = "owner-secret"
) -> Path:
    """An RC4-128 encrypted PDF (AES would need the `cryptography` package to write)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(pages))))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    path = Path(path)
    with path.open("wb") as out:
        writer.write(out)
    return path


def write_scanned_pdf(path: Path, pages: int = 1) -> Path:
    """Pages that carry only a picture and drawn shapes, like a scan: no text layer at all."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    picture = Image.new("L", (300, 400), color=255)
    draw = ImageDraw.Draw(picture)
    for y in range(40, 380, 20):  # grey bars where the scanned lines of text would be
        draw.rectangle((30, y, 270, y + 8), fill=90)
    pdf = FPDF(format="A4")
    for _ in range(pages):
        pdf.add_page()
        pdf.image(picture, x=20, y=20, w=120)
        pdf.rect(15, 15, 130, 170)
        pdf.line(20, 200, 190, 200)
    path = Path(path)
    path.write_bytes(bytes(pdf.output()))
    return path


def write_truncated_copy(source: Path, target: Path, fraction: float = 0.5) -> Path:
    data = Path(source).read_bytes()
    target = Path(target)
    target.write_bytes(data[: int(len(data) * fraction)])
    return target


# --- DOCX ----------------------------------------------------------------------------------------


@dataclass
class DocxHeading:
    text: str
    level: int = 1


@dataclass
class DocxParagraph:
    """A paragraph with a style, or in an automatic Word list.

    list_levels: (number format, level text) per level, e.g. (("upperRoman", "%1."), ("decimal", "%2."));
    paragraphs with the same list_levels are in one list, numbered by Word (or by the loader).
    """

    text: str
    style: str | None = None
    list_levels: tuple[tuple[str, str], ...] | None = None
    level: int = 0


@dataclass
class DocxTable:
    """rows[0] is the header row. merges: ((row, col), (row, col)) corners; leave merged-away cells ''.
    A cell given as a tuple of strings holds that many paragraphs (a str with '\n' is one paragraph with line breaks)."""

    rows: Sequence[Sequence[str | tuple[str, ...]]]
    merges: Sequence[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    repeat_header_rows: int = 0  # rows marked "repeat as header row at the top of each page" (w:tblHeader)


DocxBlock = str | DocxHeading | DocxParagraph | DocxTable


def write_docx(
    path: Path,
    paragraphs: Sequence[DocxBlock],
    *,
    tables: Sequence[DocxTable | Sequence[Sequence[str]]] = (),
    footnotes: Mapping[str, str] | None = None,
    footnote_id_start: int = 1,
) -> Path:
    """A DOCX written by python-docx: `paragraphs` in order (str, DocxHeading, DocxParagraph, DocxTable), then `tables`.

    footnote_id_start=2 mimics LibreOffice, whose first real footnote has w:id="2" (Word uses 1).
    """
    import docx

    document = docx.Document()
    note_ids = _FootnoteIds(footnote_id_start)
    for block in [*paragraphs, *tables]:
        if isinstance(block, str):
            _add_text(document.add_paragraph(), block, note_ids)
        elif isinstance(block, DocxHeading):
            _add_text(document.add_heading(level=block.level), block.text, note_ids)
        elif isinstance(block, DocxParagraph):
            paragraph = document.add_paragraph(style=block.style)
            if block.list_levels:
                _put_in_list(document, paragraph, block.list_levels, block.level)
            _add_text(paragraph, block.text, note_ids)
        else:
            _add_table(document, block if isinstance(block, DocxTable) else DocxTable(block), note_ids)
    if footnotes:
        _add_footnotes_part(document, footnotes, note_ids)
    path = Path(path)
    document.save(str(path))
    return path


class _FootnoteIds:
    def __init__(self, start: int) -> None:
        self.start = start
        self.by_key: dict[str, int] = {}

    def id_for(self, key: str) -> int:
        return self.by_key.setdefault(key, self.start + len(self.by_key))


def _add_text(paragraph, text: str, note_ids: _FootnoteIds) -> None:
    import re

    from docx.oxml import parse_xml

    pieces = re.split(r"\[\^([^\]]+)\]", text)
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            if piece:
                paragraph.add_run(piece)
            continue
        reference = (
            f'<w:r xmlns:w="{_W_NS}"><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
            f'<w:footnoteReference w:id="{note_ids.id_for(piece)}"/></w:r>'
        )
        paragraph._p.append(parse_xml(reference))


def _put_in_list(document, paragraph, list_levels: tuple[tuple[str, str], ...], level: int) -> None:
    """Word-style automatic numbering: an abstractNum (the formats) and a num pointing at it, per distinct list."""
    from docx.oxml import parse_xml

    numbering = document.part.numbering_part.element
    lists = document.__dict__.setdefault("_test_lists", {})  # list_levels -> numId, per document
    if list_levels not in lists:
        abstract_id = 900 + len(lists)
        num_id = 900 + len(lists)
        levels = "".join(
            f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{escape(text)}"/></w:lvl>'
            for i, (fmt, text) in enumerate(list_levels)
        )
        numbering.insert(
            0, parse_xml(f'<w:abstractNum xmlns:w="{_W_NS}" w:abstractNumId="{abstract_id}">{levels}</w:abstractNum>')
        )
        numbering.append(
            parse_xml(f'<w:num xmlns:w="{_W_NS}" w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>')
        )
        lists[list_levels] = num_id
    paragraph._p.get_or_add_pPr().append(
        parse_xml(
            f'<w:numPr xmlns:w="{_W_NS}"><w:ilvl w:val="{level}"/><w:numId w:val="{lists[list_levels]}"/></w:numPr>'
        )
    )


def _add_table(document, table: DocxTable, note_ids: _FootnoteIds) -> None:
    from docx.oxml import parse_xml

    width = max(len(row) for row in table.rows)
    docx_table = document.add_table(rows=len(table.rows), cols=width)
    docx_table.style = "Table Grid"
    for r, row in enumerate(table.rows):
        for c, text in enumerate(row):
            cell = docx_table.cell(r, c)
            paragraphs = text if isinstance(text, tuple) else (text,)
            for k, paragraph in enumerate(paragraphs):
                _add_text(cell.paragraphs[0] if k == 0 else cell.add_paragraph(), paragraph, note_ids)
    for (r0, c0), (r1, c1) in table.merges:
        docx_table.cell(r0, c0).merge(docx_table.cell(r1, c1))
    for row in docx_table.rows[: table.repeat_header_rows]:
        row._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader xmlns:w="{_W_NS}"/>'))


def _add_footnotes_part(document, footnotes: Mapping[str, str], note_ids: _FootnoteIds) -> None:
    """python-docx cannot write footnotes: add a real footnotes part, related from the main document."""
    from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    first = note_ids.start
    notes = [
        f'<w:footnote w:type="separator" w:id="{first - 2}"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>',
        f'<w:footnote w:type="continuationSeparator" w:id="{first - 1}"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>',
    ]
    for key, text in footnotes.items():
        notes.append(
            f'<w:footnote w:id="{note_ids.id_for(key)}"><w:p>'
            '<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r>'
            f'<w:r><w:t xml:space="preserve"> {escape(text)}</w:t></w:r></w:p></w:footnote>'
        )
    xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes xmlns:w="{_W_NS}">{"".join(notes)}</w:footnotes>'
    part = Part(PackURI("/word/footnotes.xml"), CONTENT_TYPE.WML_FOOTNOTES, xml.encode("utf-8"), document.part.package)
    document.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)


# --- plain files ---------------------------------------------------------------------------------


def write_text(path: Path, text: str, *, encoding: str = "utf-8", bom: bool = False) -> Path:
    path = Path(path)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return path


_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below


def cp1258_bytes(text: str) -> bytes:
    """Text as old Vietnamese Windows software saved it: precomposed base letters, tones as combining marks."""
    import unicodedata

    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
            out += (base + "".join(c for c in parts if c in _TONE_MARKS)).encode("cp1258")
    return bytes(out)


def write_bytes(path: Path, data: bytes) -> Path:
    path = Path(path)
    path.write_bytes(data)
    return path


def write_sparse_file(path: Path, size_mb: float) -> Path:
    """A file of `size_mb` MB that takes no disk space and no time to create (a hole, not zeros)."""
    path = Path(path)
    with path.open("wb") as out:
        out.truncate(int(size_mb * 1024 * 1024))
    return path


VIETNAMESE_PARAGRAPH = (
    "Tính đến hết ngày 26/3/2025, 43/63 địa phương thành lập Ban Chỉ đạo về phát triển khoa học, "
    "công nghệ, đổi mới sáng tạo và chuyển đổi số. Bộ Khoa học và Công nghệ đã hướng dẫn các bộ, "
    "ngành, địa phương triển khai Nghị quyết số 57-NQ/TW."
)
ENGLISH_PARAGRAPH = (
    "The Ministry of Science and Technology reports that, as of 26 March 2025, 43 of the 63 provinces "
    "had set up steering committees for science, technology, innovation and digital transformation. "
    "Local authorities are asked to complete their plans before the end of the second quarter."
)


# --- hostile and unusual files (tests/reliability/, tests/test_loaders.py) ------------------------


def repeated_page_pdf_bytes(lines: Sequence[str], pages: int) -> bytes:
    """`pages` identical pages (one shared content stream: a 3,000-page file stays ~0.5 MB)."""
    from pypdf import PdfReader, PdfWriter

    one = PdfReader(io.BytesIO(pdf_bytes(["\n".join(lines)])))
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_page(one.pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_with_extra_entry(source: Path, target: Path, entry: str, unpacked_mb: int, *, replace: bool = False) -> Path:
    """A copy of a DOCX with one more deflated entry of `unpacked_mb` MB of zeros (a zip bomb, ~1000:1),
    written in chunks so making it costs no memory. replace=True drops the entry of that name first."""
    import zipfile

    target = Path(target)
    chunk = b"\0" * (1024 * 1024)
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in original.infolist():
            if replace and info.filename == entry:
                continue
            out.writestr(info, original.read(info))
        with out.open(entry, "w", force_zip64=True) as member:
            for _ in range(unpacked_mb):
                member.write(chunk)
    return target


def docx_with_document_xml(source: Path, target: Path, document_xml: bytes) -> Path:
    """A copy of a DOCX whose word/document.xml is replaced (XXE, billion laughs, renamed parts...)."""
    import zipfile

    target = Path(target)
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in original.infolist():
            body = document_xml if info.filename == "word/document.xml" else original.read(info)
            out.writestr(info.filename, body)
    return target


def raw_pdf(objects: Sequence[bytes], *, root: int = 1) -> bytes:
    """A PDF from raw object bodies (object i+1 = objects[i]) with a correct xref table, for malformed structures."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def write_xlsx(path: Path, rows: Sequence[Sequence[object]], *, title: str = "Phụ lục") -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    path = Path(path)
    book.save(path)
    return path


def write_rtf(path: Path, text: str) -> Path:
    """An RTF file with the text as Unicode escapes (\\uN?), as Word writes Vietnamese."""
    body = "".join(c if ord(c) < 128 and c not in "\\{}" else f"\\u{ord(c) if ord(c) < 32768 else ord(c) - 65536}?" for c in text)
    body = body.replace("\n", "\\par\n")
    path = Path(path)
    path.write_text("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}\\f0\\fs24 " + body + "\\par}", encoding="ascii")
    return path
