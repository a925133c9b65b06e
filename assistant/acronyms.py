"""Acronyms an official writes that no table lists (`SNNMT`, `HHĐG&MT`), spelled out from the passages at hand.

A report names "Sở Nông nghiệp và Môi trường" and the question says "SNNMT": the acronym is matched against
the initials of the syllables of the retrieved passages, starting at a capitalised syllable; "và" is spelled
by "&" or left out. Only acronyms the abbreviation pack does not know are read this way.
"""

from __future__ import annotations

import re

from baocao.ingest.text import fold

ACRONYM = re.compile(r"(?<![\w&])[A-ZĐ](?:[A-ZĐ]|&(?=[A-ZĐ])){2,9}(?![\w&])")
WORD = re.compile(r"[^\W\d_]+|&")
CONNECTORS = {"va", "&"}


def acronyms_in(question: str, known: set[str]) -> list[str]:
    """The question's acronyms that the abbreviation tables do not spell out."""
    return [a for a in dict.fromkeys(ACRONYM.findall(question)) if fold(a).lower() not in known and not _roman(a)]


def spelled_out(acronym: str, texts: list[str]) -> list[str]:
    """Phrases of `texts` whose initials spell `acronym`, as written."""
    letters = [ch for ch in fold(acronym).lower()]
    found: list[str] = []
    for text in texts:
        words = list(WORD.finditer(text))
        for start, word in enumerate(words):
            if not word[0][0].isupper() or word[0] == "&":
                continue
            end = _match(letters, [fold(w[0]).lower() for w in words[start:start + 2 * len(letters)]])
            if end:
                found.append(text[word.start(): words[start + end - 1].end()])
    return list(dict.fromkeys(found))


def _match(letters: list[str], words: list[str]) -> int:
    """How many of `words` the letters spell from the first one (0: they do not)."""
    i = j = 0
    while i < len(letters):
        if j >= len(words):
            return 0
        if letters[i] == "&":
            if words[j] not in CONNECTORS:
                return 0
            i, j = i + 1, j + 1
        elif words[j] in CONNECTORS and j > 0:
            j += 1  # "và" the acronym leaves out
        elif words[j][0] == letters[i]:
            i, j = i + 1, j + 1
        else:
            return 0
    return j


def _roman(text: str) -> bool:
    return re.fullmatch(r"[IVXLC]+", text) is not None
