"""`POST /api/chat` (JSON or Server-Sent Events) and `POST /api/search`."""

from __future__ import annotations

import hashlib
import json
import logging
import unicodedata
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, model_validator

from baocao.api.errors import ApiError, error_body, responses
from baocao.api.middleware import request_id_var
from baocao.api.security import READER, Limited, Reader, Ready
from baocao.assistant.models import Answer
from baocao.assistant.search import search_result
from baocao.assistant.service import Assistant, StreamEvent
from baocao.state import StateStore

log = logging.getLogger("baocao.api")
router = APIRouter(prefix="/api", tags=["chat"])

CONVERSATION_ID = r"^[A-Za-z0-9_-]{1,80}$"  # no ":": Zalo users' conversations ("zalo:<id>") are out of reach


NOT_BLANK = r"\S"  # at least one character that is not white space


def json_integers(value):
    """2.0 is an integer in JSON Schema: make it one, so strict validation only refuses what the schema does."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: json_integers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_integers(v) for v in value]
    return value


class JsonRequest(BaseModel):
    """A request body validated as its JSON Schema says: "5" is not a number, "true" not a boolean (pydantic's lax
    mode would take both)."""

    model_config = {"strict": True}

    @model_validator(mode="before")
    @classmethod
    def _json_numbers(cls, data):
        return json_integers(data)


class ChatRequest(JsonRequest):
    model_config = {**JsonRequest.model_config, "json_schema_extra": {"examples": [
        {"message": "Tỉnh nào chưa thành lập Ban Chỉ đạo?"},
        {"message": "Thế tháng 8 thì sao?", "conversation_id": "3f2a9c1e5b7d4e8fa1c2b3d4e5f60718"},
    ]}}

    message: str = Field(min_length=1, pattern=NOT_BLANK, description="The question, in Vietnamese (at most "
                         "`BAOCAO_MAX_MESSAGE_CHARS` characters).")
    conversation_id: str | None = Field(None, pattern=CONVERSATION_ID, description="From a previous answer, for follow-up questions.")


class SearchRequest(JsonRequest):
    model_config = {**JsonRequest.model_config, "json_schema_extra": {"examples": [{"query": "tốc độ Internet di động", "k": 3}]}}

    query: str = Field(min_length=1, pattern=NOT_BLANK)
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
    limit = request.app.state.settings.max_message_chars
    if len(text) > limit:
        raise ApiError(413, "message_too_long", f"{field}: dài quá {limit} ký tự")
    text = unicodedata.normalize("NFC", text)
    return text.strip() or text  # the schema's NOT_BLANK already refused a blank text


class AnswerCache:
    """First questions of a conversation, answered once per index generation (starter questions, common asks),
    kept in the state store: every replica shares it, and a new generation (an upload or delete anywhere)
    makes every entry unreachable.

    A follow-up (a conversation_id given) always goes to the assistant: it depends on the history.
    A cache hit still opens a conversation and records the turn, so follow-ups work the same.
    """

    def __init__(self, state: StateStore, ttl: float):
        self.state, self.ttl = state, ttl
        self.hits = self.misses = 0

    @staticmethod
    def key(assistant: Assistant, message: str) -> str:
        question = " ".join(message.casefold().split())
        return f"{assistant.index.lexical().generation}:{hashlib.sha256(question.encode()).hexdigest()[:32]}"

    def get(self, key: str) -> Answer | None:
        data = self.state.get("answer", key)
        if data is None:
            self.misses += 1
            return None
        self.hits += 1
        return Answer.model_validate(data)

    def put(self, key: str, answer: Answer) -> None:
        self.state.put("answer", key, answer.model_dump(mode="json", exclude_none=True), ttl=self.ttl)


def _from_cache(request: Request, message: str, conversation_id: str | None) -> tuple[str | None, Answer | None]:
    """(cache key, cached answer as a new conversation) for a first question; (None, None) for a follow-up."""
    cache: AnswerCache | None = request.app.state.answer_cache
    if cache is None or conversation_id is not None:
        return None, None
    assistant: Assistant = request.app.state.assistant
    key = cache.key(assistant, message)
    answer = cache.get(key)
    if answer is None:
        return key, None
    cid, conversation = assistant.conversations.get(None)
    answer.conversation_id = cid
    assistant.conversations.record(conversation, answer.question or message, answer, asked=message)
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
        yield sse("error", error_body("internal_error", f"lỗi máy chủ khi trả lời; mã yêu cầu {rid}"))


ANSWER_EXAMPLE = {
    "answer": "Tốc độ Internet di động tháng 10/2025 đạt 159,57 Mbps [1].",
    "citations": [{"marker": 1, "document": "bao-cao-thang-10.pdf", "title": "Báo cáo chuyển đổi số tháng 10 năm 2025",
                   "section": "I > 1", "page": 2, "quote": "tốc độ Internet di động đạt 159,57 Mbps",
                   "chunk_id": "a1b2c3d4e5f60718-0007", "as_of": "2025-10-31",
                   "text": "… tốc độ Internet di động đạt 159,57 Mbps, xếp thứ 18 thế giới …"}],
    "items": [], "grounded": True, "as_of": "2025-10-31", "conversation_id": "3f2a9c1e5b7d4e8fa1c2b3d4e5f60718",
}
SSE_EXAMPLE = ('event: delta\ndata: {"text": "Tốc độ Internet di động tháng 10/2025 đạt 159,57 Mbps [1].\\n"}\n\n'
               'event: answer\ndata: {"answer": "Tốc độ Internet di động tháng 10/2025 đạt 159,57 Mbps [1].", "citations": [...], '
               '"grounded": true, "conversation_id": "3f2a9c1e5b7d4e8fa1c2b3d4e5f60718"}\n\n')
SEARCH_EXAMPLE = {"results": [{"text": "… tốc độ Internet di động đạt 159,57 Mbps …", "document": "bao-cao-thang-10.pdf",
                               "title": "Báo cáo chuyển đổi số tháng 10 năm 2025", "section": "I > 1", "page": 2,
                               "as_of": "2025-10-31", "score": 0.0325, "chunk_id": "a1b2c3d4e5f60718-0007",
                               "kind": "text", "footnotes": []}]}
ASKING = (400, 413, 422, 429, 503)


@router.post(
    "/chat",
    response_model=Answer,
    response_model_exclude_none=True,
    dependencies=[Reader, Limited, Ready],
    summary="Ask a question",
    openapi_extra=READER,
    responses={200: {"content": {"text/event-stream": {"example": SSE_EXAMPLE}, "application/json": {"example": ANSWER_EXAMPLE}},
                     "description": "The Answer; or, with `Accept: text/event-stream`, events `delta` {text} then "
                     "`answer` (the Answer) or `error` {error}."},
               **responses(*ASKING)},
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


@router.post("/search", response_model=SearchResponse, dependencies=[Reader, Limited, Ready],
             summary="The ranked passages the assistant would read", openapi_extra=READER,
             responses={200: {"content": {"application/json": {"example": SEARCH_EXAMPLE}}}, **responses(*ASKING)})
def search(body: SearchRequest, request: Request) -> dict:
    query = _check_text(request, body.query, "query")
    assistant: Assistant = request.app.state.assistant
    hits = assistant.retriever.search(query, k=body.k)
    return {"results": [search_result(h) for h in hits]}
