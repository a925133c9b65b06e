"""Entity mentions and entity lists, on the real March 2025 footnotes and on reports written for the test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from baocao.ingest.entities import (
    EntityList,
    complement,
    extract_lists,
    extract_lists_from_footnote,
    find_count_phrases,
    find_entities,
    universe_for,
)
from baocao.ingest.gazetteer import Gazetteer

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
MARCH = SAMPLE / "2025-03_bao-cao-chuyen-doi-so-quoc-gia-thang-3.txt"
SEPTEMBER = SAMPLE / "2025-09-22_bao-cao-tom-tat-phien-hop-lan-4.txt"

# Verbatim from the March report, '�' included (the file may get repaired upstream one day; these stay).
FOOTNOTE_1_RAW = (
    "1 Các bộ, ngành: Bộ Quốc ph�ng, Bộ Tài chính, Bộ Công Thương, Bộ Nông nghi�p và Môi trường, Bộ Khoa học \n"
    "và Công ngh�, Bộ Giáo dục và Đào tạo, Bộ Y tế, Đài Tiếng nói Vi�t Nam, Vi�n Hàn lâm Khoa học và Công \n"
    "ngh� Vi�t Nam; Các địa phương: Bà Rịa-Vũng Tàu, Bạc Liêu, Bắc Kạn, Bình Định, Bình Phước, Cà Mau, Cao \n"
    "Bằng, Cần Thơ, Đà Nẵng, Đắk Lắk, Đắk Nông, Đi�n Biên, Đồng Tháp, Hà Giang, Hà Nội, Hà Tĩnh, Hải Dương, \n"
    "Hậu Giang, Hòa Bình, Khánh Hòa, Kiên Giang, Lạng Sơn, Lào Cai, Long An, Ninh Bình, Ninh Thuận, Phú Thọ, \n"
    "Phú Yên, Quảng Bình, Quảng Nam, Quảng Ngãi, Quảng Ninh, Quảng Trị, Sóc Trăng, Tây Ninh, Thái Bình, \n"
    "Thái Nguyên, Thanh Hóa, Tiền Giang, TP Hồ Chí Minh, Trà Vinh, Tuyên Quang, Vĩnh Long. "
)
BODY_1_RAW = (
    "Tính \n\nđến hết ngày 26/3/2025; tại các bộ, ngành, địa phương đã có 09/22 bộ, ngành; \n"
    " 43/63 địa phương thành lập/ki�n toàn Ban Chỉ đạo về phát triển khoa học, công \n\n"
    "ngh�, đổi mới sáng tạo, chuyển đổi số và Đề án 06.1 \n"
)
FOOTNOTE_2_RAW = (
    "2 Các bộ, ngành: Bộ Dân tộc và Tôn giáo, Thanh tra Chính phủ, Văn ph�ng Chính phủ, Thông tấn xã Vi�t Nam, \n"
    "Đài Truyền hình Vi�t Nam, Vi�n Hàn lâm Khoa học Xã hội Vi�t Nam; các địa phương: Bạc Liêu, Đi�n Biên, \n"
    "Đồng Nai, Ngh� An, Ninh Thuận, Thanh Hóa, Trà Vinh. "
)
BODY_2_RAW = (
    "Tính đến hết ngày 26/3/2025, đã có 56/63 địa phương; 16/22 bộ, cơ quan \n\n"
    "ngang bộ, cơ quan thuộc Chính phủ đã ban hành Kế hoạch hành động th�c hi�n \n\n"
    "Nghị quyết. Các cơ quan chưa ban hành Kế hoạch hành động bao gồm: 07 địa \n\n"
    "phương, 06 bộ, ngành2. "
)
REPAIRS = {
    "Quốc ph�ng": "Quốc phòng", "Văn ph�ng": "Văn phòng", "nghi�p": "nghiệp", "ngh�": "nghệ", "Ngh�": "Nghệ",
    "Vi�t": "Việt", "Vi�n": "Viện", "Đi�n": "Điện", "ki�n": "kiện", "th�c hi�n": "thực hiện", "H�a": "Hòa",
}

# Verified by reading footnote 1 against the 63 units of 26/3/2025: the 20 without a Steering Committee.
PROVINCES_WITHOUT_STEERING_COMMITTEE = [
    "An Giang", "Bắc Giang", "Bắc Ninh", "Bến Tre", "Bình Dương", "Bình Thuận", "Đồng Nai", "Gia Lai", "Hà Nam",
    "Hải Phòng", "Huế", "Hưng Yên", "Kon Tum", "Lai Châu", "Lâm Đồng", "Nam Định", "Nghệ An", "Sơn La",
    "Vĩnh Phúc", "Yên Bái",
]
AGENCIES_WITHOUT_STEERING_COMMITTEE = [
    "Bộ Công an", "Bộ Ngoại giao", "Bộ Nội vụ", "Bộ Tư pháp", "Bộ Xây dựng", "Bộ Văn hóa, Thể thao và Du lịch",
    "Bộ Dân tộc và Tôn giáo", "Ngân hàng Nhà nước Việt Nam", "Thanh tra Chính phủ", "Văn phòng Chính phủ",
    "Đài Truyền hình Việt Nam", "Thông tấn xã Việt Nam", "Viện Hàn lâm Khoa học Xã hội Việt Nam",
]


def repaired(text: str) -> str:
    for broken, fixed in REPAIRS.items():
        text = text.replace(broken, fixed)
    assert "\ufffd" not in text
    return text


def footnote_and_body(footnote: str, body: str, variant: str) -> tuple[str, str]:
    return (footnote, body) if variant == "raw" else (repaired(footnote), repaired(body))


@pytest.fixture(scope="module")
def g() -> Gazetteer:
    return Gazetteer.load()


@pytest.fixture(scope="module")
def march() -> str:
    return MARCH.read_text(encoding="utf-8")


def by_kind(lists: list[EntityList]) -> dict[str, EntityList]:
    assert len({lst.kind for lst in lists}) == len(lists), lists
    return {lst.kind: lst for lst in lists}


# --- mentions -----------------------------------------------------------------------------------


def test_mentions_carry_offsets_and_prefer_the_longest_name():
    text = "Viện Hàn lâm Khoa học và Công nghệ Việt Nam và Ngân hàng Nhà nước Việt Nam phối hợp với Bộ KH&CN."
    mentions = find_entities(text)
    assert [m.name for m in mentions] == [
        "Viện Hàn lâm Khoa học và Công nghệ Việt Nam",
        "Ngân hàng Nhà nước Việt Nam",
        "Bộ Khoa học và Công nghệ",
    ]
    assert all(text[m.start : m.end] == m.surface for m in mentions)


def test_mentions_in_broken_unaccented_and_wrapped_text():
    text = "Ha Noi, Da Nang, TP HCM; Đi�n Biên, Cao \nBằng, Ngh� An"
    assert [m.name for m in find_entities(text)] == [
        "Hà Nội", "Đà Nẵng", "Hồ Chí Minh", "Điện Biên", "Cao Bằng", "Nghệ An",
    ]
    assert find_entities(text)[2].surface == "TP HCM"


def test_mentions_by_kind():
    text = "Bộ Y tế và Hà Nội"
    assert [m.kind for m in find_entities(text, kinds=("agency",))] == ["agency"]
    assert [m.name for m in find_entities(text, kinds=("province",))] == ["Hà Nội"]


def test_count_phrases():
    phrases = find_count_phrases("đã có 09/22 bộ, ngành; 43/63 địa phương; 33 bộ, ngành, địa phương; 16/16 tiêu chí")
    assert [(p.kind, p.count, p.total) for p in phrases] == [
        ("agency", 9, 22), ("province", 43, 63), ("mixed", 33, None),
    ]


# --- footnote 1 of the March report: who set up a Steering Committee ----------------------------


@pytest.mark.parametrize("variant", ["raw", "repaired"])
def test_footnote_1_lists_9_agencies_and_43_provinces(variant, g):
    footnote, body = footnote_and_body(FOOTNOTE_1_RAW, BODY_1_RAW, variant)
    lists = by_kind(extract_lists_from_footnote(footnote, body))
    agencies, provinces = lists["agency"], lists["province"]

    assert agencies.count == 9
    assert (agencies.stated_count, agencies.stated_total, agencies.count_matches_stated) == (9, 22, True)
    assert agencies.items[0] == "Bộ Quốc phòng"
    assert agencies.items[-2:] == ["Đài Tiếng nói Việt Nam", "Viện Hàn lâm Khoa học và Công nghệ Việt Nam"]

    assert provinces.count == 43
    assert (provinces.stated_count, provinces.stated_total, provinces.count_matches_stated) == (43, 63, True)
    assert {"Cao Bằng", "Điện Biên", "Hồ Chí Minh", "Bà Rịa-Vũng Tàu"} <= set(provinces.items)

    for lst in (agencies, provinces):
        assert lst.polarity == "positive"
        assert lst.predicate.startswith("thành lập/ki") and "Ban Chỉ đạo" in lst.predicate
        assert lst.as_of == "2025-03-26"
        assert lst.footnote == "1"
        assert lst.unmatched == []
    start, end = provinces.source_span
    assert footnote[start:end].startswith("Các địa phương: Bà Rịa") and footnote[start:end].endswith("Vĩnh Long")


@pytest.mark.parametrize("variant", ["raw", "repaired"])
def test_footnote_1_complements_answer_who_has_not(variant, g):
    footnote, body = footnote_and_body(FOOTNOTE_1_RAW, BODY_1_RAW, variant)
    lists = by_kind(extract_lists_from_footnote(footnote, body))
    missing = complement(lists["province"], g.provinces_on("2025-03-26"))
    assert missing == PROVINCES_WITHOUT_STEERING_COMMITTEE
    assert len(missing) == 63 - 43
    # the default universe follows the list's date and total: 63 provinces; 17 ministries + 5 agencies
    assert complement(lists["province"]) == PROVINCES_WITHOUT_STEERING_COMMITTEE
    assert complement(lists["agency"]) == AGENCIES_WITHOUT_STEERING_COMMITTEE
    assert len(AGENCIES_WITHOUT_STEERING_COMMITTEE) == 22 - 9


def test_footnote_1_taken_straight_from_the_file(march):
    footnote = re.search(r"(?ms)^1 Các bộ, ngành: Bộ Quốc ph.*?Vĩnh Long\.", march).group()
    body = re.search(r"(?s)Tính\s+đến\s+hết ngày 26/3/2025; tại các bộ.*?Đề án 06\.1", march).group()
    lists = by_kind(extract_lists_from_footnote(footnote, body))
    assert (lists["agency"].count, lists["province"].count) == (9, 43)
    assert complement(lists["province"]) == PROVINCES_WITHOUT_STEERING_COMMITTEE


# --- footnote 2: who has NOT issued an action plan --------------------------------------------


@pytest.mark.parametrize("variant", ["raw", "repaired"])
def test_footnote_2_is_a_negative_list_of_7_provinces_and_6_agencies(variant):
    footnote, body = footnote_and_body(FOOTNOTE_2_RAW, BODY_2_RAW, variant)
    lists = by_kind(extract_lists_from_footnote(footnote, body))
    provinces, agencies = lists["province"], lists["agency"]
    assert provinces.items == ["Bạc Liêu", "Điện Biên", "Đồng Nai", "Nghệ An", "Ninh Thuận", "Thanh Hóa", "Trà Vinh"]
    assert agencies.items == [
        "Bộ Dân tộc và Tôn giáo", "Thanh tra Chính phủ", "Văn phòng Chính phủ", "Thông tấn xã Việt Nam",
        "Đài Truyền hình Việt Nam", "Viện Hàn lâm Khoa học Xã hội Việt Nam",
    ]
    for lst, stated in ((provinces, 7), (agencies, 6)):
        assert lst.polarity == "negative"
        assert lst.predicate == "chưa ban hành Kế hoạch hành động"
        assert (lst.stated_count, lst.count_matches_stated) == (stated, True)


# --- "Các ... chưa báo cáo:" lists (footnotes 4 and 5) -----------------------------------------


def test_inline_not_reported_list_without_its_body_sentence():
    text = (
        "5 Các địa phương chưa báo cáo: Bà Rịa-Vũng Tàu, Bình Dương, Bình Phước, Bình Thuận, Đắk Lắk, Gia Lai, Hà \n"
        "Nam, Hải Dương, Khánh H�a, Kiên Giang, Lai Châu, Ninh Bình, Phú Yên, Quảng Nam, Quảng Ninh, Tây Ninh, \n"
        "Thái Bình, TP. Hà Nội, Tp. Hồ Chí Minh, Vĩnh Phúc, Yên Bái. (tính đến hết ngày 26/3). "
    )
    (provinces,) = extract_lists(text)
    assert provinces.kind == "province" and provinces.count == 21
    assert provinces.predicate == "chưa báo cáo" and provinces.polarity == "negative"
    assert {"Hà Nam", "Khánh Hòa", "Hà Nội", "Hồ Chí Minh"} <= set(provinces.items)
    assert provinces.stated_count is None  # no count in the footnote itself


def test_not_reported_lists_take_their_counts_from_the_opposite_body_figure(march):
    lists = [lst for lst in extract_lists(march) if lst.predicate == "chưa báo cáo"]
    agencies = [lst for lst in lists if lst.kind == "agency"][0]
    provinces = [lst for lst in lists if lst.kind == "province"][0]
    # body: '05 Bộ, ngành báo cáo4 ...; 42 địa phương báo cáo5'
    assert (agencies.count, agencies.stated_count, agencies.stated_total, agencies.count_derived) == (17, 17, 22, True)
    assert (provinces.count, provinces.stated_count, provinces.stated_total) == (21, 21, 63)
    assert agencies.count_matches_stated and provinces.count_matches_stated
    assert "Bộ Văn hóa, Thể thao và Du lịch" in agencies.items  # a name with a comma inside a ';' list
    assert complement(agencies) == [
        "Bộ Quốc phòng", "Bộ Tài chính", "Bộ Xây dựng", "Bộ Giáo dục và Đào tạo", "Đài Tiếng nói Việt Nam",
    ]
    assert len(complement(provinces)) == 42


def test_asking_for_one_kind_keeps_the_footnote_link(march):
    lists = extract_lists(march, kinds=("province",))
    assert {lst.kind for lst in lists} == {"province"}
    assert (lists[0].footnote, lists[0].count, lists[0].stated_count, lists[0].stated_total) == ("1", 43, 43, 63)


def test_whole_march_report(march):
    lists = extract_lists(march)
    assert all(lst.count_matches_stated for lst in lists), [(lst.footnote, lst.kind) for lst in lists]
    summary = [(lst.footnote, lst.kind, lst.count, lst.polarity) for lst in lists]
    assert summary[:8] == [
        ("1", "agency", 9, "positive"), ("1", "province", 43, "positive"),
        ("2", "agency", 6, "negative"), ("2", "province", 7, "negative"),
        ("3", "agency", 6, "negative"), ("3", "province", 7, "negative"),
        ("4", "agency", 17, "negative"), ("5", "province", 21, "negative"),
    ]
    # the clean summary half of the file repeats the lists under footnotes 1-3
    assert [(f, k, c) for f, k, c, _ in summary[8:]] == [
        ("1", "agency", 6), ("1", "province", 7), ("2", "agency", 17), ("3", "province", 21),
    ]


# --- a post-merger report written for this test -------------------------------------------------

SYNTHETIC_AUGUST = """BÁO CÁO
Kết quả triển khai 16 tiêu chí phục vụ người dân tại Trung tâm Phục vụ hành chính công cấp xã

1. Tính đến 15/8/2025, 30/34 tỉnh, thành phố đã hoàn thành 16/16 tiêu chí tại 100% xã1. Còn 04 địa
phương chưa hoàn thành2, Bộ Khoa học và Công nghệ đã có văn bản đôn đốc.
2. Đến ngày 15/8/2025, 12/17 bộ, cơ quan ngang bộ đã kết nối hệ thống giải quyết thủ tục hành chính
với Cổng Dịch vụ công quốc gia3.
1 Các địa phương: An Giang, Bắc Ninh, Cà Mau, Cao Bằng, Cần Thơ, Đà Nẵng, Đắk Lắk, Điện Biên, Đồng Nai,
Đồng Tháp, Gia Lai, Thành phố Hà Nội, Hà Tĩnh, Hải Phòng, TP. Hồ Chí Minh, Huế, Hưng Yên, Khánh Hoà, Lai
Châu, Lạng Sơn, Lào Cai, Lâm Đồng, Nghệ An, Ninh Bình, Phú Thọ, Quảng Ngãi, Quảng Ninh, Quảng Trị, Sơn La,
Thanh Hoá.
2 Tây Ninh, Tuyên Quang, Thái Nguyên, Vĩnh Long.
3 Các bộ chưa kết nối: Bộ Ngoại giao, Bộ Quốc phòng, Bộ Công an, Bộ Dân tộc và Tôn giáo, Thanh tra Chính phủ.
"""


def test_post_merger_report_with_footnotes(g):
    done, not_done, not_connected = extract_lists(SYNTHETIC_AUGUST)

    assert (done.kind, done.count, done.stated_count, done.stated_total) == ("province", 30, 30, 34)
    assert done.predicate == "đã hoàn thành 16/16 tiêu chí tại 100% xã" and done.polarity == "positive"
    assert done.as_of == "2025-08-15"
    assert complement(done) == complement(done, g.provinces_on("2025-08-15"))
    assert sorted(complement(done)) == sorted(["Tây Ninh", "Tuyên Quang", "Thái Nguyên", "Vĩnh Long"])

    # a footnote with no header of its own takes everything from its body sentence
    assert not_done.items == ["Tây Ninh", "Tuyên Quang", "Thái Nguyên", "Vĩnh Long"]
    assert (not_done.predicate, not_done.polarity, not_done.stated_count) == ("chưa hoàn thành", "negative", 4)

    # 'Các bộ chưa kết nối' against '12/17 ... đã kết nối': 17 - 12 = 5 are expected in the list
    assert not_connected.kind == "agency" and not_connected.polarity == "negative"
    assert (not_connected.stated_count, not_connected.stated_total, not_connected.count_matches_stated) == (5, 17, True)
    assert len(complement(not_connected)) == 12
    assert "Bộ Thông tin và Truyền thông" not in complement(not_connected)


def test_real_post_merger_list_in_the_september_report(g):
    lists = extract_lists(SEPTEMBER.read_text(encoding="utf-8"))
    (done,) = [lst for lst in lists if lst.stated_total == 34]
    assert (done.count, done.stated_count, done.count_matches_stated) == (21, 21, True)
    assert done.predicate == "đã hoàn thành đủ 16/16 tiêu chí tại 100% xã"
    assert "Huế" in done.items and "Hồ Chí Minh" in done.items  # written 'Thành phố Huế', 'Thành phố Hồ Chí Minh'
    assert len(complement(done, g.provinces_on("2025-09-23"))) == 13


def test_short_lists_in_parentheses_after_a_count_and_a_typo():
    text = (
        "có 02 địa phương đã đạt mục tiêu phát triển DNCNS (Hà Nội và TP Hồ Chí Minh), "
        "02 địa phương dự kiến sớm đạt mục tiêu (Đà Nẵn, Bắc Ninh."
    )
    reached, soon = extract_lists(text)
    assert reached.items == ["Hà Nội", "Hồ Chí Minh"] and reached.predicate == "đã đạt mục tiêu phát triển DNCNS"
    assert soon.items == ["Đà Nẵng", "Bắc Ninh"] and soon.predicate == "dự kiến sớm đạt mục tiêu"
    assert reached.count_matches_stated and soon.count_matches_stated


# --- footnotes as ingestion hands them over (superscript markers, DOCX references) ---------------


def test_superscript_markers_from_ingestion():
    footnote = "¹ Các bộ, ngành: Bộ Quốc phòng, Bộ Tài chính; Các địa phương: Hà Nội, Đà Nẵng."
    sentence = "Tính đến hết ngày 26/3/2025, đã có 02/22 bộ, ngành; 02/63 địa phương thành lập Ban Chỉ đạo.¹"
    agencies, provinces = extract_lists_from_footnote(footnote, sentence)
    assert (agencies.items, agencies.stated_count, agencies.stated_total) == (["Bộ Quốc phòng", "Bộ Tài chính"], 2, 22)
    assert (provinces.items, provinces.stated_count, provinces.stated_total) == (["Hà Nội", "Đà Nẵng"], 2, 63)
    assert provinces.predicate == "thành lập Ban Chỉ đạo" and provinces.footnote == "1"


def test_docx_footnote_without_its_number():
    (provinces,) = extract_lists_from_footnote(
        "Bạc Liêu, Điện Biên, Đồng Nai.",
        "Vẫn còn 06 bộ, ngành, 03 địa phương[^3] chưa ban hành Kế hoạch hành động.",
        number="3",
    )
    assert provinces.items == ["Bạc Liêu", "Điện Biên", "Đồng Nai"]
    assert (provinces.predicate, provinces.polarity, provinces.stated_count) == (
        "chưa ban hành Kế hoạch hành động", "negative", 3,
    )


def test_two_markers_sharing_one_predicate():
    text = "Còn 02 bộ, ngành²; 02 địa phương³ chưa báo cáo.\n² Bộ Y tế, Bộ Tư pháp.\n³ Hà Nội, Huế."
    agencies, provinces = extract_lists(text)
    assert (agencies.footnote, agencies.items, agencies.predicate) == ("2", ["Bộ Y tế", "Bộ Tư pháp"], "chưa báo cáo")
    assert (provinces.footnote, provinces.items, provinces.predicate) == ("3", ["Hà Nội", "Huế"], "chưa báo cáo")
    assert agencies.count_matches_stated and provinces.count_matches_stated


# --- other shapes of lists ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "items", "predicate", "stated"),
    [
        ("Có 05 tỉnh chưa thành lập Ban Chỉ đạo, gồm: Lai Châu, Sơn La, Hà Giang, Bắc Kạn, Cao Bằng.",
         ["Lai Châu", "Sơn La", "Hà Giang", "Bắc Kạn", "Cao Bằng"], "chưa thành lập Ban Chỉ đạo", 5),
        ("Các tỉnh: Lai Châu và Điện Biên chưa ban hành kế hoạch.",
         ["Lai Châu", "Điện Biên"], "chưa ban hành kế hoạch", None),
        ("Đến nay, còn 3 địa phương (Lai Châu, Sơn La, Điện Biên) chưa hoàn thành việc sắp xếp.",
         ["Lai Châu", "Sơn La", "Điện Biên"], "chưa hoàn thành việc sắp xếp", 3),
        ("Đã có 3 tỉnh Lai Châu, Điện Biên, Sơn La hoàn thành việc kết nối.",
         ["Lai Châu", "Điện Biên", "Sơn La"], "hoàn thành việc kết nối", 3),
        ("Các địa phương chưa báo cáo:\n- Hà Nội\n- Huế\n- Cần Thơ\nĐề nghị các địa phương khẩn trương.",
         ["Hà Nội", "Huế", "Cần Thơ"], "chưa báo cáo", None),
        ("Các địa phương chưa báo cáo gồm: (1) Hà Nội; (2) Huế; (3) Cần Thơ.",
         ["Hà Nội", "Huế", "Cần Thơ"], "chưa báo cáo", None),
        ("Các bộ chậm báo cáo: Bộ TT&TT, Bộ KH&ĐT, Bộ GTVT.",
         ["Bộ Thông tin và Truyền thông", "Bộ Kế hoạch và Đầu tư", "Bộ Giao thông vận tải"], "chậm báo cáo", None),
    ],
)
def test_list_shapes(text, items, predicate, stated):
    (lst,) = extract_lists(text)
    assert (lst.items, lst.predicate, lst.stated_count) == (items, predicate, stated)
    assert lst.polarity == ("negative" if predicate.startswith(("chưa", "chậm")) else "positive")


def test_items_keep_their_parenthesised_notes():
    text = (
        "Các nhiệm vụ này thuộc trách nhiệm của: "
        "Bộ Y tế (07 nhiệm vụ), Bộ Công an (05 nhiệm vụ), Hà Nội (01 nhiệm vụ)."
    )
    agencies, provinces = extract_lists(text)
    assert agencies.notes == {"Bộ Y tế": "07 nhiệm vụ", "Bộ Công an": "05 nhiệm vụ"}
    assert provinces.items == ["Hà Nội"] and provinces.notes == {"Hà Nội": "01 nhiệm vụ"}


def test_unknown_items_are_reported_not_dropped_silently():
    text = "Cơ quan phối hợp: Bộ Công an, Văn phòng Trung ương Đảng, Bộ Nội vụ."
    (lst,) = extract_lists(text)
    assert lst.items == ["Bộ Công an", "Bộ Nội vụ"] and lst.unmatched == ["Văn phòng Trung ương Đảng"]


# --- input without diacritics -------------------------------------------------------------------


def test_unaccented_list():
    (lst,) = extract_lists("Ha Noi, Da Nang, TP HCM")
    assert lst.items == ["Hà Nội", "Đà Nẵng", "Hồ Chí Minh"]
    (lst,) = extract_lists("Cac dia phuong chua bao cao: Ha Noi, Da Nang, TP HCM, Thua Thien Hue.")
    assert lst.items == ["Hà Nội", "Đà Nẵng", "Hồ Chí Minh", "Huế"]
    assert lst.predicate == "chua bao cao" and lst.polarity == "negative"


# --- what is not a list -------------------------------------------------------------------------


def test_a_sentence_whose_subject_follows_a_colon_is_not_a_list():
    text = "9. Về công tác chỉ đạo, điều hành: Bộ Khoa học và Công nghệ đã có văn bản đôn đốc các bộ, ngành."
    assert extract_lists(text) == []


def test_two_names_in_prose_are_not_a_list():
    assert extract_lists("Bộ Khoa học và Công nghệ phối hợp với Bộ Tài chính trình Chính phủ.") == []


# --- agencies before and after 1/3/2025 ----------------------------------------------------------


def test_agency_list_of_an_early_2025_plan_uses_the_22_old_ministries(g):
    (lst,) = extract_lists("+ Cơ quan phối hợp: Bộ Khoa học và Công nghệ, Bộ Thông tin và Truyền thông. ")
    assert lst.predicate == "phối hợp"
    universe = universe_for(lst)
    assert universe == g.agencies_on("2025-02-28")
    assert "Bộ Kế hoạch và Đầu tư" in complement(lst) and "Bộ Nông nghiệp và Môi trường" not in complement(lst)


def test_as_of_overrides_the_universe(g):
    (lst,) = extract_lists("Các địa phương chưa báo cáo: Hà Nội, Huế.", as_of="2025-08-01")
    assert lst.as_of == "2025-08-01"
    assert len(complement(lst)) == 32


def test_complement_accepts_any_spelling_in_the_universe_and_needs_one_when_nothing_tells():
    (lst,) = extract_lists("Ha Noi, Da Nang, TP HCM")
    assert universe_for(lst) is None
    with pytest.raises(ValueError):
        complement(lst)
    assert complement(lst, ["TP. Hà Nội", "Cần Thơ", "Tp. Hồ Chí Minh", "Huế"]) == ["Cần Thơ", "Huế"]


# --- speed --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "kind"), [
    ("trường hợp đổi tên", None),  # 'trường hợp' (a case) is a word of its own, no school
    ("bộ trưởng", None),
    ("hội viên", "member"),  # a word that is a kind's noun itself
    ("hội nghị", None),
    ("các tỉnh thành", "province"),
    ("trường THPT", "school"),
    ("hội do Đảng, Nhà nước giao nhiệm vụ", "association"),
    ("truong hop", None),  # typed without diacritics, the same
    ("các cơ sở", None),  # the noun closing a word: 'cơ sở', 'cán bộ', 'đại hội'
    ("cán bộ", None),
    ("đại hội", None),
    ("CSDL chuyên ngành", "database"),  # not 'ngành' (a sector, an agency)
    ("hiệp hội", "association"),
])
def test_a_kind_noun_that_opens_another_word_is_not_that_kind(text, kind):
    from baocao.ingest.generic_lists import kind_of_noun

    assert kind_of_noun(text, "start") == kind


def test_figures_a_comma_splits_off_are_no_list_of_units():
    from baocao.ingest.generic_lists import extract_named_lists

    assert extract_named_lists("Tỷ lệ số hóa hồ sơ của các bộ, ngành đạt tỷ lệ: 16, 94%.") == []
    assert [lst.items for lst in extract_named_lists("Các hội sau: Hội Nông dân, Hội 5G Việt Nam.")] == [
        ["Hội Nông dân", "Hội 5G Việt Nam"]]


def test_a_breakdown_by_label_is_no_list_and_a_list_ends_where_its_marker_style_changes():
    from baocao.ingest.generic_lists import extract_named_lists

    text = ("a) Tổng số hội trên địa bàn tỉnh là: 610 hội. Trong đó:\n"
            "- Hội có phạm vi hoạt động trong tỉnh: 90 hội (bao gồm 16 Hội do Đảng, Nhà nước giao nhiệm vụ).\n"
            "- Hội có phạm vi hoạt động trong xã: 520 hội.\n"
            "b) Các hội đề nghị giải thể gồm:\n- Hội Làm vườn tỉnh: chưa đại hội.\n"
            "- Hội Cựu giáo chức tỉnh: 3 năm không hoạt động.\n- Hội Lâm nghiệp tỉnh.")
    lists = extract_named_lists(text)
    assert [lst.items for lst in lists] == [["Hội Làm vườn tỉnh", "Hội Cựu giáo chức tỉnh", "Hội Lâm nghiệp tỉnh"]]
    assert lists[0].predicate == "đề nghị giải thể"
