"""Grounding guard: every sentence a generator writes must be backed by the passage(s) it cites.

A sentence is kept only when it cites passages that were given and its numbers, dates, document numbers
and proper names all occur in them; each citation then carries a verbatim quote of the cited passage.
Whatever fails is dropped (and listed in `Answer.dropped`); if nothing grounded is left the caller's
fallback answers instead, so an unsupported claim is never shown as fact.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from baocao.assistant.compose import CitationList, refusal, vn_date
from baocao.assistant.evidence import split_sentences, syllables
from baocao.assistant.models import Answer, Citation
from baocao.ingest.models import Chunk
from baocao.ingest.vietnamese import fold
from baocao.vectorstore.store import SearchHit

GUARDED = "+guard"  # suffix of `Answer.generator` for an answer that went through the guard
FELL_BACK = "+guard:fallback"  # suffix when nothing survived and the fallback answered

# `[1]`, `[1, 2]`, `[1-3]`, `[nguồn 2]`: what a model writes to cite the numbered passages.
MARKER = re.compile(r"\[\s*(?:nguồn|đoạn trích|đoạn|source)?\s*(\d+(?:\s*[,;–-]\s*\d+)*)\s*\]", re.IGNORECASE)
# End of a sentence: punctuation, the markers that may trail it, then a space before the next sentence.
# The look-ahead wants the next sentence's first character, so a marker still being streamed is not cut off.
SENTENCE_END = re.compile(r"[.!?…]+(?:\s*\[[^\[\]\n]{0,40}\])*\s+(?=[^\s\[])")
ABBREVIATIONS = {"tp", "ts", "ths", "gs", "pgs", "bs", "q", "p", "tt", "v.v", "st", "no"}
ENUMERATOR = re.compile(r"\d{1,2}|[a-zđ]|[IVX]{1,4}", re.IGNORECASE)
LIST_BULLET = re.compile(r"^\s*(?:[-•*+–]|\d{1,2}[.)]|[a-zđ][.)])\s+", re.IGNORECASE)

# A quantity stands alone: the 5 of `5G` or the 15 of `QH15` is part of a name, not a figure.
NUMBER = re.compile(r"(?<!\w)\d+(?:[.,]\d+)*(?![^\W\d_])")
DOCUMENT_NUMBER = re.compile(r"\b\d+(?:/\d{4})?[-/][A-ZĐ][\wĐđ]*(?:[-/][\wĐđ]+)*")
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
NOT_FOUND_FOLDED = "khong tim thay thong tin"
MIN_LEXICAL_SUPPORT = 0.5  # share of a sentence's syllables that must occur in the passages it cites


# ---------------------------------------------------------------- sentences of an answer


@dataclass
class Claim:
    """One sentence of a generated answer, with the passage markers it carries."""

    text: str  # as written, markers included
    new_line: bool = False  # starts a line after the first: shown after a line break
    starts_line: bool = False

    @property
    def markers(self) -> list[int]:
        return [n for group in MARKER.findall(self.text) for n in _expand_marker_group(group)]

    @property
    def opens_with_marker(self) -> bool:
        """`[3] Báo cáo … — 26/3/2025`: the model copying the passage list, not citing."""
        return MARKER.match(LIST_BULLET.sub("", self.text.lstrip())) is not None

    @property
    def bullet(self) -> str:
        """`- ` or `1. ` when the sentence opens a list item, kept so a list still reads as one."""
        m = LIST_BULLET.match(self.text)
        return m.group(0).strip() + " " if m and self.starts_line else ""

    @property
    def body(self) -> str:
        """The sentence without its markers or list bullet."""
        without = MARKER.sub(" ", self.text)
        without = re.sub(r"\s+([.,;:!?…])", r"\1", without)
        return LIST_BULLET.sub("", " ".join(without.split()))


def _expand_marker_group(group: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"\s*[,;]\s*", group.strip()):
        if m := re.fullmatch(r"(\d+)\s*[–-]\s*(\d+)", part):
            start, end = int(m.group(1)), int(m.group(2))
            numbers.extend(range(start, min(end, start + 20) + 1))
        elif part.isdigit():
            numbers.append(int(part))
    return list(dict.fromkeys(numbers))


class SentenceStream:
    """Cuts text arriving in pieces into sentences as soon as each one is certainly complete."""

    def __init__(self) -> None:
        self.buffer = ""
        self.at_line_start = True
        self.seen_text = False

    def feed(self, piece: str) -> list[Claim]:
        self.buffer += piece
        claims: list[Claim] = []
        while "\n" in self.buffer:
            line, self.buffer = self.buffer.split("\n", 1)
            claims += self._sentences(line)
            self.at_line_start = True
        claims += self._sentences_of_partial_line()
        return claims

    def close(self) -> list[Claim]:
        line, self.buffer = self.buffer, ""
        return self._sentences(line)

    def _sentences_of_partial_line(self) -> list[Claim]:
        ends = list(_sentence_ends(self.buffer))
        if not ends:
            return []
        complete, self.buffer = self.buffer[: ends[-1]], self.buffer[ends[-1] :]
        return self._sentences(complete)

    def _sentences(self, text: str) -> list[Claim]:
        claims: list[Claim] = []
        start = 0
        for end in [*_sentence_ends(text), len(text)]:
            sentence = text[start:end].strip()
            start = end
            if not sentence:
                continue
            claims.append(Claim(sentence, new_line=self.at_line_start and self.seen_text, starts_line=self.at_line_start))
            self.at_line_start, self.seen_text = False, True
        return claims


def _sentence_ends(text: str) -> Iterator[int]:
    start = 0
    for m in SENTENCE_END.finditer(text):
        word_before = re.search(r"([\w.]+)$", text[: m.start()])
        if word_before and word_before.group(1).lower() in ABBREVIATIONS:
            continue
        if ENUMERATOR.fullmatch(text[start : m.start()].strip()):  # `1. `, `a. `, `II. ` open a list item
            continue
        start = m.end()
        yield start


def split_claims(text: str) -> list[Claim]:
    stream = SentenceStream()
    return stream.feed(text) + stream.close()


# ---------------------------------------------------------------- facts a sentence asserts


def canonical_number(token: str) -> str:
    """One spelling per value: `09` → `9`, `159,57` = `159.57`, `1.234` = `1,234` = `1234`."""
    groups = re.split(r"[.,]", token)
    separators = re.findall(r"[.,]", token)
    if len(groups) == 1:
        return str(int(token))
    if len(set(separators)) == 2:  # `1.234,5`: thousands, then decimals
        whole, decimals = "".join(groups[:-1]), groups[-1]
    elif all(len(g) == 3 for g in groups[1:]):  # `1.234` or `12,500`: thousands
        return str(int("".join(groups)))
    elif len(groups) == 2:
        whole, decimals = groups
    else:  # `1.2.3`: not a quantity; compare as written
        return ".".join(str(int(g)) for g in groups)
    decimals = decimals.rstrip("0")
    return f"{int(whole)}.{decimals}" if decimals else str(int(whole))


def numbers_in(text: str) -> set[str]:
    """Every quantity and every part of a date (`26/3/2025` → 26, 3, 2025), whatever its format."""
    return {canonical_number(t) for t in NUMBER.findall(text)}


def document_numbers_in(text: str) -> set[str]:
    return {_canonical_document_number(d) for d in DOCUMENT_NUMBER.findall(_join_broken_codes(text))}


def _canonical_document_number(code: str) -> str:
    head, rest = re.match(r"(\d+)(.*)", code).groups()
    return f"{int(head)}{rest}".upper()


def _join_broken_codes(text: str) -> str:
    """`10/QĐ- BNV` (a line break inside a code, flattened) → `10/QĐ-BNV`."""
    return re.sub(r"([-/])\s+(?=[A-ZĐ])", r"\1", text)


def proper_names_in(text: str) -> list[str]:
    """Runs of two or more capitalised words: `Hà Nội`, `Bộ Công` (of `Bộ Công an`), `Theo Bộ Công`."""
    return [name for name, _ in _name_runs(text)]


def _name_runs(text: str) -> list[tuple[str, bool]]:
    """Each run with whether it opens the sentence (then its first word may just be capitalised prose)."""
    runs: list[tuple[str, bool]] = []
    run: list[str] = []
    run_start = previous_end = 0
    for m in WORD.finditer(text):
        word = m.group(0)
        adjacent = bool(run) and text[previous_end : m.start()].strip() == ""
        if word[0].isupper() and adjacent:
            run.append(word)
        else:
            _close_run(run, run_start, runs)
            run, run_start = ([word], m.start()) if word[0].isupper() else ([], 0)
        previous_end = m.end()
    _close_run(run, run_start, runs)
    return runs


def _close_run(run: list[str], start: int, runs: list[tuple[str, bool]]) -> None:
    if len(run) >= 2:
        runs.append((" ".join(run), start == 0))


def _name_supported(name: str, opens_sentence: bool, passages: "PassageFacts") -> bool:
    if _has_words(passages.normal, name):
        return True
    return opens_sentence and _has_words(passages.normal, name.split(" ", 1)[1])


def _has_words(normal_text: str, words: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(_normal(words))}(?!\w)", normal_text) is not None


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).lower()


@dataclass
class PassageFacts:
    """What a set of passages, as they were shown (header and text), can support."""

    text: str
    numbers: set[str] = field(init=False)
    documents: set[str] = field(init=False)
    normal: str = field(init=False)
    syllables: set[str] = field(init=False)

    def __post_init__(self) -> None:
        self.numbers = numbers_in(self.text)
        self.documents = document_numbers_in(self.text)
        self.normal = _normal(_join_broken_codes(self.text))
        self.syllables = set(syllables(self.text))

    @classmethod
    def of(cls, chunks: Iterable[Chunk]) -> "PassageFacts":
        return cls("\n".join(passage_as_shown(c) for c in chunks))


def passage_header(chunk: Chunk) -> str:
    """Title — section — date: what a generator is shown above the passage, so it may cite it too."""
    return " — ".join(x for x in (chunk.title, chunk.section, vn_date(chunk.as_of)) if x)


def passage_as_shown(chunk: Chunk) -> str:
    return f"{passage_header(chunk)}\n{chunk.text}"


def unsupported_facts(sentence: str, passages: PassageFacts) -> list[str]:
    """The numbers, document numbers and names of `sentence` that the passages do not contain."""
    missing = [d for d in document_numbers_in(sentence) if d not in passages.documents]
    without_codes = DOCUMENT_NUMBER.sub(" ", _join_broken_codes(sentence))
    missing += sorted(n for n in numbers_in(without_codes) if n not in passages.numbers)
    missing += [name for name, opens in _name_runs(sentence) if not _name_supported(name, opens, passages)]
    return missing


def has_facts(sentence: str) -> bool:
    return bool(NUMBER.search(sentence) or proper_names_in(sentence))


def lexical_support(sentence: str, passages: PassageFacts) -> float:
    own = set(syllables(sentence))
    return len(own & passages.syllables) / len(own) if own else 1.0


# ---------------------------------------------------------------- quotes


def best_quote(sentence: str, chunk: Chunk) -> str:
    """The sentence of the passage that best supports `sentence`: shared figures first, then shared words."""
    wanted_numbers = numbers_in(sentence)
    wanted_words = set(syllables(sentence))

    def support(candidate: str) -> float:
        shared_words = len(wanted_words & set(syllables(candidate))) / (len(wanted_words) or 1)
        return 2 * len(wanted_numbers & numbers_in(candidate)) + shared_words

    candidates = [s for s in split_sentences(chunk) if s in chunk.text] or [chunk.text]
    return max(candidates, key=support)


def verbatim_quote(citation: Citation, chunk: Chunk, sentence: str) -> str:
    quote = citation.quote
    return quote if quote and quote.strip() and quote in chunk.text else best_quote(sentence, chunk)


# ---------------------------------------------------------------- the guard


def is_refusal(sentence: str) -> bool:
    return fold(sentence).lower().lstrip("\"'“ ").startswith(NOT_FOUND_FOLDED)


def is_lead_in(sentence: str) -> bool:
    """`Cụ thể như sau:`: connects cited sentences, asserts nothing."""
    return sentence.rstrip().endswith(":") and not has_facts(sentence)


class Guard:
    """Checks sentences one at a time, so a stream can show each as soon as it passes, then builds the Answer.

    Sentences that assert nothing (a lead-in, a "not found") are held back until a grounded sentence
    follows: if none does, the fallback answers and nothing the stream showed has to be taken back.
    """

    def __init__(self, citations: list[Citation], hits: list[SearchHit]):
        self.given = {h.chunk.chunk_id: h.chunk for h in hits}
        self.hits = hits
        self.by_marker = {c.marker: c for c in citations}
        self.cites = CitationList()
        self.kept: list[str] = []  # rendered sentences, each starting with its separator
        self.held_back: list[str] = []
        self.grounded_count = 0
        self.refused = False
        self.dropped: list[str] = []

    def check(self, claim: Claim) -> str:
        """The text that may be shown now: this sentence (final markers, separator first) and any held back
        before it, or "" when it was dropped or has to wait."""
        body = claim.body
        if not body:
            return ""
        if reason := self._reason_to_drop(claim, body):
            self.dropped.append(f"{body} ({reason})")
            return ""
        markers = [] if is_refusal(body) else self._valid_markers(claim)
        rendered = claim.bullet + body
        if markers:
            new_markers = dict.fromkeys(self._cite(self.by_marker[m], body) for m in markers)
            rendered += " " + "".join(f"[{m}]" for m in new_markers)
        separator = "" if not self.kept else ("\n" if claim.new_line else " ")
        self.kept.append(separator + rendered)
        self.held_back.append(separator + rendered)
        if not markers:
            return ""
        self.grounded_count += 1
        return self.release()

    def release(self) -> str:
        """What was held back, once the answer is known to have a grounded sentence."""
        if not self.grounded_count:
            return ""
        text, self.held_back = "".join(self.held_back), []
        return text

    def _reason_to_drop(self, claim: Claim, body: str) -> str | None:
        if is_refusal(body):
            self.refused = True
            return None
        if not claim.markers:
            return None if is_lead_in(body) else "không trích dẫn nguồn"
        if claim.opens_with_marker:
            return "chép lại danh sách nguồn, không phải câu trả lời"
        markers = self._valid_markers(claim)
        if not markers:
            return "trích dẫn nguồn không có: " + ", ".join(f"[{m}]" for m in claim.markers)
        passages = PassageFacts.of(self._chunk(m) for m in markers)
        if missing := unsupported_facts(body, passages):
            return "không có trong nguồn được trích: " + ", ".join(missing)
        if lexical_support(body, passages) < MIN_LEXICAL_SUPPORT:
            return "nguồn được trích không nói điều này"
        return None

    def _valid_markers(self, claim: Claim) -> list[int]:
        return [m for m in claim.markers if m in self.by_marker and self.by_marker[m].chunk_id in self.given]

    def _chunk(self, marker: int) -> Chunk:
        return self.given[self.by_marker[marker].chunk_id]

    def _cite(self, citation: Citation, sentence: str) -> int:
        chunk = self.given[citation.chunk_id]
        return self.cites.cite(chunk, verbatim_quote(citation, chunk, sentence))

    def result(self, draft: Answer, fallback: Callable[[], Answer]) -> Answer:
        if self.grounded_count == 0:
            return self._without_grounded_sentences(draft, fallback)
        citations = self.cites.citations
        return draft.model_copy(update={
            "answer": "".join(self.kept).strip(),
            "citations": citations,
            "grounded": True,
            "as_of": citations[0].as_of if citations else draft.as_of,
            "generator": draft.generator + GUARDED,
            "dropped": [*draft.dropped, *self.dropped],
        })

    def _without_grounded_sentences(self, draft: Answer, fallback: Callable[[], Answer]) -> Answer:
        if self.refused and not self.dropped:  # the generator said the passages do not answer: trust a "no"
            answer = refusal(self.hits)
            answer.generator = draft.generator + GUARDED
            return answer
        answer = fallback()
        return answer.model_copy(update={
            "generator": draft.generator + FELL_BACK,
            "dropped": [*draft.dropped, *self.dropped, *answer.dropped],
        })


def guard(answer: Answer, hits: list[SearchHit], fallback: Callable[[], Answer]) -> Answer:
    """Keep only the sentences of `answer` that the passages they cite support; else `fallback()`."""
    checker = Guard(answer.citations, hits)
    for claim in split_claims(answer.answer):
        checker.check(claim)
    return checker.result(answer, fallback)
