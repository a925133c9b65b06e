"""ingest/loaders.py: files into raw text, and a clear one-line refusal for every kind of bad input."""

from __future__ import annotations

import hashlib
import pathlib
import unicodedata
from pathlib import Path

import pytest
from fixtures_files import (
    ENGLISH_PARAGRAPH,
    VIETNAMESE_PARAGRAPH,
    DocxHeading,
    DocxParagraph,
    DocxTable,
    cp1258_bytes,
    pdf_bytes,
    write_bytes,
    write_docx,
    write_encrypted_pdf,
    write_pdf,
    write_scanned_pdf,
    write_sparse_file,
    write_text,
    write_truncated_copy,
)
from pypdf import PageObject
from pypdf.errors import DependencyError

from baocao.ingest.loaders import SUPPORTED_SUFFIXES, iter_input_files, load_file
from baocao.ingest.models import IngestError

SAMPLES = sorted((Path(__file__).resolve().parents[1] / "data" / "sample").glob("*.txt"))


def refusal(path: Path, **options) -> str:
    """The one-line message of the IngestError that load_file must raise."""
    with pytest.raises(IngestError) as caught:
        load_file(path, **options)
    message = str(caught.value)
    assert message.startswith(f"{path.name}: ")
    assert "\n" not in message and "Traceback" not in message and " — " in message  # problem — hint
    return message


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def one_line(text: str) -> str:
    return " ".join(text.split())


# --- PDF -----------------------------------------------------------------------------------------


def test_pdf_pages_come_back_numbered_with_vietnamese_text(tmp_path):
    second = "Ngày 13/3/2025, Thủ tướng Chính phủ đã ban hành Quyết định số 598/QĐ-TTg."
    path = write_pdf(tmp_path / "báo cáo.pdf", [VIETNAMESE_PARAGRAPH, second])

    doc = load_file(path)

    assert [p.number for p in doc.pages] == [1, 2]
    assert one_line(nfc(doc.pages[0].text)) == VIETNAMESE_PARAGRAPH
    assert one_line(nfc(doc.pages[1].text)) == second
    assert "Tính đến hết ngày 26/3/2025, 43/63 địa phương thành lập Ban Chỉ đạo" in nfc(doc.pages[0].text)
    assert (doc.name, doc.format, doc.footnotes) == ("báo cáo.pdf", "pdf", {})
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_pdf_encrypted_with_empty_user_password_loads(tmp_path):
    path = write_encrypted_pdf(tmp_path / "restricted.pdf", [VIETNAMESE_PARAGRAPH], user_password="")

    assert one_line(nfc(load_file(path).pages[0].text)) == VIETNAMESE_PARAGRAPH


def test_pdf_with_a_real_password_is_refused(tmp_path):
    path = write_encrypted_pdf(tmp_path / "secret.pdf", [VIETNAMESE_PARAGRAPH], user_password="mật-khẩu")

    assert "password-protected" in refusal(path)


def test_scanned_pdf_without_text_layer_is_refused(tmp_path):
    path = write_scanned_pdf(tmp_path / "scan.pdf", pages=2)

    assert refusal(path) == (
        "scan.pdf: no text layer (scanned?); OCR is not available yet — use a PDF with a text layer"
    )


def test_pdf_with_some_blank_pages_keeps_them_empty(tmp_path):
    path = write_pdf(tmp_path / "blank-last.pdf", [VIETNAMESE_PARAGRAPH, ""])

    doc = load_file(path)

    assert [p.number for p in doc.pages] == [1, 2] and doc.pages[1].text.strip() == ""


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"<!DOCTYPE html>\n<html><head><title>Cong TTDT</title></head><body>Dang nhap</body></html>", "HTML"),
        (b"Bao cao chuyen doi so thang 3\n", "plain text"),
        (b"\x00\x01\x02\x03binary", "unrecognised"),
    ],
)
def test_pdf_that_is_not_a_pdf_says_what_it_is(tmp_path, content, says):
    path = write_bytes(tmp_path / "report.pdf", content)

    message = refusal(path)

    assert "is not a PDF file" in message and says in message


def test_pdf_that_is_really_a_docx_says_rename(tmp_path):
    docx_path = write_docx(tmp_path / "real.docx", [VIETNAMESE_PARAGRAPH])
    path = write_bytes(tmp_path / "report.pdf", docx_path.read_bytes())

    assert refusal(path) == "report.pdf: is not a PDF file: it is a Word DOCX file — rename it to .docx"


def test_truncated_pdf_is_refused(tmp_path):
    whole = write_pdf(tmp_path / "whole.pdf", [VIETNAMESE_PARAGRAPH] * 3)
    path = write_truncated_copy(whole, tmp_path / "half.pdf", 0.5)

    assert "truncated" in refusal(path)


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (
            ValueError("bad font"),
            "page.pdf: PDF is damaged: cannot read the text of page 1 — download or export it again",
        ),
        (
            DependencyError("cryptography>=3.1 is required for AES algorithm"),
            "page.pdf: PDF is AES-encrypted and the 'cryptography' package is missing"
            " — pip install cryptography, or use an unencrypted copy",
        ),
    ],
)
def test_pdf_extraction_failures_become_one_line(tmp_path, monkeypatch, failure, message):
    path = write_pdf(tmp_path / "page.pdf", [VIETNAMESE_PARAGRAPH])

    def fail(*args, **kwargs):
        raise failure

    monkeypatch.setattr(PageObject, "extract_text", fail)

    assert refusal(path) == message


def test_damaged_pdf_is_refused(tmp_path):
    data = bytearray(pdf_bytes([VIETNAMESE_PARAGRAPH]))
    data[200:-200] = b"\x00" * (len(data) - 400)  # header and %%EOF survive, everything between is lost
    path = write_bytes(tmp_path / "damaged.pdf", bytes(data))

    assert "damaged" in refusal(path)


# --- size, emptiness, suffix ---------------------------------------------------------------------


def test_empty_file_is_refused(tmp_path):
    assert refusal(write_bytes(tmp_path / "empty.pdf", b"")) == (
        "empty.pdf: file is empty (0 bytes) — check the download or export and try again"
    )


def test_whitespace_only_file_is_refused(tmp_path):
    assert refusal(write_text(tmp_path / "blank.txt", " \n\t\n  ")) == (
        "blank.txt: file is empty (only whitespace) — check the download or export and try again"
    )


def test_file_over_the_limit_is_refused_before_reading(tmp_path, monkeypatch):
    path = write_sparse_file(tmp_path / "huge.pdf", 50)

    def never(*args, **kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr(pathlib.Path, "read_bytes", never)
    monkeypatch.setattr(pathlib.Path, "open", never)

    assert refusal(path) == (
        "huge.pdf: file is too large (50.0 MB; limit 40 MB) — split it into smaller files, or raise BAOCAO_MAX_FILE_MB"
    )


def test_unsupported_suffix_is_refused_with_a_hint(tmp_path):
    assert refusal(write_bytes(tmp_path / "old.doc", b"\xd0\xcf\x11\xe0")) == (
        "old.doc: unsupported file type '.doc' — open it in Word or LibreOffice and save it as .docx"
    )
    assert "use PDF, DOCX, TXT or MD" in refusal(write_bytes(tmp_path / "data.csv", b"a,b"))


def test_missing_file_is_refused(tmp_path):
    assert refusal(tmp_path / "nowhere.pdf") == "nowhere.pdf: file not found — check the path"


def test_upper_case_suffix_is_supported(tmp_path):
    assert load_file(write_text(tmp_path / "NOTES.TXT", VIETNAMESE_PARAGRAPH)).format == "txt"


# --- text content --------------------------------------------------------------------------------


def test_text_of_only_replacement_characters_is_refused(tmp_path):
    path = write_text(tmp_path / "broken.txt", "\ufffd\ufffd\ufffd \ufffd\ufffd\n\ufffd\ufffd\ufffd\ufffd")

    assert "unreadable" in refusal(path)


def test_english_text_is_refused_unless_allowed(tmp_path):
    path = write_text(tmp_path / "english.txt", ENGLISH_PARAGRAPH)

    message = refusal(path)

    assert "does not look Vietnamese" in message and "BAOCAO_ALLOW_NON_VIETNAMESE=1" in message
    assert load_file(path, allow_non_vietnamese=True).pages[0].text == ENGLISH_PARAGRAPH


def test_english_pdf_is_refused(tmp_path):
    assert "does not look Vietnamese" in refusal(write_pdf(tmp_path / "en.pdf", [ENGLISH_PARAGRAPH]))


def test_mojibake_vietnamese_is_not_mistaken_for_another_language(tmp_path):
    garbled = VIETNAMESE_PARAGRAPH.encode("utf-8").decode("cp1252", errors="ignore")  # 'TÃ­nh Ä‘áº¿n'…
    path = write_text(tmp_path / "garbled.txt", garbled)

    assert load_file(path).pages[0].text == garbled  # raw: the pipeline repairs it


@pytest.mark.parametrize(
    "legacy",
    [
        # TCVN3 (.VnTime font) and VNI text as extraction returns it; the pipeline converts both
        "TÝnh ®Õn hÕt ngµy 26/3/2025, 43/63 ®Þa ph\xad¬ng thµnh lËp Ban ChØ ®¹o vÒ ph¸t triÓn khoa häc, c«ng nghÖ.",
        "Tính ñeán heát ngaøy 26/3/2025, 43/63 ñòa phöông thaønh laäp Ban Chæ ñaïo veà phaùt trieån khoa hoïc, coâng ngheä.",
    ],
    ids=["tcvn3", "vni"],
)
def test_vietnamese_in_legacy_fonts_is_not_mistaken_for_another_language(tmp_path, legacy):
    assert load_file(write_text(tmp_path / "legacy-font.txt", legacy)).pages[0].text == legacy


def test_french_text_is_refused(tmp_path):
    french = (
        "Le ministère de la Science et de la Technologie indique qu'au 26 mars 2025, 43 des 63 provinces "
        "avaient créé des comités de pilotage pour la transformation numérique."
    )
    assert "does not look Vietnamese" in refusal(write_text(tmp_path / "fr.txt", french))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name[:20])
def test_sample_reports_load_as_vietnamese(sample):
    doc = load_file(sample)

    assert doc.format == "txt" and doc.pages[0].number is None and len(doc.pages[0].text) > 10_000


def test_txt_with_bom_loses_the_bom(tmp_path):
    path = write_text(tmp_path / "bom.md", "# Báo cáo\n" + VIETNAMESE_PARAGRAPH, bom=True)

    doc = load_file(path)

    assert doc.format == "md" and doc.pages[0].text == "# Báo cáo\n" + VIETNAMESE_PARAGRAPH


def test_txt_in_cp1258_is_decoded(tmp_path):
    path = write_bytes(tmp_path / "legacy.txt", cp1258_bytes(VIETNAMESE_PARAGRAPH))

    assert nfc(load_file(path).pages[0].text) == VIETNAMESE_PARAGRAPH


def test_txt_in_utf16_is_decoded(tmp_path):
    path = write_bytes(tmp_path / "notepad.txt", VIETNAMESE_PARAGRAPH.encode("utf-16"))

    assert load_file(path).pages[0].text == VIETNAMESE_PARAGRAPH


def test_utf8_cut_mid_letter_stays_utf8(tmp_path):
    path = write_bytes(tmp_path / "cut.txt", VIETNAMESE_PARAGRAPH.encode("utf-8") + "ệ".encode()[:2])

    assert load_file(path).pages[0].text == VIETNAMESE_PARAGRAPH + "\ufffd"


def test_txt_that_is_really_a_pdf_is_refused(tmp_path):
    path = write_bytes(tmp_path / "report.txt", pdf_bytes([VIETNAMESE_PARAGRAPH]))

    assert refusal(path) == "report.txt: is not a text file: it is a PDF file — rename it to .pdf"


# --- DOCX ----------------------------------------------------------------------------------------


def test_docx_keeps_paragraphs_tables_and_footnotes_in_order(tmp_path):
    table = DocxTable(
        [
            ["Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"],
            ["Xây dựng cơ sở dữ liệu dân cư", "Bộ Công an", "Quý II/2025"],
            ["Hoàn thiện thể chế về dữ liệu", "Bộ Tư pháp", "Tháng 12/2025"],
        ]
    )
    path = write_docx(
        tmp_path / "ke-hoach.docx",
        [
            DocxHeading("I. MỘT SỐ KẾT QUẢ ĐẠT ĐƯỢC"),
            "Các bộ, ngành triển khai Đề án 06[^1] trên toàn quốc.",
            table,
            "Đoạn văn sau bảng.",
        ],
        footnotes={"1": "Đề án phát triển ứng dụng dữ liệu về dân cư, định danh và xác thực điện tử."},
    )

    doc = load_file(path)

    assert doc.format == "docx" and len(doc.pages) == 1 and doc.pages[0].number is None
    assert doc.pages[0].text.split("\n") == [
        "I. MỘT SỐ KẾT QUẢ ĐẠT ĐƯỢC",
        "Các bộ, ngành triển khai Đề án 06[^1] trên toàn quốc.",
        "Nhiệm vụ: Xây dựng cơ sở dữ liệu dân cư; Cơ quan chủ trì: Bộ Công an; Thời hạn: Quý II/2025",
        "Nhiệm vụ: Hoàn thiện thể chế về dữ liệu; Cơ quan chủ trì: Bộ Tư pháp; Thời hạn: Tháng 12/2025",
        "Đoạn văn sau bảng.",
    ]
    assert doc.footnotes == {"1": "Đề án phát triển ứng dụng dữ liệu về dân cư, định danh và xác thực điện tử."}


def test_docx_footnotes_are_numbered_as_the_reader_sees_them(tmp_path):
    # LibreOffice numbers its first real footnote w:id="2": the reader still sees 1, 2
    path = write_docx(
        tmp_path / "libreoffice.docx",
        ["Chỉ tiêu thứ nhất[^a] đã đạt.", "Chỉ tiêu thứ hai[^b] chưa đạt."],
        footnotes={"a": "Theo số liệu của Bộ Công an.", "b": "Theo số liệu của Bộ Tài chính."},
        footnote_id_start=2,
    )

    doc = load_file(path)

    assert doc.pages[0].text == "Chỉ tiêu thứ nhất[^1] đã đạt.\nChỉ tiêu thứ hai[^2] chưa đạt."
    assert doc.footnotes == {"1": "Theo số liệu của Bộ Công an.", "2": "Theo số liệu của Bộ Tài chính."}


def test_docx_merged_cells_are_not_repeated(tmp_path):
    table = DocxTable(
        [
            ["Lĩnh vực", "Chỉ tiêu", "Kết quả"],
            ["Dịch vụ công", "Hồ sơ trực tuyến", "45%"],
            ["", "Thanh toán trực tuyến", "30%"],  # "Dịch vụ công" merged down over this row
            ["Tổng hợp chung cho cả hai chỉ tiêu", "", "Đạt"],  # merged across two columns
        ],
        merges=[((1, 0), (2, 0)), ((3, 0), (3, 1))],
    )
    path = write_docx(tmp_path / "merged.docx", ["Bảng kết quả:"], tables=[table])

    lines = load_file(path).pages[0].text.split("\n")

    assert lines == [
        "Bảng kết quả:",
        "Lĩnh vực: Dịch vụ công; Chỉ tiêu: Hồ sơ trực tuyến; Kết quả: 45%",
        "Chỉ tiêu: Thanh toán trực tuyến; Kết quả: 30%",
        "Lĩnh vực / Chỉ tiêu: Tổng hợp chung cho cả hai chỉ tiêu; Kết quả: Đạt",
    ]


def test_docx_stacked_header_rows_label_each_column(tmp_path):
    table = DocxTable(
        [["Chỉ tiêu", "Kết quả", ""], ["", "Kế hoạch", "Thực hiện"], ["Hồ sơ trực tuyến", "50%", "45%"]],
        merges=[((0, 0), (1, 0)), ((0, 1), (0, 2))],
        repeat_header_rows=2,
    )
    path = write_docx(tmp_path / "header.docx", [table])

    assert load_file(path).pages[0].text == (
        "Chỉ tiêu: Hồ sơ trực tuyến; Kết quả / Kế hoạch: 50%; Kết quả / Thực hiện: 45%"
    )


def test_docx_automatic_list_numbers_are_kept(tmp_path):
    outline = (("upperRoman", "%1."), ("decimal", "%2."), ("lowerLetter", "%3)"))
    path = write_docx(
        tmp_path / "outline.docx",
        [
            DocxParagraph("MỘT SỐ KẾT QUẢ ĐẠT ĐƯỢC", list_levels=outline),
            DocxParagraph("Công tác lãnh đạo, chỉ đạo", list_levels=outline, level=1),
            DocxParagraph("Ban hành văn bản", list_levels=outline, level=2),
            DocxParagraph("Kiện toàn tổ chức", list_levels=outline, level=2),
            DocxParagraph("Phát triển hạ tầng số", list_levels=outline, level=1),
            DocxParagraph("Mạng 5G", list_levels=outline, level=2),
            DocxParagraph("NHIỆM VỤ TRỌNG TÂM", list_levels=outline),
            DocxParagraph("Hoàn thiện thể chế", list_levels=outline, level=1),
            DocxParagraph("Rà soát văn bản", style="List Bullet"),
            "Đoạn văn thường.",
        ],
    )

    assert load_file(path).pages[0].text.split("\n") == [
        "I. MỘT SỐ KẾT QUẢ ĐẠT ĐƯỢC",
        "1. Công tác lãnh đạo, chỉ đạo",
        "a) Ban hành văn bản",
        "b) Kiện toàn tổ chức",
        "2. Phát triển hạ tầng số",
        "a) Mạng 5G",
        "II. NHIỆM VỤ TRỌNG TÂM",
        "1. Hoàn thiện thể chế",
        "• Rà soát văn bản",  # a Symbol-font bullet becomes •
        "Đoạn văn thường.",
    ]


def test_docx_list_number_style_is_numbered(tmp_path):
    path = write_docx(
        tmp_path / "style.docx",
        [
            DocxParagraph("Nhiệm vụ thứ nhất", style="List Number"),
            DocxParagraph("Nhiệm vụ thứ hai", style="List Number"),
        ],
    )

    assert load_file(path).pages[0].text == "1. Nhiệm vụ thứ nhất\n2. Nhiệm vụ thứ hai"


def test_docx_without_text_is_refused(tmp_path):
    assert refusal(write_docx(tmp_path / "pictures.docx", [])) == (
        "pictures.docx: DOCX has no text (empty, or only pictures?) — OCR is not available yet; use a file with real text"
    )


def test_corrupt_docx_is_refused(tmp_path):
    whole = write_docx(tmp_path / "whole.docx", [VIETNAMESE_PARAGRAPH] * 20)
    path = write_truncated_copy(whole, tmp_path / "cut.docx", 0.5)

    assert refusal(path) == "cut.docx: DOCX is damaged (not a valid zip package) — re-save it from Word or LibreOffice"


def test_docx_that_is_an_old_word_file_says_save_as_docx(tmp_path):
    path = write_bytes(tmp_path / "renamed.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)

    assert refusal(path) == (
        "renamed.docx: is not a DOCX file: it is an old Office 97-2003 file (.doc/.xls)"
        " — open it in Word or LibreOffice and save it as .docx"
    )


def test_docx_that_is_html_says_so(tmp_path):
    path = write_bytes(tmp_path / "download.docx", b"<html><body>404 Not Found</body></html>")

    assert "it is an HTML web page" in refusal(path)


# --- folders -------------------------------------------------------------------------------------


def test_iter_input_files_expands_folders_sorted_without_hidden_or_unsupported(tmp_path):
    for relative in [
        "b.pdf",
        "a.txt",
        "sub/c.docx",
        "sub/deeper/d.md",
        "sub/.hidden.txt",
        ".git/e.txt",
        "sub/~$c.docx",
        "notes.csv",
        "UPPER.PDF",
    ]:
        file = tmp_path / "in" / relative
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text("x")
    explicit = tmp_path / "elsewhere.xlsx"
    explicit.write_text("x")

    missing = tmp_path / "missing.pdf"

    found = iter_input_files([tmp_path / "in", explicit, tmp_path / "in" / "a.txt", missing])

    root = tmp_path / "in"
    assert found == [
        root / "UPPER.PDF",
        root / "a.txt",
        root / "b.pdf",
        root / "sub/c.docx",
        root / "sub/deeper/d.md",
        explicit,  # named explicitly: returned so load_file can refuse it clearly
        missing,  # likewise: load_file says "file not found"
    ]


def test_supported_suffixes():
    assert SUPPORTED_SUFFIXES == {".pdf", ".docx", ".txt", ".md"}
