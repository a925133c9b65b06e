"""Lexical analysis for BM25: Vietnamese word segmentation, lower case, diacritic folding.

Each compound word (`ban_chỉ_đạo`) is indexed together with its syllables, so a query segmented
differently from the passage still meets it. Document numbers (`57-NQ/TW`, `123/2020/NĐ-CP`),
fractions (`43/63`), dates and decimals (`159,57`) stay single tokens.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

from baocao.ingest.vietnamese import fold

# `57-NQ/TW`, `43/63`, `159,57`, `26/3/2025`; all-caps codes `KH&CN`, `TT&TT`; not `lập/kiện` (two words).
PROTECTED = re.compile(r"\d[\w]*(?:[/\-.,&][\w]+)+|\b[A-ZĐ]{1,6}(?:[&/-][A-ZĐ]{1,6})+\b")
SUPERSCRIPTS = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
WORD = re.compile(r"\w", re.UNICODE)


_LOAD_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _load_word_tokenize():
    from underthesea import word_tokenize

    word_tokenize("khởi động")  # loads the model now, once
    return word_tokenize


def _word_tokenize():
    # underthesea publishes its model before load() finishes: concurrent first calls crash. Load under a lock.
    with _LOAD_LOCK:
        return _load_word_tokenize()


def _segment(text: str) -> list[str]:
    return _word_tokenize()(text) if text.strip() else []


def words(text: str) -> list[str]:
    """Words of `text` in order, lower-cased; compounds joined with `_`; punctuation dropped."""
    text = SUPERSCRIPTS.sub(" ", text)
    out: list[str] = []
    position = 0
    for m in PROTECTED.finditer(text):
        out.extend(_segment(text[position : m.start()]))
        out.append(m.group(0))
        position = m.end()
    out.extend(_segment(text[position:]))
    return [w.lower().replace(" ", "_") for w in out if WORD.search(w)]


def analyze(text: str) -> list[str]:
    """BM25 tokens: each word, plus the syllables of compound words."""
    tokens: list[str] = []
    for word in words(text):
        tokens.append(word)
        if "_" in word:
            tokens.extend(word.split("_"))
    return tokens


def folded(tokens: list[str]) -> list[str]:
    return [fold(t) for t in tokens]
