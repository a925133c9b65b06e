"""PDF pages into text the way the author laid them out.

- Text and positions from pdfium (pypdfium2): 10-20x faster than pypdf and without pypdf's split
  syllables on Công báo PDFs ('tr ường'); pypdf is the fallback for files pdfium cannot open.
- Page furniture by position: a line is a running header/footer only if it sits at the top or bottom
  of its pages and repeats there (or is a page number / Công báo header at that place); the same
  sentence in the body is never touched (cleanup.furniture_lines).
- Raised note numbers, which pdfium puts on lines of their own ('1' / ' Tên đơn vị …'), go back
  on their visual line (`join_raised_markers`): alone, a number line is taken for a page number and lost.
- A form's checkboxes, glyphs of a symbol font that pdfium gives as control characters, are read by
  their outline (`symbol_glyphs`): a box is '□', where cleanup would drop it or break the line.
- Tables (pdfplumber's table finder on the ruling lines pdfium reads, ingest/pdf_tables.py): each
  row rendered with its header cells (ingest/tables.py), in place of the table's loose cell text.
- Text quality per page (ingest/quality.py): a legacy-font text layer is converted with the
  TCVN3/VNI tables when that makes it clean; otherwise, and for pages without a usable text layer
  (scans, vector-outlined glyphs, a non-Vietnamese OCR layer), the page image is read by OCR. An OCR
  layer with any broken syllable (over `BAOCAO_OCR_RECHECK_LAYER_ABOVE`) is read again and the better
  read kept.
"""

from __future__ import annotations

import ctypes
import io
import logging
import re
import time
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

from baocao.progress import page_stage
from baocao.ingest import ocr as ocr_engine
from baocao.ingest.cleanup import PositionedLine, clean_characters, furniture_lines
from baocao.ingest.encoding import fix_legacy_encoding
from baocao.ingest.models import IngestError, Page
from baocao.ingest.ocr import OcrOptions
from baocao.ingest.pdf_tables import find_tables
from baocao.ingest.quality import TextQuality, text_quality
from baocao.ingest.tables import render_grid

log = logging.getLogger("baocao.ingest.pdf")

GARBLED = 0.12  # a text layer with more invalid syllables than this is not used as it is
POOR = ocr_engine.POOR_OCR  # above this an OCR'd (or OCR-layer) page is flagged
LITTLE_TEXT = 200  # letters and digits: a page with fewer may be a scan with a stamp or a caption
SCANNED_IMAGE_SHARE = 0.5  # images covering this much of a page make it a scan
VECTOR_GLYPH_PATHS = 300  # a page drawing this many shapes and no text is text turned into outlines
TABLE_PATHS = 8  # a page drawing fewer shapes has no ruled table
MIN_WORDS_TO_JUDGE = 20
MAX_IMAGE_PIXELS = 150_000_000  # an embedded image larger than this is never decoded (memory)
PASSWORD_HINT = "hãy xin bản không đặt mật khẩu, hoặc gỡ mật khẩu rồi thử lại"
DOWNLOAD_AGAIN = "hãy tải về hoặc xuất lại tệp"


@dataclass
class _PageScan:
    number: int
    lines: list[PositionedLine]
    image_share: float = 0.0
    paths: int = 0
    huge_image: bool = False
    invisible_text: float = 0.0  # share of text not seen (invisible, or under the page image): an OCR layer
    height: float = 0.0
    grids: list = field(default_factory=list)  # (bbox, cell texts) of ruled tables, before rendering
    tables: list[list[str]] = field(default_factory=list)
    furniture: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def alnum(self) -> int:
        return sum(sum(map(str.isalnum, line.text)) for line in self.lines)


@dataclass
class PdfResult:
    pages: list[Page]
    warnings: list[str]
    ocr_pages: int = 0
    ocr_seconds: float = 0.0


def read_pdf(name: str, data: bytes, ocr: OcrOptions) -> PdfResult:
    document = _open_pdfium(name, data)
    if document is None:
        return _read_with_pypdf(name, data)
    try:
        try:
            scans = [_scan_page(document, i) for i in range(len(document))]
        except pdfium_error():  # a page pdfium cannot load: let pypdf try the whole file
            return _read_with_pypdf(name, data)
        if not scans:
            raise IngestError(name, "tệp PDF không có trang nào", DOWNLOAD_AGAIN)
        _apply_tables(scans)
        _remove_furniture(scans)
        return _finish(name, document, scans, ocr)
    finally:
        document.close()


# --- opening ----------------------------------------------------------------------------------------


def pdfium_error() -> type[Exception]:
    import pypdfium2

    return pypdfium2.PdfiumError


def _open_pdfium(name: str, data: bytes):
    """A pypdfium2 document, or None when pdfium cannot parse it (pypdf may still)."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
        try:
            document.init_forms()  # before any page is loaded: flattening signature widgets needs it
        except Exception:
            pass
        return document
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == 4 or "password" in str(exc).lower():  # FPDF_ERR_PASSWORD
            raise IngestError(name, "tệp PDF có mật khẩu", PASSWORD_HINT) from None
        if code == 5 or "security" in str(exc).lower():  # FPDF_ERR_SECURITY: unsupported handler
            raise IngestError(name, "tệp PDF dùng kiểu mã hóa không được hỗ trợ", "hãy xin bản không mã hóa") from None
        return None


# --- one page --------------------------------------------------------------------------------------


def _scan_page(document, index: int) -> _PageScan:
    page = document[index]
    try:
        width, height = page.get_size()
        lines = _lines_with_widget_text(document, index, height) if _has_widgets(page) else None
        scan = _PageScan(number=index + 1, lines=lines or _positioned_lines(page, height), height=height)
        scan.paths, scan.image_share, scan.huge_image, scan.invisible_text = _drawing_summary(page, width, height)
        if scan.paths >= TABLE_PATHS and scan.alnum >= LITTLE_TEXT // 4:
            scan.grids = _read_grids(page, height)
        return scan
    finally:
        page.close()


def _drawing_summary(page, width: float, height: float, max_depth: int = 3) -> tuple[int, float, bool, float]:
    """(path objects, share of the page covered by images, an image too large to decode, share of text
    objects that are invisible, i.e. an OCR layer over a scan) through pdfium's raw object API: a table
    page holds thousands of objects, too many to wrap one by one."""
    import pypdfium2.raw as raw

    paths, covered, over_text, huge, texts, invisible = 0, 0.0, 0.0, False, 0, 0
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    px_w, px_h = ctypes.c_uint(), ctypes.c_uint()
    stack = [(None, 0)]
    while stack:
        form, depth = stack.pop()
        count = raw.FPDFFormObj_CountObjects(form) if form is not None else raw.FPDFPage_CountObjects(page.raw)
        for i in range(max(count, 0)):
            obj = raw.FPDFFormObj_GetObject(form, i) if form is not None else raw.FPDFPage_GetObject(page.raw, i)
            if not obj:
                continue
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_PATH:
                paths += 1
            elif kind == raw.FPDF_PAGEOBJ_TEXT:
                texts += 1
                invisible += raw.FPDFTextObj_GetTextRenderMode(obj) == raw.FPDF_TEXTRENDERMODE_INVISIBLE
            elif kind == raw.FPDF_PAGEOBJ_IMAGE:
                if raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
                    area = max(0.0, min(right.value, width) - max(left.value, 0.0)) * max(
                        0.0, min(top.value, height) - max(bottom.value, 0.0)
                    )
                    covered += area
                    over_text += area if texts else 0.0  # drawn after text: it hides that text
                if raw.FPDFImageObj_GetImagePixelSize(obj, px_w, px_h):
                    huge |= px_w.value * px_h.value > MAX_IMAGE_PIXELS
            elif kind == raw.FPDF_PAGEOBJ_FORM and depth + 1 < max_depth:
                stack.append((obj, depth + 1))
    page_area = max(width * height, 1.0)
    hidden = max(invisible / texts if texts else 0.0, 1.0 if over_text / page_area >= SCANNED_IMAGE_SHARE else 0.0)
    return paths, min(1.0, covered / page_area), huge, hidden


def _read_grids(page, height: float) -> list[tuple[tuple[float, float, float, float], list[list[str | None]]]]:
    """(bbox, cell texts) of each ruled table, read while the page is open; rendered after all pages are read."""
    grids = []
    try:
        tables = find_tables(page, height)
    except Exception as exc:  # tables are a bonus: a failure keeps the loose text
        log.warning("tables of a page not read (%s)", type(exc).__name__)
        return []
    if not tables:
        return []
    textpage = page.get_textpage()
    try:
        for table in tables:
            rows = table.rows
            if len(rows) < 2 or max(len(r.cells) for r in rows) < 2:
                continue
            grid = []
            for row in rows:
                values: list[str | None] = []
                for cell in row.cells:
                    if cell is None:
                        values.append(None)
                        continue
                    x0, top, x1, bottom = cell
                    text = textpage.get_text_bounded(left=x0, bottom=height - bottom, right=x1, top=height - top)
                    values.append(clean_characters(text.translate(PDFIUM_HYPHENS)))
                grid.append(values)
            grids.append((table.bbox, grid))
    finally:
        textpage.close()
    return grids


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
# pdfium marks a hyphen that ends a line: '\x02' before the line break, or U+FFFE where it joined the two
# lines into one ('45/2023/NĐ' / 'CP' as 'NĐ\ufffeCP'). Vietnamese never hyphenates a syllable at a wrap, so
# either is the printed hyphen ('NĐ-CP'); dropped as a noncharacter it glued the code together ('NĐCP').
PDFIUM_HYPHENS = {0x02: "-", 0xFFFE: "-"}


def _positioned_lines(page, height: float) -> list[PositionedLine]:
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        positions = textpage.count_chars() == len(text) and height > 0  # char index = text index
        box_of = textpage.get_charbox if positions else None
        return _split_lines(symbol_glyphs(textpage, text) if positions else text, box_of, height)
    finally:
        textpage.close()


# --- symbol glyphs ------------------------------------------------------------------------------------
# A form's checkboxes are glyphs of a symbol font (Wingdings 2, Wingdings): without a Unicode mapping pdfium
# gives their character code, a control or private-use character that means nothing as text and that
# cleanup drops ('□ Có' comes out 'Có'; U+0085 even becomes a line break). The glyph's outline says what
# it is: one rectangle inside another is an empty box '□', a lone rectangle a filled one '■'.

BOX, FILLED_BOX = "\u25a1", "\u25a0"


def symbol_glyphs(textpage, text: str) -> str:
    """`text` (pdfium's, one character per char index) with each meaningless character whose glyph is drawn
    as a box replaced by that box; every other character as it was."""
    if not any(_meaningless(c) for c in text):
        return text
    chars = list(text)
    for i, char in enumerate(text):
        if _meaningless(char):
            chars[i] = _glyph_box(textpage, i, char) or char
    return "".join(chars)


def _meaningless(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Co") and char not in "\r\n\t" and ord(char) not in PDFIUM_HYPHENS


def _glyph_box(textpage, index: int, char: str) -> str | None:
    import pypdfium2.raw as raw

    if not hasattr(raw, "FPDFText_GetTextObject"):  # an older pdfium
        return None
    obj = raw.FPDFText_GetTextObject(textpage.raw, index)
    font = raw.FPDFTextObj_GetFont(obj) if obj else None
    path = raw.FPDFFont_GetGlyphPath(font, ord(char), 1.0) if font else None
    if not path:
        return None
    x, y = ctypes.c_float(), ctypes.c_float()
    contours: list[list[tuple[float, float]]] = []
    for i in range(raw.FPDFGlyphPath_CountGlyphSegments(path)):
        segment = raw.FPDFGlyphPath_GetGlyphPathSegment(path, i)
        kind = raw.FPDFPathSegment_GetType(segment)
        if kind == raw.FPDF_SEGMENT_BEZIERTO or not raw.FPDFPathSegment_GetPoint(segment, x, y):
            return None  # a curve: a bullet, a tick, a letter
        if kind == raw.FPDF_SEGMENT_MOVETO or not contours:
            contours.append([])
        contours[-1].append((x.value, y.value))
    return outline_box([c for c in contours if len(c) > 1])


def outline_box(contours: list[list[tuple[float, float]]]) -> str | None:
    """'□' for two nested axis-aligned rectangles, '■' for one; None for any other outline."""
    rectangles = [_rectangle(points) for points in contours]
    if not rectangles or None in rectangles or len(rectangles) > 2:
        return None
    if len(rectangles) == 1:
        return FILLED_BOX
    (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = sorted(rectangles, key=lambda r: (r[0] - r[2]) * (r[3] - r[1]))
    inside = ax0 < bx0 and ay0 < by0 and bx1 < ax1 and by1 < ay1
    return BOX if inside else None


def _rectangle(points: list[tuple[float, float]]) -> tuple[float, float, float, float] | None:
    """(x0, y0, x1, y1) of a closed contour of straight, axis-parallel edges with four corners."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    size = max(x1 - x0, y1 - y0)
    if size <= 0 or min(x1 - x0, y1 - y0) < 0.05 * size:
        return None
    near = 0.02 * size

    def corner(p: tuple[float, float]) -> tuple[int, int] | None:
        cx = 0 if abs(p[0] - x0) <= near else 1 if abs(p[0] - x1) <= near else None
        cy = 0 if abs(p[1] - y0) <= near else 1 if abs(p[1] - y1) <= near else None
        return None if cx is None or cy is None else (cx, cy)

    corners = [corner(p) for p in points]
    if None in corners or len(set(corners)) != 4:
        return None
    ring = corners + corners[:1]
    if any(a[0] != b[0] and a[1] != b[1] for a, b in zip(ring, ring[1:])):
        return None  # a diagonal edge
    return x0, y0, x1, y1


def _split_lines(text: str, box_of, height: float, stamped: list[bool] | None = None) -> list[PositionedLine]:
    lines: list[PositionedLine] = []
    for start, end in _line_spans(text, box_of):
        raw_line = text[start:end]
        cleaned = clean_characters(raw_line.translate(PDFIUM_HYPHENS))
        if not cleaned.strip():
            continue
        box = _line_box(box_of, text, start, end, height) if box_of else None
        line = PositionedLine(cleaned, *(box or ()))
        if stamped is not None:
            flags = [stamped[i] for i in range(start, end) if not text[i].isspace()]
            line.stamp = bool(flags) and all(flags)
        lines.append(line)
    return join_raised_markers(lines, height)


def _line_spans(text: str, box_of) -> Iterator[tuple[int, int]]:
    """(start, end) of each line of pdfium's text; a number pdfium left at the end of a line although it
    sits under it (the raised number of the next note: '… của đơn vị. 3') is a line of its own."""
    for match in _LINE.finditer(text):
        start, end = match.start(), match.start() + len(match.group(0).rstrip("\r\n"))
        tail = _TRAILING_NUMBER.search(text, start, end) if box_of else None
        if tail and _below(box_of, text, start, tail.start(1)):
            yield start, tail.start(1)
            yield tail.start(1), end
        else:
            yield start, end


_TRAILING_NUMBER = re.compile(r"\s(\d{1,3})\s*$")


def _below(box_of, text: str, start: int, number: int) -> bool:
    """The character at `number` sits wholly under the visible character before it (PDF y grows upwards)."""
    before = next((i for i in range(number - 1, start - 1, -1) if not text[i].isspace()), None)
    if before is None:
        return False
    _, bottom, _, _ = box_of(before)
    left, _, right, top = box_of(number)
    return right > left and top < bottom


# --- raised note numbers ------------------------------------------------------------------------------
# pdfium starts a new line where the baseline moves, so a raised (superscript) note number comes out as a
# line of its own: '1' then ' Tên đơn vị …' for a note, 'tỉnh' then '1' then ' ban hành …' for the
# marker in the text. A bare number line is then taken for a page number and dropped, and the note loses
# its number. A number line that sits on the visual line of its neighbour, right against it, is put back.

_MARKER = re.compile(r"\s*(?:\d{1,3}|[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3}|[*†‡])\s*")
_GLUED_MARKER = re.compile(r"[^\s\d]\d{1,3}$")  # 'khẩu)6': pdfium kept the marker, then broke the line after it
SPACE_GAP = 2.0  # points (a space is 2.5-4 in body sizes): a narrower gap between two pieces is none
MARKER_REACH = 0.75  # a raised number may sit above its neighbour's band by this share of its own height
MARKER_GAP = 6.0  # points between the number and its neighbour: a space at most, never a column gap


def join_raised_markers(lines: list[PositionedLine], height: float) -> list[PositionedLine]:
    """Lines with each raised note number joined to the text it sits against on the same visual line:
    to the text before it (a marker glued to the word it annotates) or else to the text after it (the
    number that opens a note); text that goes on after a marker, on that visual line, joins too (pdfium
    breaks the line where the baseline comes back down: '(nếu có)4' / ': ……')."""
    lines = list(lines)
    out: list[PositionedLine] = []
    after_marker = False  # out[-1] ends with a raised number: the rest of its visual line follows
    for i, line in enumerate(lines):
        previous = out[-1] if out else None
        following = lines[i + 1] if i + 1 < len(lines) else None
        after_marker = after_marker or (previous is not None and bool(_GLUED_MARKER.search(previous.text)))
        if previous is not None and (_is_marker(line) or after_marker) and _adjacent(previous, line, height):
            out[-1] = _joined(previous, line)
            after_marker = _is_marker(line)
            continue
        after_marker = False
        if following is not None and _is_marker(line) and not _is_marker(following) and _adjacent(line, following, height):
            lines[i + 1] = _joined(line, following)
            continue
        out.append(line)
    return out


def _is_marker(line: PositionedLine) -> bool:
    return not line.table and not line.stamp and bool(_MARKER.fullmatch(line.text))


def _adjacent(first: PositionedLine, second: PositionedLine, height: float) -> bool:
    """`second` goes on `first`'s visual line: it starts where `first` ends and their bands overlap or, for
    a raised number above a band measured on its end letters ('n', '.'), nearly touch."""
    if None in (first.top, first.bottom, first.left, first.right, second.top, second.left) or height <= 0:
        return False
    overlap = min(first.bottom, second.bottom) - max(first.top, second.top)
    shortest = min(first.bottom - first.top, second.bottom - second.top)
    gap = second.left - first.right
    return shortest > 0 and overlap >= -MARKER_REACH * shortest and -1.0 <= gap <= MARKER_GAP


def _joined(first: PositionedLine, second: PositionedLine) -> PositionedLine:
    if _is_marker(second) or first.text.endswith(" ") or second.text.startswith(" "):
        space = ""
    else:  # a number opening a note is followed by a space; text after a marker only where a gap shows one
        space = " " if _is_marker(first) or second.left - first.right > SPACE_GAP else ""
    return PositionedLine(
        f"{first.text}{space}{second.text.lstrip() if _is_marker(second) else second.text}",
        min(first.top, second.top), max(first.bottom, second.bottom),
        min(first.left, second.left), max(first.right, second.right),
    )


# --- text stamped into signature widgets ---------------------------------------------------------------
# E-signing systems stamp the number and the day into signature widgets ('Số: 8977 /BNV-TCPCP',
# 'ngày 06 tháng 10'): page text leaves them out. The page is flattened (widgets drawn into the page)
# and each run of stamped characters is put back where it sits on its line.


def _has_widgets(page) -> bool:
    import pypdfium2.raw as raw

    count = raw.FPDFPage_GetAnnotCount(page.raw)
    for i in range(max(0, min(count, 200))):
        annotation = raw.FPDFPage_GetAnnot(page.raw, i)
        if not annotation:
            continue
        try:
            if raw.FPDFAnnot_GetSubtype(annotation) in (raw.FPDF_ANNOT_WIDGET, raw.FPDF_ANNOT_FREETEXT):
                return True
        finally:
            raw.FPDFPage_CloseAnnot(annotation)
    return False


def _lines_with_widget_text(document, index: int, height: float) -> list[PositionedLine] | None:
    """The page's lines with the widgets' text in place, or None when there is none to add."""
    page = document[index]
    try:
        textpage = page.get_textpage()
        original = textpage.get_text_range()
        count = textpage.count_chars()
        if count != len(original):
            return None
        chars = [(c, textpage.get_charbox(i)) for i, c in enumerate(symbol_glyphs(textpage, original))]
        textpage.close()
        if not page.formenv or page.flatten() == 0:  # FLATTEN_NOTHINGTODO
            return None
    finally:
        page.close()
    page = document[index]  # flattening invalidates the loaded page
    try:
        textpage = page.get_textpage()
        flattened = textpage.get_text_range()
        if textpage.count_chars() != len(flattened) or not flattened.startswith(original):
            return None
        stamped = [(c, textpage.get_charbox(i)) for i, c in enumerate(flattened) if i >= len(original)]
        textpage.close()
    finally:
        page.close()
    runs = _runs(stamped)
    if not runs:
        return None
    chars = [(c, b, False) for c, b in chars]
    for run_text, box in runs:
        _insert_run(chars, run_text, box)
    text = "".join(c for c, _, _ in chars)
    boxes = [b for _, b, _ in chars]
    return _split_lines(text, lambda i: boxes[i], height, stamped=[flag for _, _, flag in chars])


def _runs(stamped: list[tuple[str, tuple]]) -> list[tuple[str, tuple]]:
    """Stamped characters grouped into words on one baseline: (text, (left, bottom, right, top))."""
    runs: list[list] = []
    stamped = sorted((item for item in stamped if item[0].strip()), key=lambda item: (round(item[1][1] / 3), item[1][0]))
    for char, (left, bottom, right, top) in stamped:
        if not char.strip():
            continue
        if runs:
            text, (l0, b0, r0, t0) = runs[-1]
            gap = left - r0
            if abs(bottom - b0) <= 2 and -(top - bottom) * 0.5 <= gap <= max(2.0, (top - bottom) * 0.6):
                space = " " if gap > (top - bottom) * 0.33 else ""
                runs[-1] = [text + space + char, (l0, min(b0, bottom), right, max(t0, top))]
                continue
        runs.append([char, (left, bottom, right, top)])
    return [(text, tuple(box)) for text, box in runs]


def _insert_run(chars: list[tuple[str, tuple, bool]], text: str, box: tuple) -> None:
    left, bottom, right, top = box
    middle = (bottom + top) / 2
    same_line = [
        i for i, (c, (l, b, r, t), _) in enumerate(chars)
        if c not in "\r\n" and (r > l or t > b) and b - 1 <= middle <= t + 1
    ]
    before = [i for i in same_line if chars[i][1][0] < left - 0.5]
    if before:
        at = max(before, key=lambda i: chars[i][1][0]) + 1
    else:
        after = [i for i in same_line if chars[i][1][0] >= right - 1]
        if not after:
            chars.extend([("\n", box, True)] + [(c, box, True) for c in text])  # a line of its own
            return
        at = min(after, key=lambda i: chars[i][1][0])
    space_before = "" if at > 0 and chars[at - 1][0].isspace() else " "
    space_after = "" if at < len(chars) and chars[at][0].isspace() else " "
    chars[at:at] = [(c, box, True) for c in f"{space_before}{text}{space_after}"]


def _line_box(box_of, text: str, first: int, end: int, height: float):
    """(top, bottom, left, right) of a line as shares of the page height (from the top edge) and in points,
    from its first and last visible characters (a space's box is empty or off the line); `left` is where
    its first letter starts."""
    visible = [i for i in range(first, end) if not text[i].isspace()]
    boxes = []
    for index in (visible[0], visible[-1]) if visible else (first, end - 1):
        if 0 <= index < end:
            left, bottom, right, top = box_of(index)
            if right > left or top > bottom:
                boxes.append((left, bottom, right, top))
    if not boxes:
        return None
    top = max(b[3] for b in boxes)
    bottom = min(b[1] for b in boxes)
    return (height - top) / height, (height - bottom) / height, boxes[0][0], max(b[2] for b in boxes)


# --- furniture ---------------------------------------------------------------------------------------


def _remove_furniture(scans: list[_PageScan]) -> None:
    dropped = furniture_lines([scan.lines for scan in scans])
    for scan, indices in zip(scans, dropped):
        if indices:
            scan.furniture = [scan.lines[i].text for i in sorted(indices)]
            scan.lines = [line for i, line in enumerate(scan.lines) if i not in indices]


# --- tables ------------------------------------------------------------------------------------------


def _apply_tables(scans: list[_PageScan]) -> None:
    """Each table's loose cell lines replaced by its rows, each with its header cells; a table that
    continues on the next page without a header row takes the previous page's header."""
    previous_headers: tuple[int, list[str]] | None = None  # (page number, headers) of the last table
    for scan in scans:
        for bbox, rows in sorted(scan.grids, key=lambda g: g[0][1]):
            previous_headers = _render_table(scan, bbox, rows, previous_headers)
        scan.grids = []


def _merge_continuations(rows: list[list[str | None]], header_count: int) -> list[list[str | None]]:
    """A row whose first cell is blank under a numbered row continues it (a cell wrapped past a rule)."""
    merged = [list(r) for r in rows[:header_count]]
    for row in rows[header_count:]:
        lead = (row[0] or "").strip() if row else ""
        previous = merged[-1] if len(merged) > header_count else None
        if previous is not None and not lead and (previous[0] or "").strip()[:1].isdigit() and len(row) == len(previous):
            for i, value in enumerate(row):
                if value and value.strip():
                    previous[i] = f"{previous[i] or ''} {value}".strip() if previous[i] is not None else value
            continue
        merged.append(list(row))
    return merged


def _render_table(scan: _PageScan, bbox, rows, previous_headers):
    height = scan.height
    x0, top, x1, bottom = bbox
    inside = [
        i for i, line in enumerate(scan.lines)
        if line.top is not None and line.left is not None
        and top / height - 0.003 <= (line.top + line.bottom) / 2 <= bottom / height + 0.003
        and x0 - 2 <= (line.left + line.right) / 2 <= x1 + 2
    ]
    if not inside:
        return previous_headers
    continued = None
    if previous_headers and previous_headers[0] in (scan.number, scan.number - 1) and _starts_with_data(rows, previous_headers[1]):
        continued = previous_headers[1]
    header_count = 0 if continued is not None else _header_rows(rows)
    rows = _merge_continuations(rows, header_count)
    lines, headers = render_grid(rows, header_count=max(header_count, 1), headers=continued)
    if not lines or not headers:  # a frame around text, not a table: the loose lines read better
        return previous_headers
    dropped = set(inside)
    kept = [line for i, line in enumerate(scan.lines) if i not in dropped]
    position = inside[0]  # the rows go where the table's first loose line was
    scan.lines = kept[:position] + [PositionedLine(row, table=True) for row in lines] + kept[position:]
    scan.tables.append(lines)
    return scan.number, headers


def _header_rows(rows: list[list[str | None]]) -> int:
    """Two header rows when the first has merged cells (None) that the second one splits ('Kết quả' over
    'Kế hoạch | Thực hiện') while its first cell is blank (the 'STT' above spans both rows)."""
    first, second = rows[0], rows[1] if len(rows) > 1 else []
    if len(rows) > 2 and None in first[1:] and second and not (second[0] or "").strip():
        return 2
    return 1


def _starts_with_data(rows: list[list[str | None]], headers: list[str]) -> bool:
    """A table continued from the previous page: same width, and its first row is data (a number first)."""
    first = rows[0]
    if len(first) != len(headers):
        return False
    lead = (first[0] or "").strip().rstrip(".")
    return lead.isdigit() or (lead[:1].isdigit() and len(lead) <= 6)


# --- quality, legacy fonts and OCR ------------------------------------------------------------------


@dataclass
class _Decision:
    scan: _PageScan
    text: str
    legacy_font: str | None = None
    ocr_reason: str | None = None  # "scan" (no usable text layer) | "garbled" | "check" (poor OCR layer)
    ocr_layer: bool = False  # the text layer is itself an OCR result (invisible text over a scan)
    quality: TextQuality | None = None  # of `text`


def _decide(scan: _PageScan, recheck_layer_above: float = 0.0) -> _Decision:
    text = scan.text
    quality = text_quality(text)
    letters = scan.alnum
    drawn = scan.image_share >= SCANNED_IMAGE_SHARE or scan.paths >= VECTOR_GLYPH_PATHS
    if (letters < LITTLE_TEXT and drawn) or (letters == 0 and (scan.image_share > 0.05 or scan.paths > 20)):
        return _Decision(scan, text, ocr_reason="scan", quality=quality)
    if quality.judged >= MIN_WORDS_TO_JUDGE and quality.invalid_share > GARBLED:
        converted, encoding = fix_legacy_encoding(text)
        converted_quality = text_quality(converted) if encoding else None
        if converted_quality and converted_quality.invalid_share <= POOR:
            return _Decision(scan, converted, legacy_font=encoding, quality=converted_quality)
        return _Decision(scan, text, ocr_reason="garbled", quality=quality)
    ocr_layer = scan.image_share >= SCANNED_IMAGE_SHARE and scan.invisible_text >= 0.5
    if ocr_layer and quality.judged >= MIN_WORDS_TO_JUDGE and quality.invalid_share > recheck_layer_above:
        return _Decision(scan, text, ocr_reason="check", ocr_layer=True, quality=quality)  # read again, keep the better
    return _Decision(scan, text, ocr_layer=ocr_layer, quality=quality)


def _finish(name: str, document, scans: list[_PageScan], options: OcrOptions) -> PdfResult:
    decisions = [_decide(scan, options.recheck_layer_above) for scan in scans]
    total = len(scans)
    done = 0
    for decision in decisions:
        if decision.ocr_reason is None:
            done += 1
            page_stage("read", done, total)
    wanted = [d for d in decisions if d.ocr_reason]
    warnings: list[str] = []
    results: dict[int, ocr_engine.OcrResult] = {}
    problem = ocr_engine.unavailable_reason(options) if wanted else None
    if wanted and problem is None:
        if len(wanted) > options.max_pages:
            skipped = wanted[options.max_pages:]
            warnings.append(
                f"{len(skipped)} pages not read by OCR (over BAOCAO_OCR_MAX_PAGES={options.max_pages}): "
                f"{_page_list(d.scan.number for d in skipped)}"
            )
            wanted = wanted[: options.max_pages]
        page_stage("ocr", done, total)  # OCR starts: a page takes seconds, a poller should see it now
        for number, result in _ocr_pages(document, wanted, options, done, total):
            results[number] = result
        done = total
    pages = [_page(d, results.get(d.scan.number)) for d in decisions]
    if results and not any(any(c.isalnum() for c in p.text) for p in pages):
        errors = {r.error for r in results.values() if r.error}
        problem_text = f" ({sorted(errors)[0]})" if errors else ""
        raise IngestError(
            name, f"không tìm thấy chữ: các trang là ảnh và OCR không đọc được chữ nào{problem_text}",
            "hãy kiểm tra bản scan (thẳng, 300 dpi, không trắng), hoặc dùng tệp PDF có lớp chữ",
        )
    if wanted and problem is not None:
        _no_ocr_outcome(name, decisions, pages, problem, warnings)
    warnings.extend(_page_warnings(pages, results))
    return PdfResult(
        pages, warnings, ocr_pages=sum(p.ocr for p in pages), ocr_seconds=sum(r.seconds for r in results.values()),
    )


def _ocr_pages(document, wanted: list[_Decision], options: OcrOptions, done: int, total: int):
    """Render in this thread (pdfium is not thread-safe), read with up to `workers` Tesseract processes."""
    workers = max(1, options.workers)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending = []
        for decision in wanted:
            if decision.scan.huge_image:
                yield decision.scan.number, ocr_engine.OcrResult(
                    "", text_quality(""), 0.0, error="an embedded image is too large to render"
                )
                done += 1
                page_stage("ocr", done, total)
                continue
            page = document[decision.scan.number - 1]
            try:
                image = ocr_engine.render_page(page, options.dpi)
            finally:
                page.close()
            pending.append((decision.scan.number, pool.submit(ocr_engine.ocr_image, image, options)))
            del image
            while len(pending) >= workers:  # bounded memory: at most `workers` page images at a time
                number, future = pending.pop(0)
                yield number, future.result()
                done += 1
                page_stage("ocr", done, total)
        for number, future in pending:
            yield number, future.result()
            done += 1
            page_stage("ocr", done, total)


def _page(decision: _Decision, result: ocr_engine.OcrResult | None) -> Page:
    scan = decision.scan
    layer_quality = decision.quality or text_quality(decision.text)
    page = Page(
        number=scan.number, text=decision.text, quality=_share(layer_quality), legacy_font=decision.legacy_font,
        tables=scan.tables, furniture=scan.furniture, ocr=decision.ocr_layer,
    )
    if result is None:
        return page
    if result.error:
        page.warning = result.error
        return page
    keep_layer = decision.ocr_reason == "check" and not ocr_engine._better(result.quality, layer_quality)
    if decision.ocr_reason == "scan" and result.quality.judged == 0 and layer_quality.judged > 0:
        keep_layer = True  # OCR read nothing, the stamp text layer is all there is
    if keep_layer:
        return page
    page.text, page.ocr, page.quality, page.tables = result.text, True, _share(result.quality), []
    return page


def _share(quality) -> float | None:
    return round(quality.invalid_share, 4) if quality.judged else None


def _no_ocr_outcome(name: str, decisions: list[_Decision], pages: list[Page], problem: str, warnings: list[str]) -> None:
    scanned = [d for d in decisions if d.ocr_reason == "scan"]
    garbled = [d for d in decisions if d.ocr_reason == "garbled"]
    usable = [p for p, d in zip(pages, decisions) if d.ocr_reason in (None, "check") and p.text.strip()]
    if not usable:
        if garbled and not scanned:
            share = text_quality("\n".join(d.text for d in garbled)).invalid_share
            raise IngestError(
                name, f"lớp chữ bị lỗi ({share:.0%} âm tiết không hợp lệ) và không đọc lại được bằng OCR: {problem}",
                "hãy dùng tệp PDF có lớp chữ sạch, hoặc bật OCR",
            )
        raise IngestError(name, f"không có lớp chữ (bản scan?) và OCR không dùng được: {problem}", "hãy dùng tệp PDF có lớp chữ, hoặc bật OCR")
    if scanned:
        warnings.append(f"pages without a text layer not read ({problem}): {_page_list(d.scan.number for d in scanned)}")
    for page, decision in zip(pages, decisions):
        if decision.ocr_reason == "garbled":
            page.warning = f"garbled text layer kept ({problem})"


def _page_warnings(pages: list[Page], results: dict[int, ocr_engine.OcrResult]) -> list[str]:
    warnings = []
    read = [p for p in pages if p.number in results and p.ocr]
    if read:
        seconds = sum(r.seconds for r in results.values())
        warnings.append(f"read by OCR: {len(read)} of {len(pages)} pages ({seconds:.0f} s)")
    for page in pages:
        if page.warning or page.quality is None or page.quality <= POOR:
            continue
        if text_quality(page.text).judged < MIN_WORDS_TO_JUDGE:
            continue
        kind = "poor OCR" if page.ocr else "poor text layer"
        page.warning = f"{kind} ({page.quality:.1%} invalid syllables)"
    legacy = [p.number for p in pages if p.legacy_font]
    if legacy:
        fonts = sorted({p.legacy_font for p in pages if p.legacy_font})
        warnings.append(f"legacy font ({'/'.join(f.upper() for f in fonts)}) converted on pages {_page_list(legacy)}")
    by_kind: dict[str, list[Page]] = {}
    for page in pages:
        if page.warning:
            by_kind.setdefault(page.warning.split(" (")[0], []).append(page)
    for kind, flagged in by_kind.items():
        shares = [p.quality for p in flagged if p.quality is not None and "invalid syllables" in (p.warning or "")]
        detail = f" ({min(shares):.1%}-{max(shares):.1%} invalid syllables)" if len(shares) > 1 else ""
        label = f"page {flagged[0].number}: {flagged[0].warning}" if len(flagged) == 1 else (
            f"pages {_page_list(p.number for p in flagged)}: {kind}{detail}"
        )
        warnings.append(label)
    return warnings


def _page_list(numbers) -> str:
    numbers = sorted(set(numbers))
    ranges, start, last = [], None, None
    for n in numbers:
        if start is None:
            start = last = n
        elif n == last + 1:
            last = n
        else:
            ranges.append((start, last))
            start = last = n
    if start is not None:
        ranges.append((start, last))
    return ", ".join(f"{a}-{b}" if b > a else f"{a}" for a, b in ranges)


# --- fallback: pypdf ----------------------------------------------------------------------------------


def _read_with_pypdf(name: str, data: bytes) -> PdfResult:
    """Files pdfium refuses but pypdf reads (lenient parsing): text without positions, furniture by pattern only."""
    from pypdf import PasswordType, PdfReader

    started = time.monotonic()
    with _quiet_pypdf():
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                raise IngestError(name, "tệp PDF có mật khẩu", PASSWORD_HINT)
            count = len(reader.pages)
        except IngestError:
            raise
        except Exception as exc:
            raise pdf_failure(name, exc) from None
        if count == 0:
            raise IngestError(name, "tệp PDF không có trang nào", DOWNLOAD_AGAIN)
        pages = []
        for i, page in enumerate(reader.pages):
            try:
                text = page.extract_text() or ""
            except Exception as exc:
                raise pdf_failure(name, exc, page=i + 1) from None
            lines = [PositionedLine(clean_characters(t)) for t in text.splitlines() if t.strip()]
            scans = _PageScan(number=i + 1, lines=lines)
            pages.append(scans)
            page_stage("read", i + 1, count)
    _remove_furniture(pages)
    result = [
        Page(number=s.number, text=s.text, quality=_share(text_quality(s.text)), furniture=s.furniture)
        for s in pages
    ]
    log.info("%s: read with pypdf in %.1f s (pdfium could not parse it)", name, time.monotonic() - started)
    return PdfResult(result, [])


def pdf_failure(name: str, exc: Exception, page: int | None = None) -> IngestError:
    from pypdf.errors import DependencyError, FileNotDecryptedError

    if isinstance(exc, DependencyError):  # AES needs the `cryptography` package
        return IngestError(
            name, "tệp PDF được mã hóa AES nhưng thiếu gói 'cryptography'",
            "hãy chạy pip install cryptography, hoặc dùng bản không mã hóa",
        )
    if isinstance(exc, FileNotDecryptedError):
        return IngestError(name, "tệp PDF có mật khẩu", PASSWORD_HINT)
    problem = f"tệp PDF bị hỏng: không đọc được chữ của trang {page}" if page else "tệp PDF bị hỏng, không đọc được"
    return IngestError(name, problem, DOWNLOAD_AGAIN)


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

