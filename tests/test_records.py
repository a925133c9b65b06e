"""Records read at ingest: figures, lists of any kind, and their round trip through Chroma."""

from __future__ import annotations

import pytest

from baocao.ingest.generic_lists import extract_named_lists
from baocao.ingest.models import Chunk
from baocao.ingest.records import extract_records, figures_in, records_from_json, records_to_json


def test_figures_keep_value_metric_unit_scope_and_date():
    sentence = "Tốc độ tải hướng xuống băng rộng di động của Việt Nam trong tháng 02/2025 đạt 144,50 Mbit/s."
    [figure] = figures_in(sentence, as_of="2025-03-26")
    assert figure.value == "144,50 Mbit/s" and figure.number == 144.5 and figure.unit == "Mbit/s"
    assert figure.metric.startswith("Tốc độ tải hướng xuống băng rộng di động")
    assert figure.as_of == "2025-02" and figure.scope == ["cả nước"]
    counted = figures_in("Toàn tỉnh hiện có 610 hội, trong đó 90 hội cấp tỉnh.", as_of="2025-12")
    assert [(f.number, f.unit) for f in counted] == [(610.0, "hội"), (90.0, "hội")]
    assert not figures_in("Theo Nghị định 126/2024/NĐ-CP ngày 08/10/2024.", as_of=None)


def test_lists_of_anything_by_layout():
    inline = extract_named_lists("Các hội đề nghị giải thể gồm: Hội Cựu giáo chức; Hội Sinh vật cảnh; Hội Cờ tướng.")
    assert [(lst.kind, lst.items, lst.predicate) for lst in inline] == [
        ("association", ["Hội Cựu giáo chức", "Hội Sinh vật cảnh", "Hội Cờ tướng"], "đề nghị giải thể")]
    bullets = extract_named_lists("Các cơ sở dữ liệu đã kết nối:\n- Cơ sở dữ liệu đất đai\n- Cơ sở dữ liệu dân cư")
    assert bullets[0].kind == "database" and bullets[0].items == ["Cơ sở dữ liệu đất đai", "Cơ sở dữ liệu dân cư"]
    table = extract_named_lists("STT: 1; Tên hội: Hội Luật gia; Số hội viên: 120\nSTT: 2; Tên hội: Hội Nhà báo; Số hội viên: 80")
    assert table[0].items == ["Hội Luật gia", "Hội Nhà báo"]  # the names, not the table's summary


def test_records_round_trip_as_json_and_through_the_index(tmp_settings, embedder):
    from baocao.ingest.models import IngestedDocument
    from baocao.vectorstore.store import open_index

    text = "Các tỉnh thiếu bác sĩ gồm: Cao Bằng, Lai Châu, Điện Biên. Cả nước có 1.200 trạm y tế xã có bác sĩ."
    chunk = Chunk("d1:0000", "d1", "r.txt", "Báo cáo", "I", text, as_of="2026-03-31")
    chunk.records = extract_records(chunk)
    kinds = [type(r).__name__ for r in chunk.records]
    assert kinds.count("EntityList") >= 1 and "FigureRecord" in kinds
    again = records_from_json(records_to_json(chunk.records))
    assert [type(r).__name__ for r in again] == kinds and again[0].items == ["Cao Bằng", "Lai Châu", "Điện Biên"]

    index = open_index(tmp_settings, embedder)
    index.add(IngestedDocument("d1", "r.txt", "Báo cáo", None, "2026-03-31", "2026-03-31", [chunk]))
    reopened = open_index(tmp_settings, embedder)  # a new process (or a replica on a Chroma server) reads them back
    stored = reopened.get_chunks(["d1:0000"])[0]
    assert [type(r).__name__ for r in stored.records] == kinds
    assert stored.records[0].items == ["Cao Bằng", "Lai Châu", "Điện Biên"]


@pytest.mark.parametrize(("text", "items"), [
    ("Sở Nội vụ đã tổ chức cuộc họp với Công an tỉnh, các Sở: Giáo dục và Đào tạo; Văn hóa, Thể thao và Du lịch; "
     "Ngoại vụ để thảo luận, thống nhất nội dung.",
     ["Sở Giáo dục và Đào tạo", "Sở Văn hóa, Thể thao và Du lịch", "Sở Ngoại vụ"]),
    ("Lấy ý kiến các Bộ: Công an, Quốc phòng, Ngoại giao.", ["Bộ Công an", "Bộ Quốc phòng", "Bộ Ngoại giao"]),
    # a name the gazetteer knows is not cut at its own comma or 'và'
    ("Lấy ý kiến các Sở: Thông tin và Truyền thông, Văn hóa, Thể thao và Du lịch, Tài chính.",
     ["Sở Thông tin và Truyền thông", "Sở Văn hóa, Thể thao và Du lịch", "Sở Tài chính"]),
])
def test_a_header_ending_with_a_kinds_prefix_names_every_item_with_it(text, items):
    assert [lst.items for lst in extract_named_lists(text)] == [items]


@pytest.mark.parametrize(("text", "items"), [
    ("Bộ xây dựng, sửa đổi 04 Luật (Luật Chuyển đổi số, Luật Sở hữu trí tuệ sửa đổi, Luật công nghệ cao sửa đổi và "
     "Luật Chuyển giao công nghệ sửa đổi); Bộ Nội vụ (cơ chế thu hút nhân tài).",
     ["Luật Chuyển đổi số", "Luật Sở hữu trí tuệ sửa đổi", "Luật công nghệ cao sửa đổi", "Luật Chuyển giao công nghệ sửa đổi"]),
    ("Đoàn đã kiểm tra 3 đơn vị (Sở Y tế, Sở Tài chính).", None),  # two names for three: no list
    ("Đã có 02 doanh nghiệp (Viettel, VNPT) dự kiến triển khai 20.000 trạm 5G.", None),  # names of no known kind
])
def test_a_count_then_that_many_names_in_parentheses_is_a_list(text, items):
    from baocao.ingest.generic_lists import extract_named_lists

    found = [lst.items for lst in extract_named_lists(text)]
    assert (found[0] if found else None) == items
