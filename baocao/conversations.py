"""Conversations kept in the state store (baocao/state.py): the assistant reads the last turns to rewrite
follow-ups; the widget restores a whole conversation by its id (`GET /api/conversations/{id}`).

Stored per conversation: `conversation:<id>` → {id, title, created_at, updated_at} and the list
`turn:<id>` → [{question (as asked), standalone (as answered), answer (the Answer object), at}].
Ids are random 128-bit hex; both expire `conversation_ttl_days` after the last turn.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from baocao.state import StateStore, memory_state

TITLE_CHARS = 60
MAX_TITLE = 200


@dataclass
class Turn:
    question: str  # the standalone question (what follow-ups are rewritten against)
    answer: str  # the answer's text
    asked: str | None = None  # the question as the user typed it
    data: dict | None = None  # the whole Answer object (JSON)
    at: str | None = None


@dataclass
class Conversation:
    turns: list[Turn] = field(default_factory=list)
    id: str | None = None


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_id() -> str:
    return secrets.token_hex(16)


def default_title(question: str) -> str:
    """The first question, cut at a word boundary."""
    text = " ".join(question.split())
    if len(text) <= TITLE_CHARS:
        return text
    cut = text.rfind(" ", 0, TITLE_CHARS)
    return text[: cut if cut > TITLE_CHARS // 2 else TITLE_CHARS].rstrip(" ,.;:") + "…"


def _turn(stored: dict) -> Turn:
    answer = stored.get("answer") or {}
    return Turn(stored.get("standalone") or stored.get("question", ""), answer.get("answer", ""),
                stored.get("question"), answer, stored.get("at"))


class ConversationStore:
    """`get(id)` → (id, Conversation with its last `context_turns` turns); `record(...)` appends a turn."""

    def __init__(self, state: StateStore | None = None, *, context_turns: int = 6, max_turns: int = 200,
                 ttl_days: float = 90.0):
        self.state = state or memory_state()
        self.context_turns, self.max_turns = context_turns, max_turns
        self.ttl = ttl_days * 86400 if ttl_days > 0 else None

    @classmethod
    def from_settings(cls, state: StateStore, settings) -> "ConversationStore":
        return cls(state, max_turns=settings.conversation_max_turns, ttl_days=settings.conversation_ttl_days)

    def get(self, conversation_id: str | None) -> tuple[str, Conversation]:
        cid = conversation_id or new_id()
        turns = [_turn(t) for t in self.state.items("turn", cid, last=self.context_turns)] if conversation_id else []
        return cid, Conversation(turns, cid)

    def record(self, conversation: Conversation, question: str, answer: Any, *, asked: str | None = None) -> None:
        """One turn: `question` as answered (standalone), `answer` an Answer (or its text), `asked` as typed."""
        data = answer.model_dump(mode="json", exclude_none=True) if hasattr(answer, "model_dump") else {"answer": str(answer)}
        at = now_iso()
        asked = asked or question
        turn = Turn(question, data.get("answer", ""), asked, data, at)
        conversation.turns.append(turn)
        del conversation.turns[: -self.context_turns]
        if conversation.id is None:
            conversation.id = new_id()
        cid = conversation.id
        self.state.append("turn", cid, {"question": asked, "standalone": question, "answer": data, "at": at},
                          max_len=self.max_turns, ttl=self.ttl)

        def touch(meta):
            meta = meta or {"id": cid, "title": default_title(asked), "created_at": at}
            return {**meta, "updated_at": at}, None

        self.state.update("conversation", cid, touch, ttl=self.ttl)

    # --- what the API shows ------------------------------------------------------------------------
    def load(self, cid: str) -> dict | None:
        meta = self.state.get("conversation", cid)
        if meta is None:
            return None
        turns = [{"question": t.get("question", ""), "answer": t.get("answer") or {}, "at": t.get("at")}
                 for t in self.state.items("turn", cid)]
        return {**meta, "turns": turns}

    def rename(self, cid: str, title: str) -> dict | None:
        title = " ".join(title.split())[:MAX_TITLE]

        def change(meta):
            return (None, None) if meta is None else ({**meta, "title": title, "updated_at": now_iso()}, True)

        return self.load(cid) if self.state.update("conversation", cid, change, ttl=self.ttl) else None

    def delete(self, cid: str) -> bool:
        found = self.state.delete("conversation", cid)
        return self.state.delete("turn", cid) or found
