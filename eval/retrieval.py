"""Retrieval evaluation: where the evidence is, what each retriever ranks, and how well.

A passage is *relevant* to an item when it contains one of the item's evidence quotes
(`metrics.PassageEvidence`: exact after `normalise_for_match`, or ≥ 80% of the quote's words in order).
Retrievers measured for baocao: `dense` (Chroma, the question as asked), `bm25` (plain BM25 over the
question and its expansions), `bm25_folded` (the same without diacritics) and `fused` (the assistant's
`HybridRetriever` with the configured `BAOCAO_FUSION_WEIGHTS`); the baseline adds its own `baseline`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from baocao.eval import metrics
from baocao.eval.dataset import EvalItem

KS: tuple[int, ...] = (1, 3, 5, 8, 10, 20)  # 8: what the assistant reads; 4: what the textbook baseline reads
CURVE_KS: tuple[int, ...] = tuple(range(1, 21))
DEPTH = 40  # how deep every single list is read (the HybridRetriever's default depth)
SINGLE_RETRIEVERS: tuple[str, ...] = ("dense", "bm25", "bm25_folded")
ANSWER_K = 8  # the fused list the assistant's answerer reads


def retrieval_items(items: Iterable[EvalItem]) -> list[EvalItem]:
    """Items retrieval is scored on: answerable, single-turn (a follow-up has no standalone question of its own)."""
    return [i for i in items if i.evidence and not i.conversation]


# ---------------------------------------------------------------------------- where the evidence is


class EvidenceLocator:
    """Which passages of a collection contain which quotes (each passage normalised once, each quote scanned once)."""

    def __init__(self, passages: dict[str, str]):
        self._texts = passages
        self._evidence: dict[str, metrics.PassageEvidence] = {}
        self._by_quote: dict[str, dict[str, str]] = {}  # quote -> chunk_id -> exact|fuzzy

    def _passage(self, chunk_id: str) -> metrics.PassageEvidence:
        if chunk_id not in self._evidence:
            self._evidence[chunk_id] = metrics.PassageEvidence(self._texts[chunk_id])
        return self._evidence[chunk_id]

    def passages_with(self, quote: str) -> dict[str, str]:
        if quote not in self._by_quote:
            found = {}
            for chunk_id in self._texts:
                level = self._passage(chunk_id).match(quote)
                if level:
                    found[chunk_id] = level
            self._by_quote[quote] = found
        return self._by_quote[quote]

    def coverage(self, quotes: Sequence[str]) -> dict[str, set[int]]:
        """chunk_id -> indices of the quotes it contains, over the whole collection."""
        out: dict[str, set[int]] = {}
        for n, quote in enumerate(quotes):
            for chunk_id in self.passages_with(quote):
                out.setdefault(chunk_id, set()).add(n)
        return out

    def match_levels(self, quotes: Sequence[str]) -> list[str | None]:
        """For each quote, the best match anywhere: exact, fuzzy, or None (lost in ingestion/chunking)."""
        out = []
        for quote in quotes:
            levels = set(self.passages_with(quote).values())
            out.append("exact" if "exact" in levels else "fuzzy" if levels else None)
        return out


# ---------------------------------------------------------------------------- scoring one ranking


@dataclass
class RankingScores:
    hit: dict[int, float]
    recall: dict[int, float]
    mrr: float
    ndcg10: float
    first_relevant_rank: int | None
    relevant_ranks: list[int] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            **{f"hit@{k}": v for k, v in self.hit.items()},
            **{f"recall@{k}": v for k, v in self.recall.items()},
            "mrr": self.mrr, "ndcg@10": self.ndcg10, "first_relevant_rank": self.first_relevant_rank,
        }


def score_ranking(ranked_ids: Sequence[str], coverage: dict[str, set[int]], n_quotes: int,
                  ks: Sequence[int] = CURVE_KS) -> RankingScores:
    ranked = [coverage.get(cid, set()) for cid in ranked_ids]
    relevant_ranks = [r for r, covers in enumerate(ranked, start=1) if covers]
    return RankingScores(
        hit={k: metrics.hit_at_k(ranked, k) for k in ks},
        recall={k: metrics.recall_at_k(ranked, k, n_quotes) for k in ks},
        mrr=metrics.reciprocal_rank(ranked),
        ndcg10=metrics.ndcg_at_k(ranked, list(coverage.values()), 10),
        first_relevant_rank=relevant_ranks[0] if relevant_ranks else None,
        relevant_ranks=relevant_ranks,
    )


def summarise_rankings(scores: Sequence[RankingScores], ks: Sequence[int] = CURVE_KS) -> dict:
    """Means over items: hit@k, recall@k for every k, MRR, nDCG@10."""
    if not scores:
        return {"n": 0}
    out: dict = {"n": len(scores)}
    for k in ks:
        out[f"hit@{k}"] = metrics.mean(s.hit[k] for s in scores)
        out[f"recall@{k}"] = metrics.mean(s.recall[k] for s in scores)
    out["mrr"] = metrics.mean(s.mrr for s in scores)
    out["ndcg@10"] = metrics.mean(s.ndcg10 for s in scores)
    return out


# ---------------------------------------------------------------------------- baocao's retrievers


class MemoisedSearches:
    """An `Index` whose searches are remembered, so every retriever, the fused list and a whole grid of
    fusion weights read each (query, retriever) once. Everything else is the index's own."""

    def __init__(self, index):
        self._index = index
        self._lexical: dict[tuple[str, bool], list] = {}
        self._dense: dict[str, list] = {}

    def __getattr__(self, name):
        return getattr(self._index, name)

    def search_lexical(self, query: str, k: int = 20, *, fold: bool = False):
        key = (query, fold)
        if key not in self._lexical or len(self._lexical[key]) < k <= DEPTH:
            self._lexical[key] = self._index.search_lexical(query, max(k, DEPTH), fold=fold)
        return _copies(self._lexical[key][:k])

    def search_dense(self, query: str, k: int = 20):
        if query not in self._dense:
            self._dense[query] = self._index.search_dense(query, max(k, DEPTH))
        return _copies(self._dense[query][:k])


def _copies(hits: list) -> list:
    """Fresh hit objects: a re-ranker may change scores in place, and the remembered lists must not change."""
    return [type(h)(h.chunk, h.score) for h in hits]


def hybrid_retriever(searches: MemoisedSearches, weights=None, base=None):
    """The assistant's retriever (`base`, every field kept) over the memoised searches, optionally with other
    weights. Copied without validation, since the memoised index is a stand-in for the real one."""
    from baocao.assistant.search import HybridSearch

    if base is None:
        return HybridSearch(index=searches, weights=weights)
    return HybridSearch(index=searches, weights=weights if weights is not None else base.weights, k=base.k, depth=base.depth)


def search_text(query) -> str:
    return getattr(query, "search_text", None) or query.text


def baocao_rankings(searches: MemoisedSearches, retriever, question: str, k: int = 20) -> dict[str, list]:
    """The top-k chunks of each single retriever and of the fused list, for one question."""
    from baocao.assistant.query import understand

    query = understand(question)
    text = search_text(query)
    return {
        "dense": [h.chunk for h in searches.search_dense(query.text, k)],
        "bm25": [h.chunk for h in searches.search_lexical(text, k)],
        "bm25_folded": [h.chunk for h in searches.search_lexical(text, k, fold=True)],
        "fused": [h.chunk for h in retriever.search(query, k)],
    }


def fusion_check(summaries: dict[str, dict], metric_names: Sequence[str] = (f"recall@{ANSWER_K}", "ndcg@10", "mrr")) -> dict:
    """Is the fused list at least as good as the best single retriever, metric by metric?"""
    out = {}
    for name in metric_names:
        singles = {r: summaries[r].get(name) for r in SINGLE_RETRIEVERS if r in summaries}
        singles = {r: v for r, v in singles.items() if v is not None}
        fused = summaries.get("fused", {}).get(name)
        if not singles or fused is None:
            continue
        best = max(singles, key=singles.get)
        out[name] = {"fused": fused, "best_single": best, "best_single_value": singles[best],
                     "ok": fused >= singles[best] - 1e-9}
    return out


# ---------------------------------------------------------------------------- fusion grid

DENSE_GRID = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0)
LEXICAL_GRID = (0.0, 0.5, 1.0, 2.0)


def weight_grid() -> list[tuple[float, float, float]]:
    """(dense, bm25, folded) triples; RRF is scale-invariant, so proportional triples are kept once."""
    seen, grid = set(), []
    for dense in DENSE_GRID:
        for bm25 in LEXICAL_GRID:
            for folded in LEXICAL_GRID:
                total = dense + bm25 + folded
                if total == 0:
                    continue
                key = tuple(round(w / total, 6) for w in (dense, bm25, folded))
                if key not in seen:
                    seen.add(key)
                    grid.append((dense, bm25, folded))
    return grid


def format_weights(dense: float, bm25: float, folded: float) -> str:
    return f"dense={dense:g},bm25={bm25:g},folded={folded:g}"


# What the tuner maximises: the passages the answerer reads (recall@8) and how high the evidence ranks
# (nDCG@10), summed; MRR breaks ties. recall@8 alone picks among near-ties that differ by one question.
OBJECTIVE: tuple[str, ...] = (f"recall@{ANSWER_K}", "ndcg@10")


@dataclass
class GridPoint:
    weights: str
    summary: dict
    triple: tuple[float, float, float] = (0.0, 0.0, 0.0)  # dense, bm25, folded

    @property
    def objective(self) -> float:
        return sum(self.summary.get(m) or 0.0 for m in OBJECTIVE)

    def key(self) -> tuple[float, float]:
        return round(self.objective, 9), self.summary.get("mrr") or 0.0


def grid_search(items: Sequence[EvalItem], searches: MemoisedSearches, locator: EvidenceLocator,
                base_retriever=None, grid: Iterable[tuple[float, float, float]] | None = None,
                progress: Callable[[int, int], None] | None = None) -> list[GridPoint]:
    """Every weight triple scored on the items, best first (see OBJECTIVE)."""
    from baocao.assistant.query import understand
    from baocao.assistant.search import FusionWeights

    cases = [(understand(i.question), [e.quote for e in i.evidence]) for i in retrieval_items(items)]
    coverages = [locator.coverage(quotes) for _, quotes in cases]
    points = []
    triples = list(grid or weight_grid())
    for n, (dense, bm25, folded) in enumerate(triples, start=1):
        retriever = hybrid_retriever(searches, FusionWeights(dense=dense, bm25=bm25, folded=folded), base_retriever)
        scores = [
            score_ranking([h.chunk.chunk_id for h in retriever.search(query, 20)], coverage, len(quotes))
            for (query, quotes), coverage in zip(cases, coverages)
        ]
        points.append(GridPoint(format_weights(dense, bm25, folded), summarise_rankings(scores), (dense, bm25, folded)))
        if progress:
            progress(n, len(triples))
    return sorted(points, key=lambda p: p.key(), reverse=True)
