"""`GET/PATCH/DELETE /api/conversations/{id}`: a conversation's history, restored by its id (the widget keeps
the ids of its conversations in the browser). Same access rule as chat."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from baocao.api.chat import ANSWER_EXAMPLE, CONVERSATION_ID, NOT_BLANK, JsonRequest
from baocao.api.errors import ApiError, responses
from baocao.api.security import READER, Reader
from baocao.assistant.models import Answer
from baocao.conversations import ConversationStore

router = APIRouter(prefix="/api/conversations", tags=["conversations"])
ConversationId = Path(pattern=CONVERSATION_ID, description="The `conversation_id` of an answer (random, 128-bit).")


class TurnOut(BaseModel):
    question: str = Field(description="The question as the user typed it.")
    answer: Answer
    at: str = Field(description="When it was answered (ISO 8601, UTC).")


class ConversationOut(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{
        "id": "3f2a9c1e5b7d4e8fa1c2b3d4e5f60718", "title": "Tốc độ Internet di động tháng 10/2025?",
        "created_at": "2025-11-20T08:15:02+00:00", "updated_at": "2025-11-20T08:16:40+00:00",
        "turns": [{"question": "Tốc độ Internet di động tháng 10/2025?", "answer": ANSWER_EXAMPLE,
                   "at": "2025-11-20T08:15:02+00:00"}],
    }]}}

    id: str
    title: str
    created_at: str
    updated_at: str
    turns: list[TurnOut]


class TitleIn(JsonRequest):
    model_config = {**JsonRequest.model_config, "json_schema_extra": {"examples": [{"title": "Hạ tầng số tháng 10"}]}}

    title: str = Field(min_length=1, max_length=200, pattern=NOT_BLANK)


def _store(request: Request) -> ConversationStore:
    return request.app.state.assistant.conversations  # the store the assistant records turns into


def _found(conversation: dict | None, cid: str) -> dict:
    if conversation is None:
        raise ApiError(404, "not_found", f"không có cuộc trò chuyện {cid!r} (có thể đã hết hạn hoặc bị xóa)")
    return conversation


@router.get("/{conversation_id}", response_model=ConversationOut, response_model_exclude_none=True,
            dependencies=[Reader], summary="A conversation with every turn", openapi_extra=READER, responses=responses(404))
def get_conversation(request: Request, conversation_id: str = ConversationId) -> dict:
    return _found(_store(request).load(conversation_id), conversation_id)


@router.patch("/{conversation_id}", response_model=ConversationOut, response_model_exclude_none=True,
              dependencies=[Reader], summary="Rename a conversation", openapi_extra=READER, responses=responses(404))
def rename_conversation(body: TitleIn, request: Request, conversation_id: str = ConversationId) -> dict:
    return _found(_store(request).rename(conversation_id, body.title), conversation_id)


@router.delete("/{conversation_id}", status_code=204, response_class=Response, dependencies=[Reader],
               summary="Forget a conversation", openapi_extra=READER,
               responses={204: {"description": "Deleted"}, **responses(404)})
def delete_conversation(request: Request, conversation_id: str = ConversationId) -> Response:
    if not _store(request).delete(conversation_id):
        _found(None, conversation_id)
    return Response(status_code=204)
