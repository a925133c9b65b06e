"""The HTTP API, the chat page and the Zalo webhook: `create_app(settings=None, assistant=None)`.

One process owns the index: the embedded Chroma store is not process-safe, so run one worker
(`baocao serve`), or point every worker/machine at a Chroma server with BAOCAO_CHROMA_URL.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from fastapi import FastAPI  # noqa: E402
from fastapi.middleware.cors import CORSMiddleware  # noqa: E402
from fastapi.responses import FileResponse  # noqa: E402
from fastapi_offline import FastAPIOffline  # noqa: E402

from baocao.api import chat, documents, health, zalo  # noqa: E402
from baocao.api import admin, files, mcp, openai_compat, starters  # noqa: E402  (product: pages, /v1, /mcp)
from baocao.api.chat import AnswerCache  # noqa: E402
from baocao.api.errors import install_error_handlers  # noqa: E402
from baocao.api.jobs import IngestJobs  # noqa: E402
from baocao.api.middleware import BodyLimitMiddleware, RequestContextMiddleware, setup_logging  # noqa: E402
from baocao.api.security import RateLimiter  # noqa: E402
from baocao import __version__  # noqa: E402
from baocao.settings import Settings, get_settings  # noqa: E402

log = logging.getLogger("baocao.api")
STATIC = Path(__file__).parent / "static"

DESCRIPTION = """Hỏi đáp trên các báo cáo của cơ quan nhà nước, mỗi câu trả lời kèm trích dẫn kiểm chứng được.

Errors are `{"error": {"code", "message"}}`. Upload and delete need `Authorization: Bearer <BAOCAO_ADMIN_TOKEN>`;
chat and search need `Authorization: Bearer <BAOCAO_CHAT_TOKEN>` when that is set.
"""


def _warm_up(assistant) -> None:
    """Load the BM25 snapshot and the embedding model now, not on the first question."""
    try:
        assistant.index.lexical()
        if assistant.index.count():
            assistant.index.embedder.embed_query("khởi động")
    except Exception:
        log.exception("warm-up failed; the first request will try again")


def create_app(settings: Settings | None = None, assistant=None) -> FastAPI:
    settings = settings or get_settings()
    setup_logging()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        state = app.state
        if state.assistant is None:
            from baocao.assistant.service import Assistant

            state.assistant = Assistant.from_settings(settings)
        _warm_up(state.assistant)
        state.jobs = IngestJobs(state.assistant.index, settings, state.write_lock, on_change=state.on_index_change)
        state.jobs.start()
        state.zalo = zalo.ZaloBot(settings, state.assistant) if settings.zalo_oa_secret_key else None
        log.info("baocao API ready: %s documents, store %s", len(state.assistant.index.list_documents()),
                 settings.chroma_url or settings.home / "chroma")
        try:
            yield
        finally:
            state.jobs.stop()
            if state.zalo is not None:
                state.zalo.close()

    app = FastAPIOffline(
        title="baocao",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        favicon_url="/favicon.svg",
    )
    state = app.state
    state.settings = settings
    state.assistant = assistant
    state.write_lock = threading.RLock()
    state.rate_limiter = RateLimiter(settings.chat_rate_per_minute, settings.chat_rate_burst)
    state.answer_cache = AnswerCache(settings.api_answer_cache) if settings.api_answer_cache > 0 else None
    state.started_at = time.monotonic()
    state.zalo = None
    state.jobs = None
    state.on_index_change = lambda: None  # answers are cached per index generation: nothing to clear

    install_error_handlers(app)
    app.include_router(chat.router)
    app.include_router(documents.router)
    app.include_router(health.router)
    app.include_router(zalo.router)
    for router in (files.router, starters.router, admin.router, openai_compat.router):
        app.include_router(router)
    mcp.mount(app)

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8",
                            headers={"Cache-Control": "no-cache"})

    @app.api_route("/widget.js", methods=["GET", "HEAD"], include_in_schema=False)
    def widget() -> FileResponse:
        return FileResponse(STATIC / "widget.js", media_type="application/javascript; charset=utf-8",
                            headers={"Cache-Control": "no-cache", "Cross-Origin-Resource-Policy": "cross-origin"})

    @app.api_route("/favicon.svg", methods=["GET", "HEAD"], include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    # Middleware: the last added runs first. CORS outermost so even errors carry its headers.
    upload_limit = int(settings.max_file_mb * 1024 * 1024) + 64 * 1024  # + multipart framing
    app.add_middleware(BodyLimitMiddleware, default_limit=settings.max_request_kb * 1024, upload_limit=upload_limit)
    app.add_middleware(RequestContextMiddleware)
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_credentials=False,
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Accept", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After", "Location"],
            max_age=600,
        )
    return app
