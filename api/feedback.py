"""`POST /api/feedback` (👍/👎 on an answer, same access as chat) and `GET /api/feedback` (admin).
Stored in the state store with the index generation; `baocao feedback export` turns it into eval candidates."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, field_validator

from baocao.api.chat import ANSWER_EXAMPLE, CONVERSATION_ID, NOT_BLANK, JsonRequest, json_integers
from baocao.api.errors import responses
from baocao.api.security import ADMIN, READER, Admin, Limited, Reader
from baocao.assistant.models import Answer
from baocao.feedback import FeedbackStore, Reason

router = APIRouter(prefix="/api/feedback", tags=["feedback"])
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _iso_only(value):
    """Only an ISO 8601 date or date-time (pydantic would also read `0.5` as seconds since 1970)."""
    if not isinstance(value, str) or not ISO_MOMENT.match(value):
        raise ValueError("phải là ngày giờ ISO 8601")
    return value


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


Since = Annotated[datetime, BeforeValidator(_iso_only), AfterValidator(_aware)]


class FeedbackIn(JsonRequest):
    model_config = {**JsonRequest.model_config, "json_schema_extra": {"examples": [{
        "conversation_id": "3f2a9c1e5b7d4e8fa1c2b3d4e5f60718", "question": "Tốc độ Internet di động tháng 10/2025?",
        "answer": ANSWER_EXAMPLE, "rating": "down", "reason": "sai số liệu", "comment": "Báo cáo ghi 159,57 Mbps",
    }]}}

    conversation_id: str | None = Field(None, pattern=CONVERSATION_ID)
    question: str = Field(min_length=1, max_length=4000, pattern=NOT_BLANK)
    answer: Answer = Field(description="The Answer object the feedback is about, as the API returned it.")
    rating: Literal["up", "down"]
    reason: Reason | None = None
    comment: str | None = Field(None, max_length=2000)

    @field_validator("answer", mode="before")
    @classmethod
    def _answer_strictly(cls, value):  # the model's strictness does not reach into the nested Answer by itself
        return value if isinstance(value, Answer) else Answer.model_validate(json_integers(value), strict=True)


class FeedbackCreated(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{"id": "5d41402abc4b2a76"}]}}

    id: str


class FeedbackOut(BaseModel):
    id: str
    at: str
    rating: Literal["up", "down"]
    reason: str | None = None
    comment: str | None = None
    question: str
    answer: Answer
    conversation_id: str | None = None
    index_generation: str | None = None


class FeedbackList(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{"feedback": [{
        "id": "5d41402abc4b2a76", "at": "2026-11-20T08:15:02+00:00", "rating": "down", "reason": "sai số liệu",
        "comment": "Báo cáo ghi 159,57 Mbps", "question": "Tốc độ Internet di động tháng 10/2025?", "answer": ANSWER_EXAMPLE,
        "conversation_id": "3f2a9c1e5b7d4e8fa1c2b3d4e5f60718", "index_generation": "cbe468b9f38a775d"}]}]}}

    feedback: list[FeedbackOut]


def _store(request: Request) -> FeedbackStore:
    return request.app.state.feedback


@router.post("", status_code=201, response_model=FeedbackCreated, dependencies=[Reader, Limited],
             summary="Rate an answer 👍/👎, with an optional reason", openapi_extra=READER,
             responses=responses(429))
def add_feedback(body: FeedbackIn, request: Request) -> dict:
    try:
        generation = request.app.state.assistant.index.lexical().generation
    except Exception:  # the feedback matters more than its generation
        generation = None
    entry = _store(request).add(
        question=body.question, answer=body.answer.model_dump(mode="json", exclude_none=True), rating=body.rating,
        reason=body.reason, comment=body.comment, conversation_id=body.conversation_id, generation=generation,
    )
    return {"id": entry["id"]}


@router.get("", response_model=FeedbackList, response_model_exclude_none=True, dependencies=[Admin],
            summary="The feedback, newest first", openapi_extra=ADMIN)
def list_feedback(
    request: Request,
    rating: Literal["up", "down"] | None = None,
    reason: Reason | None = None,
    since: Since | None = Query(None, description="Only feedback from this moment on (ISO 8601; UTC if no offset)."),
    limit: int = Query(100, ge=1, le=1000),
) -> dict:
    entries = _store(request).list(rating=rating, reason=reason, since=since.isoformat() if since else None, limit=limit)
    return {"feedback": entries}
