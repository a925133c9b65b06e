"""The assistant's domain knowledge, read from data packs (`assistant/data/*.json` + `BAOCAO_DATA_PACKS`)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from baocao.ingest.datapack import load_pack
from baocao.ingest.text import fold, nfc, search_key

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


def cue_key(text: str) -> str:
    """The folded, lower-case text cues are matched on, where a word typed with the diacritics that tell it
    from a cue ('danh mục' is not 'mức') is kept apart (`not_cues`)."""
    from baocao.ingest.datapack import configured_packs

    pattern = _not_cue_pattern(configured_packs())
    text = nfc(text).lower()
    if pattern is not None:
        text = pattern.sub(lambda m: m.group(0) + "_", text)
    return fold(text)


@functools.lru_cache(maxsize=8)
def _not_cue_pattern(packs_key: str) -> re.Pattern[str] | None:
    words = [nfc(w).lower() for w in pack("question_cues").get("not_cues", [])]
    return re.compile(rf"(?<!\w)(?:{literal_alternation(words)})(?!\w)") if words else None


def cue_words(name: str) -> list[str]:
    return list(pack("question_cues").get(name, []))


def without_stop_words(text: str, *roles: str) -> str:
    """`text` with the stop phrases of `roles` ('question', 'period', 'task', …) blanked out, each as a whole
    phrase and with its diacritics: folded, 'hỏi' would take 'hội' and 'tình hình' 'tỉnh'. Text typed without
    diacritics is matched folded, since it cannot tell them apart anyway."""
    from baocao.ingest.datapack import configured_packs

    accented, folded = _stop_patterns(tuple(sorted(roles)), configured_packs())
    pattern = folded if text.isascii() else accented
    return pattern.sub(" ", nfc(text)) if pattern else text


@functools.lru_cache(maxsize=32)
def _stop_patterns(roles: tuple[str, ...], packs_key: str) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    phrases = [nfc(w).lower() for role in roles for w in pack("stop_words").get(role, [])]
    if not phrases:
        return None, None
    wrap = r"(?<!\w)(?:{})(?!\w)"
    return (re.compile(wrap.format(literal_alternation(phrases)), re.IGNORECASE),
            re.compile(wrap.format(phrase_alternation(phrases)), re.IGNORECASE))
