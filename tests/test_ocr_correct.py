"""Diacritics of OCR'd words re-marked in context (ingest/ocr_correct.py), and nothing else touched.

The unit cases are sentences written for these tests with the errors Tesseract's Vietnamese model makes on
the scanned law of bench/realdocs.py (a tone dropped over a circumflex, sắc read as hỏi, d read as đ); the
clean texts are the sample reports in data/sample and, when present, the DOCX of that law in
../shared/realdocs (nothing of it is kept here).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from baocao.ingest.loaders import load_file
from baocao.ingest.models import Page, RawDocument
from baocao.ingest.ocr import correct_ocr_texts
from baocao.ingest.ocr_correct import correct_diacritics, document_pairs, mark_edits, repair_list_markers
from baocao.ingest.pipeline import prepare_pages

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "data" / "sample").glob("*.txt"))
DRUG_LAW_DOCX = ROOT.parent / "shared" / "realdocs" / "legal" / "luat-phong-chong-ma-tuy-2021.docx"


@pytest.mark.parametrize(("read", "right"), [
    ("Ủy ban nhân dân cấp tỉnh có thâm quyên quyết định việc thành lập tô chức.",
     "Ủy ban nhân dân cấp tỉnh có thẩm quyền quyết định việc thành lập tổ chức."),
    ("Nghiêm cấm việc trồng cây có chứa chât ma tủy và sử dụng trái phép chất ma túy.",
     "Nghiêm cấm việc trồng cây có chứa chất ma túy và sử dụng trái phép chất ma túy."),
    ("bảo đảm quyên và lợi ích hợp pháp của ngươi dân; kiêm tra, giám sát việc thực hiện",
     "bảo đảm quyền và lợi ích hợp pháp của người dân; kiểm tra, giám sát việc thực hiện"),
    ("QUY ĐỊNH VỀ TÔ CHỨC", "QUY ĐỊNH VỀ TỔ CHỨC"),  # the case of each letter is kept
], ids=["tone-dropped", "invalid-and-hoi-for-sac", "three-in-a-line", "capitals"])
def test_wrong_marks_are_corrected_in_context(read, right):
    assert correct_diacritics(read)[0] == right


@pytest.mark.parametrize("text", [
    "Người nghiện phải đến cơ sở cai nghiện bắt buộc theo quyết định của Tòa án nhân dân.",
    "Uỷ ban nhân dân xã thực hiện hoà giải ở cơ sở; Ủy ban nhân dân huyện hòa giải.",  # both tone placements kept
    "Báo cáo của Viet Nam Net: that is not ROT",  # words without any mark are English, codes or bare names
], ids=["right", "tone-placements", "bare-words"])
def test_right_text_and_bare_words_are_left_alone(text):
    assert correct_diacritics(text) == (text, 0)


def test_a_word_the_document_writes_so_elsewhere_is_kept():
    text = "Bảo tồn các loài động vật hoang dã. Buôn bán các loài động vật quý hiếm."
    assert correct_diacritics(text)[0].count("loại") == 2  # the general model alone prefers `loại` here
    assert correct_diacritics(text, document=document_pairs([text])) == (text, 0)
    assert correct_ocr_texts([text]) == ([text], 0)


def test_misread_list_markers_are_restored_by_their_order():
    read = "1. Các trường hợp:\na) một;\nb) hai;\ne) ba;\nd) bốn.\n2, Tiếp theo:\na) x;\nb) y;\nc) z;\nđ) t;\nđ) u.\n"
    right = "1. Các trường hợp:\na) một;\nb) hai;\nc) ba;\nd) bốn.\n2. Tiếp theo:\na) x;\nb) y;\nc) z;\nd) t;\nđ) u.\n"
    assert repair_list_markers(read) == (right, 3)
    kept = "a) x;\nb) y;\nc) z;\nd) sửa đổi như sau:\nd) quoted;\n4, 5 và 6 của Điều này\nđ) next"
    assert repair_list_markers(kept) == (kept, 0)  # a repeated letter, a number list in a sentence


def test_mark_edits_count_marks_not_letters():
    assert mark_edits("tô", "tổ") == 1 and mark_edits("đưới", "dưới") == 1 and mark_edits("đưới", "đuôi") == 3


def test_only_ocr_pages_are_corrected_and_the_setting_turns_it_off(monkeypatch):
    read = "Ủy ban nhân dân cấp tỉnh có thâm quyên quyết định việc thành lập tô chức."
    raw = RawDocument(Path("x.pdf"), "x.pdf", "pdf", [Page(number=1, text=read, ocr=True),
                                                      Page(number=2, text=read, ocr=False)], sha256="0")
    pages = prepare_pages(raw).pages
    assert "thẩm quyền" in pages[0].text and "tổ chức" in pages[0].text
    assert pages[1].text == read  # a text layer is the document's own spelling
    assert raw.pages[0].text == read  # the loader's pages are not changed in place
    monkeypatch.setenv("BAOCAO_OCR_CORRECT", "0")
    assert prepare_pages(raw).pages[0].text == read


def test_clean_sample_reports_are_all_but_unchanged():
    words = changed = 0
    for path in SAMPLES:
        pages = [p.text for p in load_file(path).pages]
        words += sum(len(re.findall(r"\w+", text)) for text in pages)
        changed += correct_ocr_texts(pages)[1]
    assert words > 30_000
    assert changed <= 3 * words / 10_000  # 9 of 34,605 measured, most of them typos of the reports themselves


@pytest.mark.skipif(not DRUG_LAW_DOCX.is_file(), reason="../shared/realdocs (the drug law's DOCX) is not present")
def test_the_clean_docx_of_the_scanned_law_is_unchanged():
    pages = [p.text for p in load_file(DRUG_LAW_DOCX).pages]
    assert correct_ocr_texts(pages)[1] == 0
