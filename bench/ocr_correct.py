"""What the OCR diacritic corrector (ingest/ocr_correct.py) does to text that is already right.

The corrector runs on OCR output only; here it runs over clean text, where every change it makes is a
false correction: the text of every DOCX in ../shared/realdocs (as the loaders read it) and of the sample
reports in data/sample, each file as one document (`ingest.ocr.correct_ocr_texts`, what ingest runs on a
document's OCR'd pages). Per source: words judged, words changed, sentences (of >= 30 characters) changed,
and the seconds it took. The sentence recovery it brings on the scanned law is measured by
bench/realdocs.py (its `twins`).

    .venv/bin/python bench/ocr_correct.py [--out PATH]    # writes bench/results/ocr_correct.json

Nothing of the documents is written but the numbers (and, with --show, the changed words to stdout).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from baocao.ingest import ocr_correct  # noqa: E402
from baocao.ingest.ocr import correct_ocr_texts  # noqa: E402
from baocao.ingest.chunker import split_sentences  # noqa: E402
from baocao.ingest.loaders import load_file  # noqa: E402
from baocao.ingest.repair import WORD_RE, SyllableModel  # noqa: E402
from baocao.ingest.text import nfc  # noqa: E402

REALDOCS = ROOT.parent / "shared" / "realdocs"
SAMPLES = ROOT / "data" / "sample"
RESULTS_PATH = ROOT / "bench" / "results" / "ocr_correct.json"


def sources() -> list[Path]:
    found = sorted(REALDOCS.rglob("*.docx")) if REALDOCS.is_dir() else []
    return found + sorted(SAMPLES.glob("*.txt"))


def measure(path: Path, show: bool) -> dict:
    pages = [nfc(p.text) for p in load_file(path).pages]
    started = time.perf_counter()
    corrected = correct_ocr_texts(pages)[0]  # as ingest does for a document's OCR'd pages
    seconds = time.perf_counter() - started
    words = changed = sentences = changed_sentences = 0
    for before, after in zip(pages, corrected):
        a, b = WORD_RE.findall(before), WORD_RE.findall(after)
        words += len(a)
        diffs = [(x, y) for x, y in zip(a, b) if x != y]
        changed += len(diffs)
        if show and diffs:
            print(f"{path.name}: {diffs}")
        for line_a, line_b in zip(before.splitlines(), after.splitlines()):
            for s_a, s_b in zip(split_sentences(line_a), split_sentences(line_b)):
                if len(s_a) >= 30:
                    sentences += 1
                    changed_sentences += s_a != s_b
    name = str(path.relative_to(REALDOCS)) if path.is_relative_to(REALDOCS) else str(path.relative_to(ROOT))
    return {"file": name, "words": words, "words_changed": changed, "sentences": sentences,
            "sentences_changed": changed_sentences, "seconds": round(seconds, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS_PATH)
    parser.add_argument("--show", action="store_true", help="print the changed words")
    args = parser.parse_args()
    SyllableModel.default()
    rows = [measure(path, args.show) for path in sources()]
    total = {key: sum(r[key] for r in rows) for key in ("words", "words_changed", "sentences", "sentences_changed")}
    total["seconds"] = round(sum(r["seconds"] for r in rows), 2)
    report = {
        "date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "change_cost": round(ocr_correct.CHANGE_COST, 3), "invalid_cost": round(ocr_correct.INVALID_COST, 3),
        "total": total, "files": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(total))
    print(f"written {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
