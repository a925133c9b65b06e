"""The text of a source document as the dataset validator reads it, and the fuzzy quote rule.

An evidence quote must be a verbatim substring, after `normalise_for_match`, of its document's text.
For a `.txt` file that text is the file. For real documents there are several faithful readings, and a
quote is accepted when it is verbatim in **any** of them:

- text PDFs: poppler's `pdftotext` (it keeps the numbers e-signing stamps into signature widgets) and
  pypdf's `extract_text()`;
- DOCX: python-docx, body paragraphs and every table cell on its own line, in document order;
- every file baocao's own loader reads (`baocao.ingest.loaders.load_file`): the text baocao ingests.

Documents whose text only exists through OCR (a scan, or a PDF whose text layer is non-Vietnamese OCR
garbage) or a converter (legacy `.doc`) cannot hold quotes verbatim across tools: two OCR engines, or
antiword and LibreOffice, never agree to the character. Their quotes are written from the page image
(the true text) and accepted by the **fuzzy rule**: the best window of the text has a character
similarity of at least `FUZZY_MIN_RATIO` (difflib ratio, lower-cased, NFC, whitespace collapsed).
The text read for them is, in order of preference: what baocao's loader gives when it reads the file
(once the OCR and `.doc` conversion of ingestion exist), else our own extraction: `antiword` for `.doc`,
`pdftoppm` + `tesseract -l vie` (300 dpi) for scans. OCR is slow (tens of seconds a page on 2 cores), so
its output is cached by the file's content hash (`cache_dir()`, `$BAOCAO_EVAL_CACHE` or
`~/.cache/baocao/eval`); without a cache and with OCR not allowed, a scan's quotes are reported as
*unchecked*, never as valid.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from baocao.eval.dataset import normalise_for_match

FUZZY_MIN_RATIO = 0.85  # character similarity of the best window; OCR of a clean scan scores 0.9-1.0
KIND_TEXT, KIND_CONVERTED, KIND_OCR = "text", "converted", "ocr"
CONVERTED_SUFFIXES = frozenset({".doc", ".rtf", ".odt"})
MIN_CHARS_PER_PAGE = 40  # a PDF page with less extractable text is a scan
MIN_DIACRITIC_SHARE = 0.08  # Vietnamese letters with diacritics / all letters; OCR garbage without them is far below
OCR_DPI = 300
OCR_TIMEOUT_S = 600


def cache_dir() -> Path:
    return Path(os.environ.get("BAOCAO_EVAL_CACHE") or Path.home() / ".cache" / "baocao" / "eval")


@lru_cache(maxsize=256)
def _sha256(path_str: str, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path_str).read_bytes()).hexdigest()


def file_sha256(path: Path) -> str:
    return _sha256(str(path), path.stat().st_mtime_ns)


# ---------------------------------------------------------------------------- readings of a file


def pdftotext(path: Path) -> str | None:
    return _pdftotext(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _pdftotext(path_str: str, mtime_ns: int) -> str | None:
    path = Path(path_str)
    if not shutil.which("pdftotext"):
        return None
    with contextlib.suppress(subprocess.SubprocessError, OSError):
        done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, timeout=120)
        if done.returncode == 0:
            return done.stdout.decode("utf-8", errors="replace")
    return None


def pypdf_text(path: Path) -> str | None:
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged signed PDFs make pypdf chatty
    try:
        from pypdf import PdfReader

        reader = PdfReader(str(path))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except Exception:  # a broken or non-PDF file simply has no pypdf reading
        return None


def docx_text(path: Path) -> str | None:
    """Body paragraphs and each table cell (once, even when merged) on its own line, in document order."""
    try:
        import docx
        from docx.table import Table, _Cell
        from docx.text.paragraph import Paragraph
    except ImportError:
        return None
    try:
        document = docx.Document(str(path))
    except Exception:
        return None
    lines: list[str] = []

    def walk(container) -> None:
        for child in container.iter_inner_content():
            if isinstance(child, Paragraph):
                lines.append(child.text)
            elif isinstance(child, Table):
                for tr in child._tbl.tr_lst:  # each <w:tc> once: merged cells are not repeated
                    for tc in tr.tc_lst:
                        walk(_Cell(tc, child))

    walk(document)
    return "\n".join(lines)


def antiword_text(path: Path) -> str | None:
    if not shutil.which("antiword"):
        return None
    with contextlib.suppress(subprocess.SubprocessError, OSError):
        done = subprocess.run(["antiword", "-w", "0", str(path)], capture_output=True, timeout=120)
        if done.returncode == 0:
            return done.stdout.decode("utf-8", errors="replace")
    return None


def baocao_text(path: Path) -> str | None:
    """What baocao's loader reads from the file (None when it refuses the file)."""
    try:
        from baocao.ingest.loaders import load_file

        raw = load_file(path)
    except Exception:  # refused (unsupported type, no text, not Vietnamese): no baocao reading
        return None
    pages = getattr(raw, "pages", None) or []
    return "\n".join(getattr(p, "text", "") for p in pages) or None


def ocr_cache_path(path: Path) -> Path:
    return cache_dir() / f"{file_sha256(path)}-tesseract-vie-{OCR_DPI}.txt"


def ocr_text(path: Path, allow_run: bool = False) -> str | None:
    """Tesseract's reading of a PDF (cached by content); runs OCR only when `allow_run` and the tools exist."""
    cached = ocr_cache_path(path)
    if cached.is_file():
        return cached.read_text(encoding="utf-8")
    if not allow_run or not (shutil.which("pdftoppm") and shutil.which("tesseract")):
        return None
    pages: list[str] = []
    with tempfile.TemporaryDirectory(prefix="baocao-eval-ocr-") as tmp:
        subprocess.run(["pdftoppm", "-r", str(OCR_DPI), "-png", str(path), f"{tmp}/page"], check=True,
                       capture_output=True, timeout=OCR_TIMEOUT_S)
        for image in sorted(Path(tmp).glob("page*.png"), key=lambda p: int(re.findall(r"\d+", p.stem)[-1])):
            done = subprocess.run(["tesseract", str(image), "stdout", "-l", "vie"], capture_output=True,
                                  timeout=OCR_TIMEOUT_S, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
            pages.append(done.stdout.decode("utf-8", errors="replace"))
    text = "\n\f".join(pages)
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text(text, encoding="utf-8")
    return text


# ---------------------------------------------------------------------------- what kind of source


def diacritic_share(text: str) -> float:
    """Share of letters outside ASCII: Vietnamese prose has 30-40%, OCR made for English has ~0."""
    letters = [c for c in unicodedata.normalize("NFC", text) if c.isalpha()]
    return sum(1 for c in letters if ord(c) > 0x7F) / len(letters) if letters else 0.0


def pdf_pages(path: Path) -> int:
    if shutil.which("pdfinfo"):
        with contextlib.suppress(subprocess.SubprocessError, OSError, ValueError):
            out = subprocess.run(["pdfinfo", str(path)], capture_output=True, timeout=60).stdout.decode("utf-8", "replace")
            found = re.search(r"^Pages:\s+(\d+)", out, re.M)
            if found:
                return int(found.group(1))
    with contextlib.suppress(Exception):
        from pypdf import PdfReader

        return len(PdfReader(str(path)).pages)
    return 1


def document_kind(path: Path) -> str:
    """`text` (a faithful text layer), `converted` (legacy office formats) or `ocr` (scan, garbage text layer)."""
    suffix = path.suffix.lower()
    if suffix in CONVERTED_SUFFIXES:
        return KIND_CONVERTED
    if suffix != ".pdf":
        return KIND_TEXT
    text = pdftotext(path) or pypdf_text(path) or ""
    alnum = sum(c.isalnum() for c in text)
    if alnum < MIN_CHARS_PER_PAGE * pdf_pages(path):
        return KIND_OCR
    if diacritic_share(text) < MIN_DIACRITIC_SHARE:
        return KIND_OCR
    return KIND_TEXT


class SourceText:
    """The readings of one document, each made (and normalised) only when a quote needs it, cheapest first."""

    def __init__(self, document: str, kind: str, readers: dict[str, Callable[[], str | None]]):
        self.document = document
        self.kind = kind
        self._readers = dict(readers)
        self._done: dict[str, str | None] = {}

    def reading(self, name: str) -> str | None:
        if name not in self._done:
            text = self._readers[name]()
            self._done[name] = normalise_for_match(text) if text and text.strip() else None
        return self._done[name]

    @property
    def names(self) -> list[str]:
        return list(self._readers)

    def exact(self, quote: str) -> str | None:
        q = normalise_for_match(quote)
        return next((name for name in self._readers if q in (self.reading(name) or "")), None)

    def fuzzy_readings(self) -> dict[str, str]:
        """The readings the fuzzy rule compares against: baocao's own when it has one, else ours."""
        if "baocao" in self._readers and self.reading("baocao"):
            return {"baocao": self.reading("baocao")}
        return {n: t for n in self._readers if n != "baocao" and (t := self.reading(n))}


def read_source(path: Path, *, allow_ocr: bool = False) -> SourceText:
    kind = document_kind(path)
    suffix = path.suffix.lower()
    readers: dict[str, Callable[[], str | None]] = {}
    if suffix == ".pdf" and kind == KIND_TEXT:
        readers.update(pdftotext=lambda: pdftotext(path))
    elif suffix == ".pdf":
        readers.update(tesseract=lambda: ocr_text(path, allow_run=allow_ocr))
    elif suffix == ".docx":
        readers.update(docx=lambda: docx_text(path))
    elif suffix == ".doc":
        readers.update(antiword=lambda: antiword_text(path))
    elif suffix in (".txt", ".md"):
        readers.update(file=lambda: path.read_text(encoding="utf-8"))
    if kind != KIND_OCR or allow_ocr:  # baocao's loader may run OCR itself: only when allowed
        readers["baocao"] = lambda: baocao_text(path)
    if suffix == ".pdf" and kind == KIND_TEXT:
        readers["pypdf"] = lambda: pypdf_text(path)
    return SourceText(path.name, kind, readers)


@lru_cache(maxsize=128)
def _cached_source(path_str: str, mtime_ns: int, allow_ocr: bool) -> SourceText:
    return read_source(Path(path_str), allow_ocr=allow_ocr)


def source_text(path: Path, *, allow_ocr: bool = False) -> SourceText:
    return _cached_source(str(path), path.stat().st_mtime_ns, allow_ocr)


# ---------------------------------------------------------------------------- the fuzzy rule


def _fold_case(text: str) -> str:
    return normalise_for_match(text).lower()


def fuzzy_ratio(quote: str, text: str) -> float:
    """Best difflib ratio between the quote and a window of the text of about the quote's length.

    Windows are anchored at the occurrences of the quote's rarer words (four letters or more), so the
    scan costs a few dozen comparisons, not one per character of the text.
    """
    q = _fold_case(quote)
    t = _fold_case(text)
    if not q or not t:
        return 0.0
    if q in t:
        return 1.0
    words = sorted({w for w in re.findall(r"\w{4,}", q)}, key=lambda w: t.count(w) or 10**9)
    best = 0.0
    span = int(len(q) * 1.25) + 10
    tried: set[int] = set()
    for word in words[:6]:
        offset_in_quote = q.find(word)
        for m in list(re.finditer(re.escape(word), t))[:30]:
            start = max(0, m.start() - offset_in_quote - 5)
            if start // 8 in tried:
                continue
            tried.add(start // 8)
            window = t[start:start + span]
            matcher = difflib.SequenceMatcher(None, q, window, autojunk=False)
            # the window is a little longer than the quote: score the quote's alignment, not the slack
            blocks = sum(b.size for b in matcher.get_matching_blocks())
            best = max(best, blocks / len(q))
            if best >= 0.999:
                return best
    return best


@dataclass(frozen=True)
class QuoteCheck:
    level: str  # exact | fuzzy | unchecked | missing
    reading: str | None = None
    ratio: float | None = None


def check_quote(quote: str, source: SourceText) -> QuoteCheck:
    """Exact in any reading; fuzzy (OCR and converted sources only) against baocao's reading or ours."""
    reading = source.exact(quote)
    if reading:
        return QuoteCheck("exact", reading, 1.0)
    if source.kind == KIND_TEXT:
        if source.document.lower().endswith(".pdf") and not shutil.which("pdftotext"):
            return QuoteCheck("unchecked")  # signature-widget numbers need poppler's reading (`make eval-deps`)
        return QuoteCheck("missing")
    candidates = source.fuzzy_readings()
    if not candidates:
        return QuoteCheck("unchecked")
    name, ratio = max(((n, fuzzy_ratio(quote, t)) for n, t in candidates.items()), key=lambda x: x[1])
    return QuoteCheck("fuzzy" if ratio >= FUZZY_MIN_RATIO else "missing", name, round(ratio, 3))
