"""Each evaluation metric on small hand-made cases (no index, no model)."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from baocao.eval import metrics, regression, retrieval
from baocao.eval.metrics import CitedPassage


# ---------------------------------------------------------------------------- numbers and answer strings


@pytest.mark.parametrize("written, value", [
    ("1.273.272", Decimal("1273272")),
    ("159,57", Decimal("159.57")),
    ("159.57", Decimal("159.57")),
    ("09", Decimal("9")),
    ("74.212", Decimal("74212")),
    ("1.234,5", Decimal("1234.5")),
    ("1,234.5", Decimal("1234.5")),
])
def test_number_values_read_both_conventions(written, value):
    assert value in metrics.number_values(written)


def test_number_values_keep_section_numbers_literal():
    assert metrics.number_values("1.2.3") == frozenset({"1.2.3"})


@pytest.mark.parametrize("answer, expected", [
    ("Tổng cộng 1.273.272 hồ sơ", "1.273.272"),
    ("Tổng cộng 1273272 hồ sơ", "1.273.272"),
    ("tỷ lệ đạt 39,85 %", "39,85%"),
    ("tỷ lệ đạt 39.85%", "39,85%"),
    ("có 43 / 63 địa phương", "43/63"),
    ("đạt 159.57 nghìn tỷ", "159,57"),
    ("mới có 9/22 bộ, ngành", "09/22"),
    ("mới có 09/22 bộ, ngành", "9/22"),
    ("Hạn: tháng 06/2025", "Tháng 6/2025"),
    ("do Bộ Công Thương chủ trì", "Bộ Công thương"),
    ("tinh Khanh Hoa va Bo Cong an", "Bộ Công an"),
    ("tỉnh Khánh Hoà", "Khánh Hòa"),
])
def test_must_contain_understands_vietnamese_formats(answer, expected):
    assert metrics.match_level(answer, expected) is not None


@pytest.mark.parametrize("answer, expected", [
    ("có 43/63 địa phương", "46/63"),
    ("có 19/103 quốc gia", "19/10"),
    ("đạt 159,5 nghìn tỷ", "159,57"),
    ("có 4 doanh nghiệp", "43"),
    ("Bộ Công an chủ trì", "Bộ Tài chính"),
    ("đạt 39,85 điểm", "39,85%"),
])
def test_must_contain_rejects_different_values(answer, expected):
    assert metrics.match_level(answer, expected) is None


def test_match_level_says_how_it_matched():
    assert metrics.match_level("đạt 144,50 Mbit/s", "144,50") == "exact"
    assert metrics.match_level("đạt 144.50 Mbit/s", "144,50") == "formatted"
    assert metrics.match_level("Bo Cong an chu tri", "Bộ Công an") == "folded"


def test_folded_fallback_is_for_names_not_numbers():
    # a number never matches by dropping diacritics; a different number stays different
    assert metrics.match_level("tháng 7/2025", "tháng 6/2025") is None


def test_score_must_contain_partial_credit():
    result = metrics.score_must_contain("có 09/22 bộ, ngành và 43/63 địa phương", ["9/22", "43/63", "46/63"])
    assert result.found == ["9/22", "43/63"]
    assert result.missing == ["46/63"]
    assert result.recall == pytest.approx(2 / 3)
    assert not result.all_found


# ---------------------------------------------------------------------------- item sets


class FakeGazetteer:
    ALIASES = {"tp hồ chí minh": "Hồ Chí Minh", "hồ chí minh": "Hồ Chí Minh", "thừa thiên huế": "Huế",
               "huế": "Huế", "bộ kh&cn": "Bộ Khoa học và Công nghệ", "bộ khoa học và công nghệ": "Bộ Khoa học và Công nghệ"}

    def canonical(self, name):
        return self.ALIASES.get(name.lower().strip())


def test_set_scores_use_gazetteer_aliases():
    scores = metrics.set_scores(["TP Hồ Chí Minh", "Thừa Thiên Huế", "Đà Nẵng"], ["Hồ Chí Minh", "Huế", "Hà Nội"],
                                FakeGazetteer())
    assert scores.precision == pytest.approx(2 / 3)
    assert scores.recall == pytest.approx(2 / 3)
    assert scores.f1 == pytest.approx(2 / 3)
    assert scores.missing == ["Hà Nội"] and scores.extra == ["Đà Nẵng"]


def test_set_scores_with_the_real_gazetteer():
    from baocao.assistant.gazetteer import Gazetteer

    scores = metrics.set_scores(["Bộ KH&CN", "Khánh Hoà", "Bà Rịa - Vũng Tàu"],
                                ["Bộ Khoa học và Công nghệ", "Khánh Hòa", "Bà Rịa-Vũng Tàu"], Gazetteer.load())
    assert scores.f1 == 1.0


def test_set_scores_fall_back_to_normalised_strings_for_tasks():
    scores = metrics.set_scores(["xây dựng  Nền tảng  dữ liệu"], ["Xây dựng nền tảng dữ liệu", "Luật Dữ liệu"])
    assert scores.precision == 1.0 and scores.recall == 0.5


def test_set_scores_empty_prediction_scores_zero():
    scores = metrics.set_scores([], ["Huế"], FakeGazetteer())
    assert (scores.precision, scores.recall, scores.f1) == (0.0, 0.0, 0.0)
    assert metrics.set_scores([], []).f1 == 1.0


# ---------------------------------------------------------------------------- citations


def test_claims_keep_their_markers():
    answer = "Theo Báo cáo tháng 3: có 43/63 địa phương. [1]\nNăm 2025 đạt 80.000 doanh nghiệp. Còn 7 tỉnh chưa ban hành."
    claims = metrics.split_claims(answer)
    assert [c.markers for c in claims] == [[1], [], []]
    two_sentences = metrics.split_claims("Hệ thống có 45 trung tâm. Công suất 182 MW. [2]")
    assert len(two_sentences) == 1 and two_sentences[0].markers == [2]


def test_facts_are_numbers_and_capitalised_names():
    facts = metrics.extract_facts("Theo báo cáo, Bộ Công an đạt 19/103 và 39,85% tại Hà Nội. [1]")
    assert facts.numbers == ["19/103", "39,85"]
    assert [n[0] for n in facts.names] == ["Bộ Công", "Hà Nội"]
    assert not metrics.extract_facts("đã được triển khai rộng rãi.")


PASSAGE_A = CitedPassage(1, "Tính đến hết ngày 26/3/2025, có 09/22 bộ, ngành; 43/63 địa phương thành lập Ban Chỉ đạo.",
                         "Báo cáo chuyển đổi số tháng 3", "09/22 bộ")
PASSAGE_B = CitedPassage(2, "Bộ Công an chủ trì xây dựng Trung tâm dữ liệu quốc gia.", "Kế hoạch 2025",
                         "Bộ Công an chủ trì")


def test_citation_precision_and_recall():
    answer = ("Tính đến 26/3/2025 có 43/63 địa phương thành lập Ban Chỉ đạo. [1]\n"
              "Bộ Công an chủ trì Trung tâm dữ liệu quốc gia. [1]\n"
              "Có 46/63 địa phương ban hành kế hoạch.")
    scores = metrics.score_citations(answer, [PASSAGE_A, PASSAGE_B])
    assert scores.factual_sentences == 3
    assert scores.recall == pytest.approx(2 / 3)  # the third sentence has no marker
    assert scores.precision == pytest.approx(1 / 2)  # [1] does not support the Bộ Công an sentence
    assert scores.support == pytest.approx(1 / 3)
    assert "46/63" in scores.facts_unsupported
    assert "Bộ Công" not in scores.facts_unsupported  # passage [2] holds it, even if wrongly cited
    assert scores.quote_verbatim == 1.0


def test_a_refused_part_claims_nothing_to_cite():
    answer = ("Tính đến 26/3/2025 có 43/63 địa phương thành lập Ban Chỉ đạo. [1]\n"
              "Không tìm thấy thông tin này (năm 2024) trong các báo cáo hiện có.")
    scores = metrics.score_citations(answer, [PASSAGE_A])
    assert scores.factual_sentences == 1 and scores.recall == 1.0


def test_citation_needed_jointly_is_precise():
    answer = "Có 43/63 địa phương, Bộ Công an chủ trì. [1][2]"
    scores = metrics.score_citations(answer, [PASSAGE_A, PASSAGE_B])
    assert scores.precision == 1.0 and scores.support == 1.0


def test_redundant_citation_is_imprecise():
    answer = "Có 43/63 địa phương thành lập Ban Chỉ đạo. [1][2]"
    scores = metrics.score_citations(answer, [PASSAGE_A, PASSAGE_B])
    assert scores.precision == 0.5


def test_dangling_markers_and_faithfulness():
    scores = metrics.score_citations("Có 43/63 địa phương. [3]", [PASSAGE_A])
    assert scores.dangling_markers == [3]
    assert scores.support == 0.0 and scores.faithfulness == 1.0


def test_attribution_rests_on_passage_metadata():
    passage = CitedPassage(1, "đạt 144,50 Mbit/s", "Báo cáo Chuyển đổi số quốc gia tháng 3\n26/3/2025", "đạt 144,50")
    scores = metrics.score_citations("Theo Báo cáo Chuyển đổi số quốc gia (26/3/2025): đạt 144,50 Mbit/s. [1]", [passage])
    assert scores.precision == 1.0 and scores.faithfulness == 1.0


def test_quote_verbatim():
    ok = CitedPassage(1, "Việt Nam có 45 trung tâm dữ liệu", "", "có 45 trung tâm")
    bad = CitedPassage(2, "Việt Nam có 45 trung tâm dữ liệu", "", "có 46 trung tâm")
    assert metrics.score_citations("", [ok, bad]).quote_verbatim == 0.5


# ---------------------------------------------------------------------------- evidence and ranking


def test_passage_contains_quote_exact_and_fuzzy():
    passage = "Tính đến hết ngày 26/3/2025,\nmới có 09/22 bộ, ngành; 43/63 địa phương thành lập/kiện toàn Ban Chỉ đạo"
    assert metrics.passage_contains_quote(passage, "mới có 09/22 bộ, ngành; 43/63 địa phương") == "exact"
    repaired = passage.replace("thành lập/kiện toàn", "thành lập/ kiện toàn lại")  # as a clean-up step might leave it
    quote = "09/22 bộ, ngành; 43/63 địa phương thành lập/kiện toàn Ban Chỉ đạo"
    assert metrics.passage_contains_quote(repaired, quote) == "fuzzy"
    assert metrics.passage_contains_quote("Bộ Công an chủ trì nhiệm vụ này", quote) is None


def test_fuzzy_match_needs_word_order():
    quote = "một hai ba bốn năm sáu bảy tám chín mười"
    assert metrics.passage_contains_quote("mười chín tám bảy sáu năm bốn ba hai một", quote) is None
    assert metrics.passage_contains_quote("một hai ba bốn năm sáu bảy tám X mười", quote) == "fuzzy"


def test_hit_recall_mrr():
    ranked = [set(), {0}, set(), {0, 1}]
    assert metrics.hit_at_k(ranked, 1) == 0.0 and metrics.hit_at_k(ranked, 2) == 1.0
    assert metrics.recall_at_k(ranked, 2, 2) == 0.5 and metrics.recall_at_k(ranked, 4, 2) == 1.0
    assert metrics.reciprocal_rank(ranked) == 0.5
    assert metrics.reciprocal_rank([set(), set()]) == 0.0


def test_ndcg_perfect_and_imperfect():
    reachable = [{0}, {1}, set(), set()]
    assert metrics.ndcg_at_k([{0}, {1}, set()], reachable) == pytest.approx(1.0)
    swapped = metrics.ndcg_at_k([set(), {0}, {1}], reachable)
    ideal = 1 + 1 / math.log2(3)
    assert swapped == pytest.approx((1 / math.log2(3) + 1 / math.log2(4)) / ideal)
    assert metrics.ndcg_at_k([set()], [set()]) == 0.0


def test_ndcg_counts_a_quote_once():
    # a second copy of the same evidence earns nothing; the ideal covers both quotes in one passage
    reachable = [{0, 1}, {0}, {1}]
    assert metrics.ndcg_at_k([{0}, {0}, {1}], reachable) == pytest.approx((1 + 0 + 1 / 2) / 2)
    assert metrics.ndcg_at_k([{0, 1}], reachable) == pytest.approx(1.0)


def test_score_ranking_over_a_collection():
    coverage = {"a": {0}, "b": {1}}
    scores = retrieval.score_ranking(["x", "a", "y", "b"], coverage, 2, ks=(1, 2, 4))
    assert scores.hit == {1: 0.0, 2: 1.0, 4: 1.0}
    assert scores.recall[4] == 1.0 and scores.mrr == 0.5 and scores.first_relevant_rank == 2


def test_latency_percentiles():
    summary = metrics.latency_summary([1.0, 2.0, 3.0, 4.0, 10.0])
    assert summary["p50"] == 3.0
    assert summary["p95"] == pytest.approx(8.8)


# ---------------------------------------------------------------------------- fusion grid and thresholds


def test_weight_grid_drops_proportional_triples():
    grid = retrieval.weight_grid()
    ratios = {tuple(round(w / sum(t), 6) for w in t) for t in grid}
    assert len(ratios) == len(grid)
    assert (0.25, 1.0, 1.0) in grid


def test_fusion_check_flags_a_fused_list_worse_than_a_single_one():
    summaries = {"dense": {"mrr": 0.3}, "bm25": {"mrr": 0.6}, "bm25_folded": {"mrr": 0.5}, "fused": {"mrr": 0.55}}
    check = retrieval.fusion_check(summaries, ["mrr"])
    assert check["mrr"]["ok"] is False and check["mrr"]["best_single"] == "bm25"


def test_thresholds_margin_and_check():
    thresholds = regression.thresholds_from({"answer_accuracy": 0.7, "false_refusal_rate": 0.1}, margin=0.03)
    assert thresholds == {"min": {"answer_accuracy": 0.67}, "max": {"false_refusal_rate": 0.13}}
    assert regression.check({"answer_accuracy": 0.68, "false_refusal_rate": 0.1}, thresholds) == []
    failures = regression.check({"answer_accuracy": 0.6, "false_refusal_rate": 0.2}, thresholds)
    assert len(failures) == 2


def test_regression_subset_spans_every_type():
    from baocao.eval.dataset import SAMPLE_TYPES as TYPES, load_split

    subset = regression.regression_subset(load_split("questions"))
    assert {i.type for i in subset} == set(TYPES)
    assert 35 <= len(subset) <= 45


def test_judge_is_skipped_when_not_configured():
    from baocao.settings import Settings
    from baocao.eval.judge import Judge

    assert Judge.from_settings(Settings(eval_judge_base_url=None, eval_judge_model=None)) is None
    assert Judge.from_settings(Settings(eval_judge_base_url="http://127.0.0.1:1/v1", eval_judge_model=None)) is None


# ---------------------------------------------------------------------------- multi-part questions


def test_refusal_phrases_are_read_as_words_with_or_without_diacritics():
    assert metrics.says_not_found("Không tìm thấy số hội viên trong các văn bản.")
    assert metrics.says_not_found("Bao cao chi neu so lieu ca nuoc")
    assert not metrics.says_not_found("Ban Chấp hành dự kiến 76 người.")


def test_each_part_is_answered_or_refused_on_its_own():
    from baocao.assistant.models import Answer
    from baocao.eval.dataset import EvalItem
    from baocao.eval.runner import TurnResult, is_correct, score_parts

    item = EvalItem.from_dict({
        "id": "p1", "type": "multi_part", "question": "Bao nhiêu người và bao nhiêu hội viên?",
        "answer": "76 người. Không tìm thấy số hội viên.", "must_contain": ["76"],
        "parts": [{"question": "bao nhiêu người", "must_contain": ["76"]},
                  {"question": "bao nhiêu hội viên", "must_contain": [], "answerable": False}]})

    def turn(text: str, grounded: bool = True) -> tuple[TurnResult, Answer]:
        answer = Answer(answer=text, grounded=grounded)
        return TurnResult(item.question, None, text, [], grounded, 0.0, ["76"], [], {}, [], {}, []), answer

    both = turn("Ban Chấp hành 76 người [1]. Không tìm thấy tổng số hội viên.")
    parts = score_parts(item, *both)
    assert [p["correct"] for p in parts] == [True, True] and is_correct(item, [both[0]], parts)
    silent = turn("Ban Chấp hành 76 người [1].")  # the second part silently dropped
    parts = score_parts(item, *silent)
    assert [p["correct"] for p in parts] == [True, False] and not is_correct(item, [silent[0]], parts)
    refused = turn("Không tìm thấy.", grounded=False)  # refusing everything loses the answerable part
    assert [p["correct"] for p in score_parts(item, *refused)] == [False, True]


def test_a_cited_document_is_matched_by_its_number():
    scores = metrics.set_scores(["144/SNV-TCBC", "Quyết định số 2007/QĐ-UBND ngày 20/9/2023"],
                                ["Công văn số 144/SNV-TCBC", "2007/QĐ-UBND", "Công văn số 779/SNV-TCBC"])
    assert scores.precision == 1.0 and scores.recall == pytest.approx(2 / 3)
    assert metrics.canonical_item("Hội Người mù") != metrics.canonical_item("Hội Người mù tỉnh Bình Thuận")
