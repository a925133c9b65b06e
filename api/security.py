"""Who may do what: bearer tokens for chat (optional) and admin (uploads, deletes, feedback list), and a
per-client rate limit whose buckets live in the state store (shared by every process and replica).

The bearer header is read by hand (not with FastAPI's `HTTPBearer`), so the OpenAPI schema declares
security only where this deployment needs it (api/openapi.py).
"""

from __future__ import annotations

import hmac
import math
import time

from fastapi import Depends, Request

from baocao.api.errors import ApiError
from baocao.settings import Settings
from baocao.state import StateStore


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _matches(token: str | None, expected: str) -> bool:
    return token is not None and hmac.compare_digest(token.encode("utf-8"), expected.encode("utf-8"))


# What the two dependencies answer (also the examples of the OpenAPI schema, api/openapi.py).
ADMIN_DISABLED = "chức năng quản trị (tải lên, xóa tài liệu, xem góp ý) đang tắt: máy chủ chưa đặt BAOCAO_ADMIN_TOKEN"
ADMIN_REQUIRED = "cần mã quản trị (Authorization: Bearer <BAOCAO_ADMIN_TOKEN>)"
READER_REQUIRED = "cần mã truy cập (Authorization: Bearer <BAOCAO_CHAT_TOKEN>)"


def require_admin(request: Request) -> None:
    """Upload, delete, jobs, the feedback list: only with `BAOCAO_ADMIN_TOKEN`; with none set they are off."""
    token = get_settings(request).admin_token
    if not token:
        raise ApiError(403, "admin_disabled", ADMIN_DISABLED)
    if not _matches(bearer_token(request), token):
        raise ApiError(401, "unauthorized", ADMIN_REQUIRED, {"WWW-Authenticate": "Bearer"})


def require_reader(request: Request) -> None:
    """Chat, search, documents, conversations, feedback: open, unless `BAOCAO_CHAT_TOKEN` is set (the admin token works too)."""
    settings = get_settings(request)
    if not settings.chat_token:
        return
    token = bearer_token(request)
    if _matches(token, settings.chat_token) or (settings.admin_token and _matches(token, settings.admin_token)):
        return
    raise ApiError(401, "unauthorized", READER_REQUIRED, {"WWW-Authenticate": "Bearer"})


def client_key(request: Request, settings: Settings) -> str:
    """Who a request counts against: the client address (X-Forwarded-For only when told to trust it)."""
    host = request.client.host if request.client else "unknown"
    if settings.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded.strip():
            host = forwarded.split(",")[0].strip()
    return host


class RateLimiter:
    """Token bucket per client: `burst` requests at once, refilled at `per_minute`; one atomic update of
    the bucket in the state store per request, so every replica counts against the same bucket."""

    def __init__(self, state: StateStore, per_minute: float, burst: int):
        self.state = state
        self.rate = per_minute / 60.0
        self.burst = max(1, burst)

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str) -> float:
        """0 if allowed, else the seconds to wait."""
        if not self.enabled:
            return 0.0

        def spend(bucket):
            now = time.time()
            tokens, last = bucket if bucket else (float(self.burst), now)
            tokens = min(float(self.burst), tokens + max(0.0, now - last) * self.rate)
            if tokens >= 1.0:
                return [tokens - 1.0, now], 0.0
            return [tokens, now], (1.0 - tokens) / self.rate

        full_after = self.burst / self.rate + 60  # an idle bucket is full again: no need to keep it
        return self.state.update("rate", key, spend, ttl=full_after)


def rate_limit(request: Request) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = limiter.take(client_key(request, get_settings(request)))
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise ApiError(429, "rate_limited", f"quá nhiều yêu cầu; thử lại sau {seconds} giây", {"Retry-After": str(seconds)})


def wait_until_ready(request: Request) -> None:
    """Questions that arrive during the start-up warm-up wait for it (bounded), instead of racing it."""
    state = request.app.state
    warmed = getattr(state, "warmed", None)
    if warmed is not None and not warmed.is_set():
        warmed.wait(state.settings.warmup_wait_s)


Reader = Depends(require_reader)
Admin = Depends(require_admin)
# A route with `Reader` or `Admin` says so to the OpenAPI schema too: `openapi_extra=READER` / `ADMIN` (api/openapi.py).
READER = {"x-access": "reader"}
ADMIN = {"x-access": "admin"}
Limited = Depends(rate_limit)
Ready = Depends(wait_until_ready)
