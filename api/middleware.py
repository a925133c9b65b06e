"""Pure ASGI middleware: a request id on every request and log line, body size limits, a last-resort 500."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from baocao.api.errors import error_body

log = logging.getLogger("baocao.api")
access_log = logging.getLogger("baocao.api.access")

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_GOOD_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record, so a formatter can show `%(request_id)s`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


def setup_logging() -> None:
    """`baocao.api` logs carry the request id; installed once, harmless if called again."""
    logger = logging.getLogger("baocao.api")
    if any(isinstance(f, RequestIdFilter) for f in logger.filters):
        return
    logger.addFilter(RequestIdFilter())
    for name in ("baocao.api.access", "baocao.api.zalo", "baocao.api.jobs"):
        logging.getLogger(name).addFilter(RequestIdFilter())
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    if not logging.getLogger().handlers and not logger.handlers:
        handler = logging.StreamHandler()
        handler.addFilter(RequestIdFilter())
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False  # a root handler a library installs later must not print every line twice


async def _send_json(send: Send, status: int, body: dict, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        + (headers or []),
    })
    await send({"type": "http.response.body", "body": payload})


class RequestContextMiddleware:
    """X-Request-ID in and out, one access log line per request, and no stack trace ever sent."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _GOOD_ID.match(incoming) else uuid.uuid4().hex[:16]
        token = request_id_var.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = {"code": 500, "sent": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["sent"] = message["status"], True
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if not status["sent"]:
                await _send_json(
                    send_with_id, 500,
                    error_body("internal_error", f"lỗi máy chủ nội bộ; mã yêu cầu {rid}"),
                )
        finally:
            access_log.info(
                "%s %s -> %s in %.0f ms", scope.get("method"), scope.get("path"), status["code"],
                (time.perf_counter() - started) * 1000,
            )
            request_id_var.reset(token)


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """Refuse bodies over the limit with 413: by Content-Length before anything is read, and for a chunked
    body as soon as it grows past the limit, whatever the endpoint made of the cut body (FastAPI would say
    400 "error parsing the body": the client must learn that its body was too large)."""

    def __init__(self, app: ASGIApp, default_limit: int, upload_limit: int, upload_paths: tuple[str, ...] = ("/api/documents",),
                 path_limits: dict[str, int] | None = None):
        self.app, self.default_limit = app, default_limit
        self.limits = {**{path: upload_limit for path in upload_paths}, **(path_limits or {})}

    def limit_for(self, scope: Scope) -> int:
        return self.limits.get(scope.get("path", ""), self.default_limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        too_large = error_body("payload_too_large", f"nội dung yêu cầu lớn hơn {_human(limit)}")
        close = [(b"connection", b"close")]
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _send_json(send, 413, too_large, close)
            return
        received = 0
        exceeded = responded = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal responded
            if exceeded:  # the app answers a body it could not finish reading: answer 413 instead
                if message["type"] == "http.response.start" and not responded:
                    responded = True
                    await _send_json(send, 413, too_large, close)
                return
            if message["type"] == "http.response.start":
                responded = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            if not responded:
                await _send_json(send, 413, too_large, close)


def _human(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MiB" if size >= 1024 * 1024 else f"{size // 1024} KiB"
