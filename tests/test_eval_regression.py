"""The fast evaluation subset in `make test`: ~40 dev questions over every type, against the session index.

Fails when a gated metric drops below `eval/thresholds.json` (`subset`), i.e. when a change makes the
answers, citations or retrieval worse. Raise the bar with `baocao eval --write-thresholds` (eval/README.md).
"""

from __future__ import annotations

import time

import pytest

from baocao.eval import regression
from baocao.eval.dataset import load_split
from baocao.eval.runner import evaluate_baocao

TIME_BUDGET_S = 120


@pytest.fixture(scope="module")
def subset_report(sample_settings, sample_index):
    items = regression.regression_subset(load_split("questions"))
    start = time.perf_counter()
    report = evaluate_baocao(sample_settings, sample_index, items)
    report["elapsed_s"] = time.perf_counter() - start
    return report


def test_subset_meets_thresholds(subset_report):
    thresholds = regression.load_thresholds().get("subset")
    assert thresholds, "eval/thresholds.json has no 'subset' section: run `baocao eval --write-thresholds`"
    measured = regression.gated_metrics(subset_report["summary"])
    failures = regression.check(measured, thresholds)
    worst = [f"{i['id']} [{i['type']}]" for i in subset_report["items"] if not i["correct"]]
    assert not failures, "\n".join(failures) + f"\nwrong items: {', '.join(worst)}"


def test_subset_has_no_errors_and_stays_fast(subset_report):
    assert subset_report["summary"]["errors"] == 0
    assert subset_report["summary"]["n_items"] >= 35
    assert subset_report["elapsed_s"] < TIME_BUDGET_S
