"""report.html of `baocao eval` in Debian's Chromium (Playwright, no browser download): the failure table is
one line per wrong item, opens on click, filters by split/type/document, searches, sorts; nothing external."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from baocao.eval.report import render_html

CHROMIUM = Path(os.environ.get("BAOCAO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _item(n: int, type_: str, document: str, correct: bool = False) -> dict:
    long_answer = " ".join(["Một câu trả lời rất dài lặp lại nhiều lần để kiểm tra việc thu gọn dòng."] * 30)
    turn = {"question": f"câu hỏi {n}", "standalone": None, "answer": long_answer, "items": [], "grounded": n % 3 != 0,
            "latency_s": 0.01, "must_contain": ["42"], "must_missing": ["42"], "match_levels": {}, "citations": [],
            "citation_scores": {}, "unsupported_facts": [], "error": None}
    return {"id": f"x{n:03d}", "type": type_, "question": f"Câu hỏi số {n} về {type_}?", "gold_answer": "Đáp án 42.",
            "documents": [document], "answerable": True, "turns": [turn], "correct": correct, "must_contain_recall": 0.0,
            "set_scores": None, "retrieval": {}, "retrieved": [], "parts": None}


def _split(label: str, items: list[dict]) -> dict:
    summary = {"n_items": len(items), "n_questions": len(items), "latency": {"p50": 0.01, "p95": 0.02, "max": 0.03},
               "retrieval": {}, "main_retriever": "fused"}
    return {"label": label, "corpus": "t", "systems": {"baocao": {"summary": summary, "by_type": {}, "by_document": {},
                                                                   "items": items}}}


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    dev = [_item(n, t, d) for n, (t, d) in enumerate([("numeric", "a.pdf"), ("list", "b.docx"), ("numeric", "b.docx"),
                                                      ("unanswerable", "a.pdf")] * 5)]
    dev.append(_item(99, "numeric", "a.pdf", correct=True))
    held = [_item(100 + n, "comparison", "c.doc") for n in range(6)]
    results = {"meta": {"date": "2026-01-01", "machine": {}, "timings": {}},
               "splits": {"realdocs_dev": _split("realdocs dev", dev), "realdocs_heldout": _split("realdocs held-out", held)}}
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_html(results), encoding="utf-8")
    return path


def test_report_is_self_contained(report):
    text = report.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=['"]?(https?:)?//""", text)
    assert "<script>" in text and "id='failures'" in text


@pytest.fixture(scope="module")
def page(report):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (apt-get install chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(report.as_uri())
        page.wait_for_selector("#failures tr.row")
        yield page
        assert not errors, errors
        browser.close()


def _visible_rows(page) -> int:
    return page.evaluate("() => [...document.querySelectorAll('#failures tr.row')].filter(r => !r.hidden).length")


def test_rows_are_one_line_and_open_on_click(page):
    assert _visible_rows(page) == 26  # 20 dev + 6 held-out wrong items; the right one is not listed
    height = page.evaluate("() => document.querySelector('#failures tr.row').getBoundingClientRect().height")
    assert height < 40
    table_height = page.evaluate("() => document.getElementById('failures').getBoundingClientRect().height")
    assert table_height < 26 * 40 + 60
    first = page.locator("#failures tr.row").first
    assert page.locator("#failures tr.detail").first.is_hidden()
    first.click()
    assert page.locator("#failures tr.detail").first.is_visible()
    assert "Đáp án 42" in page.locator("#failures tr.detail").first.inner_text()
    first.click()
    assert page.locator("#failures tr.detail").first.is_hidden()


def test_filters_and_search(page):
    page.select_option("select[data-key=split]", "realdocs held-out")
    assert _visible_rows(page) == 6
    page.select_option("select[data-key=split]", "")
    page.select_option("select[data-key=type]", "numeric")
    assert _visible_rows(page) == 10
    page.select_option("select[data-key=documents]", "b.docx")
    assert _visible_rows(page) == 5
    page.select_option("select[data-key=type]", "")
    page.select_option("select[data-key=documents]", "")
    page.fill("#f-search", "x104")
    assert _visible_rows(page) == 1
    page.fill("#f-search", "")
    assert "26 of 26" in page.inner_text("#f-count")


def test_sort_by_column(page):
    ids = lambda: page.evaluate("() => [...document.querySelectorAll('#failures tr.row')].map(r => r.cells[2].textContent)")
    page.click("#failures thead th:nth-child(3)")
    assert ids() == sorted(ids())
    page.click("#failures thead th:nth-child(3)")
    assert ids() == sorted(ids(), reverse=True)
    # each detail row still follows its row
    assert page.evaluate("() => [...document.querySelectorAll('#failures tr.row')].every(r => r.nextElementSibling.classList.contains('detail'))")
