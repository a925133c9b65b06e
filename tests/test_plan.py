"""The plan of a question (assistant/plan.py): its parts, one per thing asked."""

from __future__ import annotations

import pytest

from baocao.assistant.plan import distribute, make_plan


@pytest.mark.parametrize(("question", "parts"), [
    ("Trước sắp xếp, mỗi tỉnh Bình Thuận, Đắk Nông và Lâm Đồng có bao nhiêu hội?",
     ["Trước sắp xếp, tỉnh Bình Thuận có bao nhiêu hội?", "Trước sắp xếp, tỉnh Đắk Nông có bao nhiêu hội?",
      "Trước sắp xếp, tỉnh Lâm Đồng có bao nhiêu hội?"]),
    ("Từng Bộ Công an, Bộ Nội vụ chủ trì bao nhiêu nhiệm vụ?",
     ["Bộ Công an chủ trì bao nhiêu nhiệm vụ?", "Bộ Nội vụ chủ trì bao nhiêu nhiệm vụ?"]),
    ("moi tinh binh thuan va dak nong co bao nhieu hoi", ["tinh binh thuan co bao nhieu hoi", "tinh dak nong co bao nhieu hoi"]),
    ("Mỗi tỉnh có bao nhiêu hội?", ["Mỗi tỉnh có bao nhiêu hội?"]),  # no units named: one question
    ("Bình Thuận và Lâm Đồng có bao nhiêu hội?", ["Bình Thuận và Lâm Đồng có bao nhiêu hội?"]),  # a sum, maybe: not split
])
def test_each_of_several_units_is_asked_on_its_own(question, parts):
    assert distribute(question) == parts


def test_each_unit_is_a_part_with_its_own_entity():
    plan = make_plan("Mỗi tỉnh Cà Mau và Bạc Liêu có bao nhiêu hội?")
    assert [[e.name for e in p.constraints.entities] for p in plan.parts] == [["Cà Mau"], ["Bạc Liêu"]]


@pytest.mark.parametrize(("question", "figure"), [
    ("Số hội giải thể trong năm 2025?", True),
    ("so hoi giai the trong nam 2025", True),
    ("Sở Nội vụ có đề xuất cho phép thành lập hội không?", False),  # 'Sở' folds to 'so' too
    ("So sánh hai báo cáo về hội?", False),
])
def test_a_question_opening_with_so_asks_a_figure_only_when_it_is_so(question, figure):
    from baocao.assistant.query import understand

    assert understand(question).wants_figure is figure


def test_a_word_that_folds_to_a_cue_is_no_cue_when_typed_with_its_diacritics():
    from baocao.assistant.query import understand

    assert not understand("Danh mục nền tảng số được cập nhật theo quyết định nào?").wants_figure  # 'mục' is not 'mức'
    assert understand("Mức hỗ trợ là bao nhiêu?").wants_figure
    assert not understand("Bộ nào cấp máy chủ?").wants_count  # 'máy' is not 'mấy'


@pytest.mark.parametrize(("question", "asks"), [
    ("Đề án 06 đã hoàn thành bao nhiêu nhiệm vụ và còn bao nhiêu nhiệm vụ quá hạn?", ["figure", "count"]),  # a report's progress
    ("Bộ Công Thương chủ trì bao nhiêu nhiệm vụ?", ["task"]),  # counted over the plan's tasks
    ("Có bao nhiêu nhiệm vụ có thời hạn hoàn thành tháng 3/2025?", ["task"]),
    ("Kết quả dự kiến của nhiệm vụ xây dựng Đề án X là gì?", ["task"]),
    ("Ai chủ trì, hạn khi nào?", ["task"]),  # one task record answers both: one part
])
def test_counting_tasks_as_a_reports_figure_is_not_a_question_about_task_records(question, asks):
    assert [p.ask for p in make_plan(question).parts] == asks


def test_an_aside_at_the_end_goes_with_every_part():
    plan = make_plan("ở đâu và do cơ quan nào khánh thành (Trung tâm dữ liệu quốc gia số 1)?")
    assert [p.text for p in plan.parts] == ["ở đâu (Trung tâm dữ liệu quốc gia số 1)?",
                                            "do cơ quan nào khánh thành (Trung tâm dữ liệu quốc gia số 1)?"]


@pytest.mark.parametrize(("question", "parts"), [
    ("Cơ quan thường trực của Ban Chỉ đạo tỉnh Cà Mau khác gì so với Ban Chỉ đạo quốc gia?",
     ["Cơ quan thường trực của Ban Chỉ đạo tỉnh Cà Mau?", "Cơ quan thường trực của Ban Chỉ đạo quốc gia?"]),
    ("Quỹ Bảo trợ trẻ em và Quỹ Khuyến học khác nhau thế nào về cơ cấu?",
     ["cơ cấu của Quỹ Bảo trợ trẻ em?", "cơ cấu của Quỹ Khuyến học?"]),
    ("Kinh phí hoạt động của Hội đồng ATVSLĐ và của Ban Vì sự tiến bộ được bảo đảm khác nhau thế nào?",
     ["Kinh phí hoạt động của Hội đồng ATVSLĐ?", "Kinh phí hoạt động của Ban Vì sự tiến bộ được bảo đảm?"]),
])
def test_a_comparison_of_two_things_asks_each_side_on_its_own(question, parts):
    assert [p.text for p in make_plan(question).parts] == parts


@pytest.mark.parametrize(("question", "expanded"), [
    ("Ứng dụng AI trong cải cách hành chính thế nào?", True),
    ("ai la truong ban chi dao?", False),
    ("Hội Ái hữu Pháp ngữ có bao nhiêu hội viên?", False),
])
def test_a_two_letter_abbreviation_is_expanded_only_as_typed_in_capitals(question, expanded):
    from baocao.assistant.query import understand

    assert ("trí tuệ nhân tạo" in understand(question).expansions) is expanded


def test_parts_answered_from_different_documents_are_asked_again_of_the_one_the_question_is_about():
    from baocao.assistant.answerers import one_document_for_all_parts
    from baocao.assistant.models import Answer, Citation
    from baocao.assistant.plan import make_plan

    def answer(document: str, title: str, grounded: bool = True) -> Answer:
        cite = Citation(marker=1, document=document, title=title, quote="…", chunk_id=f"{document}:0")
        return Answer(answer=f"từ {document} [1]", citations=[cite], grounded=grounded)

    report = ("bao-cao.docx", "Báo cáo Tổ chức, hoạt động và quản lý hội năm 2025")
    letter = ("cong-van.docx", "Công văn V/v đề nghị thành lập Hội Cầu lông")
    plan = make_plan("Năm 2025 bao nhiêu hội hoạt động trong phạm vi tỉnh và bao nhiêu hội trong phạm vi xã?")
    asked_again = []

    class Context:
        def preferring(self, document):
            asked_again.append(document)
            return document

    merged = one_document_for_all_parts(plan, [answer(*letter), answer(*report)],
                                        lambda part, ctx: answer(ctx, dict([report, letter])[ctx]), Context())
    assert asked_again == ["bao-cao.docx"] and [a.citations[0].document for a in merged] == ["bao-cao.docx"] * 2
    # the sides of a comparison are about different things: not asked again
    sides = make_plan("Cơ quan thường trực của Ban Chỉ đạo tỉnh khác gì so với Ban Chỉ đạo quốc gia?")
    assert one_document_for_all_parts(sides, [answer(*letter), answer(*report)], None, Context())[0].citations[0].document == "cong-van.docx"


@pytest.mark.parametrize(("question", "kinds"), [
    ("Những tỉnh nào chưa thành lập Ban Chỉ đạo?", ["province"]),
    ("bộ, ngành, địa phương nào chưa báo cáo?", ["province", "agency"]),
    ("Bao nhiêu hội cấp tỉnh của Bình Thuận báo cáo không đủ điều kiện?", []),  # hội is counted, 'tỉnh' a level
    ("Có bao nhiêu hội viên cấp tỉnh?", []),
])
def test_the_kind_a_list_question_asks_for_is_its_subjects_head(question, kinds):
    from baocao.assistant.query import understand
    from baocao.assistant.sets import asked_kinds

    assert asked_kinds(understand(question)) == kinds


@pytest.mark.parametrize(("question", "parts"), [
    ("Quyết định 2764 được ban hành theo đề nghị của ai và có hiệu lực từ khi nào?", 2),  # 'khi nào' of no task
    ("Bộ nào chủ trì nhiệm vụ xây dựng Luật Dữ liệu, hạn khi nào?", 1),  # one task record answers both
])
def test_a_when_question_is_a_tasks_deadline_only_beside_a_task_word(question, parts):
    from baocao.assistant.plan import split_parts

    assert len(split_parts(question)) == parts


@pytest.mark.parametrize(("question", "parts"), [
    ("Dự thảo điều lệ Quỹ Chữ thập đỏ (TTr 487) và Quỹ Khuyến học (TTr 599) làm theo mẫu số mấy?",
     ["Dự thảo điều lệ Quỹ Chữ thập đỏ (TTr 487) làm theo mẫu số mấy?",
      "Dự thảo điều lệ Quỹ Khuyến học (TTr 599) làm theo mẫu số mấy?"]),
    ("Hội Người mù và Hội Làm vườn có bao nhiêu hội viên?",
     ["Hội Người mù có bao nhiêu hội viên?", "Hội Làm vườn có bao nhiêu hội viên?"]),
    # two units of a province each: one joint predicate, kept whole
    ("Quỹ Khuyến học tỉnh Đắk Nông và Quỹ Khuyến học tỉnh Bình Thuận hợp nhất thành quỹ nào?", None),
])
def test_a_question_about_two_named_units_is_asked_of_each(question, parts):
    from baocao.assistant.plan import distribute_named

    assert distribute_named(question) == (parts or [question])


@pytest.mark.parametrize("question", ["Tổ thư ký giúp việc Ban gồm những ai?", "nhung nguoi nao duoc moi du hop"])
def test_who_in_the_plural_asks_for_people(question):
    assert make_plan(question).parts[0].ask == "person"


@pytest.mark.parametrize(("question", "kind"), [
    ("Tờ trình về hợp nhất các hội do Đảng giao nhiệm vụ viện dẫn khoản, điều nào của Nghị định 126?", None),  # 'các' describes
    ("Các hội bị giải thể gồm những gì?", "association"),  # no 'nào': 'các' names what is listed
    ("Những hội do Đảng, Nhà nước giao nhiệm vụ nào được hợp nhất?", "association"),
])
def test_the_asked_kind_is_what_nao_asks_of(question, kind):
    from baocao.assistant.plan import asked_kind

    assert asked_kind(question) == kind
