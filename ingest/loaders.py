"""Read PDF, DOCX, DOC/RTF/ODT, XLSX, TXT/MD and image files into page text, and refuse bad input with one clear line.

What comes out is text a person would read: control characters and terminal escapes stripped,
mojibake repaired (ftfy), look-alike letters fixed, PDF page furniture removed by position, legacy-font
PDF pages converted, scans read by OCR, tables row by row with their headers. Each `Page` says how it
was read (`ocr`, `quality`, `legacy_font`, `warning`). NFC, the repair of lost letters and the
structure come later in the pipeline. Every refusal is an `IngestError(name, problem, hint)`; no
traceback ever reaches the message.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from baocao.progress import working_on
from baocao.ingest import convert
from baocao.ingest.cleanup import clean_characters, is_furniture
from baocao.ingest.docx_reader import read_docx, safe_office_package
from baocao.ingest.encoding import fix_mojibake
from baocao.ingest.models import IngestError, Page, RawDocument
from baocao.ingest.ocr import OcrOptions
from baocao.ingest.sniff import WORD_DOCX, refuse_wrong_kind, sniff

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}
SUPPORTED_SUFFIXES = {".pdf", ".docx", ".txt", ".md", ".xlsx"} | convert.TO_DOCX | IMAGE_SUFFIXES

_MB = 1024 * 1024
CHECK_DOWNLOAD = "hãy kiểm tra lại bản tải về hoặc bản xuất rồi thử lại"
SAVE_AS_UTF8 = "hãy lưu lại tệp dưới dạng văn bản UTF-8"
_SUPPORTED_LIST = "PDF, DOCX, DOC, RTF, ODT, XLSX, TXT, MD hoặc ảnh"
_UNSUPPORTED_HINTS = {
    ".xls": "hãy lưu bảng tính thành .xlsx",
    ".ods": "hãy lưu bảng tính thành .xlsx",
    ".pptx": "hãy xuất các trang chiếu ra PDF",
    ".ppt": "hãy xuất các trang chiếu ra PDF",
    ".html": "hãy lưu trang thành PDF, hoặc chép nội dung vào một tệp .txt",
    ".htm": "hãy lưu trang thành PDF, hoặc chép nội dung vào một tệp .txt",
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


def load_file(
    path: Path, *, max_mb: float = 40.0, allow_non_vietnamese: bool = False, ocr: OcrOptions | None = None
) -> RawDocument:
    """`ocr=None` takes the OCR settings from the environment (`BAOCAO_OCR`, `BAOCAO_OCR_LANGUAGES`, ...)."""
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    _check_can_read(path, name)
    _check_suffix(name, suffix)
    _check_size(path, name, max_mb)  # before reading: a huge file is never loaded into memory

    with working_on(path):
        return _load(path, name, suffix, allow_non_vietnamese, ocr)


def _load(path: Path, name: str, suffix: str, allow_non_vietnamese: bool, ocr: OcrOptions | None) -> RawDocument:
    data = _read_bytes(path, name)
    if data.isspace():
        raise IngestError(name, "tệp trống (chỉ có khoảng trắng)", CHECK_DOWNLOAD)
    fmt = "jpg" if suffix == ".jpeg" else "tif" if suffix == ".tiff" else suffix.lstrip(".")
    footnotes: dict[str, str] = {}
    warnings: list[str] = []
    if fmt == "pdf":
        pages, warnings = _load_pdf(name, data, ocr)
    elif fmt == "docx":
        pages, footnotes = _load_docx(name, data)
    elif suffix in convert.TO_DOCX:
        pages, footnotes, warnings = _load_word_processor(name, data, suffix)
    elif fmt == "xlsx":
        pages = _load_xlsx(name, data)
    elif suffix in IMAGE_SUFFIXES:
        pages, warnings = _load_image(name, data, ocr)
    else:
        pages = [Page(None, _decode_text(name, data))]

    repaired = False
    for page in pages:
        text, fixed = fix_mojibake(page.text)
        page.text = clean_characters(text)
        repaired |= fixed
    if repaired:
        warnings.append("repaired mojibake (UTF-8 text that had been read as Windows-1252)")
    text = "\n".join(page.text for page in pages)
    _check_has_text(name, fmt, pages)
    _check_readable(name, fmt, text)
    if not allow_non_vietnamese:
        _check_vietnamese(name, _body_text(pages))
    return RawDocument(
        path=path,
        name=name,
        format=fmt,
        pages=pages,
        sha256=hashlib.sha256(data).hexdigest(),
        footnotes=footnotes,
        warnings=warnings,
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
        raise IngestError(name, "không tìm thấy tệp", "hãy kiểm tra lại đường dẫn")
    if path.is_dir():
        raise IngestError(name, "là thư mục, không phải tệp", "hãy chỉ ra các tệp bên trong")


def _check_suffix(name: str, suffix: str) -> None:
    if suffix in SUPPORTED_SUFFIXES:
        return
    kind = f"'{suffix}'" if suffix else "(không có đuôi)"
    raise IngestError(name, f"không hỗ trợ loại tệp {kind}", _UNSUPPORTED_HINTS.get(suffix, f"hãy dùng tệp {_SUPPORTED_LIST}"))


def _check_size(path: Path, name: str, max_mb: float) -> None:
    size = path.stat().st_size
    if size == 0:
        raise IngestError(name, "tệp rỗng (0 byte)", CHECK_DOWNLOAD)
    if size > max_mb * _MB:
        raise IngestError(
            name,
            f"tệp quá lớn ({size / _MB:.1f} MB; giới hạn {max_mb:g} MB)",
            "hãy tách thành các tệp nhỏ hơn, hoặc tăng BAOCAO_MAX_FILE_MB",
        )


def _read_bytes(path: Path, name: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise IngestError(name, f"không đọc được tệp ({reason.lower()})", "hãy kiểm tra quyền đọc tệp") from None


# --- checks after extraction ---------------------------------------------------------------------


def _check_has_text(name: str, fmt: str, pages: list[Page]) -> None:
    """Some text must be left once page furniture is gone: never 'added (0 chunks)'."""
    if any(line.strip() and not is_furniture(line) for page in pages for line in page.text.splitlines()):
        return
    if any(page.text.strip() for page in pages):
        raise IngestError(
            name, "không còn chữ nào sau khi bỏ tiêu đề trang, chân trang và số trang", "hãy kiểm tra nội dung tệp"
        )
    if fmt in ("docx", "doc", "odt", "rtf"):  # scans pasted into Word as pictures are common
        raise IngestError(
            name, f"tệp {fmt.upper()} không có chữ (trống, hay chỉ có hình ảnh?)",
            "hãy đưa các trang scan vào một tệp PDF: PDF được đọc bằng OCR"
        )
    raise IngestError(name, "tệp không có chữ (chỉ có khoảng trắng)", "hãy kiểm tra nội dung tệp rồi thử lại")


_UNREADABLE_SHARE = 0.3  # the sample reports have at most 1.3% U+FFFD; a broken file is mostly U+FFFD
_UNREADABLE = re.compile(r"[\ufffd\x00-\x08\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ud800-\udfff]")
_WHITESPACE = re.compile(r"\s")


def _check_readable(name: str, fmt: str, text: str) -> None:
    visible = len(text) - len(_WHITESPACE.findall(text))
    share = len(_UNREADABLE.findall(text)) / max(visible, 1)
    if share > _UNREADABLE_SHARE:
        hint = (
            "phông chữ của tệp không chuyển được sang Unicode; hãy xuất lại PDF từ văn bản gốc"
            if fmt == "pdf"
            else SAVE_AS_UTF8
        )
        raise IngestError(name, f"không đọc được chữ ({share:.0%} là ký tự thay thế hoặc ký tự điều khiển)", hint)


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
# The language is judged on the prose: lines of at least this many words. A decree whose annex lists
# hundreds of substance names (one or two words a line) is Vietnamese by its articles, not by its
# word count; a foreign document has foreign sentences.
_PROSE_MIN_WORDS = 8
_MIN_PROSE_LINES = 3

# Vietnamese typed in old TCVN3 (.VnTime) or VNI fonts comes out as Latin-1 letters ('Céng hoµ x· héi'),
# which the pipeline converts (ingest/encoding.py), so it must get past this check. Share of words
# holding a U+00A1-U+00FF character: the sample reports rewritten in TCVN3 0.825-0.873, in VNI
# 0.826-0.874; French 0.178, German 0.190, Spanish 0.203, Portuguese 0.254, English 0.
_LEGACY_FONT_THRESHOLD = 0.5
_LATIN1_LETTER = re.compile("[\u00a1-\u00ff]")
_TOKEN = re.compile(r"\S+")


def _vietnamese_share(text: str) -> float:
    words = _WORD.findall(unicodedata.normalize("NFC", text).lower())
    if not words:
        return 0.0
    hits = sum(1 for w in words if w in _VIETNAMESE_FUNCTION_WORDS or not _VIETNAMESE_ONLY_LETTERS.isdisjoint(w))
    return hits / len(words)


def _legacy_font_share(text: str) -> float:
    tokens = [t for t in _TOKEN.findall(text) if any(c.isalpha() for c in t)]
    return sum(1 for t in tokens if _LATIN1_LETTER.search(t)) / len(tokens) if tokens else 0.0


def _body_text(pages: list[Page]) -> str:
    """The text without table rows: a table of names or codes says nothing about the document's language."""
    rows = {row for page in pages for table in page.tables for row in table}
    if not rows:
        return "\n".join(page.text for page in pages)
    return "\n".join(line for page in pages for line in page.text.splitlines() if line not in rows)


def prose(text: str) -> str:
    """The lines of `text` that are sentences (at least _PROSE_MIN_WORDS words), or all of it if few are."""
    lines = [line for line in text.splitlines() if len(_WORD.findall(line)) >= _PROSE_MIN_WORDS]
    return "\n".join(lines) if len(lines) >= _MIN_PROSE_LINES else text


def _check_vietnamese(name: str, text: str) -> None:
    sample = text[:_LANGUAGE_SAMPLE_CHARS]
    if not _WORD.search(sample):
        return  # only numbers and symbols: nothing to judge
    judged = prose(sample)
    share = _vietnamese_share(judged)
    if share >= _VIETNAMESE_THRESHOLD or _legacy_font_share(judged) >= _LEGACY_FONT_THRESHOLD:
        return
    raise IngestError(
        name,
        f"nội dung không phải tiếng Việt (chỉ {share:.0%} số từ trong các câu là tiếng Việt)",
        "đặt BAOCAO_ALLOW_NON_VIETNAMESE=1 để nhận văn bản bằng ngôn ngữ khác",
    )


# --- PDF and images ---------------------------------------------------------------------------------


def _load_pdf(name: str, data: bytes, ocr: OcrOptions | None) -> tuple[list[Page], list[str]]:
    from baocao.ingest.pdf import DOWNLOAD_AGAIN, read_pdf

    if b"%PDF-" not in data[:1024]:
        raise refuse_wrong_kind(name, "PDF", sniff(data))
    if b"%%EOF" not in data[-1024 * 1024:]:  # padding or junk after %%EOF is harmless; no marker at all is not
        raise IngestError(name, "tệp PDF bị cắt cụt (thiếu dấu kết thúc tệp)", DOWNLOAD_AGAIN)
    result = read_pdf(name, data, ocr or OcrOptions.from_environment())
    return result.pages, result.warnings


def _load_image(name: str, data: bytes, ocr: OcrOptions | None) -> tuple[list[Page], list[str]]:
    from baocao.ingest.images import read_image

    return read_image(name, data, ocr or OcrOptions.from_environment())


# --- DOCX, DOC/RTF/ODT, XLSX ------------------------------------------------------------------------


def _load_docx(name: str, data: bytes) -> tuple[list[Page], dict[str, str]]:
    if not data.startswith(b"PK"):
        raise refuse_wrong_kind(name, "DOCX", sniff(data))
    text, tables, footnotes = read_docx(name, data)
    return [Page(number=None, text=text, tables=tables)], footnotes


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _load_word_processor(name: str, data: bytes, suffix: str) -> tuple[list[Page], dict[str, str], list[str]]:
    """.doc/.rtf/.odt through LibreOffice into DOCX (antiword for .doc without it)."""
    kind = sniff(data)
    if kind == WORD_DOCX:  # a DOCX with the old extension: common, and fine
        pages, footnotes = _load_docx(name, data)
        return pages, footnotes, []
    expected = {".doc": (_OLE,), ".dot": (_OLE,), ".rtf": (b"{\\rtf",), ".odt": (b"PK",)}.get(suffix, (b"PK", _OLE))
    if not data.lstrip()[:8].startswith(expected) and kind != "an RTF document":
        raise refuse_wrong_kind(name, suffix.lstrip(".").upper(), kind)
    if suffix == ".odt" or data.startswith(b"PK"):
        safe_office_package(name, data, suffix.lstrip(".").upper())  # bounded before LibreOffice unpacks it
    if convert.soffice_path() is None and suffix in (".doc", ".dot") and convert.antiword_path():
        text = convert.doc_text_with_antiword(name, data)
        return [Page(number=None, text=text)], {}, ["read with antiword (LibreOffice is not installed): tables are plain text"]
    docx_bytes = convert.convert_with_libreoffice(name, data, suffix, "docx")
    pages, footnotes = _load_docx(name, docx_bytes)
    return pages, footnotes, []


def _load_xlsx(name: str, data: bytes) -> list[Page]:
    if not data.startswith(b"PK"):
        raise refuse_wrong_kind(name, "XLSX", sniff(data))
    sheets = convert.xlsx_sheets(name, safe_office_package(name, data, "XLSX"))
    pages = []
    for title, lines, rows in sheets:
        pages.append(Page(number=None, text="\n".join([title, *lines]) if len(sheets) > 1 else "\n".join(lines), tables=[rows]))
    return pages or [Page(number=None, text="")]


# --- TXT / MD ------------------------------------------------------------------------------------


def _decode_text(name: str, data: bytes) -> str:
    if data.startswith((b"%PDF-", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise refuse_wrong_kind(name, "văn bản thuần (TXT/MD)", sniff(data))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Windows Notepad's "Unicode"
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise IngestError(name, "nội dung không phải UTF-16 hợp lệ", SAVE_AS_UTF8) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise IngestError(name, "không phải tệp văn bản (dữ liệu nhị phân)", f"hãy dùng tệp {_SUPPORTED_LIST}")
    damaged_utf8 = data.decode("utf-8-sig", errors="replace")
    if _mostly_valid(damaged_utf8):  # a UTF-8 file with a few bad bytes, e.g. cut mid-letter
        return damaged_utf8
    return _best_single_byte_reading(data)


_JUDGE_BYTES = 200_000


def _best_single_byte_reading(data: bytes) -> str:
    """Old Vietnamese text files are one byte a letter: the Windows code page cp1258, or TCVN3/VNI font
    bytes (read as Latin-1, converted later). The reading that gives the cleanest Vietnamese wins."""
    from baocao.ingest.encoding import fix_legacy_encoding
    from baocao.ingest.quality import text_quality

    best: tuple[float, str] | None = None
    for codec in ("cp1258", "cp1252", "latin-1"):  # latin-1 decodes any bytes
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        converted, _ = fix_legacy_encoding(unicodedata.normalize("NFC", text[:_JUDGE_BYTES]))
        share = text_quality(converted).invalid_share
        if best is None or share < best[0] - 0.001:
            best = (share, text)
    return best[1]


def _mostly_valid(decoded: str) -> bool:
    """More non-ASCII letters decoded fine than bytes replaced: UTF-8, not a legacy code page."""
    replaced = decoded.count("\ufffd")
    decoded_fine = sum(1 for c in decoded if ord(c) > 127) - replaced
    return decoded_fine > replaced
