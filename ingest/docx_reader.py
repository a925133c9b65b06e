"""DOCX into text in reading order: paragraphs with their Word list numbers, tables row by row with their
header cells (ingest/tables.py), native footnotes by the marker a reader sees. A form's box (one cell across
the table) is read as paragraphs, never as a header.

The package is checked and stripped before python-docx sees it (`safe_office_package`): sizes and
compression ratios of every entry, and no picture or embedded file is ever unpacked.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator

from baocao.ingest.models import IngestError
from baocao.ingest.sniff import WORD_DOCX, refuse_wrong_kind, sniff
from baocao.ingest.tables import column_headers, is_form_row, is_prose_cell, plain_rows, row_line

_MB = 1024 * 1024
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


def read_docx(name: str, data: bytes) -> tuple[str, list[list[str]], dict[str, str]]:
    """(body text, the rendered rows of each top-level table, footnotes by marker) of a DOCX package."""
    document = _open_docx(name, safe_office_package(name, data, "DOCX"))
    try:
        numbering = _Numbering(_related_xml(document, _NUMBERING_RELTYPE), _related_xml(document, _STYLES_RELTYPE))
        reader = _DocxReader(numbering)
        text = "\n".join(reader.body_lines(document.element.body))
        footnotes = reader.footnotes(_related_xml(document, _FOOTNOTES_RELTYPE))
    except Exception:  # malformed XML inside a valid zip
        raise IngestError(name, "tệp DOCX bị hỏng, không đọc được", RESAVE) from None
    return text, reader.tables, footnotes


# --- zip packages: bounded before anything is unpacked -------------------------------------------

MAX_ENTRIES = 10_000
RESAVE = "hãy lưu lại tệp bằng Word hoặc LibreOffice"
SPLIT = "hãy tách thành các tệp nhỏ hơn"
MAX_PART_MB = 64  # one XML part, unpacked (the largest real DOCX here has a 9 MB document.xml)
MAX_XML_MB = 128  # all XML parts together, unpacked
MAX_RATIO = 100  # unpacked / packed size of any entry over 1 MB (real XML parts pack 5-20x; bombs 1000x)
_XML_PART = (".xml", ".rels")


def safe_office_package(name: str, data: bytes, kind: str) -> bytes:
    """The package with every non-XML part (pictures, embedded files) emptied, after checking the sizes
    and compression ratio every entry declares: a zip bomb is refused before any byte is unpacked,
    and media parts are never unpacked at all. zipfile never returns more than an entry's declared size."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise IngestError(name, f"tệp {kind} bị hỏng (không phải gói zip hợp lệ)", RESAVE) from None
    if len(infos) > MAX_ENTRIES:
        raise IngestError(name, f"tệp {kind} có quá nhiều phần ({len(infos)}; có thể là bom nén, zip bomb)", RESAVE)
    xml_total = 0
    for info in infos:
        size_mb = info.file_size / _MB
        if info.file_size > _MB and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise IngestError(
                name, f"tệp {kind} có dấu hiệu là bom nén, zip bomb ('{_short(info.filename)}' giải nén ra gấp "
                f"{info.file_size // max(info.compress_size, 1):,} lần)", RESAVE,
            )
        if info.filename.lower().endswith(_XML_PART):
            if size_mb > MAX_PART_MB:
                raise IngestError(name, f"phần chữ của tệp {kind} quá lớn khi giải nén ({size_mb:.0f} MB trong một phần; giới hạn {MAX_PART_MB} MB)", SPLIT)
            xml_total += info.file_size
    if xml_total > MAX_XML_MB * _MB:
        raise IngestError(name, f"phần chữ của tệp {kind} quá lớn khi giải nén (hơn {MAX_XML_MB} MB)", SPLIT)
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as safe:
            for info in infos:
                if info.is_dir():
                    continue
                body = archive.read(info) if info.filename.lower().endswith(_XML_PART) else b""
                safe.writestr(info.filename, body)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
        raise IngestError(name, f"tệp {kind} bị hỏng (một phần không giải nén được)", RESAVE) from None
    return out.getvalue()


def _short(filename: str) -> str:
    return filename if len(filename) <= 60 else filename[:57] + "..."


def _open_docx(name: str, data: bytes):
    import docx  # imported here: `baocao --help` need not pay for python-docx

    try:
        return docx.Document(io.BytesIO(data))
    except Exception:
        kind = sniff(data)
        if kind not in (None, WORD_DOCX):
            raise refuse_wrong_kind(name, "DOCX", kind) from None
        raise IngestError(name, "tệp DOCX bị hỏng, không đọc được", RESAVE) from None


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
        self.tables: list[list[str]] = []  # rows of each top-level table, as rendered in the text

    # body ------------------------------------------------------------------
    def body_lines(self, body) -> list[str]:
        lines: list[str] = []
        for block in _blocks(body):
            if block.tag == _P:
                lines.append(self._paragraph_text(block))
            else:
                rows, data_rows = self._table(block)
                lines.extend(rows)
                if data_rows:  # a layout frame (header block, signature) is no data table
                    self.tables.append(data_rows)
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
        return self._table(table)[0]

    def _table(self, table) -> tuple[list[str], list[str]]:
        """(lines, those of them that are rows under a header). A banner row (one cell across the full width, as a form's
        'I. NỘI DUNG TRÌNH' box) is never a header: its paragraphs are lines of their own, like body paragraphs,
        and it splits the table into runs of rows, each read as a table of its own."""
        rows = [(self._row_cells(tr), _is_header_row(tr)) for tr in _rows(table)]
        if not any(lines for row, _ in rows for _, _, lines in row):
            return [], []
        width = max(start + span for row, _ in rows if any(lines for _, _, lines in row) for start, span, _ in row)
        if width == 1 or not any(_is_banner(row, width) for row, _ in rows):
            lines, has_header, _ = self._rows_lines(rows, width, max(1, _count_marked(rows)))
            return lines, lines if has_header else []
        segments: list[tuple[str, list]] = []  # ("rows", [(cells, marked), …]) and ("banner", cells), in order
        for row, marked in rows:
            if _is_banner(row, width):
                segments.append(("banner", row))
            elif segments and segments[-1][0] == "rows":
                segments[-1][1].append((row, marked))
            else:
                segments.append(("rows", [(row, marked)]))
        lines: list[str] = []
        data_rows: list[str] = []
        headers: list[str] | None = None  # a data table's header goes on over its banner rows ('I. Lĩnh vực …')
        for k, (what, content) in enumerate(segments):
            if what == "banner":
                lines.extend(line for line in _cell_lines(content) if line.strip())
                continue
            header_count = max(1, _count_marked(content))
            following = next((rows_ for what_, rows_ in segments[k + 1:] if what_ == "rows"), None)
            if headers is None and following and _heads(content, following, header_count):
                headers = column_headers([_plain(row) for row, _ in content], width)
                continue
            run_lines, has_header, headers = self._rows_lines(content, width, header_count, headers)
            lines.extend(run_lines)
            data_rows.extend(run_lines if has_header else [])
        return lines, data_rows

    def _rows_lines(self, rows: list, width: int, header_count: int,
                    headers: list[str] | None = None) -> tuple[list[str], bool, list[str] | None]:
        """(lines, whether they carry a header, the column headers): rows as `row_line`s under their header rows
        (or under `headers`, those of the rows above a banner); a frame (a header alone, or a first row holding
        prose that is not marked as a header) as plain rows, a prose cell's paragraphs as lines of their own."""
        cells = [[(start, span, _text(cell)) for start, span, cell in row] for row, _ in rows]
        kept = [(row, marked, cell_row) for (row, marked), cell_row in zip(rows, cells) if any(t for _, _, t in cell_row)]
        if not kept:
            return [], False, headers
        if headers is not None:
            return [line for _, _, row in kept if (line := row_line(row, headers))], True, headers
        header_rows = kept[:header_count]
        first, marked, first_cells = header_rows[0]
        if not marked and len(kept) > 1 and any(is_prose_cell(lines) for _, _, lines in first):
            return [line for row, _, _ in kept for line in _frame_row_lines(row)], False, None
        if width == 1 or len(kept) <= header_count or (not marked and is_form_row([t for _, _, t in first_cells])):
            return plain_rows([cell_row for _, _, cell_row in kept]), False, None
        headers = column_headers([cell_row for _, _, cell_row in header_rows], width)
        return [line for _, _, row in kept[header_count:] if (line := row_line(row, headers))], True, headers

    def _row_cells(self, tr) -> list[tuple[int, int, list[str]]]:
        """(first grid column, columns spanned, lines); a vertically merged continuation has no lines."""
        column = _int_val(tr.find(f"{_W}trPr/{_W}gridBefore"), 0)
        cells = []
        for tc in _cells(tr):
            span = _int_val(tc.find(f"{_W}tcPr/{_W}gridSpan"), 1)
            continues = _is_vmerge_continuation(tc)
            cells.append((column, span, [] if continues else self._cell_lines(tc)))
            column += span
        return cells

    def _cell_lines(self, tc) -> list[str]:
        """The cell's paragraphs (with their list numbers) and the row lines of any table inside it."""
        pieces = []
        for block in _blocks(tc):
            pieces.extend([self._paragraph_text(block)] if block.tag == _P else self._table_lines(block))
        return [p for p in pieces if p.strip()]

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


def _text(lines: list[str]) -> str:
    """A cell as one line: its paragraphs joined by spaces."""
    return " ".join(" ".join(p.split()) for p in lines)


def _is_banner(row: list[tuple[int, int, list[str]]], width: int) -> bool:
    """One cell with text, across the table's full width."""
    filled = [(start, span) for start, span, lines in row if lines]
    return width > 1 and len(filled) == 1 and filled[0][0] == 0 and filled[0][1] >= width


def _cell_lines(row: list[tuple[int, int, list[str]]]) -> list[str]:
    return [line for _, _, lines in row for line in lines]


def _frame_row_lines(row: list[tuple[int, int, list[str]]]) -> list[str]:
    """A layout frame's row: its short cells joined as a plain row, a prose cell's paragraphs as lines."""
    out: list[str] = []
    short: list[str] = []
    for _, _, lines in row:
        if not lines:
            continue
        if is_prose_cell(lines):
            if short:
                out.append("; ".join(short))
                short = []
            out.extend(lines)
        else:
            short.append(_text(lines))
    if short:
        out.append("; ".join(short))
    return out


def _plain(row: list[tuple[int, int, list[str]]]) -> list[tuple[int, int, str]]:
    return [(start, span, _text(lines)) for start, span, lines in row]


def _grid(row: list[tuple[int, int, list[str]]]) -> list[tuple[int, int]]:
    return [(start, span) for start, span, _ in row]


def _heads(rows: list, following: list, header_count: int) -> bool:
    """Rows that are only a header, with a banner under them ('STT | Nhiệm vụ | …' then 'I. LĨNH VỰC KINH TẾ'):
    they label the rows after the banner when those have the same cells, none of them a label of the header
    (an empty form repeats its header under each of its banners)."""
    filled = [row for row, _ in rows if any(lines for _, _, lines in row)]
    if not filled or len(filled) > header_count:
        return False
    last, marked = filled[-1], rows[0][1]
    if not marked and (any(is_prose_cell(lines) for _, _, lines in last) or is_form_row([t for _, _, t in _plain(last)])):
        return False
    first_data = next((row for row, _ in following if any(lines for _, _, lines in row)), None)
    if first_data is None or _grid(first_data) != _grid(last):
        return False
    labels = {text for _, _, text in _plain(last) if text}
    return not any(text in labels for _, _, text in _plain(first_data))


def _count_marked(rows: list) -> int:
    """The rows marked 'repeat as header row' at the top of `rows`."""
    count = 0
    for _, marked in rows:
        if not marked:
            break
        count += 1
    return count


def _is_header_row(tr) -> bool:
    marker = tr.find(f"{_W}trPr/{_W}tblHeader")
    return marker is not None and _is_on(marker.get(f"{_W}val"))


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
