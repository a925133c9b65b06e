"""Correction of Tesseract's wrong Vietnamese diacritics, in context.

Tesseract's Vietnamese model reads most letters right and gets many of the marks wrong: it drops the
tone over a circumflex (`quyên` for quyền, `tô chức` for tổ chức), swaps sắc and hỏi (`ma tủy` for ma
túy) and reads d as đ (`đưới` for dưới). The word it writes is most often a valid syllable, so a spelling
check cannot see the error; the sentence can. On the scanned law of bench/realdocs.py three errors of
four against its DOCX twin were of this kind, and in a word whose letters were all read right.

Each phrase of an OCR'd page (words with no punctuation or digits between them) is decoded by Viterbi
over the syllable bigram model of `ingest.repair` (general Vietnamese: underthesea's word list, VLSP
text and place names, not any document), its counts merged over tone placement (`hòa` and `hoà` are one
word: a tone is never moved, the text's own convention is kept). Every word may stay as read, or become
a syllable spelled with the same base letters (`fold`: marks and đ/d aside) that the model has seen.
Keeping a word costs nothing; changing it costs `CHANGE_COST` (natural log of probability), plus
`EXTRA_MARK_COST` for each mark changed beyond the first, so a word changes only where the model finds
the whole phrase that much likelier with it; a word Tesseract read as no syllable at all (`chât`)
changes at the lower `INVALID_COST`. Never changed:
- a word written without any mark (`that`, `ROT`, `Viet`): Tesseract's Vietnamese model almost never
  drops every mark of a word (once in the 12,000 words of that law), and such words are English, codes
  or names written bare;
- a word the rest of the document writes the same way next to the same neighbour, where it never
  writes the correction (`các loài động vật` six times in a law is not `loại`): the general model
  does not know every domain word, the document does (`document_pairs`).
On clean text (bench/ocr_correct.py: every DOCX of ../shared/realdocs and the sample reports) this
changes none of the drug law's DOCX and 33 of 380,528 words in all, against 141 -> 235 of 406 of that
law's sentences recovered verbatim from its scan (bench/realdocs.py).

Only OCR output is corrected (`ingest.ocr.correct_ocr_texts`, called by `ingest.pipeline.prepare_pages`
for the pages a loader marked `ocr`), never a text layer.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from functools import cache

from baocao.ingest.repair import BOUNDARY, SyllableModel, Word, iter_words
from baocao.ingest.text import fold, nfc, unify_tone_placement
from baocao.ingest.vietnamese import is_vietnamese_syllable, syllable_inventory

CHANGE_COST = math.log(300)  # a valid syllable is replaced only if the phrase gets this much likelier
INVALID_COST = math.log(10)  # a word read as no syllable at all is replaced more readily
EXTRA_MARK_COST = math.log(100)  # each mark changed beyond the first (Tesseract mostly misreads one)
MAX_CANDIDATES = 24  # per word, the most frequent readings in the model (a long phrase stays fast)


def _unified(model: SyllableModel) -> SyllableModel:
    """The model with its counts merged over tone placement (`hoà` and `hòa` are one word, spelled
    `hòa`), built once per model and kept on it: the corrector re-marks, it never re-places a tone."""
    unified = model.__dict__.get("_unified_placement")
    if unified is None:
        unified = SyllableModel()
        for word, count in model.unigrams.items():
            unified.unigrams[unify_tone_placement(word)] += count
        merged: Counter[tuple[str, str]] = Counter()
        for (a, b), count in model.bigrams.items():
            merged[(unify_tone_placement(a), unify_tone_placement(b))] += count
        for pair, count in merged.items():
            unified._add_bigram(pair, count)
        grouped: dict[str, list[str]] = defaultdict(list)
        for syllable in {unify_tone_placement(s) for s in syllable_inventory()}:
            if unified.unigrams[syllable]:
                grouped[fold(syllable)].append(syllable)
        unified.__dict__["_readings_by_base"] = {
            base: tuple(sorted(items, key=lambda s: (-unified.unigrams[s], s))[:MAX_CANDIDATES])
            for base, items in grouped.items()}
        model.__dict__["_unified_placement"] = unified
    return unified


def _readings(unified: SyllableModel, lower: str) -> tuple[str, ...]:
    """The syllables (old tone placement) the model has seen spelled with the base letters of `lower`
    (marks and đ folded), most frequent first."""
    return unified.__dict__["_readings_by_base"].get(fold(lower), ())


@cache
def _new_placement() -> dict[str, str]:
    """`hòa` -> `hoà`, `thủy` -> `thuỷ`: the other spelling of each syllable whose tone has two places."""
    return {unify_tone_placement(s): s for s in syllable_inventory() if unify_tone_placement(s) != s}


def _new_style_share(words: list[str]) -> bool:
    """Does this text place tones the new way (`hoà`, `thuỷ`) more often than the old (`hòa`, `thủy`)?"""
    new = old = 0
    other = _new_placement()
    for word in words:
        if word in other:
            old += 1
        elif unify_tone_placement(word) != word:
            new += 1
    return new > old


_TONES = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}


@cache
def _marks(letter: str) -> tuple[str, str, str]:
    """(vowel mark, tone, stroke) of one letter: `ố` -> (circumflex, acute, ''), `đ` -> ('', '', 'đ')."""
    if letter in "đĐ":
        return "", "", "đ"
    parts = unicodedata.normalize("NFD", letter)[1:]
    return "".join(m for m in parts if m not in _TONES), "".join(m for m in parts if m in _TONES), ""


def mark_edits(a: str, b: str) -> int:
    """Marks that differ between two spellings of the same base letters (`tô`/`tổ` 1, `đưới`/`dưới` 1,
    `đưới`/`đuôi` 3)."""
    return sum(x != y for p, q in zip(a, b) for x, y in zip(_marks(p), _marks(q)))


def _case_style(word: str) -> str | None:
    """'lower', 'title' or 'upper'; None for mixed case (`BiỚI`): such a word is left alone."""
    if word.islower():
        return "lower"
    if word.isupper():
        return "upper" if len(word) > 1 else "title"
    if word[:1].isupper() and word[1:].islower():
        return "title"
    return None


def _cased(reading: str, style: str) -> str:
    if style == "upper":
        return reading.upper()
    if style == "title":
        return reading[:1].upper() + reading[1:]
    return reading


def _phrases(text: str) -> list[list[Word]]:
    runs: list[list[Word]] = []
    for word in iter_words(text):
        if word.follows_break or not runs:
            runs.append([])
        runs[-1].append(word)
    return runs


def _decode(unified: SyllableModel, words: list[Word], document: Counter | None) -> list[str | None]:
    """The corrected reading of each word of a phrase (lower case, old tone placement), or None to keep it."""
    options: list[list[tuple[str, float, bool]]] = []  # (reading, emission cost, is the word as read)
    for word in words:
        lower = unify_tone_placement(word.text.lower())
        valid = is_vietnamese_syllable(word.text)
        choices = [(lower, 0.0, True)]
        if _case_style(word.text) is not None and not word.text.isascii():
            cost = CHANGE_COST if valid else INVALID_COST
            choices += [(r, cost + EXTRA_MARK_COST * (mark_edits(lower, r) - 1), False)
                        for r in _readings(unified, lower) if r != lower]
        options.append(choices)
    if all(len(o) == 1 for o in options):
        return [None] * len(words)
    logprob = unified.logprob
    scores = [logprob(BOUNDARY, reading) - cost for reading, cost, _ in options[0]]
    pointers: list[list[int]] = [[]]
    for k in range(1, len(options)):
        previous = options[k - 1]
        new_scores, back = [], []
        for reading, cost, _ in options[k]:
            score, j = max((scores[j] + logprob(previous[j][0], reading), j) for j in range(len(previous)))
            new_scores.append(score - cost)
            back.append(j)
        scores = new_scores
        pointers.append(back)
    last = max(range(len(scores)), key=lambda j: scores[j] + logprob(options[-1][j][0], BOUNDARY))
    path = [last]
    for k in range(len(options) - 1, 0, -1):
        path.append(pointers[k][path[-1]])
    path.reverse()
    chosen = [options[k][j][0] for k, j in enumerate(path)]
    out: list[str | None] = []
    for k, j in enumerate(path):
        keep = options[k][j][2] or (document is not None and _document_prefers_as_read(document, chosen, k, options[k][0][0]))
        out.append(None if keep else chosen[k])
    return out


def document_pairs(texts) -> Counter[tuple[str, str]]:
    """The word pairs of a document's OCR text (lower case, old tone placement), phrase by phrase."""
    pairs: Counter[tuple[str, str]] = Counter()
    for text in texts:
        for phrase in _phrases(nfc(text)):
            words = [unify_tone_placement(w.text.lower()) for w in phrase]
            pairs.update(zip(words, words[1:]))
    return pairs


def _document_prefers_as_read(document: Counter, chosen: list[str], k: int, as_read: str) -> bool:
    """Does the rest of the document write this word as read next to one of these neighbours, and the
    correction never (`các loài động vật` six times is no misreading of `loại`)? The pairs of this
    very occurrence do not count."""
    sides = []
    if k > 0:
        sides.append(((chosen[k - 1], as_read), (chosen[k - 1], chosen[k])))
    if k + 1 < len(chosen):
        sides.append(((as_read, chosen[k + 1]), (chosen[k], chosen[k + 1])))
    return any(document[read] > 1 and not document[corrected] for read, corrected in sides)


def _placed(reading: str, as_read: str, new_style: bool) -> str:
    """`reading` (old placement) with its tone where the text puts tones: as the word was read when
    its tone had a place of its choosing, else as the rest of the text does."""
    as_read = as_read.lower()
    if as_read in _new_placement():
        return reading  # read `hòa`-style
    if unify_tone_placement(as_read) != as_read or new_style:
        return _new_placement().get(reading, reading)
    return reading


def correct_diacritics(text: str, model: SyllableModel | None = None,
                       document: Counter[tuple[str, str]] | None = None) -> tuple[str, int]:
    """OCR text with words whose marks the model finds wrong in context re-marked; and how many changed.
    A tone is never moved between the two vowels it may sit on (`hòa` / `hoà`): that is a spelling
    convention, kept as the text has it."""
    unified = _unified(model or SyllableModel.default())
    text = nfc(text)
    phrases = _phrases(text)
    new_style = _new_style_share([w.text.lower() for phrase in phrases for w in phrase])
    pieces, position, changed = [], 0, 0
    for phrase in phrases:
        for word, reading in zip(phrase, _decode(unified, phrase, document)):
            if reading is None:
                continue
            pieces.append(text[position:word.start])
            pieces.append(_cased(_placed(reading, word.text, new_style), _case_style(word.text) or "lower"))
            position = word.end
            changed += 1
    pieces.append(text[position:])
    return "".join(pieces), changed


# --- list markers -----------------------------------------------------------------------------------
# Tesseract reads the item letter `d)` as `đ)` and `c)` as `e)`, and the full stop of a numbered item as a
# comma (`3, Chất ...`). Items of a Vietnamese legal text are lettered in alphabetical order (a, b, c, d,
# đ, e, g, ...), so a letter that breaks the order where its look-alike would continue it is that
# look-alike; a line opening with a number, a comma and a capital is a numbered item.

_ITEM_LETTERS = "abcdđeghiklmnopqrstuvxy"
# (as read, meant): only a letter read as a later one, so it skips the letter it stands for; a repeated
# letter is left (an amending text quotes `d)` right after its own `d)`)
_LOOK_ALIKE = {("đ", "d"), ("e", "c")}
_LETTER_ITEM = re.compile(r"^([ \t]*)([a-zđ])\)", re.MULTILINE)
_NUMBER_ITEM_COMMA = re.compile(r"^([ \t]*\d{1,3}),(?=[ \t]+[A-ZĐÀ-Ỹ])", re.MULTILINE)


def repair_list_markers(text: str) -> tuple[str, int]:
    """`a) b) e) d)` -> `a) b) c) d)`, `c) đ) đ)` -> `c) d) đ)`, `3, Chất` -> `3. Chất`; and how many changed."""
    pieces, position, previous, changed = [], 0, None, 0
    for match in _LETTER_ITEM.finditer(text):
        letter = match.group(2)
        if letter == "a":
            previous = "a"
            continue
        if previous is None or letter not in _ITEM_LETTERS:
            previous = letter if letter in _ITEM_LETTERS else None
            continue
        following = _ITEM_LETTERS[_ITEM_LETTERS.index(previous) + 1:][:1]
        if following and letter != following and (letter, following) in _LOOK_ALIKE:
            pieces += [text[position:match.start(2)], following]
            position = match.end(2)
            letter, changed = following, changed + 1
        previous = letter
    pieces.append(text[position:])
    text, numbers = _NUMBER_ITEM_COMMA.subn(r"\1.", "".join(pieces))
    return text, changed + numbers
