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
    TYPES,
    DatasetError,
    EvalItem,
    load_all,
    load_dataset,
    normalise_for_match,
    type_counts,
    validate_items,
)

MIN_10 = ("numeric", "entity", "list", "plan_task", "unanswerable", "no_diacritics", "abbreviation")
MIN_5 = tuple(t for t in TYPES if t not in MIN_10)

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
    for t in TYPES:
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
