"""How well `repair_replacement_chars` restores the March report's lost letters.

The March sample holds the damaged full report (letters lost to U+FFFD) and then a clean summary
of the same report ("BÁO CÁO TÓM TẮT"). A damaged word is *alignable* when its neighbourhood in the
full report (the word itself with `�` as a one-letter wildcard, and at least three context words)
occurs in the summary with a single possible reading; that reading is the truth.

Three models are measured:
- `bundled`: the shipped model, built from general Vietnamese (underthesea's word list, VLSP text and
  place names, `scripts/build_syllable_model.py`): it never saw the sample reports, so this is out of
  sample; it repairs the whole file, adapting to the file's own intact words, as ingestion does;
- `sample_reports`: a model of all five sample reports (the model shipped before: in sample, it has
  seen the summary);
- `held_out`: a model trained on the four other reports only, repairing the damaged part alone, so
  nothing of the summary is seen.

A second, synthetic check (`synthetic`): each of the four other reports has the letters the March
report lost (ệ ự ò ễ) replaced by U+FFFD and is repaired by a model trained on the remaining
reports (leave-one-out); there every damaged word has a known truth. `out_of_sample`: the same damage
on real documents of ../shared/realdocs (DOCX, clean), repaired by the general model and by the
sample-reports model.

    .venv/bin/python bench/repair_accuracy.py    # prints a summary, writes bench/results/repair_accuracy.json
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from baocao.ingest.repair import (  # noqa: E402
    DEFAULT_MODEL_PATH,
    REPLACEMENT,
    SyllableModel,
    repair_replacement_chars,
)
from baocao.ingest.vietnamese import nfc  # noqa: E402

SAMPLE_DIR = ROOT / "data" / "sample"
MARCH_FILE = SAMPLE_DIR / "2025-03_bao-cao-chuyen-doi-so-quoc-gia-thang-3.txt"
RESULTS_PATH = ROOT / "bench" / "results" / "repair_accuracy.json"
SUMMARY_HEADING = "BÁO CÁO TÓM TẮT"

_TOKEN_RE = re.compile(r"(?:\w|\ufffd)+")
# (words to the left, words to the right), widest first
_WINDOWS = ((3, 3), (2, 2), (3, 1), (1, 3), (3, 0), (0, 3), (2, 1), (1, 2))
_MIN_CONTEXT = 3
_MIN_INTACT_CONTEXT = 2


@dataclass
class Alignment:
    index: int  # position among the damaged text's tokens
    damaged: str
    truth: str


def split_march_report(text: str) -> tuple[str, str]:
    """(damaged full report, clean summary)."""
    cut = nfc(text).index(SUMMARY_HEADING)
    return nfc(text)[:cut], nfc(text)[cut:]


def tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(nfc(text))


def _token_matches(pattern: str, word: str) -> bool:
    if REPLACEMENT not in pattern:
        return pattern == word
    return len(pattern) == len(word) and all(p == REPLACEMENT or p == w for p, w in zip(pattern, word))


def align_damaged_words(damaged_text: str, clean_text: str) -> list[Alignment]:
    """Damaged words whose context occurs in the clean text with one reading, and that reading."""
    damaged = [t.lower() for t in tokens(damaged_text)]
    clean = [t.lower() for t in tokens(clean_text)]
    positions: dict[str, list[int]] = defaultdict(list)
    for j, word in enumerate(clean):
        positions[word].append(j)
    alignments = []
    for i, word in enumerate(damaged):
        if REPLACEMENT in word:
            truth = _align_one(damaged, i, clean, positions)
            if truth is not None:
                alignments.append(Alignment(i, word, truth))
    return alignments


def _align_one(damaged: list[str], i: int, clean: list[str], positions: dict[str, list[int]]) -> str | None:
    for left, right in _WINDOWS:
        if i - left < 0 or i + right >= len(damaged):
            continue
        window = damaged[i - left:i + right + 1]
        context = window[:left] + window[left + 1:]
        intact = [(k, w) for k, w in enumerate(window) if k != left and REPLACEMENT not in w]
        if len(context) < _MIN_CONTEXT or len(intact) < _MIN_INTACT_CONTEXT:
            continue
        anchor_offset, anchor = min(intact, key=lambda item: len(positions.get(item[1], ())))
        readings = set()
        for j in positions.get(anchor, ()):
            start = j - anchor_offset
            if start < 0 or start + len(window) > len(clean):
                continue
            if all(_token_matches(p, w) for p, w in zip(window, clean[start:start + len(window)])):
                readings.add(clean[start + left])
        if len(readings) == 1:
            return readings.pop()
        if readings:
            return None  # ambiguous even in the widest window that matched
    return None


@dataclass
class Score:
    model: str
    damaged_words: int
    repaired_words: int  # of all damaged words, aligned or not
    alignable: int
    restored_correctly: int
    restored_wrongly: int
    unresolved: int
    made_worse: int
    accuracy: float  # restored correctly / alignable
    repair_seconds: float
    errors: list[dict[str, str]]
    unresolved_words: list[str]


def score_repair(name: str, model: SyllableModel, text_to_repair: str, damaged_part: str, summary: str) -> Score:
    started = time.perf_counter()
    result = repair_replacement_chars(text_to_repair, model)
    seconds = time.perf_counter() - started
    before = [t.lower() for t in tokens(text_to_repair)]
    after = [t.lower() for t in tokens(result.text)]
    if len(before) != len(after):
        raise AssertionError("repair changed the number of words")
    alignments = align_damaged_words(damaged_part, summary)
    correct = wrong = unresolved = 0
    errors, left_damaged = [], []
    for a in alignments:
        restored = after[a.index]
        if REPLACEMENT in restored:
            unresolved += 1
            left_damaged.append(f"{a.damaged} ({a.truth})")
        elif restored == a.truth:
            correct += 1
        else:
            wrong += 1
            errors.append({"damaged": a.damaged, "restored": restored, "truth": a.truth})
    made_worse = sum(1 for b, a in zip(before, after) if REPLACEMENT not in b and a != b)
    damaged_words = sum(REPLACEMENT in t for t in tokens(damaged_part))
    accuracy = correct / len(alignments) if alignments else 0.0
    return Score(name, damaged_words, result.repaired, len(alignments), correct, wrong, unresolved,
                 made_worse, round(accuracy, 4), round(seconds, 3), errors, left_damaged)


def model_without(*left_out: Path) -> SyllableModel:
    return SyllableModel.from_files(p for p in sorted(SAMPLE_DIR.glob("*.txt")) if p not in left_out)


def held_out_model() -> SyllableModel:
    return model_without(MARCH_FILE)


SYNTHETIC_LOST_LETTERS = "ệựòễ"


def synthetic_scores() -> list[dict]:
    lost = set(SYNTHETIC_LOST_LETTERS) | set(SYNTHETIC_LOST_LETTERS.upper())
    rows = []
    for path in sorted(SAMPLE_DIR.glob("*.txt")):
        if path == MARCH_FILE:
            continue
        clean = nfc(path.read_text(encoding="utf-8"))
        damaged = "".join(REPLACEMENT if ch in lost else ch for ch in clean)
        result = repair_replacement_chars(damaged, model_without(path))
        truth, before, after = tokens(clean), tokens(damaged), tokens(result.text)
        pairs = [(t, a) for t, b, a in zip(truth, before, after) if REPLACEMENT in b]
        rows.append({
            "file": path.name,
            "damaged_words": len(pairs),
            "restored_correctly": sum(a.lower() == t.lower() for t, a in pairs),
            "restored_wrongly": sum(REPLACEMENT not in a and a.lower() != t.lower() for t, a in pairs),
            "unresolved": sum(REPLACEMENT in a for _, a in pairs),
            "wrong_case": sum(a != t and a.lower() == t.lower() for t, a in pairs),
        })
    return rows


REALDOCS = ROOT.parent / "shared" / "realdocs"
# clean DOCX texts the bundled model never saw: a law on drugs and health, one on science and education,
# a decree, a provincial report
OUT_OF_SAMPLE_FILES = (
    "legal/luat-phong-chong-ma-tuy-2021.docx", "legal/luat-khoa-hoc-cong-nghe.docx",
    "legal/nghi-dinh-19-2019-ND-CP.docx", "2025-12_lamdong_bao-cao-to-chuc-hoat-dong-quan-ly-hoi-nam-2025.docx",
)
OUT_OF_SAMPLE_CHARS = 20000


def _damage_and_score(clean: str, model: SyllableModel) -> dict:
    lost = set(SYNTHETIC_LOST_LETTERS) | set(SYNTHETIC_LOST_LETTERS.upper())
    damaged = "".join(REPLACEMENT if ch in lost else ch for ch in clean)
    adapted = model.copy()  # as ingestion does: the model plus the document's own intact lines
    adapted.update(line for line in damaged.splitlines() if REPLACEMENT not in line)
    result = repair_replacement_chars(damaged, adapted)
    truth, before, after = tokens(clean), tokens(damaged), tokens(result.text)
    pairs = [(t, a) for t, b, a in zip(truth, before, after) if REPLACEMENT in b]
    return {
        "damaged_words": len(pairs),
        "restored_correctly": sum(a.lower() == t.lower() for t, a in pairs),
        "restored_wrongly": sum(REPLACEMENT not in a and a.lower() != t.lower() for t, a in pairs),
        "unresolved": sum(REPLACEMENT in a for _, a in pairs),
    }


def out_of_sample_scores(bundled: SyllableModel) -> list[dict]:
    """Real documents (../shared/realdocs) with the letters ệ ự ò ễ lost, repaired by the bundled general
    model and, for comparison, by a model of the five sample reports (the old, in-sample model)."""
    if not REALDOCS.is_dir():
        return []
    from baocao.ingest.loaders import load_file

    samples = model_without()
    rows = []
    for name in OUT_OF_SAMPLE_FILES:
        path = REALDOCS / name
        if not path.is_file():
            continue
        clean = nfc("\n".join(p.text for p in load_file(path).pages))[:OUT_OF_SAMPLE_CHARS]
        rows.append({"file": name, "general_model": _damage_and_score(clean, bundled),
                     "sample_reports_model": _damage_and_score(clean, samples)})
    return rows


def run() -> dict:
    full_text = MARCH_FILE.read_text(encoding="utf-8")
    damaged_part, summary = split_march_report(full_text)
    started = time.perf_counter()
    bundled = SyllableModel.load(DEFAULT_MODEL_PATH)
    load_seconds = time.perf_counter() - started
    scores = [
        score_repair("bundled", bundled, nfc(full_text), damaged_part, summary),
        score_repair("held_out", held_out_model(), damaged_part, damaged_part, summary),
        score_repair("sample_reports", model_without(), nfc(full_text), damaged_part, summary),
    ]
    return {"file": MARCH_FILE.name, "model_load_seconds": round(load_seconds, 3),
            "models": {"bundled": "general Vietnamese (underthesea word list, VLSP text, place names): out of sample",
                       "held_out": "the four other sample reports", "sample_reports": "all five sample reports: in sample"},
            "scores": [asdict(s) for s in scores], "synthetic": synthetic_scores(),
            "out_of_sample": out_of_sample_scores(bundled)}


def main() -> None:
    report = run()
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{report['file']}  (model load {report['model_load_seconds']} s)")
    for s in report["scores"]:
        print(f"  {s['model']:9} damaged {s['damaged_words']} (repaired {s['repaired_words']}), "
              f"alignable {s['alignable']}: "
              f"correct {s['restored_correctly']} ({s['accuracy']:.1%}), wrong {s['restored_wrongly']}, "
              f"unresolved {s['unresolved']}, made worse {s['made_worse']}, repair {s['repair_seconds']} s")
        for e in s["errors"]:
            print(f"      {e['damaged']} -> {e['restored']} (truth {e['truth']})")
    print(f"synthetic, {SYNTHETIC_LOST_LETTERS} lost, leave-one-out model:")
    for row in report["synthetic"]:
        print(f"  {row['file'][:40]:40} damaged {row['damaged_words']}: correct {row['restored_correctly']}, "
              f"wrong {row['restored_wrongly']}, unresolved {row['unresolved']}, wrong case {row['wrong_case']}")
    print(f"out of sample (realdocs, {SYNTHETIC_LOST_LETTERS} lost): general model vs sample-reports model")
    for row in report["out_of_sample"]:
        g, o = row["general_model"], row["sample_reports_model"]
        print(f"  {row['file'][:48]:48} damaged {g['damaged_words']}: general {g['restored_correctly']} right / "
              f"{g['restored_wrongly']} wrong; samples {o['restored_correctly']} right / {o['restored_wrongly']} wrong")
    print(f"written {RESULTS_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
