"""The index: Chroma (embedded or server) holds chunks and one commit record per document; BM25 is derived.

Consistency without transactions: a document's chunks are written first, then its commit record
(keyed by file name, so a changed file swaps atomically), then the old version's chunks are removed.
Readers only see chunks whose `doc_id` has a commit record, so an ingest that dies half way leaves the
index as it was; orphans are swept on the next write. The BM25 snapshot is rebuilt whenever the set of
committed documents changes (its generation).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlparse

import chromadb
from chromadb.config import Settings as ChromaSettings

from baocao.settings import Settings
from baocao.ingest.models import Chunk, IngestedDocument, TaskRecord
from baocao.vectorstore.embedder import SentenceEmbedder
from baocao.vectorstore.lexical import LexicalHit, LexicalIndex

REFRESH_SECONDS = 2.0


class IndexConfigError(Exception):
    """The index cannot be used as configured (e.g. built with another embedding model)."""


@dataclass
class DocumentRecord:
    doc_id: str
    document: str
    title: str
    issuer: str | None
    report_date: str | None
    as_of: str | None
    chunks: int
    chars: int
    ingested_at: float


@dataclass
class SearchHit:
    chunk: Chunk
    score: float


def _record_id(document: str) -> str:
    return hashlib.sha1(document.encode("utf-8")).hexdigest()


def _clean_metadata(values: dict) -> dict:
    return {k: v for k, v in values.items() if v is not None}


def chunk_metadata(chunk: Chunk) -> dict:
    return _clean_metadata({
        "doc_id": chunk.doc_id, "document": chunk.document, "title": chunk.title, "section": chunk.section,
        "page": chunk.page, "issuer": chunk.issuer, "report_date": chunk.report_date, "as_of": chunk.as_of,
        "number": chunk.number, "doc_kind": chunk.doc_kind, "signer": chunk.signer,
        "kind": chunk.kind, "order": chunk.order, "annotates": chunk.annotates, "context": chunk.context,
        "footnotes": json.dumps(chunk.footnotes, ensure_ascii=False) if chunk.footnotes else None,
        "task": json.dumps(asdict(chunk.task), ensure_ascii=False) if chunk.task else None,
    })


def chunk_from_record(chunk_id: str, text: str, meta: dict) -> Chunk:
    task = TaskRecord(**json.loads(meta["task"])) if meta.get("task") else None
    return Chunk(
        chunk_id=chunk_id, doc_id=meta["doc_id"], document=meta["document"], title=meta.get("title", ""),
        section=meta.get("section", ""), text=text, page=meta.get("page"), issuer=meta.get("issuer"),
        report_date=meta.get("report_date"), as_of=meta.get("as_of"), kind=meta.get("kind", "text"),
        number=meta.get("number"), doc_kind=meta.get("doc_kind"), signer=meta.get("signer"),
        footnotes=json.loads(meta["footnotes"]) if meta.get("footnotes") else [], annotates=meta.get("annotates"),
        context=meta.get("context"), task=task, order=meta.get("order", 0),
    )


def make_client(settings: Settings):
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1", port=url.port or 8000, ssl=url.scheme == "https", settings=chroma_settings
        )
    return chromadb.PersistentClient(path=str(settings.state_dir("chroma")), settings=chroma_settings)


class Index:
    def __init__(self, settings: Settings, embedder: SentenceEmbedder | None = None):
        self.settings = settings
        self.embedder = embedder or SentenceEmbedder.from_settings(settings)
        self.client = make_client(settings)
        self.chunks = self.client.get_or_create_collection(
            f"{settings.collection}_chunks",
            embedding_function=None,
            metadata={"hnsw:space": "cosine", "embedding_model": settings.embedding_model},
        )
        self.documents = self.client.get_or_create_collection(f"{settings.collection}_documents", embedding_function=None)
        self._check_model()
        self._lexical: LexicalIndex | None = None
        self._chunk_cache: dict[str, Chunk] = {}
        self._checked_at = 0.0
        self._refresh_lock = threading.RLock()  # one snapshot rebuild at a time in this process

    def _check_model(self) -> None:
        built_with = (self.chunks.metadata or {}).get("embedding_model")
        if built_with and built_with != self.settings.embedding_model and self.chunks.count():
            raise IndexConfigError(
                f"the index was built with embedding model {built_with!r} but BAOCAO_EMBEDDING_MODEL is "
                f"{self.settings.embedding_model!r}; re-ingest with `baocao ingest --reset PATH` or use another BAOCAO_HOME"
            )

    # --- documents -------------------------------------------------------------------------------
    def list_documents(self) -> list[DocumentRecord]:
        got = self.documents.get(include=["metadatas"])
        records = [DocumentRecord(**{k: m.get(k) for k in DocumentRecord.__dataclass_fields__}) for m in got["metadatas"]]
        return sorted(records, key=lambda r: r.document)

    def live_doc_ids(self) -> list[str]:
        return sorted(r.doc_id for r in self.list_documents())

    def find(self, name_or_id: str) -> DocumentRecord | None:
        return next((r for r in self.list_documents() if name_or_id in (r.document, r.doc_id)), None)

    def is_unchanged(self, doc: IngestedDocument) -> bool:
        previous = self.find(doc.document)
        return previous is not None and previous.doc_id == doc.doc_id

    def embed(self, docs: list[IngestedDocument]) -> list[list[list[float]]]:
        """The vectors of several documents' chunks, in one model call (less padding than one call each)."""
        texts = [c.embed_text() for doc in docs for c in doc.chunks]
        flat = self.embedder.embed_documents(texts)
        out, position = [], 0
        for doc in docs:
            out.append(flat[position : position + len(doc.chunks)])
            position += len(doc.chunks)
        return out

    def add(self, doc: IngestedDocument, *, vectors: list[list[float]] | None = None, refresh_lexical: bool = True) -> str:
        """Put a document in; returns "added", "replaced" or "unchanged" (same content already in)."""
        previous = self.find(doc.document)
        if previous and previous.doc_id == doc.doc_id:
            return "unchanged"
        if doc.chunks:
            if vectors is None:
                vectors = self.embed([doc])[0]
            for start in range(0, len(doc.chunks), 500):
                batch = doc.chunks[start : start + 500]
                self.chunks.upsert(
                    ids=[c.chunk_id for c in batch],
                    embeddings=vectors[start : start + len(batch)],
                    documents=[c.text for c in batch],
                    metadatas=[chunk_metadata(c) for c in batch],
                )
        record = DocumentRecord(doc.doc_id, doc.document, doc.title, doc.issuer, doc.report_date, doc.as_of,
                                len(doc.chunks), doc.chars, time.time())
        # The commit point: one record per file name, replaced in a single write.
        self.documents.upsert(ids=[_record_id(doc.document)], embeddings=[[1.0]], metadatas=[_clean_metadata(asdict(record))])
        self.sweep_orphans()
        if refresh_lexical:
            self.refresh_lexical(force=True)
        return "replaced" if previous else "added"

    def delete(self, name_or_id: str) -> DocumentRecord | None:
        record = self.find(name_or_id)
        if record is None:
            return None
        self.documents.delete(ids=[_record_id(record.document)])
        self.sweep_orphans()
        self.refresh_lexical(force=True)
        return record

    def reset(self) -> None:
        for collection in (self.chunks, self.documents):
            self.client.delete_collection(collection.name)
        lock = self._refresh_lock
        self.__init__(self.settings, self.embedder)
        self._refresh_lock = lock
        self.refresh_lexical(force=True)

    def sweep_orphans(self) -> int:
        """Remove chunks of documents that have no commit record (replaced, deleted or half-ingested)."""
        live = self.live_doc_ids()
        where = {"doc_id": {"$nin": live}} if live else None
        orphans = self.chunks.get(where=where, include=[])["ids"]
        if orphans:
            self.chunks.delete(ids=orphans)
        return len(orphans)

    # --- chunks ----------------------------------------------------------------------------------
    def all_chunks(self) -> list[Chunk]:
        live = set(self.live_doc_ids())
        got = self.chunks.get(include=["documents", "metadatas"])
        chunks = [
            chunk_from_record(cid, text, meta)
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"])
            if meta.get("doc_id") in live
        ]
        return sorted(chunks, key=lambda c: (c.document, c.order))

    def current_chunks(self) -> list[Chunk]:
        """The live chunks from the in-memory cache (kept in step with the committed documents)."""
        self.lexical()
        return list(self._chunk_cache.values())

    def get_chunks(self, chunk_ids: list[str]) -> list[Chunk]:
        self.lexical()  # keeps the cache current
        return [self._chunk_cache[c] for c in chunk_ids if c in self._chunk_cache]

    def count(self) -> int:
        return len(self.lexical().chunk_ids)

    def tasks(self) -> list[TaskRecord]:
        self.lexical()
        return [c.task for c in self._chunk_cache.values() if c.task is not None]

    # --- lexical snapshot --------------------------------------------------------------------------
    def generation(self) -> str:
        return hashlib.sha1(",".join(self.live_doc_ids()).encode()).hexdigest()[:16]

    def refresh_lexical(self, force: bool = False) -> LexicalIndex:
        with self._refresh_lock:
            return self._refresh_lexical(force)

    def _refresh_lexical(self, force: bool) -> LexicalIndex:
        generation = self.generation()
        root = self.settings.state_dir("lexical")
        if not force:
            snapshot = LexicalIndex.load(root)
            if snapshot is not None and snapshot.generation == generation:
                self._install(snapshot, self.all_chunks())
                return snapshot
        chunks = self.all_chunks()
        snapshot = LexicalIndex.build([c.chunk_id for c in chunks], [c.index_text() for c in chunks], generation)
        snapshot.save(root)
        self._install(snapshot, chunks)
        return snapshot

    def _install(self, snapshot: LexicalIndex, chunks: list[Chunk]) -> None:
        self._lexical = snapshot
        self._chunk_cache = {c.chunk_id: c for c in chunks}
        self._checked_at = time.monotonic()

    def lexical(self) -> LexicalIndex:
        """The current snapshot; re-checked against the committed documents every few seconds."""
        stale = time.monotonic() - self._checked_at > REFRESH_SECONDS
        if self._lexical is None or (stale and self._lexical.generation != self.generation()):
            return self.refresh_lexical()
        if stale:
            self._checked_at = time.monotonic()
        return self._lexical

    # --- search ----------------------------------------------------------------------------------
    def search_lexical(self, query: str, k: int = 20, *, fold: bool = False) -> list[SearchHit]:
        hits: list[LexicalHit] = self.lexical().search(query, k, fold=fold)
        return [SearchHit(self._chunk_cache[h.chunk_id], h.score) for h in hits if h.chunk_id in self._chunk_cache]

    def search_dense(self, query: str, k: int = 20) -> list[SearchHit]:
        lexical = self.lexical()
        if not lexical.chunk_ids:
            return []
        vector = self.embedder.embed_query(query)
        live = sorted({c.doc_id for c in self._chunk_cache.values()})
        result = self.chunks.query(
            query_embeddings=[vector], n_results=min(k, len(lexical.chunk_ids)),
            where={"doc_id": {"$in": live}}, include=["distances"],
        )
        return [
            SearchHit(self._chunk_cache[cid], 1.0 - float(dist))
            for cid, dist in zip(result["ids"][0], result["distances"][0])
            if cid in self._chunk_cache
        ]


def open_index(settings: Settings, embedder: SentenceEmbedder | None = None) -> Index:
    return Index(settings, embedder)

