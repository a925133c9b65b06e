"""The assistant's domain knowledge, read from data packs (`assistant/data/*.json` + `BAOCAO_DATA_PACKS`)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from baocao.ingest.datapack import load_pack
from baocao.ingest.text import search_key

ASSISTANT_DATA = Path(__file__).resolve().parent / "data"


def pack(name: str):
    return load_pack(name, ASSISTANT_DATA)


@functools.lru_cache(maxsize=64)
def _cue_pattern(name: str, packs_key: str) -> re.Pattern[str] | None:
    cues = pack("question_cues").get(name, [])
    if not cues:
        return None
    return re.compile(r"(?<!\w)(?:" + phrase_alternation(cues) + r")(?!\w)")


def phrase_alternation(phrases) -> str:
    """A regex alternation of folded phrases, longest first, any run of spaces between their words."""
    return literal_alternation(search_key(p) for p in phrases)


def literal_alternation(phrases) -> str:
    """The same for phrases as written (diacritics kept)."""
    words = sorted(set(phrases), key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, w.split())) for w in words)


def cue(name: str, folded_question: str) -> re.Match[str] | None:
    """The first cue of kind `name` ('list', 'count', 'change', …) in a folded question."""
    from baocao.ingest.datapack import configured_packs

    pattern = _cue_pattern(name, configured_packs())
    return pattern.search(folded_question) if pattern else None


def cue_words(name: str) -> list[str]:
    return list(pack("question_cues").get(name, []))


def stop_words(role: str) -> frozenset[str]:
    """Folded syllables that say nothing about the subject, for one role ('question', 'period', 'task', …)."""
    from baocao.ingest.datapack import configured_packs

    return _stop_words(role, configured_packs())


@functools.lru_cache(maxsize=32)
def _stop_words(role: str, packs_key: str) -> frozenset[str]:
    return frozenset(s for w in pack("stop_words").get(role, []) for s in search_key(w).split())
