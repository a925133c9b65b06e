"""Ingest pipeline on the real sample reports and on a synthetic report written here."""

from __future__ import annotations

from pathlib import Path

import pytest

from baocao.ingest.pipeline import ingest_file

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
MARCH = SAMPLE / "2025-03_bao-cao-chuyen-doi-so-quoc-gia-thang-3.txt"
PLAN = SAMPLE / "2025_ke-hoach-cds-quoc-gia-nam-2025-du-thao.txt"

SYNTHETIC = """\
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

UBND TỈNH MẪU
Mẫu Sơn, ngày 15 tháng 8 năm 2025

BÁO CÁO
Tình hình chuyển đổi số của tỉnh Mẫu Sơn 7 tháng năm 2025

I. KẾT QUẢ ĐẠT ĐƯỢC
1. Hạ tầng số
Tính đến hết ngày 31/7/2025, toàn tỉnh có 28/34 xã hoàn thành phủ sóng 5G; tốc độ
Internet di động trung bình đạt 150,2 Mbps, tăng so với cùng kỳ.[bookmark: _Hlk208348002]
- Số trạm BTS 5G mới: 120 trạm.
+ Trong đó khu vực nông thôn: 45 trạm.
a) Dữ liệu
Đã hoàn thành 06 cơ sở dữ liệu chuyên ngành; còn 03 xã chưa kết nối dữ liệu dân cư1.
3
1 Các xã chưa kết nối: Xã An Bình, Xã Bình Minh, Xã Cát Tiên.
II. TỒN TẠI, HẠN CHẾ
Một số xã vùng sâu chưa có cáp quang đến thôn.
- Xây dựng kho dữ liệu dùng chung của tỉnh.
+ Kết quả thực hiện: Kho dữ liệu được đưa vào vận hành.
+ Cơ quan chủ trì tổ chức triển khai: Sở Khoa học và Công nghệ.
+ Cơ quan phối hợp: Các sở, ngành.
+ Thời hạn hoàn thành: Tháng 11/2025.
"""


@pytest.fixture(scope="module")
def march():
    return ingest_file(MARCH)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    path = tmp_path_factory.mktemp("synthetic") / "2025-08-15_bao-cao-mau-son.txt"
    path.write_text(SYNTHETIC, encoding="utf-8")
    return ingest_file(path)


def test_march_text_is_nfc_repaired_and_clean(march):
    text = "\n".join(c.text for c in march.chunks)
    assert "\ufffd" not in text or text.count("\ufffd") < 10
    assert "Bộ Quốc phòng" in text
    assert "thực hiện" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" not in text
    assert "Độc lập - Tự do - Hạnh phúc" not in text
    import unicodedata

    assert text == unicodedata.normalize("NFC", text)


def test_march_metadata(march):
    assert march.title.startswith("Báo cáo Chuyển đổi số quốc gia tháng 3 năm 2025")
    assert march.issuer == "Bộ Khoa học và Công nghệ"
    assert march.report_date.startswith("2025")
    assert march.as_of == "2025-03-26"


def test_footnote_linked_to_the_sentence_it_annotates(march):
    body = next(c for c in march.chunks if "43/63 địa phương" in c.text and c.footnotes)
    assert "Ban Chỉ đạo" in body.text
    assert any("Bà Rịa-Vũng Tàu" in note and "Vĩnh Long" in note for note in body.footnotes)
    assert body.as_of == "2025-03-26"
    assert "BÁO CÁO > I. MỘT SỐ KẾT QUẢ ĐẠT ĐƯỢC > 1." in body.section
    note = next(c for c in march.chunks if c.kind == "footnote" and c.annotates == body.chunk_id)
    assert note.text.startswith("Các bộ, ngành: Bộ Quốc phòng")
    assert "43/63" in note.context
    assert "¹" in body.text  # marker kept as a superscript, the word stays whole


def test_report_and_its_summary_are_different_sections(march):
    sections = {c.section.split(" > ")[0] for c in march.chunks}
    assert {"BÁO CÁO", "BÁO CÁO TÓM TẮT"} <= sections
    summary = next(c for c in march.chunks if "46/63 địa phương" in c.text)
    assert summary.section.startswith("BÁO CÁO TÓM TẮT")
    assert summary.as_of == "2025-03-27"


def test_no_text_indexed_twice(march):
    keys = [" ".join(c.text.split()).lower() for c in march.chunks]
    assert len(keys) == len(set(keys))


def test_plan_tasks_are_records_kept_in_one_chunk():
    plan = ingest_file(PLAN)
    assert len(plan.tasks) >= 80
    task = next(t for t in plan.tasks if t.task.startswith("Hoàn thành xây dựng Trung tâm dữ liệu quốc gia"))
    assert task.lead == "Bộ Công an"
    assert task.deadline == "Tháng 12/2025"
    assert task.result == "Xây dựng Trung tâm dữ liệu quốc gia"
    chunk = next(c for c in plan.chunks if c.chunk_id == task.chunk_id)
    assert chunk.kind == "task"
    assert "+ Thời hạn hoàn thành: Tháng 12/2025" in chunk.text
    assert all(t.lead for t in plan.tasks)


def test_synthetic_report_structure(synthetic):
    doc = synthetic
    assert doc.title == "Báo cáo Tình hình chuyển đổi số của tỉnh Mẫu Sơn 7 tháng năm 2025"
    assert doc.report_date == "2025-08-15"
    text = "\n".join(c.text for c in doc.chunks)
    assert "[bookmark" not in text
    assert "tốc độ Internet di động trung bình đạt 150,2 Mbps" in text  # the hard wrap is joined
    assert "\n3\n" not in text  # page number dropped
    first = next(c for c in doc.chunks if "28/34 xã" in c.text)
    assert first.section == "I. KẾT QUẢ ĐẠT ĐƯỢC > 1. Hạ tầng số"
    assert first.as_of == "2025-07-31"
    assert "- Số trạm BTS 5G mới: 120 trạm." in first.text  # list items are not merged into the paragraph
    data = next(c for c in doc.chunks if "06 cơ sở dữ liệu" in c.text)
    assert data is first  # the 100-character subsection a) stays with its section instead of standing alone
    assert any("Xã Cát Tiên" in n for n in data.footnotes)
    assert [t.lead for t in doc.tasks] == ["Sở Khoa học và Công nghệ"]
    assert doc.tasks[0].section.startswith("II. TỒN TẠI, HẠN CHẾ")


def test_long_paragraph_split_on_sentences_only(tmp_path):
    sentence = "Tỷ lệ hồ sơ trực tuyến toàn trình của tỉnh đạt 45,5% trong tháng {}."
    body = " ".join(sentence.format(i) for i in range(1, 60))
    path = tmp_path / "dai.txt"
    path.write_text(f"BÁO CÁO\nBáo cáo dài\nI. KẾT QUẢ\n{body}\n", encoding="utf-8")
    doc = ingest_file(path, chunk_chars=400)
    parts = [c for c in doc.chunks if "45,5%" in c.text]
    assert len(parts) > 3
    assert all(len(c.text) <= 400 for c in parts)
    assert all(c.text.rstrip().endswith(".") for c in parts)


def test_a_chunk_over_two_pages_knows_the_page_of_each_sentence(tmp_path):
    from fixtures_files import write_pdf

    second = "Tính đến ngày 30/11/2025, tỉnh đã số hóa 1.234.567 hồ sơ hộ tịch và đưa vào cơ sở dữ liệu dùng chung."
    path = write_pdf(tmp_path / "ngan.pdf", [
        "BÁO CÁO\nKết quả chuyển đổi số tháng 11 năm 2025\n1. Về hạ tầng số\n"
        "Toàn tỉnh có 98,5% thôn, bản được phủ sóng băng rộng di động.",
        f"2. Về dữ liệu số\n{second}",
    ])
    doc = ingest_file(path)

    chunk = next(c for c in doc.chunks if "1.234.567" in c.text)
    assert chunk.page_at(chunk.text.index("1.234.567")) == 2
    if "98,5%" in chunk.text:  # one chunk for both pages: its first sentence is still on page 1
        assert chunk.page == 1 and chunk.page_at(chunk.text.index("98,5%")) == 1
