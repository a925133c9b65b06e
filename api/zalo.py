"""Zalo Official Account bot: `POST /zalo/webhook` in, answers out through the OA API.

- Every event is checked: `X-ZEvent-Signature: mac=<hex sha256(app_id + raw body + timestamp + OA secret key)>`,
  app_id and timestamp taken from the body, compared in constant time. Bad or missing: 401, nothing done.
- An event older (or newer) than `zalo_event_max_age_s` is a replay: acknowledged, ignored.
- The webhook answers 200 at once (Zalo retries after 2 s); the work happens on a small thread pool.
  `message.msg_id` is remembered, so a retried event is answered once.
- `user_send_text` → the assistant (one conversation per Zalo user) → `POST /v3.0/oa/message/cs`,
  plain text: the answer, then the sources as a numbered list, split at 2,000 characters on sentences.
- Error -216 (access token expired/invalid) → refresh with the single-use refresh token at the OAuth URL,
  store the new pair atomically under `$BAOCAO_HOME/zalo/tokens.json`, retry once.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import json
import logging
import os
import re
import tempfile
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import APIRouter, Request
from pydantic import BaseModel

from baocao.api.errors import ApiError
from baocao.api.starters import zalo_reply  # welcome / empty / not-text replies with starter questions as examples
from baocao.assistant.models import Answer, Citation
from baocao.settings import Settings

log = logging.getLogger("baocao.api.zalo")
router = APIRouter(tags=["zalo"])

SIGNATURE_HEADER = "X-ZEvent-Signature"
EXPIRED_TOKEN = -216
SEEN_MAX = 20_000

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


def verify(raw_body: bytes, header: str | None, settings: Settings) -> dict:
    """The parsed event if its signature is right; ApiError 401 otherwise."""
    if not header:
        raise ApiError(401, "bad_signature", f"missing {SIGNATURE_HEADER}")
    try:
        event = json.loads(raw_body)
        app_id, timestamp = str(event["app_id"]), str(event["timestamp"])
    except (ValueError, KeyError, TypeError):
        raise ApiError(401, "bad_signature", "the event has no app_id or timestamp to check the signature with") from None
    if not isinstance(event, dict):
        raise ApiError(401, "bad_signature", "not an event")
    expected = signature(app_id, raw_body, timestamp, settings.zalo_oa_secret_key or "")
    if not hmac.compare_digest(expected.encode(), header.strip().encode("utf-8", "replace")):
        raise ApiError(401, "bad_signature", f"{SIGNATURE_HEADER} does not match")
    if settings.zalo_app_id and not hmac.compare_digest(app_id.encode(), settings.zalo_app_id.encode()):
        raise ApiError(401, "bad_signature", "event for another app")
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
    """The current access/refresh pair. Zalo's refresh tokens are single-use: each refresh rotates both,
    so the new pair is written to disk (temp file + os.replace) before it is used."""

    def __init__(self, path: Path, settings: Settings):
        self.path = path
        self.lock = threading.Lock()
        self.tokens = self._load() or Tokens(settings.zalo_access_token, settings.zalo_refresh_token)

    def _load(self) -> Tokens | None:
        try:
            data = json.loads(self.path.read_text())
            return Tokens(data.get("access_token"), data.get("refresh_token"), float(data.get("updated_at", 0)))
        except (OSError, ValueError):
            return None

    def save(self, tokens: Tokens) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tokens-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as out:
                json.dump({"access_token": tokens.access_token, "refresh_token": tokens.refresh_token,
                           "updated_at": tokens.updated_at}, out)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.tokens = tokens


class ZaloError(Exception):
    pass


# ------------------------------------------------------------------------------ the bot


class ZaloBot:
    def __init__(self, settings: Settings, assistant, http: httpx.Client | None = None):
        self.settings, self.assistant = settings, assistant
        self.http = http or httpx.Client(timeout=httpx.Timeout(10.0, connect=5.0))
        self.tokens = TokenStore(settings.home / "zalo" / "tokens.json", settings)
        self.pool = ThreadPoolExecutor(max_workers=max(1, settings.zalo_workers), thread_name_prefix="baocao-zalo")
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._seen_lock = threading.Lock()
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
        with self._seen_lock:
            if key in self._seen:
                return False
            self._seen[key] = time.time()
            while len(self._seen) > SEEN_MAX:
                self._seen.popitem(last=False)
            return True

    def is_stale(self, event: dict) -> bool:
        try:
            stamp = float(event["timestamp"])
        except (KeyError, TypeError, ValueError):
            return True
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
        with self.tokens.lock:
            current = self.tokens.tokens
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


@router.post(
    "/zalo/webhook",
    response_model=WebhookAck,
    summary="Zalo OA events (signed); answered at once, the reply goes out through the OA API",
)
async def webhook(request: Request) -> dict:
    bot: ZaloBot | None = request.app.state.zalo
    if bot is None or not bot.can_verify:
        raise ApiError(503, "zalo_disabled", "the Zalo bot is not configured (BAOCAO_ZALO_OA_SECRET_KEY)")
    raw = await request.body()
    event = verify(raw, request.headers.get(SIGNATURE_HEADER), bot.settings)
    return {"ok": True, "status": bot.accept(event)}
