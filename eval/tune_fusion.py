"""Grid-search `BAOCAO_FUSION_WEIGHTS` on the development split (never the held-out one).

    python -m baocao.eval.tune_fusion            # or: python -m baocao.eval.runner --tune-fusion

Every (dense, bm25, folded) weight triple of `retrieval.weight_grid()` is run through the assistant's
own `HybridRetriever` (each single search is done once and remembered; its date re-ranking included),
scored with the same relevance rule as `baocao eval`, and ranked by recall@8 + nDCG@10 (the passages
the answerer reads, and how high the evidence ranks), MRR breaking ties. Prints the best triples, the
configured one, and each retriever alone (through the same HybridRetriever) for scale.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from baocao.eval import retrieval  # noqa: E402
from baocao.eval.dataset import DEFAULT_CORPUS_DIR, load_split  # noqa: E402

SHOWN = 10
COLUMNS = ("recall@8", "ndcg@10", "mrr", "hit@1", "recall@20")


def _row(label: str, point: retrieval.GridPoint) -> str:
    return f"{label:40s} {point.objective:9.3f} " + " ".join(f"{point.summary.get(c, 0.0):9.3f}" for c in COLUMNS)


def single_retriever_points(points: list[retrieval.GridPoint]) -> dict[str, retrieval.GridPoint]:
    """The grid points where only one retriever has weight: each single retriever on its own."""
    out = {}
    for position, name in enumerate(("dense", "bm25", "bm25_folded")):
        alone = [p for p in points if p.triple[position] > 0 and sum(p.triple) == p.triple[position]]
        if alone:
            out[name] = alone[0]
    return out


def tune(settings, corpus: Path = DEFAULT_CORPUS_DIR, say: Callable[[str], None] = print,
         limit: int | None = None, index=None) -> int:
    from baocao.assistant.service import Assistant

    from baocao.eval.runner import ensure_index, remembered_query_embeddings

    items = load_split("questions", corpus)[:limit] if limit else load_split("questions", corpus)
    index = ensure_index(settings, corpus, say, index)
    searches = retrieval.MemoisedSearches(index)
    locator = retrieval.EvidenceLocator({c.chunk_id: c.text for c in index.all_chunks()})
    configured = Assistant.from_settings(settings, index).retriever  # the retriever users get, every field kept
    n_cases = len(retrieval.retrieval_items(items))
    say(f"Fusion grid on the dev split: {n_cases} questions, embedding model {settings.embedding_model}")
    with remembered_query_embeddings(index.embedder):
        points = retrieval.grid_search(items, searches, locator, configured)
        current = retrieval.grid_search(items, searches, locator, configured, grid=[
            (configured.weights.dense, configured.weights.bm25, configured.weights.folded)])[0]
    header = f"{'weights':40s} {'objective':>9s} " + " ".join(f"{c:>9s}" for c in COLUMNS)
    lines = [header, "-- best --"]
    lines += [_row(p.weights, p) for p in points[:SHOWN]]
    lines += ["-- configured (BAOCAO_FUSION_WEIGHTS) --", _row(current.weights, current)]
    lines += ["-- one retriever alone (through HybridRetriever) --"]
    lines += [_row(f"{name} ({p.weights})", p) for name, p in single_retriever_points(points).items()]
    say("\n".join(lines))
    best = points[0]
    say(f"\nBest on dev: BAOCAO_FUSION_WEIGHTS={best.weights}  (objective recall@8 + nDCG@10 = "
        f"{best.objective:.3f} vs configured {current.objective:.3f}); held-out split not used.")
    return 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    from baocao.settings import get_settings

    parser = argparse.ArgumentParser(prog="python -m baocao.eval.tune_fusion", description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, help="only the first N dev items")
    args = parser.parse_args(argv)
    return tune(get_settings(), limit=args.limit)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
