"""What a file's bytes really are, whatever its name says: a PDF named .docx, an HTML page named .pdf."""

from __future__ import annotations

import io
import zipfile

from baocao.ingest.models import IngestError

WORD_DOCX = "tệp Word DOCX"


def sniff(data: bytes) -> str | None:
    """A human name (in Vietnamese, for the refusal message) for what the bytes really are, or None if unrecognisable."""
    head = data[:1024]
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"%PDF-" in head:
        return "tệp PDF"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return sniff_zip(data)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "tệp Office 97-2003 cũ (.doc/.xls)"
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered or b"<head" in lowered:
        return "một trang web HTML"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"GIF8")):
        return "một tệp ảnh"
    if lowered.startswith(b"{\\rtf"):
        return "văn bản RTF"
    if _looks_like_text(head):
        return "văn bản thuần (TXT)"
    return None


def sniff_zip(data: bytes) -> str:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()[:10_000]
    except (zipfile.BadZipFile, OSError, ValueError):
        return "tệp nén ZIP (bị hỏng)"
    if "word/document.xml" in names:
        return WORD_DOCX
    if any(n.startswith("xl/") for n in names):
        return "tệp Excel XLSX"
    if any(n.startswith("ppt/") for n in names):
        return "tệp PowerPoint PPTX"
    if "mimetype" in names and "content.xml" in names:
        return "tệp OpenDocument (.odt/.ods)"
    return "tệp nén ZIP"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # a multi-byte letter cut at the 1 KB boundary


_WHAT_TO_DO = {
    "tệp PDF": "hãy đổi đuôi tệp thành .pdf",
    WORD_DOCX: "hãy đổi đuôi tệp thành .docx",
    "văn bản thuần (TXT)": "hãy đổi đuôi tệp thành .txt",
    "một trang web HTML": "hãy tải chính văn bản về, không phải trang web dẫn tới văn bản",
    "tệp Office 97-2003 cũ (.doc/.xls)": "hãy đổi đuôi tệp thành .doc (Word) hoặc lưu lại thành .xlsx (Excel)",
    "tệp OpenDocument (.odt/.ods)": "hãy đổi đuôi tệp thành .odt, hoặc lưu lại thành .docx",
    "văn bản RTF": "hãy đổi đuôi tệp thành .rtf",
    "một tệp ảnh": "hãy đổi đuôi tệp thành .png hoặc .jpg (ảnh được đọc bằng OCR)",
    "tệp Excel XLSX": "hãy đổi đuôi tệp thành .xlsx",
    "tệp PowerPoint PPTX": "hãy xuất các trang chiếu ra PDF",
}


def refuse_wrong_kind(name: str, expected: str, kind: str | None) -> IngestError:
    if kind is None:
        return IngestError(
            name,
            f"không phải tệp {expected} (không nhận ra nội dung)",
            f"hãy kiểm tra lại tệp, hoặc xuất lại thành {expected}",
        )
    hint = _WHAT_TO_DO.get(kind, f"hãy xuất lại thành {expected}")
    return IngestError(name, f"không phải tệp {expected} mà là {kind}", hint)
