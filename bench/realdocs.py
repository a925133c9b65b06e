"""Ingestion of the real documents in ../shared/realdocs, file by file.

Per file: outcome (added / refused with its one-line reason), pages, OCR pages and legacy-font pages
(from the loaders' page flags when they set them), load and process seconds, the invalid-syllable share
before and after repair, chunks and their size distribution, table rows and task records, title /
kind / issuer / number / date / signer as read from the document, and body sentences lost between the
document's blocks and its chunks. For the twins (one text in several formats) the share of the DOCX's
sentences found in each other version after repair: verbatim (character for character, footnote marks
aside), and with the same words (`same_words`: letter case, old/new tone placement 'hoà'/'hòa', the '…'
character and dot leaders' length folded; each is a spelling or layout difference between two
publications of one text, not a word lost by ingestion). `ocr_reads` / `ocr_seconds_per_page`: the pages
Tesseract read and their mean seconds each (one Tesseract process; BAOCAO_OCR_WORKERS run at once). There
is no OCR cache: every run reads every scan afresh.

    .venv/bin/python bench/realdocs.py [--only SUBSTRING]    # writes bench/results/realdocs.json

Nothing of the documents is written but the numbers and the metadata read from them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("BAOCAO_OCR_CACHE", "0")  # timed: every page is read afresh, never from the read cache
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from baocao.ingest import ocr as ocr_engine  # noqa: E402
from baocao.ingest.chunker import split_sentences  # noqa: E402
from baocao.ingest.loaders import load_file  # noqa: E402
from baocao.ingest.models import IngestError  # noqa: E402
from baocao.ingest.pipeline import MIN_CHUNK_CHARS, prepare_pages, process, read_structure  # noqa: E402
from baocao.ingest.structure import TABLE_ROW  # noqa: E402
from baocao.ingest.metadata import file_name_title  # noqa: E402
from baocao.ingest.text import unify_tone_placement  # noqa: E402
from baocao.ingest.vietnamese import fold, vietnamese_ratio  # noqa: E402

REALDOCS = ROOT.parent / "shared" / "realdocs"
RESULTS_PATH = ROOT / "bench" / "results" / "realdocs.json"
SUFFIXES = (".pdf", ".docx", ".doc", ".rtf", ".txt", ".md", ".xlsx", ".odt")
TWINS = {
    "legal/luat-phong-chong-ma-tuy-2021.docx": [
        "legal/luat-phong-chong-ma-tuy-2021_online2pdf.pdf", "legal/luat-phong-chong-ma-tuy-2021_ocr-scan.pdf"],
    "legal/nghi-dinh-105-2021-ND-CP.docx": ["legal/nghi-dinh-105-2021-ND-CP_congbao.pdf"],
}
MIN_SENTENCE_CHARS = 30  # shorter "sentences" are headings and numbers, matched by the longer ones anyway
_MARKS = re.compile(r"\[\^\d+\]|[⁰¹²³⁴⁵⁶⁷⁸⁹]+")


_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})
_LEADER = re.compile(r"\s*\.?\s*(?:\.{2,}|…)[.…\s]*")  # dot leaders and ellipses, any length, as one '…'


def norm(text: str) -> str:
    return " ".join(_MARKS.sub("", unicodedata.normalize("NFC", text)).split())


def same_words(text: str) -> str:
    """`norm` with the differences two publications of one text show in spelling and layout folded: letter
    case ('thủ đô' / 'Thủ đô'), tone placement ('hoà' / 'hòa'), quotes, and a run of dots or '…'
    of any length with the spaces around it. The words and their order must still be the same."""
    text = unify_tone_placement(norm(text).translate(_QUOTES).casefold())
    return " ".join(_LEADER.sub(" … ", text).split())


def invalid_share(text: str) -> float:
    return round(1 - vietnamese_ratio(text), 4) if text.strip() else 0.0


def page_flags(pages, *names: str) -> int | None:
    """How many pages carry a flag the loaders set (`ocr`, `legacy_font`); None when the loader has no such flag."""
    if not any(hasattr(p, name) for p in pages for name in names):
        return None
    return sum(1 for p in pages if any(getattr(p, name, False) for name in names))


def sentences_of(text: str) -> list[str]:
    return [s for line in text.splitlines() for s in split_sentences(line) if len(s) >= MIN_SENTENCE_CHARS]


_OCR_READS: list[float] = []  # seconds of each page read by Tesseract (in its worker) while a file loads
_read_page = ocr_engine.ocr_image


def _timed_read(image, options):
    result = _read_page(image, options)
    _OCR_READS.append(result.seconds)
    return result


ocr_engine.ocr_image = _timed_read  # pdf.py calls it through the module


def measure(path: Path) -> tuple[dict, object | None]:
    row: dict = {"file": str(path.relative_to(REALDOCS)), "bytes": path.stat().st_size}
    _OCR_READS.clear()
    started = time.perf_counter()
    try:
        raw = load_file(path)
    except IngestError as exc:
        row.update(outcome="refused", reason=str(exc), load_seconds=round(time.perf_counter() - started, 2))
        return row, None
    loaded = time.perf_counter()
    doc = process(raw)
    done = time.perf_counter()
    before = "\n".join(p.text for p in raw.pages)
    after = "\n".join(p.text for p in prepare_pages(raw).pages)
    chunks = [c for c in doc.chunks if c.kind != "footnote"]
    row.update(
        outcome="added", format=raw.format,
        pages=sum(1 for p in raw.pages if p.number is not None) or None,
        ocr_pages=page_flags(raw.pages, "ocr"), legacy_font_pages=page_flags(raw.pages, "legacy_font", "legacy_encoding"),
        load_seconds=round(loaded - started, 2), process_seconds=round(done - loaded, 2),
        ocr_reads=len(_OCR_READS), ocr_seconds_per_page=round(sum(_OCR_READS) / len(_OCR_READS), 2) if _OCR_READS else None,
        invalid_syllables_before=invalid_share(before), invalid_syllables_after=invalid_share(after),
        chunks=doc.chunk_sizes, table_rows=sum(1 for line in after.splitlines() if TABLE_ROW.match(line.strip())),
        table_chunks=sum(1 for c in chunks if c.kind == "table"), task_records=len(doc.tasks),
        title=doc.title, title_from_text=fold(doc.title).lower() != fold(file_name_title(raw.name, "")).lower(),
        doc_kind=doc.doc_kind, issuer=doc.issuer, governing_body=doc.governing_body,
        number=doc.number, date=doc.report_date, signer=doc.signer, warnings=doc.warnings,
    )
    indexed = norm("\n".join(c.text for c in doc.chunks))
    row["body_sentences_lost"] = body_sentences_lost(read_structure(raw).blocks, indexed)
    return row, doc


def body_sentences_lost(blocks, indexed: str) -> int:
    """Sentences of the document's blocks not found verbatim in any chunk: structure and chunking must lose
    nothing (the closing block is metadata by design and page furniture is the loaders' call: not counted)."""
    return sum(1 for b in blocks for s in sentences_of(b.text) if norm(s) not in indexed)


def twin_recovery(docs: dict[str, object]) -> list[dict]:
    rows = []
    for reference, versions in TWINS.items():
        ref = docs.get(reference)
        if ref is None:
            continue
        truth = [norm(s) for s in sentences_of("\n".join(c.text for c in ref.chunks if c.kind != "footnote"))]
        # body text only: the forms and tables of a decree differ by layout (dotted leaders) between formats
        body = [norm(s) for s in sentences_of("\n".join(c.text for c in ref.chunks if c.kind == "text"))
                if "...." not in s and "…" not in s]
        for version in versions:
            doc = docs.get(version)
            if doc is None:
                rows.append({"reference": reference, "version": version, "outcome": "not ingested"})
                continue
            text = norm("\n".join(c.text for c in doc.chunks))
            loose = same_words(text)
            row = {"reference": reference, "version": version, "reference_sentences": len(truth)}
            for prefix, sentences in (("", truth), ("body_", body)):
                found = sum(1 for s in sentences if s in text)
                alike = sum(1 for s in sentences if s in text or same_words(s) in loose)
                row.update({
                    f"{prefix}sentences": len(sentences),
                    f"{prefix}recovered_verbatim": found, f"{prefix}share": share(found, sentences),
                    f"{prefix}recovered_same_words": alike, f"{prefix}same_words_share": share(alike, sentences),
                })
            del row["sentences"]  # reference_sentences
            rows.append(row)
    return rows


def share(found: int, sentences: list) -> float | None:
    return round(found / len(sentences), 4) if sentences else None


def summary(rows: list[dict]) -> dict:
    added = [r for r in rows if r["outcome"] == "added"]
    sizes = [r["chunks"] for r in added if r["chunks"].get("chunks")]
    return {
        "files": len(rows), "added": len(added), "refused": len(rows) - len(added),
        "with_title_from_text": sum(1 for r in added if r["title_from_text"]),
        "with_issuer": sum(1 for r in added if r["issuer"]), "with_number": sum(1 for r in added if r["number"]),
        "chunks": sum(s["chunks"] for s in sizes),
        f"chunks_under_{MIN_CHUNK_CHARS}": sum(s[f"under_{MIN_CHUNK_CHARS}"] for s in sizes),
        f"chunks_under_{MIN_CHUNK_CHARS}_not_whole": sum(s[f"under_{MIN_CHUNK_CHARS}_not_whole"] for s in sizes),
        "median_of_median_chunk": statistics.median(s["median"] for s in sizes) if sizes else None,
        "task_records": sum(r["task_records"] for r in added),
        "body_sentences_lost": sum(r["body_sentences_lost"] or 0 for r in added),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="only files whose path contains this")
    parser.add_argument("--out", type=Path, default=RESULTS_PATH)
    args = parser.parse_args()
    if not REALDOCS.is_dir():
        raise SystemExit(f"{REALDOCS} not found: the real documents live beside the repository, never in it")
    files = sorted(p for p in REALDOCS.rglob("*") if p.suffix.lower() in SUFFIXES and p.name != "README.md"
                   and args.only in str(p))
    rows, docs = [], {}
    for path in files:
        row, doc = measure(path)
        rows.append(row)
        if doc is not None:
            docs[row["file"]] = doc
        chunks = row.get("chunks", {})
        print(f"{row['outcome']:7} {row['file'][:62]:62} "
              + (f"{chunks.get('chunks', 0):4} chunks, median {chunks.get('median', 0):4}, "
                 f"invalid {row['invalid_syllables_before']:.3f}->{row['invalid_syllables_after']:.3f} | "
                 f"{row['doc_kind']} | {row['issuer']} | {row['number']} | {row['date']}"
                 if row["outcome"] == "added" else row["reason"][:90]), flush=True)
    report = {
        "date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, {platform.python_version()}",
        "summary": summary(rows), "twins": twin_recovery(docs), "files": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report["summary"], ensure_ascii=False))
    for twin in report["twins"]:
        print(f"twin {twin['version']}: {twin.get('recovered_verbatim')}/{twin.get('reference_sentences')} "
              f"sentences of {twin['reference']} verbatim, {twin.get('recovered_same_words')} with the same words "
              f"(body, no form lines: {twin.get('body_recovered_verbatim')}/{twin.get('body_sentences')} verbatim, "
              f"{twin.get('body_recovered_same_words')} with the same words)")
    print(f"written {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
