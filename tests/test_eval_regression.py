"""The fast evaluation subsets in `make test`, one per corpus, each against its own index.

- sample: ~40 dev questions over every type, against the session `sample_index`;
- realdocs: the dev items whose documents are the corpus's `gate_documents` (13 text-layer PDFs and DOCX
  of `../shared/realdocs`, so no OCR), against an index of those documents only, cached by content
  (`eval/corpus_index.py`; skipped with a reason when the shared documents are absent).

Each fails when a gated metric drops below `eval/thresholds.json` (`subset`, `realdocs_subset`), i.e. when
a change makes the answers, citations or retrieval worse. Raise the bar with `baocao eval --write-thresholds`
(eval/README.md).
"""

from __future__ import annotations

import time

import pytest

from baocao.eval import regression
from baocao.eval.dataset import get_corpus, load_split
from baocao.eval.runner import evaluate_baocao

REALDOCS = get_corpus("realdocs")


@pytest.fixture(scope="module")
def subset_report(sample_settings, sample_index):
    items = regression.regression_subset(load_split("questions"))
    start = time.perf_counter()
    report = evaluate_baocao(sample_settings, sample_index, items)
    report["elapsed_s"] = time.perf_counter() - start
    return report


def _check(report: dict, scope: str) -> None:
    thresholds = regression.load_thresholds().get(scope)
    assert thresholds, f"eval/thresholds.json has no '{scope}' section: run `baocao eval --write-thresholds`"
    measured = regression.gated_metrics(report["summary"])
    failures = regression.check(measured, thresholds)
    worst = [f"{i['id']} [{i['type']}]" for i in report["items"] if not i["correct"]]
    assert not failures, "\n".join(failures) + f"\nwrong items: {', '.join(worst)}"


def test_subset_meets_thresholds(subset_report):
    _check(subset_report, "subset")


def test_subset_has_no_errors(subset_report):
    assert subset_report["summary"]["errors"] == 0
    assert subset_report["summary"]["n_items"] >= 35


@pytest.fixture(scope="module")
def realdocs_report(tmp_path_factory, embedder):
    if not REALDOCS.available:
        pytest.skip(f"{REALDOCS.documents_dir} is absent (the shared real documents are not on this machine)")
    from baocao.eval.corpus_index import cached_corpus_index
    from baocao.settings import Settings

    items = regression.realdocs_subset(load_split("realdocs_dev"), REALDOCS)
    built = cached_corpus_index(Settings(home=tmp_path_factory.mktemp("unused")), REALDOCS, lambda _: None,
                                documents=REALDOCS.gate_documents, embedder=embedder, label="realdocs-gate")
    report = evaluate_baocao(built.settings, built.index, items)
    report["failed"] = built.failed
    return report


def test_realdocs_subset_meets_thresholds(realdocs_report):
    _check(realdocs_report, "realdocs_subset")


def test_realdocs_subset_spans_the_plan_types_and_ingests_its_documents(realdocs_report):
    assert realdocs_report["failed"] == {}, realdocs_report["failed"]  # text-layer documents: none refused
    assert realdocs_report["summary"]["errors"] == 0
    types = {i["type"] for i in realdocs_report["items"]}
    assert len(realdocs_report["items"]) >= 25
    assert {"unanswerable", "multi_part", "set_operation", "comparison", "no_diacritics"} <= types
