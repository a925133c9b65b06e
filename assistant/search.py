"""Hybrid search: BM25 plain + BM25 folded (+ Chroma dense), fused by weighted RRF, re-ranked by date.

Weights are per embedding model (settings, chosen with the evaluation suite): the offline MiniLM is
weak on Vietnamese, so by default it only breaks ties; a strong Vietnamese embedder earns a larger weight.
`HybridSearch` is what the assistant asks (no LangChain import on the answering path: the CLI's cold
start); `baocao.assistant.retriever.HybridRetriever` is the same search as a LangChain `BaseRetriever`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from baocao.assistant.query import Query, understand
from baocao.settings import Settings
from baocao.ingest.models import Chunk
from baocao.vectorstore.store import Index, SearchHit

RRF_K = 60


@dataclass
class FusionWeights:
    dense: float = 0.25
    bm25: float = 1.0
    folded: float = 1.0

    @classmethod
    def parse(cls, spec: str) -> "FusionWeights":
        """`dense=0.25,bm25=1,folded=1`"""
        values = dict(part.split("=") for part in spec.replace(" ", "").split(",") if part)
        return cls(**{k: float(v) for k, v in values.items()})

    @classmethod
    def for_settings(cls, settings: Settings) -> "FusionWeights":
        """The weights per embedding model live in baocao/settings.py (TUNED_FUSION_WEIGHTS): the index reads them too."""
        return cls.parse(settings.fusion_spec())


def fuse(ranked_lists: list[tuple[float, list[SearchHit]]], k: int) -> list[SearchHit]:
    """Weighted reciprocal-rank fusion; the score is the fused score."""
    scores: dict[str, float] = {}
    chunks: dict[str, Chunk] = {}
    for weight, hits in ranked_lists:
        if weight <= 0:
            continue
        for rank, hit in enumerate(hits):
            cid = hit.chunk.chunk_id
            scores[cid] = scores.get(cid, 0.0) + weight / (RRF_K + rank + 1)
            chunks[cid] = hit.chunk
    best = sorted(scores, key=scores.get, reverse=True)[:k]
    return [SearchHit(chunks[cid], scores[cid]) for cid in best]


DATE_BOOST = 1.25


def prefer_dates(query: Query, hits: list[SearchHit]) -> list[SearchHit]:
    """Time cues re-rank: passages as of the asked period first; for "mới nhất"/"hiện nay", newer first."""
    if query.period:
        start, end = query.period[0][:7], query.period[1][:7]
        for hit in hits:
            if hit.chunk.as_of and start <= hit.chunk.as_of[:7] <= end:
                hit.score *= DATE_BOOST
    elif query.wants_latest:
        dates = sorted({h.chunk.as_of[:7] for h in hits if h.chunk.as_of})
        for hit in hits:
            if hit.chunk.as_of:
                hit.score *= 1 + 0.1 * dates.index(hit.chunk.as_of[:7]) / max(1, len(dates) - 1)
    return sorted(hits, key=lambda h: h.score, reverse=True)


@dataclass
class HybridSearch:
    """`search(question)` returns the typed hits, best first."""

    index: Index
    weights: FusionWeights = field(default_factory=FusionWeights)
    k: int = 8
    depth: int = 40  # how deep each single retriever is read before fusion

    @classmethod
    def from_index(cls, index: Index, settings: Settings, **kwargs) -> "HybridSearch":
        return cls(index=index, weights=FusionWeights.for_settings(settings), **kwargs)

    def ranked_lists(self, query: Query) -> list[tuple[float, list[SearchHit]]]:
        text = query.search_text
        lists = [
            (self.weights.bm25 if query.has_diacritics else 0.0, self.index.search_lexical(text, self.depth)),
            (self.weights.folded, self.index.search_lexical(text, self.depth, fold=True)),
        ]
        if self.weights.dense > 0:
            lists.append((self.weights.dense, self.index.search_dense(query.text, self.depth)))
        return lists

    def search(self, question: str | Query, k: int | None = None) -> list[SearchHit]:
        query = understand(question) if isinstance(question, str) else question
        fused = fuse(self.ranked_lists(query), self.depth)
        return prefer_dates(query, fused)[: k or self.k]


def search_result(hit: SearchHit) -> dict:
    """One result of `baocao search --json` and `POST /api/search` (CONTRACT.md)."""
    c = hit.chunk
    return {
        "text": c.text, "document": c.document, "title": c.title, "section": c.section, "page": c.page,
        "as_of": c.as_of, "score": round(hit.score, 4), "chunk_id": c.chunk_id, "kind": c.kind, "footnotes": c.footnotes,
    }
