"""Follow-ups that ask their own question about the previous one's topic, and questions that name a document
("Tờ trình 94 …"): that document is read first, for passages and for records."""

import pytest

from conftest import assistant_over
from baocao.assistant.conversation import points_back, rewrite, topic_of
from baocao.assistant.references import is_document, referenced_document
from baocao.conversations import Turn


def _submission(number: str, societies: str, departments: str, members: int) -> str:
    return f"""\
ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH
SỞ NỘI VỤ
Số: {number}/TTr-SNV
Hòa Bình, ngày 12 tháng 11 năm 2024

TỜ TRÌNH
Về việc xử lý các hội quần chúng cấp tỉnh

Kính gửi: Ủy ban nhân dân tỉnh Hòa Bình.

1. Kết quả rà soát
Qua rà soát, các hội sau đây không tổ chức đại hội đúng nhiệm kỳ và không gửi báo cáo hằng năm: {societies}.
Tổng số hội viên của các hội nêu trên là {members} người.

2. Đề xuất
Trong đó, {departments} thống nhất đề xuất giải thể các hội nêu trên.

KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC
"""


DRAFT = """\
ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH
SỞ NỘI VỤ
Số:      /TTr-SNV
Hòa Bình, ngày      tháng 12 năm 2024

TỜ TRÌNH
Về việc xử lý các hội quần chúng cấp tỉnh còn lại

Kính gửi: Ủy ban nhân dân tỉnh Hòa Bình.

Qua rà soát, các hội sau đây không tổ chức đại hội đúng nhiệm kỳ và không gửi báo cáo hằng năm: Hội Nuôi ong,
Hội Cây cảnh. Tổng số hội viên của các hội nêu trên là 75 người. Sở Công Thương thống nhất đề xuất giải thể các hội này.
"""


@pytest.fixture(scope="module")
def submissions(tmp_path_factory, embedder):
    return assistant_over(tmp_path_factory.mktemp("submissions"), {
        "to-trinh-93-xu-ly-hoi.txt": _submission(
            "93", "Hội Làm vườn, Hội Sinh vật cảnh, Hội Cựu giáo chức", "Sở Giáo dục và Đào tạo và Sở Tài chính", 640),
        "to-trinh-94-xu-ly-hoi.txt": _submission(
            "94", "Hội Lâm nghiệp, Hiệp hội Thủy sản", "Sở Nông nghiệp và Môi trường và Sở Xây dựng", 210),
        "to-trinh-95-xu-ly-hoi-con-lai.txt": DRAFT,
    }, embedder)


def test_a_follow_up_pointing_back_asks_its_own_question_about_the_previous_topic():
    previous = "Ai chủ trì xây dựng Đề án cơ chế thí điểm công nghệ mới?"
    standalone = rewrite("hạn hoàn thành của nhiệm vụ đó khi nào?", [Turn(previous, "…")])
    assert standalone == "hạn hoàn thành của nhiệm vụ đó khi nào (xây dựng Đề án cơ chế thí điểm công nghệ mới)?"
    again = rewrite("kết quả dự kiến là gì?", [Turn(standalone, "…")])
    assert again == "kết quả dự kiến là gì (xây dựng Đề án cơ chế thí điểm công nghệ mới)?"  # the topic carries on


def test_a_follow_up_naming_another_figure_asks_it_where_and_when_the_last_one_was():
    previous = [Turn("Tổng số hội trên địa bàn tỉnh Cà Mau năm 2025?", "…")]
    assert rewrite("thế còn số người làm việc do hội tự hợp đồng?", previous) == \
        "số người làm việc do hội tự hợp đồng tỉnh Cà Mau năm 2025?"
    more = [Turn("Doanh thu ngành công nghệ số tháng 10/2025 đạt bao nhiêu?", "…")]
    assert rewrite("còn lũy kế 10 tháng thì sao?", more) == "Doanh thu ngành công nghệ số tháng 10/2025 đạt bao nhiêu lũy kế 10 tháng?"


def test_an_elliptical_follow_up_is_one_even_when_it_asks_about_a_kind():
    assert points_back("ở đâu và do cơ quan nào khánh thành?")  # it opens with what it asks
    assert points_back("tăng bao nhiêu bậc so với kỳ đánh giá trước?")  # names nothing at all
    assert not points_back("những sở nào chưa gửi báo cáo về hội?")  # asks about its own kind of unit


def test_what_a_question_asks_is_not_its_topic():
    assert topic_of("Tờ trình 94 đề xuất giải thể bao nhiêu hội?") == "Tờ trình 94 đề xuất giải thể hội"
    assert topic_of("Hội nghị diễn ra ở đâu và khi nào?") == "Hội nghị diễn"


def test_a_question_that_names_something_stands_on_its_own():
    previous = [Turn("Tờ trình 94 đề xuất giải thể bao nhiêu hội?", "…")]
    for question in ("Ai là Chủ tịch Hội Nông dân tỉnh Hòa Bình?", "Năm 2025 tổng số hội là bao nhiêu?",
                     "tinh nao chua thanh lap ban chi dao?", "tỉnh nào chưa thành lập ban chỉ đạo?"):
        assert not points_back(question)
        assert rewrite(question, previous) == question


def test_a_named_submission_is_read_before_the_others(submissions):
    answer = submissions.answer_question("Tờ trình 94 nêu những hội nào không tổ chức đại hội đúng nhiệm kỳ?")
    assert "Hiệp hội Thủy sản" in answer.answer and "Hội Làm vườn" not in answer.answer
    assert answer.citations and all("to-trinh-94" in c.document for c in answer.citations)


def test_a_document_is_named_with_its_number_unless_it_is_blank():
    from baocao.assistant.compose import document_name
    from baocao.ingest.models import Chunk

    def chunk(number):
        return Chunk(chunk_id="c", doc_id="d", document="cv.pdf", title="Công văn V/v trả lời đề nghị của Sở Nội vụ",
                     section="", text="…", doc_kind="Công văn", number=number)

    assert document_name(chunk("8977/BNV-TCPCP")) == "Công văn V/v trả lời đề nghị của Sở Nội vụ (số 8977/BNV-TCPCP)"
    assert document_name(chunk("/SNV-TCBC")) == "Công văn V/v trả lời đề nghị của Sở Nội vụ"  # a draft's blank number
    assert document_name(chunk(None)) == "Công văn V/v trả lời đề nghị của Sở Nội vụ"


def test_a_draft_without_its_number_is_named_by_its_file(submissions):
    chunks = submissions.catalogue().by_id.values()
    named = {c.document for c in chunks if is_document(c, referenced_document("to trinh 95 de xuat gi"))}
    assert named == {"to-trinh-95-xu-ly-hoi-con-lai.txt"}  # its number line is blank: "Số:      /TTr-SNV"
    assert not any(is_document(c, referenced_document("to trinh 96 de xuat gi")) for c in chunks)


def test_the_follow_up_keeps_the_named_submission(submissions):
    first = submissions.ask("Tờ trình 94 có tổng số bao nhiêu hội viên?")
    assert "210" in first.answer and "(số 94/TTr-SNV, tính đến 12/11/2024)" in first.answer  # as officials cite it
    follow = submissions.ask("Những sở nào đã thống nhất đề xuất đó?", conversation_id=first.conversation_id)
    assert "Sở Xây dựng" in follow.answer and "Sở Tài chính" not in follow.answer


DRAFT_DECISION = """\
ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH
Số:      /QĐ-UBND
Hòa Bình, ngày      tháng 01 năm 2026

QUYẾT ĐỊNH
Thành lập Ban Chỉ đạo về dữ liệu tỉnh Hòa Bình

Điều 1. Thành lập Ban Chỉ đạo về dữ liệu tỉnh Hòa Bình để chỉ đạo triển khai Chiến lược dữ liệu quốc gia trên địa bàn tỉnh.
Điều 2. Ban Chỉ đạo có nhiệm vụ điều phối việc xây dựng, kết nối và chia sẻ các cơ sở dữ liệu của tỉnh.
"""


def test_a_described_drafts_blank_number_and_day_are_said_to_be_blank(tmp_path, embedder):
    drafts = assistant_over(tmp_path, {"du-thao-qd.txt": DRAFT_DECISION, "to-trinh-94.txt": _submission(
        "94", "Hội Lâm nghiệp, Hiệp hội Thủy sản", "Sở Xây dựng", 210)}, embedder)
    answer = drafts.answer_question("Quyết định thành lập Ban Chỉ đạo về dữ liệu tỉnh Hòa Bình mang số bao nhiêu, ký ngày nào?")
    lines = answer.answer.splitlines()
    assert len(lines) == 2 and all("Không tìm thấy" in line for line in lines) and not answer.grounded
    assert "«Số: /QĐ-UBND»" in lines[0] and "tháng 01 năm 2026»" in lines[1]  # the lines as cleaned at ingest


def test_a_described_document_may_name_its_issuer_before_what_it_is_about(submissions):
    answer = submissions.answer_question("Tờ trình của Sở Nội vụ về xử lý các hội quần chúng cấp tỉnh còn lại mang số bao nhiêu?")
    assert answer.generator == "documents" and not answer.grounded and "«Số: /TTr-SNV»" in answer.answer
    assert submissions.answer_question(
        "Tờ trình của Sở Tư pháp về xử lý các hội quần chúng cấp tỉnh còn lại mang số bao nhiêu?").generator != "documents"
