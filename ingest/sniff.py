"""What a file's bytes really are, whatever its name says: a PDF named .docx, an HTML page named .pdf."""

from __future__ import annotations

import io
import zipfile

from baocao.ingest.models import IngestError


def sniff(data: bytes) -> str | None:
    """A human name for what the bytes really are, or None if unrecognisable."""
    head = data[:1024]
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"%PDF-" in head:
        return "a PDF file"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return sniff_zip(data)
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


def sniff_zip(data: bytes) -> str:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()[:10_000]
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
    "an old Office 97-2003 file (.doc/.xls)": "rename it to .doc (Word) or save it as .xlsx (Excel)",
    "an OpenDocument (.odt/.ods) file": "rename it to .odt, or save it as .docx",
    "an RTF document": "rename it to .rtf",
    "an image": "rename it to .png or .jpg (images are read by OCR)",
    "an Excel XLSX file": "rename it to .xlsx",
    "a PowerPoint PPTX file": "export the slides as PDF",
}


def refuse_wrong_kind(name: str, expected: str, kind: str | None) -> IngestError:
    if kind is None:
        return IngestError(
            name,
            f"is not a {expected} file (unrecognised content)",
            f"check the file, or export it again as {expected}",
        )
    hint = _WHAT_TO_DO.get(kind, f"export it again as {expected}")
    return IngestError(name, f"is not a {expected} file: it is {kind}", hint)
