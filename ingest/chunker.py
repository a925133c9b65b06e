"""Blocks into retrieval chunks: sentence-aware, never splitting a list item, a task or a table row."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache



@dataclass
class Piece:
    """A run of text that must stay in one chunk, with where it came from."""

    text: str
    section: str
    page: int | None
    kind: str = "text"
    blocks: list[int] = field(default_factory=list)  # indexes of the source blocks


_SENT_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _load_sent_tokenize():
    from underthesea import sent_tokenize

    sent_tokenize("Khởi động.")  # loads its data now, once
    return sent_tokenize


def _sent_tokenize():
    with _SENT_LOCK:  # underthesea loads lazily and not thread-safely: first use under a lock
        return _load_sent_tokenize()


def split_sentences(text: str) -> list[str]:
    sentences = _sent_tokenize()(text)
    return [s.strip() for s in sentences if s.strip()] or [text]


def split_long(text: str, limit: int) -> list[str]:
    """A paragraph longer than `limit`: whole sentences grouped up to the limit (a sentence is never cut)."""
    if len(text) <= limit:
        return [text]
    sentences = split_sentences(text)
    # underthesea splits at '.', but Vietnamese enumerations "(1) …; (2) …" can run for a page.
    sentences = [part for s in sentences for part in split_enumeration(s, limit)]
    groups: list[str] = []
    current = ""
    for sentence in sentences:
        if current and len(current) + 1 + len(sentence) > limit:
            groups.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        groups.append(current)
    return groups


def split_enumeration(sentence: str, limit: int) -> list[str]:
    if len(sentence) <= limit:
        return [sentence]
    parts = re.split(r"(?<=[;:])\s+(?=\(\d{1,2}\)\s)", sentence)
    return parts


def group_pieces(pieces: list[Piece], limit: int) -> list[list[Piece]]:
    """Consecutive pieces of one section packed into chunks of about `limit` characters."""
    groups: list[list[Piece]] = []
    current: list[Piece] = []
    size = 0
    for piece in pieces:
        standalone = piece.kind in ("task", "footnote")
        new_section = bool(current) and current[-1].section != piece.section
        too_big = bool(current) and size + len(piece.text) > limit
        if current and (standalone or new_section or too_big or current[-1].kind in ("task", "footnote")):
            groups.append(current)
            current, size = [], 0
        current.append(piece)
        size += len(piece.text) + 1
    if current:
        groups.append(current)
    return groups
