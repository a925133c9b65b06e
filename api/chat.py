"""`POST /api/chat` (JSON or Server-Sent Events) and `POST /api/search`."""

from __future__ import annotations

import json
import logging
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from baocao.api.errors import ApiError, error_body
from baocao.api.middleware import request_id_var
from baocao.api.security import Limited, Reader
from baocao.assistant.models import Answer
from baocao.assistant.retriever import search_result
from baocao.assistant.service import Assistant, StreamEvent

log = logging.getLogger("baocao.api")
router = APIRouter(prefix="/api", tags=["chat"])

CONVERSATION_ID = r"^[A-Za-z0-9_-]{1,80}$"  # no ":": Zalo users' conversations ("zalo:<id>") are out of reach


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, description="The question, in Vietnamese.", examples=["Tỉnh nào chưa thành lập Ban Chỉ đạo?"])
    conversation_id: str | None = Field(None, pattern=CONVERSATION_ID, description="From a previous answer, for follow-up questions.")


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, examples=["tốc độ Internet di động"])
    k: int = Field(10, ge=1, le=50)


class SearchResult(BaseModel):
    text: str
    document: str
    title: str = ""
    section: str = ""
    page: int | None = None
    as_of: str | None = None
    score: float
    chunk_id: str
    kind: str | None = None
    footnotes: list[str] = Field(default_factory=list)


class SearchResponse(BaseModel):
    results: list[SearchResult]


def _check_text(request: Request, text: str, field: str) -> str:
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        raise ApiError(422, "invalid_request", f"{field}: must not be empty")
    limit = request.app.state.settings.max_message_chars
    if len(text) > limit:
        raise ApiError(413, "message_too_long", f"{field}: longer than {limit} characters")
    return text


class AnswerCache:
    """First questions of a conversation, answered once per index generation (starter questions, common asks).

    A follow-up (a conversation_id given) always goes to the assistant: it depends on the history.
    A cache hit still opens a conversation and records the turn, so follow-ups work the same.
    """

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[tuple[str, str], Answer] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @staticmethod
    def key(assistant: Assistant, message: str) -> tuple[str, str]:
        return assistant.index.lexical().generation, " ".join(message.casefold().split())

    def get(self, key: tuple[str, str]) -> Answer | None:
        with self._lock:
            answer = self._items.get(key)
            if answer is not None:
                self._items.move_to_end(key)
                self.hits += 1
            else:
                self.misses += 1
            return answer

    def put(self, key: tuple[str, str], answer: Answer) -> None:
        with self._lock:
            self._items[key] = answer.model_copy(deep=True)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def _from_cache(request: Request, message: str, conversation_id: str | None) -> tuple[tuple[str, str] | None, Answer | None]:
    """(cache key, cached answer as a new conversation) for a first question; (None, None) for a follow-up."""
    cache: AnswerCache | None = request.app.state.answer_cache
    if cache is None or conversation_id is not None:
        return None, None
    assistant: Assistant = request.app.state.assistant
    key = cache.key(assistant, message)
    hit = cache.get(key)
    if hit is None:
        return key, None
    cid, conversation = assistant.conversations.get(None)
    assistant.conversations.record(conversation, hit.question or message, hit.answer)
    answer = hit.model_copy(deep=True)
    answer.conversation_id = cid
    return key, answer


def ask(request: Request, message: str, conversation_id: str | None) -> Answer:
    key, answer = _from_cache(request, message, conversation_id)
    if answer is not None:
        return answer
    answer = request.app.state.assistant.ask(message, conversation_id)
    if key is not None:
        request.app.state.answer_cache.put(key, answer)
    return answer


def events(request: Request, message: str, conversation_id: str | None) -> Iterator[StreamEvent]:
    key, answer = _from_cache(request, message, conversation_id)
    if answer is not None:
        for line in answer.answer.split("\n"):
            yield StreamEvent("delta", line + "\n")
        yield StreamEvent("answer", answer)
        return
    for event in request.app.state.assistant.stream(message, conversation_id):
        if event.event == "answer" and key is not None:
            request.app.state.answer_cache.put(key, event.data)
        yield event


def answer_json(answer: Answer) -> dict:
    return answer.model_dump(mode="json", exclude_none=True)


def sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def sse_stream(request: Request, message: str, conversation_id: str | None) -> Iterator[str]:
    """`delta` events with text as it comes, then one `answer` event with the whole Answer and its citations.

    The final Answer is always sent whole, whatever was streamed before it: citations are never lost.
    A failure after the stream started is sent as an `error` event (the status is already 200).
    """
    rid = request_id_var.get()
    yield ": baocao\n\n"  # opens the stream at once (proxies, and the browser's first byte)
    try:
        sent_answer = False
        for ev in events(request, message, conversation_id):
            if ev.event == "delta":
                yield sse("delta", {"text": ev.data})
            elif ev.event == "answer":
                yield sse("answer", answer_json(ev.data))
                sent_answer = True
        if not sent_answer:
            raise RuntimeError("the assistant's stream ended without an answer")
    except Exception:
        log.exception("chat stream failed", extra={"request_id": rid})
        yield sse("error", error_body("internal_error", f"Lỗi máy chủ khi trả lời; mã yêu cầu {rid}"))


@router.post(
    "/chat",
    response_model=Answer,
    response_model_exclude_none=True,
    dependencies=[Reader, Limited],
    summary="Ask a question",
    responses={200: {"content": {"text/event-stream": {}}, "description": "The Answer; or, with `Accept: text/event-stream`, "
                     "events `delta` {text} then `answer` (the Answer) or `error` {error}."}},
)
def chat(body: ChatRequest, request: Request):
    message = _check_text(request, body.message, "message")
    if "text/event-stream" in request.headers.get("accept", ""):
        return StreamingResponse(
            sse_stream(request, message, body.conversation_id),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    return answer_json(ask(request, message, body.conversation_id))


@router.post("/search", response_model=SearchResponse, dependencies=[Reader, Limited], summary="The ranked passages the assistant would read")
def search(body: SearchRequest, request: Request) -> dict:
    query = _check_text(request, body.query, "query")
    assistant: Assistant = request.app.state.assistant
    hits = assistant.retriever.search(query, k=body.k)
    return {"results": [search_result(h) for h in hits]}
