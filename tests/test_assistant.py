"""The assistant end to end on the sample index, and on a synthetic report written here."""

from __future__ import annotations

from pathlib import Path

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


def test_the_assistants_langchain_retriever_finds_what_its_answers_read(assistant):
    question = "tốc độ Internet di động"
    documents = assistant.as_retriever().invoke(question)
    assert [d.metadata["chunk_id"] for d in documents] == [h.chunk.chunk_id for h in assistant.retriever.search(question)]


def test_answering_does_not_import_langchain():
    # The CLI's cold start: `baocao ask` pays for no LangChain import with the offline answerer.
    import subprocess
    import sys

    code = ("import sys; import baocao.assistant.service, baocao.assistant.answerers; "
            "print(sorted(m for m in sys.modules if m.startswith('langchain')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout


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


# --- answering any report: a small synthetic corpus written for these tests --------------------

HEALTH_Q1 = """\
BÁO CÁO
Tình hình nhân lực y tế và chuyển đổi số quý I năm 2026

I. KẾT QUẢ
1. Nhân lực
Tính đến hết ngày 31/3/2026, cả nước có 1.200 trạm y tế xã có bác sĩ.
Các tỉnh thiếu bác sĩ gồm: Cao Bằng, Lai Châu, Điện Biên.
2. Hội và đơn vị
Các hội đề nghị giải thể gồm: Hội Cựu giáo chức tỉnh; Hội Sinh vật cảnh tỉnh; Hội Khuyến học phường Đông Hải.
Các tỉnh đã ban hành kế hoạch chuyển đổi số: Cao Bằng, Lai Châu, Điện Biên, Sơn La, Hà Tĩnh.
Các tỉnh đã kết nối cơ sở dữ liệu: Cao Bằng, Sơn La.
"""

HEALTH_Q2 = """\
BÁO CÁO
Tình hình nhân lực y tế quý II năm 2026

I. KẾT QUẢ
1. Nhân lực
Tính đến hết ngày 30/6/2026, cả nước có 1.240 trạm y tế xã có bác sĩ.
"""


@pytest.fixture(scope="module")
def health(tmp_path_factory, embedder):
    from baocao.settings import Settings

    folder = tmp_path_factory.mktemp("health")
    (folder / "2026-03-31_bao-cao-y-te-quy-1.txt").write_text(HEALTH_Q1, encoding="utf-8")
    (folder / "2026-06-30_bao-cao-y-te-quy-2.txt").write_text(HEALTH_Q2, encoding="utf-8")
    settings = Settings(home=folder / "home")
    index = open_index(settings, embedder)
    assert not ingest_paths(index, sorted(folder.glob("*.txt")), settings).failed
    return Assistant.from_settings(settings, index)


def test_negative_predicate_asked_the_same_way_is_answered_as_listed(health):
    answer = health.ask("Những tỉnh nào thiếu bác sĩ?")
    assert answer.items == ["Cao Bằng", "Lai Châu", "Điện Biên"]


def test_list_of_associations_is_read_and_never_complemented_against_provinces(health):
    answer = health.ask("Những hội nào đề nghị giải thể?")
    assert answer.items == ["Hội Cựu giáo chức tỉnh", "Hội Sinh vật cảnh tỉnh", "Hội Khuyến học phường Đông Hải"]
    refused = health.ask("Những hội nào không đề nghị giải thể?")
    assert "34" not in refused.answer and "63" not in refused.answer


def test_difference_of_two_lists(health):
    answer = health.ask("Tỉnh nào đã ban hành kế hoạch chuyển đổi số nhưng chưa kết nối cơ sở dữ liệu?")
    assert answer.items == ["Lai Châu", "Điện Biên", "Hà Tĩnh"]
    assert len(answer.citations) == 2


def test_change_between_two_reports_is_computed_and_marked(health, ):
    answer = health.ask("Số trạm y tế xã có bác sĩ quý II tăng bao nhiêu so với quý I?")
    assert answer.grounded and "tăng 40" in answer.answer
    assert "1.200" in answer.answer and "1.240" in answer.answer and "tính" in answer.answer
    assert len(answer.citations) == 2


def test_one_province_asked_when_only_the_national_figure_is_given(health):
    answer = health.ask("Tỉnh Sơn La có bao nhiêu trạm y tế xã có bác sĩ?")
    assert not answer.grounded
    assert "Sơn La" in answer.answer and "cả nước" in answer.answer and "1.200" in answer.answer or "1.240" in answer.answer


def test_a_month_no_report_covers_is_refused_saying_what_is_nearest(health):
    answer = health.ask("Tháng 9/2026 cả nước có bao nhiêu trạm y tế xã có bác sĩ?")
    assert not answer.grounded and "tháng 9/2026" in answer.answer


def test_a_quarter_without_a_year_is_read_in_the_reports_year(health):
    answer = health.ask("Quý II cả nước có bao nhiêu trạm y tế xã có bác sĩ?")
    assert answer.grounded and "1.240" in answer.answer


def test_two_part_question_answers_each_part_on_its_own_line(health):
    answer = health.ask("Có bao nhiêu trạm y tế xã có bác sĩ quý I và tỉnh nào thiếu bác sĩ?")
    lines = answer.answer.split("\n")
    assert any("1.200" in line for line in lines) and any("Lai Châu" in line for line in lines)


def test_a_change_of_topic_is_a_new_question(health):
    first = health.ask("Những tỉnh nào thiếu bác sĩ?")
    follow = health.ask("thế còn Hội Sinh vật cảnh thì sao?", conversation_id=first.conversation_id)
    assert follow.question and "Hội Sinh vật cảnh" in follow.question
    assert follow.answer != first.answer


SUBMISSION = """\
ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH
SỞ NỘI VỤ
Số: 93/TTr-SNV
Hòa Bình, ngày 06 tháng 8 năm 2025

TỜ TRÌNH
Về việc cho phép hợp nhất Hội Cựu giáo chức tỉnh và Hội Khuyến học tỉnh

Kính gửi: Ủy ban nhân dân tỉnh Hòa Bình.

Sở Nội vụ kính trình Ủy ban nhân dân tỉnh xem xét, cho phép hợp nhất Hội Cựu giáo chức tỉnh và Hội Khuyến học
tỉnh thành Hội Khuyến học tỉnh Hòa Bình, với tổng số 12.400 hội viên tại thời điểm hợp nhất.

KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC

Nguyễn Đức Vũ
"""


@pytest.fixture(scope="module")
def submission(tmp_path_factory, embedder):
    from baocao.settings import Settings

    home = tmp_path_factory.mktemp("submission")
    settings = Settings(home=home / "home")
    (home / "to-trinh-93.txt").write_text(SUBMISSION, encoding="utf-8")
    index = open_index(settings, embedder)
    assert not ingest_paths(index, [home / "to-trinh-93.txt"], settings).failed
    return Assistant.from_settings(settings, index)


@pytest.mark.parametrize("question", ["Tờ trình 93 ký ngày nào?", "to trinh so 93 cua so noi vu ky ngay nao"])
def test_a_documents_date_is_answered_from_its_header_with_the_line_cited(submission, question):
    answer = submission.answer_question(question)
    assert answer.generator == "documents" and answer.grounded
    assert "6/8/2025" in answer.answer and "93/TTr-SNV" in answer.answer
    assert answer.citations[0].quote == "Hòa Bình, ngày 06 tháng 8 năm 2025"
    assert answer.citations[0].quote in answer.citations[0].text


def test_a_documents_issuer_is_answered_from_its_header(submission):
    answer = submission.answer_question("Tờ trình 93 do cơ quan nào ban hành?")
    assert answer.generator == "documents" and "Sở Nội vụ" in answer.answer


def test_a_question_about_a_documents_content_is_not_a_metadata_question(submission):
    # "ngày nào" after a question about the content asks about the content, not the signing date
    for question in ("Tờ trình 93 đề nghị hợp nhất từ ngày nào?", "Tờ trình 94 ký ngày nào?"):
        assert submission.answer_question(question).generator != "documents"


DECISION = """\
ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH
Số: 1406/QĐ-UBND
Hòa Bình, ngày 12 tháng 9 năm 2025

QUYẾT ĐỊNH
Về việc thành lập Ban Chỉ đạo chuyển đổi số tỉnh Hòa Bình

Điều 1. Thành lập Ban Chỉ đạo chuyển đổi số tỉnh Hòa Bình, gồm các ông, bà có tên sau:
1. Trưởng ban: Ông Bùi Văn Khánh - Chủ tịch Ủy ban nhân dân tỉnh.
2. Các Phó Trưởng ban:
- Ông Quách Tất Liêm - Phó Chủ tịch Ủy ban nhân dân tỉnh, Phó Trưởng ban Thường trực;
- Bà Đinh Thị Hương - Giám đốc Sở Khoa học và Công nghệ.
3. Các ủy viên:
- Ông Nguyễn Văn Toàn, Phó Trưởng ban Tổ chức Tỉnh ủy;
- Bà Lê Thị Hà, Phó Giám đốc Sở Tài chính;
- Ông Trần Minh Đức - Trưởng phòng Chuyển đổi số, Sở Khoa học và Công nghệ, Thư ký Ban Chỉ đạo;
- Giám đốc Sở Nội vụ;
- Giám đốc Sở Y tế;
- Phó Giám đốc Công an tỉnh.
Điều 2. Ban Chỉ đạo có nhiệm vụ giúp Chủ tịch Ủy ban nhân dân tỉnh, Trưởng ban chỉ đạo triển khai chuyển đổi số.
Điều 3. Phiên họp lần thứ nhất của Ban Chỉ đạo diễn ra ngày 20/9/2025 tại Trụ sở Ủy ban nhân dân tỉnh.
"""


COUNCIL = """\
ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH
Số: 1500/QĐ-UBND
Hòa Bình, ngày 30 tháng 9 năm 2025

QUYẾT ĐỊNH
Về việc thành lập Hội đồng An toàn, vệ sinh lao động tỉnh Hòa Bình

Điều 1. Thành lập Hội đồng An toàn, vệ sinh lao động tỉnh Hòa Bình gồm các ông, bà có tên sau:
1. Chủ tịch Hội đồng: Ông Quách Tất Liêm - Phó Chủ tịch Ủy ban nhân dân tỉnh.
2. Các thành viên Hội đồng:
- Bà Lê Thị Hà - Phó Giám đốc Sở Tài chính;
- Ông Hoàng Văn Nam - Phó Giám đốc Sở Y tế.
"""


@pytest.fixture(scope="module")
def decision(tmp_path_factory, embedder):
    from baocao.settings import Settings

    home = tmp_path_factory.mktemp("decision")
    settings = Settings(home=home / "home")
    (home / "qd-1406.txt").write_text(DECISION, encoding="utf-8")
    (home / "qd-1500.txt").write_text(COUNCIL, encoding="utf-8")
    index = open_index(settings, embedder)
    assert not ingest_paths(index, [home / "qd-1406.txt", home / "qd-1500.txt"], settings).failed
    return Assistant.from_settings(settings, index)


def test_who_holds_a_role_is_read_from_the_membership_entry(decision):
    answer = decision.answer_question("Ai là Trưởng ban Chỉ đạo chuyển đổi số tỉnh Hòa Bình?")
    assert answer.generator == "members" and answer.items == ["Bùi Văn Khánh"]
    assert answer.citations[0].quote == "1. Trưởng ban: Ông Bùi Văn Khánh - Chủ tịch Ủy ban nhân dân tỉnh."


def test_a_plural_role_lists_the_group_and_a_job_title_elsewhere_is_not_a_member(decision):
    answer = decision.answer_question("Ban Chỉ đạo chuyển đổi số tỉnh có những Phó Trưởng ban nào?")
    # the deputy heads of the group, the standing one included; not the ủy viên whose job is "Phó Trưởng ban Tổ chức"
    assert answer.items == ["Quách Tất Liêm", "Đinh Thị Hương"]
    assert all(c.quote in c.text for c in answer.citations) and len(answer.citations) == 2


def test_a_body_named_by_an_acronym_is_spelled_out_from_the_documents(tmp_path, embedder):
    from conftest import assistant_over

    council = COUNCIL.replace("Hòa Bình", "Đồng Tháp")
    nurses = ("SỞ NỘI VỤ TỈNH ĐỒNG THÁP\nSố: 88/TTr-SNV\n\nTỜ TRÌNH\nVề việc sáp nhập Hội Điều dưỡng các huyện vào Hội "
              "Điều dưỡng tỉnh Đồng Tháp\n\nHội Điều dưỡng tỉnh Đồng Tháp sau sáp nhập có 1.250 hội viên. Dự kiến Chủ tịch "
              "Hội sau sáp nhập: ông Lò Văn Thắng, Chủ tịch Hội Điều dưỡng tỉnh Đồng Tháp (trước sắp xếp).\n")
    bodies = assistant_over(tmp_path, {"qd-1500.txt": council, "to-trinh-88.txt": nurses}, embedder)
    answer = bodies.answer_question("Ai là Chủ tịch Hội đồng ATVSLĐ tỉnh Đồng Tháp?")
    assert answer.generator == "members" and answer.items == ["Quách Tất Liêm"]


def test_a_role_given_inside_the_members_group_is_found(decision):
    answer = decision.answer_question("Ai là Thư ký Ban Chỉ đạo chuyển đổi số tỉnh Hòa Bình?")
    assert answer.generator == "members" and answer.items == ["Trần Minh Đức"]


def test_members_named_by_their_post_answer_which_units_heads_are_members(decision):
    answer = decision.answer_question("Giám đốc những Sở nào là ủy viên Ban Chỉ đạo chuyển đổi số tỉnh Hòa Bình?")
    assert answer.generator == "members" and answer.items == ["Sở Nội vụ", "Sở Y tế"]


def test_people_in_two_bodies_are_matched_by_name_and_cited_in_both(decision):
    both = decision.answer_question("Những người nào vừa có tên trong Ban Chỉ đạo chuyển đổi số vừa có tên trong "
                                    "Hội đồng An toàn, vệ sinh lao động tỉnh Hòa Bình?")
    assert both.generator == "members" and both.items == ["Quách Tất Liêm", "Lê Thị Hà"]
    assert len(both.citations) == 4 and {c.document for c in both.citations} == {"qd-1406.txt", "qd-1500.txt"}
    only = decision.answer_question("Những ai có tên trong Hội đồng An toàn, vệ sinh lao động nhưng không có tên "
                                    "trong Ban Chỉ đạo chuyển đổi số?")
    assert only.items == ["Hoàng Văn Nam"]


def test_a_count_of_members_is_read_from_the_group_heading_the_question_counts(decision):
    answer = decision.answer_question("Ngoài Trưởng ban và các Phó Trưởng ban, Ban Chỉ đạo chuyển đổi số tỉnh Hòa Bình "
                                      "có bao nhiêu ủy viên?")
    assert answer.generator == "members" and "có 6 ủy viên" in answer.answer and len(answer.citations) == 6


def test_a_role_of_another_body_is_not_answered_from_this_one(decision):
    answer = decision.answer_question("Ai là Trưởng ban Chỉ đạo quốc gia về dữ liệu?")
    assert answer.generator != "members"


def test_evidence_about_another_meeting_or_level_is_refused_saying_what_there_is():
    from baocao.assistant.gate import conflicts

    assert conflicts("Phiên họp lần thứ hai diễn ra khi nào?", "Phiên họp lần thứ nhất Ban Chỉ đạo diễn ra ngày 12/01/2026.")
    assert conflicts("Kinh phí cho hội trong phạm vi xã?", "Kinh phí hỗ trợ cho hội hoạt động trong phạm vi tỉnh: 91 tỷ đồng.")
    assert conflicts("Đại hội nhiệm kỳ IV có bao nhiêu đại biểu?", "Đại hội nhiệm kỳ V có 120 đại biểu.")
    # evidence silent on the constraint, or stating the same one, is not contradicted
    assert conflicts("Phiên họp lần thứ hai diễn ra khi nào?", "Phiên họp lần thứ 2 diễn ra ngày 20/7/2025.") is None
    assert conflicts("Kinh phí cho hội trong phạm vi xã?", "Tổng kinh phí hỗ trợ các hội là 91 tỷ đồng.") is None


def test_a_question_about_the_second_meeting_is_not_answered_from_the_first(decision):
    first = decision.answer_question("Phiên họp lần thứ nhất của Ban Chỉ đạo chuyển đổi số diễn ra khi nào?")
    assert first.grounded and "20/9/2025" in first.answer
    second = decision.answer_question("Phiên họp lần thứ hai của Ban Chỉ đạo chuyển đổi số diễn ra khi nào?")
    assert not second.grounded


def test_a_how_many_question_is_not_answered_by_a_sentence_without_a_number(decision):
    from baocao.assistant.gate import asks_quantity

    assert asks_quantity("Ban có bao nhiêu ủy viên?") and asks_quantity("mấy giờ họp?")
    assert not asks_quantity("Tờ trình số mấy?") and not asks_quantity("Ai là Trưởng ban?")
    answer = decision.answer_question("Ban Chỉ đạo chuyển đổi số tỉnh Hòa Bình được cấp bao nhiêu kinh phí?")
    assert not answer.grounded


def test_an_ordinal_that_names_the_source_is_not_a_constraint_on_the_evidence():
    from baocao.assistant.gate import conflicts

    question = "Theo báo cáo phục vụ Phiên họp lần thứ tư, có bao nhiêu nhiệm vụ quá hạn?"
    assert conflicts(question, "Từ ngày 20/7/2025 (Phiên họp lần 3 của Ban Chỉ đạo) còn 02 nhiệm vụ quá hạn.") is None
    assert conflicts("Kết luận Phiên họp lần thứ tư?", "Kết luận tại Phiên họp lần thứ ba và lần thứ tư.") is None


def test_a_follow_up_naming_another_role_asks_about_that_role(decision):
    first = decision.ask("Ai là Trưởng ban Chỉ đạo chuyển đổi số tỉnh Hòa Bình?")
    follow = decision.ask("Còn Thư ký thì sao?", first.conversation_id)
    assert follow.question == "Ai là Thư ký Ban Chỉ đạo chuyển đổi số tỉnh Hòa Bình?"
    assert follow.items == ["Trần Minh Đức"]


REALDOCS = Path(__file__).resolve().parents[1].parent / "shared" / "realdocs"


@pytest.mark.skipif(not REALDOCS.is_dir(), reason="../shared/realdocs is not present")
def test_a_yes_no_question_about_the_members_is_not_answered_with_their_list(tmp_settings, embedder):
    index = open_index(tmp_settings, embedder)
    decision = REALDOCS / "2025-10-20_ttg_qd-2319-thanh-lap-bcd-quoc-gia-ve-du-lieu.pdf"
    assert not ingest_paths(index, [decision], tmp_settings).failed
    assistant = Assistant.from_settings(tmp_settings, index)
    answer = assistant.answer_question("Các thành viên Ban Chỉ đạo quốc gia về dữ liệu có phải làm việc chuyên trách không?")
    assert answer.generator not in ("sets", "members") and not answer.items


def test_an_acronym_in_a_bodys_name_is_spelled_out_by_the_passages_at_hand():
    from baocao.assistant.evidence import spelled_words

    words = spelled_words("Ai là Chủ tịch Hội đồng ATVSLĐ tỉnh Đồng Tháp?", {"hoi", "dong", "atvsld", "tinh"},
                          ["Quyết định Về việc thành lập Hội đồng An toàn, vệ sinh lao động tỉnh Đồng Tháp"])
    assert words == {"hoi", "dong", "tinh", "an", "toan", "ve", "sinh", "lao"}


def test_which_bodies_took_part_is_answered_from_a_list_of_so_named_after_its_header(tmp_path, embedder):
    from conftest import assistant_over

    letter = ("SỞ NỘI VỤ TỈNH ĐỒNG THÁP\nSố: 120/SNV-TCBC\n\nV/v báo cáo về đề nghị thành lập Hội Cầu lông tỉnh\n\nKính gửi: Ủy ban nhân dân tỉnh Đồng Tháp.\n\n"
              "Ngày 05/11/2025, Sở Nội vụ đã chủ trì, tổ chức cuộc họp với Công an tỉnh, các Sở: Giáo dục và Đào tạo; "
              "Văn hóa, Thể thao và Du lịch; Y tế để thảo luận, thống nhất nội dung tham mưu cho phép thành lập Hội Cầu "
              "lông tỉnh Đồng Tháp.\nHồ sơ đề nghị thành lập Hội chưa đủ điều kiện theo quy định.\n")
    bodies = assistant_over(tmp_path, {"cv-120.txt": letter}, embedder)
    answer = bodies.answer_question("Những cơ quan nào dự cuộc họp về đề nghị thành lập Hội Cầu lông (ngoài Sở Nội vụ chủ trì)?")
    assert answer.generator == "sets"
    assert answer.items == ["Sở Giáo dục và Đào tạo", "Sở Văn hóa, Thể thao và Du lịch", "Sở Y tế"]
    assert "Công an tỉnh" in answer.answer


def test_a_role_in_another_provinces_body_is_not_read_from_this_one(tmp_path, embedder):
    from conftest import assistant_over

    board = ("ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH\nSố: 88/QĐ-UBND\n\nQUYẾT ĐỊNH\nVề việc thành lập Ban Vì sự tiến bộ của phụ nữ "
             "tỉnh Hòa Bình\n\nĐiều 1. Thành lập Ban Vì sự tiến bộ của phụ nữ tỉnh Hòa Bình gồm các ông, bà có tên sau:\n"
             "1. Trưởng ban: Ông Bùi Văn Khánh - Chủ tịch Ủy ban nhân dân tỉnh.\n2. Các ủy viên:\n"
             "- Bà Lê Thị Hà, Phó Giám đốc Sở Tài chính;\n- Ông Hoàng Văn Nam, Phó Giám đốc Sở Y tế.\n")
    bodies = assistant_over(tmp_path, {"qd-88.txt": board}, embedder)
    for question in ("Ai là Trưởng ban Vì sự tiến bộ của phụ nữ tỉnh Gia Lai?",
                     "Ban Vì sự tiến bộ của phụ nữ tỉnh Gia Lai có bao nhiêu ủy viên?"):
        answer = bodies.answer_question(question)
        assert answer.generator != "members" and not answer.grounded  # refused, quoting what the decision says
    assert bodies.answer_question("Ai là Trưởng ban Vì sự tiến bộ của phụ nữ tỉnh Hòa Bình?").items == ["Bùi Văn Khánh"]


def test_clauses_under_a_role_heading_are_no_members(tmp_path, embedder):
    from conftest import assistant_over

    charter = ("HIỆP HỘI CHÈ TỈNH MẪU SƠN\n\nĐIỀU LỆ\nHiệp hội Chè tỉnh Mẫu Sơn\n\n"
               "Điều 20. Miễn nhiệm Chủ tịch Hiệp hội\n1. Chủ tịch Hiệp hội:\n"
               "- Không đủ sức khỏe; không đủ năng lực để hoàn thành nhiệm vụ;\n"
               "- Vi phạm nghiêm trọng Điều lệ, quy chế của Hiệp hội.\n")
    answer = assistant_over(tmp_path, {"dieu-le.txt": charter}, embedder).answer_question("Chủ tịch Hiệp hội Chè tỉnh Mẫu Sơn là ai?")
    assert answer.generator != "members" and not answer.grounded


@pytest.mark.parametrize("question", [
    "Ai ký Tờ trình 93 của Sở Nội vụ đề nghị hợp nhất Hội Cựu giáo chức tỉnh?",  # a verb the title lacks
    "Ai ký Tờ trình của Sở Nội vụ về việc hợp nhất Hội Cựu giáo chức tỉnh và Hội Khuyến học tỉnh?",  # no number
])
def test_a_documents_signer_is_answered_from_its_closing_block(submission, question):
    answer = submission.answer_question(question)
    assert answer.generator == "documents" and "do Nguyễn Đức Vũ ký" in answer.answer
    assert answer.citations[0].quote == "Nguyễn Đức Vũ"


def test_a_decisions_basis_and_proposer_are_its_preamble_lines(tmp_path, embedder):
    from conftest import assistant_over

    decision = ("ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH\nSố: 88/QĐ-UBND\n\nQUYẾT ĐỊNH\nVề việc thành lập Ban Vì sự tiến bộ của phụ nữ "
                "tỉnh Hòa Bình\n\nCHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH\n\n"
                "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;\n"
                "Căn cứ Quyết định số 1855/QĐ-TTg ngày 11 tháng 11 năm 2009 của Thủ tướng Chính phủ;\n"
                "Theo đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số 303/TTr-SNV ngày 16 tháng 9 năm 2025.\n\n"
                "QUYẾT ĐỊNH:\n\nĐiều 1. Thành lập Ban Vì sự tiến bộ của phụ nữ tỉnh Hòa Bình.\n"
                "Căn cứ tình hình thực tế, Trưởng ban phân công nhiệm vụ cho các thành viên.\n")
    office = assistant_over(tmp_path, {"qd-88.txt": decision}, embedder)
    basis = office.answer_question("QĐ 88 được ban hành căn cứ những văn bản nào?")
    assert basis.generator == "documents" and len(basis.items) == 2 and "1855/QĐ-TTg" in basis.answer
    assert "tình hình thực tế" not in basis.answer  # the body's 'Căn cứ' after 'QUYẾT ĐỊNH:' is no basis
    both = office.answer_question("QĐ thành lập Ban Vì sự tiến bộ của phụ nữ tỉnh Hòa Bình ban hành theo tờ trình nào, "
                                  "căn cứ QĐ nào của Thủ tướng?")
    assert "303/TTr-SNV" in both.answer and "1855/QĐ-TTg" in both.answer and "Luật Tổ chức" not in both.answer


def test_a_description_that_fits_two_documents_answers_for_each(tmp_path, embedder):
    from conftest import assistant_over

    def notice(number: int, day: int) -> str:
        return (f"VĂN PHÒNG CHÍNH PHỦ\nSố: {number}/CĐ-VPCP\nHà Nội, ngày {day} tháng 01 năm 2026\n\nCÔNG ĐIỆN\n"
                "Phiên họp lần thứ nhất Ban Chỉ đạo quốc gia về dữ liệu.\n\nVăn phòng Chính phủ trân trọng kính mời "
                "Đồng chí dự Phiên họp lần thứ nhất Ban Chỉ đạo quốc gia về dữ liệu.\n\nKT. BỘ TRƯỞNG, CHỦ NHIỆM\n"
                "PHÓ CHỦ NHIỆM\n\nPhạm Mạnh Cường\n")
    office = assistant_over(tmp_path, {"cd-58.txt": notice(58, 10), "cd-63.txt": notice(63, 11)}, embedder)
    answer = office.answer_question("Ai ký công điện của Văn phòng Chính phủ mời dự Phiên họp lần thứ nhất Ban Chỉ đạo "
                                    "quốc gia về dữ liệu?")
    assert answer.generator == "documents" and answer.answer.startswith("Có 2 văn bản")
    assert "58/CĐ-VPCP" in answer.answer and "63/CĐ-VPCP" in answer.answer and "Phạm Mạnh Cường" in answer.answer
