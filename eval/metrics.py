"""Deterministic metrics of the evaluation suite: answers, item sets, citations, retrieval, latency.

Everything here is a pure function of strings and numbers (no index, no model), so each metric can
be unit-tested on hand-made cases (`tests/test_eval_metrics.py`).

Matching conventions (documented in `eval/README.md`):

- *Answer strings* (`must_contain`) are compared as token sequences. Numbers are read the Vietnamese
  way and the English way (`1.273.272` = `1273272`, `159,57` = `159.57`, `09` = `9`); words are
  compared lower-cased with one tone placement (`hoà` = `hòa`); if that fails, once more without
  diacritics (`Bo Cong an` = `Bộ Công an`), which `match_level` reports as `folded`.
- *Evidence in passages*: a passage contains a quote when `normalise_for_match(quote)` is a substring
  of `normalise_for_match(passage)` (`exact`), or when at least 80% of the quote's words appear in the
  passage in order (`fuzzy`: longest common subsequence of lower-cased words), since clean-up may
  repair a few characters or words.
- *Facts of an answer sentence* (citation and faithfulness metrics): its numbers and its capitalised
  names. A fact is supported by a passage when the passage (with its title, section, document name and
  dates) contains it under the answer-string rules above.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Iterable, Sequence

from baocao.assistant.gazetteer import normalise_name, normalise_token, strip_diacritics
from baocao.eval.dataset import normalise_for_match

# ---------------------------------------------------------------------------- tokens and numbers

_TOKEN_RE = re.compile(r"(?P<num>\d+(?:[.,]\d+)*)|(?P<word>[^\W\d_]+)|(?P<sym>[%/&+-])")
_SEPARATORS = re.compile(r"[.,]")


def number_values(text: str) -> frozenset:
    """Every value a written number can mean: Vietnamese (`1.273,5`) or English (`1,273.5`) grouping.

    `74.212` -> {74212, 74.212}; `159,57` -> {159.57}; `09` -> {9}; `1.2.3` (a section number) -> {'1.2.3'}.
    """
    groups = _SEPARATORS.split(text)
    separators = _SEPARATORS.findall(text)
    if not separators:
        return frozenset({Decimal(text)})
    values: set = set()
    if len(set(separators)) == 2:  # the last separator is the decimal mark, the others group thousands
        last = max(text.rfind("."), text.rfind(","))
        integer = _SEPARATORS.sub("", text[:last])
        values.add(_decimal(f"{integer}.{text[last + 1:]}"))
    else:
        if all(len(g) == 3 for g in groups[1:]):
            values.add(_decimal("".join(groups)))  # thousands grouping
        if len(separators) == 1:
            values.add(_decimal(f"{groups[0]}.{groups[1]}"))  # a decimal mark, either way
    values.discard(None)
    return frozenset(values) or frozenset({text})


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class Token:
    kind: str  # num | word | sym
    text: str  # words: lower-cased, one tone placement; numbers: as written
    values: frozenset = frozenset()  # numbers only

    def folded(self) -> "Token":
        return Token(self.kind, strip_diacritics(self.text), self.values) if self.kind == "word" else self

    def matches(self, other: "Token") -> bool:
        if self.kind != other.kind:
            return False
        if self.kind == "num":
            return bool(self.values & other.values)
        return self.text == other.text


def tokenize(text: str) -> list[Token]:
    """Numbers, words and the symbols that carry meaning (`%`, `/`, `&`, `+`, `-`); other punctuation is dropped."""
    tokens: list[Token] = []
    for m in _TOKEN_RE.finditer(normalise_for_match(text)):
        if m.group("num"):
            tokens.append(Token("num", m.group("num"), number_values(m.group("num"))))
        elif m.group("word"):
            tokens.append(Token("word", normalise_token(m.group("word"))))
        else:
            tokens.append(Token("sym", m.group("sym")))
    return tokens


def contains_sequence(haystack: Sequence[Token], needle: Sequence[Token]) -> bool:
    """Whether `needle` occurs contiguously in `haystack` (token-wise, numbers by value)."""
    n = len(needle)
    if n == 0:
        return True
    first = needle[0]
    for start in range(len(haystack) - n + 1):
        if first.matches(haystack[start]) and all(needle[j].matches(haystack[start + j]) for j in range(1, n)):
            return True
    return False


# ---------------------------------------------------------------------------- answer strings


class TextMatcher:
    """One text, tokenized once, asked about many expected strings."""

    def __init__(self, text: str):
        self.text = normalise_for_match(text)
        self.tokens = tokenize(text)
        self._folded: list[Token] | None = None

    @property
    def folded_tokens(self) -> list[Token]:
        if self._folded is None:
            self._folded = [t.folded() for t in self.tokens]
        return self._folded

    def match_level(self, expected: str) -> str | None:
        """`exact` (verbatim), `formatted` (tokens, numbers by value, case/tone-insensitive),
        `folded` (also without diacritics; only for strings with letters), or None."""
        needle = tokenize(expected)
        if not needle:
            return None
        if contains_sequence(self.tokens, needle):  # tokens decide ("19/10" is not in "19/103"); the level is a label
            return "exact" if normalise_for_match(expected) in self.text else "formatted"
        if any(t.kind == "word" for t in needle) and contains_sequence(self.folded_tokens, [t.folded() for t in needle]):
            return "folded"
        return None

    def contains(self, expected: str) -> bool:
        return self.match_level(expected) is not None


def match_level(text: str, expected: str) -> str | None:
    return TextMatcher(text).match_level(expected)


@dataclass
class MustContainResult:
    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    levels: dict[str, str] = field(default_factory=dict)  # expected string -> match level

    @property
    def recall(self) -> float:
        total = len(self.found) + len(self.missing)
        return len(self.found) / total if total else 1.0

    @property
    def all_found(self) -> bool:
        return not self.missing


def score_must_contain(answer_text: str, expected: Iterable[str]) -> MustContainResult:
    matcher = TextMatcher(answer_text)
    result = MustContainResult()
    for s in expected:
        level = matcher.match_level(s)
        if level is None:
            result.missing.append(s)
        else:
            result.found.append(s)
            result.levels[s] = level
    return result


# ---------------------------------------------------------------------------- refusals of one part


def refusal_phrases() -> list[str]:
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parent / "datasets" / "refusal_phrases.json"
    return list(json.loads(path.read_text(encoding="utf-8"))["phrases"])


def says_not_found(text: str, phrases: Iterable[str] | None = None) -> bool:
    """Whether the text refuses explicitly ("Không tìm thấy ...", "báo cáo chỉ nêu ...")."""
    matcher = TextMatcher(text)
    return any(matcher.match_level(p) for p in (phrases if phrases is not None else refusal_phrases()))


# ---------------------------------------------------------------------------- item sets


# 'Công văn số 144/SNV-TCBC', 'Quyết định số 2007/QĐ-UBND ngày 20/9/2023': a document is its number
_DOCUMENT_REFERENCE = re.compile(r"(?:[^\W\d_]+\s+){0,3}(?:số\s+)?(\d+(?:/\d{4})?[-/][A-ZĐ][\w.]*(?:[-/][\w.]+)*)"
                                 r"(?:\s+ngày\s+.*)?")


def canonical_item(name: str, gazetteer=None) -> str:
    """The gazetteer's canonical name of a province/agency, a cited document's number, else the normalised
    string (tasks, papers)."""
    if reference := _DOCUMENT_REFERENCE.fullmatch(normalise_for_match(name)):
        return reference.group(1)
    if gazetteer is not None:
        canonical = gazetteer.canonical(name)
        if canonical:
            return canonical
    return normalise_name(normalise_for_match(name))


@dataclass
class SetScores:
    precision: float
    recall: float
    f1: float
    missing: list[str] = field(default_factory=list)  # gold items not predicted
    extra: list[str] = field(default_factory=list)  # predicted items not in gold


def set_scores(predicted: Iterable[str], gold: Iterable[str], gazetteer=None) -> SetScores:
    """Precision/recall/F1 of predicted items against gold items, names through the gazetteer.

    An empty prediction against a non-empty gold set scores 0 precision (nothing correct was said).
    """
    pred = {canonical_item(p, gazetteer): p for p in predicted if p.strip()}
    gold_map = {canonical_item(g, gazetteer): g for g in gold if g.strip()}
    if not pred and not gold_map:
        return SetScores(1.0, 1.0, 1.0)
    correct = pred.keys() & gold_map.keys()
    precision = len(correct) / len(pred) if pred else 0.0
    recall = len(correct) / len(gold_map) if gold_map else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return SetScores(
        precision, recall, f1,
        missing=[gold_map[k] for k in gold_map if k not in correct],
        extra=[pred[k] for k in pred if k not in correct],
    )


# ---------------------------------------------------------------------------- answer sentences and facts

MARKER_RE = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
# A sentence ends at . ! ? (plus any markers right after it) followed by a space or the end of the line.
_SENTENCE_END = re.compile(r"[.!?…]+(?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])*(?=\s|$)")
_WORD_RE = re.compile(r"[^\W\d_]+")
_NUMBER_EXPRESSION = re.compile(r"\d+(?:[.,]\d+)*(?:\s*/\s*\d+(?:[.,]\d+)*)*")  # 144,50 · 19/103 · 26/3/2025
_LEADING_ENUMERATOR = re.compile(r"^\s*(?:[-•+*]\s*)?\d+[.)]\s")
_NAME_JOINERS = re.compile(r"^(?:\s+|\s*[-&]\s*)$")  # what may stand between two words of one name
_CLAUSE_OPENERS = set(":;.!?()[]{}\"'«“-•+*\n")


def split_sentences(line: str) -> list[str]:
    """Sentences of one line, each keeping the citation markers that follow it."""
    pieces, start = [], 0
    for m in _SENTENCE_END.finditer(line):
        pieces.append(line[start:m.end()])
        start = m.end()
    pieces.append(line[start:])
    return [p.strip() for p in pieces if p.strip() and _WORD_RE.search(MARKER_RE.sub("", p))]


def markers_of(text: str) -> list[int]:
    found: list[int] = []
    for m in MARKER_RE.finditer(text):
        found.extend(int(x) for x in re.split(r"\s*[,;]\s*", m.group(1)))
    return list(dict.fromkeys(found))


@dataclass
class Claim:
    """What one citation marker vouches for: the sentences before it, back to the previous marker or
    the start of the line (a marker closing a two-sentence line covers both), or one uncited sentence."""

    text: str
    markers: list[int]


def split_claims(answer: str) -> list[Claim]:
    claims: list[Claim] = []
    for line in answer.split("\n"):
        pending: list[str] = []
        for sentence in split_sentences(line):
            pending.append(sentence)
            if markers := markers_of(sentence):
                claims.append(Claim(" ".join(pending), markers))
                pending = []
        claims.extend(Claim(sentence, []) for sentence in pending)
    return claims


def split_answer_sentences(answer: str) -> list[str]:
    return [s for line in answer.split("\n") for s in split_sentences(line)]


@dataclass
class Facts:
    numbers: list[str] = field(default_factory=list)  # as written: "144,50", "19/103", "26/3/2025"
    names: list[tuple[str, ...]] = field(default_factory=list)  # each: the name, then any shorter acceptable form

    def __bool__(self) -> bool:
        return bool(self.numbers or self.names)

    def all(self) -> list[str]:
        return self.numbers + [n[0] for n in self.names]

    def alternatives(self) -> list[tuple[str, ...]]:
        return [(n,) for n in self.numbers] + self.names


def _is_capitalised(word: str) -> bool:
    return word[0].isupper()


def _clause_initial(text: str, position: int) -> bool:
    before = text[:position].rstrip(" \t")
    return not before or before[-1] in _CLAUSE_OPENERS


def extract_name_forms(sentence: str) -> list[tuple[str, ...]]:
    """Runs of capitalised words. A run opening a clause is capitalised by grammar at least in its first
    word, so that word is optional ('Theo Báo cáo' -> ('Theo Báo', 'Báo')); a lone clause-opening word
    is no name."""
    text = MARKER_RE.sub(" ", sentence)
    runs: list[list[re.Match]] = []
    previous: re.Match | None = None
    for m in _WORD_RE.finditer(text):
        if not _is_capitalised(m.group()):
            previous = None
            continue
        if previous is not None and _NAME_JOINERS.match(text[previous.end():m.start()]):
            runs[-1].append(m)
        else:
            runs.append([m])
        previous = m
    forms: list[tuple[str, ...]] = []
    for run in runs:
        whole = text[run[0].start():run[-1].end()]
        if not _clause_initial(text, run[0].start()):
            forms.append((whole,))
        elif len(run) > 1:
            forms.append((whole, text[run[1].start():run[-1].end()]))
    return list(dict.fromkeys(forms))


def extract_names(sentence: str) -> list[str]:
    return [forms[0] for forms in extract_name_forms(sentence)]


def extract_numbers(sentence: str) -> list[str]:
    text = _LEADING_ENUMERATOR.sub(" ", MARKER_RE.sub(" ", sentence))
    return list(dict.fromkeys(re.sub(r"\s+", "", m.group()) for m in _NUMBER_EXPRESSION.finditer(text)))


def extract_facts(sentence: str) -> Facts:
    return Facts(numbers=extract_numbers(sentence), names=extract_name_forms(sentence))


def _found(forms: tuple[str, ...], passages: Sequence["TextMatcher"]) -> bool:
    return any(p.contains(form) for p in passages for form in forms)


def unsupported_facts(facts: Facts, passages: Sequence["TextMatcher"]) -> list[str]:
    """The facts none of the passages contains (all of them when there is no passage)."""
    return [forms[0] for forms in facts.alternatives() if not _found(forms, passages)]


# ---------------------------------------------------------------------------- citations (ALCE-style)


@dataclass
class CitationScores:
    factual_sentences: int = 0
    cited_sentences: int = 0  # factual sentences carrying at least one marker (citation recall)
    supported_sentences: int = 0  # factual sentences whose cited passages together hold all their facts
    citations_checked: int = 0  # (sentence, marker) pairs on factual sentences
    citations_precise: int = 0
    dangling_markers: list[int] = field(default_factory=list)  # markers with no citation behind them
    facts_total: int = 0
    facts_unsupported: list[str] = field(default_factory=list)  # in no cited passage at all
    quotes_total: int = 0
    quotes_verbatim: int = 0

    @property
    def recall(self) -> float | None:
        return self.cited_sentences / self.factual_sentences if self.factual_sentences else None

    @property
    def support(self) -> float | None:
        return self.supported_sentences / self.factual_sentences if self.factual_sentences else None

    @property
    def precision(self) -> float | None:
        return self.citations_precise / self.citations_checked if self.citations_checked else None

    @property
    def faithfulness(self) -> float | None:
        return 1 - len(self.facts_unsupported) / self.facts_total if self.facts_total else None

    @property
    def quote_verbatim(self) -> float | None:
        return self.quotes_verbatim / self.quotes_total if self.quotes_total else None


@dataclass
class CitedPassage:
    marker: int
    text: str  # the passage as indexed
    context: str  # title, section, document name and dates: what an attribution like "Theo Báo cáo X (26/3/2025)" rests on
    quote: str = ""


def _supports(facts: Facts, passages: Sequence[TextMatcher]) -> bool:
    return all(_found(forms, passages) for forms in facts.alternatives())


def score_citations(answer: str, passages: Sequence[CitedPassage]) -> CitationScores:
    """Citation recall (factual claims carrying a marker), support (the claim's cited passages together
    hold all its facts), precision (after ALCE: a citation is precise when it supports its claim alone,
    or the others do not without it), faithfulness (facts found in no cited passage at all) and the
    verbatim check of each quote."""
    scores = CitationScores()
    by_marker = {p.marker: TextMatcher(p.text + "\n" + p.context) for p in passages}
    everything = list(by_marker.values())
    for claim in split_claims(answer):
        facts = extract_facts(claim.text)
        scores.dangling_markers.extend(m for m in claim.markers if m not in by_marker)
        if not facts or (not claim.markers and says_not_found(claim.text)):
            continue  # "Không tìm thấy thông tin này (năm 2025)" claims nothing a passage could support
        scores.factual_sentences += 1
        scores.facts_total += len(facts.alternatives())
        scores.facts_unsupported.extend(unsupported_facts(facts, everything))
        if not claim.markers:
            continue
        scores.cited_sentences += 1
        cited = [by_marker[m] for m in claim.markers if m in by_marker]
        if cited and _supports(facts, cited):
            scores.supported_sentences += 1
        for m in claim.markers:
            scores.citations_checked += 1
            if m in by_marker and _citation_is_precise(facts, by_marker[m], [c for c in cited if c is not by_marker[m]]):
                scores.citations_precise += 1
    for p in passages:
        scores.quotes_total += 1
        scores.quotes_verbatim += bool(p.quote) and p.quote in p.text
    return scores


def _citation_is_precise(facts: Facts, citation: TextMatcher, others: list[TextMatcher]) -> bool:
    if _supports(facts, [citation]):
        return True
    return _supports(facts, [citation, *others]) and not _supports(facts, others)


# ---------------------------------------------------------------------------- evidence in passages

FUZZY_SHARE = 0.8
_EDGE_PUNCT = "\"'“”‘’«»()[]{},.;:!?…"


def match_words(text: str) -> list[str]:
    words = (w.strip(_EDGE_PUNCT) for w in normalise_for_match(text).lower().split(" "))
    return [w for w in words if w]


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Longest common subsequence of two word lists (a is the short one)."""
    previous = [0] * (len(a) + 1)
    for word in b:
        current = [0]
        for j, other in enumerate(a):
            current.append(previous[j] + 1 if word == other else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


class PassageEvidence:
    """A passage, normalised once, checked against many quotes."""

    def __init__(self, text: str):
        self.normalised = normalise_for_match(text)
        self.words = match_words(text)
        self.word_set = set(self.words)

    def match(self, quote: str) -> str | None:
        """`exact`, `fuzzy` (≥ 80% of the quote's words in order) or None."""
        wanted = normalise_for_match(quote)
        if wanted and wanted in self.normalised:
            return "exact"
        quote_words = match_words(quote)
        if not quote_words:
            return None
        need = math.ceil(FUZZY_SHARE * len(quote_words))
        if sum(1 for w in quote_words if w in self.word_set) < need:  # cheap bound before the LCS
            return None
        return "fuzzy" if lcs_length(quote_words, self.words) >= need else None


def passage_contains_quote(passage: str, quote: str) -> str | None:
    return PassageEvidence(passage).match(quote)


# ---------------------------------------------------------------------------- ranking metrics


def covered_by_rank(ranked_coverage: Sequence[set[int]], k: int) -> set[int]:
    """Quotes (by index) covered by the top k passages; `ranked_coverage[i]` is what passage i covers."""
    out: set[int] = set()
    for covers in ranked_coverage[:k]:
        out |= covers
    return out


def hit_at_k(ranked_coverage: Sequence[set[int]], k: int) -> float:
    return 1.0 if covered_by_rank(ranked_coverage, k) else 0.0


def recall_at_k(ranked_coverage: Sequence[set[int]], k: int, n_quotes: int) -> float:
    return len(covered_by_rank(ranked_coverage, k)) / n_quotes if n_quotes else 0.0


def reciprocal_rank(ranked_coverage: Sequence[set[int]]) -> float:
    for rank, covers in enumerate(ranked_coverage, start=1):
        if covers:
            return 1.0 / rank
    return 0.0


def _dcg(gains: Sequence[float]) -> float:
    return sum(g / math.log2(rank + 1) for rank, g in enumerate(gains, start=1))


def novelty_gains(ranked_coverage: Sequence[set[int]], k: int) -> list[float]:
    """Gain of each of the top k passages: the number of quotes it covers that no higher passage covered,
    so a second copy of the same sentence earns nothing."""
    seen: set[int] = set()
    gains: list[float] = []
    for covers in ranked_coverage[:k]:
        gains.append(float(len(covers - seen)))
        seen |= covers
    return gains


def ideal_gains(reachable: Sequence[set[int]], k: int) -> list[float]:
    """The best possible gains: greedily the passage (of the whole collection) covering most uncovered quotes."""
    candidates = [c for c in reachable if c]
    seen: set[int] = set()
    gains: list[float] = []
    while len(gains) < k:
        best = max(candidates, key=lambda c: len(c - seen), default=set())
        gain = len(best - seen)
        if gain == 0:
            break
        gains.append(float(gain))
        seen |= best
    return gains


def ndcg_at_k(ranked_coverage: Sequence[set[int]], reachable: Sequence[set[int]], k: int = 10) -> float:
    """nDCG@k with novelty gains (each quote counts once); the ideal is computed over every passage of
    the collection (`reachable`: what each passage covers). 0 when no passage covers any quote."""
    ideal = _dcg(ideal_gains(reachable, k))
    return _dcg(novelty_gains(ranked_coverage, k)) / ideal if ideal else 0.0


# ---------------------------------------------------------------------------- aggregation


def mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile, q in [0, 100]."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(seconds: Sequence[float]) -> dict[str, float | None]:
    return {
        "n": len(seconds),
        "p50": percentile(seconds, 50),
        "p95": percentile(seconds, 95),
        "mean": statistics.fmean(seconds) if seconds else None,
        "max": max(seconds) if seconds else None,
    }
