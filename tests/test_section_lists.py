"""Lists read from the structure: the numbered items straight under a heading ('II. TỈNH BẠC LIÊU' / '1. Hội …;'),
however many chunks they run over; counted when no sentence states their count; compared across provinces."""

import pytest

from conftest import assistant_over
from baocao.ingest.entities import EntityList

SUBMISSION = """\
UBND TỈNH CÀ MAU
SỞ NỘI VỤ
Số: 45/TTr-SNV
Cà Mau, ngày 10 tháng 8 năm 2025

TỜ TRÌNH
Về việc hợp nhất các hội do Đảng, Nhà nước giao nhiệm vụ của tỉnh Cà Mau và tỉnh Bạc Liêu

Kính gửi: Chủ tịch UBND tỉnh Cà Mau

A. CƠ SỞ PHÁP LÝ
Căn cứ Nghị định số 126/2024/NĐ-CP ngày 08/10/2024 của Chính phủ quy định về tổ chức, hoạt động và quản lý hội, Sở Nội vụ đã rà soát các hội trên địa bàn hai tỉnh trước sắp xếp.

B. HIỆN TRẠNG CÁC HỘI DO ĐẢNG, NHÀ NƯỚC GIAO NHIỆM VỤ
I. TỈNH CÀ MAU (trước sắp xếp)
1. Hội Văn học Nghệ thuật tỉnh Cà Mau;
2. Hội Nhà báo tỉnh Cà Mau;
3. Hội Chữ thập đỏ tỉnh Cà Mau;
4. Hội Đông y tỉnh Cà Mau;
5. Liên hiệp các hội Khoa học và Kỹ thuật tỉnh Cà Mau;
6. Hội Người mù tỉnh Cà Mau.
Ngoài ra, có Hội Kiến trúc sư tỉnh Cà Mau là hội quần chúng chưa được công nhận là hội do Đảng, Nhà nước giao nhiệm vụ.
II. TỈNH BẠC LIÊU (trước sắp xếp)
1. Hội Văn học Nghệ thuật tỉnh Bạc Liêu;
2. Hội Nhà báo tỉnh Bạc Liêu;
3. Hội Chữ thập đỏ tỉnh Bạc Liêu;
4. Liên hiệp hội Khoa học Kỹ thuật tỉnh Bạc Liêu;
5. Hội Khuyến học tỉnh Bạc Liêu.

C. ĐỀ XUẤT
Sở Nội vụ kính trình Chủ tịch UBND tỉnh xem xét, cho phép hợp nhất các hội có cùng tên gọi, lĩnh vực hoạt động chính của hai tỉnh.
"""


def test_the_items_under_each_heading_are_one_list_with_its_headings(tmp_path):
    from baocao.ingest.pipeline import ingest_file

    (tmp_path / "to-trinh-45.txt").write_text(SUBMISSION, encoding="utf-8")
    document = ingest_file(tmp_path / "to-trinh-45.txt", chunk_chars=160)  # small chunks: the items run over several
    lists = [r for c in document.chunks for r in c.records if isinstance(r, EntityList) and r.headings]
    assert [(lst.kind, lst.headings[-1], len(lst.items)) for lst in lists] == [
        ("association", "TỈNH CÀ MAU (trước sắp xếp)", 6), ("association", "TỈNH BẠC LIÊU (trước sắp xếp)", 5)]
    assert lists[0].items[-1] == "Hội Người mù tỉnh Cà Mau"
    by_id = {c.chunk_id: c for c in document.chunks}
    assert lists[0].quote and lists[0].quote in by_id[lists[0].chunk_id].text
    # every item is cited where it stands: the later chunks the list runs over, each with its own quote
    assert lists[0].continued and all(quote in by_id[cid].text for cid, quote in lists[0].continued)
    quoted = lists[0].quote + "".join(q for _, q in lists[0].continued)
    assert all(item in quoted for item in lists[0].items)


@pytest.fixture(scope="module")
def societies(tmp_path_factory, embedder):
    return assistant_over(tmp_path_factory.mktemp("societies"), {"to-trinh-45.txt": SUBMISSION}, embedder)


def test_a_count_no_sentence_states_is_counted_from_the_list_and_marked(societies):
    answer = societies.answer_question("Trước sắp xếp, tỉnh Bạc Liêu có bao nhiêu hội do Đảng, Nhà nước giao nhiệm vụ?")
    assert answer.generator == "sets" and "có 5 hội" in answer.answer and "đếm từ danh sách" in answer.answer
    assert "Cà Mau" not in answer.answer.split("\n")[0].split(":", 1)[1]  # the asked province's list, not the other


def test_one_provinces_associations_not_in_the_others_list_match_by_name_without_the_province(societies):
    answer = societies.answer_question(
        "Hội nào là hội do Đảng, Nhà nước giao nhiệm vụ ở tỉnh Cà Mau nhưng không có ở tỉnh Bạc Liêu?")
    # 'Liên hiệp các hội Khoa học và Kỹ thuật' and 'Liên hiệp hội Khoa học Kỹ thuật' are one body
    assert answer.items == ["Hội Đông y tỉnh Cà Mau", "Hội Người mù tỉnh Cà Mau"]


def test_a_yes_no_question_about_such_associations_is_not_answered_with_their_list(societies):
    answer = societies.answer_question("Sở Nội vụ có đề xuất hợp nhất các hội do Đảng, Nhà nước giao nhiệm vụ không?")
    assert answer.generator != "sets"


@pytest.mark.parametrize(("noun", "heading", "names"), [
    ("nguồn thu", "Điều 17. Nguồn thu của Quỹ", True),
    ("nhiệm vụ", "Nhiệm vụ, quyền hạn", True),
    ("Phó Chủ", "Điều 17. Chủ tịch, Phó Chủ tịch Hiệp hội", False),  # offices the clauses are about, not the clauses
    ("quyền", "Điều 9. Nghĩa vụ và quyền của hội viên", False),  # named, but not what the heading is
])
def test_a_heading_names_its_clauses_when_it_opens_with_the_counted_noun(noun, heading, names):
    from baocao.assistant.sets import names_the_items

    assert names_the_items(noun, heading) is names
