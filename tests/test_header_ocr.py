"""OCR errors in the header block of scanned documents: repaired inside the header's fields only.

Unit cases are constructed header lines with the errors Tesseract makes on scans (a stamp over the
header, `Sé:` for `Số:`, letters for digits, `TÍNH` for `TỈNH`, two columns on one line); the real scans
in ../shared/realdocs are read when present.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from baocao.ingest.header_repair import (
    is_motto_fragment, is_stamp_line, read_digits, repair_body, repair_date, repair_label, repair_number,
)
from baocao.ingest.metadata import issuer_from_bodies, read_header
from baocao.ingest.models import Page, RawDocument
from baocao.ingest.pipeline import ingest_file, process

REALDOCS = Path(__file__).resolve().parents[1].parent / "shared" / "realdocs"
needs_scans = [
    pytest.mark.skipif(not REALDOCS.is_dir(), reason="../shared/realdocs is not present"),
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed (make runtime-deps)"),
]


def test_an_ocr_header_with_a_stamp_a_misread_label_and_handwritten_fields():
    header = read_header([
        "SAO Y; SỞ Y TẾ TỈNH KHÁNH HÒA; 03/02/2025; 10:11:12: +07:00",  # the copy stamp over the header
        "UBND TỈNHKHÁNHHÒÀ CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "SỞ Y TẾ Độc Lập - Tự Do - Hạnh Phúc",
        "Sé: 6Z /TIr- SYT Khánh Hoà, ngày cŠ tháng 2 năm 2O25",
        "TỜ TRÌNH",
    ])
    assert header.bodies == ["UBND TỈNH KHÁNH HÒA", "SỞ Y TẾ"]
    assert header.number == "/TTr-SYT"  # a handwritten number OCR reads as letters is left blank, not guessed
    assert header.date == "2025-02" and header.place == "Khánh Hòa"
    assert issuer_from_bodies(header.bodies, "")[0] == "Sở Y tế tỉnh Khánh Hòa"


def test_a_signature_stamp_and_motto_fragments_above_the_header_are_no_bodies():
    header = read_header([
        "Ký bởi: Ủy ban nhân dân tỉnh Đắk Lắk",
        "đề, Cơ quan phát hành: ỦY BAN NHÂN DÂN TỈNH ĐẮK LẮK",
        "LÙ NGHĨA VIỆT NAM",  # what the stamp left of the motto
        "đơ - Hạnh phúc",
        "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ H 0T",
        "TỈNH ĐẮK LẮC Độc lập - Tự",
        "Số: 215/QĐ-UBND Đắk Lắk, ngày 14 tháng 10 năm 2025",
    ])
    assert header.bodies == ["ỦY BAN NHÂN DÂN TỈNH ĐẮK LẮK"]
    assert (header.number, header.date) == ("215/QĐ-UBND", "2025-10-14")


def test_digits_are_read_from_a_typed_field_and_never_guessed_from_a_handwritten_one():
    assert read_digits("2O25") == "2025" and read_digits("1O52") == "1052"
    assert read_digits("44Z") is None  # one letter in three: handwriting, a guess would be a wrong number
    assert read_digits("3#") is None and read_digits("c9") is None
    assert repair_number("Số: 1O52/QD-UBND") == "Số: 1052/QĐ-UBND"
    assert repair_number("Số: 105/2O21/NĐ-CP") == "Số: 105/2021/NĐ-CP"
    assert repair_number("Số: /TTr - SNV") == "Số: /TTr-SNV"
    assert repair_number("Số: 130-12/PT-NC") == "Số: 130-12/PT-NC"  # a hyphenated number is no misreading
    assert repair_label("Luật sổ: 73/2021/QH14") == "Luật số: 73/2021/QH14"


def test_an_unreadable_day_is_a_blank_and_a_readable_one_stays():
    assert repair_date("Hà Nội, ngày cŠ Ÿ tháng _ năm 2023") == "Hà Nội, ngày … tháng … năm 2023"
    assert repair_date("ngày19 tháng12 năm 2025") == "ngày 19 tháng 12 năm 2025"


@pytest.mark.parametrize("ocr, body", [
    ("BỘ CÔNGAN", "BỘ CÔNG AN"),
    ("QUÓC H ộĩ", "QUỐC HỘI"),
    ("SỞ NÔNG NGHIỆP VÀ MÔITRƯỜNG", "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"),
    ("BỘ Y TẾ VIỆT NAM", "BỘ Y TẾ"),  # the motto's last words read into the left column
    ("SUBND TỈNH ĐẮK LẮK", "UBND TỈNH ĐẮK LẮK"),
    ("CÔNG AN TÍNH ĐẮK LẮC", "CÔNG AN TỈNH ĐẮK LẮK"),
    ("BỘ CHỈ HUY QUÂN SỰ TỈNH ĐẮK LẮK", "BỘ CHỈ HUY QUÂN SỰ TỈNH ĐẮK LẮK"),  # QUÂN is no misread QUẬN
    ("HỘI CHỮ THẬP ĐỎ VIỆT NAM", "HỘI CHỮ THẬP ĐỎ VIỆT NAM"),
])
def test_bodies_are_matched_against_the_known_names(ocr, body):
    assert repair_body(ocr) == body


def test_motto_fragments_and_stamps_are_told_from_header_fields():
    assert is_motto_fragment("LÙ NGHĨA VIỆT NAM") and is_motto_fragment("đơ - Hạnh phúc")
    assert not is_motto_fragment("CÔNG NGHỆ VIỆT NAM") and not is_motto_fragment("HỘI CHỮ THẬP ĐỎ VIỆT NAM")
    assert is_stamp_line("đề, Cơ quan phát hành: BỘ Y TẾ") and is_stamp_line("Email: vanthu@example.vn")
    assert not is_stamp_line("Kính gửi: Sở Y tế") and not is_stamp_line("Số: 12/BC-UBND")


def test_the_body_keeps_its_text_and_the_title_loses_the_authority_ocr_ran_into_it():
    text = ("BỘ Y TẾ CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
            "Sé: 4Z /Qb-BYT Hà Nội, ngày 3 tháng 4 năm 2025\nQUYẾT ĐỊNH\n"
            "Về việc phê duyệt Điều lệ Hội Điều dưỡng Việt Nam BỘ TRƯỞNG BỘ Y TẾ\n"
            "Căn cứ Nghị định số 42/2025/NĐ-CP của Chính phủ;\n"
            "Điều 1. Phê duyệt Điều lệ Hội Điều dưỡng tại Sé: 4Z, đội Công an tính lâm đông.\n")
    doc = process(RawDocument(Path("qd-dieu-le.txt"), "qd-dieu-le.txt", "txt", [Page(None, text)], "cd" * 32))  # no number in the name
    assert doc.title == "Quyết định Về việc phê duyệt Điều lệ Hội Điều dưỡng Việt Nam"
    assert (doc.issuer, doc.number, doc.report_date) == ("Bộ Y tế", "/QĐ-BYT", "2025-04-03")
    assert any("tại Sé: 4Z, đội Công an tính lâm đông." in c.text for c in doc.chunks)  # the body is never repaired


@pytest.mark.parametrize("name, issuer, governing, number", [
    # signed, the number stamped by hand and lost by the scan: the file name's number, the last fallback
    ("2025-12-19_ttg_qd-2764-kien-toan-bcd-quoc-gia-ve-du-lieu_scan.pdf", "Thủ tướng Chính phủ", None, "2764/QĐ-TTg"),
    ("2025-09-22_lamdong_qd-1406-hop-nhat-hoi-cong-chung-vien_bad-ocr.pdf", "Ủy ban nhân dân tỉnh Lâm Đồng", None,
     "/QĐ-UBND"),
    ("2025-09-12_lamdong-snv_to-trinh-294-doi-ten-clb-mo-to_bad-ocr.pdf", "Sở Nội vụ tỉnh Lâm Đồng",
     "UBND tỉnh Lâm Đồng", "/TTr-SNV"),
    ("2025-12-24_lamdong-cat_to-trinh-519-thanh-lap-bcd-du-lieu-tinh_scan.pdf", "Công an tỉnh Lâm Đồng", "Bộ Công an",
     "519/TTr-CAT-PC06"),
    ("2025-05-12_binhthuan-hhdn_bao-cao-thu-chi-tai-chinh-nhiem-ky-iv_scan.pdf", "Hiệp hội Doanh nghiệp tỉnh Bình Thuận",
     "UBND tỉnh Bình Thuận", None),
    ("2026-04-09_lamdong-snnmt_cv-4186-y-kien-hiep-hoi-bat-dong-san.pdf", "Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng",
     "UBND tỉnh Lâm Đồng", "4186/SNNMT-CCQLĐĐ"),
])
@needs_scans[0]
@needs_scans[1]
def test_real_scans_get_their_issuer_and_symbol_from_the_header(name, issuer, governing, number):
    """The handwritten numbers of these scans read as letters; the symbol is kept and the digits left blank."""
    doc = ingest_file(REALDOCS / name)
    assert (doc.issuer, doc.governing_body, doc.number) == (issuer, governing, number)


@needs_scans[0]
@needs_scans[1]
def test_a_real_scanned_letter_takes_its_title_from_its_subject_line():
    doc = ingest_file(REALDOCS / "legal" / "cong-van-7197-BKHCN-CDSQG_scan.pdf")
    assert doc.title.startswith("Công văn V/v Hướng dẫn việc số hoá hồ sơ, tài liệu")
    assert (doc.issuer, doc.number) == ("Bộ Khoa học và Công nghệ", "7197/BKHCN-CĐSQG")


SCAN_KIND_LINE = ("THỦ TƯỚNG CHÍNH PHỦ CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
                  "Số: 7/2030/QĐ-TTg Hà Nội, ngày 12 tháng 7 năm 2030\n"
                  "CỔNG THÔNG TIN ĐIỆN TỬ CHÍNH PHỦ ĐẾN\n"
                  "Ngy: 221712030. QUYET ĐỊNH\n"  # the receipt stamp's date run into the kind line, its marks lost
                  "Về mã định danh điện tử của các cơ quan, tổ chức L4 Á« h 2 ~ J.A la. ^ ` h phục vụ kết nối dữ liệu\n"
                  "Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;\n"
                  "Điều 1. Phạm vi điều chỉnh\nQuyết định này quy định về mã định danh điện tử của các cơ quan, tổ chức.\n")


def test_a_scans_kind_line_with_a_stamp_run_into_it_and_its_marks_lost_gives_the_title():
    doc = process(RawDocument(Path("qd-7.txt"), "qd-7.txt", "txt", [Page(None, SCAN_KIND_LINE)], "ef" * 32))
    assert doc.title == "Quyết định Về mã định danh điện tử của các cơ quan, tổ chức phục vụ kết nối dữ liệu"
    assert (doc.doc_kind, doc.issuer, doc.number) == ("Quyết định", "Thủ tướng Chính phủ", "7/2030/QĐ-TTg")
    # an upper-case word that names no kind, or a kind line with no summary under it, is not read so
    for text in (SCAN_KIND_LINE.replace("QUYET ĐỊNH", "CÔNG BỐ"), SCAN_KIND_LINE.replace("Về mã", "Mã")):
        other = process(RawDocument(Path("qd-7.txt"), "qd-7.txt", "txt", [Page(None, text)], "ef" * 32))
        assert not other.title.startswith("Quyết định Về mã") and not other.title.startswith("Quyết định Mã")


def test_ocr_debris_is_taken_out_of_a_summary_and_codes_are_kept():
    from baocao.ingest.metadata import without_ocr_noise

    assert without_ocr_noise("Về mã định danh L4 Á« h 2 ~ J.A la. ^ ` h phục vụ") == "Về mã định danh phục vụ"
    kept = "Về Đề án 06 giai đoạn 2022 - 2025 về CNTT, KH&CN, QĐ-UBND, 99/2022/NĐ-CP"
    assert without_ocr_noise(kept) == kept


@needs_scans[0]
@needs_scans[1]
def test_real_scanned_decision_takes_its_title_from_its_kind_line():
    doc = ingest_file(REALDOCS / "legal" / "quyet-dinh-20-2020-QD-TTg_scan.pdf")
    assert doc.title.startswith("Quyết định Về mã định danh điện tử")  # main: the file name's words
