"""Zalo Official Account bot: `POST /zalo/webhook` in, answers out through the OA API.

- Every event is checked before it is parsed: `X-ZEvent-Signature: mac=<hex sha256(app_id + raw body +
  timestamp + OA secret key)>` over the raw bytes (app_id and timestamp read from them by a bounded
  pattern, no JSON parser involved), compared in constant time. Bad or missing: 401, nothing done. Only a
  signed body is parsed; one that is not a JSON object (or nested too deep) is a 400, never a 500.
- An event older (or newer) than `zalo_event_max_age_s` is a replay: acknowledged, ignored; a timestamp
  that is not a whole number (`"nan"`) is refused (400).
- The webhook answers 200 at once (Zalo retries after 2 s); the work happens on a small thread pool.
  The event's id (`message.msg_id`) is remembered in the state store (SQLite under BAOCAO_HOME, or Redis),
  so a retried or replayed event is answered once, across restarts and by one replica only.
- `user_send_text` → the assistant (one conversation per Zalo user) → `POST /v3.0/oa/message/cs`,
  plain text: the answer, then the sources as a numbered list, split at 2,000 characters on sentences.
- Error -216 (access token expired/invalid) → refresh with the single-use refresh token at the OAuth URL
  (one process or replica at a time, under the store's `zalo-token` lock), store the new pair in the
  state store, retry once.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import json
import logging
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from baocao.api.errors import ApiError, error_doc, responses
from baocao.api.starters import zalo_reply  # welcome / empty / not-text replies with starter questions as examples
from baocao.assistant.models import Answer, Citation
from baocao.settings import Settings
from baocao.state import StateStore

log = logging.getLogger("baocao.api.zalo")
router = APIRouter(tags=["zalo"])

SIGNATURE_HEADER = "X-ZEvent-Signature"
EXPIRED_TOKEN = -216

FAILURE_REPLY = "Xin lỗi, hệ thống đang gặp sự cố nên chưa trả lời được. Vui lòng thử lại sau ít phút."
NON_TEXT_EVENTS = {
    "user_send_image", "user_send_sticker", "user_send_gif", "user_send_file", "user_send_audio",
    "user_send_video", "user_send_location", "user_send_link", "user_send_business_card",
}


class WebhookAck(BaseModel):
    ok: bool = True
    status: str  # queued | duplicate | stale | ignored


# ------------------------------------------------------------------------------ signature


def signature(app_id: str, raw_body: bytes, timestamp: str, secret_key: str) -> str:
    digest = hashlib.sha256(app_id.encode("utf-8") + raw_body + timestamp.encode("utf-8") + secret_key.encode("utf-8"))
    return "mac=" + digest.hexdigest()


# Zalo's own events are flat JSON objects with these two top-level fields; reading them with a bounded
# pattern lets the signature be checked before any JSON parser sees the bytes.
_APP_ID = re.compile(rb'"app_id"\s*:\s*"([^"\\]{1,64})"')
_TIMESTAMP = re.compile(rb'"timestamp"\s*:\s*(?:"([^"\\]{1,32})"|([0-9A-Za-z.+-]{1,32}))')
MAX_EVENT_BYTES = 64 * 1024
ZALO_DISABLED = "máy chủ này không bật bot Zalo (BAOCAO_ZALO_OA_SECRET_KEY)"


def _field(pattern: re.Pattern, raw: bytes) -> str | None:
    m = pattern.search(raw)
    return None if m is None else next(g for g in m.groups() if g is not None).decode("utf-8", "replace")


def verify(raw_body: bytes, header: str | None, settings: Settings) -> dict:
    """The event if its signature over the raw bytes is right (401 otherwise), then parsed (400 if it cannot be)."""
    if not header:
        raise ApiError(401, "bad_signature", f"thiếu chữ ký {SIGNATURE_HEADER}")
    if len(raw_body) > MAX_EVENT_BYTES:
        raise ApiError(413, "payload_too_large", f"sự kiện Zalo lớn hơn {MAX_EVENT_BYTES // 1024} KiB")
    app_id, timestamp = _field(_APP_ID, raw_body), _field(_TIMESTAMP, raw_body)
    if app_id is None or timestamp is None:
        raise ApiError(401, "bad_signature", "sự kiện không có app_id hoặc timestamp để kiểm tra chữ ký")
    expected = signature(app_id, raw_body, timestamp, settings.zalo_oa_secret_key or "")
    if not hmac.compare_digest(expected.encode(), header.strip().encode("utf-8", "replace")):
        raise ApiError(401, "bad_signature", f"chữ ký {SIGNATURE_HEADER} không khớp")
    if settings.zalo_app_id and not hmac.compare_digest(app_id.encode(), settings.zalo_app_id.encode()):
        raise ApiError(401, "bad_signature", "sự kiện của một ứng dụng khác")
    try:
        event = json.loads(raw_body)
    except (ValueError, RecursionError):  # signed, yet not JSON (or nested beyond the parser's depth)
        raise ApiError(400, "invalid_event", "nội dung sự kiện không phải JSON hợp lệ") from None
    if not isinstance(event, dict) or str(event.get("app_id")) != app_id or str(event.get("timestamp")) != timestamp:
        raise ApiError(400, "invalid_event", "sự kiện không phải một đối tượng Zalo hợp lệ")
    if not timestamp.isdigit():
        raise ApiError(400, "invalid_event", "timestamp của sự kiện phải là số")
    return event


# ------------------------------------------------------------------------------ formatting


def vn_date(iso: str | None) -> str | None:
    if not iso:
        return None
    parts = iso.split("-")
    return "/".join(reversed(parts)) if len(parts) in (2, 3) and all(x.isdigit() for x in parts) else iso


def source_line(c: Citation) -> str:
    where = [c.title or c.document, c.section or None, f"trang {c.page}" if c.page else None,
             f"số liệu đến {vn_date(c.as_of)}" if c.as_of else None]
    return ", ".join(w for w in where if w)


def format_answer(answer: Answer) -> str:
    """Plain text for Zalo: the answer, its list, then 'Nguồn:' as a numbered list."""
    lines = [answer.answer.strip()]
    if answer.items and not all(item in answer.answer for item in answer.items):
        lines += [f"- {item}" for item in answer.items]
    if answer.citations:
        lines += ["", "Nguồn:"] + [f"[{c.marker}] {source_line(c)}" for c in answer.citations]
    if not answer.grounded and answer.related:
        lines += ["", "Có thể liên quan:"] + [f"- {source_line(c)}" for c in answer.related[:3]]
    return "\n".join(lines).strip()


_SENTENCE_END = re.compile(r"(?<=[.!?…;:])\s+|(?<=\])\s+(?=[A-ZĐÀ-Ỹ])")


def split_message(text: str, limit: int = 2000) -> list[str]:
    """Pieces of at most `limit` characters, cut between lines or sentences, never inside a word if avoidable."""
    units: list[tuple[str, str]] = []  # (text, what joins it to the text before)
    for line in text.split("\n"):
        if len(line) <= limit:
            units.append((line, "\n"))
            continue
        joiner = "\n"
        for sentence in _SENTENCE_END.split(line):
            while len(sentence) > limit:  # one enormous sentence: cut at the last space
                cut = sentence.rfind(" ", 0, limit)
                cut = cut if cut > limit // 2 else limit
                units.append((sentence[:cut], joiner))
                sentence, joiner = sentence[cut:].lstrip(), " "
            units.append((sentence, joiner))
            joiner = " "
    pieces: list[str] = []
    current = ""
    for unit, joiner in units:
        candidate = f"{current}{joiner}{unit}" if current else unit
        if len(candidate) <= limit:
            current = candidate
        else:
            if current.strip():
                pieces.append(current.strip())
            current = unit
    if current.strip():
        pieces.append(current.strip())
    return pieces


# ------------------------------------------------------------------------------ tokens


@dataclass
class Tokens:
    access_token: str | None
    refresh_token: str | None
    updated_at: float = 0.0


class TokenStore:
    """The current access/refresh pair, in the state store (every replica uses the same pair). Zalo's
    refresh tokens are single-use: each refresh rotates both, so the new pair is stored before it is used,
    and refreshes are serialised by the store's `zalo-token` lock."""

    def __init__(self, state: StateStore, settings: Settings):
        self.state = state
        self.settings = settings
        self._import_legacy_file(settings.home / "zalo" / "tokens.json")

    def _import_legacy_file(self, path: Path) -> None:
        """Earlier versions kept the pair in `$BAOCAO_HOME/zalo/tokens.json`: take it over once."""
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and self.state.add("zalo", "tokens", data):
            log.info("imported the Zalo token pair from %s", path)

    def lock(self):
        return self.state.lock("zalo-token", timeout=60)

    @property
    def tokens(self) -> Tokens:
        data = self.state.get("zalo", "tokens")
        if not data:
            return Tokens(self.settings.zalo_access_token, self.settings.zalo_refresh_token)
        return Tokens(data.get("access_token"), data.get("refresh_token"), float(data.get("updated_at", 0)))

    def save(self, tokens: Tokens) -> None:
        self.state.put("zalo", "tokens", {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token,
                                          "updated_at": tokens.updated_at})


class ZaloError(Exception):
    pass


# ------------------------------------------------------------------------------ the bot


class ZaloBot:
    def __init__(self, settings: Settings, assistant, state: StateStore, http: httpx.Client | None = None):
        self.settings, self.assistant, self.state = settings, assistant, state
        self.http = http or httpx.Client(timeout=httpx.Timeout(10.0, connect=5.0))
        self.tokens = TokenStore(state, settings)
        self.pool = ThreadPoolExecutor(max_workers=max(1, settings.zalo_workers), thread_name_prefix="baocao-zalo")
        self._pending = 0
        self._pending_lock = threading.Lock()

    @property
    def can_verify(self) -> bool:
        return bool(self.settings.zalo_oa_secret_key)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=False)
        self.http.close()

    # --- intake (runs on the event loop: must be fast) ------------------------------------------
    def event_key(self, event: dict) -> str:
        message = event.get("message") if isinstance(event.get("message"), dict) else {}
        if message.get("msg_id"):
            return f"msg:{message['msg_id']}"
        who = _id_of(event.get("sender")) or _id_of(event.get("follower"))
        return f"evt:{event.get('event_name')}:{who}:{event.get('timestamp')}"

    def first_time(self, key: str) -> bool:
        """True for the first delivery of an event, in any process or replica, across restarts. Kept twice
        the replay window: an older copy is refused as stale anyway."""
        return self.state.add("zalo-seen", key, time.time(), ttl=2 * self.settings.zalo_event_max_age_s + 60)

    def is_stale(self, event: dict) -> bool:
        stamp_text = str(event.get("timestamp", ""))
        if not stamp_text.isdigit():  # "nan", "inf", "1e99": never a fresh event
            return True
        stamp = int(stamp_text)
        stamp = stamp / 1000 if stamp > 1e11 else stamp  # Zalo sends milliseconds
        return abs(time.time() - stamp) > self.settings.zalo_event_max_age_s

    def accept(self, event: dict) -> str:
        if self.is_stale(event):
            log.info("ignored a stale event (%s)", event.get("event_name"))
            return "stale"
        if not self.first_time(self.event_key(event)):
            log.info("ignored a repeated event %s", self.event_key(event))
            return "duplicate"
        with self._pending_lock:
            self._pending += 1
        self.pool.submit(contextvars.copy_context().run, self._handle_safely, event)  # logs keep the request id
        return "queued"

    def wait_idle(self, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._pending == 0:
                return True
            time.sleep(0.02)
        return False

    # --- work (thread pool) ---------------------------------------------------------------------
    def _handle_safely(self, event: dict) -> None:
        try:
            self.handle(event)
        except Exception:
            log.exception("zalo event %s failed", event.get("event_name"))
        finally:
            with self._pending_lock:
                self._pending -= 1

    def handle(self, event: dict) -> None:
        name = event.get("event_name", "")
        user_id = _id_of(event.get("sender")) or _id_of(event.get("follower"))
        if not user_id:
            return
        if name == "user_send_text":
            message = event.get("message") if isinstance(event.get("message"), dict) else {}
            text = str(message.get("text") or "").strip()
            if not text:
                self.send_text(user_id, zalo_reply("empty", self.assistant))
                return
            try:
                answer = self.assistant.ask(text[: self.settings.max_message_chars], conversation_id=f"zalo:{user_id}")
                reply = format_answer(answer)
            except Exception:
                log.exception("the assistant failed on a Zalo question")
                reply = FAILURE_REPLY
            for piece in split_message(reply, self.settings.zalo_reply_max_chars):
                self.send_text(user_id, piece)
        elif name in NON_TEXT_EVENTS:
            self.send_text(user_id, zalo_reply("not_text", self.assistant))
        elif name == "follow":
            self.send_text(user_id, zalo_reply("welcome", self.assistant))
        # anything else (unfollow, seen, OA's own messages...) needs no reply

    # --- OA API -----------------------------------------------------------------------------------
    def send_text(self, user_id: str, text: str) -> dict:
        body = {"recipient": {"user_id": user_id}, "message": {"text": text}}
        token = self.tokens.tokens.access_token
        result = self._post_message(body, token)
        if result.get("error") == EXPIRED_TOKEN:
            log.info("access token rejected (-216): refreshing")
            token = self.refresh(failed_token=token)
            result = self._post_message(body, token)
        if result.get("error", 0) != 0:
            raise ZaloError(f"OA API error {result.get('error')}: {result.get('message')}")
        return result

    def _post_message(self, body: dict, token: str | None) -> dict:
        url = self.settings.zalo_api_base.rstrip("/") + "/v3.0/oa/message/cs"
        response = self.http.post(url, json=body, headers={"access_token": token or ""})
        try:
            return response.json()
        except ValueError:
            raise ZaloError(f"OA API answered {response.status_code} without JSON") from None

    def refresh(self, failed_token: str | None) -> str:
        """A new access token; one refresh at a time, and none if another thread already refreshed."""
        with self.tokens.lock():
            current = self.tokens.tokens  # read again under the lock: another replica may have refreshed
            if current.access_token and current.access_token != failed_token:
                return current.access_token
            if not (current.refresh_token and self.settings.zalo_app_id and self.settings.zalo_app_secret):
                raise ZaloError("the access token expired and no refresh token / app id / app secret is configured")
            response = self.http.post(
                self.settings.zalo_oauth_url,
                data={"refresh_token": current.refresh_token, "app_id": self.settings.zalo_app_id,
                      "grant_type": "refresh_token"},
                headers={"secret_key": self.settings.zalo_app_secret},
            )
            try:
                data = response.json()
            except ValueError:
                raise ZaloError(f"token refresh answered {response.status_code} without JSON") from None
            if not data.get("access_token"):
                raise ZaloError(f"token refresh failed: {data.get('error_name') or data.get('error')} "
                                f"{data.get('error_description') or data.get('message') or ''}".strip())
            self.tokens.save(Tokens(data["access_token"], data.get("refresh_token") or current.refresh_token, time.time()))
            log.info("access token refreshed")
            return data["access_token"]


def _id_of(party) -> str | None:
    return str(party["id"]) if isinstance(party, dict) and party.get("id") else None


# ------------------------------------------------------------------------------ the endpoint


EVENT_BODY = {
    "required": True,
    "content": {"application/json": {
        "schema": {"type": "object", "required": ["app_id", "timestamp", "event_name"], "properties": {
            "app_id": {"type": "string"}, "timestamp": {"type": "string", "pattern": "^[0-9]{1,16}$"},
            "event_name": {"type": "string"}, "sender": {"type": "object"}, "message": {"type": "object"},
        }},
        "example": {"app_id": "3608465249409039", "event_name": "user_send_text", "timestamp": "1732000000000",
                    "sender": {"id": "2468013579"}, "recipient": {"id": "388613280878808645"},
                    "message": {"text": "Tỉnh nào chưa thành lập Ban Chỉ đạo?", "msg_id": "8d1f0c2b"}},
    }},
}


@router.post(
    "/zalo/webhook",
    response_model=WebhookAck,
    summary="Zalo OA events (signed); answered at once, the reply goes out through the OA API",
    description=f"Signed with `{SIGNATURE_HEADER}: mac=<sha256(app_id + body + timestamp + OA secret key)>`; "
    "the signature is checked on the raw bytes before the body is parsed.",
    openapi_extra={"requestBody": EVENT_BODY, "parameters": [{
        "name": SIGNATURE_HEADER, "in": "header", "required": True, "schema": {"type": "string"},
        "description": "mac=<hex>"}]},
    responses={200: {"content": {"application/json": {"example": {"ok": True, "status": "queued"}}}},
               401: error_doc(401, ("bad_signature", f"chữ ký {SIGNATURE_HEADER} không khớp")),
               404: error_doc(404, ("zalo_disabled", ZALO_DISABLED)), **responses(400, 413)},
)
async def webhook(request: Request) -> dict:
    if not request.headers.get(SIGNATURE_HEADER):
        raise ApiError(401, "bad_signature", f"thiếu chữ ký {SIGNATURE_HEADER}")
    bot: ZaloBot | None = request.app.state.zalo
    if bot is None or not bot.can_verify:
        raise ApiError(404, "zalo_disabled", ZALO_DISABLED)
    raw = await request.body()
    event = verify(raw, request.headers.get(SIGNATURE_HEADER), bot.settings)
    return {"ok": True, "status": await run_in_threadpool(bot.accept, event)}  # the store may take a moment
