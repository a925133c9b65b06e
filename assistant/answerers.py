"""One answerer chain. Every answerer implements `answer(plan, context) -> Answer | None` for a plan of
one part; the first that answers wins. `Assistant.ask` and `Assistant.stream` run the same chain.

Order: plan tasks (task records) → lists and set operations (list records) → changes and series
(figure records) → the extractive answerer or the LLM (passages, through the answerability gate).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Protocol, runtime_checkable

from baocao.assistant.catalogue import Catalogue
from baocao.assistant.compose import CitationList, refusal, vn_date
from baocao.assistant.extractive import extractive_answer
from baocao.assistant.figures import FigureAnswerer
from baocao.assistant.generators import llm_stream
from baocao.assistant.models import Answer
from baocao.assistant.plan import Plan, compared_sides
from baocao.assistant.documents import DocumentAnswerer
from baocao.assistant.members import MemberAnswerer
from baocao.assistant.search import HybridSearch
from baocao.assistant.sets import ListAnswerer
from baocao.assistant.tasks import TaskAnswerer
from baocao.assistant.references import is_document, referenced_document
from baocao.ingest.text import search_key
from baocao.vectorstore.store import SearchHit


@dataclass
class AnswerContext:
    """What answerers may read: the records of this generation, the retriever, the LLM (or None)."""

    catalogue: Catalogue
    retriever: HybridSearch
    llm: object | None = None
    llm_passages: int = 6
    preferred: str | None = None  # a document read first when the question names none (the other parts' one)
    _hits: dict[str, list[SearchHit]] = field(default_factory=dict)

    def hits(self, plan: Plan) -> list[SearchHit]:
        part = plan.part
        if part.text not in self._hits:
            self._hits[part.text] = self._named_document_first(part.text, part.query)
        return self._hits[part.text]

    def preferring(self, document: str) -> "AnswerContext":
        """The same context, reading `document`'s passages first."""
        return replace(self, preferred=document, _hits={})

    def in_named_document(self, plan: Plan, found: list, chunk_of=lambda f: f.chunk) -> list:
        """Records read from the document the question names, when it names one that is indexed; else all."""
        ref = referenced_document(search_key(plan.part.text))
        if ref is None:
            return found
        return [f for f in found if is_document(chunk_of(f), ref)] or found

    def _named_document_first(self, text: str, query) -> list[SearchHit]:
        """A question that names a document ("Tờ trình 3367 đề xuất …") reads that document's passages
        first, from the whole depth of the search; other passages follow (one may quote it)."""
        ref = referenced_document(search_key(text))
        if ref is None and self.preferred is None:
            return self.retriever.search(query)
        hits = self.retriever.search(query, k=self.retriever.depth)
        named = [h for h in hits if (is_document(h.chunk, ref) if ref else h.chunk.document == self.preferred)]
        if not named:
            return hits[: self.retriever.k]
        top = max(h.score for h in hits)
        for hit in named:
            hit.score += top
        return sorted(hits, key=lambda h: h.score, reverse=True)[: self.retriever.k]


@runtime_checkable
class Answerer(Protocol):
    name: str

    def answer(self, plan: Plan, context: AnswerContext) -> Answer | None: ...


class ExtractiveAnswerer:
    name = "extractive"

    def answer(self, plan: Plan, context: AnswerContext) -> Answer | None:
        hits = context.hits(plan)
        if not hits:
            return refusal([])
        return extractive_answer(plan.part.query, hits, context.catalogue.weights, part=plan.part,
                                 preferred=context.preferred, footnotes_of=context.catalogue.footnotes_of,
                                 records_of=context.catalogue.records_of)


class LlmAnswerer:
    """The LLM reads the plan, the matching records and the passages; the guard checks every sentence."""

    name = "llm"

    def answer(self, plan: Plan, context: AnswerContext) -> Answer | None:
        final = None
        for item in self.stream(plan, context):
            if isinstance(item, Answer):
                final = item
        return final

    def stream(self, plan: Plan, context: AnswerContext) -> Iterator[str | Answer]:
        hits = context.hits(plan)
        weights = context.catalogue.weights
        part = plan.part
        yield from llm_stream(context.llm, part.query, hits, max_passages=context.llm_passages,
                              fallback=lambda: extractive_answer(part.query, hits, weights, part=part),
                              notes=plan_notes(plan, context))


def plan_notes(plan: Plan, context: AnswerContext) -> str:
    """The plan and the records matching it, for the prompt: what is asked, under which constraints."""
    part = plan.part
    c = part.constraints
    lines = [f"Loại câu hỏi: {part.ask}"]
    if c.entities:
        lines.append("Phạm vi: " + ", ".join(e.name for e in c.entities) + " (chỉ trả lời nếu nguồn nói riêng về phạm vi này)")
    if c.period:
        lines.append(f"Thời gian: {c.period.label} (chỉ dùng số liệu của thời gian này)")
    words = [t for t in part.query.folded.split()]
    figures = context.catalogue.figures.matching(words)[:8]
    for found in figures:
        r = found.record
        lines.append(f"Số liệu đã trích: {r.metric}: {r.value}" + (f" ({vn_date(r.as_of)})" if r.as_of else ""))
    return "\n".join(lines)


def default_chain(llm: object | None) -> list[Answerer]:
    last: Answerer = LlmAnswerer() if llm is not None else ExtractiveAnswerer()
    return [DocumentAnswerer(), MemberAnswerer(), TaskAnswerer(), ListAnswerer(), FigureAnswerer(), last]


def run_chain(chain: list[Answerer], plan: Plan, context: AnswerContext) -> Answer:
    for answerer in chain:
        answer = answerer.answer(plan, context)
        if answer is not None:
            if answer.generator == "extractive" and answerer.name not in ("extractive", "llm"):
                answer.generator = answerer.name
            return answer
    return refusal(context.hits(plan))


def stream_chain(chain: list[Answerer], plan: Plan, context: AnswerContext) -> Iterator[str | Answer]:
    """Like `run_chain`, but an answerer that can stream (the LLM) yields its guarded sentences as they come."""
    for answerer in chain:
        if hasattr(answerer, "stream"):
            yield from answerer.stream(plan, context)
            return
        answer = answerer.answer(plan, context)
        if answer is not None:
            yield answer
            return
    yield refusal(context.hits(plan))


# --------------------------------------------------------------------------- parts into one answer


def one_document_for_all_parts(plan: Plan, answers: list[Answer], answer_part, context: AnswerContext) -> list[Answer]:
    """'… bao nhiêu hội trong phạm vi tỉnh và bao nhiêu hội trong phạm vi xã?': the parts of one question ask
    about one report. Of the documents the parts cite, the one whose title shares most words with the whole
    question is read first for the parts answered from another document or refused; a part takes that answer
    only when it passes the gate there. Sides of a comparison are about different things: left as they are."""
    if len(plan.parts) < 2 or len(compared_sides(plan.question)) > 1:
        return answers
    cited = {c.document: c.title for a in answers if a.grounded for c in a.citations}
    if len(cited) < 2:
        return answers
    asked = set(search_key(plan.question).split())
    best = max(cited, key=lambda d: len(asked & set(search_key(cited[d]).split())))
    out = []
    for part, answer in zip(plan.parts, answers):
        if answer.grounded and any(c.document == best for c in answer.citations):
            out.append(answer)
            continue
        again = answer_part(part, context.preferring(best))
        out.append(again if again.grounded and again.citations and again.citations[0].document == best else answer)
    return out


def merge_parts(plan: Plan, answers: list[Answer]) -> Answer:
    """Each part answered or refused on its own line, with its own citations, renumbered."""
    if len(answers) == 1:
        return answers[0]
    cites = CitationList()
    lines: list[str] = []
    items: list[str] = []
    for part, answer in zip(plan.parts, answers):
        text = answer.answer
        for citation in answer.citations:
            new = cites.cite_citation(citation)
            text = text.replace(f"[{citation.marker}]", f"[§{new}]")
        text = text.replace("[§", "[")
        if not answer.grounded:
            text = f"«{part.text.rstrip('?')}»: {text}"
        # two parts answered by one sentence: the sentence once
        lines += [line for line in text.split("\n") if line not in lines]
        items += [i for i in answer.items if i not in items]
    grounded = any(a.grounded for a in answers)
    first = next((a for a in answers if a.grounded), answers[0])
    related = [] if grounded else first.related
    return Answer(answer="\n".join(lines), citations=cites.citations, items=items, grounded=grounded,
                  as_of=first.as_of, related=related, generator=first.generator,
                  dropped=[d for a in answers for d in a.dropped])
