"""The assistant: question → standalone question → plan → one answerer chain per part → Answer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from baocao.assistant.answerers import (AnswerContext, default_chain, merge_parts, one_document_for_all_parts, run_chain,
                                        stream_chain)
from baocao.assistant.catalogue import Catalogue, CatalogueCache
from baocao.assistant.conversation import ConversationStore, rewrite
from baocao.assistant.evidence import TermWeights
from baocao.assistant.generators import build_llm
from baocao.assistant.models import Answer
from baocao.assistant.plan import Plan, make_plan, with_year
from baocao.assistant.search import HybridSearch
from baocao.settings import Settings
from baocao.vectorstore.store import Index, open_index


@dataclass
class StreamEvent:
    event: str  # "delta" (a piece of answer text) | "answer" (the final Answer)
    data: str | Answer


class Assistant:
    def __init__(self, settings: Settings, index: Index, retriever: HybridSearch):
        self.settings, self.index, self.retriever = settings, index, retriever
        self.conversations = ConversationStore()
        self._catalogues = CatalogueCache()
        self.llm = build_llm(settings)  # None: the offline extractive answerer
        self.chain = default_chain(self.llm)

    @classmethod
    def from_settings(cls, settings: Settings, index: Index | None = None) -> "Assistant":
        index = index or open_index(settings)
        return cls(settings, index, HybridSearch.from_index(index, settings))

    def as_retriever(self):
        """The assistant's search as a LangChain `BaseRetriever` (imports LangChain; the answering path does not)."""
        from baocao.assistant.retriever import HybridRetriever

        return HybridRetriever.from_search(self.retriever)

    def catalogue(self) -> Catalogue:
        """Records and IDF weights of the indexed chunks, built once per set of documents."""
        return self._catalogues.get(self.index.lexical().generation, self.index.current_chunks)

    def term_weights(self) -> TermWeights:
        return self.catalogue().weights

    def context(self) -> AnswerContext:
        return AnswerContext(self.catalogue(), self.retriever, self.llm, self.settings.llm_passages)

    def plan(self, question: str, context: AnswerContext) -> Plan:
        """The plan; a month or quarter without a year is read in the year of the latest relevant report."""
        plan = make_plan(question)
        if any(p.constraints.period and not p.constraints.period.year_given for p in plan.parts):
            dates = [h.chunk.report_date or h.chunk.as_of for h in context.hits(plan.single(plan.parts[0]))]
            dates = [d for d in dates if d] or [context.catalogue.latest_report_date or ""]
            if dates[0]:
                plan = with_year(plan, int(max(dates)[:4]))
        return plan

    def answer_query(self, plan: Plan, context: AnswerContext | None = None) -> Answer:
        """Every part through the answerer chain, merged into one Answer (the one entry point of `ask`,
        and of `stream` without an LLM)."""
        context = context or self.context()
        answers = [run_chain(self.chain, plan.single(part), context) for part in plan.parts]
        answers = one_document_for_all_parts(plan, answers, lambda part, ctx: run_chain(self.chain, plan.single(part), ctx),
                                             context)
        return merge_parts(plan, answers)

    def answer_question(self, question: str) -> Answer:
        """One standalone question, answered without touching any conversation."""
        context = self.context()
        return self.answer_query(self.plan(question, context), context)

    def ask(self, question: str, conversation_id: str | None = None) -> Answer:
        cid, conversation = self.conversations.get(conversation_id)
        standalone = rewrite(question, conversation.turns)
        context = self.context()
        answer = self.answer_query(self.plan(standalone, context))
        self._finish(answer, cid, conversation, question, standalone)
        return answer

    def stream(self, question: str, conversation_id: str | None = None) -> Iterator[StreamEvent]:
        """Pieces of the answer as they are ready (guarded sentences with an LLM), then the whole Answer.
        The same chain as `ask`; a plan of several parts streams part by part."""
        cid, conversation = self.conversations.get(conversation_id)
        standalone = rewrite(question, conversation.turns)
        context = self.context()
        plan = self.plan(standalone, context)
        if self.llm is None:
            answer = self.answer_query(plan)
        else:
            answers: list[Answer] = []
            for part in plan.parts:
                for item in stream_chain(self.chain, plan.single(part), context):
                    if isinstance(item, Answer):
                        answers.append(item)
                    elif len(plan.parts) == 1:
                        yield StreamEvent("delta", item)
            answer = merge_parts(plan, answers)
        if len(plan.parts) > 1 or answer.generator in ("extractive", "tasks", "sets", "figures", "documents", "members") or not answer.answer:
            for line in answer.answer.split("\n"):
                yield StreamEvent("delta", line + "\n")
        self._finish(answer, cid, conversation, question, standalone)
        yield StreamEvent("answer", answer)

    def _finish(self, answer: Answer, cid: str, conversation, question: str, standalone: str) -> None:
        answer.conversation_id = cid
        if standalone != question:
            answer.question = standalone
        self.conversations.record(conversation, standalone, answer, asked=question)
