"""Repair of Vietnamese text damaged by PDF extraction.

Two defects, both fixed with the same knowledge: the spelling rules of `ingest.vietnamese` and a
syllable bigram model counted from clean Vietnamese text (`SyllableModel`).

- `rejoin_split_syllables`: `ĐIỀ U KHO ẢN` -> `ĐIỀU KHOẢN` (a space inserted inside a syllable).
- `repair_replacement_chars`: `th�c hi�n` -> `thực hiện` (a letter lost to U+FFFD).
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from itertools import product
from pathlib import Path

from baocao.ingest.vietnamese import is_vietnamese_syllable, nfc, syllable_inventory

REPLACEMENT = "\ufffd"
BOUNDARY = "<s>"
DATA_DIR = Path(__file__).parent / "data"
DEFAULT_MODEL_PATH = DATA_DIR / "syllable_model.json.gz"

# A word: letters, possibly with lost letters (U+FFFD) among them.
WORD_RE = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f]|\ufffd)+")  # marks: text may not be NFC
# What may stand between two words of the same phrase; anything else (punctuation, digits) is a break.
_JOINING_GAP_RE = re.compile(r"[ \t\r\n\u00a0]*")


# A word capitalised for its position alone: after a full stop, or opening a list item on a new line.
_SENTENCE_END_RE = re.compile(r"[.!?]\W*$|\n\s*(?:[-+•*–]|\(?[a-zđ0-9]{1,3}[.)])\s*$")


@dataclass
class Word:
    start: int
    end: int
    text: str
    follows_break: bool  # punctuation or digits lie between the previous word and this one
    starts_sentence: bool  # capitalised for its position, not for what it is


def iter_words(text: str) -> Iterator[Word]:
    previous_end = None
    for match in WORD_RE.finditer(text):
        gap = text[previous_end:match.start()] if previous_end is not None else ""
        follows_break = previous_end is None or not _JOINING_GAP_RE.fullmatch(gap)
        starts_sentence = previous_end is None or bool(_SENTENCE_END_RE.search(gap))
        yield Word(match.start(), match.end(), match.group(0), follows_break, starts_sentence)
        previous_end = match.end()


def clean_runs(text: str) -> list[str]:
    """The text cut at lines holding U+FFFD: what may train a model."""
    runs, current = [], []
    for line in text.splitlines():
        if REPLACEMENT in line:
            if current:
                runs.append("\n".join(current))
            current = []
        else:
            current.append(line)
    if current:
        runs.append("\n".join(current))
    return runs


def phrases(text: str) -> Iterator[list[Word]]:
    """Runs of words with no break inside; a damaged word also ends a run."""
    run: list[Word] = []
    for word in iter_words(nfc(text)):
        if word.follows_break or REPLACEMENT in word.text:
            if run:
                yield run
            run = []
        if REPLACEMENT not in word.text:
            run.append(word)
    if run:
        yield run


def _is_title_case(word: str) -> bool:
    return word[:1].isupper() and (len(word) == 1 or word[1:].islower())


# --- the syllable model ---------------------------------------------------------------------------


class SyllableModel:
    """Syllable unigram and bigram counts with interpolated Kneser-Ney smoothing.

    Sentence boundaries are the token `<s>`, so `logprob(prev, word)` covers the first and last
    word of a phrase too; scoring a repaired word with both its neighbours uses the left and the
    right context."""

    DISCOUNT = 0.75

    def __init__(self) -> None:
        self.unigrams: Counter[str] = Counter()
        self.bigrams: Counter[tuple[str, str]] = Counter()
        self.history: Counter[str] = Counter()  # c(v .)
        self.followers: Counter[str] = Counter()  # N1+(v .)
        self.predecessors: Counter[str] = Counter()  # N1+(. w)
        self.bigram_types = 0  # N1+(. .)
        # capitalised inside a sentence (`Đề án 06`, `Việt Nam`): restores the case of a lost capital
        self.capitalised: Counter[tuple[str, str]] = Counter()
        self.capitalised_words: Counter[str] = Counter()
        self.capitalised_after: Counter[tuple[str, str]] = Counter()  # keyed (previous, word)

    # building
    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> SyllableModel:
        model = cls()
        model.update(texts)
        return model

    @classmethod
    def from_files(cls, paths: Iterable[Path]) -> SyllableModel:
        """Counted from text files, each cut at its lines holding U+FFFD (`clean_runs`)."""
        return cls.from_texts(run for path in paths for run in clean_runs(path.read_text(encoding="utf-8")))

    def update(self, texts: Iterable[str]) -> None:
        """Add counts from clean text; words holding U+FFFD are skipped and break the phrase."""
        if isinstance(texts, str):
            texts = [texts]
        for text in texts:
            for run in phrases(text):
                self._add_phrase(run)

    def _add_phrase(self, words: list[Word]) -> None:
        lower = [w.text.lower() for w in words]
        self.unigrams.update(lower)
        sequence = [BOUNDARY, *lower, BOUNDARY]
        for pair in zip(sequence, sequence[1:]):
            self._add_bigram(pair, 1)
        for k, word in enumerate(words):
            if _is_title_case(word.text) and not word.starts_sentence:
                self.capitalised[(lower[k], sequence[k + 2])] += 1
                self.capitalised_after[(sequence[k], lower[k])] += 1
                self.capitalised_words[lower[k]] += 1

    def _add_bigram(self, pair: tuple[str, str], count: int) -> None:
        if pair not in self.bigrams:
            self.followers[pair[0]] += 1
            self.predecessors[pair[1]] += 1
            self.bigram_types += 1
        self.bigrams[pair] += count
        self.history[pair[0]] += count

    def copy(self) -> SyllableModel:
        other = SyllableModel()
        other.unigrams = self.unigrams.copy()
        other.bigrams = self.bigrams.copy()
        other.history = self.history.copy()
        other.followers = self.followers.copy()
        other.predecessors = self.predecessors.copy()
        other.bigram_types = self.bigram_types
        other.capitalised = self.capitalised.copy()
        other.capitalised_words = self.capitalised_words.copy()
        other.capitalised_after = self.capitalised_after.copy()
        return other

    # storage
    def save(self, path: Path) -> None:
        data = {
            "format": "baocao-syllable-bigrams/1",
            "unigrams": dict(sorted(self.unigrams.items())),
            "bigrams": sorted([a, b, n] for (a, b), n in self.bigrams.items()),
            "capitalised": sorted([a, b, n] for (a, b), n in self.capitalised.items()),
            "capitalised_after": sorted([a, b, n] for (a, b), n in self.capitalised_after.items()),
        }
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def load(cls, path: Path) -> SyllableModel:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
        model = cls()
        model.unigrams.update(data["unigrams"])
        for a, b, n in data["bigrams"]:
            model._add_bigram((a, b), n)
        for a, b, n in data["capitalised"]:
            model.capitalised[(a, b)] += n
            model.capitalised_words[a] += n
        for a, b, n in data["capitalised_after"]:
            model.capitalised_after[(a, b)] += n
        return model

    @classmethod
    def default(cls) -> SyllableModel:
        """The bundled model (shared and cached: copy() it before update())."""
        return _default_model()

    # scoring
    def continuation(self, word: str) -> float:
        vocabulary = len(syllable_inventory())
        return (self.predecessors[word] + 0.5) / (self.bigram_types + 0.5 * vocabulary)

    def prob(self, previous: str, word: str) -> float:
        seen = self.history[previous]
        if not seen:
            return self.continuation(word)
        discounted = max(self.bigrams[(previous, word)] - self.DISCOUNT, 0.0) / seen
        backoff = self.DISCOUNT * self.followers[previous] / seen
        return discounted + backoff * self.continuation(word)

    def logprob(self, previous: str, word: str) -> float:
        return math.log(self.prob(previous, word))

    def usually_capitalised(self, previous: str, word: str, following: str) -> bool:
        """Is `word` between these neighbours mostly written with a capital inside a sentence?
        (`và Đào tạo` after `Giáo dục`, `Đề án 06`, but `khuyến khích đào tạo`.)"""
        ratios = []
        for pair, capitalised in (((previous, word), self.capitalised_after), ((word, following), self.capitalised)):
            if self.bigrams[pair] and BOUNDARY not in pair:
                ratios.append(capitalised[pair] / self.bigrams[pair])
        if len(ratios) == 2:
            return min(ratios) > 0.5
        if len(ratios) == 1:
            return ratios[0] >= 0.8
        return 2 * self.capitalised_words[word] > self.unigrams[word] > 0


@cache
def _default_model() -> SyllableModel:
    return SyllableModel.load(DEFAULT_MODEL_PATH)


# --- candidates for a damaged word ----------------------------------------------------------------


@cache
def _letters() -> str:
    return "".join(sorted({ch for syllable in syllable_inventory() for ch in syllable}))


@cache
def _syllables_by_length() -> dict[int, tuple[str, ...]]:
    grouped: dict[int, list[str]] = defaultdict(list)
    for syllable in syllable_inventory():
        grouped[len(syllable)].append(syllable)
    return {length: tuple(sorted(items)) for length, items in grouped.items()}


@cache
def candidates_for(pattern: str) -> tuple[str, ...]:
    """Syllables (lower-case) that fit `pattern`, U+FFFD standing for exactly one letter."""
    hole = pattern.find(REPLACEMENT)
    if pattern.count(REPLACEMENT) == 1:  # the usual case: try every letter in the hole
        inventory = syllable_inventory()
        filled = (pattern[:hole] + ch + pattern[hole + 1:] for ch in _letters())
        return tuple(candidate for candidate in filled if candidate in inventory)
    regex = re.compile("".join("." if ch == REPLACEMENT else re.escape(ch) for ch in pattern))
    return tuple(s for s in _syllables_by_length().get(len(pattern), ()) if regex.fullmatch(s))


def _restored_case(text: str, word: Word, restored_lower: str, capital_first: bool) -> str:
    """Give the restored letters the case of the word around them: `Vi�t` -> `Việt`, `VI�T` ->
    `VIỆT`; `D�` is `Dự` unless its line is written in capitals (`DỰ ÁN`). A lost first letter is
    a capital at a sentence start or where the model says the word usually has one (`�ề án`)."""
    damaged = nfc(word.text)
    known = [ch for ch in damaged if ch != REPLACEMENT]
    if len(known) >= 2 and all(ch.isupper() for ch in known):
        in_capitals = True
    elif len(known) == 1 and known[0].isupper():
        in_capitals = _line_in_capitals(text, word)
    else:
        in_capitals = False
    out = []
    for i, (d, r) in enumerate(zip(damaged, restored_lower)):
        if d != REPLACEMENT:
            out.append(d)
        else:
            out.append(r.upper() if in_capitals or (i == 0 and capital_first) else r)
    return "".join(out)


def _line_in_capitals(text: str, word: Word) -> bool:
    line_start = text.rfind("\n", 0, word.start) + 1
    line_end = text.find("\n", word.end)
    line = text[line_start:word.start] + text[word.end:line_end if line_end >= 0 else len(text)]
    letters = [ch for ch in line if ch.isalpha()]
    return len(letters) >= 4 and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)


# --- decoding -------------------------------------------------------------------------------------
# Each run of consecutive damaged words is decoded jointly between its intact neighbours: every
# combination of readings is scored with the bigram model (left and right context included).
# A document loses the *same* few letters everywhere (the glyphs its font could not map), so which
# letters U+FFFD stands for is estimated per document by EM (a distribution over the lost letter,
# re-estimated from the posteriors); it decides `ki�n` = kiện rather than kiến.
# Readings the model has never seen all get the same language-model score, so they are scored as
# one option, told apart by the letter distribution alone; this keeps the combinations few.

MIN_POSTERIOR = 0.9  # below this the word is left damaged: a wrong letter misleads more than `�`
MAX_PATHS = 5000
EM_ROUNDS = 4
LETTER_SMOOTHING = 0.5
UNSEEN = "<unseen>"


@dataclass
class RepairResult:
    text: str
    damaged: int  # words holding U+FFFD
    repaired: int
    unresolved: int


@dataclass
class _Option:
    """A reading of a damaged word: one seen syllable, or all the unseen ones together."""
    lm_word: str  # what the language model scores
    syllables: tuple[str, ...]
    lost: tuple[tuple[str, ...], ...]  # per syllable, the letters standing in for U+FFFD


@dataclass
class _Run:
    """Damaged words in a row between two intact neighbours, and every reading of them."""
    left: str
    words: list[Word]
    right: str
    options: list[list[_Option]]
    paths: list[tuple[int, ...]]  # option index per word
    lm_scores: list[float]


class _LostLetters:
    """P(letter | U+FFFD) in this document."""

    def __init__(self, log_prob: dict[str, float] | None = None, floor: float = 0.0) -> None:
        self.log_prob, self.floor = log_prob or {}, floor
        self._weights: dict[tuple[str, ...], float] = {}

    def weight(self, lost: tuple[str, ...]) -> float:
        if lost not in self._weights:
            self._weights[lost] = math.exp(sum(self.log_prob.get(ch, self.floor) for ch in lost))
        return self._weights[lost]

    def syllable_weights(self, option: _Option) -> list[float]:
        return [self.weight(lost) for lost in option.lost]


def _lost_letters(pattern: str, syllable: str) -> tuple[str, ...]:
    return tuple(ch for p, ch in zip(pattern, syllable) if p == REPLACEMENT)


def _options_for(model: SyllableModel, word: Word) -> list[_Option]:
    pattern = nfc(word.text).lower()
    seen, unseen = [], []
    for syllable in candidates_for(pattern):
        (seen if model.unigrams[syllable] else unseen).append(syllable)
    options = [_Option(s, (s,), (_lost_letters(pattern, s),)) for s in seen]
    if unseen or not seen:  # no syllable fits at all: an unknown word, left as it is
        options.append(_Option(UNSEEN, tuple(unseen), tuple(_lost_letters(pattern, s) for s in unseen)))
    return options


def _damaged_runs(text: str) -> Iterator[tuple[str, list[Word], str]]:
    """(left neighbour, damaged words in a row, right neighbour); a neighbour is `<s>` at a break."""
    previous = BOUNDARY
    run: list[Word] = []
    for word in iter_words(text):
        if word.follows_break:
            if run:
                yield previous, run, BOUNDARY
                run = []
            previous = BOUNDARY
        if REPLACEMENT in word.text:
            run.append(word)
            continue
        if run:
            yield previous, run, nfc(word.text).lower()
            run = []
        previous = nfc(word.text).lower()
    if run:
        yield previous, run, BOUNDARY


def _prune(model: SyllableModel, options: list[list[_Option]]) -> list[list[_Option]]:
    """Keep the likeliest readings of each word when a run has too many combinations."""
    keep = max(len(o) for o in options)
    while keep > 1 and math.prod(min(len(o), keep) for o in options) > MAX_PATHS:
        keep -= 1
    return [sorted(o, key=lambda opt: -model.unigrams[opt.lm_word])[:keep] for o in options]


def _build_run(model: SyllableModel, left: str, words: list[Word], right: str) -> _Run:
    options = [_options_for(model, word) for word in words]
    if math.prod(len(o) for o in options) > MAX_PATHS:
        options = _prune(model, options)
    paths, scores = [], []
    for path in product(*(range(len(o)) for o in options)):
        sequence = (left, *(options[k][i].lm_word for k, i in enumerate(path)), right)
        paths.append(path)
        scores.append(sum(model.logprob(a, b) for a, b in zip(sequence, sequence[1:])))
    return _Run(left, words, right, options, paths, scores)


def _path_weights(run: _Run, letters: _LostLetters) -> tuple[list[float], list[list[list[float]]]]:
    """Normalised weight of each path, and the letter weight of each syllable of each option."""
    syllable_weights = [[letters.syllable_weights(option) for option in word] for word in run.options]
    log_emission = [[math.log(sum(w)) if w else 0.0 for w in word] for word in syllable_weights]
    scores = [lm + sum(log_emission[k][i] for k, i in enumerate(path)) for lm, path in zip(run.lm_scores, run.paths)]
    best = max(scores)
    weights = [math.exp(score - best) for score in scores]
    total = sum(weights)
    return [w / total for w in weights], syllable_weights


def _posteriors(run: _Run, letters: _LostLetters) -> list[dict[tuple[str, ...], float]]:
    """Posterior of each (syllable, lost letters) reading, for each damaged word of the run."""
    path_weights, syllable_weights = _path_weights(run, letters)
    posteriors: list[dict[tuple[str, ...], float]] = [defaultdict(float) for _ in run.words]
    for path, weight in zip(run.paths, path_weights):
        for k, i in enumerate(path):
            option, weights = run.options[k][i], syllable_weights[k][i]
            total = sum(weights)
            for syllable, lost, w in zip(option.syllables, option.lost, weights):
                posteriors[k][(syllable, *lost)] += weight * w / total
            if not option.syllables:
                posteriors[k][()] += weight  # mass on "none of the syllables"
    return posteriors


def _estimate_lost_letters(runs: list[_Run]) -> _LostLetters:
    """EM over the document: which letters does U+FFFD stand for here?"""
    alphabet = {ch for run in runs for word in run.options for o in word for lost in o.lost for ch in lost}
    letters = _LostLetters()  # uniform to start with: the language model alone decides
    for _ in range(EM_ROUNDS):
        counts: Counter[str] = Counter()
        for run in runs:
            for posterior in _posteriors(run, letters):
                for reading, p in posterior.items():
                    for ch in reading[1:]:  # (syllable, *lost letters)
                        counts[ch] += p
        total = sum(counts.values()) + LETTER_SMOOTHING * len(alphabet)
        if not total:
            break
        letters = _LostLetters({ch: math.log((counts[ch] + LETTER_SMOOTHING) / total) for ch in alphabet},
                               math.log(LETTER_SMOOTHING / total))
    return letters


def _decide(run: _Run, letters: _LostLetters) -> list[str | None]:
    """The reading of each damaged word, or None where the model is unsure."""
    choices: list[str | None] = []
    for posterior in _posteriors(run, letters):
        syllables: dict[str | None, float] = defaultdict(float)
        for reading, p in posterior.items():
            syllables[reading[0] if reading else None] += p
        best, p = max(syllables.items(), key=lambda item: item[1])
        choices.append(best if p >= MIN_POSTERIOR else None)
    return choices


def repair_replacement_chars(text: str, model: SyllableModel | None = None) -> RepairResult:
    """Restore letters lost to U+FFFD (`th�c hi�n` -> `thực hiện`), adapting the model to the
    document's own intact words first. Words the model is unsure about keep their U+FFFD."""
    if REPLACEMENT not in text:
        return RepairResult(text, 0, 0, 0)
    adapted = (model or SyllableModel.default()).copy()
    adapted.update([text])
    runs = [_build_run(adapted, left, words, right) for left, words, right in _damaged_runs(text)]
    damaged = sum(len(run.words) for run in runs)
    letters = _estimate_lost_letters(runs)
    replacements: list[tuple[Word, str]] = []
    for run in runs:
        choices = _decide(run, letters)
        neighbours = [run.left, *choices, run.right]
        for k, (word, choice) in enumerate(zip(run.words, choices)):
            if choice is not None:
                previous, following = neighbours[k] or UNSEEN, neighbours[k + 2] or UNSEEN
                capital = word.starts_sentence or adapted.usually_capitalised(previous, choice, following)
                replacements.append((word, _restored_case(text, word, choice, capital)))
    return RepairResult(_splice(text, replacements), damaged, len(replacements), damaged - len(replacements))


def _splice(text: str, replacements: list[tuple[Word, str]]) -> str:
    pieces, position = [], 0
    for word, new_text in sorted(replacements, key=lambda item: item[0].start):
        pieces.append(text[position:word.start])
        pieces.append(new_text)
        position = word.end
    pieces.append(text[position:])
    return "".join(pieces)


# --- split syllables ------------------------------------------------------------------------------
# PDF text can carry a space inside a syllable (`bí m ật nhà n ước`, `thu ốc`). Each run of words with
# single spaces between them is re-segmented by Viterbi over the bigram model: a group of up to three
# neighbouring pieces may become one syllable if the result is a well-formed syllable; a piece that is no
# syllable on its own pays INVALID_PIECE unless joined, and joining two pieces that are syllables on their
# own pays JOIN_PENALTY and is only tried when the joined syllable is at least as common as its halves,
# so `hoa hồng`, `kho ảnh` and `cho ai` stay apart while `thu ốc` becomes `thuốc`.

_SPLIT_GAP = " "
MAX_GROUP = 3
JOIN_PENALTY = math.log(20)
INVALID_PIECE = math.log(1e4)


def rejoin_split_syllables(text: str, model: SyllableModel | None = None) -> str:
    """Join `ĐIỀ U KHO ẢN` -> `ĐIỀU KHOẢN`, `bí m ật` -> `bí mật` (not `bím ật`); never two real words (`hoa hồng`)."""
    model = model or SyllableModel.default()
    words = list(WORD_RE.finditer(text))
    pieces: list[str] = []
    position = 0
    i = 0
    while i < len(words):
        run = [words[i]]
        if _can_start(text, words[i]):
            while i + 1 < len(words) and _splittable_gap(text, run[-1].end(), words[i + 1]):
                run.append(words[i + 1])
                i += 1
        i += 1
        if len(run) == 1:
            continue
        for group in _segment([w.group(0) for w in run], model):
            if len(group) > 1:
                first, last = run[group[0]], run[group[-1]]
                pieces.append(text[position:first.start()])
                pieces.append("".join(run[k].group(0) for k in group))
                position = last.end()
    pieces.append(text[position:])
    return "".join(pieces)


def _can_start(text: str, word: re.Match[str]) -> bool:
    """Not a word glued to what precedes it (`V/v`, `4G`, `COVID-19`): those are codes, not split syllables."""
    start = word.start()
    return start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "/-.&_" or text[start - 1] == REPLACEMENT)


def _splittable_gap(text: str, end: int, following: re.Match[str]) -> bool:
    """One space between two whole words (not `4G hiện`, not `COVID-19`)."""
    if text[end:following.start()] != _SPLIT_GAP:
        return False
    after = text[following.end():following.end() + 1]
    return not after.isalnum() and after not in (REPLACEMENT, "/", "-", "&")


def _joinable(pieces: list[str]) -> str | None:
    """The syllable the pieces spell together, if they may be one (same case style, well formed)."""
    if any(REPLACEMENT in p for p in pieces):
        return None
    for head, tail in zip(pieces, pieces[1:]):
        if not _same_case_style(head, tail):
            return None
    joined = "".join(pieces)
    return nfc(joined).lower() if is_vietnamese_syllable(joined) else None


def _segment(tokens: list[str], model: SyllableModel) -> list[list[int]]:
    """Groups of token indexes (each group one output word) maximising the model score."""
    lowered = [nfc(t).lower() for t in tokens]
    valid = [is_vietnamese_syllable(t) for t in tokens]
    # best[i][previous syllable] = (score, groups) for the first i tokens
    best: list[dict[str, tuple[float, list[list[int]]]]] = [{BOUNDARY: (0.0, [])}] + [{} for _ in tokens]
    for i in range(len(tokens)):
        for previous, (score, groups) in best[i].items():
            for size in range(1, MAX_GROUP + 1):
                if i + size > len(tokens):
                    break
                if size == 1:
                    word, cost = lowered[i], 0.0 if valid[i] else -INVALID_PIECE
                else:
                    word = _joinable(tokens[i:i + size])
                    if word is None:
                        continue
                    whole_parts = sum(valid[i:i + size])
                    if whole_parts > 1 and model.unigrams[word] < min(
                            model.unigrams[lowered[k]] for k in range(i, i + size) if valid[k]):
                        continue  # `kho ảnh` is not `khoảnh`: the join must be at least as common as its halves
                    cost = -JOIN_PENALTY * (whole_parts - 1) if whole_parts > 1 else 0.0
                candidate = score + cost + model.logprob(previous, word)
                state = best[i + size]
                if word not in state or candidate > state[word][0]:
                    state[word] = (candidate, groups + [list(range(i, i + size))])
    final = max(best[-1].items(), key=lambda item: item[1][0] + model.logprob(item[0], BOUNDARY))
    return final[1][1]


def _same_case_style(head: str, tail: str) -> bool:
    if tail.isupper():
        return head.isupper()
    return tail.islower() and (head.islower() or head[1:].islower() or len(head) == 1)
