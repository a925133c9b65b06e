"""Build the bundled syllable model `ingest/data/syllable_model.json.gz` from clean Vietnamese text.

The text: the sample reports, cut at every line that holds U+FFFD (so the damaged part of the
March report contributes only its intact lines).

    .venv/bin/python scripts/build_syllable_model.py [--exclude NAME ...] [--out PATH]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from baocao.ingest.repair import DEFAULT_MODEL_PATH, SyllableModel  # noqa: E402

SAMPLE_DIR = ROOT / "data" / "sample"


def build(exclude: tuple[str, ...] = ()) -> SyllableModel:
    return SyllableModel.from_files(p for p in sorted(SAMPLE_DIR.glob("*.txt")) if p.name not in exclude)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exclude", nargs="*", default=[], help="sample file names to leave out")
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    args = parser.parse_args()
    model = build(tuple(args.exclude))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    print(f"{args.out}: {len(model.unigrams)} syllables, {len(model.bigrams)} bigrams, "
          f"{args.out.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
