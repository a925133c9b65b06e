"""The grounding guard on hand-made answers: what is supported stays, what is not goes, quotes are verbatim."""

from __future__ import annotations

import pytest

from baocao.assistant.compose import citation
from baocao.assistant.guard import (
    PassageFacts,
    SentenceStream,
    best_quote,
    canonical_number,
    document_numbers_in,
    guard,
    proper_names_in,
    split_claims,
    unsupported_facts,
)
from baocao.assistant.models import Answer
from baocao.ingest.models import Chunk
from baocao.vectorstore.store import SearchHit

MARCH = Chunk(
    chunk_id="march-1", doc_id="d1", document="2025-03_bao-cao.txt", title="Báo cáo Chuyển đổi số quốc gia tháng 3 năm 2025",
    section="I. MỘT SỐ KẾT QUẢ ĐẠT ĐƯỢC > 2.", as_of="2025-03-26",
    text=(
        "Ngày 13/3/2025, Thủ tướng Chính phủ đã ban hành Quyết định số 598/QĐ-TTg thành lập Ban Chỉ đạo. "
        "Tỷ lệ hồ sơ trực tuyến toàn trình đạt 45,5% trong tháng 03. "
        "Bộ Công an đã kết nối Cơ sở dữ liệu quốc gia về dân cư với 09 bộ, ngành."
    ),
)
AUGUST = Chunk(
    chunk_id="aug-1", doc_id="d2", document="2025-08_bao-cao.txt", title="Báo cáo tóm tắt 7 tháng năm 2025",
    section="II. KẾT QUẢ", as_of="2025-08-15",
    text="Thực hiện Nghị quyết số 57-NQ/TW, tỷ lệ hồ sơ trực tuyến toàn trình đạt 52,3%. Hà Nội dẫn đầu cả nước.",
)
HITS = [SearchHit(MARCH, 1.0), SearchHit(AUGUST, 0.9)]
FALLBACK_TEXT = "Theo báo cáo: Tỷ lệ hồ sơ trực tuyến toàn trình đạt 45,5% trong tháng 03. [1]"


def draft(text: str, quotes: dict[int, str] | None = None) -> Answer:
    """An LLM-style answer: marker n = passage n of HITS, quote empty unless given."""
    quotes = quotes or {}
    cites = [citation(h.chunk, quotes.get(n, ""), n) for n, h in enumerate(HITS, 1)]
    return Answer(answer=text, citations=cites, generator="llm")


def fallback() -> Answer:
    return Answer(answer=FALLBACK_TEXT, citations=[citation(MARCH, MARCH.text[:60], 1)], generator="extractive")


def must_not_fall_back() -> Answer:
    raise AssertionError("the fallback was used although a sentence was grounded")


def test_supported_sentence_is_kept_with_verbatim_quote():
    answer = guard(draft("Tính đến 26/3/2025, tỷ lệ hồ sơ trực tuyến toàn trình đạt 45,5% [1]."), HITS, must_not_fall_back)
    assert answer.grounded and answer.dropped == []
    assert "45,5%" in answer.answer and answer.answer.endswith("[1]")
    assert answer.generator == "llm+guard"
    [cite] = answer.citations
    assert cite.chunk_id == "march-1"
    assert cite.quote == "Tỷ lệ hồ sơ trực tuyến toàn trình đạt 45,5% trong tháng 03."
    assert cite.quote in MARCH.text


def test_number_formats_are_normalised():
    # "9" for "09", "45.5" for "45,5", "tháng 3" for "tháng 03"
    answer = guard(draft("Bộ Công an đã kết nối dữ liệu dân cư với 9 bộ, ngành [1]. Tỷ lệ đạt 45.5% trong tháng 3 [1]."), HITS, must_not_fall_back)
    assert answer.dropped == []
    assert len(answer.citations) == 2  # one verbatim quote per sentence


def test_sentence_with_a_number_not_in_its_passage_is_dropped():
    text = "Tỷ lệ hồ sơ trực tuyến toàn trình đạt 45,5% [1]. Tỷ lệ hồ sơ trực tuyến toàn trình đạt 97,8% [1]."
    answer = guard(draft(text), HITS, must_not_fall_back)
    assert "97,8" not in answer.answer and "45,5%" in answer.answer
    assert len(answer.dropped) == 1 and "97,8" in answer.dropped[0] and "97.8" in answer.dropped[0]


def test_number_from_another_passage_than_the_cited_one_is_dropped():
    # 52,3% is true, but of August, and the sentence cites March
    answer = guard(draft("Tỷ lệ hồ sơ trực tuyến toàn trình đạt 45,5% [1]. Tỷ lệ hồ sơ toàn trình đạt 52,3% [1]."), HITS, must_not_fall_back)
    assert "52,3" not in answer.answer and len(answer.dropped) == 1


def test_invented_document_number_and_name_are_dropped():
    text = (
        "Thủ tướng ban hành Quyết định số 598/QĐ-TTg thành lập Ban Chỉ đạo [1]. "
        "Thủ tướng ban hành Quyết định số 599/QĐ-TTg thành lập Ban Chỉ đạo [1]. "
        "Theo Nghị quyết 57-NQ/TW, Đà Nẵng dẫn đầu cả nước [2]."
    )
    answer = guard(draft(text), HITS, must_not_fall_back)
    assert "598/QĐ-TTg" in answer.answer
    assert "599" not in answer.answer and "Đà Nẵng" not in answer.answer
    assert len(answer.dropped) == 2


def test_marker_pointing_to_a_passage_not_given_is_dropped():
    answer = guard(draft("Hà Nội dẫn đầu cả nước [2]. Tỷ lệ đạt 52,3% [7]."), HITS, must_not_fall_back)
    assert answer.answer == "Hà Nội dẫn đầu cả nước. [1]"  # renumbered: the only citation left is [1]
    assert answer.citations[0].chunk_id == "aug-1"
    assert "[7]" in answer.dropped[0]


def test_citation_of_a_chunk_that_was_not_retrieved_is_dropped():
    stranger = Chunk(chunk_id="other", doc_id="x", document="x.txt", title="X", section="", text="Hà Nội dẫn đầu cả nước.")
    answer = Answer(answer="Hà Nội dẫn đầu cả nước [1].", citations=[citation(stranger, stranger.text, 1)])
    result = guard(answer, HITS, fallback)
    assert result.answer == FALLBACK_TEXT


def test_quote_that_is_not_verbatim_is_replaced_by_a_verbatim_span():
    paraphrase = "Tỷ lệ hồ sơ trực tuyến toàn trình là 45,5%"  # not in the passage as written
    answer = guard(draft("Tỷ lệ hồ sơ trực tuyến toàn trình đạt 45,5% [1].", quotes={1: paraphrase}), HITS, must_not_fall_back)
    quote = answer.citations[0].quote
    assert quote != paraphrase and quote in MARCH.text and "45,5%" in quote


def test_verbatim_quote_is_kept():
    quote = "Bộ Công an đã kết nối Cơ sở dữ liệu quốc gia về dân cư với 09 bộ, ngành."
    answer = guard(draft("Bộ Công an đã kết nối Cơ sở dữ liệu quốc gia về dân cư [1].", quotes={1: quote}), HITS, must_not_fall_back)
    assert answer.citations[0].quote == quote


def test_uncited_factual_sentence_is_dropped_but_a_lead_in_stays():
    text = "Cụ thể như sau:\n- Tỷ lệ hồ sơ trực tuyến toàn trình đạt 45,5% [1]\nHà Nội có 30 xã."
    answer = guard(draft(text), HITS, must_not_fall_back)
    assert answer.answer == "Cụ thể như sau:\n- Tỷ lệ hồ sơ trực tuyến toàn trình đạt 45,5% [1]"
    assert answer.dropped and "Hà Nội có 30 xã" in answer.dropped[0]


def test_sentence_the_passage_does_not_talk_about_is_dropped():
    answer = guard(draft("Tỷ lệ đạt 45,5% [1]. Chính phủ sẽ tăng lương cho công chức vào năm tới [1]."), HITS, must_not_fall_back)
    assert "lương" not in answer.answer and len(answer.dropped) == 1


def test_nothing_grounded_left_uses_the_fallback():
    answer = guard(draft("Tỷ lệ đạt 99% [1]. Đà Nẵng dẫn đầu [2]. Hà Nội có 30 xã."), HITS, fallback)
    assert answer.answer == FALLBACK_TEXT
    assert answer.generator == "llm+guard:fallback"
    assert len(answer.dropped) == 3


def test_a_refusal_is_kept_as_a_refusal():
    answer = guard(draft("Không tìm thấy thông tin này trong các báo cáo hiện có."), HITS, fallback)
    assert not answer.grounded and answer.citations == [] and answer.related


def test_canonical_numbers():
    assert canonical_number("09") == canonical_number("9") == "9"
    assert canonical_number("159,57") == canonical_number("159.57") == "159.57"
    assert canonical_number("1.234") == canonical_number("1,234") == canonical_number("1234")
    assert canonical_number("12,50") == "12.5"
    assert canonical_number("1.234,5") == "1234.5"


def test_facts_of_a_sentence():
    assert document_numbers_in("Nghị quyết số 03/NQ-CP và 57-NQ/TW") == {"3/NQ-CP", "57-NQ/TW"}
    assert proper_names_in("Theo Bộ Công an, Hà Nội và TP. Hồ Chí Minh") == ["Theo Bộ Công", "Hà Nội", "Hồ Chí Minh"]
    passages = PassageFacts.of([MARCH])
    assert unsupported_facts("Ngày 13/03/2025 có Quyết định 598/QĐ-TTg", passages) == []
    assert unsupported_facts("Ngày 14/3/2025 có Quyết định 598/QĐ-TTg", passages) == ["14"]


def test_sentences_are_cut_as_soon_as_complete_in_a_stream():
    stream = SentenceStream()
    pieces = ["Tỷ lệ đạt ", "45,5%", ". [", "1] Hà Nội", " dẫn đầu [2].", "\n1. Mục một [1]."]
    out = [claim.text for piece in pieces for claim in stream.feed(piece)] + [c.text for c in stream.close()]
    assert out == ["Tỷ lệ đạt 45,5%. [1]", "Hà Nội dẫn đầu [2].", "1. Mục một [1]."]
    assert [c.text for c in split_claims("TP. Hồ Chí Minh đạt 5 [1]. Câu hai [2].")] == ["TP. Hồ Chí Minh đạt 5 [1].", "Câu hai [2]."]


@pytest.mark.parametrize("marker", ["[1, 2]", "[1][2]", "[1] [2]", "[1-2]", "[Nguồn 1, 2]"])
def test_marker_spellings(marker):
    [claim] = split_claims(f"Hà Nội dẫn đầu {marker}.")
    assert claim.markers == [1, 2]


def test_best_quote_prefers_the_sentence_with_the_same_figure():
    assert best_quote("Kết nối với 9 bộ, ngành", MARCH).startswith("Bộ Công an")


def test_a_lead_in_alone_is_not_an_answer():
    answer = guard(draft("Cụ thể như sau:\n- Đà Nẵng dẫn đầu [2]"), HITS, fallback)
    assert answer.answer == FALLBACK_TEXT


def test_a_cited_refusal_is_still_a_refusal():
    answer = guard(draft("Không tìm thấy thông tin này trong các báo cáo hiện có [1]."), HITS, fallback)
    assert not answer.grounded and answer.citations == []


def test_a_copied_passage_header_is_not_an_answer():
    answer = guard(draft("[1] Báo cáo Chuyển đổi số quốc gia tháng 3 năm 2025 — I. MỘT SỐ KẾT QUẢ ĐẠT ĐƯỢC."), HITS, fallback)
    assert answer.answer == FALLBACK_TEXT and "danh sách nguồn" in answer.dropped[0]
