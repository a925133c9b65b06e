"""The evaluation dataset: both splits validate, have the agreed size and spread, and the
validator really catches broken items."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from baocao.eval.dataset import (  # noqa: E402
    DEFAULT_CORPUS_DIR,
    HELDOUT_PATH,
    QUESTIONS_PATH,
    SAMPLE_TYPES,
    DatasetError,
    EvalItem,
    load_all,
    load_dataset,
    normalise_for_match,
    type_counts,
    validate_items,
)

MIN_10 = ("numeric", "entity", "list", "plan_task", "unanswerable", "no_diacritics", "abbreviation")
MIN_5 = tuple(t for t in SAMPLE_TYPES if t not in MIN_10)

MARCH = "2025-03_bao-cao-chuyen-doi-so-quoc-gia-thang-3.txt"


@pytest.fixture(scope="module")
def splits() -> dict[str, list[EvalItem]]:
    return load_all()


# --------------------------------------------------------------------------- the real dataset


def test_both_splits_validate_without_errors(splits):
    assert set(splits) == {"questions", "heldout"}
    # load_dataset on each file must agree with load_all
    assert len(load_dataset(QUESTIONS_PATH)) == len(splits["questions"])
    assert len(load_dataset(HELDOUT_PATH)) == len(splits["heldout"])


def test_split_sizes(splits):
    assert len(splits["questions"]) >= 150
    assert len(splits["heldout"]) >= 40


def test_type_spread_of_development_split(splits):
    counts = type_counts(splits["questions"])
    for t in MIN_10:
        assert counts[t] >= 10, f"questions.jsonl has only {counts[t]} items of type {t}"
    for t in MIN_5:
        assert counts[t] >= 5, f"questions.jsonl has only {counts[t]} items of type {t}"


def test_heldout_covers_every_type(splits):
    counts = type_counts(splits["heldout"])
    for t in SAMPLE_TYPES:
        assert counts[t] >= 2, f"heldout.jsonl has only {counts[t]} items of type {t}"


def test_ids_unique_across_splits(splits):
    ids = [i.id for items in splits.values() for i in items]
    dupes = [k for k, n in Counter(ids).items() if n > 1]
    assert not dupes


def test_heldout_questions_are_not_copies_of_development_questions(splits):
    dev = {normalise_for_match(i.question).lower() for i in splits["questions"]}
    assert not [i.id for i in splits["heldout"] if normalise_for_match(i.question).lower() in dev]


def test_every_document_of_the_corpus_is_used(splits):
    used = {e.document for items in splits.values() for i in items for e in i.evidence}
    corpus = {p.name for p in DEFAULT_CORPUS_DIR.glob("*.txt")}
    assert corpus and used == corpus


def test_items_are_well_formed(splits):
    for items in splits.values():
        for item in items:
            if item.type == "unanswerable":
                assert not item.evidence and not item.must_contain
                continue
            assert item.evidence and item.must_contain
            if item.type in ("list", "complement"):
                assert item.answer_items
            if item.type == "conversation":
                assert len(item.conversation) >= 2
                assert all(t.must_contain for t in item.conversation)


def test_normalise_for_match():
    decomposed = "Vie\u0323\u0302t  Nam\n\n  2025\t"  # 'ệ' written as e + dot below + circumflex
    assert normalise_for_match(decomposed) == "Việt Nam 2025"
    assert normalise_for_match("  a \r\n b  ") == "a b"


def test_corpus_dir_defaults_to_repo_sample():
    assert DEFAULT_CORPUS_DIR == REPO_ROOT / "data" / "sample"
    assert (DEFAULT_CORPUS_DIR / MARCH).is_file()


# --------------------------------------------------------------------------- the validator


def _good_item(item_id: str = "t001") -> dict:
    return {
        "id": item_id,
        "question": "Tỷ lệ hộ gia đình sử dụng cáp quang là bao nhiêu?",
        "type": "numeric",
        "answer": "Tỷ lệ hộ gia đình sử dụng cáp quang đạt 83,3% (báo cáo tháng 3/2025).",
        "answer_items": [],
        "must_contain": ["83,3%"],
        # the source wraps this sentence over two lines: the quote matches after normalisation
        "evidence": [{"document": MARCH, "quote": "Tỷ lệ hộ gia đình sử dụng cáp quang đạt 83,3%"}],
        "as_of": "2025-03",
        "conversation": [],
    }


def _write(path: Path, items: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n", encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    return info.value.problems


def test_a_valid_item_loads(tmp_path):
    items = load_dataset(_write(tmp_path / "ok.jsonl", [_good_item()]))
    assert len(items) == 1 and items[0].evidence[0].document == MARCH


def test_wrong_quote_is_caught(tmp_path):
    bad = _good_item()
    bad["evidence"][0]["quote"] = "Tỷ lệ hộ gia đình sử dụng cáp quang đạt 93,3%"
    problems = _problems(_write(tmp_path / "q.jsonl", [bad]))
    assert any("not a verbatim substring" in p for p in problems)


def test_duplicate_id_is_caught(tmp_path):
    problems = _problems(_write(tmp_path / "q.jsonl", [_good_item("dup"), _good_item("dup")]))
    assert any("duplicate id 'dup'" in p for p in problems)


def test_unknown_type_is_caught(tmp_path):
    bad = _good_item()
    bad["type"] = "trivia"
    problems = _problems(_write(tmp_path / "q.jsonl", [bad]))
    assert any("unknown type 'trivia'" in p for p in problems)


def test_all_problems_are_listed_at_once(tmp_path):
    wrong_quote = _good_item("a")
    wrong_quote["evidence"][0]["quote"] = "câu này không có trong báo cáo nào cả"
    unknown_type = _good_item("b")
    unknown_type["type"] = "trivia"
    path = _write(tmp_path / "q.jsonl", [wrong_quote, unknown_type, _good_item("b")])
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    text = str(info.value)
    assert "not a verbatim substring" in text and "unknown type" in text and "duplicate id" in text
    assert len(info.value.problems) >= 3


def test_missing_required_field_and_bad_json_are_caught(tmp_path):
    no_answer = _good_item()
    del no_answer["answer"]
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(no_answer, ensure_ascii=False) + "\n{not json\n", encoding="utf-8")
    problems = _problems(path)
    assert any("required field 'answer'" in p for p in problems)
    assert any("invalid JSON" in p for p in problems)


def test_must_contain_missing_from_answer_is_caught(tmp_path):
    bad = _good_item()
    bad["must_contain"] = ["38 Tbps"]
    problems = _problems(_write(tmp_path / "q.jsonl", [bad]))
    assert any("must_contain '38 Tbps'" in p for p in problems)


def test_unknown_document_and_damaged_quote_are_caught(tmp_path):
    unknown_doc = _good_item("a")
    unknown_doc["evidence"][0]["document"] = "khong-co.txt"
    damaged = _good_item("b")
    damaged["evidence"][0]["quote"] = "Tỷ l\ufffd hộ gia đình sử dụng cáp quang: 83,3%"
    problems = _problems(_write(tmp_path / "q.jsonl", [unknown_doc, damaged]))
    assert any("'khong-co.txt' not found" in p for p in problems)
    assert any("U+FFFD" in p for p in problems)


def test_list_without_answer_items_is_caught(tmp_path):
    bad = _good_item()
    bad["type"] = "list"
    problems = _problems(_write(tmp_path / "q.jsonl", [bad]))
    assert any("needs answer_items" in p for p in problems)


def test_unanswerable_with_evidence_is_caught(tmp_path):
    bad = _good_item()
    bad["type"] = "unanswerable"
    problems = _problems(_write(tmp_path / "q.jsonl", [bad]))
    assert any("unanswerable item must have no evidence" in p for p in problems)
    assert any("must start with" in p for p in problems)


def test_conversation_turns_are_checked(tmp_path):
    bad = _good_item()
    bad["type"] = "conversation"
    bad["conversation"] = [{"question": "một câu khác", "must_contain": ["83,3%"]},
                           {"question": "còn năm 2024?", "must_contain": ["99%"]}]
    problems = _problems(_write(tmp_path / "q.jsonl", [bad]))
    assert any("first conversation turn" in p for p in problems)
    assert any("conversation[1] must_contain '99%'" in p for p in problems)


def test_bad_as_of_is_caught(tmp_path):
    bad = _good_item()
    bad["as_of"] = "26/3/2025"
    problems = _problems(_write(tmp_path / "q.jsonl", [bad]))
    assert any("as_of" in p for p in problems)


def test_duplicate_id_across_splits_is_caught(tmp_path):
    _write(tmp_path / "questions.jsonl", [_good_item("same")])
    _write(tmp_path / "heldout.jsonl", [_good_item("same")])
    with pytest.raises(DatasetError) as info:
        load_all(tmp_path)
    assert any("appears in both questions and heldout" in p for p in info.value.problems)


def test_validate_items_reports_without_raising():
    item = EvalItem.from_dict(_good_item())
    assert validate_items([item]) == []
    item.type = "trivia"
    assert any("unknown type" in p for p in validate_items([item]))


def test_multi_part_items_need_parts_each_with_its_strings(tmp_path):
    bad = _good_item()
    bad["type"] = "multi_part"
    bad["parts"] = [{"question": "bao nhiêu", "must_contain": ["83,3%"]}, {"question": "khi nào", "must_contain": ["tháng 9"]}]
    problems = _problems(_write(tmp_path / "q.jsonl", [bad]))
    assert any("parts[1] string 'tháng 9'" in p for p in problems)
    bad["parts"] = bad["parts"][:1]
    problems = _problems(_write(tmp_path / "q.jsonl", [bad]))
    assert any("at least two parts" in p for p in problems)


# --------------------------------------------------------------------------- by-document splits

from baocao.eval.dataset import Corpus, get_corpus, without_diacritics  # noqa: E402
from baocao.eval import sourcetext  # noqa: E402

REALDOCS = get_corpus("realdocs")
needs_realdocs = pytest.mark.skipif(not REALDOCS.available,
                                    reason=f"{REALDOCS.documents_dir} is absent (the shared real documents are not on this machine)")
ISSUE9_TYPES = ("numeric", "list", "set_operation", "count", "task", "comparison", "multi_part", "yes_no", "explanation",
                "temporal_latest", "disagreement", "multi_report", "conversation", "abbreviation", "unanswerable", "no_diacritics")


def test_sample_corpus_has_a_by_document_view(splits):
    sample = get_corpus("sample")
    views, excluded = sample.views(splits)
    dev, held = views["sample_docs_dev"], views["sample_docs_heldout"]
    assert len(dev) >= 100 and len(held) >= 40
    assert not {i.id for i in dev} & {i.id for i in held}
    assert {d for i in dev for d in i.split_documents}.isdisjoint({d for i in held for d in i.split_documents})
    assert {i.type for i in held} >= {"unanswerable", "numeric", "list"}
    assert len(excluded["sample_docs_dev"]) < 25  # items citing a report of each side


@pytest.fixture(scope="module")
def realdocs() -> dict[str, list[EvalItem]]:
    if not REALDOCS.available:
        pytest.skip(f"{REALDOCS.documents_dir} is absent (the shared real documents are not on this machine)")
    return REALDOCS.load()


def test_realdocs_set_size_types_and_shares(realdocs):
    items = [i for v in realdocs.values() for i in v]
    assert len(items) >= 100
    assert sum(not i.answerable for i in items) >= 20
    assert sum(without_diacritics(i.question) for i in items) >= 0.15 * len(items)
    for t in ISSUE9_TYPES:
        assert any(i.type == t for i in items), f"no realdocs item of type {t}"
    share = len(realdocs["realdocs_dev"]) / len(items)
    assert 0.6 <= share <= 0.75, f"dev share {share:.2f}"  # a held-out side of a quarter or more
    assert not any(d.startswith("legal/") for i in items for d in i.split_documents)


def test_realdocs_split_is_by_document(realdocs):
    dev_docs = {d for i in realdocs["realdocs_dev"] for d in i.split_documents}
    held_docs = {d for i in realdocs["realdocs_heldout"] for d in i.split_documents}
    assert dev_docs and held_docs and dev_docs.isdisjoint(held_docs)
    assert dev_docs <= set(REALDOCS.document_splits["dev"]) and held_docs <= set(REALDOCS.document_splits["heldout"])


def test_an_item_citing_a_document_of_the_other_side_is_caught(realdocs, tmp_path):
    item = realdocs["realdocs_dev"][0].to_dict()
    held_doc = REALDOCS.document_splits["heldout"][0]
    corpus = Corpus(name="t", documents_dir=REALDOCS.documents_dir, files={}, sides={"x": "dev"}, labels={},
                    document_splits=REALDOCS.document_splits)
    wrong = EvalItem.from_dict({**item, "evidence": [*item["evidence"], {"document": held_doc, "quote": "x"}]})
    problems = corpus._split_problems({"x": [wrong]})
    assert problems and "heldout" in problems[0]


# --------------------------------------------------------------------------- quotes in real documents


@needs_realdocs
def test_docx_reading_holds_table_cells():
    table_doc = next(d for d in REALDOCS.document_splits["heldout"] if "tong-hop-y-kien" in d)
    text = sourcetext.docx_text(REALDOCS.documents_dir / table_doc)
    assert "Hết thời gian lấy ý kiến không gửi lại phiếu" in text


@needs_realdocs
def test_fuzzy_rule_only_for_converted_and_ocr_sources():
    doc = next(d for d in REALDOCS.document_splits["dev"] if d.endswith(".doc"))
    source = sourcetext.source_text(REALDOCS.documents_dir / doc)
    assert source.kind == sourcetext.KIND_CONVERTED
    text = source.reading("antiword")
    words = text.split(" ")[40:55]
    exact = " ".join(words)
    assert sourcetext.check_quote(exact, source).level == "exact"
    damaged = exact.replace("ư", "u").replace("ộ", "o", 1)  # what an OCR engine or converter may do
    if damaged != exact:
        assert sourcetext.check_quote(damaged, source).level == "fuzzy"
    assert sourcetext.check_quote("câu này hoàn toàn không có trong văn bản nào của bộ tài liệu", source).level == "missing"
    pdf = next(d for d in REALDOCS.document_splits["dev"] if d.endswith(".pdf") and "scan" not in d)
    text_source = sourcetext.source_text(REALDOCS.documents_dir / pdf)
    assert text_source.kind == sourcetext.KIND_TEXT
    some = " ".join(text_source.reading("pdftotext").split(" ")[30:42])
    assert sourcetext.check_quote(some.replace("ư", "u"), text_source).level in ("missing", "exact")


@needs_realdocs
def test_scans_and_bad_ocr_layers_are_recognised():
    kinds = {d: sourcetext.document_kind(REALDOCS.documents_dir / d) for d in REALDOCS.document_splits["heldout"]
             if d.endswith(".pdf")}
    assert all(k == sourcetext.KIND_OCR for d, k in kinds.items() if "_scan" in d or "_bad-ocr" in d)
    assert any(k == sourcetext.KIND_TEXT for k in kinds.values())


def test_fuzzy_ratio_tolerates_ocr_errors_not_other_text():
    text = "Căn cứ Quyết định số 2319/QĐ-TTg ngày 20 tháng 10 năm 2025 của Thủ tướng. Bố sung đồng chí Đỗ Thanh Bình, Bộ trưởng Bộ Nội vụ."
    assert sourcetext.fuzzy_ratio("Bổ sung đồng chí Đỗ Thanh Bình, Bộ trưởng Bộ Nội vụ", text) >= sourcetext.FUZZY_MIN_RATIO
    assert sourcetext.fuzzy_ratio("Bổ sung đồng chí Nguyễn Văn An, Bộ trưởng Bộ Tài chính", text) < sourcetext.FUZZY_MIN_RATIO
