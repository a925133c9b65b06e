"""The index: Chroma (embedded or a server) holds every chunk with its tokens, one commit record per
document and a generation counter; the BM25 side and the chunk cache are derived from them.

Collections (prefix `settings.collection`):
- `_texts`: every chunk: text, metadata, and `tokens` (its words, computed once at ingest). No vector
  (a constant placeholder: Chroma wants one), so a document is searchable without any embedding.
- `_vectors_<model key>`: chunk vectors of one embedding model, only where computed (`baocao reindex`,
  or at ingest while the model's dense fusion weight is above 0).
- `_records`: one commit record per document, keyed by its content hash (`doc_id`): its `names` (the
  same bytes ingested under two file names are one document with two names), chunk count, facts; plus
  the `__generation__` counter (incremented in the same upsert as every commit) and `__writing__`, the
  mark of a write in progress.

Consistency without transactions: a document's chunks are written first, then its record together with
the new generation (one upsert: the commit point), then whatever the commit made dead is removed.
Readers only see chunks of committed documents, so a writer that dies half way leaves the index as it
was; its `__writing__` mark tells the next writer to sweep the orphans. Writers are serialised by
`WriterLock` (vectorstore/locks.py): one writer per index, across processes (and hosts with Redis).
One exception: a document read again under a new ingest fingerprint (`reingested`) keeps its doc_id, so
its new chunks overwrite the old rows in place before the commit; a writer killed meanwhile leaves rows
of both readings under the old record, whose old fingerprint makes the next ingest read it again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from baocao.settings import Settings
from baocao.ingest.models import Chunk, IngestedDocument, TaskRecord, chunk_id
from baocao.ingest.records import records_from_json, records_to_json
from baocao.vectorstore.fingerprint import ingest_fingerprint
from baocao.vectorstore.lexical import LexicalHit, LexicalState, named, snapshot_generation
from baocao.vectorstore.locks import WriterBusy, WriterLock  # noqa: F401  (WriterBusy: raised by writes)
from baocao.vectorstore.tokenize import words

if TYPE_CHECKING:
    from baocao.vectorstore.embedder import SentenceEmbedder

log = logging.getLogger("baocao.vectorstore")

REFRESH_SECONDS = 2.0
GENERATION_ID, WRITING_ID = "__generation__", "__writing__"
PLACEHOLDER = [1.0]  # the vector of rows that have none (Chroma requires one per row)
WRITE_BATCH = 500
READ_PAGE = 5000
WRITING_MARK = "WRITING"  # $BAOCAO_HOME/lexical/WRITING: the local snapshot may be behind Chroma
DOC_ID = re.compile(r"[0-9a-f]{16}")


class IndexConfigError(Exception):
    """The index cannot be used as configured."""


@dataclass
class DocumentRecord:
    doc_id: str
    document: str  # the first of `names`: the name citations show
    title: str
    issuer: str | None
    report_date: str | None
    as_of: str | None
    chunks: int
    chars: int
    ingested_at: float
    names: list[str] = field(default_factory=list)  # every file name these bytes were ingested under
    ingest: str = ""  # the ingest fingerprint its chunks were made under (vectorstore/fingerprint.py; "" = unknown)


@dataclass
class SearchHit:
    chunk: Chunk
    score: float


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
        "records": records_to_json(chunk.records) if chunk.records is not None else None,
        "ocr": True if chunk.ocr else None, "text_quality": chunk.text_quality,  # loaders: page flags
        "page_starts": json.dumps(chunk.page_starts) if chunk.page_starts else None,
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
        records=records_from_json(meta.get("records")),
        ocr=bool(meta.get("ocr", False)), text_quality=meta.get("text_quality"),
        page_starts=[tuple(s) for s in json.loads(meta["page_starts"])] if meta.get("page_starts") else [],
    )


def chunk_words(chunk: Chunk) -> list[str]:
    """The words BM25 indexes for a chunk (computed once, at ingest, and stored as `tokens`)."""
    return words(chunk.index_text())


def _record_metadata(record: DocumentRecord, vectors: str | None) -> dict:
    values = asdict(record)
    values["names"] = json.dumps(record.names, ensure_ascii=False)
    return _clean_metadata({**values, "kind": "document", "vectors": vectors or ""})


def _record_from_metadata(meta: dict) -> DocumentRecord:
    values = {k: meta.get(k) for k in DocumentRecord.__dataclass_fields__}
    values["names"] = json.loads(meta.get("names") or "[]")
    values["ingest"] = meta.get("ingest") or ""
    return DocumentRecord(**values)


def _chunk_ids(doc_id: str, start: int, stop: int) -> list[str]:
    """The ids of a document's chunks `start` to `stop - 1` (chunk ids are `<doc_id>:<order>`)."""
    return [chunk_id(doc_id, order) for order in range(start, stop)]


def model_key(model: str) -> str:
    return hashlib.sha1(model.encode("utf-8")).hexdigest()[:10]


def _texts_schema():
    """Chunk rows: no full-text index on the text and no inverted index on the stored tokens (BM25 is
    ours; both indexes made writes ~1.5x slower and are never queried)."""
    from chromadb import FtsIndexConfig, Schema, StringInvertedIndexConfig

    schema = Schema()
    schema.delete_index(FtsIndexConfig(), key="#document")
    schema.delete_index(StringInvertedIndexConfig(), key="tokens")
    return schema


def make_client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1", port=url.port or 8000, ssl=url.scheme == "https", settings=chroma_settings
        )
    return chromadb.PersistentClient(path=str(settings.state_dir("chroma")), settings=chroma_settings)


class Index:
    def __init__(self, settings: Settings, embedder: "SentenceEmbedder | None" = None):
        self.settings = settings
        self._embedder = embedder
        self.lock = WriterLock(settings)
        self._client = None
        self._collections: dict[str, object] = {}
        self._state: LexicalState | None = None
        self._checked_at = 0.0
        self._refresh_lock = threading.RLock()  # one lexical rebuild at a time in this process
        self._write_depth = 0
        self._committed = False  # a commit happened in the current write batch
        self._pending: dict[str, list[tuple[Chunk, list[str]]]] = {}  # written this session: no need to re-read
        self._fingerprint: str | None = None

    # --- parts opened on first use (a reader answering from the local snapshot never imports Chroma) ---
    @property
    def embedder(self) -> "SentenceEmbedder":
        if self._embedder is None:
            from baocao.vectorstore.embedder import SentenceEmbedder

            self._embedder = SentenceEmbedder.from_settings(self.settings)
        return self._embedder

    @property
    def client(self):
        if self._client is None:
            fresh = not self.settings.chroma_url and not (self.settings.home / "chroma" / "chroma.sqlite3").exists()
            if fresh:  # two processes creating the store at once: "database is locked"
                with self.lock:
                    self._client = make_client(self.settings)
            else:
                self._client = make_client(self.settings)
        return self._client

    def _collection(self, suffix: str, metadata: dict | None = None, schema=None):
        name = f"{self.settings.collection}_{suffix}"
        if name not in self._collections:
            from chromadb.errors import NotFoundError

            try:
                self._collections[name] = self.client.get_collection(name, embedding_function=None)
            except (NotFoundError, ValueError):
                with self.lock:  # two processes creating the same collection at once: "database is locked"
                    options = {"schema": schema} if schema is not None else {"metadata": metadata}
                    self._collections[name] = self.client.get_or_create_collection(
                        name, embedding_function=None, **options)
        return self._collections[name]

    @property
    def texts(self):
        return self._collection("texts", schema=_texts_schema())

    @property
    def records(self):
        return self._collection("records", {"hnsw:space": "l2"})

    @property
    def vectors(self):
        model = self.settings.embedding_model
        return self._collection(f"vectors_{model_key(model)}", {"hnsw:space": "cosine", "embedding_model": model})

    chunks = texts  # the names of the one-collection layout, kept for callers and tests
    documents = records

    @property
    def on_writer_wait(self) -> Callable[[], None] | None:
        return self.lock.on_wait

    @on_writer_wait.setter
    def on_writer_wait(self, callback: Callable[[], None] | None) -> None:
        self.lock.on_wait = callback

    # --- documents -------------------------------------------------------------------------------
    def _all_records(self) -> dict[str, tuple[DocumentRecord, dict]]:
        got = self.records.get(where={"kind": "document"}, include=["metadatas"])
        return {m["doc_id"]: (_record_from_metadata(m), m) for m in got["metadatas"]}

    def list_documents(self) -> list[DocumentRecord]:
        """Committed documents (one per content), by name."""
        records = [r for r, _ in self._all_records().values() if r.names]
        return sorted(records, key=lambda r: r.document)

    def live_doc_ids(self) -> list[str]:
        return sorted(r.doc_id for r in self.list_documents())

    def find(self, name_or_id: str) -> DocumentRecord | None:
        return next((r for r in self.list_documents() if name_or_id == r.doc_id or name_or_id in r.names), None)

    @property
    def fingerprint(self) -> str:
        """What this process's ingest makes of a file (settings and code; vectorstore/fingerprint.py)."""
        if self._fingerprint is None:
            self._fingerprint = ingest_fingerprint(self.settings)
        return self._fingerprint

    def _has_all_chunks(self, doc_id: str, chunks: int) -> bool:
        """Every chunk of the commit record is stored. Looked up by id (`<doc_id>:<order>`), not by a metadata
        filter: at 100k chunks the filter reads the whole collection."""
        if chunks == 0:
            return True
        return len(self.texts.get(ids=_chunk_ids(doc_id, 0, chunks), include=[])["ids"]) == chunks

    def _stored_counts(self, records: list[DocumentRecord]) -> dict[str, int]:
        """How many of each record's chunks are stored: the `_has_all_chunks` lookup by id for many documents
        at once (READ_PAGE ids a call; one call per document took 1 ms each, 60% of a no-op re-ingest)."""
        ids = [cid for r in {r.doc_id: r for r in records}.values() for cid in _chunk_ids(r.doc_id, 0, r.chunks)]
        counts = {r.doc_id: 0 for r in records}
        for start in range(0, len(ids), READ_PAGE):
            for cid in self.texts.get(ids=ids[start : start + READ_PAGE], include=[])["ids"]:
                counts[cid.rsplit(":", 1)[0]] += 1
        return counts

    def _is_current(self, found: tuple[DocumentRecord, dict] | None, stored: int | None = None) -> bool:
        """The record's chunks were made under this ingest fingerprint and are all stored (`stored`: how
        many are, if counted already)."""
        if found is None or found[0].ingest != self.fingerprint:
            return False
        record = found[0]
        return self._has_all_chunks(record.doc_id, record.chunks) if stored is None else stored == record.chunks

    def _has_vectors(self, found: tuple[DocumentRecord, dict] | None) -> bool:
        return found is not None and found[1].get("vectors") == self.settings.embedding_model

    def _needs_nothing(self, found: tuple[DocumentRecord, dict] | None, name: str, stored: int | None = None) -> bool:
        """Decided from what is stored: the name is one of the record's, its chunks are current and all
        there, and it has vectors of the configured model if vectors are wanted."""
        return (found is not None and name in found[0].names and self._is_current(found, stored)
                and (self._has_vectors(found) or not self.settings.needs_vectors()))

    def unchanged_records(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], DocumentRecord]:
        """Of these (doc_id, name) pairs, the ones an ingest would leave as they are, with their commit
        records (a folder is checked before any file is parsed: one read of the records, few of chunk ids)."""
        records = self._all_records()
        named = [key for key in keys if key[0] in records and key[1] in records[key[0]][0].names]
        stored = self._stored_counts([records[doc_id][0] for doc_id, _ in named])
        return {key: records[key[0]][0] for key in named
                if self._needs_nothing(records[key[0]], key[1], stored[key[0]])}

    def is_unchanged(self, doc: IngestedDocument) -> bool:
        return bool(self.unchanged_records([(doc.doc_id, doc.document)]))

    def original_file(self, doc_id: str) -> Path | None:
        """The file as it was ingested (`$BAOCAO_HOME/originals/<doc_id><suffix>`), if this home has it."""
        if not DOC_ID.fullmatch(doc_id or ""):
            return None
        return next(iter(sorted(self._originals().glob(f"{doc_id}.*"))), None) or next(
            iter(self._originals().glob(doc_id)), None)

    def _originals(self) -> Path:
        return self.settings.state_dir("originals")

    def _keep_original(self, doc_id: str, source: Path | None) -> None:
        if source is None or self.original_file(doc_id) is not None:
            return
        suffix = re.sub(r"[^.a-z0-9]", "", source.suffix.lower())[:10]
        target = self._originals() / f"{doc_id}{suffix}"
        partial = self._originals() / f".{doc_id}.{uuid.uuid4().hex[:8]}.tmp"
        shutil.copyfile(source, partial)
        os.replace(partial, target)

    def _drop_original(self, doc_id: str) -> None:
        path = self.original_file(doc_id)
        if path is not None:
            path.unlink(missing_ok=True)

    # --- writing ---------------------------------------------------------------------------------
    @contextmanager
    def writing(self) -> Iterator["Index"]:
        """Hold the writer lock for a batch of writes; the derived side is brought up to date once, at the end."""
        with self.lock:
            outer = self._write_depth == 0
            self._write_depth += 1
            try:
                if outer:
                    self._begin_write()
                yield self
                if outer:
                    self._finish_write()
            except BaseException:
                if outer:
                    self._pending.clear()
                    self._committed = False
                raise
            finally:
                self._write_depth -= 1

    def _begin_write(self) -> None:
        mark = self.records.get(ids=[WRITING_ID], include=["metadatas"])
        if mark["ids"] and mark["metadatas"][0].get("active", 1):
            log.warning("a previous write to this index did not finish: sweeping what it left")
            self.sweep_orphans()
        mark = self._lexical_root() / WRITING_MARK
        mark.write_text(f"{os.getpid()}\n")
        self._mark_writing(True)

    def _mark_writing(self, active: bool) -> None:
        """The `__writing__` mark (an upsert either way: Chroma's deletes are several times slower)."""
        self.records.upsert(ids=[WRITING_ID], embeddings=[PLACEHOLDER], metadatas=[{
            "kind": "writing", "active": int(active), "pid": os.getpid(), "host": socket.gethostname(),
            "since": time.time()}])

    def _finish_write(self) -> None:
        if self._committed or self._state is None or snapshot_generation(self._lexical_root()) is None:
            self._refresh(save=True)
        self._committed = False
        self._mark_writing(False)
        (self._lexical_root() / WRITING_MARK).unlink(missing_ok=True)

    def _generation_now(self) -> int:
        got = self.records.get(ids=[GENERATION_ID], include=["metadatas"])
        return int(got["metadatas"][0]["generation"]) if got["ids"] else 0

    def _commit(self, records: list[tuple[DocumentRecord, str | None]]) -> int:
        """Write records and the next generation in one upsert: the commit point of a write."""
        generation = self._generation_now() + 1
        self.records.upsert(
            ids=[r.doc_id for r, _ in records] + [GENERATION_ID],
            embeddings=[PLACEHOLDER] * (len(records) + 1),
            metadatas=[_record_metadata(r, v) for r, v in records] + [{"kind": "generation", "generation": generation}],
        )
        self._committed = True
        return generation

    def embed(self, docs: list[IngestedDocument]) -> list[list[list[float]]]:
        """The vectors of several documents' chunks, in one model call (less padding than one call each)."""
        texts = [c.embed_text() for doc in docs for c in doc.chunks]
        flat = self.embedder.embed_documents(texts) if texts else []
        out, position = [], 0
        for doc in docs:
            out.append(flat[position : position + len(doc.chunks)])
            position += len(doc.chunks)
        return out

    def _write_chunks(self, chunks: list[Chunk], chunk_tokens: list[list[str]]) -> None:
        for start in range(0, len(chunks), WRITE_BATCH):
            batch = chunks[start : start + WRITE_BATCH]
            self.texts.upsert(
                ids=[c.chunk_id for c in batch],
                embeddings=[PLACEHOLDER] * len(batch),
                documents=[c.text for c in batch],
                metadatas=[{**chunk_metadata(c), "tokens": " ".join(t)}
                           for c, t in zip(batch, chunk_tokens[start : start + WRITE_BATCH])],
            )

    def _write_vectors(self, chunks: list[Chunk], vectors: list[list[float]]) -> None:
        for start in range(0, len(chunks), WRITE_BATCH):
            batch = chunks[start : start + WRITE_BATCH]
            self.vectors.upsert(ids=[c.chunk_id for c in batch], embeddings=vectors[start : start + len(batch)],
                                metadatas=[{"doc_id": c.doc_id} for c in batch])

    def add(self, doc: IngestedDocument, *, vectors: list[list[float]] | None = None, refresh_lexical: bool = True,
            source: Path | None = None, chunk_tokens: list[list[str]] | None = None) -> str:
        """Put a document in under its name; returns "added", "replaced" (the name held other content),
        "repaired" (the content was in, damaged) or "unchanged". `source`: the file, kept as the original;
        `chunk_tokens`: the chunks' words if the caller has them already (`chunk_words`)."""
        with self.writing():
            records = self._all_records()
            found = records.get(doc.doc_id)
            if found is not None and not found[0].names:
                found = None  # a tombstone: the content was deleted, it comes back as new
            name = doc.document
            holder = next((r for r, _ in records.values() if name in r.names and r.doc_id != doc.doc_id), None)
            want_vectors = self.settings.needs_vectors()
            model = self.settings.embedding_model
            if self._needs_nothing(found, name):
                return "unchanged"
            stale = found is not None and found[0].ingest != self.fingerprint  # made by other settings or code
            complete = not stale and self._is_current(found)
            has_vectors = not stale and self._has_vectors(found)
            written = None
            if not complete and doc.chunks:
                written = chunk_tokens or [chunk_words(c) for c in doc.chunks]
                self._write_chunks(doc.chunks, written)
            write_vectors = want_vectors and bool(doc.chunks) and not (has_vectors and complete)
            if write_vectors:
                self._write_vectors(doc.chunks, vectors if vectors is not None else self.embed([doc])[0])
            self._keep_original(doc.doc_id, source)
            if found is not None:
                record = found[0]
                if name not in record.names:
                    record.names.append(name)
                stored_chunks, record.chunks = record.chunks, len(doc.chunks)
                if stale:
                    record.title, record.issuer, record.report_date, record.as_of, record.chars = (
                        doc.title, doc.issuer, doc.report_date, doc.as_of, doc.chars)
            else:
                stored_chunks = 0
                record = DocumentRecord(doc.doc_id, name, doc.title, doc.issuer, doc.report_date, doc.as_of,
                                        len(doc.chunks), doc.chars, time.time(), [name])
            record.ingest = self.fingerprint
            record.document = record.names[0]
            vectors_ok = write_vectors or (has_vectors and complete) or (want_vectors and not doc.chunks)
            vector_mark = model if vectors_ok else None
            changes = [(record, vector_mark)]
            if holder is not None:
                holder.names.remove(name)
                holder.document = holder.names[0] if holder.names else holder.document
                changes.append((holder, records[holder.doc_id][1].get("vectors")))
            self._commit(changes)  # the commit point
            if holder is not None and not holder.names:
                self._remove_content(holder.doc_id, holder.chunks)
            if stored_chunks > len(doc.chunks):  # a new reading with fewer chunks: the old tail is dead
                self._remove_chunks(_chunk_ids(doc.doc_id, len(doc.chunks), stored_chunks))
            if written is not None:
                self._pending[doc.doc_id] = list(zip(doc.chunks, written))
            if holder is not None:
                return "replaced"
            if found is None:
                return "added"
            if stale:
                return "reingested"
            return "added" if complete else "repaired"

    def delete(self, name_or_id: str) -> DocumentRecord | None:
        """Remove a name (the document stays under its other names) or, by doc_id or its last name, the document."""
        with self.writing():
            record = self.find(name_or_id)
            if record is None:
                return None
            removed = DocumentRecord(**{**asdict(record), "names": list(record.names)})
            meta = self._all_records()[record.doc_id][1]
            if name_or_id == record.doc_id:
                record.names = []
            else:
                record.names.remove(name_or_id)
                removed.document = name_or_id
            if record.names:
                record.document = record.names[0]
            self._commit([(record, meta.get("vectors"))])
            if not record.names:
                self._remove_content(record.doc_id, record.chunks)
            return removed

    def _remove_content(self, doc_id: str, chunks: int | None = None, *, record: bool = False) -> None:
        """After a commit made it dead: the document's chunks, vectors and original. Its record stays as a
        tombstone (no names: invisible) unless `record`; the sweep after an interrupted write removes those."""
        ids = _chunk_ids(doc_id, 0, chunks) if chunks is not None else None
        for collection in [self.texts, *self._vector_collections()]:
            if ids is not None:
                collection.delete(ids=ids)  # chunk ids are `<doc_id>:<order>`: faster than a metadata filter
            if ids is None or collection.get(where={"doc_id": doc_id}, include=[], limit=1)["ids"]:
                collection.delete(where={"doc_id": doc_id})
        self._drop_original(doc_id)
        if record:
            self.records.delete(ids=[doc_id])

    def _remove_chunks(self, ids: list[str]) -> None:
        """These chunk rows and their vectors (of any model), e.g. the tail of a document read again shorter."""
        for collection in [self.texts, *self._vector_collections()]:
            for start in range(0, len(ids), WRITE_BATCH):
                collection.delete(ids=ids[start : start + WRITE_BATCH])

    def _vector_collections(self) -> list:
        """The vector collections (of any model) that hold something."""
        prefix = f"{self.settings.collection}_vectors_"
        names = [getattr(c, "name", c) for c in self.client.list_collections()]
        collections = [self.client.get_collection(n, embedding_function=None) for n in names if n.startswith(prefix)]
        return [c for c in collections if c.count()]

    def reset(self) -> None:
        with self.writing():
            generation = self._generation_now()
            for name in [getattr(c, "name", c) for c in self.client.list_collections()]:
                if name.startswith(f"{self.settings.collection}_"):
                    self.client.delete_collection(name)
            self._collections.clear()
            shutil.rmtree(self._originals(), ignore_errors=True)
            self._state = LexicalState.empty()
            self._pending.clear()
            self.records.upsert(ids=[GENERATION_ID], embeddings=[PLACEHOLDER],
                                metadatas=[{"kind": "generation", "generation": generation + 1}])
            self.records.upsert(ids=[WRITING_ID], embeddings=[PLACEHOLDER], metadatas=[{"kind": "writing"}])

    def sweep_orphans(self) -> int:
        """Remove what no committed document owns: chunks and vectors of half-written or dead documents,
        records without names, originals. Only under the writer lock, so no other writer's uncommitted
        chunks can be taken for orphans."""
        with self.lock:
            records = self._all_records()
            for record, _ in list(records.values()):
                if not record.names:
                    self._remove_content(record.doc_id, record=True)
            live = sorted(r.doc_id for r, _ in records.values() if r.names)
            where = {"doc_id": {"$nin": live}} if live else None
            removed = 0
            for collection in [self.texts, *self._vector_collections()]:
                orphans = collection.get(where=where, include=[])["ids"]
                for start in range(0, len(orphans), WRITE_BATCH):
                    collection.delete(ids=orphans[start : start + WRITE_BATCH])
                removed += len(orphans)
            for path in self._originals().iterdir():
                if path.name.split(".")[0] not in live:
                    path.unlink(missing_ok=True)
            return removed

    def fill_vectors(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Compute the vectors the configured model lacks (documents ingested while its weight was 0)."""
        model = self.settings.embedding_model
        done = 0
        with self.writing():
            todo = [(r, m) for r, m in self._all_records().values() if r.names and m.get("vectors") != model]
            total = sum(r.chunks for r, _ in todo)
            for record, meta in todo:
                chunks = self._fetch_chunks([record.doc_id])
                if chunks:
                    only = [c for c, _ in chunks]
                    vectors = self.embedder.embed_documents([c.embed_text() for c in only])
                    self._write_vectors(only, vectors)
                self.records.upsert(ids=[record.doc_id], embeddings=[PLACEHOLDER],
                                    metadatas=[{**meta, "vectors": model}])
                done += len(chunks)
                if progress:
                    progress(done, total)
        return done

    def reindex(self, progress: Callable[[int, int], None] | None = None) -> dict:
        """Sweep orphans, fill missing vectors, rebuild the lexical side from what Chroma holds."""
        with self.writing():
            swept = self.sweep_orphans()
            filled = self.fill_vectors(progress)
            self._state = None
            self._pending.clear()
            shutil.rmtree(self._lexical_root(), ignore_errors=True)
            self._lexical_root().mkdir(parents=True, exist_ok=True)
            (self._lexical_root() / WRITING_MARK).write_text(f"{os.getpid()}\n")
        return {"swept_chunks": swept, "vectors_computed": filled, "chunks": self.count()}

    def missing_vectors(self) -> int:
        """Chunks of committed documents without a vector of the configured model."""
        model = self.settings.embedding_model
        return sum(r.chunks for r, m in self._all_records().values() if r.names and m.get("vectors") != model)

    # --- chunks ----------------------------------------------------------------------------------
    def _fetch_chunks(self, doc_ids: list[str]) -> list[tuple[Chunk, list[str]]]:
        """Chunks of these documents from Chroma with their stored words (computed if a row lacks them)."""
        out: list[tuple[Chunk, list[str]]] = []
        for start in range(0, len(doc_ids), 100):
            group = doc_ids[start : start + 100]
            where = {"doc_id": group[0]} if len(group) == 1 else {"doc_id": {"$in": group}}
            offset = 0
            while True:
                got = self.texts.get(where=where, include=["documents", "metadatas"], limit=READ_PAGE, offset=offset)
                for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"]):
                    chunk = chunk_from_record(cid, text, meta)
                    stored = meta.get("tokens")
                    out.append((chunk, stored.split() if stored is not None else chunk_words(chunk)))
                if len(got["ids"]) < READ_PAGE:
                    break
                offset += READ_PAGE
        out.sort(key=lambda pair: (pair[0].doc_id, pair[0].order))
        return out

    def all_chunks(self) -> list[Chunk]:
        """Every live chunk as Chroma holds it (under its document's current name)."""
        names = {r.doc_id: r.document for r in self.list_documents()}
        chunks = [named(c, names[c.doc_id]) for c, _ in self._fetch_chunks(sorted(names))]
        return sorted(chunks, key=lambda c: (c.document, c.order))

    def current_chunks(self) -> list[Chunk]:
        """The live chunks from the in-memory cache (kept in step with the committed documents)."""
        return list(self.lexical().chunks)

    def get_chunks(self, chunk_ids: list[str]) -> list[Chunk]:
        state = self.lexical()
        return [state.chunks[state.by_id[c]] for c in chunk_ids if c in state.by_id]

    def count(self) -> int:
        return len(self.lexical().chunks)

    def tasks(self) -> list[TaskRecord]:
        return [c.task for c in self.lexical().chunks if c.task is not None]

    # --- the derived lexical side ------------------------------------------------------------------
    def _lexical_root(self) -> Path:
        return self.settings.state_dir("lexical")

    def generation(self) -> str:
        """The index generation: +1 on every commit (stored in Chroma)."""
        return str(self._current_generation())

    def _current_generation(self) -> int:
        """Chroma's counter; on an embedded home, the local snapshot's when no write is in progress or was
        interrupted (every writer on this home updates it under the lock), so a reader needs no Chroma."""
        if not self.settings.chroma_url and not self.lock.held():
            local = snapshot_generation(self._lexical_root())
            if local is not None:
                if not (self._lexical_root() / WRITING_MARK).exists():
                    return local
                if not self.lock.try_acquire():
                    return local  # a write is running elsewhere: its result is not complete yet
                self.lock.release()
        return self._generation_now()

    def refresh_lexical(self, force: bool = False) -> LexicalState:
        if force or self._state is None:
            return self._refresh(save=True)
        return self.lexical()

    def lexical(self) -> LexicalState:
        """The current state; re-checked against the generation every few seconds."""
        now = time.monotonic()
        if self._state is None or now - self._checked_at > REFRESH_SECONDS:
            self._checked_at = now
            if self._state is None or self._state.generation != str(self._current_generation()):
                return self._refresh(save=True)
        return self._state

    def _refresh(self, *, save: bool) -> LexicalState:
        with self._refresh_lock:
            generation = self._current_generation()
            state = self._state
            if state is not None and state.generation == str(generation):
                return state
            root = self._lexical_root()
            if snapshot_generation(root) == generation:
                loaded = LexicalState.load(root, reuse=state)
                if loaded is not None and loaded.generation == str(generation):
                    return self._install(loaded)
            generation = self._generation_now()  # no snapshot of it here: Chroma is the truth
            if state is not None and state.generation == str(generation):
                return state
            base = state or LexicalState.load(root) or LexicalState.empty()
            live = {r.doc_id: r for r in self.list_documents()}
            known = base.doc_ids
            versions = {d: r.ingest for d, r in live.items()}
            reread = {d for d in known & live.keys() if base.versions.get(d, "") != versions[d]}  # ingested anew
            wanted = sorted((live.keys() - known) | reread)
            added = [pair for d in wanted if d in self._pending for pair in self._pending[d]]
            added += self._fetch_chunks([d for d in wanted if d not in self._pending])
            added = [pair for pair in added if pair[0].order < live[pair[0].doc_id].chunks]  # past the count: dead
            names = {d: r.document for d, r in live.items()}
            fresh = base.changed(str(generation), drop=(known - live.keys()) | reread, add=added, names=names,
                                 versions=versions).build_bm25()
            self._pending.clear()
            self._install(fresh)
            if save:
                self._save_snapshot(fresh, generation)
            return fresh

    def _save_snapshot(self, state: LexicalState, generation: int) -> None:
        """Saved only under the writer lock, and only if no commit came in meanwhile: the local pointer
        then never goes back to an older generation."""
        if not self.lock.try_acquire():
            return
        try:
            if self._generation_now() != generation:
                return
            state.save(self._lexical_root())
            if self._write_depth == 0:
                (self._lexical_root() / WRITING_MARK).unlink(missing_ok=True)
        finally:
            self.lock.release()

    def _install(self, state: LexicalState) -> LexicalState:
        self._state = state
        self._checked_at = time.monotonic()
        return state

    # --- search ----------------------------------------------------------------------------------
    def search_lexical(self, query: str, k: int = 20, *, fold: bool = False) -> list[SearchHit]:
        state = self.lexical()
        hits: list[LexicalHit] = state.search(query, k, fold_query=fold)
        return [SearchHit(state.chunks[state.by_id[h.chunk_id]], h.score) for h in hits]

    def search_dense(self, query: str, k: int = 20) -> list[SearchHit]:
        state = self.lexical()
        if not state.chunks:
            return []
        vectors = self.vectors
        if not vectors.count():
            return []
        vector = self.embedder.embed_query(query)
        live = sorted(state.doc_ids)
        result = vectors.query(
            query_embeddings=[vector], n_results=min(k, len(state.chunks)),
            where={"doc_id": {"$in": live}} if len(live) > 1 else {"doc_id": live[0]}, include=["distances"],
        )
        return [
            SearchHit(state.chunks[state.by_id[cid]], 1.0 - float(dist))
            for cid, dist in zip(result["ids"][0], result["distances"][0])
            if cid in state.by_id
        ]


def open_index(settings: Settings, embedder: "SentenceEmbedder | None" = None) -> Index:
    return Index(settings, embedder)
