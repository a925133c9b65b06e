"""Ruled tables of a PDF page: pdfplumber's table finder run on the ruling lines pdfium reads.

pdfplumber finds tables from the page's lines and rectangles (edges → intersections → cells →
tables). Getting those edges through pdfplumber means interpreting the whole page with pdfminer
(~1 s a page in pure Python); pdfium lists the page's path objects in milliseconds, so the edges are
built from them here and only pdfplumber's geometry functions are used. Cell text is read by pdfium
too, so a table says exactly what the page text says.
"""

from __future__ import annotations

import ctypes

THIN = 2.5  # points: a filled rectangle this thin is a rule
MIN_EDGE = 3.0
AXIS_SLACK = 0.5  # a segment this close to horizontal/vertical counts as one
TOLERANCE = 3  # pdfplumber's default snap/join/intersection tolerance


def find_tables(page, height: float) -> list:
    """pdfplumber `Table`s (bbox and rows of cell boxes, top-left origin in points) of a pypdfium2 page."""
    from pdfplumber.table import Table, cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges
    from pdfplumber.utils import filter_edges

    edges = page_edges(page, height)
    if len(edges) < 4:
        return []
    edges = merge_edges(edges, snap_x_tolerance=TOLERANCE, snap_y_tolerance=TOLERANCE,
                        join_x_tolerance=TOLERANCE, join_y_tolerance=TOLERANCE)
    edges = filter_edges(edges, min_length=MIN_EDGE)
    intersections = edges_to_intersections(edges, TOLERANCE, TOLERANCE)
    cells = intersections_to_cells(intersections)
    return [Table(None, group) for group in cells_to_tables(cells)]


def page_edges(page, height: float) -> list[dict]:
    import pypdfium2.raw as raw

    edges: list[dict] = []
    for obj in page.get_objects(max_depth=1):
        if obj.type != raw.FPDF_PAGEOBJ_PATH:
            continue
        stroked, filled = _visible_paint(obj)
        if not (stroked or filled):
            continue  # a white or unpainted box (a text frame's background) rules nothing
        left, bottom, right, top = obj.get_bounds()
        width, tall = right - left, top - bottom
        if width <= THIN and tall >= MIN_EDGE:
            edges.append(_edge((left + right) / 2, height - top, (left + right) / 2, height - bottom))
        elif tall <= THIN and width >= MIN_EDGE:
            edges.append(_edge(left, height - (top + bottom) / 2, right, height - (top + bottom) / 2))
        elif width >= MIN_EDGE and tall >= MIN_EDGE and stroked:
            edges.extend(_segment_edges(obj, height))
    return edges


_WHITE = 235  # a paint lighter than this in every channel is not visible on white paper


def _visible_paint(obj) -> tuple[bool, bool]:
    """(draws a visible stroke, has a visible fill)."""
    import pypdfium2.raw as raw

    mode, stroke = ctypes.c_int(), ctypes.c_int()
    if not raw.FPDFPath_GetDrawMode(obj.raw, ctypes.byref(mode), ctypes.byref(stroke)):
        return True, True
    return bool(stroke.value) and _dark(raw.FPDFPageObj_GetStrokeColor, obj), mode.value != 0 and _dark(raw.FPDFPageObj_GetFillColor, obj)


def _dark(getter, obj) -> bool:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not getter(obj.raw, ctypes.byref(r), ctypes.byref(g), ctypes.byref(b), ctypes.byref(a)):
        return True
    return a.value > 0 and min(r.value, g.value, b.value) < _WHITE


def _segment_edges(obj, height: float) -> list[dict]:
    """The axis-aligned straight segments of a path (a grid drawn as one path, or a rectangle)."""
    import pypdfium2.raw as raw

    matrix = obj.get_matrix()
    a, b, c, d, e, f = matrix.get()
    count = raw.FPDFPath_CountSegments(obj.raw)
    if count <= 0 or count > 20_000:
        return []
    x, y = ctypes.c_float(), ctypes.c_float()
    edges: list[dict] = []
    start = previous = None
    for i in range(count):
        segment = raw.FPDFPath_GetPathSegment(obj.raw, i)
        if not segment or not raw.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y)):
            continue
        point = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        kind = raw.FPDFPathSegment_GetType(segment)
        if kind == raw.FPDF_SEGMENT_MOVETO:
            start = previous = point
            continue
        if previous is not None and kind == raw.FPDF_SEGMENT_LINETO:
            _add_segment(edges, previous, point, height)
        if raw.FPDFPathSegment_GetClose(segment) and start is not None:
            _add_segment(edges, point, start, height)
        previous = point
    return edges


def _add_segment(edges: list[dict], p0, p1, height: float) -> None:
    (x0, y0), (x1, y1) = p0, p1
    if abs(x0 - x1) <= AXIS_SLACK and abs(y0 - y1) >= MIN_EDGE:
        x = (x0 + x1) / 2
        edges.append(_edge(x, height - max(y0, y1), x, height - min(y0, y1)))
    elif abs(y0 - y1) <= AXIS_SLACK and abs(x0 - x1) >= MIN_EDGE:
        y = height - (y0 + y1) / 2
        edges.append(_edge(min(x0, x1), y, max(x0, x1), y))


def _edge(x0: float, top: float, x1: float, bottom: float) -> dict:
    vertical = abs(x1 - x0) < abs(bottom - top)
    return {
        "object_type": "line", "orientation": "v" if vertical else "h",
        "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
        "width": x1 - x0, "height": bottom - top,
    }
