"""BM25 (bm25s) over plain and diacritic-folded tokens, saved as versioned snapshots swapped atomically."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import bm25s

from baocao.vectorstore.tokenize import analyze, folded

CURRENT = "CURRENT"


@dataclass
class LexicalHit:
    chunk_id: str
    score: float


class LexicalIndex:
    """Two BM25 indexes over the same chunks: `plain` (with diacritics) and `folded` (without)."""

    def __init__(self, chunk_ids: list[str], plain: bm25s.BM25 | None, folded_index: bm25s.BM25 | None, generation: str):
        self.chunk_ids = chunk_ids
        self.plain, self.folded = plain, folded_index
        self.generation = generation

    @classmethod
    def build(cls, chunk_ids: list[str], texts: list[str], generation: str) -> "LexicalIndex":
        if not texts:
            return cls([], None, None, generation)
        tokens = [analyze(t) or ["∅"] for t in texts]
        return cls(chunk_ids, _bm25(tokens), _bm25([folded(t) for t in tokens]), generation)

    def search(self, query: str, k: int, *, fold: bool = False) -> list[LexicalHit]:
        index = self.folded if fold else self.plain
        tokens = analyze(query)
        if index is None or not tokens:
            return []
        if fold:
            tokens = folded(tokens)
        k = min(k, len(self.chunk_ids))
        docs, scores = index.retrieve([tokens], k=k, show_progress=False, n_threads=1)
        return [
            LexicalHit(self.chunk_ids[int(d)], float(s))
            for d, s in zip(docs[0], scores[0])
            if s > 0  # a BM25 score of 0 shares no term with the query: not a hit
        ]

    def save(self, root: Path) -> None:
        """Write a new snapshot folder, then point CURRENT at it: readers never see half a snapshot."""
        root.mkdir(parents=True, exist_ok=True)
        name = f"snap-{uuid.uuid4().hex[:12]}"
        target = root / name
        target.mkdir()
        (target / "meta.json").write_text(json.dumps({"generation": self.generation, "chunk_ids": self.chunk_ids}))
        if self.plain is not None:
            self.plain.save(str(target / "plain"), show_progress=False)
            self.folded.save(str(target / "folded"), show_progress=False)
        pointer = root / f"{CURRENT}.tmp"
        pointer.write_text(name)
        os.replace(pointer, root / CURRENT)
        _remove_old_snapshots(root, keep=name)

    @classmethod
    def load(cls, root: Path) -> "LexicalIndex | None":
        try:
            name = (root / CURRENT).read_text().strip()
            meta = json.loads((root / name / "meta.json").read_text())
        except (OSError, ValueError):
            return None
        if not meta["chunk_ids"]:
            return cls([], None, None, meta["generation"])
        plain = bm25s.BM25.load(str(root / name / "plain"), show_progress=False)
        folded_index = bm25s.BM25.load(str(root / name / "folded"), show_progress=False)
        return cls(meta["chunk_ids"], plain, folded_index, meta["generation"])


def _bm25(tokens: list[list[str]]) -> bm25s.BM25:
    index = bm25s.BM25()
    index.index(tokens, show_progress=False)
    return index


def _remove_old_snapshots(root: Path, keep: str) -> None:
    for path in root.glob("snap-*"):
        if path.name != keep:
            shutil.rmtree(path, ignore_errors=True)

