"""The lexical side of the index: the live chunks and BM25 over their stored tokens, in segments.

Tokens are computed once per chunk, at ingest, and stored with the chunk in Chroma (`tokens` metadata:
its words, compounds joined with `_`). Here they become term counts, kept in immutable **segments**
(one per write batch: a column-major count matrix per vocabulary, plain and diacritic-folded, and the
segment's chunks). Adding a document adds a small segment; deleting one marks its rows dead; neither
touches the rest of the corpus. A query gathers the postings of its tokens from every segment and
scores them with BM25 over the live statistics (document count, average length, document frequencies),
so the result is exactly bm25s's Lucene BM25 (k1=1.5, b=0.75) over the live chunks, as if rebuilt from
scratch (tests/test_index.py checks it against `bm25s.BM25().index(...)`). Segments are merged into one
when there are many of them or many dead rows.

Searching is vectorised per state (built on a state's first search, `LexicalState._side`): each row's
position in `chunks` and length norm, so a query's postings are summed by one `bincount` whatever the
number of segments; on a large index the tokens most chunks hold ("của", "và", "tháng" …: most of a
query's postings) are precomputed as dense rows, `idf ×` one row each. At 100k chunks a search reads
the sparse postings of its rarer tokens and a few dense rows (bench/scale.py).

On disk (`$BAOCAO_HOME/lexical/`): `segments/<name>/` (written once, loaded memory-mapped) and one small
manifest per generation (segment list, dead rows, names, ingest versions, vocabulary), pointed to by `CURRENT`.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import time
import uuid
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from baocao.ingest.models import Chunk
from baocao.ingest.vietnamese import fold
from baocao.vectorstore.tokenize import analyze, expand

FORMAT = 4  # bump when the layout changes: older snapshots are rebuilt, never misread
CURRENT = "CURRENT"
K1, B = 1.5, 0.75
KEEP_OLD_S = 60.0  # a reader may still be opening the previous manifest or segment
MAX_SEGMENTS = 12
MAX_DEAD_SHARE = 0.25
DENSE_SHARE = 0.2  # a token in more chunks than this share is scored over dense rows (LexicalState._side)
DENSE_MIN_CHUNKS = 20_000  # ... on an index of at least this many chunks


@dataclass
class LexicalHit:
    chunk_id: str
    score: float


class Vocabulary:
    """Append-only token → id map (ids stay valid as documents come and go; compacted on merges)."""

    def __init__(self, tokens: list[str] | None = None):
        self.tokens: list[str] = list(tokens or [])
        self.ids: dict[str, int] = {t: i for i, t in enumerate(self.tokens)}

    def add(self, token: str) -> int:
        i = self.ids.get(token)
        if i is None:
            i = self.ids[token] = len(self.tokens)
            self.tokens.append(token)
        return i

    def __len__(self) -> int:
        return len(self.tokens)


@dataclass
class Postings:
    """Column-major term counts of one segment: the rows (chunks) of term t are indices[indptr[t]:indptr[t+1]]."""

    indptr: np.ndarray
    indices: np.ndarray
    counts: np.ndarray

    @classmethod
    def from_rows(cls, rows: list[np.ndarray]) -> "Postings":
        """From each row's term ids (repeats = counts)."""
        if not rows or not sum(len(r) for r in rows):
            return cls(np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.uint16))
        row_of = np.repeat(np.arange(len(rows), dtype=np.int64), [len(r) for r in rows])
        terms = np.concatenate(rows).astype(np.int64)
        width = int(terms.max()) + 1
        pair, counts = np.unique(terms * len(rows) + row_of, return_counts=True)  # sorted by term, then row
        term, row = np.divmod(pair, len(rows))
        indptr = np.zeros(width + 1, dtype=np.int64)
        np.cumsum(np.bincount(term, minlength=width), out=indptr[1:])
        return cls(indptr, row.astype(np.int32), np.minimum(counts, 65535).astype(np.uint16))

    def span(self, term: int) -> tuple[int, int]:
        if term + 1 >= len(self.indptr):
            return 0, 0
        return int(self.indptr[term]), int(self.indptr[term + 1])

    def df(self, width: int, dead: np.ndarray | None) -> np.ndarray:
        """Documents (live rows) containing each term."""
        out = np.zeros(width, dtype=np.int64)
        n = len(self.indptr) - 1
        out[:n] = np.diff(self.indptr)
        if dead is not None and dead.any() and len(self.indices):
            gone = dead[self.indices]
            term_of = np.repeat(np.arange(n), np.diff(self.indptr))
            out[:n] -= np.bincount(term_of[gone], minlength=n)
        return out

    def rows_terms(self, n_rows: int) -> list[np.ndarray]:
        """Back to each row's term ids (with repeats), for merging."""
        n = len(self.indptr) - 1
        term_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.indptr))
        order = np.argsort(self.indices, kind="stable")
        rows, terms, counts = self.indices[order], term_of[order], self.counts[order].astype(np.int64)
        expanded = np.repeat(terms, counts)
        bounds = np.searchsorted(np.repeat(rows, counts), np.arange(n_rows + 1))
        return [expanded[bounds[i]:bounds[i + 1]] for i in range(n_rows)]

    def save(self, folder: Path, label: str) -> None:
        for part in ("indptr", "indices", "counts"):
            np.save(folder / f"{label}.{part}.npy", getattr(self, part))

    @classmethod
    def load(cls, folder: Path, label: str) -> "Postings":
        return cls(*(np.load(folder / f"{label}.{part}.npy", mmap_mode="r") for part in ("indptr", "indices", "counts")))


@dataclass
class Segment:
    name: str
    chunks: list[Chunk]
    lengths: np.ndarray  # tokens per row (BM25 document length)
    plain: Postings
    folded: Postings

    def save(self, root: Path) -> None:
        folder = root / "segments" / self.name
        if folder.exists():
            return
        partial = root / "segments" / f".{self.name}.{uuid.uuid4().hex[:6]}.tmp"
        partial.mkdir(parents=True)
        with (partial / "chunks.pkl").open("wb") as out:
            pickle.dump(self.chunks, out, protocol=pickle.HIGHEST_PROTOCOL)
        np.save(partial / "lengths.npy", self.lengths)
        self.plain.save(partial, "plain")
        self.folded.save(partial, "folded")
        os.replace(partial, folder)

    @classmethod
    def load(cls, root: Path, name: str) -> "Segment":
        folder = root / "segments" / name
        with (folder / "chunks.pkl").open("rb") as source:
            chunks = pickle.load(source)
        return cls(name, chunks, np.load(folder / "lengths.npy"), Postings.load(folder, "plain"),
                   Postings.load(folder, "folded"))


@dataclass
class LexicalState:
    """The live chunks of one index generation and their BM25 segments."""

    generation: str  # the index generation (Chroma's counter) this state reflects
    segments: list[Segment]
    dead: dict[str, np.ndarray]  # segment name → rows no longer live
    names: dict[str, str]  # doc_id → the name citations show
    vocab: Vocabulary
    folded_vocab: Vocabulary
    fold_map: np.ndarray  # plain token id → folded token id
    chunks: list[Chunk] = field(default_factory=list)  # the live chunks, in segment order
    by_id: dict[str, int] = field(default_factory=dict)  # chunk_id → position in `chunks`
    versions: dict[str, str] = field(default_factory=dict)  # doc_id → the ingest fingerprint its rows were made under

    def __post_init__(self) -> None:
        self._where: list[tuple[int, int]] = []  # position in `chunks` → (segment, row)
        self._rows: dict[str, tuple] = {}  # per side, built on its first search: see _side
        self.chunks, self.by_id = [], {}
        for s, segment in enumerate(self.segments):
            dead = self.dead.get(segment.name)
            for row, chunk in enumerate(segment.chunks):
                if dead is None or not dead[row]:
                    self.by_id[chunk.chunk_id] = len(self.chunks)
                    self.chunks.append(named(chunk, self.names.get(chunk.doc_id)))
                    self._where.append((s, row))
        self._stats()

    def _stats(self) -> None:
        live = [seg.lengths if self.dead.get(seg.name) is None else seg.lengths[~self.dead[seg.name]] for seg in self.segments]
        lengths = np.concatenate(live) if live else np.zeros(0)
        self.n_live = len(lengths)
        self.avg_length = float(lengths.mean()) if len(lengths) else 1.0
        self.df = {label: sum((getattr(seg, label).df(width, self.dead.get(seg.name)) for seg in self.segments),
                              np.zeros(width, dtype=np.int64))
                   for label, width in (("plain", len(self.vocab)), ("folded", len(self.folded_vocab)))}

    @classmethod
    def empty(cls, generation: str = "0") -> "LexicalState":
        return cls(generation, [], {}, {}, Vocabulary(), Vocabulary(), np.zeros(0, dtype=np.int32))

    @property
    def doc_ids(self) -> set[str]:
        return {c.doc_id for c in self.chunks}

    @property
    def chunk_ids(self) -> list[str]:
        return [c.chunk_id for c in self.chunks]

    # --- changes -------------------------------------------------------------------------------------
    def changed(self, generation: str, *, drop: set[str], add: list[tuple[Chunk, list[str]]],
                names: dict[str, str], versions: dict[str, str] | None = None) -> "LexicalState":
        """A new state: rows of the `drop` documents dead, `add` (chunk, its stored words) as a new segment,
        display names from `names`, ingest versions from `versions` (kept if None). Merges the segments when
        there are too many or too many dead rows."""
        vocab, folded_vocab = self.vocab, self.folded_vocab
        dead = dict(self.dead)
        if drop:
            for segment in self.segments:
                rows = np.fromiter((c.doc_id in drop for c in segment.chunks), dtype=bool, count=len(segment.chunks))
                if rows.any():
                    dead[segment.name] = rows | dead[segment.name] if segment.name in dead else rows
        segments = list(self.segments)
        fold_map = self.fold_map
        if add:
            segment, fold_map = build_segment(add, vocab, folded_vocab, fold_map)
            segments.append(segment)
        state = LexicalState(generation, segments, dead, dict(names), vocab, folded_vocab, fold_map,
                             versions=dict(self.versions if versions is None else versions))
        total = sum(len(s.chunks) for s in segments)
        dead_rows = sum(int(d.sum()) for d in dead.values())
        if len(segments) > MAX_SEGMENTS or (total and dead_rows / total > MAX_DEAD_SHARE):
            state = state.merged()
        return state

    def merged(self) -> "LexicalState":
        """All live rows in one segment, with a compacted vocabulary (deleted documents' words go)."""
        add = []
        for segment in self.segments:
            dead = self.dead.get(segment.name)
            rows = segment.plain.rows_terms(len(segment.chunks))
            for row, chunk in enumerate(segment.chunks):
                if dead is None or not dead[row]:
                    add.append((chunk, [self.vocab.tokens[t] for t in rows[row]]))
        vocab, folded_vocab = Vocabulary(), Vocabulary()
        segments, fold_map = [], np.zeros(0, dtype=np.int32)
        if add:
            segment, fold_map = build_segment(add, vocab, folded_vocab, fold_map, expanded=True)
            segments = [segment]
        return LexicalState(self.generation, segments, {}, dict(self.names), vocab, folded_vocab, fold_map,
                            versions=dict(self.versions))

    def build_bm25(self) -> "LexicalState":  # the statistics are kept current by every change
        return self

    # --- search ------------------------------------------------------------------------------------
    def _side(self, side: str) -> tuple[list[tuple[Postings, np.ndarray, np.ndarray]], dict[int, np.ndarray]]:
        """Built once per state and side, on its first search: per segment, its postings, where each of
        its rows lands in `chunks` (dead rows → a sink slot past the end) and each row's BM25 length norm;
        and, for the tokens in more than DENSE_SHARE of the chunks (on an index of DENSE_MIN_CHUNKS or
        more), a dense row over `chunks` of each chunk's `tf / (tf + k1·(1 − b + b·len/avg))` (0 where absent)."""
        if side not in self._rows:
            parts, position, sink = [], 0, len(self.chunks)
            for segment in self.segments:
                n = len(segment.chunks)
                dead = self.dead.get(segment.name)
                live = np.arange(n, dtype=np.int64) if dead is None else np.flatnonzero(~dead)
                where = np.full(n, sink, dtype=np.int64)
                where[live] = np.arange(position, position + len(live))
                position += len(live)
                norm = K1 * ((1 - B) + B * segment.lengths / self.avg_length)  # float32, as it always was
                parts.append((getattr(segment, side), where, norm))
            dense: dict[int, np.ndarray] = {}
            if self.n_live >= DENSE_MIN_CHUNKS:
                for t in np.flatnonzero(self.df[side] > DENSE_SHARE * self.n_live).tolist():
                    share = np.zeros(sink + 1, dtype=np.float64)
                    for postings, where, norm in parts:
                        a, b = postings.span(t)
                        rows = postings.indices[a:b]
                        tf = postings.counts[a:b].astype(np.float64)
                        share[where[rows]] = tf / (tf + norm[rows])
                    dense[t] = share[:sink]
            self._rows[side] = (parts, dense)
        return self._rows[side]

    def scores(self, token_ids: list[int], side: str) -> np.ndarray:
        """BM25 of every live chunk (in `chunks` order) for these token ids (repeats count, as in bm25s).

        The postings of the query's tokens are gathered from every segment and summed by one `bincount`;
        the tokens most chunks hold (`_side`: "dense") are added after, as `idf × row` over whole rows.
        Sparse shares are the float expression of the per-segment sum (`idf·tf / (tf + norm)`); dense
        ones are `idf·(tf / (tf + norm))` and come after the sparse ones, so scores equal the per-segment
        sum to rounding (~1e-15 relative; tests/test_index.py), and are bit for bit the same when no token
        is dense (indexes under DENSE_MIN_CHUNKS)."""
        n = len(self.chunks)
        if not token_ids or not n:
            return np.zeros(n, dtype=np.float64)
        df = self.df[side][np.asarray(token_ids, dtype=np.int64)]
        idf = np.log(1.0 + (self.n_live - df + 0.5) / (df + 0.5))
        parts, dense = self._side(side)
        sparse = [(t, w) for t, w in zip(token_ids, idf) if t not in dense]
        positions, contributions = [], []
        for postings, where, norm in parts:
            spans = [postings.span(t) for t, _ in sparse]
            if not any(b > a for a, b in spans):
                continue
            rows = np.concatenate([postings.indices[a:b] for a, b in spans])
            tf = np.concatenate([postings.counts[a:b] for a, b in spans]).astype(np.float64)
            weight = np.repeat([w for _, w in sparse], [b - a for a, b in spans])
            contributions.append(weight * tf / (tf + norm[rows]))
            positions.append(where[rows])
        if positions:
            out = np.bincount(np.concatenate(positions), weights=np.concatenate(contributions), minlength=n + 1)[:n]
        else:
            out = np.zeros(n, dtype=np.float64)
        scratch = None
        for t, w in zip(token_ids, idf):
            if t in dense:
                scratch = np.multiply(dense[t], w, out=scratch)
                out += scratch
        return out

    def search(self, query: str, k: int, *, fold_query: bool = False) -> list[LexicalHit]:
        tokens = list(query_tokens(query))
        if fold_query:
            tokens = [fold(t) for t in tokens]
        vocab = self.folded_vocab if fold_query else self.vocab
        ids = [vocab.ids[t] for t in tokens if t in vocab.ids]
        if not ids or not self.chunks:
            return []
        scores = self.scores(ids, "folded" if fold_query else "plain")
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [LexicalHit(self.chunks[i].chunk_id, float(scores[i])) for i in top if scores[i] > 0]

    # --- on disk -----------------------------------------------------------------------------------
    def save(self, root: Path) -> str:
        """New segments, then a manifest, then CURRENT: readers never see half a snapshot."""
        (root / "segments").mkdir(parents=True, exist_ok=True)
        for segment in self.segments:
            segment.save(root)
        name = f"manifest-{int(self.generation):08d}-{uuid.uuid4().hex[:8]}"
        folder = root / f".{name}.tmp"
        folder.mkdir()
        (folder / "meta.json").write_text(json.dumps({
            "format": FORMAT, "generation": int(self.generation), "segments": [s.name for s in self.segments],
            "names": self.names, "versions": self.versions,
        }, ensure_ascii=False), encoding="utf-8")
        (folder / "vocab.json").write_text(json.dumps([self.vocab.tokens, self.folded_vocab.tokens], ensure_ascii=False),
                                           encoding="utf-8")
        np.save(folder / "fold_map.npy", self.fold_map)
        np.savez(folder / "dead.npz", **self.dead)
        os.replace(folder, root / name)
        pointer = root / f"{CURRENT}.{uuid.uuid4().hex[:8]}.tmp"
        pointer.write_text(name)
        os.replace(pointer, root / CURRENT)
        remove_unused(root, keep=name, segments={s.name for s in self.segments})
        return name

    @classmethod
    def load(cls, root: Path, reuse: "LexicalState | None" = None) -> "LexicalState | None":
        """The snapshot CURRENT points at, or None when there is none or it cannot be read. Segments that
        `reuse` already holds are taken from it (a reader following a writer loads only the new ones)."""
        try:
            folder = root / (root / CURRENT).read_text().strip()
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            if meta.get("format") != FORMAT:
                return None
            plain, folded_tokens = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
            with np.load(folder / "dead.npz") as stored:
                dead = {k: stored[k] for k in stored.files}
            have = {seg.name: seg for seg in reuse.segments} if reuse is not None else {}
            segments = [have.get(name) or Segment.load(root, name) for name in meta["segments"]]
            return cls(str(meta["generation"]), segments, dead, meta["names"], Vocabulary(plain),
                       Vocabulary(folded_tokens), np.load(folder / "fold_map.npy"), versions=meta.get("versions", {}))
        except (OSError, ValueError, KeyError, EOFError, pickle.UnpicklingError, AttributeError, TypeError, ImportError):
            return None


def build_segment(add: list[tuple[Chunk, list[str]]], vocab: Vocabulary, folded_vocab: Vocabulary,
                  fold_map: np.ndarray, *, expanded: bool = False) -> tuple[Segment, np.ndarray]:
    """A segment of new chunks from their stored words (no re-tokenising; each new vocabulary entry is
    folded once, never each occurrence). `expanded`: the lists are BM25 tokens already (a merge)."""
    token_lists = [(words if expanded else expand(words)) or ["∅"] for _, words in add]
    rows = [np.fromiter((vocab.add(t) for t in tokens), dtype=np.int64, count=len(tokens)) for tokens in token_lists]
    if len(fold_map) < len(vocab):
        extra = np.fromiter((folded_vocab.add(fold(t)) for t in vocab.tokens[len(fold_map):]), dtype=np.int32)
        fold_map = np.concatenate([fold_map, extra]).astype(np.int32)
    segment = Segment(f"seg-{uuid.uuid4().hex[:12]}", [c for c, _ in add],
                      np.array([len(t) for t in token_lists], dtype=np.float32),
                      Postings.from_rows(rows), Postings.from_rows([fold_map[r] for r in rows]))
    return segment, fold_map


@lru_cache(maxsize=512)
def query_tokens(query: str) -> tuple[str, ...]:
    """A query's tokens, segmented once for both sides (word segmentation is most of a search's time)."""
    return tuple(analyze(query))


def snapshot_generation(root: Path) -> int | None:
    """The generation of the snapshot CURRENT points at, read from its name (only the pointer is opened)."""
    try:
        return int((root / CURRENT).read_text().strip().split("-")[1])
    except (OSError, ValueError, IndexError):
        return None


def remove_unused(root: Path, keep: str, segments: set[str]) -> None:
    now = time.time()
    old = [p for p in root.glob("manifest-*") if p.name != keep]
    old += [p for p in (root / "segments").glob("seg-*") if p.name not in segments]
    old += list(root.glob(".*.tmp")) + list((root / "segments").glob(".*.tmp"))
    for path in old:
        try:
            if now - path.stat().st_mtime > KEEP_OLD_S:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass


def named(chunk: Chunk, name: str | None) -> Chunk:
    """The chunk under its document's current name (a document is its content; its names can change)."""
    if name is None or chunk.document == name:
        return chunk
    task = replace(chunk.task, document=name) if chunk.task is not None else None
    return replace(chunk, document=name, task=task)
