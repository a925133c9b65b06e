"""The gazetteer: names, normalisation, universes by date, successions, the matcher."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from baocao.ingest.gazetteer import Gazetteer, address_data, fold, normalise_name, unify_tone_placement

SHARED = Path(__file__).resolve().parents[2] / "shared" / "gazetteer"


@pytest.fixture(scope="module")
def g() -> Gazetteer:
    return Gazetteer.load()


# --- normalisation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Tp. Hồ  Chí Minh", "hồ chí minh"),
        ("TP.HCM", "hcm"),
        ("Thành phố Đà Nẵng", "đà nẵng"),
        ("Tỉnh Thừa Thiên Huế", "thừa thiên huế"),
        ("Bà Rịa - Vũng Tàu", "bà rịa-vũng tàu"),
        ("Bà Rịa-Vũng Tàu", "bà rịa-vũng tàu"),
        ("KHÁNH HOÀ", "khánh hòa"),
        ("Khánh Hòa", "khánh hòa"),
        ("Thanh Hoá", "thanh hóa"),
        ("  Cao \n Bằng ", "cao bằng"),
    ],
)
def test_normalise_name(raw, expected):
    assert normalise_name(raw) == expected


def test_tone_placement_is_unified_by_rule_not_by_name():
    assert unify_tone_placement("hoà thuý khoẻ uỷ") == "hòa thúy khỏe ủy"
    # a final consonant or the 'qu' consonant keeps the mark where it is
    assert unify_tone_placement("hoàn thành quý") == "hoàn thành quý"


def test_fold_gives_the_unaccented_key():
    assert fold("Thành phố Đà Nẵng") == "da nang"
    assert fold("Ha Noi") == fold("Hà Nội") == "ha noi"


# --- data ---------------------------------------------------------------------------------------


def test_provinces_come_from_the_maintained_source_and_agree_with_the_shared_lists(g):
    """The 63/34 lists and the merger are read from underthesea's address data, not a hand-written file;
    the shared gazetteer (written by hand) must agree with them, and its aliases must still match."""
    for name, day in (("until_2025_06_30", "2025-06-30"), ("from_2025_07_01", "2025-07-01")):
        if (SHARED / "provinces.json").exists():
            shared = json.loads((SHARED / "provinces.json").read_text(encoding="utf-8"))
            assert sorted(shared[name]["units"]) == sorted(g.provinces_on(day))
            for canonical, aliases in shared.get("aliases", {}).items():
                assert all(g.canonical(a) == canonical for a in aliases), canonical
    assert len(address_data()["ward_mapping"]) > 10000


def test_communes_and_wards_are_known_entities_by_province(g):
    lam_dong = g.communes_of("Lâm Đồng")
    assert len(lam_dong) > 100 and all(c.split()[0] in ("Xã", "Phường", "Đặc") for c in lam_dong)
    assert g.communes_of("Bình Thuận") == lam_dong  # merged into Lâm Đồng on 1/7/2025
    found = [m.entity for m in g.scan(f"UBND {lam_dong[0]} và {lam_dong[1]} đã báo cáo")]
    assert [e.name for e in found] == lam_dong[:2] and {e.kind for e in found} == {"commune"}
    assert g.universe("commune", "2025-09-01", within="Lâm Đồng") == lam_dong
    assert g.universe("commune", "2025-03-01", within="Lâm Đồng") == []  # before the reform: not in the data


def test_departments_by_date(g):
    assert "Sở Thông tin và Truyền thông" in g.departments_on("2025-02-28")
    assert "Sở Thông tin và Truyền thông" not in g.departments_on("2025-03-01")
    assert g.canonical("Sở GD&ĐT") == "Sở Giáo dục và Đào tạo"


def test_every_old_province_has_a_successor_and_the_mapping_covers_the_63(g):
    before, after = g.provinces_on("2025-06-30"), g.provinces_on("2025-07-01")
    assert {g.successor(p) for p in before} == set(after)
    assert sorted(p for new in after for p in g.predecessors(new)) == sorted(before)


# --- universes by date --------------------------------------------------------------------------


def test_provinces_on_each_side_of_the_merger(g):
    assert len(g.provinces_on(dt.date(2025, 3, 26))) == 63
    assert len(g.provinces_on(dt.date(2025, 6, 30))) == 63
    assert len(g.provinces_on(dt.date(2025, 7, 1))) == 34
    assert len(g.provinces_on("2024-12-31")) == 63
    assert "Bắc Giang" in g.provinces_on("2025-06-30")
    assert "Bắc Giang" not in g.provinces_on("2025-07-01")
    assert "Huế" in g.provinces_on("2025-07-01")


def test_agencies_before_and_after_the_march_2025_reform(g):
    before = g.agencies_on(dt.date(2025, 2, 28))
    after = g.agencies_on(dt.date(2025, 3, 1))
    counted_as_22 = g.agencies_on(dt.date(2025, 3, 26), include_government_agencies=True)
    assert (len(before), len(after), len(counted_as_22)) == (22, 17, 22)
    assert "Bộ Thông tin và Truyền thông" in before
    assert "Bộ Thông tin và Truyền thông" not in after
    assert "Bộ Nông nghiệp và Môi trường" in after and "Bộ Nông nghiệp và Môi trường" not in before
    assert {"Đài Truyền hình Việt Nam", "Đài Tiếng nói Việt Nam", "Thông tấn xã Việt Nam"} <= set(counted_as_22)
    assert "Đài Truyền hình Việt Nam" not in after


def test_entity_validity(g):
    ministry = g.entity("Bộ Thông tin và Truyền thông")
    assert ministry.in_force_on(dt.date(2025, 2, 28)) and not ministry.in_force_on(dt.date(2025, 3, 1))
    province = g.entity("Bắc Giang")
    assert province.in_force_on(dt.date(2025, 6, 30)) and not province.in_force_on(dt.date(2025, 7, 1))
    assert g.entity("Hà Nội").group == "city"


# --- successions --------------------------------------------------------------------------------


def test_province_successions(g):
    assert g.successor("Bắc Giang") == "Bắc Ninh"
    assert g.successor("Hà Giang") == "Tuyên Quang"
    assert g.successor("BR-VT") == "Hồ Chí Minh"
    assert g.successor("Hà Nội") == "Hà Nội"
    assert g.predecessors("Hồ Chí Minh") == ["Hồ Chí Minh", "Bình Dương", "Bà Rịa-Vũng Tàu"]
    assert g.predecessors("Ninh Bình") == ["Ninh Bình", "Hà Nam", "Nam Định"]


def test_agency_successions(g):
    assert g.successor("Bộ Thông tin và Truyền thông") == "Bộ Khoa học và Công nghệ"
    assert g.successor("Bộ TT&TT") == "Bộ Khoa học và Công nghệ"
    assert g.successor("Bộ Kế hoạch và Đầu tư") == "Bộ Tài chính"
    assert g.successor("Bộ Quốc phòng") == "Bộ Quốc phòng"
    assert g.predecessors("Bộ Khoa học và Công nghệ") == ["Bộ Khoa học và Công nghệ", "Bộ Thông tin và Truyền thông"]
    assert g.predecessors("Bộ Nông nghiệp và Môi trường") == [
        "Bộ Nông nghiệp và Phát triển nông thôn",
        "Bộ Tài nguyên và Môi trường",
    ]


def test_successor_of_an_unknown_name_raises(g):
    with pytest.raises(KeyError):
        g.successor("Tỉnh Không Có")


# --- matching -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("TP Hồ Chí Minh", "Hồ Chí Minh"),
        ("Tp. Hồ Chí Minh", "Hồ Chí Minh"),
        ("TP. HCM", "Hồ Chí Minh"),
        ("TP.HCM", "Hồ Chí Minh"),
        ("Thành phố Hồ Chí Minh", "Hồ Chí Minh"),
        ("Huế", "Huế"),
        ("Thừa Thiên Huế", "Huế"),
        ("TP Huế", "Huế"),
        ("Bà Rịa-Vũng Tàu", "Bà Rịa-Vũng Tàu"),
        ("Bà Rịa - Vũng Tàu", "Bà Rịa-Vũng Tàu"),
        ("BR-VT", "Bà Rịa-Vũng Tàu"),
        ("Khánh Hoà", "Khánh Hòa"),
        ("Khánh Hòa", "Khánh Hòa"),
        ("Đắk Lắk", "Đắk Lắk"),
        ("Đắc Lắc", "Đắk Lắk"),
        ("Daklak", "Đắk Lắk"),
        ("Đăk Lăk", "Đắk Lắk"),
        ("Đắk Nông", "Đắk Nông"),
        ("Thanh Hoá", "Thanh Hóa"),
        ("Hoà Bình", "Hòa Bình"),
        ("Ngh� An", "Nghệ An"),
        ("Đi�n Biên", "Điện Biên"),
        ("Ha Noi", "Hà Nội"),
        ("hà nội", "Hà Nội"),
        ("Bộ KH&CN", "Bộ Khoa học và Công nghệ"),
        ("Bộ KHCN", "Bộ Khoa học và Công nghệ"),
        ("Bo KH&CN", "Bộ Khoa học và Công nghệ"),
        ("Bộ TT&TT", "Bộ Thông tin và Truyền thông"),
        ("Bộ TTTT", "Bộ Thông tin và Truyền thông"),
        ("BCA", "Bộ Công an"),
        ("Bộ NN&MT", "Bộ Nông nghiệp và Môi trường"),
        ("NHNN", "Ngân hàng Nhà nước Việt Nam"),
        ("VPCP", "Văn phòng Chính phủ"),
        ("TTXVN", "Thông tấn xã Việt Nam"),
        ("VTV", "Đài Truyền hình Việt Nam"),
        ("VOV", "Đài Tiếng nói Việt Nam"),
        ("Bộ Công thương", "Bộ Công Thương"),
        ("Bộ Công Thương", "Bộ Công Thương"),
        ("Uỷ ban Dân tộc", "Ủy ban Dân tộc"),
        ("Bộ Văn hóa, Thể thao và Du lịch", "Bộ Văn hóa, Thể thao và Du lịch"),
        ("Vi�n Hàn lâm Khoa học và Công \nngh� Vi�t Nam", "Viện Hàn lâm Khoa học và Công nghệ Việt Nam"),
        ("Viện Hàn lâm KHXH Việt Nam", "Viện Hàn lâm Khoa học Xã hội Việt Nam"),
    ],
)
def test_match_spellings(g, fragment, expected):
    entity = g.match(fragment)
    assert entity is not None and entity.name == expected


@pytest.mark.parametrize("fragment", ["Hà Năm", "Gia Lại", "Bộ Chính trị", "Chính phủ", "Nam", ""])
def test_match_rejects_near_misses(g, fragment):
    assert g.match(fragment) is None


def test_match_by_kind(g):
    assert g.match("Hà Nội", kind="agency") is None
    assert g.match("VTV", kind="agency").name == "Đài Truyền hình Việt Nam"


def test_fuzzy_match_is_only_for_list_items(g):
    assert g.match("Đà Nẵn") is None
    assert g.fuzzy_match("Đà Nẵn").name == "Đà Nẵng"
    assert g.fuzzy_match("Hà") is None  # too short to guess


def test_scan_spans_prefixes_line_breaks_and_context(g):
    text = "Cao \nBằng, TP Hồ Chí Minh, tư tưởng Hồ Chí Minh, Đại học Quốc gia Thành phố Hồ Chí Minh"
    found = [(text[m.start : m.end], m.entity.name) for m in g.scan(text)]
    assert found == [("Cao \nBằng", "Cao Bằng"), ("TP Hồ Chí Minh", "Hồ Chí Minh")]


def test_scan_requires_a_capital_unless_told_otherwise(g):
    text = "giữ vững hòa bình, ổn định"
    assert g.scan(text) == []
    assert [m.entity.name for m in g.scan(text, require_capital=False)] == ["Hòa Bình"]
