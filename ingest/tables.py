"""The one way a table row becomes text: every cell with its column header.

    STT: 3; Đơn vị: Sở Y tế; Điểm: 85,5; Xếp hạng: 12

A row is one line, cells joined by "; ", each as "header: value" (a cell without a header is its
value alone; an empty cell is left out). Stacked header rows label a column as "Kết quả / Kế hoạch".
DOCX tables, PDF tables (pdfplumber) and spreadsheets all render rows this way, and `Page.tables`
lists the rows of each table, so the chunker can keep a row with its header and never wrap it.
"""

from __future__ import annotations

import re

Cell = tuple[int, int, str]  # (first grid column, columns spanned, text)

_SPACES = re.compile(r"\s+")


def cell_text(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip()


def column_headers(header_rows: list[list[Cell]], width: int) -> list[str]:
    """One label per grid column; stacked header rows join as 'Kết quả / Kế hoạch'."""
    labels: list[list[str]] = [[] for _ in range(width)]
    for row in header_rows:
        for start, span, text in row:
            for column in range(start, min(start + span, width)):
                if text and text not in labels[column]:
                    labels[column].append(text)
    return [" / ".join(parts) for parts in labels]


def row_line(row: list[Cell], headers: list[str]) -> str:
    parts = []
    for start, span, text in row:
        if not text:  # empty, or the continuation of a vertically merged cell: not repeated
            continue
        header = " / ".join(dict.fromkeys(h for h in headers[start : start + span] if h))
        parts.append(f"{header}: {text}" if header else text)
    return "; ".join(parts)


PROSE_CELL_CHARS = 200  # longer than any column label: a cell this long holds a paragraph, not a header
PROSE_CELL_PARAGRAPHS = 4  # a column label wraps onto two or three lines, a signature box has four or more


def is_prose_cell(paragraphs: list[str]) -> bool:
    """A cell of running text or a box of lines (a form's sections and items, a signature), which no column
    header ever is; `paragraphs` are the cell's non-empty paragraphs."""
    return len(paragraphs) >= PROSE_CELL_PARAGRAPHS or len(" ".join(map(cell_text, paragraphs))) > PROSE_CELL_CHARS


_ROW_NUMBER = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3})*[a-zđ]?|[IVXLC]{1,6})[.)]?$")


def is_form_row(cells: list[str]) -> bool:
    """A row of a form, not of column labels: it holds a row number ('1', '1a', 'II.') or a field label
    ending with ':' ('Họ và tên:'), which no column header is."""
    return any(_ROW_NUMBER.match(text) or text.endswith(":") for text in map(cell_text, cells) if text)


def plain_rows(rows: list[list[Cell]]) -> list[str]:
    """A frame or a header alone: no header to repeat."""
    return ["; ".join(text for _, _, text in row if text) for row in rows]


def grid_cells(values: list[str | None]) -> list[Cell]:
    """A row from a grid where None marks a cell merged into the one on its left (pdfplumber, openpyxl)."""
    cells: list[Cell] = []
    for column, value in enumerate(values):
        if value is None and cells:
            start, span, text = cells[-1]
            cells[-1] = (start, span + 1, text)
        else:
            cells.append((column, 1, cell_text(value)))
    return cells


def render_grid(rows: list[list[str | None]], header_count: int = 1, headers: list[str] | None = None) -> tuple[list[str], list[str]]:
    """(row lines, the column headers used) for a grid table; `headers` continues a table from a previous page."""
    cells = [grid_cells(r) for r in rows]
    cells = [r for r in cells if any(text for _, _, text in r)]
    if not cells:
        return [], headers or []
    width = max(start + span for row in cells for start, span, _ in row)
    if headers is None:
        if width == 1 or len(cells) <= header_count:
            return plain_rows(cells), []
        headers = column_headers(cells[:header_count], width)
        cells = cells[header_count:]
    headers = (headers + [""] * width)[:width]
    return [line for row in cells if (line := row_line(row, headers))], headers
