"""Vietnamese orthography: normalisation, diacritic folding and the syllable inventory.

The inventory is generated from the spelling rules of the language (onset x glide x nucleus x
coda x tone, with the usual constraints), not from a word list, so any well-formed syllable is
accepted and letter sequences that cannot be one syllable (`thc`, `điề`, `chñ`) are not.
"""

from __future__ import annotations

import re
from functools import cache

# --- normalisation and folding ------------------------------------------------------------------


# One fold and one NFC for the project: they live in the text module (ingest/text.py).
from baocao.ingest.text import fold, nfc  # noqa: E402,F401


# --- tones ----------------------------------------------------------------------------------------

GRAVE, ACUTE, HOOK, TILDE, DOT = "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"
TONE_MARKS = ("", GRAVE, HOOK, TILDE, ACUTE, DOT)  # ngang, huyền, hỏi, ngã, sắc, nặng
STOP_CODAS = ("c", "ch", "p", "t")
STOP_TONES = (ACUTE, DOT)  # the only tones a syllable ending in a stop can carry


def add_tone(letter: str, mark: str) -> str:
    return nfc(letter + mark) if mark else letter


# --- rimes ----------------------------------------------------------------------------------------
# A nucleus and the codas it takes (Vietnamese phonotactics; c/ng after back and central vowels,
# ch/nh after front ones). "i"/"u" codas are the off-glides (spelled i/y and u/o, see below).
_NUCLEUS_CODAS: dict[str, tuple[str, ...]] = {
    "a": ("", "m", "n", "ng", "nh", "p", "t", "c", "ch", "i", "u"),
    "ă": ("m", "n", "ng", "p", "t", "c", "i", "u"),
    "â": ("m", "n", "ng", "p", "t", "c", "i", "u"),
    "e": ("", "m", "n", "ng", "p", "t", "c", "u"),
    "ê": ("", "m", "n", "nh", "p", "t", "ch", "u"),
    "i": ("", "m", "n", "nh", "p", "t", "ch", "u"),
    "o": ("", "m", "n", "ng", "p", "t", "c", "i"),
    "ô": ("", "m", "n", "ng", "p", "t", "c", "i"),
    "ơ": ("", "m", "n", "p", "t", "i"),
    "u": ("", "m", "n", "ng", "p", "t", "c", "i"),
    "ư": ("", "m", "n", "ng", "t", "c", "i", "u"),
    "iê": ("", "m", "n", "ng", "p", "t", "c", "u"),
    "uô": ("", "m", "n", "ng", "t", "c", "i"),
    "ươ": ("", "m", "n", "ng", "p", "t", "c", "i", "u"),
}

# Nuclei that can follow the labial glide /w/ and the codas they keep there.
_GLIDE_NUCLEUS_CODAS: dict[str, tuple[str, ...]] = {
    "a": ("", "m", "n", "ng", "nh", "p", "t", "c", "ch", "i"),  # oa, oan, oanh, oai, (qu)a
    "ă": ("m", "n", "ng", "t", "c", "i"),  # oăn, oay, quăng
    "â": ("n", "ng", "t", "c", "i"),  # uân, uây, quầng
    "e": ("", "m", "n", "t", "u"),  # oe, oen, oeo, que
    "ê": ("", "n", "nh", "t", "ch"),  # uê, uênh, quết
    "i": ("", "n", "nh", "p", "t", "ch", "u"),  # uy, uynh, uyt, uỷu
    "iê": ("", "n", "t"),  # uya, uyên, uyết
    "ơ": ("",),  # thuở, huơ
    "ô": ("c",),  # quốc (only after qu, see _glide_allowed)
}

_OPEN_DIPHTHONG = {"iê": "ia", "uô": "ua", "ươ": "ưa"}
_OFFGLIDE_SPELLING = {
    ("a", "i"): "ai", ("a", "u"): "ao", ("ă", "i"): "ay", ("ă", "u"): "au",
    ("â", "i"): "ây", ("â", "u"): "âu", ("e", "u"): "eo",
}


def _spell_rime(nucleus: str, coda: str) -> str:
    if coda == "" and nucleus in _OPEN_DIPHTHONG:
        return _OPEN_DIPHTHONG[nucleus]
    if (nucleus, coda) in _OFFGLIDE_SPELLING:
        return _OFFGLIDE_SPELLING[(nucleus, coda)]
    return nucleus + coda


def _tone_slot(nucleus: str, coda: str) -> int:
    """Index in the spelled (glide-less) rime of the vowel that carries the tone mark."""
    if nucleus in _OPEN_DIPHTHONG:
        return 0 if coda == "" else 1  # mía / miến
    return 0  # the nucleus starts the (glide-less) rime


# --- onsets ---------------------------------------------------------------------------------------
ONSETS = ("", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng",
          "ngh", "nh", "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x")
_FRONT_ONLY_ONSETS = {"k", "gh", "ngh"}  # before i/y, e, ê only
_NOT_FRONT_ONSETS = {"c", "g", "ng"}  # never before i/y, e, ê
_NO_GLIDE_ONSETS = {"b", "m", "p", "ph", "v", "r", "c", "k", "gh", "ngh", "gi", "qu"}


def _is_front(spelled_rime: str) -> bool:
    return spelled_rime[0] in "ieêy"


def _onset_allows(onset: str, spelled_rime: str) -> bool:
    if onset in _FRONT_ONLY_ONSETS:
        return _is_front(spelled_rime)
    if onset in _NOT_FRONT_ONSETS:
        return not _is_front(spelled_rime)
    return True


# --- syllable generation --------------------------------------------------------------------------
# Each toneless syllable comes with the positions where a tone mark may sit: one for most, two for
# open oa/oe/uy where both the old (hòa, thủy) and the new (hoà, thuỷ) conventions are in use.


def _plain_syllables() -> dict[str, tuple[str, tuple[int, ...]]]:
    """toneless spelling -> (coda, tone positions)."""
    out: dict[str, tuple[str, tuple[int, ...]]] = {}

    def add(spelled: str, coda: str, slots: tuple[int, ...]) -> None:
        old = out.get(spelled)
        out[spelled] = (coda, tuple(sorted(set(slots) | set(old[1] if old else ()))))

    for onset in ONSETS:
        for nucleus, codas in _NUCLEUS_CODAS.items():
            for coda in codas:
                for rime, slot in _plain_rime_variants(onset, nucleus, coda):
                    if onset == "qu" or not _onset_allows(onset, rime):
                        continue
                    spelled, slot = _attach_onset(onset, rime, slot)
                    add(spelled, coda, (slot,))
        if onset in _NO_GLIDE_ONSETS and onset != "qu":
            continue
        for nucleus, codas in _GLIDE_NUCLEUS_CODAS.items():
            if nucleus == "ô" and onset != "qu":
                continue
            for coda in codas:
                for spelled_rime, slots in _glide_rime_variants(onset, nucleus, coda):
                    add(onset + spelled_rime, coda, tuple(len(onset) + s for s in slots))
    return out


def _plain_rime_variants(onset: str, nucleus: str, coda: str) -> list[tuple[str, int]]:
    if nucleus == "iê" and onset == "" and coda:
        return [("yê" + coda, 1)]  # yên, yêu
    if nucleus == "i" and coda == "":
        return [("i", 0), ("y", 0)]  # lí / lý, kĩ / kỹ, ý
    if onset == "gi" and nucleus == "i" and coda == "u":
        return []  # would be spelled `giu`, which is gi + u (giúp)
    return [(_spell_rime(nucleus, coda), _tone_slot(nucleus, coda))]


def _attach_onset(onset: str, rime: str, slot: int) -> tuple[str, int]:
    if onset == "gi" and rime[0] == "i":
        if rime == "ia":  # gia is gi + a, already produced
            return "gia", 2
        return "g" + rime, 1 + slot  # gì, gìn, giếng
    if onset == "gi" and rime[0] == "y":
        return "g" + "i" + rime[1:], 1 + slot
    return onset + rime, len(onset) + slot


def _glide_rime_variants(onset: str, nucleus: str, coda: str) -> list[tuple[str, tuple[int, ...]]]:
    if nucleus == "iê":
        if onset == "qu":
            return [("yê" + coda, (1,))] if coda else []  # quyền
        body = "ya" if coda == "" else "yê" + coda  # khuya, chuyên
        return [("u" + body, (1,) if coda == "" else (2,))]
    if nucleus == "i":
        body = "y" + coda
    else:
        body = _spell_rime(nucleus, coda) if coda != "i" else _offglide_after_glide(nucleus)
    if body is None:
        return []
    glide = "u" if onset == "qu" or nucleus not in ("a", "ă", "e") else "o"
    if onset == "qu":
        return [(body, (0,))]  # the u belongs to the onset: quý, quả
    if coda == "" and nucleus in ("a", "e", "i"):
        return [(glide + body, (0, 1))]  # hòa/hoà, khỏe/khoẻ, thủy/thuỷ
    return [(glide + body, (1,))]


def _offglide_after_glide(nucleus: str) -> str | None:
    return {"a": "ai", "ă": "ay", "â": "ây"}.get(nucleus)


@cache
def _plain_inventory() -> dict[str, tuple[str, tuple[int, ...]]]:
    return _plain_syllables()


@cache
def syllable_inventory() -> frozenset[str]:
    """Every well-formed Vietnamese syllable, lower-case NFC, with every tone."""
    syllables: set[str] = set()
    for plain, (coda, slots) in _plain_inventory().items():
        tones = STOP_TONES if coda in STOP_CODAS else TONE_MARKS
        for mark in tones:
            for slot in slots:
                syllables.add(plain[:slot] + add_tone(plain[slot], mark) + plain[slot + 1:])
    return frozenset(syllables)


def is_vietnamese_syllable(s: str) -> bool:
    """`thực`, `Nghiêng`, `QUỐC` -> True; `thc`, `điề`, `Céng` -> False."""
    s = nfc(s)
    lower = s.lower()
    if s not in (lower, lower.upper(), lower[:1].upper() + lower[1:]):
        return False
    return lower in syllable_inventory()


# --- language score -------------------------------------------------------------------------------
WORD_RE = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")  # combining marks: text may not be NFC

# Measured on the sample corpus (tests/test_vietnamese_text.py keeps these true):
#   the five reports (Unicode)                0.91-0.99  (0.91: the March report, with its U+FFFD damage)
#   the same reports with diacritics removed  0.66-0.70  (`thuc`, `viet`: a stop coda needs a tone)
#   the same reports as TCVN3 / VNI bytes     0.21-0.24 / 0.16-0.21
#   English paragraphs                        0.14-0.31  (0.31 with Vietnamese place names in it)
# So below 0.5 a text is not Vietnamese (or not decoded right); Unicode Vietnamese is above 0.85.
VIETNAMESE_RATIO_THRESHOLD = 0.5


def vietnamese_ratio(text: str) -> float:
    """Share of alphabetic tokens that are well-formed Vietnamese syllables (0.0 with no token)."""
    tokens = WORD_RE.findall(nfc(text))
    if not tokens:
        return 0.0
    inventory = syllable_inventory()
    valid = 0
    for token in tokens:
        if token in inventory or is_vietnamese_syllable(token):
            valid += 1
    return valid / len(tokens)
