"""The answerability gate on units named by their proper name (assistant/gate.py)."""

from __future__ import annotations

import pytest

from baocao.assistant.gate import named_units
from baocao.assistant.service import Assistant
from baocao.vectorstore.ingest_files import ingest_paths
from baocao.vectorstore.store import open_index


@pytest.mark.parametrize(("question", "names"), [
    ("Hội Nông dân tỉnh Cà Mau được giao bao nhiêu biên chế năm 2025?", ["nong dan"]),
    ("Tờ trình 12 về hợp nhất Quỹ Bảo trợ trẻ em đề ngày nào?", ["bao tro"]),
    ("Trung tâm Phục vụ hành chính công tỉnh tiếp nhận bao nhiêu hồ sơ?", ["phuc vu"]),
    ("Hội nào đã giải thể trong năm 2025?", []),  # no proper name: the kind only
    ("Sở Nội vụ tỉnh Cà Mau có bao nhiêu phòng?", []),  # departments are the gazetteer's
])
def test_the_proper_names_of_units_in_a_question(question, names):
    assert named_units(question) == names


@pytest.fixture(scope="module")
def associations(tmp_path_factory, embedder):
    from baocao.settings import Settings

    root = tmp_path_factory.mktemp("associations")
    settings = Settings(home=root / "home")
    report = root / "bao-cao-hoi-2025.txt"
    report.write_text(
        "BÁO CÁO\nTình hình tổ chức, hoạt động và quản lý hội năm 2025 của tỉnh Cà Mau\n\n"
        "1. Tổng số hội có phạm vi hoạt động trong tỉnh: 212 hội.\n"
        "2. Số biên chế được cơ quan có thẩm quyền giao cho các hội có tính chất đặc thù: 148 biên chế.\n"
        "3. Hội Nông dân tỉnh tổ chức 14 hội nghị tập huấn trong năm.\n", encoding="utf-8")
    fund = root / "dieu-le-quy.txt"
    fund.write_text("ĐIỀU LỆ\nQuỹ Bảo trợ trẻ em tỉnh Cà Mau\n\nĐiều 3. Trụ sở: số 12 đường Lý Thường Kiệt, phường 5, tỉnh Cà Mau.\n",
                    encoding="utf-8")
    index = open_index(settings, embedder)
    assert not ingest_paths(index, [report, fund], settings).failed
    return Assistant.from_settings(settings, index)


def test_one_named_units_share_of_a_group_figure_is_refused_saying_what_is_given(associations):
    answer = associations.answer_question("Hội Nông dân tỉnh Cà Mau được giao bao nhiêu biên chế?")
    assert not answer.grounded and "148 biên chế" in answer.answer and answer.answer.startswith("Không tìm thấy")


def test_a_unit_named_in_the_documents_title_is_answered_from_its_sentences(associations):
    answer = associations.answer_question("Quỹ Bảo trợ trẻ em tỉnh Cà Mau có trụ sở ở đâu?")
    assert answer.grounded and "Lý Thường Kiệt" in answer.answer
