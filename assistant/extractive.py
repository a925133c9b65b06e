"""The default generator: extractive, offline, no LLM. Picks the sentences that answer, keeps them verbatim."""

from __future__ import annotations

from baocao.assistant.compose import disagreement_answer, refusal, sentence_answer
from baocao.assistant.evidence import Sentence, TermWeights, has_figure, score_sentences
from baocao.assistant.models import Answer
from baocao.assistant.query import Query
from baocao.vectorstore.store import SearchHit

MIN_COVERAGE = 0.6  # share of the question's (IDF-weighted) content terms the best sentence must contain
CLOSE = 0.85  # sentences scoring within this share of the best are alternatives worth weighing


def in_period(sentence: Sentence, period: tuple[str, str] | None) -> bool:
    if not period or not sentence.as_of:
        return False
    start, end = period
    return start[:7] <= sentence.as_of[:7] <= end[:7]


def choose(query: Query, sentences: list[Sentence]) -> tuple[list[Sentence], bool]:
    """The sentences to answer with, and whether they disagree over time."""
    best = sentences[0]
    close = [s for s in sentences[:12] if s.score >= CLOSE * best.score and s.coverage >= MIN_COVERAGE]
    if query.period:
        dated = [s for s in close if in_period(s, query.period)]
        if dated:
            return dated[:1], False
    if query.wants_latest:
        if query.wants_figure:
            close = [s for s in close if has_figure(s.text)] or close
        newest = max(close, key=lambda s: s.as_of or "")
        return [newest], False
    with_numbers = [s for s in close if has_figure(s.text)]
    dates = {s.as_of for s in with_numbers if s.as_of}
    documents_or_parts = {(s.chunk.document, s.chunk.section.split(" > ")[0]) for s in with_numbers}
    if len(dates) > 1 and len(documents_or_parts) > 1 and not query.period:
        one_per_date: dict[str, Sentence] = {}
        for s in with_numbers:
            one_per_date.setdefault(s.as_of, s)
        return list(one_per_date.values())[:3], True
    chosen = [best]
    runner_up = next((s for s in close[1:] if s.chunk.chunk_id == best.chunk.chunk_id or s.score >= 0.95 * best.score), None)
    if runner_up and runner_up.text not in best.text:
        chosen.append(runner_up)
    return chosen, False


def extractive_answer(query: Query, hits: list[SearchHit], weights: TermWeights) -> Answer:
    sentences = score_sentences(query, hits, weights)
    if not sentences or sentences[0].coverage < MIN_COVERAGE:
        return refusal(hits)
    chosen, disagree = choose(query, sentences)
    return disagreement_answer(chosen) if disagree else sentence_answer(chosen)
