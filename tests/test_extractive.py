"""The extractive answerer's choice of sentence (assistant/extractive.py) over a small real index."""

from __future__ import annotations

import pytest

from conftest import assistant_over


@pytest.fixture(scope="module")
def notices(tmp_path_factory, embedder):
    reports = {
        f"bao-cao-thang-{month}.txt":
            f"Cà Mau, {when}\n\nBÁO CÁO\nTình hình hoạt động của Ban Chỉ đạo chuyển đổi số tỉnh Cà Mau\n"
            f"1. Ban Chỉ đạo chuyển đổi số tỉnh Cà Mau đã tổ chức {count} cuộc kiểm tra tại các sở.\n"
            "2. Các thành viên Ban Chỉ đạo làm việc theo chế độ kiêm nhiệm.\n"
            "3. Các sở được kiểm tra phải khắc phục tồn tại và báo cáo Ban Chỉ đạo chuyển đổi số tỉnh Cà Mau.\n"
            "4. Thời hạn khắc phục tồn tại của các sở được kiểm tra là 30 ngày kể từ ngày có kết luận.\n"
        for month, when, count in [(10, "ngày 31 tháng 10 năm 2025", 12), (11, "ngày 30 tháng 11 năm 2025", 15)]}
    meeting = (
        "Cà Mau, ngày 05 tháng 01 năm 2026\n\nGIẤY MỜI\nPhiên họp lần thứ nhất Ban Chỉ đạo chuyển đổi số tỉnh Cà Mau\n"
        "1. Văn phòng trân trọng kính mời đồng chí dự Phiên họp lần thứ nhất Ban Chỉ đạo chuyển đổi số tỉnh Cà Mau diễn ra trong buổi chiều.\n"
        "2. Phiên họp bắt đầu từ 14 giờ 30 phút, ngày 12 tháng 01 năm 2026.\n3. Hình thức: trực tiếp và trực tuyến.\n"
        "4. Ban Chỉ đạo chuyển đổi số tỉnh Cà Mau đặt trụ sở tại số 2 đường Hùng Vương, phường 5.\n"
        "5. Phiên họp lần thứ nhất được tổ chức tại Hội trường Ủy ban nhân dân tỉnh.\n")
    return assistant_over(tmp_path_factory.mktemp("notices"), {"giay-moi.txt": meeting, **reports}, embedder)


def test_a_when_question_is_answered_by_the_sentence_that_states_the_time(notices):
    answer = notices.answer_question("Phiên họp lần thứ nhất Ban Chỉ đạo chuyển đổi số tỉnh Cà Mau diễn ra lúc nào?")
    assert "14 giờ 30 phút" in answer.answer


def test_a_line_labelled_with_what_is_asked_answers_it(notices):
    answer = notices.answer_question("Phiên họp lần thứ nhất Ban Chỉ đạo chuyển đổi số tỉnh Cà Mau theo hình thức nào?")
    assert answer.answer.splitlines()[0].endswith("Hình thức: trực tiếp và trực tuyến. [1]")


def test_a_how_long_question_is_answered_by_the_sentence_that_states_a_length_not_a_list(notices):
    answer = notices.answer_question("Trong bao lâu các sở được kiểm tra phải khắc phục tồn tại?")
    assert answer.answer.splitlines()[0].endswith("là 30 ngày kể từ ngày có kết luận. [1]") and not answer.items


def test_a_where_question_is_answered_by_the_sentence_that_names_a_place(notices):
    answer = notices.answer_question("Phiên họp lần thứ nhất Ban Chỉ đạo chuyển đổi số tỉnh Cà Mau diễn ra ở đâu?")
    assert answer.answer.splitlines()[0].endswith("tại Hội trường Ủy ban nhân dân tỉnh. [1]")


def test_figures_that_differ_by_date_are_shown_newest_first_but_a_yes_no_never_is(notices):
    figure = notices.answer_question("Ban Chỉ đạo chuyển đổi số tỉnh Cà Mau đã tổ chức bao nhiêu cuộc kiểm tra?")
    assert figure.answer.startswith("Các báo cáo nêu số liệu khác nhau theo thời điểm")
    assert figure.answer.index("15 cuộc") < figure.answer.index("12 cuộc")
    yes_no = notices.answer_question("Các thành viên Ban Chỉ đạo chuyển đổi số tỉnh Cà Mau có làm việc theo chế độ kiêm nhiệm không?")
    assert "khác nhau theo thời điểm" not in yes_no.answer and "kiêm nhiệm" in yes_no.answer


def test_a_heading_number_alone_is_never_an_answer():
    from baocao.assistant.evidence import TermWeights, score_sentences
    from baocao.assistant.query import understand
    from baocao.ingest.models import Chunk
    from baocao.vectorstore.store import SearchHit

    chunk = Chunk("d:0001", "d", "qd.txt", "Quyết định thành lập Tổ công tác", "Điều 1. Thành lập Tổ công tác",
                  "Điều 1.\n1.1.\nTổ công tác gồm 5 thành viên do Giám đốc Sở làm Tổ trưởng.")
    sentences = score_sentences(understand("Tổ công tác gồm bao nhiêu thành viên?"), [SearchHit(chunk, 1.0)], TermWeights([chunk]))
    assert [s.text for s in sentences] == ["Tổ công tác gồm 5 thành viên do Giám đốc Sở làm Tổ trưởng."]


def test_two_reports_of_the_asked_period_that_differ_are_both_shown(notices):
    answer = notices.answer_question("Năm 2025 Ban Chỉ đạo chuyển đổi số tỉnh Cà Mau đã tổ chức bao nhiêu cuộc kiểm tra?")
    assert answer.answer.startswith("Các báo cáo nêu số liệu khác nhau theo thời điểm")
    assert "15 cuộc" in answer.answer and "12 cuộc" in answer.answer


CONSULTATION = (
    "Cà Mau, ngày 20 tháng 10 năm 2025\n\nTỜ TRÌNH\nVề việc xử lý các hội quần chúng cấp tỉnh\n"
    "Ngày 01/10/2025, Sở Nội vụ đề nghị các sở: Tài chính, Xây dựng, Y tế, Giáo dục và Đào tạo, Công Thương có "
    "ý kiến về dự thảo phương án xử lý các hội quần chúng. Kết quả tổng hợp có 04/05 sở có văn bản thống nhất. "
    "Sở Y tế đề nghị bổ sung thời hạn thực hiện.\n"
    "Văn phòng Ủy ban nhân dân tỉnh đã lấy ý kiến các thành viên, có 12 thành viên thống nhất dự thảo kế hoạch.\n")
REVIEW = (
    "Cà Mau, ngày 20 tháng 10 năm 2025\n\nBÁO CÁO\nKết quả bảo đảm an toàn thông tin năm 2025\n"
    "Kết quả rà soát 12 sở, ngành về an toàn hệ thống thông tin cho thấy:\n"
    "- Cấp độ 2: 31 hệ thống đạt cấp độ này, phân bố đều giữa các đơn vị.\n"
    "- Cấp độ 4: chỉ có 03 hệ thống đạt cấp độ này, đều thuộc Sở Tài chính.\n"
    "Các đơn vị còn lại tiếp tục hoàn thiện hồ sơ đề xuất cấp độ trong quý IV.\n")


@pytest.mark.parametrize(("text", "question", "expected"), [
    # a sentence that goes on from the one before is found with that one's words
    (CONSULTATION, "Khi lấy ý kiến về dự thảo phương án xử lý các hội, bao nhiêu sở có văn bản thống nhất?", "04/05 sở"),
    # an item goes on from its list's lead-in, not from the item before
    (REVIEW, "Rà soát an toàn hệ thống thông tin của 12 sở, ngành cho thấy bao nhiêu hệ thống đạt cấp độ 4?", "03 hệ thống"),
])
def test_a_sentence_is_read_with_the_one_it_goes_on_from(tmp_path, embedder, text, question, expected):
    answer = assistant_over(tmp_path, {"van-ban.txt": text}, embedder).answer_question(question)
    assert expected in answer.answer and answer.grounded


@pytest.mark.parametrize(("sentence", "figure"), [
    ("3. Chi cho hoạt động quản lý Quỹ theo Điều 19 Điều lệ.", False),  # an article cited, not counted
    ("Hồ sơ đúng quy định tại khoản 3 Điều 39 Nghị định 93/2019/NĐ-CP.", False),
    ("Báo cáo theo Mẫu số 14 Phụ lục III.", False),
    ("Điều lệ gồm 8 Chương, 28 Điều.", True),  # a count of articles is a figure
    ("Không quá 5% tổng thu của Quỹ.", True),
])
def test_a_cited_article_or_clause_is_no_figure(sentence, figure):
    from baocao.assistant.evidence import has_figure

    assert has_figure(sentence) is figure


def test_a_maximum_asked_as_toi_da_is_answered_by_khong_qua(tmp_path, embedder):
    statute = ("Cà Mau, ngày 05 tháng 3 năm 2024\n\nQUYẾT ĐỊNH\nVề việc công nhận Điều lệ Quỹ Bảo trợ trẻ em tỉnh Cà Mau\n"
               "Điều 5. Chi hoạt động quản lý Quỹ\n1. Chi hoạt động quản lý Quỹ gồm tiền lương và văn phòng phẩm.\n"
               "2. Định mức chi hoạt động quản lý Quỹ:\na) Không quá 7% tổng thu do vận động mới của Quỹ hàng năm.\n"
               "Điều 6. Hội đồng quản lý Quỹ\nHội đồng quản lý Quỹ có tối thiểu 03 thành viên, gồm Chủ tịch và các thành viên.\n")
    assistant = assistant_over(tmp_path, {"dieu-le.txt": statute}, embedder)
    answer = assistant.answer_question("Chi hoạt động quản lý Quỹ Bảo trợ trẻ em được tối đa bao nhiêu?")
    assert "7%" in answer.answer.splitlines()[0]


def test_a_count_no_sentence_states_is_counted_from_the_clauses_under_the_heading_that_names_them(tmp_path, embedder):
    statute = ("Cà Mau, ngày 05 tháng 3 năm 2024\n\nQUYẾT ĐỊNH\nVề việc công nhận Điều lệ Quỹ Bảo trợ trẻ em tỉnh Cà Mau\n"
               "Điều 5. Nguồn thu của Quỹ\n1. Thu từ đóng góp tự nguyện của tổ chức, cá nhân trong và ngoài nước.\n"
               "2. Thu từ hoạt động cung cấp dịch vụ.\n3. Kinh phí do ngân sách nhà nước cấp (nếu có).\n"
               "4. Lãi tiền gửi ngân hàng.\n"
               "Điều 6. Sử dụng Quỹ\n1. Chi hỗ trợ trẻ em có hoàn cảnh khó khăn.\n2. Chi hoạt động quản lý Quỹ.\n")
    assistant = assistant_over(tmp_path, {"dieu-le.txt": statute}, embedder)
    answer = assistant.answer_question("Điều lệ Quỹ Bảo trợ trẻ em tỉnh Cà Mau quy định bao nhiêu nguồn thu?")
    assert "có 4 nguồn thu" in answer.answer and "Lãi tiền gửi ngân hàng" in answer.answer
    assert answer.citations and "Lãi tiền gửi ngân hàng" in answer.citations[0].quote
    # one word counted ('bao nhiêu điều') names no heading's items
    assert "đếm từ các mục" not in assistant.answer_question("Điều lệ Quỹ Bảo trợ trẻ em có bao nhiêu điều?").answer


def test_a_count_of_what_a_sentence_enumerates_is_counted_and_marked(tmp_path, embedder):
    plan = ("Cà Mau, ngày 05 tháng 3 năm 2025\n\nKẾ HOẠCH\nChuyển đổi số tỉnh Cà Mau năm 2025\n"
            "1. Hoàn thành các nhiệm vụ kết nối với Đề án 06 của tỉnh Cà Mau, gồm: (1) Định danh tàu cá; "
            "(2) Định danh địa điểm; (3) Sàn giao dịch việc làm; (4) Cấp phiếu lý lịch tư pháp trực tuyến.\n"
            "2. Quyết định này thay thế Quyết định số 120/QĐ-UBND ngày 12/01/2024 và Quyết định số 305/QĐ-UBND "
            "ngày 20/3/2024 của UBND tỉnh Cà Mau.\n")
    assistant = assistant_over(tmp_path, {"ke-hoach.txt": plan}, embedder)
    tasks = assistant.answer_question("Nhiệm vụ kết nối với Đề án 06 của tỉnh Cà Mau gồm bao nhiêu nhiệm vụ con?")
    assert tasks.answer.startswith("Có 4 nhiệm vụ: Định danh tàu cá;") and "không nêu con số" in tasks.answer
    replaced = assistant.answer_question("Kế hoạch của tỉnh Cà Mau thay thế bao nhiêu quyết định?")
    assert replaced.answer.startswith("Có 2 quyết định: 120/QĐ-UBND; 305/QĐ-UBND")
    listed = assistant.answer_question("Kế hoạch của tỉnh Cà Mau thay thế những quyết định nào?")
    assert listed.answer.startswith("Có 2 quyết định: 120/QĐ-UBND; 305/QĐ-UBND (liệt kê")


def test_a_list_question_answered_by_a_sentence_with_a_footnote_gets_the_footnote_cited(tmp_path, embedder):
    report = ("Cà Mau, ngày 05 tháng 8 năm 2025\n\nBÁO CÁO\nTình hình dữ liệu của tỉnh Cà Mau\n"
              "1. Về dữ liệu: 03/09 cơ sở dữ liệu trọng yếu của tỉnh Cà Mau chưa được triển khai[^1].\n"
              "2. Các cơ sở dữ liệu khác đã kết nối với nền tảng của tỉnh.\n\n"
              "[^1]: CSDL về đất đai; CSDL về y tế; CSDL về an sinh xã hội\n")
    assistant = assistant_over(tmp_path, {"bao-cao.md": report}, embedder)
    answer = assistant.answer_question("03 trong số 09 cơ sở dữ liệu trọng yếu chưa được triển khai của tỉnh Cà Mau là những cơ sở dữ liệu nào?")
    assert "CSDL về đất đai; CSDL về y tế; CSDL về an sinh xã hội" in answer.answer
    assert any(c.quote.startswith("CSDL về đất đai") for c in answer.citations)


def test_the_title_line_with_the_authority_an_ocr_read_ran_into_it_is_no_answer():
    from baocao.assistant.evidence import _restates_title
    from baocao.ingest.text import search_key

    title = search_key("Quyết định Về việc kiện toàn thành viên Ban Chỉ đạo quốc gia về dữ liệu")
    assert _restates_title("Về việc kiện toàn thành viên Ban Chỉ đạo quốc gia về dữ liệu THỦ TƯỚNG CHÍNH PHỦ", title)
    assert not _restates_title("Theo đề nghị của Bộ trưởng Bộ Công an.", title)


def test_a_list_answered_by_a_sentence_gives_the_items_read_from_it_at_ingest(tmp_path, embedder):
    text = ("Hà Nội, ngày 11 tháng 01 năm 2026\n\nCÔNG ĐIỆN\nPhiên họp lần thứ nhất Ban Chỉ đạo quốc gia về dữ liệu\n"
            "1. Thủ tướng Chính phủ chủ trì phiên họp lần thứ nhất của Ban Chỉ đạo quốc gia về dữ liệu.\n"
            "2. Cùng dự họp có các Phó Thủ tướng Chính phủ, Phó Trưởng Ban Chỉ đạo: Nguyễn Hòa Bình, Nguyễn Chí Dũng, "
            "Phạm Thị Thanh Trà.\n3. Phiên họp bắt đầu lúc 14 giờ 00 ngày 12 tháng 01 năm 2026.\n")
    answer = assistant_over(tmp_path, {"cong-dien.txt": text}, embedder).answer_question(
        "Những Phó Thủ tướng nào, Phó Trưởng Ban Chỉ đạo, cùng dự họp?")
    assert answer.items == ["Nguyễn Hòa Bình", "Nguyễn Chí Dũng", "Phạm Thị Thanh Trà"]


@pytest.mark.parametrize(("sentence", "formula"), [
    ("UBND tỉnh Lâm Đồng kính báo cáo Bộ Nội vụ về tình hình tổ chức, hoạt động và quản lý hội năm 2025./.", True),
    ("Sở Nội vụ xin báo cáo kết quả thực hiện năm 2025 như sau:", True),
    ("Kính đề nghị Bộ Nội vụ xem xét, sớm trình Chính phủ sửa đổi Nghị định số 126/2024/NĐ-CP.", False),
    ("Sở đã kính báo cáo UBND tỉnh kết quả thẩm định hồ sơ của 12 hội.", False),  # says what was reported
])
def test_the_sentence_that_only_says_a_report_is_made_is_never_an_answer(sentence, formula):
    from baocao.assistant.evidence import is_report_formula

    assert is_report_formula(sentence) is formula


def test_an_effective_date_told_by_the_signing_answers_from_when(tmp_path, embedder):
    text = ("Cà Mau, ngày 05 tháng 3 năm 2024\n\nQUYẾT ĐỊNH\nVề việc thành lập Hội đồng thi đua tỉnh Cà Mau\n"
            "Điều 1. Thành lập Hội đồng thi đua tỉnh Cà Mau gồm 15 thành viên.\n"
            "Điều 2. Quyết định này có hiệu lực kể từ ngày ký ban hành.\n")
    answer = assistant_over(tmp_path, {"qd.txt": text}, embedder).answer_question(
        "Quyết định thành lập Hội đồng thi đua tỉnh Cà Mau có hiệu lực từ khi nào?")
    assert answer.grounded and "kể từ ngày ký ban hành" in answer.answer


def test_a_sentence_that_states_the_count_comes_before_counting_a_headings_clauses(tmp_path, embedder):
    report = ("Cà Mau, ngày 05 tháng 3 năm 2025\n\nBÁO CÁO\nKết quả vận hành Cổng sáng kiến tỉnh Cà Mau\n"
              "I. KẾT QUẢ\nTính đến nay, Cổng sáng kiến tỉnh Cà Mau đã tiếp nhận 112 đề xuất của người dân.\n"
              "II. ĐỀ XUẤT, KIẾN NGHỊ\n1. Các sở bố trí kinh phí vận hành Cổng.\n2. Các huyện tuyên truyền về Cổng.\n")
    answer = assistant_over(tmp_path, {"bao-cao.txt": report}, embedder).answer_question(
        "Cổng sáng kiến tỉnh Cà Mau đã tiếp nhận bao nhiêu đề xuất?")
    assert "112 đề xuất" in answer.answer and "đếm từ các mục" not in answer.answer
