"""The assistant end to end on the sample index, and on a synthetic report written here."""

from __future__ import annotations

import pytest

from baocao.assistant.retriever import HybridRetriever
from baocao.assistant.service import Assistant
from baocao.vectorstore.ingest_files import ingest_paths
from baocao.vectorstore.store import open_index

NOT_ESTABLISHED = {
    "An Giang", "Bắc Giang", "Bắc Ninh", "Bến Tre", "Bình Dương", "Bình Thuận", "Đồng Nai", "Gia Lai", "Hà Nam",
    "Hải Phòng", "Hưng Yên", "Kon Tum", "Lai Châu", "Lâm Đồng", "Nam Định", "Nghệ An", "Sơn La", "Huế",
    "Vĩnh Phúc", "Yên Bái",
}


@pytest.fixture(scope="module")
def assistant(sample_index, sample_settings):
    return Assistant.from_settings(sample_settings, sample_index)


def assert_citations_verifiable(answer, index):
    for citation in answer.citations:
        chunk = index.get_chunks([citation.chunk_id])[0]
        assert citation.quote and citation.quote in chunk.text
        assert f"[{citation.marker}]" in answer.answer


@pytest.mark.parametrize("question", ["Tỉnh nào chưa thành lập Ban Chỉ đạo?", "tinh nao chua thanh lap ban chi dao"])
def test_headline_complement_is_exact_and_cites_the_footnote(assistant, sample_index, question):
    answer = assistant.ask(question)
    assert set(answer.items) == NOT_ESTABLISHED
    assert answer.grounded and answer.as_of == "2025-03-26"
    assert "63" in answer.answer and "26/3/2025" in answer.answer
    footnote = answer.citations[0]
    assert footnote.quote.startswith("Các địa phương: Bà Rịa-Vũng Tàu")
    assert any("43/63" in c.quote for c in answer.citations)
    assert_citations_verifiable(answer, sample_index)


def test_list_with_negative_predicate_is_given_as_listed(assistant):
    answer = assistant.ask("Địa phương nào chưa ban hành Kế hoạch hành động?")
    assert set(answer.items) == {"Bạc Liêu", "Điện Biên", "Đồng Nai", "Nghệ An", "Ninh Thuận", "Thanh Hóa", "Trà Vinh"}


def test_follow_up_keeps_the_conversation(assistant):
    first = assistant.ask("Tỉnh nào chưa thành lập Ban Chỉ đạo?")
    follow = assistant.ask("còn bộ nào?", conversation_id=first.conversation_id)
    assert follow.conversation_id == first.conversation_id
    assert "Bộ Công an" in follow.items and "Bộ Quốc phòng" not in follow.items
    assert len(follow.items) == 13


def test_number_comes_with_its_date(assistant, sample_index):
    answer = assistant.ask("Tốc độ Internet di động tháng 10/2025?")
    assert "159,57" in answer.answer and answer.as_of == "2025-10"
    assert "tháng 10/2025" in answer.answer
    assert_citations_verifiable(answer, sample_index)


def test_reports_disagreeing_over_time_are_both_given_with_dates(assistant):
    answer = assistant.ask("Có bao nhiêu địa phương thành lập Ban Chỉ đạo?")
    assert "46/63" in answer.answer and "43/63" in answer.answer
    assert "27/3/2025" in answer.answer and "26/3/2025" in answer.answer


def test_plan_tasks_by_agency_and_single_task(assistant, sample_index):
    listed = assistant.ask("Bộ Công an chủ trì những nhiệm vụ nào?")
    assert len(listed.items) == 7
    assert any(i.startswith("Hoàn thành xây dựng Trung tâm dữ liệu quốc gia") for i in listed.items)
    one = assistant.ask("Cơ quan nào chủ trì xây dựng Trung tâm dữ liệu quốc gia, hạn khi nào?")
    assert "Bộ Công an" in one.answer and "Tháng 12/2025" in one.answer
    assert_citations_verifiable(one, sample_index)


def test_abbreviations_are_understood(assistant):
    answer = assistant.ask("Tỷ lệ HSTT toàn trình tháng 10/2025 là bao nhiêu?")
    assert answer.grounded and "39,98%" in answer.answer


def test_refuses_when_the_reports_do_not_say(assistant):
    answer = assistant.ask("Ngân sách chi cho chuyển đổi số của tỉnh Cà Mau năm 2023 là bao nhiêu?")
    assert not answer.grounded
    assert answer.answer.startswith("Không tìm thấy")
    assert answer.citations == []


def test_retriever_is_a_langchain_retriever(sample_index, sample_settings):
    retriever = HybridRetriever.from_index(sample_index, sample_settings, k=3)
    documents = retriever.invoke("tốc độ Internet di động")
    assert len(documents) == 3
    assert all(d.metadata["chunk_id"] and d.page_content for d in documents)


SYNTHETIC = """\
BÁO CÁO
Kết quả triển khai nền tảng số cấp tỉnh 8 tháng năm 2025

I. KẾT QUẢ ĐẠT ĐƯỢC
1. Về hoàn thành bộ tiêu chí chính quyền số
Tính đến hết ngày 31/8/2025, có 30/34 tỉnh, thành phố đã hoàn thành 16/16 tiêu chí chính quyền số cấp xã.1
2. Về kết nối dữ liệu
Đã có 29/34 địa phương kết nối Cổng dữ liệu mở.
1 Các địa phương: An Giang, Bắc Ninh, Cà Mau, Cao Bằng, Đắk Lắk, Điện Biên, Đồng Nai, Đồng Tháp, Gia Lai, Hà Nội,
Hà Tĩnh, Hải Phòng, Huế, Hưng Yên, Khánh Hòa, Lai Châu, Lạng Sơn, Lào Cai, Lâm Đồng, Nghệ An, Ninh Bình, Phú Thọ,
Quảng Ngãi, Quảng Ninh, Quảng Trị, Sơn La, Tây Ninh, Thái Nguyên, Thanh Hóa, TP Hồ Chí Minh.
"""


def test_complement_after_the_merger_on_an_unseen_report(tmp_settings, embedder, tmp_path):
    path = tmp_path / "2025-09_bao-cao-tieu-chi.txt"
    path.write_text(SYNTHETIC, encoding="utf-8")
    index = open_index(tmp_settings, embedder)
    assert not ingest_paths(index, [path], tmp_settings).failed
    answer = Assistant.from_settings(tmp_settings, index).ask("Tỉnh nào chưa hoàn thành 16/16 tiêu chí?")
    assert set(answer.items) == {"Cần Thơ", "Đà Nẵng", "Tuyên Quang", "Vĩnh Long"}
    assert "34" in answer.answer and "31/8/2025" in answer.answer
