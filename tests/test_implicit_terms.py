"""Words a question takes for granted: acronyms no table knows (assistant/acronyms.py), a title's subject."""

from __future__ import annotations

from baocao.assistant.acronyms import acronyms_in, spelled_out
from baocao.assistant.service import Assistant
from baocao.vectorstore.ingest_files import ingest_paths
from baocao.vectorstore.store import open_index

PASSAGES = [
    "Ngày 02/3/2026, Sở Xây dựng và Giao thông nhận được Công văn số 88/SNV-TCBC của Sở Nội vụ.",
    "Công văn số 05/2026/CV-HHCB&TS của Hiệp hội Chế biến và thủy sản Cà Mau về việc đổi tên.",
]


def test_the_questions_unknown_acronyms_are_found_and_known_ones_and_roman_numerals_are_not():
    question = "SXDGT trả lời công văn nào của SNV trong quý III, theo UBND tỉnh?"
    assert acronyms_in(question, known={"ubnd"}) == ["SXDGT", "SNV"]


def test_an_acronym_is_spelled_out_by_initials_with_va_left_out_or_written_as_ampersand():
    assert spelled_out("SXDGT", PASSAGES) == ["Sở Xây dựng và Giao thông"]
    assert spelled_out("SNV", PASSAGES) == ["Sở Nội vụ"]
    assert spelled_out("HHCB&TS", PASSAGES) == ["Hiệp hội Chế biến và thủy sản"]
    assert spelled_out("SYT", PASSAGES) == []


def test_a_question_in_acronyms_is_answered_from_the_passage_that_spells_them_out(tmp_settings, embedder, tmp_path):
    report = tmp_path / "cv-412.txt"
    report.write_text(
        "CÔNG VĂN\nVề ý kiến đối với Ban vận động thành lập Hiệp hội Du lịch cộng đồng\n\n"
        "Sở Xây dựng và Giao thông nhận được Công văn số 1676/SNV-TCBC ngày 07/4/2026 của Sở Nội vụ về việc "
        "lấy ý kiến đối với Ban vận động thành lập Hiệp hội Du lịch cộng đồng.\n"
        "Sở Y tế đã tổ chức 12 lớp tập huấn về an toàn thực phẩm trong năm 2025.\n", encoding="utf-8")
    index = open_index(tmp_settings, embedder)
    assert not ingest_paths(index, [report], tmp_settings).failed
    answer = Assistant.from_settings(tmp_settings, index).answer_question(
        "SXDGT nhận được công văn nào của SNV?")
    assert answer.grounded and "1676/SNV-TCBC" in answer.answer
    assert "Sở Nội vụ" in answer.citations[0].quote


def test_a_sentence_whose_subject_is_only_in_the_documents_title_answers(tmp_settings, embedder, tmp_path):
    """A notice's sentences do not repeat what the title says they are about (the meeting)."""
    notice = tmp_path / "cong-dien-12.txt"
    notice.write_text(
        "CÔNG ĐIỆN\nPhiên họp lần thứ nhất Hội đồng Thi đua - Khen thưởng tỉnh Cà Mau\n\n"
        "1. Thời gian: 08 giờ 00, ngày 06 tháng 02 năm 2026.\n"
        "2. Địa điểm: Hội trường Ủy ban nhân dân tỉnh.\n"
        "3. Các đại biểu đăng ký tham dự qua hộp thư điện tử trước 16 giờ, ngày 05 tháng 02 năm 2026.\n", encoding="utf-8")
    other = tmp_path / "bao-cao-y-te.txt"
    other.write_text("BÁO CÁO\nTình hình y tế tỉnh Cà Mau năm 2025\n\nToàn tỉnh có 1.250 giường bệnh.\n", encoding="utf-8")
    index = open_index(tmp_settings, embedder)
    assert not ingest_paths(index, [notice, other], tmp_settings).failed
    answer = Assistant.from_settings(tmp_settings, index).answer_question(
        "Hạn đăng ký đại biểu dự Phiên họp lần thứ nhất Hội đồng Thi đua - Khen thưởng tỉnh Cà Mau là mấy giờ?")
    assert answer.grounded and "16 giờ" in answer.answer and answer.citations[0].document == "cong-dien-12.txt"
