"""What Tesseract is given: a table's borders removed, the page scaled to its text-line height, a local
binarization for phone photos (ingest/ocr.py). Real Tesseract on synthetic page images."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from fixtures_files import DEJAVU_FONT
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from baocao.ingest.ocr import OcrOptions, fit_line_height, line_height, ocr_image, remove_rules

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed (make runtime-deps)")

ROWS = [("1", "Thu hội phí hội viên", "2,096,584,751"), ("2", "Chi hỗ trợ hoạt động", "1,114,916,996"),
        ("3", "Chi tổ chức đại hội", "824,534,631"), ("4", "Thu lãi tiền gửi ngân hàng", "57,556,069"),
        ("5", "Chi văn phòng phẩm", "2,366,602,028"), ("6", "Chi công tác phí", "1,007,443,827")]

LINES = [
    "Ủy ban nhân dân tỉnh Lâm Đồng báo cáo kết quả thực hiện nhiệm vụ chuyển đổi số",
    "năm 2025. Tính đến hết ngày 26/3/2025, các sở, ngành đã triển khai các nhiệm vụ",
    "được giao đúng thời hạn; Sở Tài chính chủ trì, phối hợp với các cơ quan liên quan",
    "tổng hợp kinh phí thực hiện và báo cáo Ủy ban nhân dân tỉnh trước ngày 15 tháng 12.",
]


def table_page() -> Image.Image:
    """A bordered table as a report prints it: STT | Diễn giải | Số tiền, comma thousands."""
    page = Image.new("L", (1700, 2300), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(DEJAVU_FONT), 30)
    columns = [110, 230, 1130, 1590]
    for k, row in enumerate([("STT", "Diễn giải", "Số tiền"), *ROWS]):
        top = 220 + 70 * k
        for c, cell in enumerate(row):
            draw.rectangle((columns[c], top, columns[c + 1], top + 70), outline=0, width=3)
            draw.text((columns[c] + 15, top + 18), cell, font=font, fill=0)
    return page


def photo_page() -> Image.Image:
    """Text photographed by a phone: grey paper lit from one side, tilted 3°, blurred, noisy."""
    page = Image.new("L", (1700, 1000), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(DEJAVU_FONT), 34)
    for n, line in enumerate(LINES * 2):
        draw.text((80, 80 + 52 * n), line, font=font, fill=0)
    page = page.rotate(3, resample=Image.BICUBIC, expand=True, fillcolor=255)
    pixels = np.asarray(page, dtype=np.float32)
    yy, xx = np.mgrid[0:pixels.shape[0], 0:pixels.shape[1]]
    shade = 1 - 0.45 * (xx / pixels.shape[1]) * (0.5 + yy / pixels.shape[0])
    pixels = 40 + pixels * 0.75 * shade + np.random.default_rng(0).normal(0, 8, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.0))


def words(text: str) -> str:
    return " ".join(text.split())


@needs_tesseract
def test_the_cells_of_a_bordered_table_are_read():
    text = words(ocr_image(table_page(), OcrOptions(cache_dir=None, remove_rules=True)).text)

    assert all(amount in text for _, _, amount in ROWS)
    assert "Thu lãi tiền gửi ngân hàng" in text
    bordered = words(ocr_image(table_page(), OcrOptions(cache_dir=None)).text)
    # with its borders Tesseract takes most of the table for a picture: half the amounts are lost
    assert sum(amount in bordered for _, _, amount in ROWS) <= len(ROWS) // 2


def test_only_a_table_page_has_its_lines_removed():
    table = np.asarray(remove_rules(table_page()))
    assert table[220 + 70, 600] == 255 and table[400, 230] == 255  # a row's border, a column's border
    assert (table < 128).sum() > 0.5 * (np.asarray(table_page()) < 128).sum() - (table == 255).sum()  # the letters stay
    prose = Image.new("L", (1700, 2300), 255)
    ImageDraw.Draw(prose).line((100, 300, 900, 300), fill=0, width=3)  # an underline, no table
    assert remove_rules(prose) is prose


@needs_tesseract
def test_a_shadowed_phone_photo_is_read_with_a_local_threshold():
    text = words(ocr_image(photo_page(), OcrOptions(cache_dir=None, correct=False, threshold="sauvola")).text)

    assert sum(line in text for line in LINES) >= 3
    global_level = words(ocr_image(photo_page(), OcrOptions(cache_dir=None, correct=False, threshold="otsu")).text)
    assert sum(line in global_level for line in LINES) < sum(line in text for line in LINES)


def test_a_page_is_scaled_down_to_its_line_height_and_never_up():
    page = Image.new("L", (1700, 2300), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(DEJAVU_FONT), 40)
    for n in range(20):
        draw.text((100, 100 + 80 * n), LINES[n % 4][:50], font=font, fill=0)
    height = line_height(page)
    assert 25 <= height <= 55

    smaller = fit_line_height(page, 22)
    assert abs(line_height(smaller) - 22) <= 3 and smaller.width < page.width
    assert fit_line_height(smaller, 40) is smaller  # small text is never enlarged
    assert fit_line_height(page, 0) is page  # 0: the render's size
    assert line_height(Image.new("L", (500, 500), 255)) == 0.0  # nothing to measure: left as it is
