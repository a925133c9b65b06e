"""Build the bundled syllable model `ingest/data/syllable_model.json.gz` from general Vietnamese text.

The text is not the sample corpus (nor any document ingested later): it is what the installed
underthesea package ships,
- `corpus/data/Viet74K.txt`: 74k Vietnamese words, one a line (each word gives its syllables and the
  syllable pairs inside it);
- `pipeline/pos_tag/models/pos_crf_vlsp2013_*/test_output.txt`: the POS-tagged VLSP 2013 test set,
  one token a line, sentences separated by blank lines (running text: pairs across words);
- `address/data/mapping.json`: the names of provinces, districts and wards (63 -> 34 provinces, 1/7/2025),
  so place names (`Điện Biên`, `Nghệ An`) and their capitals are known.
At ingest time the model is adapted to each document's own clean lines (`ingest.pipeline.prepare_pages`),
so measuring on the sample reports or ../shared/realdocs is out of sample.

    .venv/bin/python scripts/build_syllable_model.py [--out PATH] [--with-samples]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from baocao.ingest.repair import DEFAULT_MODEL_PATH, SyllableModel, clean_runs  # noqa: E402

SAMPLE_DIR = ROOT / "data" / "sample"


def underthesea_dir() -> Path:
    import underthesea

    return Path(underthesea.__file__).parent


def word_list(path: Path) -> Iterator[str]:
    """Each dictionary word as a phrase of its own (`A-di-đà phật` -> `A di đà phật`)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.strip().replace("-", " ")
        if word:
            yield word


def tagged_sentences(path: Path) -> Iterator[str]:
    """`word<TAB>tag<TAB>tag` lines, a blank line between sentences -> one sentence a string."""
    tokens: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if tokens:
                yield " ".join(tokens)
            tokens = []
            continue
        tokens.append(line.split("\t", 1)[0])
    if tokens:
        yield " ".join(tokens)


def place_names(path: Path) -> Iterator[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in ("province_names", "old_province_names"):
        for entry in data.get(key, {}).values():
            yield entry["name"]
    seen: set[str] = set()
    for record in data.get("ward_mapping", []):
        for field in ("old_district", "old_ward", "new_ward"):
            name = record.get(field)
            if name and name not in seen:
                seen.add(name)
                yield name


def sources() -> dict[str, Path]:
    base = underthesea_dir()
    tagged = sorted(base.glob("pipeline/pos_tag/models/pos_crf_vlsp2013_*/test_output.txt"))
    found = {"Viet74K": base / "corpus" / "data" / "Viet74K.txt"}
    if tagged:
        found["VLSP2013 POS test"] = tagged[-1]
    if (base / "address" / "data" / "mapping.json").is_file():
        found["address names"] = base / "address" / "data" / "mapping.json"
    missing = [name for name, path in found.items() if not path.is_file()]
    if missing:
        raise SystemExit(f"underthesea data not found: {', '.join(missing)} (pip install underthesea)")
    return found


def build(with_samples: bool = False) -> SyllableModel:
    found = sources()
    model = SyllableModel()
    model.update(word_list(found["Viet74K"]))
    if "VLSP2013 POS test" in found:
        model.update(tagged_sentences(found["VLSP2013 POS test"]))
    if "address names" in found:
        model.update(place_names(found["address names"]))
    if with_samples:  # the old, in-sample model: only for comparing in bench/repair_accuracy.py
        model.update(run for p in sorted(SAMPLE_DIR.glob("*.txt")) for run in clean_runs(p.read_text(encoding="utf-8")))
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--with-samples", action="store_true", help="add the sample reports (in-sample; not shipped)")
    args = parser.parse_args()
    model = build(args.with_samples)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    print(f"{args.out}: {len(model.unigrams)} syllables, {len(model.bigrams)} bigrams, "
          f"{args.out.stat().st_size / 1024:.0f} KiB; from {', '.join(sources())}")


if __name__ == "__main__":
    main()
