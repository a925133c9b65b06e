"""The bar a change must clear: metrics gated in CI, the fast subsets, thresholds read and written.

`eval/thresholds.json` holds, per scope, a `min` for every higher-is-better metric and a `max` for the
lower-is-better ones. Scopes (`SCOPES`): `subset` (the ~40 sample questions `make test` runs) and
`questions` (the whole sample dev split); `realdocs_subset` (the realdocs dev items over the corpus's
`gate_documents`, which have a text layer, so the gate needs no OCR) and `realdocs_dev` (the whole
realdocs dev split). `baocao eval --write-thresholds` sets them to the measured value minus (plus) a
small margin, from dev splits only; see `eval/README.md`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Sequence

from baocao.eval.dataset import TYPES, Corpus, EvalItem

THRESHOLDS_PATH = Path(__file__).resolve().parent / "thresholds.json"
PER_TYPE = 3  # the subset: the first 3 development items of every type (14 sample types -> 42 items)
REALDOCS_PER_TYPE = 2
#: scope in thresholds.json -> (split of the results, whether it is that split's regression subset)
SCOPES: dict[str, tuple[str, bool]] = {
    "subset": ("questions", True), "questions": ("questions", False),
    "realdocs_subset": ("realdocs_dev", True), "realdocs_dev": ("realdocs_dev", False),
}
MARGIN = 0.03  # about one question of the subset

# summary key -> name in thresholds.json; all higher-is-better except those in LOWER_IS_BETTER
GATED = {
    "answer_accuracy": "answer_accuracy",
    "must_contain_recall": "must_contain_recall",
    "set_f1": "set_f1",
    "refusal_accuracy": "refusal_accuracy",
    "false_refusal_rate": "false_refusal_rate",
    "citation_precision": "citation_precision",
    "citation_recall": "citation_recall",
    "faithfulness": "faithfulness",
    "quote_verbatim": "quote_verbatim",
    "retrieval.fused.recall@8": "fused_recall@8",
    "retrieval.fused.ndcg@10": "fused_ndcg@10",
    "retrieval.fused.mrr": "fused_mrr",
}
LOWER_IS_BETTER = frozenset({"false_refusal_rate"})


def regression_subset(items: Sequence[EvalItem], per_type: int = PER_TYPE,
                      documents: Sequence[str] | None = None) -> list[EvalItem]:
    """A fixed, type-balanced slice of a development split (file order, so it only changes with the file);
    with `documents`, only items all of whose documents are among them."""
    allowed = set(documents) if documents is not None else None
    pool = [i for i in items if allowed is None or (i.split_documents and set(i.split_documents) <= allowed)]
    chosen: list[EvalItem] = []
    for t in TYPES:
        chosen.extend([i for i in pool if i.type == t][:per_type])
    return chosen


def realdocs_subset(items: Sequence[EvalItem], corpus: Corpus) -> list[EvalItem]:
    """The realdocs gate: dev items over the corpus's `gate_documents` (text-layer PDFs and DOCX)."""
    return regression_subset(items, REALDOCS_PER_TYPE, corpus.gate_documents)


def subset_for(corpus: Corpus, view: str, items: Sequence[EvalItem]) -> list[EvalItem] | None:
    """The regression subset reported with a split, if that split is gated."""
    if corpus.name == "sample" and view == "questions":
        return regression_subset(items)
    if corpus.name == "realdocs" and view == "realdocs_dev":
        return realdocs_subset(items, corpus)
    return None


def _lookup(summary: dict, dotted: str):
    value = summary
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def gated_metrics(summary: dict) -> dict[str, float]:
    """The gated metrics of one system summary (metrics that could not be measured are left out)."""
    out = {}
    for key, name in GATED.items():
        value = _lookup(summary, key)
        if isinstance(value, (int, float)):
            out[name] = float(value)
    return out


def thresholds_from(measured: dict[str, float], margin: float = MARGIN) -> dict[str, dict[str, float]]:
    """min = measured - margin (rounded down), max = measured + margin (rounded up), clipped to [0, 1]."""
    out: dict[str, dict[str, float]] = {"min": {}, "max": {}}
    for name, value in sorted(measured.items()):
        if name in LOWER_IS_BETTER:
            out["max"][name] = min(1.0, math.ceil(round((value + margin) * 100, 6)) / 100)
        else:
            out["min"][name] = max(0.0, math.floor(round((value - margin) * 100, 6)) / 100)
    return out


def check(measured: dict[str, float], thresholds: dict[str, dict[str, float]]) -> list[str]:
    """One line per metric below its min (above its max); a gated metric that was not measured fails too."""
    failures = []
    for name, floor in thresholds.get("min", {}).items():
        value = measured.get(name)
        if value is None or value < floor:
            failures.append(f"{name} = {_fmt(value)} < min {floor}")
    for name, ceiling in thresholds.get("max", {}).items():
        value = measured.get(name)
        if value is None or value > ceiling:
            failures.append(f"{name} = {_fmt(value)} > max {ceiling}")
    return failures


def _fmt(value: float | None) -> str:
    return "not measured" if value is None else f"{value:.3f}"


def load_thresholds(path: Path = THRESHOLDS_PATH) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def write_thresholds(scopes: dict[str, dict[str, float]], meta: dict, path: Path = THRESHOLDS_PATH,
                     margin: float = MARGIN) -> dict:
    """Write thresholds for each scope (e.g. `subset`, `questions`) from the measured metrics."""
    old = load_thresholds(path)
    kept = {scope: old[scope] for scope in SCOPES if scope in old and scope not in scopes}
    measured = {**{k: v for k, v in old.get("measured", {}).items() if k in kept}, **scopes}
    data = {
        "_comment": "Written by `baocao eval --write-thresholds`: measured minus (plus) the margin. "
                    "min: higher is better; max: lower is better. Scopes not measured by the run are kept. "
                    "See eval/README.md.",
        "margin": margin,
        "measured_on": meta,
        **kept,
        **{scope: thresholds_from(m, margin) for scope, m in scopes.items()},
        "measured": measured,
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return data
