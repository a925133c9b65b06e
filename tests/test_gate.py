"""The answerability gate on units named by their proper name (assistant/gate.py)."""

from __future__ import annotations

import pytest

from baocao.assistant.gate import named_units
from conftest import assistant_over


@pytest.mark.parametrize(("question", "names"), [
    ("Hội Nông dân tỉnh Cà Mau được giao bao nhiêu biên chế năm 2025?", ["hoi | nong dan"]),
    ("Tờ trình 12 về hợp nhất Quỹ Bảo trợ trẻ em đề ngày nào?", ["quy | bao tro"]),
    ("Trung tâm Phục vụ hành chính công tỉnh tiếp nhận bao nhiêu hồ sơ?", ["trung tam | phuc vu"]),
    ("Hội Khuyến học tỉnh được hỗ trợ bao nhiêu kinh phí?", ["hoi | khuyen hoc"]),  # not 'Quỹ Khuyến học
    ("Hội nào đã giải thể trong năm 2025?", []),  # no proper name: the kind only
    ("Sở Nội vụ tỉnh Cà Mau có bao nhiêu phòng?", []),  # departments are the gazetteer's
])
def test_the_proper_names_of_units_in_a_question(question, names):
    assert named_units(question) == names


@pytest.fixture(scope="module")
def associations(tmp_path_factory, embedder):
    return assistant_over(tmp_path_factory.mktemp("associations"), {
        "bao-cao-hoi-2025.txt":
            "Cà Mau, ngày 15 tháng 12 năm 2025\n\n"
            "BÁO CÁO\nTình hình tổ chức, hoạt động và quản lý hội năm 2025 của tỉnh Cà Mau\n\n"
            "1. Tổng số hội có phạm vi hoạt động trong tỉnh: 212 hội.\n"
            "2. Số biên chế được cơ quan có thẩm quyền giao cho các hội có tính chất đặc thù: 148 biên chế.\n"
            "3. Hội Nông dân tỉnh tổ chức 14 hội nghị tập huấn trong năm.\n",
        "dieu-le-quy.txt":
            "ĐIỀU LỆ\nQuỹ Bảo trợ trẻ em tỉnh Cà Mau\n\nĐiều 3. Trụ sở: số 12 đường Lý Thường Kiệt, phường 5, tỉnh Cà Mau.\n",
    }, embedder)


def test_one_named_units_share_of_a_group_figure_is_refused_saying_what_is_given(associations):
    answer = associations.answer_question("Hội Nông dân tỉnh Cà Mau được giao bao nhiêu biên chế?")
    assert not answer.grounded and "148 biên chế" in answer.answer and answer.answer.startswith("Không tìm thấy")


def test_a_unit_named_in_the_documents_title_is_answered_from_its_sentences(associations):
    answer = associations.answer_question("Quỹ Bảo trợ trẻ em tỉnh Cà Mau có trụ sở ở đâu?")
    assert answer.grounded and "Lý Thường Kiệt" in answer.answer


@pytest.mark.parametrize(("question", "sentence", "counts"), [
    ("Năm 2025 có bao nhiêu vụ tấn công mạng?", "Khôi phục hệ thống bị tấn công trong vòng 24 giờ.", False),
    ("Năm 2025 có bao nhiêu vụ tấn công mạng?", "(1) Rà soát nhiệm vụ an toàn thông tin; (2) diễn tập.", False),
    ("Năm 2025 có bao nhiêu vụ tấn công mạng?", "Đã xử lý 1.204 vụ tấn công mạng.", True),
    ("Tổng số hội trên địa bàn là bao nhiêu?", "Tổng số hội: 610.", True),  # nothing after 'bao nhiêu'
    # 'Số X … là bao nhiêu?' counts X
    ("Số doanh nghiệp công nghệ số mới nhất là bao nhiêu?", "Bộ triển khai 25 nhiệm vụ tác động tới doanh nghiệp.", False),
    ("Số doanh nghiệp công nghệ số mới nhất là bao nhiêu?", "Đạt 78.502 doanh nghiệp tính đến hết tháng 9/2025.", True),
    ("Có bao nhiêu hội trong phạm vi xã?", "Hội có phạm vi hoạt động trong xã: 520 hội.", True),
    ("Tỷ lệ hồ sơ trực tuyến đạt bao nhiêu phần trăm?", "Tỷ lệ hồ sơ trực tuyến đạt 45,2%.", True),
    ("Đã cắt giảm bao nhiêu thủ tục hành chính?", "Phê duyệt phương án cắt giảm 65 TTHC.", True),  # the abbreviation
    ("Phải tái cấu trúc bao nhiêu DVCTT toàn trình?", "Tái cấu trúc 25 dịch vụ công trực tuyến toàn trình.", True),  # and back
    ("Thông báo đăng trong bao nhiêu số?", "Đăng trên Báo Cà Mau 03 (ba) số liên tiếp.", True),
    ("Hội dự kiến có bao nhiêu hội viên?", "Hồ sơ thành lập hội (có ít nhất 50 tổ chức, công dân) chưa đủ.", False),
    ("Hội dự kiến có bao nhiêu hội viên?", "Hội dự kiến có 1.250 hội viên.", True),  # the compound, whole
    ("Hội dự kiến có bao nhiêu hội viên?", "Tổng số hội viên: 12.400 người.", True),
    # 'số <noun>' opens the clause whose figure counts it, however long the noun phrase
    ("Tổng số chứng thư chữ ký số đã cấp là bao nhiêu?", "Tổng số chứng thư chữ ký số đã cấp đạt 22.390.613.", True),
    ("Có bao nhiêu hội trong phạm vi xã?", "Dự kiến trụ sở Hội đặt tại số nhà 26, phường Xuân Hương.", False),  # 'trụ sở'
    # a unit is written as one: the 'Đồng' of 'Lâm Đồng' is no 'đồng'
    ("Khi sáp nhập, thì tổng số tiền của quỹ là bao nhiêu?", "Trên địa bàn tỉnh Lâm Đồng có 03 Quỹ.", False),
    ("Khi sáp nhập, thì tổng số tiền của quỹ là bao nhiêu?", "Quỹ có số dư 120 triệu đồng.", True),
])
def test_a_count_answers_only_when_it_counts_what_was_asked(question, sentence, counts):
    from baocao.assistant.gate import counts_the_asked

    assert counts_the_asked(question, sentence) is counts


def test_a_figure_of_another_thing_is_not_a_count_of_the_asked_thing(associations):
    answer = associations.answer_question("Năm 2025 có bao nhiêu hội nghị tập huấn về hội được tổ chức ở Cà Mau?")
    assert "14 hội nghị" in answer.answer  # the count of what was asked
    refused = associations.answer_question("Năm 2025 tỉnh Cà Mau có bao nhiêu hội viên?")
    assert not refused.grounded and refused.answer.startswith(("Không tìm thấy", "Các báo cáo không nêu"))


def test_the_year_of_the_report_covers_its_sentences(associations):
    """'năm 2025' is said by the report's date; its sentences need not repeat it, and 'hội' is no stop word
    ('hỏi' is)."""
    answer = associations.answer_question("Tổng số hội có phạm vi hoạt động trong tỉnh Cà Mau năm 2025?")
    assert answer.grounded and "212 hội" in answer.answer


@pytest.mark.parametrize(("sentence", "person"), [
    ("3. Bổ sung đồng chí Đỗ Thanh Bình, Bộ trưởng Bộ Nội vụ, thành viên Ban Chỉ đạo.", True),  # the name first
    ("- Bộ trưởng Bộ Nội vụ Phạm Thị Thanh Trà;", True),  # the title names a body before the person
    ("Phó Thủ tướng Chính phủ Nguyễn Chí Dũng, Phó Trưởng Ban Chỉ đạo.", True),
    ("Giám đốc Sở Tài chính là thành viên.", False),  # a post, no person
    ("Văn phòng trân trọng kính mời Đồng chí dự Phiên họp.", False),
    ("Giúp Chính phủ, Thủ tướng Chính phủ, Trưởng Ban Chỉ đạo chỉ đạo thực hiện.", False),  # titles, no name
    ("Giám đốc Sở Nội vụ, Chủ tịch Hội Khuyến học tỉnh căn cứ Quyết định thi hành.", False),  # a body, no name
])
def test_a_person_is_named_by_title_or_as_comrade(sentence, person):
    from baocao.assistant.gate import names_a_person

    assert names_a_person(sentence) is person


def test_a_sentence_naming_its_periods_own_year_is_dated_by_its_passage():
    from baocao.assistant.gate import in_period
    from baocao.ingest.models import Chunk
    from baocao.ingest.text import parse_period

    chunk = Chunk("d:1", "d", "bc.txt", "Báo cáo tháng 3", "", "", as_of="2025-03-26", report_date="2025-03-27")
    march = parse_period("tháng 3/2025")
    assert in_period("Từ đầu năm 2025, NDXP đạt 236,6 triệu giao dịch.", chunk, march)
    assert not in_period("Năm 2024, NDXP đạt 120 triệu giao dịch.", chunk, march)


@pytest.mark.parametrize(("question", "kind"), [
    ("Quyết định giải thể Hội Làm vườn tỉnh Cà Mau được ký ngày nào?", "quyet dinh"),
    ("Quyết định thành lập Ban Chỉ đạo tỉnh Cà Mau mang số bao nhiêu?", "quyet dinh"),
    ("Tờ trình 93 ký ngày nào?", None),  # named by number: the document answerer's
    ("Bộ Công an phải gửi báo cáo trong ngày nào?", None),  # a deadline, not a report's field
])
def test_a_document_described_by_kind_whose_field_is_asked(question, kind):
    from baocao.assistant.references import described_kind
    from baocao.ingest.text import search_key

    assert described_kind(search_key(question)) == kind


def test_evidence_for_a_decisions_field_is_the_decision_or_cites_one_by_number():
    from baocao.assistant.references import could_be_kind
    from baocao.ingest.models import Chunk

    submission = Chunk("d:1", "d", "tt.txt", "Tờ trình về việc giải thể Hội Làm vườn", "", "", doc_kind="Tờ trình")
    decision = Chunk("q:1", "q", "qd.txt", "Quyết định giải thể Hội Làm vườn", "", "", doc_kind="Quyết định")
    assert not could_be_kind("Sở Nội vụ trình ký ngày 05/12/2024.", submission, "quyet dinh")
    assert could_be_kind("Theo Quyết định số 12/QĐ-UBND ngày 05/12/2024, …", submission, "quyet dinh")
    assert could_be_kind("Cà Mau, ngày 05 tháng 12 năm 2024", decision, "quyet dinh")


@pytest.mark.parametrize(("question", "sentence", "reason"), [
    ("Hội nghị tổng kết tổ chức ở đâu?", "Hội nghị tổng kết đánh giá kết quả năm 2025 của tỉnh.", "place"),
    ("Hội nghị tổng kết tổ chức ở đâu?", "Hội nghị tổng kết tổ chức tại Hội trường Ủy ban nhân dân tỉnh.", None),
    ("Hội nghị tổng kết tổ chức ở đâu?", "Hội nghị tổng kết được tổ chức tại Khu Công nghệ cao Hoà Lạc.", None),
    ("Hội nghị tổng kết tổ chức khi nào?", "Hội nghị tổng kết đánh giá kết quả hoạt động của các hội.", "time"),
    ("Hội nghị tổng kết tổ chức khi nào?", "Hội nghị tổng kết tổ chức ngày 12/01/2026.", None),
])
def test_a_where_or_when_question_needs_a_place_or_a_time_in_its_evidence(question, sentence, reason):
    from baocao.assistant.gate import failures
    from baocao.assistant.plan import make_plan
    from baocao.ingest.models import Chunk

    chunk = Chunk(chunk_id="c", doc_id="d", document="bao-cao.txt", title="Báo cáo tổng kết", section="", text=sentence)
    found = [v.reason for v in failures(make_plan(question).parts[0], sentence, chunk)]
    assert (reason in found) if reason else not {"place", "time"} & set(found)


@pytest.mark.parametrize(("sentence", "none"), [
    ("c) Số hội viên mới kết nạp trong năm: Không có.", True),
    ("c) Số hội giải thể trong năm: Không có.", False),  # none dissolved: no count of members
    ("Đến nay hội chưa có hội viên nào.", True),
    ("Hiện nay chưa có tỉnh, thành phố nào cho phép thành lập hội này.", False),
    ("Không có doanh nghiệp nào, cũng chưa có hội viên.", True),
    ("Số lượng hội viên sẽ không nhiều, không có hội viên bao phủ ở các khu vực khác.", False),
])
def test_none_answers_a_count_only_when_said_of_the_counted(sentence, none):
    from baocao.assistant.gate import _counts_in_words

    assert _counts_in_words(sentence, "Hội có bao nhiêu hội viên?") is none


@pytest.mark.parametrize(("sentence", "place"), [
    ("Cuộc họp tổ chức tại Trụ sở Chính phủ.", True),
    ("Hội nghị diễn ra ở Phan Thiết.", True),
    ("Điều phối dữ liệu tại Cơ sở dữ liệu tổng hợp quốc gia.", False),
    ("Hồ sơ đã đủ theo quy định tại Điều 31 và khoản 4 Điều 32.", False),
    ("Thực hiện theo quy định tại Quyết định số 12/QĐ-UBND.", False),
])
def test_what_tai_cites_is_not_a_place(sentence, place):
    from baocao.assistant.evidence import names_a_place

    assert names_a_place(sentence) is place


def test_a_sentence_in_the_words_the_synonym_table_gives_covers_the_asked_phrase():
    from baocao.assistant.evidence import requirements
    from baocao.assistant.query import understand

    class Flat:
        def weight(self, term):
            return 1.0

        def known(self, term):
            return True

    needs = {r.term: r for r in requirements(understand("Thành viên có làm việc chuyên trách không?"), Flat())}
    assert needs["chuyen"].met_by({"kiem", "nhiem"}) and not needs["chuyen"].met_by({"lam", "viec"})


def _reasons(question: str, sentence: str, title: str = "Báo cáo tổng kết") -> set[str]:
    from baocao.assistant.gate import failures
    from baocao.assistant.plan import make_plan
    from baocao.ingest.models import Chunk

    chunk = Chunk(chunk_id="c", doc_id="d", document="van-ban.txt", title=title, section="", text=sentence)
    return {v.reason for v in failures(make_plan(question).parts[0], sentence, chunk)}


@pytest.mark.parametrize(("question", "sentence", "reason", "fails"), [
    # a figure the question gives is not its answer
    ("Trong 09 thành viên Hội đồng có bao nhiêu thành viên là nữ?", "Hội đồng quản lý quỹ có 09 thành viên.", "figure", True),
    ("Trong 09 thành viên Hội đồng có bao nhiêu thành viên là nữ?", "Trong 09 thành viên có 04 thành viên là nữ.", "figure", False),
    # a preamble line states a basis, not what the document says
    ("Kế hoạch năm 2026 của Ban Chỉ đạo gồm những nhiệm vụ gì?",
     "Căn cứ Quyết định số 1798/QĐ-UBND ngày 22 tháng 10 năm 2025 về ban hành Kế hoạch triển khai;", "basis", True),
    ("Ban Chỉ đạo được thành lập theo quyết định nào?",
     "Căn cứ Quyết định số 2319/QĐ-TTg ngày 20 tháng 10 năm 2025 thành lập Ban Chỉ đạo;", "basis", False),
    ("Bộ Nội vụ yêu cầu gửi báo cáo trước ngày nào?",
     "Căn cứ Nghị định số 126/2024/NĐ-CP, Bộ Nội vụ đề nghị gửi báo cáo trước ngày 31/12/2025.", "basis", False),
    # 'ai là' is answered by a post said to hold the role; 'tên là gì' needs a name
    ("Ai là Trưởng Ban Chỉ đạo?", "Ban Chỉ đạo do Thủ tướng Chính phủ làm Trưởng Ban.", "person", False),
    ("Chủ tịch Hiệp hội là ai?", "Sở Nội vụ kính trình Chủ tịch UBND tỉnh xem xét, cho phép đổi tên Hiệp hội.", "person", True),
    ("Giám đốc Công an tỉnh, Phó Trưởng Ban Chỉ đạo, tên là gì?", "3. Giám đốc Công an tỉnh, Phó Trưởng Ban Chỉ đạo.", "person", True),
    ("Ai ký ban hành Nghị quyết?", "Tổng Bí thư Tô Lâm đã ký ban hành Nghị quyết.", "person", False),
    # one member's share of a figure the sentence gives for the group
    ("Hội Điều dưỡng tỉnh Bình Thuận có bao nhiêu Phó Chủ tịch?",
     "Giữ nguyên 09 Phó Chủ tịch Hội của tỉnh Lâm Đồng, Bình Thuận, Đắk Nông (trước sắp xếp).", "entity", True),
    # 'Hội Khuyến học' is not 'Quỹ Khuyến học'; 'Quỹ Chữ thập đỏ' is 'Quỹ hoạt động nhân đạo Chữ thập đỏ'
    ("Hội Khuyến học tỉnh được hỗ trợ bao nhiêu kinh phí?", "Quỹ Khuyến học tỉnh được hỗ trợ 200 triệu đồng.", "entity", True),
    ("Hội Khuyến học tỉnh được hỗ trợ bao nhiêu kinh phí?",
     "Hội đồng quản lý Quỹ Khuyến học tỉnh được hỗ trợ 200 triệu đồng.", "entity", True),
    ("Quỹ Chữ thập đỏ có bao nhiêu thành viên Hội đồng quản lý?",
     "Quỹ hoạt động nhân đạo Chữ thập đỏ có Hội đồng quản lý 09 thành viên.", "entity", False),
])
def test_the_gate_reads_what_the_evidence_answers(question, sentence, reason, fails):
    assert (reason in _reasons(question, sentence)) is fails


@pytest.mark.parametrize(("question", "number"), [
    ("Ai ký Công văn 8977/BNV-TCPCP của Bộ Nội vụ?", "8977"),  # the number with its symbol
    ("Nghị định 126/2024/NĐ-CP quy định gì về hội?", "126"),
    ("Quyết định 12/3 quy định gì?", None),  # a date-like pair names no document
    ("QĐ 779 công nhận Điều lệ Quỹ Khuyến học do ai ký?", "779"),  # the kind as officials abbreviate it
])
def test_a_document_is_named_by_its_number_with_or_without_its_symbol(question, number):
    from baocao.assistant.references import referenced_document
    from baocao.ingest.text import search_key

    found = referenced_document(search_key(question))
    assert (found.number if found else None) == number
    assert found is None or found.kind in ("cong van", "nghi dinh", "quyet dinh")


@pytest.mark.parametrize(("sentence", "fails"), [
    ("Hiệp hội gửi Công văn số 17/2025/CV-HHĐG&MT ngày 13/11/2025 đề nghị đổi tên.", False),
    ("Thực hiện Đề án số 08-ĐA/TU ngày 02/7/2025 của Ban Thường vụ Tỉnh ủy.", False),
    ("Hiệp hội đã hoàn thiện hồ sơ đề nghị đổi tên theo quy định.", True),
])
def test_a_question_for_a_documents_number_needs_one_in_its_evidence(sentence, fails):
    assert ("number" in _reasons("Công văn đề nghị đổi tên của Hiệp hội số mấy?", sentence)) is fails


@pytest.mark.parametrize(("question", "title", "fails"), [
    # a document about several provinces' associations is about none of them alone
    ("Hội Điều dưỡng tỉnh Bình Thuận có bao nhiêu Phó Chủ tịch?",
     "Tờ trình về việc sáp nhập Hội Điều dưỡng tỉnh Bình Thuận, tỉnh Đắk Nông vào Hội Điều dưỡng tỉnh Lâm Đồng", True),
    ("Hội Điều dưỡng tỉnh Bình Thuận có bao nhiêu Phó Chủ tịch?", "Báo cáo của Hội Điều dưỡng tỉnh Bình Thuận", False),
    # the other province is asked about too: 'Hiệp hội Thanh long Bình Thuận tỉnh Lâm Đồng'
    ("Hiệp hội Thanh long Bình Thuận tỉnh Lâm Đồng có bao nhiêu Phó Chủ tịch?",
     "Điều lệ Hiệp hội Thanh long Bình Thuận tỉnh Lâm Đồng", False),
])
def test_a_sentence_without_the_entity_is_its_own_only_in_a_document_about_it_alone(question, title, fails):
    sentence = "Ban Chấp hành có Chủ tịch và 11 Phó Chủ tịch."
    assert ("entity" in _reasons(question, sentence, title)) is fails


@pytest.mark.parametrize(("as_of", "fails"), [("2025-12", True), ("2025-12-09", False)])
def test_a_day_the_question_names_is_not_met_by_a_passage_dated_by_its_month(as_of, fails):
    from baocao.assistant.gate import failures
    from baocao.assistant.plan import make_plan
    from baocao.ingest.models import Chunk

    question = "Cuộc họp ngày 09/12/2025 về thành lập Hội được tổ chức ở đâu?"
    sentence = "Sở Nội vụ chủ trì cuộc họp tại Hội trường Sở Nội vụ, số 2 Trần Hưng Đạo, Đà Lạt."
    chunk = Chunk(chunk_id="c", doc_id="d", document="bc.txt", title="Báo cáo", section="", text=sentence, as_of=as_of)
    assert ("period" in {v.reason for v in failures(make_plan(question).parts[0], sentence, chunk)}) is fails


@pytest.mark.parametrize(("question", "fails"), [
    ("Bộ Nội vụ yêu cầu gửi báo cáo về hội năm 2024 trước ngày nào?", True),  # 2024 is the decree's date only
    ("Bộ Nội vụ yêu cầu gửi báo cáo về hội năm 2025 trước ngày nào?", False),
])
def test_a_cited_documents_date_does_not_date_a_sentence_that_states_its_own(question, fails):
    from baocao.assistant.gate import failures
    from baocao.assistant.plan import make_plan
    from baocao.ingest.models import Chunk

    sentence = ("Căn cứ Nghị định số 126/2024/NĐ-CP ngày 08/10/2024 của Chính phủ, Bộ Nội vụ đề nghị gửi báo cáo "
                "về hội trước ngày 31/12/2025.")
    chunk = Chunk(chunk_id="c", doc_id="d", document="cv.pdf", title="Công văn", section="", text=sentence, as_of="2025-12-11")
    assert ("period" in {v.reason for v in failures(make_plan(question).parts[0], sentence, chunk)}) is fails


def test_a_list_of_another_date_does_not_answer_a_question_about_a_date(tmp_path, embedder):
    reports = {
        "hien-trang-2025.txt": "Cà Mau, ngày 06 tháng 8 năm 2025\n\nTỜ TRÌNH\nVề việc hợp nhất các hội của tỉnh Cà Mau\n"
                               "Các hội cấp tỉnh của Cà Mau gồm:\n- Hội Nông dân tỉnh Cà Mau;\n- Hội Làm vườn tỉnh Cà Mau;\n"
                               "- Hội Khuyến học tỉnh Cà Mau.\n",
        "ra-soat-2024.txt": "Cà Mau, ngày 26 tháng 11 năm 2024\n\nTỜ TRÌNH\nVề việc xử lý các hội quần chúng cấp tỉnh Cà Mau\n"
                            "Kết quả rà soát tính đến ngày 26/11/2024: 02 hội cấp tỉnh của Cà Mau đã tổ chức đại hội.\n",
    }
    assistant = assistant_over(tmp_path, reports, embedder)
    answer = assistant.answer_question("Tính đến ngày 26/11/2024, bao nhiêu hội cấp tỉnh của Cà Mau đã tổ chức đại hội?")
    assert "02 hội" in answer.answer and "có 3 hội" not in answer.answer


@pytest.mark.parametrize(("question", "items"), [
    ("Hiệp hội có mấy loại hội viên?", ["hội viên chính thức", "hội viên danh dự", "hội viên liên kết"]),
    ("Hiệp hội có bao nhiêu hội viên?", []),  # members, not kinds of members: the sentence counts none
])
def test_kinds_are_counted_where_each_item_repeats_the_counted_noun(question, items):
    from baocao.assistant.gate import enumerated_items

    sentence = "1. Hội viên của Hiệp hội gồm hội viên chính thức, hội viên danh dự và hội viên liên kết"
    assert enumerated_items(question, sentence) == items


def test_a_later_part_that_says_more_of_the_first_inherits_what_it_asks():
    from baocao.assistant.plan import split_parts

    parts = split_parts("Hiệp hội Thanh long có mấy loại hội viên, gồm những loại nào?")
    assert len(parts) == 2 and "hội viên gồm những loại nào" in parts[1]
    assert split_parts("Quỹ có bao nhiêu thành viên và do ai làm Chủ tịch?")[1] == "Quỹ do ai làm Chủ tịch?"
