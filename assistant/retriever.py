"""The hybrid search as a LangChain retriever (`invoke(question)` -> Documents), for LangChain pipelines and
integrations. The logic is `baocao.assistant.search.HybridSearch`; this class only adapts it.
"""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from baocao.assistant.query import Query
from baocao.assistant.search import FusionWeights, HybridSearch, search_result  # noqa: F401  (re-exported)
from baocao.settings import Settings
from baocao.vectorstore.store import Index, SearchHit


class HybridRetriever(BaseRetriever):
    """`invoke(question)` returns LangChain Documents; `search(question)` the typed hits."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Index
    weights: FusionWeights = FusionWeights()
    k: int = 8
    depth: int = 40  # how deep each single retriever is read before fusion

    @classmethod
    def from_index(cls, index: Index, settings: Settings, **kwargs) -> "HybridRetriever":
        return cls(index=index, weights=FusionWeights.for_settings(settings), **kwargs)

    @classmethod
    def from_search(cls, search: HybridSearch) -> "HybridRetriever":
        return cls.model_construct(index=search.index, weights=search.weights, k=search.k, depth=search.depth)

    def core(self) -> HybridSearch:
        return HybridSearch(self.index, self.weights, self.k, self.depth)

    def ranked_lists(self, query: Query) -> list[tuple[float, list[SearchHit]]]:
        return self.core().ranked_lists(query)

    def search(self, question: str | Query, k: int | None = None) -> list[SearchHit]:
        return self.core().search(question, k)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [to_document(hit) for hit in self.search(query)]


def to_document(hit: SearchHit) -> Document:
    c = hit.chunk
    metadata = {
        "chunk_id": c.chunk_id, "document": c.document, "title": c.title, "section": c.section, "page": c.page,
        "as_of": c.as_of, "kind": c.kind, "score": hit.score,
    }
    return Document(page_content=c.text, metadata={k: v for k, v in metadata.items() if v is not None})


