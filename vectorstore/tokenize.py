"""Lexical analysis for BM25: Vietnamese word segmentation, lower case, diacritic folding.

Each compound word (`ban_chỉ_đạo`) is indexed together with its syllables, so a query segmented
differently from the passage still meets it. Document numbers (`57-NQ/TW`, `123/2020/NĐ-CP`),
fractions (`43/63`), dates and decimals (`159,57`) stay single tokens.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import types
import threading
from functools import lru_cache

from baocao.ingest.vietnamese import fold

# `57-NQ/TW`, `43/63`, `159,57`, `26/3/2025`; all-caps codes `KH&CN`, `TT&TT`; not `lập/kiện` (two words).
PROTECTED = re.compile(r"\d[\w]*(?:[/\-.,&][\w]+)+|\b[A-ZĐ]{1,6}(?:[&/-][A-ZĐ]{1,6})+\b")
SUPERSCRIPTS = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
WORD = re.compile(r"\w", re.UNICODE)


LIGHT_NAMES = {"word_tokenize": "underthesea.pipeline.word_tokenize", "sent_tokenize": "underthesea.pipeline.sent_tokenize"}


def use_light_underthesea() -> None:
    """Make `from underthesea import word_tokenize/sent_tokenize` cheap.

    underthesea's package `__init__` eagerly imports its translation and classification pipelines, which
    pull in transformers and torch: 1-3 s and ~400 MB for a process that only segments words (a
    `baocao ask` from the shell). Registering the package without running its `__init__` keeps the two
    tokenizers we use; any other name runs the real `__init__` on first access, so nothing else changes.
    """
    if "underthesea" in sys.modules:
        return
    spec = importlib.util.find_spec("underthesea")
    if spec is None or not spec.submodule_search_locations:
        return
    package = types.ModuleType("underthesea")
    package.__spec__, package.__file__ = spec, spec.origin
    package.__path__ = list(spec.submodule_search_locations)
    state = {"full": False}

    def __getattr__(name: str):
        if name in LIGHT_NAMES:
            import importlib

            importlib.import_module("underthesea.pipeline.text_normalize")  # the order underthesea's __init__ uses
            value = getattr(importlib.import_module(LIGHT_NAMES[name]), name)
            setattr(package, name, value)
            return value
        if not state["full"] and not name.startswith("__"):
            state["full"] = True
            spec.loader.exec_module(package)  # the real __init__, into the same module object
            return getattr(package, name)
        raise AttributeError(name)

    package.__getattr__ = __getattr__
    sys.modules["underthesea"] = package


use_light_underthesea()  # before anything imports underthesea (ingest/ and assistant/ use its sent_tokenize)
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


def expand(word_list: list[str]) -> list[str]:
    """BM25 tokens from words: each word, plus the syllables of compound words."""
    tokens: list[str] = []
    for word in word_list:
        tokens.append(word)
        if "_" in word:
            tokens.extend(word.split("_"))
    return tokens


def analyze(text: str) -> list[str]:
    """BM25 tokens of a text (a query, or a chunk's `index_text()`)."""
    return expand(words(text))


def folded(tokens: list[str]) -> list[str]:
    return [fold(t) for t in tokens]
