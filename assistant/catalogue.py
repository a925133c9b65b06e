"""The records of the index, indexed once per generation by their words, so a question reads only
the records that share a word with it (never every chunk of a large index).

Records come stored with their chunks (ingest/records.py); chunks stored before records existed are
read once here (and `baocao reindex` stores them).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from baocao.assistant.evidence import TermWeights, content_syllables
from baocao.ingest.entities import EntityList
from baocao.ingest.models import Chunk, TaskRecord
from baocao.ingest.text import search_words
from baocao.ingest.records import FigureRecord, extract_records

log = logging.getLogger(__name__)
MAX_POSTINGS_SHARE = 0.2  # a word in more than this share of records says nothing about any of them


@dataclass
class Found:
    """A record with the chunk it was read from."""

    record: EntityList | FigureRecord | TaskRecord
    chunk: Chunk
    score: float = 0.0


def list_claim(record: EntityList, chunk: Chunk) -> str:
    """What a list says of its items, in words a question may use: its predicate, what its sentence goes on to
    say, its count phrase, its chunk's context and section."""
    return " ".join(x for x in (record.predicate, record.tail, record.count_source, chunk.context, chunk.section) if x)


@dataclass
class _Postings:
    items: list[Found] = field(default_factory=list)
    by_word: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def add(self, found: Found, text: str) -> None:
        position = len(self.items)
        self.items.append(found)
        for word in set(content_syllables(text, "question")):
            self.by_word[word].append(position)

    def matching(self, words: list[str]) -> list[Found]:
        limit = max(50, int(MAX_POSTINGS_SHARE * len(self.items)))
        hits: set[int] = set()
        for word in dict.fromkeys(words):
            postings = self.by_word.get(word, [])
            if len(postings) <= limit:
                hits.update(postings)
        return [self.items[i] for i in sorted(hits)]


class Catalogue:
    """Lists, figures and tasks of one index generation, with IDF weights."""

    def __init__(self, chunks: list[Chunk], previous: "Catalogue | None" = None):
        self.lists, self.figures, self.tasks = _Postings(), _Postings(), _Postings()
        self.by_id = {c.chunk_id: c for c in chunks}
        # IDF of a new generation reads only the chunks that came or went (a write at 100k chunks costs its own).
        self.weights = TermWeights.updated(previous.weights if previous else None, chunks)
        self.latest_report_date = max((c.report_date for c in chunks if c.report_date), default=None)
        legacy = 0
        for chunk in chunks:
            records = chunk.records
            if records is None:  # stored before records existed
                records = extract_records(chunk)
                legacy += 1
            for record in records:
                found = Found(record, chunk)
                if isinstance(record, EntityList):
                    self.lists.add(found, list_claim(record, chunk))
                elif isinstance(record, FigureRecord):
                    self.figures.add(found, f"{record.metric} {record.unit}")
            if chunk.task is not None:
                task = chunk.task
                self.tasks.add(Found(task, chunk), " ".join(x for x in (task.task, task.result, task.lead,
                                                                         task.coordinating, task.deadline) if x))
        if legacy:
            log.warning("%d chunks were stored without records; they were read now (run `baocao reindex`)", legacy)
        self._by_document: dict[str, list[Chunk]] | None = None
        self._notes: dict[str, list[Chunk]] | None = None

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        """One document's chunks in reading order (grouped once per catalogue, on first use)."""
        if self._by_document is None:
            grouped: dict[str, list[Chunk]] = {}
            for chunk in self.by_id.values():
                grouped.setdefault(chunk.doc_id, []).append(chunk)
            self._by_document = {d: sorted(cs, key=lambda c: c.order) for d, cs in grouped.items()}
        return self._by_document.get(doc_id, [])

    def records_of(self, chunk_id: str) -> list:
        """The records read from one chunk at ingest."""
        chunk = self.by_id.get(chunk_id)
        return list(chunk.records or []) if chunk is not None else []

    def footnotes_of(self, chunk_id: str) -> list[Chunk]:
        """The footnote chunks that annotate a sentence of this chunk."""
        if self._notes is None:
            self._notes = {}
            for chunk in self.by_id.values():
                if chunk.kind == "footnote" and chunk.annotates:
                    self._notes.setdefault(chunk.annotates, []).append(chunk)
        return self._notes.get(chunk_id, [])

    def has_issuer(self, words: set[str]) -> bool:
        """Some document's issuer holds all these folded words ('so noi vu', 'van phong chinh phu')."""
        if self._by_document is None:
            self.chunks_of("")
        return any(words <= set(search_words(chunks[0].issuer or "")) for chunks in self._by_document.values() if chunks)

    def documents_titled(self, words: set[str], share: float = 0.8) -> list[str]:
        """Documents whose title holds at least `share` of these folded words (a body, a topic)."""
        if not words:
            return []
        if self._by_document is None:
            self.chunks_of("")
        out = []
        for doc_id, chunks in self._by_document.items():
            title = set(search_words(chunks[0].title)) if chunks else set()  # 'liệu.' is 'liệu'
            if len(words & title) >= share * len(words):
                out.append(doc_id)
        return out


class CatalogueCache:
    """One catalogue per index generation, rebuilt when documents change."""

    def __init__(self) -> None:
        self._generation: str | None = None
        self._catalogue: Catalogue | None = None
        self._lock = threading.Lock()

    def get(self, generation: str, chunks_of) -> Catalogue:
        with self._lock:
            if self._catalogue is None or generation != self._generation:
                self._catalogue = Catalogue(chunks_of(), previous=self._catalogue)
                self._generation = generation
            return self._catalogue
