"""The lexical side of the index: the live chunks, their term counts and two BM25 indexes (bm25s).

Tokens are computed once per chunk, at ingest, and stored with the chunk in Chroma (`tokens` metadata:
its words, compounds joined with `_`). From them this module keeps, per process and in a snapshot under
`$BAOCAO_HOME/lexical/`, a term-count matrix per chunk (plain and diacritic-folded vocabularies).
Adding or deleting a document adds or drops rows of those matrices; the BM25 weights are then
recomputed from the counts with numpy/scipy (no re-tokenising, no Python loop over the corpus) and
handed to bm25s, which retrieves and saves them; a reader loads them memory-mapped (`mmap=True`).

The weights are exactly bm25s's Lucene BM25 (k1=1.5, b=0.75), as if `bm25s.BM25().index(tokens)` had
been run over all live chunks (tests/test_index.py checks this against bm25s itself).
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
from scipy import sparse

from baocao.ingest.models import Chunk
from baocao.ingest.vietnamese import fold
from baocao.vectorstore.tokenize import analyze, expand, folded

FORMAT = 3  # bump when the snapshot layout changes: older snapshots are rebuilt, never misread
CURRENT = "CURRENT"
K1, B = 1.5, 0.75
KEEP_OLD_SNAPSHOT_S = 60.0  # a reader may still be opening the previous snapshot


@dataclass
class LexicalHit:
    chunk_id: str
    score: float


class Vocabulary:
    """Append-only token → id map (ids stay valid as documents come and go; rebuilt on full builds)."""

    def __init__(self, tokens: list[str] | None = None):
        self.tokens: list[str] = list(tokens or [])
        self.ids: dict[str, int] = {t: i for i, t in enumerate(self.tokens)}

    def lookup(self, tokens: list[str], *, add: bool) -> list[int]:
        out = []
        for token in tokens:
            i = self.ids.get(token)
            if i is None:
                if not add:
                    continue
                i = self.ids[token] = len(self.tokens)
                self.tokens.append(token)
            out.append(i)
        return out

    def __len__(self) -> int:
        return len(self.tokens)


def count_rows(token_lists: list[list[str]], vocab: Vocabulary) -> sparse.csr_matrix:
    """One row of term counts per token list, over `vocab` (which grows)."""
    indptr = [0]
    indices: list[int] = []
    for tokens in token_lists:
        indices.extend(vocab.lookup(tokens, add=True))
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    rows = sparse.csr_matrix((data, np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int64)),
                             shape=(len(token_lists), max(len(vocab), 1)))
    rows.sum_duplicates()
    return rows


def _widen(matrix: sparse.csr_matrix, columns: int) -> sparse.csr_matrix:
    if matrix.shape[1] == columns:
        return matrix
    return sparse.csr_matrix((matrix.data, matrix.indices, matrix.indptr), shape=(matrix.shape[0], columns))


def bm25_from_counts(counts: sparse.csr_matrix, vocab: Vocabulary, lengths: np.ndarray):
    """A bm25s index whose weights are computed here from the term counts (bm25s's Lucene formulas)."""
    import bm25s

    n_docs = counts.shape[0]
    columns = len(vocab) + 1  # + the empty token bm25s keeps at the end of its vocabulary
    counts = _widen(counts, columns)
    df = np.bincount(counts.indices, minlength=columns).astype(np.float64)
    idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
    avg = float(lengths.mean()) if n_docs else 1.0
    row_of = np.repeat(np.arange(n_docs), np.diff(counts.indptr))
    tf = counts.data.astype(np.float64)
    weights = idf[counts.indices] * tf / (K1 * ((1 - B) + B * lengths[row_of] / avg) + tf)
    matrix = sparse.csr_matrix((weights.astype(np.float32), counts.indices, counts.indptr), shape=counts.shape).tocsc()
    index = bm25s.BM25(k1=K1, b=B, method="lucene")
    index.scores = {"data": matrix.data, "indices": matrix.indices.astype(np.int32),
                    "indptr": matrix.indptr.astype(np.int32 if matrix.nnz < 2**31 else np.int64), "num_docs": n_docs}
    index.vocab_dict = {**vocab.ids, "": len(vocab)}
    index.unique_token_ids_set = set(index.vocab_dict.values())
    index.nonoccurrence_array = None
    return index


@lru_cache(maxsize=512)
def query_tokens(query: str) -> tuple[str, ...]:
    """A query's tokens, segmented once for both sides (word segmentation is most of a search's time)."""
    return tuple(analyze(query))


def scores_for(matrix: dict, token_ids: list[int]) -> np.ndarray:
    """BM25 scores of every chunk for these query tokens (repeats count, as in bm25s): the postings of the
    query tokens gathered from the CSC arrays and summed with one `bincount` (bm25s's `np.add.at` loop
    is ~10x slower on the long postings of common words at 100k chunks)."""
    indptr, indices, data = matrix["indptr"], matrix["indices"], matrix["data"]
    spans = [(int(indptr[t]), int(indptr[t + 1])) for t in token_ids]
    rows = np.concatenate([indices[a:b] for a, b in spans]) if spans else np.zeros(0, dtype=np.int32)
    weights = np.concatenate([data[a:b] for a, b in spans]) if spans else np.zeros(0, dtype=np.float32)
    return np.bincount(rows, weights=weights, minlength=matrix["num_docs"])


@dataclass
class Side:
    """Term counts over one vocabulary (plain or folded) and the BM25 index built from them."""

    vocab: Vocabulary
    counts: sparse.csr_matrix
    bm25: object | None = None

    def search(self, tokens: list[str], k: int) -> list[tuple[int, float]]:
        if self.bm25 is None or not tokens:
            return []
        ids = [self.bm25.vocab_dict[t] for t in tokens if t in self.bm25.vocab_dict]
        if not ids:
            return []
        scores = scores_for(self.bm25.scores, ids)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]  # 0: shares no term with the query


@dataclass
class LexicalState:
    """The live chunks of one index generation, in a fixed order, with both BM25 sides."""

    generation: str  # the index generation (Chroma's counter) this state reflects
    chunks: list[Chunk]
    lengths: np.ndarray  # tokens per chunk (BM25 document length)
    plain: Side
    folded: Side
    fold_map: np.ndarray  # plain token id → folded token id
    by_id: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {c.chunk_id: i for i, c in enumerate(self.chunks)}

    @classmethod
    def empty(cls, generation: str = "0") -> "LexicalState":
        return cls(generation, [], np.zeros(0), Side(Vocabulary(), sparse.csr_matrix((0, 1), dtype=np.float32)),
                   Side(Vocabulary(), sparse.csr_matrix((0, 1), dtype=np.float32)), np.zeros(0, dtype=np.int32))

    @property
    def doc_ids(self) -> set[str]:
        return {c.doc_id for c in self.chunks}

    @property
    def chunk_ids(self) -> list[str]:
        return [c.chunk_id for c in self.chunks]

    def changed(self, generation: str, *, drop: set[str], add: list[tuple[Chunk, list[str]]],
                names: dict[str, str]) -> "LexicalState":
        """A new state: chunks of the `drop` documents out, `add` (chunk, its stored words) in, display names
        from `names` (doc_id → name). BM25 is not rebuilt here: call `build_bm25()`."""
        keep = np.fromiter((c.doc_id not in drop for c in self.chunks), dtype=bool, count=len(self.chunks))
        chunks = [c for c, k in zip(self.chunks, keep) if k]
        plain_counts, folded_counts = self.plain.counts[keep], self.folded.counts[keep]
        lengths = self.lengths[keep]
        fold_map = self.fold_map
        if add:
            tokens = [expand(words) or ["∅"] for _, words in add]
            new_plain = count_rows(tokens, self.plain.vocab)
            new_folded, fold_map = fold_columns(new_plain, self.plain.vocab, self.folded.vocab, fold_map)
            plain_counts = sparse.vstack([_widen(plain_counts, new_plain.shape[1]), new_plain], format="csr")
            folded_counts = sparse.vstack([_widen(folded_counts, new_folded.shape[1]), new_folded], format="csr")
            lengths = np.concatenate([lengths, np.array([len(t) for t in tokens], dtype=np.float64)])
            chunks += [c for c, _ in add]
        chunks = [named(c, names.get(c.doc_id)) for c in chunks]
        return LexicalState(generation, chunks, lengths, Side(self.plain.vocab, plain_counts),
                            Side(self.folded.vocab, folded_counts), fold_map)

    def build_bm25(self) -> "LexicalState":
        if self.chunks:
            self.plain.bm25 = bm25_from_counts(self.plain.counts, self.plain.vocab, self.lengths)
            self.folded.bm25 = bm25_from_counts(self.folded.counts, self.folded.vocab, self.lengths)
        else:
            self.plain.bm25 = self.folded.bm25 = None
        return self

    def search(self, query: str, k: int, *, fold_query: bool = False) -> list[LexicalHit]:
        tokens = list(query_tokens(query))
        side = self.folded if fold_query else self.plain
        if fold_query:
            tokens = folded(tokens)
        return [LexicalHit(self.chunks[i].chunk_id, s) for i, s in side.search(tokens, k)]

    # --- snapshot on disk ---------------------------------------------------------------------------
    def save(self, root: Path) -> str:
        """Write a new snapshot folder, then point CURRENT at it: readers never see half a snapshot."""
        root.mkdir(parents=True, exist_ok=True)
        name = f"snap-{int(self.generation):08d}-{uuid.uuid4().hex[:8]}"
        target = root / f".{name}.tmp"
        target.mkdir()
        with (target / "chunks.pkl").open("wb") as out:
            pickle.dump(self.chunks, out, protocol=pickle.HIGHEST_PROTOCOL)
        np.save(target / "lengths.npy", self.lengths)
        np.save(target / "fold_map.npy", self.fold_map)
        for label, side in (("plain", self.plain), ("folded", self.folded)):
            counts = side.counts
            np.save(target / f"{label}.data.npy", counts.data.astype(np.uint16 if counts.nnz and counts.data.max() < 65536 else np.float32))
            np.save(target / f"{label}.indices.npy", counts.indices)
            np.save(target / f"{label}.indptr.npy", counts.indptr)
            (target / f"{label}.vocab.json").write_text(json.dumps(side.vocab.tokens, ensure_ascii=False), encoding="utf-8")
            if side.bm25 is not None:
                side.bm25.save(str(target / f"{label}.bm25"), show_progress=False)
        (target / "meta.json").write_text(json.dumps({"format": FORMAT, "generation": int(self.generation),
                                                      "chunks": len(self.chunks)}))
        os.replace(target, root / name)
        pointer = root / f"{CURRENT}.{uuid.uuid4().hex[:8]}.tmp"
        pointer.write_text(name)
        os.replace(pointer, root / CURRENT)
        remove_old_snapshots(root, keep=name)
        return name

    @classmethod
    def load(cls, root: Path, *, mmap: bool = True) -> "LexicalState | None":
        """The snapshot CURRENT points at, or None when there is none or it cannot be read."""
        import bm25s

        try:
            folder = root / (root / CURRENT).read_text().strip()
            meta = json.loads((folder / "meta.json").read_text())
            if meta.get("format") != FORMAT:
                return None
            with (folder / "chunks.pkl").open("rb") as source:
                chunks = pickle.load(source)
            lengths = np.load(folder / "lengths.npy")
            fold_map = np.load(folder / "fold_map.npy")
            sides = []
            mode = "r" if mmap else None
            for label in ("plain", "folded"):
                vocab = Vocabulary(json.loads((folder / f"{label}.vocab.json").read_text(encoding="utf-8")))
                counts = sparse.csr_matrix(
                    (np.load(folder / f"{label}.data.npy", mmap_mode=mode).astype(np.float32),
                     np.load(folder / f"{label}.indices.npy", mmap_mode=mode),
                     np.load(folder / f"{label}.indptr.npy", mmap_mode=mode)),
                    shape=(len(chunks), max(len(vocab), 1)))
                bm25 = (bm25s.BM25.load(str(folder / f"{label}.bm25"), mmap=mmap, load_vocab=True)
                        if chunks else None)
                sides.append(Side(vocab, counts, bm25))
        except (OSError, ValueError, KeyError, EOFError, pickle.UnpicklingError, AttributeError, TypeError, ImportError):
            return None
        return cls(str(meta["generation"]), chunks, lengths, sides[0], sides[1], fold_map)


def snapshot_generation(root: Path) -> int | None:
    """The generation of the snapshot CURRENT points at, read from its name (no files opened but the pointer)."""
    try:
        name = (root / CURRENT).read_text().strip()
        return int(name.split("-")[1])
    except (OSError, ValueError, IndexError):
        return None


def remove_old_snapshots(root: Path, keep: str) -> None:
    now = time.time()
    for path in root.glob("snap-*"):
        if path.name != keep and now - path.stat().st_mtime > KEEP_OLD_SNAPSHOT_S:
            shutil.rmtree(path, ignore_errors=True)
    for path in root.glob(".snap-*.tmp"):  # left by a writer that died while saving
        if now - path.stat().st_mtime > KEEP_OLD_SNAPSHOT_S:
            shutil.rmtree(path, ignore_errors=True)


def named(chunk: Chunk, name: str | None) -> Chunk:
    """The chunk under its document's current name (a document is its content; its names can change)."""
    if name is None or chunk.document == name:
        return chunk
    task = replace(chunk.task, document=name) if chunk.task is not None else None
    return replace(chunk, document=name, task=task)


def fold_columns(plain: sparse.csr_matrix, plain_vocab: Vocabulary, folded_vocab: Vocabulary,
                 fold_map: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray]:
    """The folded term counts of `plain` rows: each plain column mapped to its folded token (each new
    vocabulary entry is folded once, never each occurrence)."""
    if len(fold_map) < len(plain_vocab):
        extra = [folded_vocab.lookup([fold(t)], add=True)[0] for t in plain_vocab.tokens[len(fold_map):]]
        fold_map = np.concatenate([fold_map, np.asarray(extra, dtype=np.int32)])
    # copies: sum_duplicates works in place and must not touch the plain matrix's arrays
    rows = sparse.csr_matrix((plain.data.copy(), fold_map[plain.indices], plain.indptr.copy()),
                             shape=(plain.shape[0], max(len(folded_vocab), 1)))
    rows.sum_duplicates()
    return rows, fold_map
