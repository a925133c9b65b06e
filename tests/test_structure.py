"""Document structure and chunks: legal layout, report layout, lists with their lead-in, task tables.

Synthetic documents are written here (text, DOCX with python-docx, PDF with fpdf2); the real documents
of ../shared/realdocs are read when present (never copied into the repository).
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from baocao.ingest.models import RawDocument, Page
from baocao.ingest.pipeline import MIN_CHUNK_CHARS, ingest_file, process
from tests.fixtures_files import DocxTable, write_docx

REALDOCS = Path(__file__).resolve().parents[1].parent / "shared" / "realdocs"
needs_realdocs = pytest.mark.skipif(not REALDOCS.is_dir(), reason=f"real documents not found at {REALDOCS}")

CLAUSE = "Cơ quan, tổ chức, cá nhân có trách nhiệm thực hiện đầy đủ các quy định về phòng, chống tác hại của chất {}."
LEGAL = f"""\
QUỐC HỘI
Luật số: 99/2030/QH99
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
LUẬT
PHÒNG, CHỐNG CHẤT MẪU
Căn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam;
Quốc hội ban hành Luật Phòng, chống chất mẫu.
Chương I
NHỮNG QUY ĐỊNH CHUNG
Điều 1. Phạm vi điều chỉnh
Luật này quy định về phòng, chống chất mẫu.
Điều 2. Giải thích từ ngữ
Trong Luật này, các từ ngữ dưới đây được hiểu như sau:
1. {CLAUSE.format("thứ nhất")}
2. {CLAUSE.format("thứ hai")}
Chương II
TRÁCH NHIỆM
Mục 1
TRÁCH NHIỆM CỦA CÁ NHÂN
Điều 3. Các hành vi bị nghiêm cấm
Nghiêm cấm các hành vi trong các trường hợp sau đây:
{chr(10).join(f"{chr(97 + k)}) {CLAUSE.format(f'loại {k + 1}')}" for k in range(14))}
Điều 4. Trách nhiệm của gia đình
1. {CLAUSE.format("trong gia đình")}
2. {CLAUSE.format("ngoài gia đình")}
CHỦ TỊCH QUỐC HỘI
Nguyễn Văn Mẫu
"""


@pytest.fixture(scope="module")
def legal(tmp_path_factory):
    path = tmp_path_factory.mktemp("legal") / "luat-mau.txt"
    path.write_text(LEGAL, encoding="utf-8")
    return ingest_file(path)


def test_legal_document_facts(legal):
    assert legal.title == "Luật Phòng, chống chất mẫu"
    assert (legal.doc_kind, legal.issuer, legal.number) == ("Luật", "Quốc hội", "99/2030/QH99")
    assert (legal.signer, legal.signer_title) == ("Nguyễn Văn Mẫu", "CHỦ TỊCH QUỐC HỘI")
    assert all(c.number == "99/2030/QH99" and c.doc_kind == "Luật" for c in legal.chunks)
    # the signature is quotable once, with the header; it is not glued to the last article
    assert [c.order for c in legal.chunks if "Nguyễn Văn Mẫu" in c.text] == [0]


def test_articles_are_sections_and_clauses_are_not(legal):
    sections = {c.section for c in legal.chunks}
    assert not any(s.endswith(("1. " + CLAUSE[:20], "a)")) for s in sections)
    article2 = next(c for c in legal.chunks if "thứ nhất" in c.text)
    assert article2.section == "Chương I NHỮNG QUY ĐỊNH CHUNG > Điều 2. Giải thích từ ngữ"  # one article a chunk
    assert "\nĐiều 2. Giải thích từ ngữ\nTrong Luật này" in article2.text  # the article with its heading
    assert "thứ hai" in article2.text  # both clauses with their article
    article4 = next(c for c in legal.chunks if "trong gia đình" in c.text)
    assert article4.section.endswith("Mục 1 TRÁCH NHIỆM CỦA CÁ NHÂN > Điều 4. Trách nhiệm của gia đình")
    assert not any("Điều 4." in c.text for c in legal.chunks if "loại 14" in c.text)  # never glued to the article before


def test_a_long_list_repeats_its_lead_in(legal):
    parts = [c for c in legal.chunks if "loại " in c.text]
    assert len(parts) >= 2
    assert all("Nghiêm cấm các hành vi trong các trường hợp sau đây:" in c.text for c in parts)
    assert all(len(c.text) <= 900 + 120 for c in parts)
    assert {f"loại {k}." for k in range(1, 15)} <= {f"loại {k}." for c in parts for k in range(1, 15) if f"loại {k}." in c.text}


def test_small_chunks_only_for_whole_units(legal):
    assert legal.chunk_sizes["under_200_not_whole"] == 0
    short = [c for c in legal.chunks if len(c.text) < MIN_CHUNK_CHARS]
    assert all(c.text.startswith(("Chương I", "Điều 1.")) for c in short), [c.text[:40] for c in short]


REPORT = """\
UBND TỈNH MẪU SƠN
SỞ Y TẾ
Số: 45/BC-SYT
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Mẫu Sơn, ngày      tháng 10 năm 2025
BÁO CÁO
Kết quả tiêm chủng mở rộng 9 tháng năm 2025
Kính gửi: Ủy ban nhân dân tỉnh
A. KẾT QUẢ
I. TIÊM CHỦNG
1. Trẻ em
1.1. Dưới 1 tuổi
Tỷ lệ tiêm chủng đầy đủ đạt 97,2%, tăng 1,1% so với cùng kỳ; toàn tỉnh không có ổ dịch sởi mới.
a) Vùng sâu
- Xã Bình An: 95%.
+ Thôn 1: 93%.
Phụ lục I
DANH SÁCH XÃ
Xã Bình An, xã Bình Minh, xã Cát Tiên hoàn thành chỉ tiêu tiêm chủng của năm 2025 trước thời hạn.
Nơi nhận:
- Như trên;
- Lưu: VT.
KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC
Trần Thị Mẫu
"""


def test_report_header_layout_and_closing(tmp_path):
    path = tmp_path / "bao-cao.txt"
    path.write_text(REPORT, encoding="utf-8")
    doc = ingest_file(path)
    assert doc.title == "Báo cáo Kết quả tiêm chủng mở rộng 9 tháng năm 2025"
    assert (doc.issuer, doc.governing_body) == ("Sở Y tế tỉnh Mẫu Sơn", "UBND tỉnh Mẫu Sơn")
    assert (doc.number, doc.report_date, doc.place) == ("45/BC-SYT", "2025-10", "Mẫu Sơn")
    assert (doc.signer, doc.signer_title) == ("Trần Thị Mẫu", "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC")
    assert doc.addressee == "Ủy ban nhân dân tỉnh" and doc.recipients == ["Như trên", "Lưu: VT"]
    text = "\n".join(c.text for c in doc.chunks)
    assert "Nơi nhận" not in text and "Lưu: VT" not in text and "Độc lập" not in text
    assert doc.chunks[0].text.startswith("UBND TỈNH MẪU SƠN\nSỞ Y TẾ\nSố: 45/BC-SYT\nMẫu Sơn, ngày")
    assert "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC\nTrần Thị Mẫu" in doc.chunks[0].text
    assert "Số: 45/BC-SYT" in text  # the header stays quotable, the motto goes
    body = next(c for c in doc.chunks if "97,2%" in c.text)
    assert body.section.startswith("BÁO CÁO")  # the report is one part, its appendix another
    assert "A. KẾT QUẢ\nI. TIÊM CHỦNG\n1. Trẻ em\n1.1. Dưới 1 tuổi\nTỷ lệ" in body.text
    appendix = next(c for c in doc.chunks if "Cát Tiên" in c.text)
    assert appendix.section.startswith("Phụ lục I DANH SÁCH XÃ") and "97,2%" not in appendix.text


FORM_SENTENCE = "Phòng chuyên môn đã rà soát hồ sơ số {} của Sở Nội vụ và thấy đủ điều kiện trình Chủ tịch UBND tỉnh xem xét."


def test_a_forms_summary_field_is_its_summary_and_its_box_is_read_as_sections(tmp_path):
    """A phiếu trình has no V/v in its header: its summary is the '2. Trích yếu:' field of the form's box."""
    header = DocxTable([["UBND TỈNH MẪU SƠN\nVĂN PHÒNG\nSố: 12/PT-NC", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"]])
    box = (("I. NỘI DUNG TRÌNH", "1. Văn bản: Tờ trình số 12/TTr-SNV của Sở Nội vụ.",
            "2. Trích yếu: V/v hợp nhất Quỹ Khuyến học tỉnh Mẫu Sơn.", "II. Ý KIẾN CỦA PHÒNG CHUYÊN MÔN",
            *(FORM_SENTENCE.format(k) for k in range(1, 25))), "", "")
    form = DocxTable([box, ("KÍNH TRÌNH LÃNH ĐẠO UBND TỈNH", "", "")], merges=[((0, 0), (0, 2)), ((1, 0), (1, 2))])
    doc = ingest_file(write_docx(tmp_path / "phieu-trinh.docx", [header, "PHIẾU TRÌNH", form]))

    assert doc.title == "Phiếu trình V/v hợp nhất Quỹ Khuyến học tỉnh Mẫu Sơn"
    assert doc.summary == "V/v hợp nhất Quỹ Khuyến học tỉnh Mẫu Sơn" and doc.number == "12/PT-NC"
    assert max(len(c.text) for c in doc.chunks) <= 900
    assert sum(c.text.count("Trích yếu") for c in doc.chunks) == 1  # the box is no header repeated on each row
    opinion = next(c for c in doc.chunks if FORM_SENTENCE.format(20) in c.text)
    assert opinion.section.startswith("II. Ý KIẾN CỦA PHÒNG CHUYÊN MÔN")


def test_a_heading_that_carries_a_long_paragraph_is_cut_to_the_chunk_size(tmp_path):
    """'1. Thông tin chung: …' with the whole box of a form on its line is a heading: headings were never cut."""
    line = "1. Thông tin chung: " + " ".join(FORM_SENTENCE.format(k) for k in range(1, 40))
    doc = ingest_file(write_docx(tmp_path / "mau.docx", ["MẪU SỐ 01", line, "2. Cam kết", FORM_SENTENCE.format(99)]))

    assert len(line) > 4000
    assert max(len(c.text) for c in doc.chunks) <= 900
    assert all(FORM_SENTENCE.format(k) in "\n".join(c.text for c in doc.chunks) for k in range(1, 40))
    assert "\n1. Thông tin chung: " in doc.chunks[0].text and doc.chunks[1].section.startswith("1. Thông tin chung")


@needs_realdocs
def test_real_phieu_trinh_is_read_as_sections_with_its_summary_for_title():
    doc = ingest_file(REALDOCS / "2025-12_lamdong-vp_phieu-trinh-130-12-hop-nhat-quy-khuyen-hoc.docx")
    assert doc.title.startswith("Phiếu trình V/v cho phép hợp nhất Quỹ Khuyến học")  # main: 'Phiếu trình'
    assert (doc.issuer, doc.number) == ("Văn phòng UBND tỉnh Lâm Đồng", "130-12/PT-NC")
    assert max(len(c.text) for c in doc.chunks) <= 1000  # main: 6,964, the box repeated as a header three times
    assert sum(c.text.count("Trích yếu") for c in doc.chunks) == 1


def test_docx_header_table_and_markdown_title(tmp_path):
    header = DocxTable([["UBND TỈNH MẪU SƠN\nVĂN PHÒNG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"],
                        ["Số: /PT-VP", "Mẫu Sơn, ngày    tháng 12 năm 2025"]])
    closing = DocxTable([["Nơi nhận:\n- Lãnh đạo UBND tỉnh;\n- Lưu: VT.", "KT. CHÁNH VĂN PHÒNG\nPHÓ CHÁNH VĂN PHÒNG\nLê Văn Mẫu"]])
    path = write_docx(tmp_path / "phieu.docx", [header, "PHIẾU TRÌNH", "Về việc hợp nhất Quỹ Khuyến học tỉnh Mẫu Sơn",
                                                 "Văn phòng kính trình Lãnh đạo UBND tỉnh xem xét việc hợp nhất hai quỹ khuyến học "
                                                 "của tỉnh theo đề nghị của Sở Nội vụ./.", closing])
    doc = ingest_file(path)
    assert doc.title == "Phiếu trình Về việc hợp nhất Quỹ Khuyến học tỉnh Mẫu Sơn"
    assert (doc.issuer, doc.number, doc.report_date) == ("Văn phòng UBND tỉnh Mẫu Sơn", "/PT-VP", "2025-12")
    assert doc.signer == "Lê Văn Mẫu" and "Lãnh đạo UBND tỉnh;" not in "\n".join(c.text for c in doc.chunks)

    md = tmp_path / "ghi-chu.md"
    md.write_text("# Ghi chú cuộc họp giao ban tháng 10\n\n## Nội dung\nCuộc họp thống nhất ba nội dung chính.\n",
                  encoding="utf-8")
    assert ingest_file(md).title == "Ghi chú cuộc họp giao ban tháng 10"


TASK_ROWS = [
    ["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời hạn"],
    ["1", "Xây dựng kho dữ liệu dùng chung của tỉnh", "Sở Khoa học và Công nghệ", "Các sở, ngành", "Tháng 11/2025"],
    ["2", "Số hóa hồ sơ thủ tục hành chính; cập nhật cơ sở dữ liệu", "Văn phòng UBND tỉnh", "", "Quý IV/2025"],
]
BULLETS = """\
- Xây dựng kho dữ liệu dùng chung của tỉnh
+ Cơ quan chủ trì: Sở Khoa học và Công nghệ
+ Cơ quan phối hợp: Các sở, ngành
+ Thời hạn hoàn thành: Tháng 11/2025
"""


def _task_tuples(doc):
    return [(t.task, t.lead, t.coordinating, t.deadline) for t in doc.tasks]


def test_task_table_in_docx_gives_the_records_of_a_bullet_plan(tmp_path):
    table = write_docx(tmp_path / "ke-hoach.docx", ["KẾ HOẠCH", "Chuyển đổi số năm 2025", "II. NHIỆM VỤ", DocxTable(TASK_ROWS)])
    doc = ingest_file(table)
    assert _task_tuples(doc) == [
        ("Xây dựng kho dữ liệu dùng chung của tỉnh", "Sở Khoa học và Công nghệ", "Các sở, ngành", "Tháng 11/2025"),
        ("Số hóa hồ sơ thủ tục hành chính; cập nhật cơ sở dữ liệu", "Văn phòng UBND tỉnh", None, "Quý IV/2025"),
    ]
    assert doc.tasks[0].section == "II. NHIỆM VỤ"
    chunk = next(c for c in doc.chunks if c.chunk_id == doc.tasks[0].chunk_id)
    assert chunk.kind == "task" and "Cơ quan chủ trì: Sở Khoa học và Công nghệ" in chunk.text

    bullets = tmp_path / "ke-hoach-gach-dau-dong.txt"
    bullets.write_text(f"KẾ HOẠCH\nChuyển đổi số năm 2025\nII. NHIỆM VỤ\n{BULLETS}", encoding="utf-8")
    assert _task_tuples(ingest_file(bullets))[0] == _task_tuples(doc)[0]


def test_task_table_rows_from_a_pdf(tmp_path):
    """PDF tables come as the same `Header: value; …` rows once the loaders render them (pdfplumber)."""
    pytest.importorskip("fpdf")
    from fpdf import FPDF

    from tests.fixtures_files import DEJAVU_FONT

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("DejaVu", fname=str(DEJAVU_FONT))
    pdf.set_font("DejaVu", size=9)
    pdf.multi_cell(0, 6, "KẾ HOẠCH\nChuyển đổi số năm 2025\nII. NHIỆM VỤ", new_x="LMARGIN", new_y="NEXT")
    with pdf.table(first_row_as_headings=False) as table:
        for row in TASK_ROWS:
            cells = table.row()
            for text in row:
                cells.cell(text)
    path = tmp_path / "ke-hoach.pdf"
    pdf.output(str(path))
    doc = ingest_file(path)
    assert any("Nhiệm vụ: " in c.text for c in doc.chunks)  # the loader renders the PDF table as rows
    assert [t.lead for t in doc.tasks] == ["Sở Khoa học và Công nghệ", "Văn phòng UBND tỉnh"]


def test_score_table_rows_stay_searchable_with_their_header():
    rows = "\n".join(f"STT: {k}; Đơn vị: Sở {name}; Điểm: {score}; Xếp hạng: {k}"
                     for k, (name, score) in enumerate([("Nội vụ", "92,5"), ("Tư pháp", "88,0"), ("Y tế", "71,3")], 1))
    text = f"BÁO CÁO\nKết quả chấm điểm cải cách hành chính\nI. KẾT QUẢ\nBảng điểm của các đơn vị như sau:\n{rows}\n"
    raw = RawDocument(Path("bang-diem.txt"), "bang-diem.txt", "txt", [Page(None, text)], "ab" * 32)
    doc = process(raw)
    table = next(c for c in doc.chunks if "Sở Y tế; Điểm: 71,3" in c.text)
    assert table.kind == "table" and "Bảng điểm của các đơn vị như sau:" in table.text
    assert all(line.startswith("STT: ") for line in table.text.splitlines()[-3:])


def test_september_sample_as_of_date_follows_its_text():
    sample = Path(__file__).resolve().parents[1] / "data" / "sample" / "2025-09-22_bao-cao-tom-tat-phien-hop-lan-4.txt"
    doc = ingest_file(sample)
    assert doc.report_date == "2025-09-22"
    assert doc.as_of == "2025-09-23"  # "Tính đến ngày 23/9/2025", a day after signing: not a deadline


@needs_realdocs
@pytest.mark.parametrize("name, title, issuer, number", [
    ("2024-11-28_binhthuan-snv_to-trinh-3367-xu-ly-hoi-quan-chung.pdf",
     "Tờ trình Báo cáo, đề xuất phương án xử lý các hội quần chúng cấp tỉnh", "Sở Nội vụ tỉnh Bình Thuận", "3367/TTr-SNV"),
    ("2025-12_lamdong_bao-cao-to-chuc-hoat-dong-quan-ly-hoi-nam-2025.docx",
     "Báo cáo Tổ chức, hoạt động và quản lý hội năm 2025", "Ủy ban nhân dân tỉnh Lâm Đồng", "/BC-UBND"),
    ("2025-07-01_btp_cv-3917-hop-nhat-hoi-cong-chung-vien-doan-luat-su.pdf",
     "Công văn V/v hợp nhất TCXH-NN của công chứng viên", "Bộ Tư pháp", "3917/BTP-BTTP"),
    ("legal/nghi-dinh-105-2021-ND-CP_congbao.pdf",
     "Nghị định Quy định chi tiết và hướng dẫn thi hành một số điều của Luật Phòng, chống ma túy", "Chính phủ",
     "105/2021/NĐ-CP"),
])
def test_real_documents_get_title_issuer_and_number_from_their_text(name, title, issuer, number):
    doc = ingest_file(REALDOCS / name)
    assert doc.title.startswith(title)
    assert (doc.issuer, doc.number) == (issuer, number)


@needs_realdocs
def test_real_law_chunks_follow_its_articles():
    doc = ingest_file(REALDOCS / "legal" / "luat-phong-chong-ma-tuy-2021.docx")
    sizes = [len(c.text) for c in doc.chunks if c.kind != "footnote"]
    assert statistics.median(sizes) > 400  # main: 136, with 215 of 312 chunks under 200
    assert doc.chunk_sizes["under_200_not_whole"] <= 1
    article = next(c for c in doc.chunks if c.text.startswith("Điều 3. Giải thích") or "Điều 2. Giải thích" in c.text)
    assert "Chương I" in article.section and "> Điều 2. Giải thích từ ngữ" in article.section


def test_an_ocr_line_that_weaves_the_motto_into_the_issuer_gives_both_apart():
    from baocao.ingest.metadata import issuer_from_bodies, read_header

    header = read_header([
        "BỘ KHOA HỌC VÀ CỘNG HÒA XÃ HỘI CHỦ NGHĨA CÔNG NGHỆ VIỆT NAM",  # two columns read as one line
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 7197/BKHCN-CĐSQG",
        "Hà Nội, ngày 12 tháng 11 năm 2025",
    ])
    assert header.bodies == ["BỘ KHOA HỌC VÀ CÔNG NGHỆ"] and header.number == "7197/BKHCN-CĐSQG"
    assert issuer_from_bodies(header.bodies, "Bộ Khoa học và Công nghệ")[0] == "Bộ Khoa học và Công nghệ"


def test_a_number_stamped_apart_is_read_whole_and_not_taken_for_the_issuer():
    from baocao.ingest.metadata import read_header

    header = read_header(["BỘ NỘI VỤ", "Số: 1 1902 /BNV-TCPCP", "V/v báo cáo tình hình tổ chức hội", "Hà Nội, ngày 11 tháng 12 năm 2025"])
    assert header.bodies == ["BỘ NỘI VỤ"] and header.number == "11902/BNV-TCPCP"


def test_a_blank_line_ends_the_title_of_a_text_file_whose_body_has_long_lines(tmp_path):
    """The title line fills most of a short document's width and ends in a lower-case word: without the
    blank line after it, it read as wrapped into the body's first sentence."""
    path = tmp_path / "cv-7.txt"
    path.write_text(
        "CÔNG VĂN\nVề ý kiến đối với Ban vận động thành lập Hiệp hội Du lịch cộng đồng\n\n"
        "Sở Xây dựng nhận được Công văn số 1676/SNV-TCBC ngày 07/4/2026 của Sở Nội vụ về việc lấy ý kiến đối "
        "với Ban vận động thành lập Hiệp hội Du lịch cộng đồng.\n", encoding="utf-8")
    document = ingest_file(path)
    assert document.title == "Công văn Về ý kiến đối với Ban vận động thành lập Hiệp hội Du lịch cộng đồng"
    assert "cộng đồng\nSở Xây dựng nhận được" in document.chunks[0].text


def test_blank_lines_between_most_lines_do_not_end_paragraphs():
    from baocao.ingest.cleanup import page_lines
    from baocao.ingest.structure import build_blocks

    wrapped = ("Tỷ lệ hồ sơ trực tuyến toàn trình của tỉnh trong quý III năm 2025 đạt 72,4%, tăng 9,1 điểm phần",
               "trăm so với quý II và cao hơn mức bình quân của cả nước trong cùng kỳ báo cáo năm 2025 là",
               "5,2 điểm phần trăm theo số liệu của Cổng Dịch vụ công quốc gia.")
    blocks = build_blocks(page_lines([(1, "\n\n".join(wrapped))]), hard_wraps=True)
    assert [b.text for b in blocks] == [" ".join(wrapped)]


def test_an_item_cut_after_a_comma_goes_on_even_without_line_widths():
    """OCR'd text has no positions: '1. Bổ sung đồng chí …, / Phó Trưởng Ban Chỉ đạo.' is one item."""
    from baocao.ingest.cleanup import page_lines
    from baocao.ingest.structure import build_blocks

    lines = ["Điều 1. Bổ sung, kiện toàn thành viên Ban Chỉ đạo quốc gia về dữ liệu như sau:",
             "1. Bổ sung đồng chí Phó Thủ tướng Chính phủ Phạm Thị Thanh Trà,", "Phó Trưởng Ban Chỉ đạo.",
             "2. Bổ sung đồng chí Bộ trưởng Bộ Quốc phòng Phan Văn Giang, Phó Trưởng Ban Chỉ đạo."]
    blocks = build_blocks(page_lines([(1, "\n".join(lines))]), hard_wraps=False)
    assert "1. Bổ sung đồng chí Phó Thủ tướng Chính phủ Phạm Thị Thanh Trà, Phó Trưởng Ban Chỉ đạo." in [b.text for b in blocks]


def test_a_signature_whose_capacity_lines_the_layout_moved_is_read_from_the_last_lines():
    from baocao.ingest.metadata import find_closings

    lines = ["BỘ NỘI VỤ", "Số: 12/BNV-TCPCP", "TL. BỘ TRƯỞNG", "VỤ TRƯỞNG", "Kính gửi: Sở Nội vụ tỉnh Mẫu Sơn",
             "Trên đây là ý kiến của Bộ Nội vụ gửi Sở Nội vụ biết, thực hiện./. VỤ TỔ CHỨC PHI CHÍNH PHỦ", "Trần Thị Mẫu"]
    first = find_closings(lines)[0]
    assert (first.signer, first.signer_title) == ("Trần Thị Mẫu", "TL. BỘ TRƯỞNG / VỤ TRƯỞNG")
    assert find_closings(["Hội nghị kết thúc lúc 17 giờ cùng ngày.", "Trần Thị Mẫu"]) == []  # no unit above: a name in the text


def test_a_clause_wrapped_onto_a_line_opening_with_a_capital_goes_on():
    """Inside an article `a)` is a clause, not a heading, from its first line: its wrap onto a line that opens
    with a capital ('… Hồ Chí' / 'Minh, trừ …') goes on like any item's instead of opening a paragraph; after
    a full line that ends its sentence, a capital line is the next block (an OCR'd 'Điều §.' is no heading)."""
    from baocao.ingest.cleanup import page_lines
    from baocao.ingest.structure import build_blocks

    lines = ["Điều 7. Hồ sơ đề nghị cấp giấy phép",
             "a) Bản sao giấy chứng nhận đăng ký doanh nghiệp, giấy phép hoạt động tại TP. Hồ Chí",
             "Minh, trừ trường hợp doanh nghiệp được miễn theo quy định của pháp luật hiện hành;",
             "b) Báo cáo tình hình thực hiện giấy phép đã được cấp trong năm trước liền kề, có",
             "xác nhận của cơ quan cấp phép và của Sở Công Thương nơi doanh nghiệp đặt trụ sở.",
             "Điều §. Thời hạn giải quyết hồ sơ"]
    blocks = build_blocks(page_lines([(1, "\n".join(lines))]), hard_wraps=True)
    assert [(b.kind, b.text) for b in blocks] == [
        ("heading", lines[0]), ("item", f"{lines[1]} {lines[2]}"), ("item", f"{lines[3]} {lines[4]}"), ("para", lines[5])]


def test_an_article_title_wrapped_onto_a_line_opening_with_a_capital_goes_on():
    """`Điều 1. … (sau đây gọi là Tổ` / `Công tác) gồm …:` is one title: its lead-in keeps the list under it."""
    from baocao.ingest.cleanup import page_lines
    from baocao.ingest.structure import build_blocks

    lines = ["Điều 1. Thành lập Tổ công tác liên ngành về chuyển đổi số (sau đây gọi tắt là Tổ",
             "Công tác) gồm các thành viên sau đây, do Giám đốc Sở Khoa học và Công nghệ đứng đầu:",
             "1. Giám đốc Sở Khoa học và Công nghệ tỉnh, Tổ trưởng Tổ công tác liên ngành của tỉnh.",
             "Điều 2. Hiệu lực thi hành"]
    blocks = build_blocks(page_lines([(1, "\n".join(lines))]), hard_wraps=True)
    assert [(b.kind, b.text) for b in blocks] == [
        ("heading", f"{lines[0]} {lines[1]}"), ("item", lines[2]), ("heading", lines[3])]


def test_a_letters_summary_does_not_take_the_first_paragraph_when_no_addressee_follows():
    from baocao.ingest.metadata import read_header

    header = read_header(["SỞ NỘI VỤ TỈNH MẪU SƠN", "Số: 120/SNV-TCBC", "V/v báo cáo về đề nghị thành lập",
                          "Hội Cầu lông tỉnh",
                          "Ngày 05/11/2025, Sở Nội vụ đã chủ trì, tổ chức cuộc họp với Công an tỉnh, các Sở: Giáo dục và "
                          "Đào tạo; Văn hóa, Thể thao và Du lịch; Y tế để thảo luận, thống nhất nội dung tham mưu cho phép "
                          "thành lập Hội Cầu lông tỉnh Mẫu Sơn."])
    assert header.letter_summary == "báo cáo về đề nghị thành lập Hội Cầu lông tỉnh"


@pytest.mark.parametrize(("number", "file_name", "unsigned", "expected"), [
    ("/QĐ-TTg", "2025-12-19_ttg_qd-2764-kien-toan-ban-chi-dao_scan.pdf", False, "2764/QĐ-TTg"),  # stamped by hand
    ("/TTr-CAT-PC06", "2025-12-24_cat_to-trinh-519-thanh-lap-ban-chi-dao_scan.pdf", False, "519/TTr-CAT-PC06"),
    ("/TTr-SNV", "2025-08_snv_du-thao-to-trinh-93-hop-nhat.doc", False, "/TTr-SNV"),  # a draft's blank is blank
    ("/TTr-SNV", "to-trinh-93-hop-nhat.doc", True, "/TTr-SNV"),
    ("/TTr-SNV", "2025-11_snv_to-trinh-sap-nhap-hoi.doc", False, "/TTr-SNV"),  # no number in the name
    ("12/TTr-SNV", "to-trinh-94.pdf", False, "12/TTr-SNV"),  # the document's own number always wins
])
def test_a_blank_number_of_a_signed_document_falls_back_to_its_file_names(number, file_name, unsigned, expected):
    from baocao.ingest.metadata import number_or_file_names

    assert number_or_file_names(number, file_name, unsigned) == expected
