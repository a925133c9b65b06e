"""ingest/pdf.py: raised note numbers that pdfium puts on a line of their own go back on their visual line,
and the twin bench's `same_words` measure folds spelling and layout, never words."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fixtures_files import DEJAVU_FONT

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.realdocs import same_words  # noqa: E402
from baocao.ingest.cleanup import PositionedLine  # noqa: E402
from baocao.ingest.loaders import load_file  # noqa: E402
from baocao.ingest.ocr import OcrOptions  # noqa: E402
from baocao.ingest.pdf import _split_lines, join_raised_markers  # noqa: E402
from baocao.ingest.pipeline import process  # noqa: E402

HEIGHT = 842.0  # an A4 page in points


def line(text: str, top: float, bottom: float, left: float, right: float) -> PositionedLine:
    """A line placed in points from the top edge, stored as the reader stores it (shares of the height)."""
    return PositionedLine(text, top / HEIGHT, bottom / HEIGHT, left, right)


# --- the join, on placed lines ----------------------------------------------------------------------


def test_a_raised_number_opens_the_note_beside_it():
    lines = [line("(Chữ ký, họ tên) ", 660, 672, 350, 470),
             line("1", 688, 693, 65, 67), line(" Tên đơn vị đề nghị (ghi đầy đủ).", 688, 698, 68, 356)]

    assert [l.text for l in join_raised_markers(lines, HEIGHT)] == [
        "(Chữ ký, họ tên) ", "1 Tên đơn vị đề nghị (ghi đầy đủ)."]


def test_a_raised_marker_stays_glued_to_its_word_and_the_line_goes_on():
    lines = [line("Theo Kế hoạch số 12 của tỉnh", 297, 306, 87, 391), line("1", 294, 300, 393, 396),
             line(" ban hành ngày 5 tháng 3", 297, 306, 397, 535), line("Các sở thực hiện", 320, 330, 87, 300)]

    assert [l.text for l in join_raised_markers(lines, HEIGHT)] == [
        "Theo Kế hoạch số 12 của tỉnh1 ban hành ngày 5 tháng 3", "Các sở thực hiện"]


def test_the_line_pdfium_breaks_after_a_glued_marker_goes_on_without_a_space():
    # pdfium kept the raised '6' on its line, then broke the line where the baseline came back down
    lines = [line("Số điện thoại (nếu có)4", 408, 414, 64, 257.3),
             line(": ..............................", 414, 420, 258.8, 529), line("Địa chỉ", 430, 440, 64, 160)]

    assert [l.text for l in join_raised_markers(lines, HEIGHT)] == [
        "Số điện thoại (nếu có)4: ..............................", "Địa chỉ"]


def test_a_marker_above_a_band_measured_on_low_letters_still_joins():
    # the band of 'của đơn vị...' comes from its end letters ('c', '.'): the raised number sits just above it
    lines = [line("tên của đơn vị...", 316.0, 322.6, 64, 350), line("2", 310.0, 315.9, 351, 355)]

    assert [l.text for l in join_raised_markers(lines, HEIGHT)] == ["tên của đơn vị...2"]


@pytest.mark.parametrize("lines", [
    # column numbers of a table header, one under the other: separate rows
    [line("Ghi chú ", 471, 481, 482, 520), line("1 ", 490, 500, 80, 89), line("2 ", 509, 518, 79, 89)],
    # a page number centred under the last line
    [line("các cơ quan có liên quan thực hiện.", 700, 710, 60, 300), line("12", 780, 788, 290, 300)],
    # a number in the next column of the same row, far from the text
    [line("Tổng số", 300, 310, 60, 110), line("25", 300, 310, 400, 412)],
])
def test_numbers_off_the_visual_line_or_across_a_column_gap_stay_apart(lines):
    assert [l.text for l in join_raised_markers(list(lines), HEIGHT)] == [l.text for l in lines]


def test_numbers_without_positions_stay_apart():
    lines = [PositionedLine("1"), PositionedLine(" Tên đơn vị.")]

    assert [l.text for l in join_raised_markers(lines, HEIGHT)] == ["1", " Tên đơn vị."]


def test_a_line_band_comes_from_its_letters_not_its_spaces():
    text = " Tên đơn vị báo cáo. "
    boxes = {i: (68.0 + 5 * i, 140.0, 72.0 + 5 * i, 152.0) for i in range(len(text))}
    boxes[0] = boxes[len(text) - 1] = (67.6, 142.3, 67.6, 142.3)  # pdfium's empty box of a space

    (placed,) = _split_lines(text, boxes.__getitem__, HEIGHT)

    assert placed.top == pytest.approx((HEIGHT - 152.0) / HEIGHT) and placed.bottom == pytest.approx((HEIGHT - 140.0) / HEIGHT)


def test_a_number_left_at_the_end_of_a_line_it_sits_under_opens_the_next_note():
    # pdfium's text: the raised '7' of the next note ends note 6's line although it sits under it
    text = " tên của đơn vị. 7\r\n Địa chỉ nơi đặt trụ sở chính."
    seven, second = text.index("7"), text.index("\n") + 1
    boxes = {}
    for i in range(len(text)):  # PDF y grows upwards: the first visual line at 330-342, the next at 316-328
        boxes[i] = (90.0 + 5 * i, 330.0, 94.0 + 5 * i, 342.0) if i < seven else (
            86.0 + 5 * (i - second), 316.0, 90.0 + 5 * (i - second), 328.0)
    boxes[seven] = (87.0, 322.0, 90.0, 328.5)  # the '7', raised on the second visual line, at the margin

    lines = _split_lines(text, boxes.__getitem__, HEIGHT)

    assert [l.text for l in lines] == [" tên của đơn vị. ", "7 Địa chỉ nơi đặt trụ sở chính."]



@pytest.mark.parametrize("mark", ["\x02", "\ufffe"])
def test_pdfiums_hyphen_at_a_line_break_is_the_printed_hyphen(mark):
    # U+FFFE where pdfium joined the two lines of a code cut at its hyphen: dropped, 'NĐ-CP' read 'NĐCP'
    text = f"theo Nghị định số 45/2023/NĐ{mark}CP và Công văn số 118/STP{mark}HCTP của Sở.\r\n"

    assert [l.text for l in _split_lines(text, None, HEIGHT)] == [
        "theo Nghị định số 45/2023/NĐ-CP và Công văn số 118/STP-HCTP của Sở."]

# --- the join, in a PDF ------------------------------------------------------------------------------


def raised(pdf, text: str, size: float) -> None:
    """`text` in a smaller font, raised well above the baseline: pdfium gives it a line of its own."""
    pdf.set_font("DejaVu", size=size * 0.6)
    x, y = pdf.get_x(), pdf.get_y()
    pdf.set_xy(x, y - size * 0.3)
    pdf.cell(pdf.get_string_width(text), size * 0.5, text)
    pdf.set_xy(pdf.get_x(), y)
    pdf.set_font("DejaVu", size=size)


def noted_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", fname=str(DEJAVU_FONT))
    pdf.add_page()
    pdf.set_font("DejaVu", size=12)
    pdf.set_xy(20, 40)
    opening = "Căn cứ Quyết định số 12/QĐ-UBND của Ủy ban nhân dân tỉnh"
    pdf.cell(pdf.get_string_width(opening), 6, opening)
    raised(pdf, "1", 12)
    pdf.cell(60, 6, " Bộ Tư pháp ban hành quy chế phối hợp.")
    pdf.set_xy(20, 250)
    raised(pdf, "1", 12)
    pdf.cell(150, 6, " Tên đơn vị chủ trì báo cáo kết quả thực hiện.")
    path.write_bytes(bytes(pdf.output()))
    return path


def test_a_pdf_note_keeps_its_number_and_its_marker_stays_in_the_sentence(tmp_path):
    doc = process(load_file(noted_pdf(tmp_path / "ghi-chu.pdf"), ocr=OcrOptions(enabled=False)))

    text = " ".join("\n".join(c.text for c in doc.chunks).split())
    assert "tỉnh1 Bộ Tư pháp ban hành quy chế phối hợp." in text or "tỉnh¹ Bộ Tư pháp ban hành quy chế phối hợp." in text
    assert "Tên đơn vị chủ trì báo cáo kết quả thực hiện." in text
    notes = [c for c in doc.chunks if c.kind == "footnote"]
    assert notes or "1 Tên đơn vị chủ trì báo cáo" in text  # a note with its number, linked or not


# --- symbol-font glyphs ------------------------------------------------------------------------------


def _contour(pen, corners) -> None:
    pen.moveTo(corners[0])
    for point in corners[1:]:
        pen.lineTo(point)
    pen.closePath()


def symbol_font(path: Path) -> Path:
    """A symbol font as a form's checkboxes come in: its glyphs sit at control codes (U+0085 an empty box,
    U+0086 a tick drawn with a diagonal) that mean nothing as text."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "space", "box", "tick"])
    builder.setupCharacterMap({0x20: "space", 0x85: "box", 0x86: "tick"})
    box, tick = TTGlyphPen(None), TTGlyphPen(None)
    _contour(box, [(60, 0), (60, 580), (640, 580), (640, 0)])
    _contour(box, [(120, 60), (580, 60), (580, 520), (120, 520)])
    _contour(tick, [(60, 300), (250, 0), (640, 580), (250, 100)])
    glyphs = {".notdef": TTGlyphPen(None).glyph(), "space": TTGlyphPen(None).glyph(), "box": box.glyph(), "tick": tick.glyph()}
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics({name: (700, 0) for name in glyphs})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Hop kiem", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    builder.save(str(path))
    return path


def checkbox_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", fname=str(DEJAVU_FONT))
    pdf.add_font("Symbols", fname=str(symbol_font(path.with_suffix(".ttf"))))
    pdf.add_page()
    rows = [("\x85", " Đã nộp đủ hồ sơ theo quy định của Sở."), ("\x86", " Chưa nộp bản sao giấy chứng nhận.")]
    for i, (mark, text) in enumerate(rows):
        pdf.set_xy(20, 40 + 10 * i)
        pdf.set_font("Symbols", size=12)
        pdf.cell(pdf.get_string_width(mark), 6, mark)
        pdf.set_font("DejaVu", size=12)
        pdf.cell(150, 6, text)
    path.write_bytes(bytes(pdf.output()))
    return path


def test_a_checkbox_glyph_of_a_symbol_font_is_read_by_its_outline(tmp_path):
    page = load_file(checkbox_pdf(tmp_path / "hop-kiem.pdf"), ocr=OcrOptions(enabled=False)).pages[0]

    lines = [" ".join(line.split()) for line in page.text.splitlines() if line.strip()]
    assert lines == ["□ Đã nộp đủ hồ sơ theo quy định của Sở.", "Chưa nộp bản sao giấy chứng nhận."]  # a tick is no box


SQUARE = [(0, 0), (0, 10), (10, 10), (10, 0), (0, 0)]


@pytest.mark.parametrize(("contours", "shape"), [
    ([SQUARE, [(2, 2), (8, 2), (8, 8), (2, 8), (2, 2)]], "□"),
    ([SQUARE], "■"),
    ([SQUARE, [(12, 0), (12, 10), (20, 10), (20, 0)]], None),  # two boxes side by side
    ([[(0, 0), (5, 10), (10, 0), (0, 0)]], None),  # a triangle
    ([[(0, 0), (0, 10), (5, 12), (10, 10), (10, 0)]], None),  # a house
])
def test_only_rectangles_read_as_boxes(contours, shape):
    from baocao.ingest.pdf import outline_box

    assert outline_box(contours) == shape


# --- the bench's measure -----------------------------------------------------------------------------


def test_same_words_folds_case_tone_placement_quotes_and_leaders():
    assert same_words("các xã thuộc thủ đô, chương trình hòa nhập") == same_words(
        "các xã thuộc Thủ đô, chương trình hoà nhập")
    assert same_words("the Province’s Plan No. ...../2025 dated......") == same_words("the Province's Plan No.../2025 dated…")


@pytest.mark.parametrize(("a", "b"), [
    ("báo cáo kết quả theo khoản 1", "báo cáo kết quả theo theo khoản 1"),
    ("nhà văn hóa, sân thể thao", "nhà văn hóa, thể thao"),
    ("Người lập biểu (Ký); THỦ TRƯỞNG", "Người lập biểu (Ký) THỦ TRƯỞNG"),
])
def test_same_words_never_folds_a_word_or_a_mark_away(a, b):
    assert same_words(a) not in same_words(b)


# --- the real Công báo twin (../shared/realdocs), when present ----------------------------------------

REALDOCS = ROOT.parent / "shared" / "realdocs"
CONG_BAO = REALDOCS / "legal" / "nghi-dinh-105-2021-ND-CP_congbao.pdf"


@pytest.mark.skipif(not CONG_BAO.is_file(), reason=f"the real Công báo twin is not here ({CONG_BAO}): ../shared/realdocs is absent")
def test_real_cong_bao_form_notes_keep_their_numbers():
    doc = load_file(CONG_BAO, ocr=OcrOptions(enabled=False))

    lines = [" ".join(l.split()) for p in doc.pages for l in p.text.splitlines()]
    numbered = [l for l in lines if l[:2] in ("1 ", "2 ", "4 ", "5 ", "6 ") and "Cơ quan" in l]
    assert len(numbered) >= 6  # each form's notes, each opening with its number
    assert not [l for l in lines if l in ("1", "2", "4", "5", "6")]  # no note number left alone on its line


@pytest.mark.skipif(not CONG_BAO.is_file(), reason=f"the real Công báo twin is not here ({CONG_BAO}): ../shared/realdocs is absent")
def test_real_cong_bao_twin_recovers_the_docx_body():
    from bench.realdocs import TWINS, measure, twin_recovery

    reference = "legal/nghi-dinh-105-2021-ND-CP.docx"
    docs = {name: measure(REALDOCS / name)[1] for name in (reference, *TWINS[reference])}
    (row,) = twin_recovery({name: doc for name, doc in docs.items()})[-1:]

    assert row["version"].endswith("_congbao.pdf")
    assert row["body_recovered_verbatim"] >= 598 and row["body_same_words_share"] >= 0.985
