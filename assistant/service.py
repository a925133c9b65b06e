"""The assistant: question → standalone question → understanding → the right answerer → Answer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.conversation import ConversationStore, rewrite
from assistant.evidence import TermWeights
from assistant.extractive import extractive_answer
from assistant.models import Answer
from assistant.query import Query, understand
from assistant.retriever import HybridRetriever
from assistant.sets import SetAnswerer
from assistant.tasks import TaskAnswerer
from baocao.settings import Settings
from vectorstore.store import Index, open_index


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

    def answer_query(self, query: Query) -> Answer:
        weights = self.term_weights()
        chunks = self.index.current_chunks()
        for special in (
            lambda: self.tasks.answer(query, chunks, weights),
            lambda: self.sets.answer(query, self.index.lexical().generation, chunks, weights),
        ):
            answer = special()
            if answer is not None:
                return answer
        hits = self.retriever.search(query)
        if not hits:
            from assistant.compose import refusal

            return refusal([])
        return extractive_answer(query, hits, weights)

    def ask(self, question: str, conversation_id: str | None = None) -> Answer:
        cid, conversation = self.conversations.get(conversation_id)
        standalone = rewrite(question, conversation.turns)
        answer = self.answer_query(understand(standalone))
        answer.conversation_id = cid
        if standalone != question:
            answer.question = standalone
        self.conversations.record(conversation, standalone, answer.answer)
        return answer

    def stream(self, question: str, conversation_id: str | None = None) -> Iterator[StreamEvent]:
        """Sentences of the answer as they are ready, then the whole Answer with its citations."""
        answer = self.ask(question, conversation_id)
        for line in answer.answer.split("\n"):
            yield StreamEvent("delta", line + "\n")
        yield StreamEvent("answer", answer)
