"""An OpenAI-compatible face on the same assistant: `GET /v1/models`, `POST /v1/chat/completions`.

For chat front-ends (Open WebUI, LibreChat) and scripts written for the OpenAI API. The last user
message is the question; the earlier user turns are the conversation it follows (so "còn bộ nào?" is
understood). The reply is the answer text with its `[n]` markers and a "Nguồn:" footer; the whole Answer
(citations with quotes and passages, items, grounded, as_of) is in the extra field `baocao`, on the
completion and on the last chunk of a stream. Auth: the chat token as the API key (`Authorization:
Bearer`), open when the server sets none — the same rule as `/api/chat`.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from baocao.api import chat
from baocao.api.chat import JsonRequest
from baocao.api.errors import ERROR_EXAMPLES, ApiError, error_doc, responses
from baocao.api.middleware import request_id_var
from baocao.api.security import READER, Limited, Reader
from baocao.assistant.compose import vn_date
from baocao.assistant.conversation import Turn, rewrite
from baocao.assistant.models import Answer

log = logging.getLogger("baocao.api")
router = APIRouter(prefix="/v1", tags=["openai-compatible"])

MODEL_ID = "baocao"
CREATED = 1_767_225_600  # 2026-01-01: a fixed "created" for the one model
FOOTER = "Nguồn:"
MODELS = {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": CREATED, "owned_by": "baocao"}]}

NO_USER_MESSAGE = "messages: cần ít nhất một tin nhắn của người dùng (role 'user') có nội dung"
ERRORS = {
    400: error_doc(400, ("invalid_request", NO_USER_MESSAGE), ERROR_EXAMPLES[400]),
    404: error_doc(404, ("model_not_found", "không có mô hình 'gpt-4o'; dùng 'baocao' (GET /v1/models)")),
    413: error_doc(413, ("message_too_long", "message: dài quá 2000 ký tự"), ERROR_EXAMPLES[413]),
    **responses(429),
}


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    model_config = {"json_schema_extra": {"examples": [MODELS]}}

    object: Literal["list"] = "list"
    data: list[ModelCard]


class Message(JsonRequest):
    model_config = ConfigDict(strict=True, extra="allow")
    role: str = Field(examples=["user"])
    content: str | list[dict[str, Any]] | None = Field(None, examples=["Tỉnh nào chưa thành lập Ban Chỉ đạo?"])


class ChatCompletionRequest(JsonRequest):
    """OpenAI's request; sampling fields (temperature, max_tokens, …) are accepted and ignored."""

    model_config = ConfigDict(strict=True, extra="allow", json_schema_extra={"examples": [
        {"model": "baocao", "messages": [{"role": "user", "content": "Tỉnh nào chưa thành lập Ban Chỉ đạo?"}]}]})
    model: str = MODEL_ID
    messages: list[Message] = Field(min_length=1)
    stream: bool = False


class ChoiceMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: ChoiceMessage
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    baocao: Answer = Field(description="The whole Answer of CONTRACT.md: `citations` (marker, document, title, "
                           "section, page, as_of, quote, chunk_id, text), `items`, `grounded`, `as_of`.")


def text_of(message: Message) -> str:
    """The text of a message, whether `content` is a string or OpenAI's list of parts."""
    content = message.content
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") in (None, "text"))
    return ""


def without_footer(text: str) -> str:
    """An earlier reply of ours, as a client sends it back: the answer without the sources."""
    cut = text.find("\n\n" + FOOTER)
    return text[:cut] if cut >= 0 else text


def standalone_question(messages: list[Message]) -> str:
    """The last user message, rewritten against the earlier user turns as `/api/chat` does for follow-ups."""
    turns: list[Turn] = []
    question = None
    pending_answer = ""
    for message in messages:
        text = text_of(message).strip()
        if message.role == "user" and text:
            if question is not None:
                turns.append(Turn(question, pending_answer))
            question, pending_answer = rewrite(text, turns), ""
        elif message.role == "assistant":
            pending_answer = without_footer(text)
    if question is None:
        raise ApiError(400, "invalid_request", NO_USER_MESSAGE)
    return question


def footer(answer: Answer) -> str:
    if not answer.citations:
        return ""
    lines = ["", "", FOOTER]
    for c in answer.citations:
        where = ", ".join(str(x) for x in (c.title or c.document, c.section, f"trang {c.page}" if c.page else None,
                                           vn_date(c.as_of)) if x)
        lines.append(f"[{c.marker}] {where}")
    return "\n".join(lines)


def reply_text(answer: Answer) -> str:
    text = answer.answer
    if answer.items and not any(item in text for item in answer.items[:1]):
        text += "\n" + "\n".join(f"- {item}" for item in answer.items)
    return text + footer(answer)


def check_model(model: str) -> None:
    if model != MODEL_ID:
        raise ApiError(404, "model_not_found", f"không có mô hình {model!r}; dùng {MODEL_ID!r} (GET /v1/models)")


@router.get("/models", response_model=ModelList, dependencies=[Reader], summary="The one model: baocao",
            openapi_extra=READER)
def models() -> dict:
    return MODELS


def chunk(cid: str, created: int, delta: dict, finish: str | None = None, extra: dict | None = None) -> str:
    body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    if extra:
        body.update(extra)
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def completion_stream(request: Request, question: str, cid: str, created: int) -> Iterator[str]:
    """OpenAI's SSE: a role chunk, content chunks, a last chunk with `finish_reason` and `baocao`, `[DONE]`.

    The offline answerer's pieces are the answer's own lines, so the streamed text is exactly the
    non-streamed reply. If an LLM's streamed sentences are later replaced (the grounding guard fell back
    to the extractive answer), the authoritative reply follows after a rule, never silently differs.
    """
    rid = request_id_var.get()
    yield chunk(cid, created, {"role": "assistant", "content": ""})
    sent = ""
    try:
        for event in chat.events(request, question, None):
            if event.event == "delta":
                sent += event.data
                yield chunk(cid, created, {"content": event.data})
            elif event.event == "answer":
                full = reply_text(event.data)
                rest = full[len(sent):] if full.startswith(sent) else "\n\n---\n" + full
                if rest:
                    yield chunk(cid, created, {"content": rest})
                yield chunk(cid, created, {}, "stop", {"baocao": chat.answer_json(event.data)})
    except Exception:
        log.exception("openai-compatible stream failed", extra={"request_id": rid})
        error = {"error": {"code": "internal_error", "message": f"Lỗi máy chủ khi trả lời; mã yêu cầu {rid}"}}
        yield f"data: {json.dumps(error, ensure_ascii=False)}\n\n"
    yield "data: [DONE]\n\n"


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    response_model_exclude_none=True,
    dependencies=[Reader, Limited],
    summary="Ask as an OpenAI chat completion (stream: true for SSE chunks)",
    openapi_extra=READER,
    responses={200: {"content": {"text/event-stream": {"example": 'data: {"object": "chat.completion.chunk", "choices": '
                                                                  '[{"index": 0, "delta": {"content": "Tính đến …"}, "finish_reason": null}], …}\n\ndata: [DONE]'}},
                     "description": "A chat.completion; with `stream: true`, `chat.completion.chunk` events then `data: [DONE]`."},
               **ERRORS},
)
def chat_completions(body: ChatCompletionRequest, request: Request):
    check_model(body.model)
    question = chat._check_text(request, standalone_question(body.messages), "message")
    cid, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
    if body.stream:
        return StreamingResponse(completion_stream(request, question, cid, created), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    answer = chat.ask(request, question, None)
    return {"id": cid, "object": "chat.completion", "created": created, "model": MODEL_ID,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": reply_text(answer)}, "finish_reason": "stop"}],
            "baocao": chat.answer_json(answer)}
