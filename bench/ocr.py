"""OCR speed and quality: seconds per page (render and Tesseract), invalid-syllable share of the result,
and, on born-digital pages whose text layer is the truth, the share of its words that OCR recovers.

Pages: the first two pages of every scan and bad-OCR-layer file in ../shared/realdocs (phone photos,
print-to-PDF rasters, vector-outlined glyphs), and three pages of the Online2PDF law rendered and
read as if they were scans. Pages are read one at a time (1 worker) for the per-page seconds, then
all together with BAOCAO_OCR_WORKERS processes for the throughput.

    .venv/bin/python bench/ocr.py          # writes bench/results/ocr.json (~5-10 min on 2 cores)
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("BAOCAO_OCR_CACHE", "0")  # timed: every page is read afresh, never from the read cache
REALDOCS = ROOT.parent / "shared" / "realdocs"
RESULTS = ROOT / "bench" / "results" / "ocr.json"
DIGITAL = "legal/luat-phong-chong-ma-tuy-2021_online2pdf.pdf"
DIGITAL_PAGES = (2, 9, 17)


def sample_pages() -> list[tuple[str, int]]:
    pages = []
    for path in sorted(REALDOCS.rglob("*.pdf")):
        if "_scan" in path.name or "_bad-ocr" in path.name:
            pages += [(str(path.relative_to(REALDOCS)), n) for n in (1, 2)]
    return pages


def words(text: str) -> Counter:
    from baocao.ingest.quality import _TOKEN
    from baocao.ingest.vietnamese import nfc

    return Counter(w.strip(".,;:()\"'“”").lower() for w in _TOKEN.findall(nfc(text)) if any(c.isalpha() for c in w))


def main() -> int:
    import pypdfium2 as pdfium

    from baocao.ingest.ocr import OcrOptions, ocr_image, render_page, unavailable_reason

    if not REALDOCS.is_dir():
        print(f"skipped: {REALDOCS} is not there", file=sys.stderr)
        return 0
    options = OcrOptions.from_environment()
    problem = unavailable_reason(options)
    if problem:
        print(f"skipped: {problem}", file=sys.stderr)
        return 0
    load_at_start = os.getloadavg()
    rows, images = [], []
    targets = [(name, n, None) for name, n in sample_pages()] + [(DIGITAL, n, "digital") for n in DIGITAL_PAGES]
    for name, number, kind in targets:
        document = pdfium.PdfDocument(str(REALDOCS / name))
        if number > len(document):
            continue
        page = document[number - 1]
        started = time.monotonic()
        image = render_page(page, options.dpi)
        render_s = time.monotonic() - started
        truth = None
        if kind == "digital":
            textpage = page.get_textpage()
            truth = textpage.get_text_range()
            textpage.close()
        page.close()
        document.close()
        result = ocr_image(image, OcrOptions(**{**options.__dict__, "workers": 1}))
        row = {
            "file": name, "page": number, "kind": kind or ("bad-ocr layer" if "_bad-ocr" in name else "scan"),
            "pixels": image.width * image.height, "render_s": round(render_s, 2), "ocr_s": round(result.seconds, 2),
            "invalid_share": round(result.invalid_share, 4), "words": result.quality.judged,
            "rotation": result.rotation,
        }
        if truth is not None:
            expected, got = words(truth), words(result.text)
            row["word_recall"] = round(sum((expected & got).values()) / max(sum(expected.values()), 1), 4)
        rows.append(row)
        images.append(image)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=options.workers) as pool:
        list(pool.map(lambda im: ocr_image(im, OcrOptions(**{**options.__dict__, "workers": 1})), images))
    parallel_s = time.monotonic() - started
    per_page = [r["render_s"] + r["ocr_s"] for r in rows]
    summary = {
        "pages": len(rows),
        "seconds_per_page_median": round(statistics.median(per_page), 2),
        "seconds_per_page_p90": round(sorted(per_page)[int(0.9 * (len(per_page) - 1))], 2),
        "throughput_seconds_per_page": round(parallel_s / len(rows), 2),
        "workers": options.workers,
        "invalid_share_median": round(statistics.median(r["invalid_share"] for r in rows), 4),
        "pages_over_3_percent": sum(r["invalid_share"] > 0.03 for r in rows),
        "digital_word_recall": [r["word_recall"] for r in rows if "word_recall" in r],
    }
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_at_start": [round(x, 2) for x in load_at_start],
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "tesseract": _tesseract_version(), "languages": options.languages, "dpi": options.dpi,
        "summary": summary, "pages": rows,
    }
    print(json.dumps(summary, indent=1))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


def _tesseract_version() -> str:
    import pytesseract

    return str(pytesseract.get_tesseract_version())


if __name__ == "__main__":
    sys.exit(main())
