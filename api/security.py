"""Who may do what: bearer tokens for chat (optional) and admin (uploads, deletes), and a per-client rate limit."""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections import OrderedDict
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from baocao.api.errors import ApiError
from baocao.settings import Settings

bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <token>`")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def _matches(credentials: HTTPAuthorizationCredentials | None, expected: str) -> bool:
    if credentials is None or credentials.scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(credentials.credentials.encode("utf-8"), expected.encode("utf-8"))


def require_admin(request: Request, credentials: Credentials) -> None:
    """Upload and delete: only with `BAOCAO_ADMIN_TOKEN`; with no admin token set they are disabled."""
    token = get_settings(request).admin_token
    if not token:
        raise ApiError(403, "admin_disabled", "document upload and delete are disabled: set BAOCAO_ADMIN_TOKEN on the server")
    if not _matches(credentials, token):
        raise ApiError(401, "unauthorized", "an admin bearer token is required (Authorization: Bearer <BAOCAO_ADMIN_TOKEN>)",
                       {"WWW-Authenticate": "Bearer"})


def require_reader(request: Request, credentials: Credentials) -> None:
    """Chat, search and the document list: open, unless `BAOCAO_CHAT_TOKEN` is set (the admin token works too)."""
    settings = get_settings(request)
    if not settings.chat_token:
        return
    if _matches(credentials, settings.chat_token) or (settings.admin_token and _matches(credentials, settings.admin_token)):
        return
    raise ApiError(401, "unauthorized", "a bearer token is required (Authorization: Bearer <BAOCAO_CHAT_TOKEN>)",
                   {"WWW-Authenticate": "Bearer"})


def client_key(request: Request, credentials: HTTPAuthorizationCredentials | None, settings: Settings) -> str:
    """Who a request counts against: the client address (X-Forwarded-For only when told to trust it)."""
    host = request.client.host if request.client else "unknown"
    if settings.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded.strip():
            host = forwarded.split(",")[0].strip()
    return host


class RateLimiter:
    """Token bucket per client: `burst` requests at once, refilled at `per_minute`. Bounded memory."""

    def __init__(self, per_minute: float, burst: int, max_clients: int = 10_000):
        self.rate = per_minute / 60.0
        self.burst = max(1, burst)
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str) -> float:
        """0 if allowed, else the seconds to wait."""
        if not self.enabled:
            return 0.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return wait


def rate_limit(request: Request, credentials: Credentials) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = limiter.take(client_key(request, credentials, get_settings(request)))
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise ApiError(429, "rate_limited", f"quá nhiều câu hỏi; thử lại sau {seconds} giây (too many requests; retry in {seconds} s)",
                       {"Retry-After": str(seconds)})


Reader = Depends(require_reader)
Admin = Depends(require_admin)
Limited = Depends(rate_limit)
