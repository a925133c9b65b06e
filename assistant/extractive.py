"""The default generator: extractive, offline, no LLM. Picks the sentences that answer, keeps them verbatim,
and answers only when they satisfy the question's constraints (the gate); otherwise says what the
reports give instead."""

from __future__ import annotations

import re

from baocao.assistant.compose import CitationList, disagreement_answer, refusal, sentence_answer, source_phrase
from baocao.assistant.evidence import (DATE_TERM, Sentence, TermWeights, content_syllables, figures_in, has_figure,
                                       names_a_place, score_sentences, states_a_duration, states_a_time,
                                       syllables)
from baocao.assistant.gate import (Verdict, asked_phrase, asks_quantity, counted_classifier, counts_the_asked,
                                   enumerated_items, failures, instead_phrase, listed_words)
from baocao.assistant.knowledge import cue_words, pack
from baocao.assistant.models import Answer
from baocao.assistant.query import Query
from baocao.ingest.entities import EntityList
from baocao.ingest.text import has_markers, search_key, search_words, without_markers
from baocao.vectorstore.store import SearchHit

LABEL = re.compile(r"^\s*(?:[-+•]\s*|\d{1,2}[.)]\s*|[a-zđ]\)\s*)?([^\W\d][\w ]{1,30}?)\s*:")  # 'Thời gian:', '2. Hình thức:'
MIN_COVERAGE = 0.6  # share of the question's (IDF-weighted) content terms the best sentence must contain
CLOSE = 0.85  # sentences scoring within this share of the best are alternatives worth weighing
SAME_METRIC = 0.5  # share of the shorter sentence's content words two figure sentences share to be "the same figure" (dev)


def in_period(sentence: Sentence, period: tuple[str, str] | None) -> bool:
    if not period or not sentence.as_of:
        return False
    start, end = period
    return start[:7] <= sentence.as_of[:7] <= end[:7]


def _content(text: str) -> set[str]:
    return {t for t in content_syllables(text, "question") if not any(ch.isdigit() for ch in t)}


def same_metric(a: Sentence, b: Sentence) -> bool:
    """Two sentences give the same figure when most of the shorter one's words are in the other."""
    wa, wb = _content(a.text), _content(b.text)
    if not wa or not wb:
        return False
    return len(wa & wb) / min(len(wa), len(wb)) >= SAME_METRIC


def _same_date(a: str, b: str) -> bool:
    """`2025-08` and `2025-08-06` are one date told at two precisions."""
    return a.startswith(b) or b.startswith(a)


def disagree(sentences: list[Sentence]) -> bool:
    """Documents (or parts of one) give the same metric different figures at different dates."""
    dates = [s.as_of for s in sentences if s.as_of]
    distinct_dates = any(not _same_date(a, b) for i, a in enumerate(dates) for b in dates[i + 1 :])
    sources = {(s.chunk.document, s.chunk.section.split(" > ")[0]) for s in sentences}
    figures = {figures_in(s.text) for s in sentences}
    return distinct_dates and len(sources) > 1 and len(figures) > 1


def _same_figure_differing(query: Query, sentences: list[Sentence]) -> list[Sentence]:
    """One sentence per date of the figure the sentences disagree on, or none. A yes-no or a why has no
    figure to disagree on."""
    with_numbers = [s for s in sentences if has_figure(s.text)]
    with_numbers = [s for s in with_numbers if s is with_numbers[0] or same_metric(with_numbers[0], s)]
    if not query.wants_figure or not disagree(with_numbers):
        return []
    one_per_date: dict[str, Sentence] = {}
    for s in with_numbers:
        one_per_date.setdefault(s.as_of, s)
    return list(one_per_date.values())[:3]


def choose(query: Query, sentences: list[Sentence]) -> tuple[list[Sentence], bool]:
    """The sentences to answer with, and whether they disagree over time."""
    best = sentences[0]
    close = [s for s in sentences[:12] if s.score >= CLOSE * best.score and s.coverage >= MIN_COVERAGE]
    if query.period:
        dated = [s for s in close if in_period(s, query.period)]
        if dated:
            # two reports of the period that give the same figure differently are both shown
            differing = _same_figure_differing(query, dated)
            return (differing, True) if differing else (dated[:1], False)
    if query.wants_latest:
        if query.wants_figure:
            close = [s for s in close if has_figure(s.text)] or close
        newest = max(close, key=lambda s: s.as_of or "")
        return [newest], False
    if differing := _same_figure_differing(query, close):
        return differing, True
    chosen = [best]
    runner_up = next((s for s in close[1:] if s.chunk.chunk_id == best.chunk.chunk_id or s.score >= 0.95 * best.score), None)
    if runner_up and runner_up.text not in best.text:
        chosen.append(runner_up)
    return chosen, False


def gated_refusal(verdict: Verdict, sentence: Sentence, hits: list[SearchHit]) -> Answer:
    """The part is not answerable: say so, and what the reports give instead, cited."""
    cites = CitationList()
    marker = cites.cite(sentence.chunk, sentence.text)
    instead = instead_phrase(verdict, sentence.text, sentence.chunk)
    text = f"{verdict.message} {instead} ({source_phrase(sentence.chunk, sentence.as_of)}): «{sentence.text.rstrip()}» [{marker}]"
    answer = refusal(hits)
    return answer.model_copy(update={"answer": text, "citations": cites.citations})


def _saying_what_is_asked_first(query: Query, sentences: list[Sentence]) -> list[Sentence]:
    """A 'Label: value' line whose label is what is asked ('Hình thức: …' for 'theo hình thức nào', 'Thời gian:'
    for 'lúc nào'), then, for 'lúc nào' / 'ở đâu', a sentence that states a time / names a place: one that does
    not, does not answer, however close its words; 'trong bao lâu' likewise takes one that states a length."""
    covering = [s for s in sentences if s.coverage >= MIN_COVERAGE]
    asked = pack("question_cues").get("answer_labels", {})
    labels = set(asked.get("when", [])) if query.wants_when else set()
    labels |= set(asked.get("where", [])) if query.wants_where else set()
    labels |= {query.focus} if query.focus else set()
    labelled = [s for s in covering if _label(s.text) in labels]
    says_it = (states_a_time if query.wants_when else names_a_place if query.wants_where
               else states_a_duration if query.wants_duration else None)
    said = [s for s in covering if says_it and says_it(s.text) and s not in labelled]
    return labelled + said + [s for s in sentences if s not in labelled and s not in said]


def _label(sentence: str) -> str:
    found = LABEL.match(sentence)
    return search_key(found.group(1)) if found else ""


def _left_to_the_gate(query: Query, part) -> tuple[frozenset[str], frozenset[str]]:
    """The question's words the gate checks: the units the part names (and its national scope), and the words
    of its period ('tháng 11/2025': the period words of stop_words.json and the dates)."""
    if part is None:
        return frozenset(), frozenset()
    named = [e.name for e in part.constraints.entities] + (cue_words("national_scope") if part.constraints.national else [])
    units = frozenset(t for name in named for t in syllables(name))
    if part.constraints.period is None:
        return units, frozenset()
    words = set(syllables(query.text)) - set(content_syllables(query.text, "period"))
    dates = {t for t in syllables(query.text) if DATE_TERM.fullmatch(t) and any(c.isdigit() for c in t)}
    return units, frozenset(words | dates)


def states_the_count(part, hits: list[SearchHit], weights: TermWeights) -> bool:
    """A retrieved sentence about the question passes the gate and states the count asked ('… đã tiếp nhận 112
    đề xuất'): what a sentence says comes before a count computed from a document's headings."""
    sentences = score_sentences(part.query, hits, weights, *_left_to_the_gate(part.query, part))
    return any(counts_the_asked(part.text, s.text) and has_figure(s.text) and not any(failures(part, s.text, s.chunk))
               for s in sentences[:20] if s.coverage >= MIN_COVERAGE)


def _not_found(hits: list[SearchHit], part) -> Answer:
    answer = refusal(hits)
    if part is not None and part.constraints.period is not None:
        answer.answer = f"Không tìm thấy thông tin này ({part.constraints.period.label}) trong các báo cáo hiện có."
    return answer


def with_its_footnote(answer: Answer, sentence: Sentence, footnotes_of) -> Answer:
    """A list question answered by a sentence whose footnote holds the list ('… chưa được triển khai¹.'): the
    footnote's text, cited, follows the sentence."""
    if not has_markers(sentence.text):
        return answer
    said = without_markers(sentence.text)
    notes = [(n, n.text.strip()) for n in footnotes_of(sentence.chunk.chunk_id)
             if (body := without_markers(n.context or "")) and (body in said or said in body)]
    for number in re.findall(r"\[\^(\d+)\]", sentence.text):  # a short document keeps its notes in the chunk
        notes += [(sentence.chunk, m.group(1).strip()) for m in re.finditer(rf"(?m)^\[\^{number}\]:\s*(.+)$", sentence.chunk.text)]
    if not notes:
        return answer
    cites = CitationList()
    cites.citations = list(answer.citations)
    cited = cites.cite(sentence.chunk, sentence.text)
    notes_lines = [f"Chú thích của câu [{cited}]: {text} [{cites.cite(chunk, text)}]" for chunk, text in notes[:2]]
    lines = answer.answer.split("\n")
    lines[1:1] = notes_lines  # right after the sentence it annotates
    return answer.model_copy(update={"answer": "\n".join(lines), "citations": cites.citations})


def extractive_answer(query: Query, hits: list[SearchHit], weights: TermWeights, part=None,
                      preferred: str | None = None, footnotes_of=lambda chunk_id: [],
                      records_of=lambda chunk_id: []) -> Answer:
    """`part` (a plan part) brings the constraints the evidence must satisfy; without it, no gate. Of the
    sentences that pass it, only those of the `preferred` document (the one the question's other parts cite) are
    kept when it has any."""
    sentences = score_sentences(query, hits, weights, *_left_to_the_gate(query, part))
    sentences = _saying_what_is_asked_first(query, sentences)
    if not sentences or sentences[0].coverage < MIN_COVERAGE:
        return _not_found(hits, part)
    if part is not None:
        candidates = [s for s in sentences[:20] if s.coverage >= MIN_COVERAGE]
        failed = [(s, list(failures(part, s.text, s.chunk))) for s in candidates]
        passing = [s for s, f in failed if not f]
        if not passing:
            # what the reports give instead is worth citing only when it misses one thing asked
            near = next(((s, f[0]) for s, f in failed if len(f) == 1), None)
            return gated_refusal(near[1], near[0], hits) if near else _not_found(hits, part)
        if preferred is not None and any(s.chunk.document == preferred for s in passing):
            passing = [s for s in passing if s.chunk.document == preferred]
        sentences = passing + [s for s in sentences if s not in passing and s.coverage < MIN_COVERAGE]
    chosen, over_time = choose(query, sentences)
    if over_time:
        return disagreement_answer(chosen)
    answer = sentence_answer(chosen)
    if query.wants_list:
        answer = with_its_footnote(answer, chosen[0], footnotes_of)
        answer.items = items_listed_in(chosen[0], records_of(chosen[0].chunk.chunk_id))
    counting = part is not None and asks_quantity(part.text) and not counts_the_asked(part.text, chosen[0].text)
    if part is not None and (counting or (query.wants_list and listed_words(part.text))):
        if counted := enumerated_items(part.text, chosen[0].text):
            what = " ".join(([counted_classifier(part.text)] if counted_classifier(part.text) else [])
                            + (asked_phrase(part.text) or "").split()[:2])
            how = "đếm từ câu trích dưới đây; văn bản không nêu con số" if counting else "liệt kê từ câu trích dưới đây"
            answer.answer = f"Có {len(counted)} {what}: {'; '.join(counted)} ({how}).\n" + answer.answer
            if query.wants_list:
                answer.items = counted
    return answer


def _words_key(text: str) -> str:
    return " " + " ".join(search_words(text)) + " "


def items_listed_in(sentence: Sentence, records) -> list[str]:
    """The items of the list record (read at ingest) that the answering sentence writes out whole: the
    structured answer to a list question answered by a sentence ('… Phó Trưởng Ban Chỉ đạo: A, B, C.')."""
    said = _words_key(sentence.text)
    whole = [r.items for r in records if isinstance(r, EntityList) and len(r.items) >= 2
             and all(_words_key(item) in said for item in r.items)]
    return list(max(whole, key=len)) if whole else []
