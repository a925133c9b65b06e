"""The one text module: sentences, folding, markers, periods, polarity."""

from __future__ import annotations

import pytest

from baocao.ingest.text import (
    fold,
    last_marker_number,
    name_key,
    parse_period,
    polarity_of,
    sentence_at,
    split_sentences,
    stated_dates,
    without_negation,
    yes_no_tail,
)


def test_sentences_are_verbatim_and_respect_abbreviations_and_markers():
    text = ("Tính đến hết ngày 26/3/2025, TP. Hồ Chí Minh đạt 98,5%. Đề án 06.¹ Các bộ đã báo cáo.\n"
            "- Hà Nội: 12 dịch vụ\n1. Mục tiêu chung")
    sentences = split_sentences(text)
    assert sentences == ["Tính đến hết ngày 26/3/2025, TP. Hồ Chí Minh đạt 98,5%.", "Đề án 06.¹",
                         "Các bộ đã báo cáo.", "- Hà Nội: 12 dịch vụ", "1. Mục tiêu chung"]
    assert all(s in text for s in sentences)
    assert sentence_at(text, text.index("¹")) == "Đề án 06.¹"
    assert last_marker_number("… và Đề án 06.¹") == "1"


def test_fold_and_name_key():
    assert fold("Đường hầm") == "Duong ham"
    assert name_key("Thành phố Đà Nẵng") == name_key("Da Nang") == "da nang"


@pytest.mark.parametrize(("question", "year", "start", "end", "label"), [
    ("Tỷ lệ quý II là bao nhiêu?", 2026, "2026-04-01", "2026-06-30", "quý II/2026"),
    ("tháng 5/2025", None, "2025-05-01", "2025-05-31", "tháng 5/2025"),
    ("6 tháng đầu năm 2025", None, "2025-01-01", "2025-06-30", "6 tháng đầu năm 2025"),
    ("năm sau có bao nhiêu", 2025, "2026-01-01", "2026-12-31", "năm 2026"),
])
def test_periods_are_read_relative_to_the_documents(question, year, start, end, label):
    period = parse_period(question, year)
    assert (period.start, period.end) == (start, end)
    assert period.label == label or period.with_year(year or 0).label == label


def test_a_quarter_without_a_year_is_not_given_a_fixed_year():
    period = parse_period("số liệu quý II")
    assert not period.year_given
    assert period.with_year(2024).start == "2024-04-01"


def test_stated_dates():
    assert stated_dates("tháng 02/2025 đạt 144,50 Mbit/s; đến 26/3/2025 và quý II/2025, năm 2024") == [
        "2025-02", "2025-03-26", "2025-06", "2024"]


@pytest.mark.parametrize(("text", "polarity"), [
    ("các tỉnh thiếu bác sĩ", "negative"),
    ("chưa thành lập Ban Chỉ đạo", "negative"),
    ("nhiệm vụ quá hạn", "negative"),
    ("không ngừng nâng cao chất lượng", "positive"),
    ("đã ban hành kế hoạch", "positive"),
    ("chua bao cao", "negative"),
])
def test_one_polarity_for_predicates_and_questions(text, polarity):
    assert polarity_of(text) == polarity


def test_yes_no_question_is_not_a_negation():
    assert yes_no_tail("Bộ Công an có chủ trì nhiệm vụ này không?")
    assert polarity_of("Bộ Công an có chủ trì nhiệm vụ này không?", question=True) == "positive"
    assert not yes_no_tail("Tỉnh nào chưa thành lập Ban Chỉ đạo?")
    assert polarity_of("Tỉnh nào chưa thành lập Ban Chỉ đạo?", question=True) == "negative"
    assert without_negation("chưa ban hành kế hoạch") == "ban hành kế hoạch"


def test_a_deployment_extends_the_data_packs(tmp_path):
    import json

    from baocao.assistant.knowledge import ASSISTANT_DATA
    from baocao.ingest.datapack import load_pack

    extra = tmp_path / "province.json"
    extra.write_text(json.dumps({
        "lexicon": {"negation": ["còn nợ"]},
        "abbreviations": {"terms": {"GPMB": ["giải phóng mặt bằng"], "-CĐS": None}},
    }, ensure_ascii=False), encoding="utf-8")
    lexicon = load_pack("lexicon", packs=str(extra))
    assert "còn nợ" in lexicon["negation"] and "chưa" in lexicon["negation"]
    terms = load_pack("abbreviations", ASSISTANT_DATA, packs=str(extra))["terms"]
    assert terms["GPMB"] == ["giải phóng mặt bằng"] and "CĐS" not in terms and "DVCTT" in terms


def test_stop_words_are_data_matched_as_whole_phrases_and_a_deployment_adds_its_own(tmp_path, monkeypatch):
    import json

    from baocao.assistant.evidence import content_syllables

    assert content_syllables("Có bao nhiêu kết quả nào?", "question") == []
    assert content_syllables("Ai chủ trì, giúp gì?", "question", "task") == ["giup"]
    extra = tmp_path / "office.json"
    extra.write_text(json.dumps({"stop_words": {"question": ["giúp"], "-period": None, "period": ["đợt"]}},
                                ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("BAOCAO_DATA_PACKS", str(extra))
    assert content_syllables("Ai chủ trì, giúp gì?", "question", "task") == []
    assert content_syllables("đợt 2 tháng 3", "period") == ["2", "thang", "3"]


def test_stop_words_keep_their_diacritics_so_they_never_take_a_content_word():
    """Folded syllable by syllable, 'hỏi' took 'hội', 'tình hình' took 'tỉnh', 'số liệu' took 'dữ liệu'."""
    from baocao.assistant.evidence import content_syllables

    assert content_syllables("Tổng số hội trên địa bàn tỉnh là bao nhiêu?", "question") == [
        "tong", "so", "hoi", "tren", "dia", "ban", "tinh"]
    assert content_syllables("Cho tôi hỏi tình hình dữ liệu hiện nay", "question") == ["du", "lieu"]
    assert "tai" in content_syllables("Kinh phí tài chính tại tỉnh", "question")  # 'tại' goes, 'tài' stays
    # 'hỏi' is a stop word only in its phrases, so a question typed without diacritics keeps 'hội'
    assert content_syllables("tong so hoi la bao nhieu", "question") == ["tong", "so", "hoi"]
    assert content_syllables("xin hoi tong so hoi", "question") == ["tong", "so", "hoi"]
