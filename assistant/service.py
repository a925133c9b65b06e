"""The assistant: question → standalone question → understanding → the right answerer → Answer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

from baocao.assistant.compose import refusal
from baocao.assistant.conversation import ConversationStore, rewrite
from baocao.assistant.evidence import TermWeights
from baocao.assistant.extractive import extractive_answer
from baocao.assistant.generators import build_llm, llm_answer, llm_stream
from baocao.assistant.models import Answer
from baocao.assistant.query import Query, understand
from baocao.assistant.retriever import HybridRetriever
from baocao.assistant.sets import SetAnswerer
from baocao.assistant.tasks import TaskAnswerer
from baocao.settings import Settings
from baocao.vectorstore.store import Index, open_index


@dataclass
class StreamEvent:
    event: str  # "delta" (a piece of answer text) | "answer" (the final Answer)
    data: str | Answer


class Assistant:
    def __init__(self, settings: Settings, index: Index, retriever: HybridRetriever):
        self.settings, self.index, self.retriever = settings, index, retriever
        self.conversations = ConversationStore()
        self._weights: tuple[str, TermWeights] | None = None
        self._lock = threading.Lock()
        self.sets = SetAnswerer()
        self.tasks = TaskAnswerer()
        self.llm = build_llm(settings)  # None: the offline extractive answerer

    @classmethod
    def from_settings(cls, settings: Settings, index: Index | None = None) -> "Assistant":
        index = index or open_index(settings)
        return cls(settings, index, HybridRetriever.from_index(index, settings))

    def term_weights(self) -> TermWeights:
        """IDF over the indexed chunks, recomputed when the set of documents changes."""
        generation = self.index.lexical().generation
        with self._lock:
            if self._weights is None or self._weights[0] != generation:
                self._weights = (generation, TermWeights(self.index.current_chunks()))
            return self._weights[1]

    def special_answer(self, query: Query) -> Answer | None:
        """Plan tasks and entity lists are answered from structured records, whatever the generator."""
        weights = self.term_weights()
        chunks = self.index.current_chunks()
        answer = self.tasks.answer(query, chunks, weights)
        if answer is None:
            answer = self.sets.answer(query, self.index.lexical().generation, chunks, weights)
        return answer

    def answer_query(self, query: Query) -> Answer:
        special = self.special_answer(query)
        if special is not None:
            return special
        hits = self.retriever.search(query)
        if not hits:
            return refusal([])
        weights = self.term_weights()
        if self.llm is None:
            return extractive_answer(query, hits, weights)
        return llm_answer(self.llm, query, hits, max_passages=self.settings.llm_passages,
                          fallback=lambda: extractive_answer(query, hits, weights))

    def ask(self, question: str, conversation_id: str | None = None) -> Answer:
        cid, conversation = self.conversations.get(conversation_id)
        standalone = rewrite(question, conversation.turns)
        answer = self.answer_query(understand(standalone))
        self._finish(answer, cid, conversation, question, standalone)
        return answer

    def stream(self, question: str, conversation_id: str | None = None) -> Iterator[StreamEvent]:
        """Pieces of the answer as they are ready (guarded sentences with an LLM), then the whole Answer."""
        cid, conversation = self.conversations.get(conversation_id)
        standalone = rewrite(question, conversation.turns)
        query = understand(standalone)
        answer = None if self.llm is None else self.special_answer(query)
        if self.llm is not None and answer is None:
            hits = self.retriever.search(query)
            weights = self.term_weights()
            for item in llm_stream(self.llm, query, hits, max_passages=self.settings.llm_passages,
                                   fallback=lambda: extractive_answer(query, hits, weights)):
                if isinstance(item, Answer):
                    answer = item
                else:
                    yield StreamEvent("delta", item)
        else:
            answer = answer or self.answer_query(query)
            for line in answer.answer.split("\n"):
                yield StreamEvent("delta", line + "\n")
        self._finish(answer, cid, conversation, question, standalone)
        yield StreamEvent("answer", answer)

    def _finish(self, answer: Answer, cid: str, conversation, question: str, standalone: str) -> None:
        answer.conversation_id = cid
        if standalone != question:
            answer.question = standalone
        self.conversations.record(conversation, standalone, answer, asked=question)
