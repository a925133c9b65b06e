"""What the loaders make of every real document in ../shared/realdocs (the "loaders" half of the
ingestion numbers; bench/realdocs.py reports structure, chunks and metadata).

Per file: outcome (added with its chunk count, or refused with the one-line reason), pages, pages
read by OCR, legacy-font pages, tables and rows found, furniture lines removed, seconds, and the share
of invalid Vietnamese syllables (ingest/quality.py) of the raw text layer ("before": what pdfium
extracts, or the DOCX/TXT text as stored), of the loader's output and after the pipeline's repair
("after"). For the twin documents: body sentences removed as furniture (lines removed from the PDF
that occur in the DOCX) and Công báo headers left. Only numbers and file names are written: no text
of the documents.

    .venv/bin/python bench/loaders.py                 # all files (OCR included: ~15 min on 2 cores)
    .venv/bin/python bench/loaders.py --no-ocr        # quick: scans are refused
    .venv/bin/python bench/loaders.py --only congbao  # files whose name contains a word
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REALDOCS = ROOT.parent / "shared" / "realdocs"
RESULTS = ROOT / "bench" / "results" / "loaders.json"
TWINS = [
    ("legal/luat-phong-chong-ma-tuy-2021_online2pdf.pdf", "legal/luat-phong-chong-ma-tuy-2021.docx"),
    ("legal/luat-phong-chong-ma-tuy-2021_ocr-scan.pdf", "legal/luat-phong-chong-ma-tuy-2021.docx"),
    ("legal/nghi-dinh-105-2021-ND-CP_congbao.pdf", "legal/nghi-dinh-105-2021-ND-CP.docx"),
]


def raw_layer(path: Path) -> str:
    """The text before the loaders touch it: pdfium's text layer, or the DOCX/TXT text as stored."""
    if path.suffix.lower() == ".pdf":
        import pypdfium2 as pdfium

        try:
            document = pdfium.PdfDocument(str(path))
        except Exception:
            return ""
        texts = []
        for i in range(len(document)):
            page = document[i]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        document.close()
        return "\n".join(texts)
    if path.suffix.lower() == ".docx":
        from baocao.ingest.docx_reader import read_docx

        try:
            return read_docx(path.name, path.read_bytes())[0]
        except Exception:
            return ""
    return ""


def measure(path: Path, ocr) -> dict:
    from baocao.ingest.loaders import load_file
    from baocao.ingest.models import IngestError
    from baocao.ingest.pipeline import prepare_pages, process
    from baocao.ingest.quality import text_quality

    row: dict = {"file": str(path.relative_to(REALDOCS)), "bytes": path.stat().st_size}
    before = text_quality(raw_layer(path))
    row["invalid_before"] = round(before.invalid_share, 4) if before.judged else None
    started = time.monotonic()
    try:
        raw = load_file(path, ocr=ocr)
    except IngestError as exc:
        row.update(outcome="refused", reason=str(exc), seconds=round(time.monotonic() - started, 1))
        return row
    load_seconds = time.monotonic() - started
    loaded = text_quality("\n".join(p.text for p in raw.pages))
    prepared = prepare_pages(raw)
    after = text_quality("\n".join(p.text for p in prepared.pages))
    ocr_pages = [p for p in raw.pages if p.ocr]
    ocr_quality = text_quality("\n".join(p.text for p in ocr_pages)) if ocr_pages else None
    row.update(
        pages=len(raw.pages),
        ocr_pages=len(ocr_pages),
        legacy_font_pages=sum(1 for p in raw.pages if p.legacy_font),
        flagged_pages=sum(1 for p in raw.pages if p.warning),
        tables=sum(len(p.tables) for p in raw.pages),
        table_rows=sum(len(t) for p in raw.pages for t in p.tables),
        furniture_lines=sum(len(p.furniture) for p in raw.pages),
        load_seconds=round(load_seconds, 1),
        invalid_loaded=round(loaded.invalid_share, 4) if loaded.judged else None,
        invalid_after=round(after.invalid_share, 4) if after.judged else None,
        invalid_ocr_pages=round(ocr_quality.invalid_share, 4) if ocr_quality and ocr_quality.judged else None,
        words_judged=after.judged,
        warnings=raw.warnings,
    )
    try:
        document = process(raw)
        row.update(outcome="added", chunks=len(document.chunks))
    except IngestError as exc:
        row.update(outcome="refused", reason=str(exc))
    row["seconds"] = round(time.monotonic() - started, 1)
    return row


def twins(ocr) -> list[dict]:
    from baocao.ingest.cleanup import _CONG_BAO_HEADER
    from baocao.ingest.loaders import load_file
    from baocao.ingest.vietnamese import nfc

    def norm(text: str) -> str:
        return " ".join(nfc(text).split()).casefold()

    out = []
    for pdf_name, docx_name in TWINS:
        pdf, docx = REALDOCS / pdf_name, REALDOCS / docx_name
        if not pdf.exists() or not docx.exists():
            continue
        loaded = load_file(pdf, ocr=ocr)
        body = norm(load_file(docx).pages[0].text)
        removed = [line for page in loaded.pages for line in page.furniture]
        body_removed = [line for line in removed if len(norm(line)) > 8 and norm(line) in body]
        headers_left = [
            line for page in loaded.pages for line in page.text.splitlines()
            if _CONG_BAO_HEADER.match(line) or ("CÔNG BÁO/" in line.upper() and "NGÀY" in line.upper())
        ]
        out.append({
            "pdf": pdf_name, "docx": docx_name, "furniture_lines_removed": len(removed),
            "body_lines_removed": len(body_removed), "cong_bao_headers_left": len(headers_left),
        })
    return out


def main() -> int:
    from baocao.ingest.ocr import OcrOptions

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-ocr", action="store_true")
    parser.add_argument("--only", default="")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if not REALDOCS.is_dir():
        print(f"skipped: {REALDOCS} is not there", file=sys.stderr)
        return 0
    ocr = OcrOptions.from_environment()
    if args.no_ocr:
        ocr = OcrOptions(enabled=False)
    suffixes = {".pdf", ".docx", ".doc", ".rtf", ".xlsx", ".txt", ".md"}
    files = sorted(
        p for p in REALDOCS.rglob("*") if p.suffix.lower() in suffixes and args.only in p.name and p.name != "README.md"
    )
    rows = []
    for path in files:
        row = measure(path, ocr)
        rows.append(row)
        print(_line(row), flush=True)
    result = {
        "machine": f"{platform.machine()}, {_cores()} cores, Python {platform.python_version()}",
        "ocr": {"enabled": ocr.enabled, "languages": ocr.languages, "dpi": ocr.dpi, "workers": ocr.workers},
        "files": rows,
        "twins": twins(ocr) if not args.only else [],
        "summary": _summary(rows),
    }
    print(json.dumps(result["summary"], ensure_ascii=False, indent=1))
    for twin in result["twins"]:
        print(twin)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


def _summary(rows: list[dict]) -> dict:
    added = [r for r in rows if r["outcome"] == "added"]
    over = [r["file"] for r in added if (r.get("invalid_after") or 0) > (0.03 if r.get("ocr_pages") else 0.01)]
    return {
        "files": len(rows), "added": len(added), "refused": len(rows) - len(added),
        "ocr_pages": sum(r.get("ocr_pages", 0) for r in rows),
        "ocr_files_seconds": round(sum(r.get("load_seconds", 0) for r in rows if r.get("ocr_pages")), 1),
        "legacy_font_pages": sum(r.get("legacy_font_pages", 0) for r in rows),
        "flagged_pages": sum(r.get("flagged_pages", 0) for r in rows),
        "tables": sum(r.get("tables", 0) for r in rows), "table_rows": sum(r.get("table_rows", 0) for r in rows),
        "over_target": over,
    }


def _line(row: dict) -> str:
    if row["outcome"] == "refused":
        return f"refused {row['file']}: {row.get('reason', '')}"
    share = lambda v: "-" if v is None else f"{v:.2%}"  # noqa: E731
    return (
        f"added   {row['file']} ({row['chunks']} chunks) pages={row['pages']} ocr={row['ocr_pages']} "
        f"legacy={row['legacy_font_pages']} tables={row['tables']}/{row['table_rows']} furniture={row['furniture_lines']} "
        f"invalid {share(row['invalid_before'])} -> {share(row['invalid_after'])} {row['seconds']}s"
    )


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


if __name__ == "__main__":
    sys.exit(main())
