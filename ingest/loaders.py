"""Read PDF, DOCX, TXT and MD files into raw text, and refuse bad input with one clear line.

The text is returned raw: NFC, encoding repair and clean-up happen later in the pipeline.
Every refusal is an `IngestError(name, problem, hint)`; no traceback ever reaches the message.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .models import IngestError, Page, RawDocument

SUPPORTED_SUFFIXES = {".pdf", ".docx", ".txt", ".md"}

_MB = 1024 * 1024
_SUPPORTED_LIST = "PDF, DOCX, TXT or MD"
_UNSUPPORTED_HINTS = {
    ".doc": "open it in Word or LibreOffice and save it as .docx",
    ".odt": "open it in Word or LibreOffice and save it as .docx",
    ".rtf": "open it in Word or LibreOffice and save it as .docx",
    ".xls": "export the sheet as PDF, or copy the table into a DOCX",
    ".xlsx": "export the sheet as PDF, or copy the table into a DOCX",
    ".pptx": "export the slides as PDF",
    ".ppt": "export the slides as PDF",
    ".html": "save the page as PDF, or copy its text into a .txt file",
    ".htm": "save the page as PDF, or copy its text into a .txt file",
    ".jpg": "OCR is not available yet; use a PDF with a text layer",
    ".jpeg": "OCR is not available yet; use a PDF with a text layer",
    ".png": "OCR is not available yet; use a PDF with a text layer",
    ".tif": "OCR is not available yet; use a PDF with a text layer",
    ".tiff": "OCR is not available yet; use a PDF with a text layer",
}

# --- public API --------------------------------------------------------------------------------


def iter_input_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders (recursively, sorted) into supported, non-hidden files.

    A file named explicitly is always returned, even if unsupported or missing, so that
    `load_file` can refuse it with a clear message instead of it vanishing silently.
    """
    found: list[Path] = []
    for path in map(Path, paths):
        found.extend(_files_under(path) if path.is_dir() else [path])
    return list(dict.fromkeys(found))  # drop duplicates, keep order


def load_file(path: Path, *, max_mb: float = 40.0, allow_non_vietnamese: bool = False) -> RawDocument:
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    _check_can_read(path, name)
    _check_suffix(name, suffix)
    _check_size(path, name, max_mb)  # before reading: a huge file is never loaded into memory

    data = _read_bytes(path, name)
    if data.isspace():
        raise IngestError(name, "file is empty (only whitespace)", "check the download or export and try again")
    fmt = suffix.lstrip(".")
    if fmt == "pdf":
        pages, footnotes = _load_pdf(name, data), {}
    elif fmt == "docx":
        pages, footnotes = _load_docx(name, data)
    else:
        pages, footnotes = [Page(None, _decode_text(name, data))], {}

    text = "\n".join(page.text for page in pages)
    _check_has_text(name, fmt, text)
    _check_readable(name, fmt, text)
    if not allow_non_vietnamese:
        _check_vietnamese(name, text)
    return RawDocument(
        path=path,
        name=name,
        format=fmt,
        pages=pages,
        sha256=hashlib.sha256(data).hexdigest(),
        footnotes=footnotes,
    )


# --- folders -------------------------------------------------------------------------------------


def _files_under(folder: Path) -> list[Path]:
    files: list[Path] = []
    for root, dirs, names in os.walk(folder):  # does not follow symlinked folders: no loops
        dirs[:] = [d for d in dirs if not _is_hidden(d)]
        files.extend(
            Path(root) / n for n in names if not _is_hidden(n) and Path(n).suffix.lower() in SUPPORTED_SUFFIXES
        )
    return sorted(files)


def _is_hidden(name: str) -> bool:
    return name.startswith(".") or name.startswith("~$")  # ~$ = Office lock file of an open document


# --- checks before reading -----------------------------------------------------------------------


def _check_can_read(path: Path, name: str) -> None:
    if not path.exists():
        raise IngestError(name, "file not found", "check the path")
    if path.is_dir():
        raise IngestError(name, "is a folder, not a file", "pass the files inside it")


def _check_suffix(name: str, suffix: str) -> None:
    if suffix in SUPPORTED_SUFFIXES:
        return
    kind = f"'{suffix}'" if suffix else "(no extension)"
    raise IngestError(name, f"unsupported file type {kind}", _UNSUPPORTED_HINTS.get(suffix, f"use {_SUPPORTED_LIST}"))


def _check_size(path: Path, name: str, max_mb: float) -> None:
    size = path.stat().st_size
    if size == 0:
        raise IngestError(name, "file is empty (0 bytes)", "check the download or export and try again")
    if size > max_mb * _MB:
        raise IngestError(
            name,
            f"file is too large ({size / _MB:.1f} MB; limit {max_mb:g} MB)",
            "split it into smaller files, or raise BAOCAO_MAX_FILE_MB",
        )


def _read_bytes(path: Path, name: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise IngestError(name, f"cannot read file ({reason.lower()})", "check the file permissions") from None


# --- checks after extraction ---------------------------------------------------------------------


def _check_has_text(name: str, fmt: str, text: str) -> None:
    if text.strip():
        return
    if fmt == "docx":  # scans pasted into Word as pictures are common
        raise IngestError(
            name, "DOCX has no text (empty, or only pictures?)", "OCR is not available yet; use a file with real text"
        )
    raise IngestError(name, "file has no text (only whitespace)", "check the file content and try again")


_UNREADABLE_SHARE = 0.3  # the sample reports have at most 1.3% U+FFFD; a broken file is mostly U+FFFD
_UNREADABLE = re.compile(r"[\ufffd\x00-\x08\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ud800-\udfff]")
_WHITESPACE = re.compile(r"\s")


def _check_readable(name: str, fmt: str, text: str) -> None:
    visible = len(text) - len(_WHITESPACE.findall(text))
    share = len(_UNREADABLE.findall(text)) / visible
    if share > _UNREADABLE_SHARE:
        hint = (
            "its fonts do not map to Unicode; export the PDF again from the source document"
            if fmt == "pdf"
            else "re-save the file as UTF-8 text"
        )
        raise IngestError(name, f"text is unreadable ({share:.0%} replacement or control characters)", hint)


# Share of words that are Vietnamese: a word counts if it has a letter only Vietnamese uses
# (đ ă ơ ư, dot below, hook above, tilde on i/u/y, circumflex + tone) or is a common function word.
# Measured (NFC, lower case) on data/sample/: 0.596 (2025-03, damaged by U+FFFD), 0.668, 0.672, 0.680,
# 0.695; on one paragraph about the steering committees in English, French, Portuguese: 0.000 each.
# The threshold sits well between: a Vietnamese report full of English terms and numbers still passes.
_VIETNAMESE_THRESHOLD = 0.25
_VIETNAMESE_ONLY_LETTERS = frozenset("ảạăằắẳẵặầấẩẫậđẻẽẹềếểễệỉĩịỏọồốổỗộơờớởỡợủũụưừứửữựỳỷỹỵ")
_VIETNAMESE_FUNCTION_WORDS = frozenset(
    "và của các được những trong cho với là có đã này người một không theo tại về để từ".split()
)
_WORD = re.compile(r"[^\W\d_]+")
_LANGUAGE_SAMPLE_CHARS = 500_000  # plenty to judge, and bounded time on a huge file

# Vietnamese typed in old TCVN3 (.VnTime) or VNI fonts comes out as Latin-1 letters ('Céng hoµ x· héi'),
# which the pipeline converts (ingest/encoding.py), so it must get past this check. Share of words
# holding a U+00A1-U+00FF character: the sample reports rewritten in TCVN3 0.825-0.873, in VNI
# 0.826-0.874; French 0.178, German 0.190, Spanish 0.203, Portuguese 0.254, English 0.
_LEGACY_FONT_THRESHOLD = 0.5
_LATIN1_LETTER = re.compile("[\u00a1-\u00ff]")
_TOKEN = re.compile(r"\S+")


def _vietnamese_share(text: str) -> float:
    words = _WORD.findall(unicodedata.normalize("NFC", text[:_LANGUAGE_SAMPLE_CHARS]).lower())
    if not words:
        return 0.0
    hits = sum(1 for w in words if w in _VIETNAMESE_FUNCTION_WORDS or not _VIETNAMESE_ONLY_LETTERS.isdisjoint(w))
    return hits / len(words)


def _legacy_font_share(text: str) -> float:
    tokens = [t for t in _TOKEN.findall(text[:_LANGUAGE_SAMPLE_CHARS]) if any(c.isalpha() for c in t)]
    return sum(1 for t in tokens if _LATIN1_LETTER.search(t)) / len(tokens) if tokens else 0.0


def _undo_mojibake(text: str) -> str:
    """UTF-8 bytes that were decoded as cp1252 ('BÃ¡o cÃ¡o'): the pipeline repairs these, so judge the repair."""
    return text[:_LANGUAGE_SAMPLE_CHARS].encode("cp1252", errors="ignore").decode("utf-8", errors="replace")


def _check_vietnamese(name: str, text: str) -> None:
    if not _WORD.search(text):
        return  # only numbers and symbols: nothing to judge
    share = _vietnamese_share(text)
    if (
        share >= _VIETNAMESE_THRESHOLD
        or _vietnamese_share(_undo_mojibake(text)) >= _VIETNAMESE_THRESHOLD
        or _legacy_font_share(text) >= _LEGACY_FONT_THRESHOLD
    ):
        return
    raise IngestError(
        name,
        f"text does not look Vietnamese ({share:.0%} Vietnamese words)",
        "set BAOCAO_ALLOW_NON_VIETNAMESE=1 to accept other languages",
    )


# --- sniffing what bytes really are --------------------------------------------------------------


def _sniff(data: bytes) -> str | None:
    """A human name for what the bytes really are, or None if unrecognisable."""
    head = data[:1024]
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"%PDF-" in head:
        return "a PDF file"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _sniff_zip(data)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "an old Office 97-2003 file (.doc/.xls)"
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered or b"<head" in lowered:
        return "an HTML web page"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"GIF8")):
        return "an image"
    if lowered.startswith(b"{\\rtf"):
        return "an RTF document"
    if _looks_like_text(head):
        return "plain text"
    return None


def _sniff_zip(data: bytes) -> str:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "a ZIP archive (damaged)"
    if "word/document.xml" in names:
        return "a Word DOCX file"
    if any(n.startswith("xl/") for n in names):
        return "an Excel XLSX file"
    if any(n.startswith("ppt/") for n in names):
        return "a PowerPoint PPTX file"
    if "mimetype" in names and "content.xml" in names:
        return "an OpenDocument (.odt/.ods) file"
    return "a ZIP archive"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # a multi-byte letter cut at the 1 KB boundary


_WHAT_TO_DO = {
    "a PDF file": "rename it to .pdf",
    "a Word DOCX file": "rename it to .docx",
    "plain text": "rename it to .txt",
    "an HTML web page": "download the document itself, not the web page that links to it",
    "an old Office 97-2003 file (.doc/.xls)": "open it in Word or LibreOffice and save it as .docx",
    "an OpenDocument (.odt/.ods) file": "open it in Word or LibreOffice and save it as .docx",
    "an RTF document": "open it in Word or LibreOffice and save it as .docx",
    "an image": "OCR is not available yet; use a PDF with a text layer",
    "an Excel XLSX file": _UNSUPPORTED_HINTS[".xlsx"],
    "a PowerPoint PPTX file": _UNSUPPORTED_HINTS[".pptx"],
}


def _refuse_wrong_kind(name: str, expected: str, kind: str | None) -> IngestError:
    if kind is None:
        return IngestError(
            name,
            f"is not a {expected} file (unrecognised content)",
            f"check the file, or export it again as {expected}",
        )
    hint = _WHAT_TO_DO.get(kind, f"export it again as {expected}")
    return IngestError(name, f"is not a {expected} file: it is {kind}", hint)


# --- PDF -----------------------------------------------------------------------------------------

_PASSWORD_HINT = "ask for a copy without a password, or remove the password and try again"


def _load_pdf(name: str, data: bytes) -> list[Page]:
    if b"%PDF-" not in data[:1024]:
        raise _refuse_wrong_kind(name, "PDF", _sniff(data))
    if b"%%EOF" not in data[-65536:].rstrip(b"\x00 \t\r\n\f")[-1024:]:  # trailing padding is harmless
        raise IngestError(name, "PDF is truncated (no end-of-file marker)", "download or export it again")
    try:
        return _read_pdf_pages(name, data)
    except IngestError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files; none may leak
        raise _pdf_failure(name, exc) from None


def _read_pdf_pages(name: str, data: bytes) -> list[Page]:
    from pypdf import PdfReader  # imported here: `baocao --help` need not pay for pypdf

    with _quiet_pypdf():
        reader = PdfReader(io.BytesIO(data), strict=False)
        _unlock(name, reader)
        if len(reader.pages) == 0:
            raise IngestError(name, "PDF has no pages", "download or export it again")
        pages = [Page(number=i + 1, text=_page_text(name, page, i + 1)) for i, page in enumerate(reader.pages)]
    if not any(_has_alnum(p.text) for p in pages):
        raise IngestError(name, "no text layer (scanned?); OCR is not available yet", "use a PDF with a text layer")
    return pages


def _unlock(name: str, reader) -> None:
    """Many government PDFs are encrypted with an empty user password (only printing/copying is restricted)."""
    from pypdf import PasswordType

    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise IngestError(name, "PDF is password-protected", _PASSWORD_HINT)


def _page_text(name: str, page, number: int) -> str:
    try:
        return page.extract_text() or ""
    except Exception as exc:
        raise _pdf_failure(name, exc, page=number) from None


def _pdf_failure(name: str, exc: Exception, page: int | None = None) -> IngestError:
    from pypdf.errors import DependencyError, FileNotDecryptedError

    if isinstance(exc, DependencyError):  # AES needs the `cryptography` package
        return IngestError(
            name,
            "PDF is AES-encrypted and the 'cryptography' package is missing",
            "pip install cryptography, or use an unencrypted copy",
        )
    if isinstance(exc, FileNotDecryptedError):
        return IngestError(name, "PDF is password-protected", _PASSWORD_HINT)
    problem = f"PDF is damaged: cannot read the text of page {page}" if page else "PDF is damaged and cannot be read"
    return IngestError(name, problem, "download or export it again")


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs a warning per oddity of real-world PDFs; the user gets our one line instead."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _has_alnum(text: str) -> bool:
    return any(c.isalnum() for c in text)


# --- DOCX ----------------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_P, _TBL, _TR, _TC, _R, _T = (f"{_W}{t}" for t in ("p", "tbl", "tr", "tc", "r", "t"))
_SDT, _SDT_CONTENT, _CUSTOM_XML = f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"
_FOOTNOTE_REFERENCE, _FOOTNOTE = f"{_W}footnoteReference", f"{_W}footnote"
_SKIPPED_INLINE = {
    f"{_W}{t}" for t in ("pPr", "rPr", "del", "moveFrom", "instrText", "delText", "footnoteRef", "annotationRef")
}
_SKIPPED_INLINE.add(_MC_FALLBACK)  # the same content as mc:Choice, in an older format: would double it
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_FOOTNOTES_RELTYPE, _NUMBERING_RELTYPE, _STYLES_RELTYPE = (
    _RELATIONSHIPS + t for t in ("footnotes", "numbering", "styles")
)
_NOT_A_NOTE = {"separator", "continuationSeparator", "continuationNotice"}
_MAX_UNZIPPED_XML_MB = 200  # a zip bomb stops here, long before memory runs out


def _load_docx(name: str, data: bytes) -> tuple[list[Page], dict[str, str]]:
    if not data.startswith(b"PK"):
        raise _refuse_wrong_kind(name, "DOCX", _sniff(data))
    _check_unzipped_size(name, data)
    document = _open_docx(name, data)
    try:
        numbering = _Numbering(_related_xml(document, _NUMBERING_RELTYPE), _related_xml(document, _STYLES_RELTYPE))
        reader = _DocxReader(numbering)
        text = "\n".join(reader.body_lines(document.element.body))
        footnotes = reader.footnotes(_related_xml(document, _FOOTNOTES_RELTYPE))
    except Exception:  # malformed XML inside a valid zip
        raise IngestError(name, "DOCX is damaged and cannot be read", "re-save it from Word or LibreOffice") from None
    return [Page(number=None, text=text)], footnotes


def _check_unzipped_size(name: str, data: bytes) -> None:
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise IngestError(
            name, "DOCX is damaged (not a valid zip package)", "re-save it from Word or LibreOffice"
        ) from None
    if sum(i.file_size for i in infos if i.filename.endswith(".xml")) > _MAX_UNZIPPED_XML_MB * _MB:
        raise IngestError(
            name,
            f"DOCX text is too large once unzipped (over {_MAX_UNZIPPED_XML_MB} MB)",
            "split it into smaller files",
        )


def _open_docx(name: str, data: bytes):
    import docx  # imported here: `baocao --help` need not pay for python-docx

    try:
        return docx.Document(io.BytesIO(data))
    except Exception:
        kind = _sniff(data)
        if kind not in (None, "a Word DOCX file"):
            raise _refuse_wrong_kind(name, "DOCX", kind) from None
        raise IngestError(name, "DOCX is damaged and cannot be read", "re-save it from Word or LibreOffice") from None


def _related_xml(document, reltype: str) -> bytes | None:
    """A part python-docx has no API for (footnotes), or that is read raw here (numbering, styles)."""
    for rel in document.part.rels.values():
        if rel.reltype == reltype and not rel.is_external:
            return rel.target_part.blob
    return None


class _DocxReader:
    """Walks the body XML in document order, numbering footnote references as a reader sees them."""

    def __init__(self, numbering: _Numbering) -> None:
        self._numbering = numbering
        self._marker_by_id: dict[str, str] = {}
        self._auto_numbers = 0

    # body ------------------------------------------------------------------
    def body_lines(self, body) -> list[str]:
        lines: list[str] = []
        for block in _blocks(body):
            if block.tag == _P:
                lines.append(self._paragraph_text(block))
            else:
                lines.extend(self._table_lines(block))
        return lines

    # paragraphs --------------------------------------------------------------
    def _paragraph_text(self, p) -> str:
        """The text with its automatic list number ('I.', '1.', 'a)') in front, as Word displays it."""
        label = self._numbering.label(p)
        text = self._inline_text(p)
        return f"{label} {text}" if label and text.strip() else text

    def _inline_text(self, element) -> str:
        parts: list[str] = []
        for child in element:
            tag = child.tag
            if tag in _SKIPPED_INLINE:
                continue
            if tag == _T:
                parts.append(child.text or "")
            elif tag == f"{_W}tab":
                parts.append("\t")
            elif tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
            elif tag == f"{_W}noBreakHyphen":
                parts.append("-")
            elif tag == _R and (reference := _custom_mark_reference(child)) is not None:
                parts.append(self._marker(reference, custom_mark=_run_text(child)))
            elif tag == _FOOTNOTE_REFERENCE:
                parts.append(self._marker(child))
            elif tag == _P:  # a paragraph inside a text box
                parts.append("\n" + self._inline_text(child) + "\n")
            else:
                parts.append(self._inline_text(child))
        return "".join(parts)

    def _marker(self, reference, custom_mark: str | None = None) -> str:
        note_id = reference.get(f"{_W}id", "")
        if note_id not in self._marker_by_id:
            if custom_mark:
                self._marker_by_id[note_id] = custom_mark.strip()
            else:  # Word shows 1, 2, 3… in order of appearance, whatever the XML ids are
                self._auto_numbers += 1
                self._marker_by_id[note_id] = str(self._auto_numbers)
        return f"[^{self._marker_by_id[note_id]}]"

    # tables --------------------------------------------------------------------
    def _table_lines(self, table) -> list[str]:
        rows = [self._row_cells(tr) for tr in _rows(table)]
        rows = [r for r in rows if any(text for _, _, text in r)]
        if not rows:
            return []
        width = max(start + span for row in rows for start, span, _ in row)
        header_count = max(1, _count_header_rows(table))
        if width == 1 or len(rows) <= header_count:  # a frame or a header alone: no header to repeat
            return ["; ".join(text for _, _, text in row if text) for row in rows]
        headers = _column_headers(rows[:header_count], width)
        return [line for row in rows[header_count:] if (line := _row_line(row, headers))]

    def _row_cells(self, tr) -> list[tuple[int, int, str]]:
        """(first grid column, columns spanned, text); a vertically merged continuation has empty text."""
        column = _int_val(tr.find(f"{_W}trPr/{_W}gridBefore"), 0)
        cells = []
        for tc in _cells(tr):
            span = _int_val(tc.find(f"{_W}tcPr/{_W}gridSpan"), 1)
            continues = _is_vmerge_continuation(tc)
            text = "" if continues else self._cell_text(tc)
            cells.append((column, span, text))
            column += span
        return cells

    def _cell_text(self, tc) -> str:
        pieces = []
        for block in _blocks(tc):
            pieces.extend([self._paragraph_text(block)] if block.tag == _P else self._table_lines(block))
        return " ".join(" ".join(p.split()) for p in pieces if p.strip())

    # footnotes ---------------------------------------------------------------
    def footnotes(self, xml: bytes | None) -> dict[str, str]:
        if not xml or not self._marker_by_id:
            return {}
        from docx.oxml.parser import parse_xml  # its parser does not resolve external entities

        notes: dict[str, str] = {}
        for note in parse_xml(xml).iter(_FOOTNOTE):
            note_id = note.get(f"{_W}id", "")
            if note.get(f"{_W}type") in _NOT_A_NOTE or note_id not in self._marker_by_id:
                continue
            text = "\n".join(self._inline_text(p) for p in _blocks(note) if p.tag == _P)
            notes[self._marker_by_id[note_id]] = text.strip()
        return notes


def _blocks(container) -> Iterator:
    """w:p and w:tbl children in document order, looking inside content controls."""
    for child in container:
        if child.tag in (_P, _TBL):
            yield child
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _blocks(content)
        elif child.tag == _CUSTOM_XML:
            yield from _blocks(child)


def _rows(table) -> Iterator:
    for child in table:
        if child.tag == _TR:
            yield child
        elif child.tag in (_SDT, _CUSTOM_XML):
            yield from (tr for tr in child.iter(_TR))


def _cells(tr) -> Iterator:
    for child in tr:
        if child.tag == _TC:
            yield child
        elif child.tag in (_SDT, _CUSTOM_XML):
            yield from (tc for tc in child.iter(_TC))


def _count_header_rows(table) -> int:
    count = 0
    for tr in _rows(table):
        marker = tr.find(f"{_W}trPr/{_W}tblHeader")
        if marker is None or not _is_on(marker.get(f"{_W}val")):
            break
        count += 1
    return count


def _column_headers(header_rows: list[list[tuple[int, int, str]]], width: int) -> list[str]:
    """One label per grid column; stacked header rows join as 'Kết quả / Kế hoạch'."""
    labels: list[list[str]] = [[] for _ in range(width)]
    for row in header_rows:
        for start, span, text in row:
            for column in range(start, min(start + span, width)):
                if text and text not in labels[column]:
                    labels[column].append(text)
    return [" / ".join(parts) for parts in labels]


def _row_line(row: list[tuple[int, int, str]], headers: list[str]) -> str:
    parts = []
    for start, span, text in row:
        if not text:  # empty, or the continuation of a vertically merged cell: not repeated
            continue
        header = " / ".join(dict.fromkeys(h for h in headers[start : start + span] if h))
        parts.append(f"{header}: {text}" if header else text)
    return "; ".join(parts)


def _custom_mark_reference(run):
    """The footnote reference of a run whose visible mark is custom text (e.g. '*'), else None."""
    reference = run.find(_FOOTNOTE_REFERENCE)
    if reference is not None and _is_on(reference.get(f"{_W}customMarkFollows"), default=False):
        return reference
    return None


def _run_text(run) -> str:
    return "".join(t.text or "" for t in run.iter(_T))


def _is_vmerge_continuation(tc) -> bool:
    vmerge = tc.find(f"{_W}tcPr/{_W}vMerge")
    return vmerge is not None and vmerge.get(f"{_W}val", "continue") == "continue"


def _int_val(element, default: int) -> int:
    try:
        return int(element.get(f"{_W}val")) if element is not None else default
    except (TypeError, ValueError):
        return default


def _is_on(value: str | None, default: bool = True) -> bool:
    """OOXML on/off attribute: absent means on for elements like w:tblHeader."""
    if value is None:
        return default
    return value.lower() not in ("0", "false", "off")


class _Numbering:
    """Renders automatic list numbers from numbering.xml: Vietnamese reports often number 'I.', '1.', 'a)'
    headings with Word lists, and the section structure downstream depends on seeing those numbers."""

    def __init__(self, numbering_xml: bytes | None, styles_xml: bytes | None) -> None:
        from docx.oxml.parser import parse_xml

        self._levels: dict[str, dict[int, tuple[int, str, str]]] = {}  # abstractNumId -> level -> (start, format, text)
        self._abstract_of: dict[str, str] = {}  # numId -> abstractNumId
        self._start_overrides: dict[tuple[str, int], int] = {}  # (numId, level) -> restart value
        self._style_levels: dict[tuple[str, str], int] = {}  # (abstractNumId, styleId) -> level
        self._style_numbering: dict[str, tuple[str | None, int | None]] = {}  # styleId -> (numId, level)
        self._counters: dict[str, dict[int, int]] = {}  # abstractNumId -> level -> current value
        self._started: set[tuple[str, int]] = set()
        if numbering_xml:
            self._read_numbering(parse_xml(numbering_xml))
        if styles_xml and self._abstract_of:
            self._read_styles(parse_xml(styles_xml))

    def _read_numbering(self, root) -> None:
        for abstract in root.iter(f"{_W}abstractNum"):
            abstract_id = abstract.get(f"{_W}abstractNumId", "")
            levels = self._levels.setdefault(abstract_id, {})
            for lvl in abstract.iter(f"{_W}lvl"):
                level = _int_attr(lvl, "ilvl", 0)
                start = _int_val(lvl.find(f"{_W}start"), 1)
                fmt = _str_val(lvl.find(f"{_W}numFmt"), "decimal")
                levels[level] = (start, fmt, _str_val(lvl.find(f"{_W}lvlText"), ""))
                style = lvl.find(f"{_W}pStyle")
                if style is not None:
                    self._style_levels[(abstract_id, style.get(f"{_W}val", ""))] = level
        for num in root.iter(f"{_W}num"):
            num_id = num.get(f"{_W}numId", "")
            self._abstract_of[num_id] = _str_val(num.find(f"{_W}abstractNumId"), "")
            for override in num.iter(f"{_W}lvlOverride"):
                start = override.find(f"{_W}startOverride")
                if start is not None:
                    self._start_overrides[(num_id, _int_attr(override, "ilvl", 0))] = _int_val(start, 1)

    def _read_styles(self, root) -> None:
        based_on: dict[str, str] = {}
        for style in root.iter(f"{_W}style"):
            style_id = style.get(f"{_W}styleId", "")
            parent = style.find(f"{_W}basedOn")
            if parent is not None:
                based_on[style_id] = parent.get(f"{_W}val", "")
            num_pr = style.find(f"{_W}pPr/{_W}numPr")
            if num_pr is not None:
                self._style_numbering[style_id] = _num_pr(num_pr)
        for style_id in based_on:  # a style inherits list numbering along its basedOn chain
            ancestor, hops = style_id, 0
            while ancestor not in self._style_numbering and ancestor in based_on and hops < 20:
                ancestor, hops = based_on[ancestor], hops + 1
            if ancestor in self._style_numbering:
                self._style_numbering.setdefault(style_id, self._style_numbering[ancestor])

    def label(self, p) -> str:
        """The list number of paragraph `p` ('II.', '1.2.', 'a)', '-'), or '' if it is not in a list."""
        num_id, level = self._list_of(p)
        abstract_id = self._abstract_of.get(num_id or "")
        levels = self._levels.get(abstract_id or "", {})
        if not num_id or num_id == "0" or level not in levels:
            return ""
        counters = self._counters.setdefault(abstract_id, {})
        self._count(num_id, counters, levels, level)
        _, fmt, template = levels[level]
        if fmt == "bullet":
            return template if template.isprintable() and template.strip() and not _is_private_use(template) else "•"
        if fmt == "none":
            return "" if "%" in template else template
        return re.sub(r"%([1-9])", lambda m: self._format(levels, counters, int(m.group(1)) - 1), template)

    def _list_of(self, p) -> tuple[str | None, int]:
        style = _str_val(p.find(f"{_W}pPr/{_W}pStyle"), "")
        num_pr = p.find(f"{_W}pPr/{_W}numPr")
        num_id, level = _num_pr(num_pr) if num_pr is not None else (None, None)
        style_num_id, style_level = self._style_numbering.get(style, (None, None))
        num_id = num_id or style_num_id
        if level is None:
            level = style_level
        if level is None:  # a heading style linked to a multilevel list is named by the level itself
            level = self._style_levels.get((self._abstract_of.get(num_id or "", ""), style), 0)
        return num_id, level

    def _count(self, num_id: str, counters: dict[int, int], levels: dict, level: int) -> None:
        override = self._start_overrides.get((num_id, level))
        if override is not None and (num_id, level) not in self._started:
            counters[level] = override  # "restart numbering" in Word: a new num with a start override
        elif level in counters:
            counters[level] += 1
        else:
            counters[level] = levels[level][0]
        self._started.add((num_id, level))
        for deeper in [lvl for lvl in counters if lvl > level]:  # 1.2 is followed by 2.1, not 2.3
            del counters[deeper]

    @staticmethod
    def _format(levels: dict, counters: dict[int, int], level: int) -> str:
        if level not in levels:
            return ""
        start, fmt, _ = levels[level]
        return _format_number(counters.get(level, start), fmt)


def _format_number(value: int, fmt: str) -> str:
    if fmt in ("upperRoman", "lowerRoman") and value > 0:
        roman = _roman(value)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt in ("upperLetter", "lowerLetter") and value > 0:
        letter = chr(ord("A") + (value - 1) % 26) * ((value - 1) // 26 + 1)  # Z is followed by AA
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt == "decimalZero":
        return f"{value:02d}"
    return str(value)


_ROMAN_NUMERALS = [
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
]  # fmt: skip


def _roman(value: int) -> str:
    out = []
    for amount, numeral in _ROMAN_NUMERALS:
        count, value = divmod(value, amount)
        out.append(numeral * count)
    return "".join(out)


def _num_pr(num_pr) -> tuple[str | None, int | None]:
    num_id = num_pr.find(f"{_W}numId")
    level = num_pr.find(f"{_W}ilvl")
    return (
        num_id.get(f"{_W}val") if num_id is not None else None,
        _int_val(level, 0) if level is not None else None,
    )


def _is_private_use(text: str) -> bool:
    """Symbol/Wingdings bullets are stored as private-use characters that mean nothing as text."""
    return any(unicodedata.category(c) == "Co" for c in text)


def _str_val(element, default: str) -> str:
    return element.get(f"{_W}val", default) if element is not None else default


def _int_attr(element, attribute: str, default: int) -> int:
    try:
        return int(element.get(f"{_W}{attribute}"))
    except (TypeError, ValueError):
        return default


# --- TXT / MD ------------------------------------------------------------------------------------


def _decode_text(name: str, data: bytes) -> str:
    if data.startswith((b"%PDF-", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise _refuse_wrong_kind(name, "text", _sniff(data))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Windows Notepad's "Unicode"
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise IngestError(name, "text is not valid UTF-16", "re-save the file as UTF-8 text") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise IngestError(name, "is not a text file (binary data)", f"use {_SUPPORTED_LIST}")
    damaged_utf8 = data.decode("utf-8-sig", errors="replace")
    if _mostly_valid(damaged_utf8):  # a UTF-8 file with a few bad bytes, e.g. cut mid-letter
        return damaged_utf8
    for legacy in ("cp1258", "cp1252"):  # the old Vietnamese Windows code page first
        try:
            return data.decode(legacy)
        except UnicodeDecodeError:
            continue
    return damaged_utf8  # the unreadable-text check judges it


def _mostly_valid(decoded: str) -> bool:
    """More non-ASCII letters decoded fine than bytes replaced: UTF-8, not a legacy code page."""
    replaced = decoded.count("\ufffd")
    decoded_fine = sum(1 for c in decoded if ord(c) > 127) - replaced
    return decoded_fine > replaced
