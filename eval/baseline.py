"""The textbook LangChain RAG over the same corpus, answering with the same generator as baocao.

What a developer builds in an afternoon from the LangChain tutorials:
`RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)` over the raw text files,
`HuggingFaceEmbeddings` on the same embedding model as baocao, `langchain_chroma.Chroma` in a temp
dir, the top 4 passages. The retrieved Documents are handed to baocao's own extractive answerer
(`assistant.extractive.extractive_answer`), so only ingestion and retrieval differ between the two.
It keeps no conversation state: every turn of a conversation is asked on its own.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from baocao.assistant.models import Answer
from baocao.settings import Settings
from baocao.ingest.models import Chunk
from baocao.vectorstore.store import SearchHit

CHUNK_SIZE, CHUNK_OVERLAP = 1000, 200
TOP_K = 4
RANK_DEPTH = 20  # how deep retrieval metrics read the baseline's ranking
TEXT_SUFFIXES = (".txt", ".md")


def raw_documents(corpus_dir: Path):
    """The corpus files as LangChain Documents, as read (no repair, no clean-up, no structure)."""
    from langchain_core.documents import Document

    files = sorted(p for p in Path(corpus_dir).iterdir() if p.suffix.lower() in TEXT_SUFFIXES)
    return [Document(page_content=p.read_text(encoding="utf-8", errors="replace"), metadata={"source": p.name})
            for p in files]


def split_documents(documents):
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    return splitter.split_documents(documents)


def textbook_embeddings(settings: Settings):
    """HuggingFaceEmbeddings on the model baocao uses (the same local path, the same prefixes if any)."""
    from langchain_huggingface import HuggingFaceEmbeddings

    from baocao.vectorstore.embedder import resolve_model

    encode = {"prompt": settings.embedding_passage_prefix} if settings.embedding_passage_prefix else {}
    query = {"prompt": settings.embedding_query_prefix} if settings.embedding_query_prefix else {}
    return HuggingFaceEmbeddings(
        model_name=resolve_model(settings.embedding_model), model_kwargs={"device": settings.embedding_device},
        encode_kwargs=encode, query_encode_kwargs=query,
    )


def as_chunk(chunk_id: str, document) -> Chunk:
    """A textbook split as baocao's Chunk: no title, section or dates (the textbook path extracts none)."""
    source = document.metadata.get("source", "")
    return Chunk(chunk_id=chunk_id, doc_id=source, document=source, title=Path(source).stem, section="",
                 text=document.page_content)


class TextbookRag:
    """`ask(question)` like the Assistant; `rank(question)` the top passages for retrieval metrics."""

    name = "baseline"

    def __init__(self, settings: Settings, corpus_dir: Path, workdir: Path | None = None):
        from langchain_chroma import Chroma

        from baocao.assistant.evidence import TermWeights

        self._owned_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="baocao-baseline-"))
        splits = split_documents(raw_documents(corpus_dir))
        ids = [f"textbook-{n:05d}" for n in range(len(splits))]
        self.chunks: dict[str, Chunk] = {cid: as_chunk(cid, d) for cid, d in zip(ids, splits)}
        self.store = Chroma.from_documents(
            splits, textbook_embeddings(settings), ids=ids, collection_name="textbook",
            persist_directory=str(self.workdir / "chroma"),
        )
        self.weights = TermWeights(list(self.chunks.values()))
        self._ranked: dict[str, list[SearchHit]] = {}

    def _search(self, question: str) -> list[SearchHit]:
        if question not in self._ranked:
            found = self.store.similarity_search_with_score(question, k=RANK_DEPTH)
            self._ranked[question] = [SearchHit(self.chunks[d.id], -float(distance)) for d, distance in found]
        return self._ranked[question]

    def ask(self, question: str, conversation_id: str | None = None) -> Answer:
        from baocao.assistant.compose import refusal
        from baocao.assistant.extractive import extractive_answer
        from baocao.assistant.query import understand

        hits = self._search(question)[:TOP_K]
        if not hits:
            return refusal([])
        return extractive_answer(understand(question), hits, self.weights)

    def rank(self, question: str) -> dict[str, list[Chunk]]:
        return {"baseline": [h.chunk for h in self._search(question)]}

    def chunk(self, chunk_id: str) -> Chunk | None:
        return self.chunks.get(chunk_id)

    def passages(self) -> dict[str, str]:
        return {cid: c.text for cid, c in self.chunks.items()}

    def close(self) -> None:
        if self._owned_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)
