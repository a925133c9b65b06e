"""How good is a piece of extracted text: the share of its words that are not valid Vietnamese syllables.

This is the one measure of text quality at ingest: a PDF page whose text layer is a legacy font
(`Céng hoµ x· héi`), a non-Vietnamese OCR layer (`cht tich ubnd tinh lim d6ng`, `Cdn c* LuQt`) or a
poor OCR read (`ừong`, `chổng`) scores high; clean text scores well under 1%.

Words that cannot be judged are not counted: numbers and codes (`123/BC-UBND`, `5G`), abbreviations
(`UBND`, `HĐND`, `TTg`), single letters (list labels `b)`), words in other scripts (`α`), e-mail and web
addresses, and tokens holding a longer foreign word (`Internet`, `piperidin-4-yl`). A word *is* counted
as invalid when it is a Vietnamese syllable stripped of its marks (`tich` for `tịch`), a short letter
cluster without a vowel (`cht`), letters glued to digits or symbols (`d6ng`, `ch*c`, `hoµ`), capitals
inside a word (`LuQt`) or a word with Vietnamese marks that is no syllable (`Céng`, `ừong`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from baocao.ingest.vietnamese import fold, is_vietnamese_syllable, nfc, syllable_inventory

_TOKEN = re.compile(r"\S+")
_SPLIT = re.compile(r"[-‐‑–—/\\.,:;()\[\]{}\"'‘’“”«»…!?&]+")
_ADDRESS = re.compile(r"@|://|^www\.", re.IGNORECASE)
_DIGIT_INSIDE = re.compile(r"[^\W\d_]\d+[^\W\d_]")
_SYMBOL = re.compile(r"[*#@$%^~|<>=+_`\u00a1-\u00bf]")  # U+00A1-U+00BF: legacy-font bytes (`hoµ`, `x·`)
_ABBREVIATION = re.compile(r"^(?:[A-ZĐ]{2,}[a-z]{0,2}|[A-ZĐ][a-z][A-ZĐ]+)$")  # UBND TTg ThS
_INNER_CAPITAL = re.compile(r"[a-zà-ỹđ][A-ZÀ-ỸĐ]")
_LATIN = re.compile(r"^[A-Za-z\u00c0-\u024f\u1e00-\u1eff\u0300-\u036f]+$")
_ASCII_LETTERS = re.compile(r"^[A-Za-z]+$")
_LEGACY_U = frozenset("\u01a2\u01a3")  # Ƣ ƣ: fonts that map ư to the wrong code point
_VOWEL = re.compile(r"[aeiouyAEIOUY]")

VALID, INVALID, FOREIGN = "valid", "invalid", "foreign"


@dataclass(frozen=True)
class TextQuality:
    judged: int  # words that could be judged
    invalid: int  # of those, not a valid Vietnamese syllable
    plain: int  # valid syllables of two letters or more written without any mark (ASCII only)
    syllables: int  # valid syllables of two letters or more

    @property
    def invalid_share(self) -> float:
        return self.invalid / self.judged if self.judged else 0.0

    @property
    def plain_share(self) -> float:
        """Near 1.0 for Vietnamese typed (or OCR'd) without diacritics; about 0.05-0.2 for real prose."""
        return self.plain / self.syllables if self.syllables else 0.0

    def __add__(self, other: TextQuality) -> TextQuality:
        return TextQuality(
            self.judged + other.judged, self.invalid + other.invalid,
            self.plain + other.plain, self.syllables + other.syllables,
        )


EMPTY = TextQuality(0, 0, 0, 0)


@cache
def _folded_inventory() -> frozenset[str]:
    return frozenset(fold(s) for s in syllable_inventory())


def _judge(word: str) -> str | None:
    """VALID, INVALID, FOREIGN (a longer word of another language), or None when it cannot be judged."""
    if not any(c.isalpha() for c in word):
        return None
    if any(c.isdigit() for c in word):
        return INVALID if _DIGIT_INSIDE.search(word) and sum(c.isalpha() for c in word) >= 3 else None
    if _SYMBOL.search(word):
        return INVALID
    if not _LATIN.match(word):
        return INVALID if _LEGACY_U.intersection(word) else None  # other scripts are not judged
    if is_vietnamese_syllable(word) or (word[-1] in "kK" and is_vietnamese_syllable(word[:-1] + "c")):
        return VALID  # `Đắk`, `Lắk`: place names spell the coda c as k
    if len(word) == 1 or _ABBREVIATION.match(word):
        return None
    if _INNER_CAPITAL.search(word):
        return INVALID  # `LuQt`: OCR noise, not a name
    if _ASCII_LETTERS.match(word):
        if word.lower() in _folded_inventory():
            return INVALID  # a syllable that lost its marks
        return FOREIGN if _VOWEL.search(word) else INVALID  # `of`, `Fax`, `methyl` / `cht`, `Cdn`
    return INVALID


@lru_cache(maxsize=262_144)  # tokens repeat: a document has a few thousand distinct ones
def _token_verdicts(token: str) -> tuple[tuple[str, str], ...]:
    """(word, verdict) for the judged words of one whitespace token; a token holding a foreign word
    (`piperidin-4-yl`, `N-methyl`) or an address is not judged at all."""
    if _ADDRESS.search(token):
        return ()
    verdicts = []
    for word in _SPLIT.split(token):
        verdict = _judge(word) if word else None
        if verdict == FOREIGN:
            return ()
        if verdict is not None:
            verdicts.append((word, verdict))
    return tuple(verdicts)


def text_quality(text: str) -> TextQuality:
    judged = invalid = plain = syllables = 0
    for token in _TOKEN.findall(nfc(text)):
        for word, verdict in _token_verdicts(token):
            judged += 1
            if verdict == INVALID:
                invalid += 1
            elif len(word) >= 2:
                syllables += 1
                plain += word.isascii()
    return TextQuality(judged, invalid, plain, syllables)


def invalid_share(text: str) -> float:
    return text_quality(text).invalid_share


def invalid_words(text: str, limit: int = 20) -> list[str]:
    """Examples of the words counted as invalid, for reports and debugging."""
    found: list[str] = []
    for token in _TOKEN.findall(nfc(text)):
        for word, verdict in _token_verdicts(token):
            if verdict == INVALID and word not in found:
                found.append(word)
                if len(found) >= limit:
                    return found
    return found
