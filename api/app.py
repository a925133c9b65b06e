"""The HTTP API, the chat page and the Zalo webhook: `create_app(settings=None, assistant=None)`.

Small state (conversations, rate limits, the answer cache, Zalo replay ids, upload jobs, feedback) lives in
the state store (baocao/state.py): SQLite under `$BAOCAO_HOME/state/`, or Redis with BAOCAO_REDIS_URL, so
several processes, or replicas on a Chroma server (BAOCAO_CHROMA_URL), serve as one.

Start-up: the server accepts connections at once, `GET /api/health` says `"ready": false` while a warm-up
thread loads everything a question needs; questions that arrive meanwhile wait for it.
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

from baocao import __version__  # noqa: E402
from baocao.api import chat, conversations, documents, feedback, health, zalo  # noqa: E402
from baocao.api import admin, files, mcp, openai_compat, starters  # noqa: E402  (pages, /v1, /mcp)
from baocao.api.chat import AnswerCache  # noqa: E402
from baocao.api.errors import install_error_handlers  # noqa: E402
from baocao.api.jobs import IngestJobs  # noqa: E402
from baocao.api.middleware import BodyLimitMiddleware, RequestContextMiddleware, setup_logging  # noqa: E402
from baocao.api.openapi import install_openapi  # noqa: E402
from baocao.api.security import RateLimiter  # noqa: E402
from baocao.conversations import ConversationStore  # noqa: E402
from baocao.feedback import FeedbackStore  # noqa: E402
from baocao.settings import Settings, get_settings  # noqa: E402
from baocao.state import open_state  # noqa: E402

log = logging.getLogger("baocao.api")
STATIC = Path(__file__).parent / "static"

DESCRIPTION = """Hỏi đáp trên các báo cáo của cơ quan nhà nước, mỗi câu trả lời kèm trích dẫn kiểm chứng được.

Errors are `{"error": {"code", "message"}}`: `code` in English (stable, to branch on), `message` in Vietnamese.
Upload, delete, jobs and the feedback list need `Authorization: Bearer <BAOCAO_ADMIN_TOKEN>`; chat, search,
documents, conversations and feedback need `Authorization: Bearer <BAOCAO_CHAT_TOKEN>` when that is set.
"""

# Questions that walk every answer path once at start-up (lists, figures, tasks): nothing is cached
# from them, they only load what the request path loads lazily.
WARM_UP_QUESTIONS = ("Những tỉnh nào chưa hoàn thành?", "Tỷ lệ đạt bao nhiêu phần trăm?", "Bộ nào chủ trì nhiệm vụ này?")


def warm_up(assistant) -> None:
    """Load now what the first questions would load lazily (and, in underthesea's case, not thread-safely)."""
    from baocao.vectorstore.tokenize import analyze

    analyze("Khởi động bộ tách từ tiếng Việt.")  # underthesea's word segmentation model
    assistant.index.lexical()  # the BM25 snapshot and the chunk cache
    assistant.term_weights()  # IDF weights
    if assistant.retriever.weights.dense > 0 and assistant.index.count():
        assistant.index.embedder.embed_query("khởi động")
    for question in WARM_UP_QUESTIONS:  # list catalogue, records, the answerers' own caches
        assistant.answer_question(question)


def _warm_up_until_ready(app: FastAPI) -> None:
    """`ready` once a warm-up succeeded; `warmed` after the first attempt, whatever its outcome (questions
    stop waiting then: after a failure they may still succeed, and they would fail the same way anyway)."""
    state = app.state
    delay = 1.0
    while not state.stopping.is_set():
        started = time.perf_counter()
        try:
            warm_up(state.assistant)
        except Exception:
            log.exception("warm-up failed; retrying in %.0f s", delay)
            state.warmed.set()
            state.stopping.wait(delay)
            delay = min(30.0, delay * 2)
            continue
        state.ready.set()
        state.warmed.set()
        log.info("ready: warm-up took %.1f s", time.perf_counter() - started)
        return


def create_app(settings: Settings | None = None, assistant=None) -> FastAPI:
    settings = settings or get_settings()
    setup_logging()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        state = app.state
        if state.assistant is None:
            from baocao.assistant.service import Assistant

            state.assistant = Assistant.from_settings(settings)
        state.assistant.conversations = ConversationStore.from_settings(state.store, settings)  # kept in the state store
        threading.Thread(target=_warm_up_until_ready, args=(app,), name="baocao-warm-up", daemon=True).start()
        state.jobs = IngestJobs(state.assistant.index, settings, state.store, on_change=state.on_index_change)
        state.jobs.start()
        state.zalo = zalo.ZaloBot(settings, state.assistant, state.store) if settings.zalo_oa_secret_key else None
        log.info("baocao API started: store %s, state %s", settings.chroma_url or settings.home / "chroma", state.store.describe())
        try:
            yield
        finally:
            state.stopping.set()
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
    state.store = open_state(settings)
    state.ready = threading.Event()
    state.warmed = threading.Event()
    state.stopping = threading.Event()
    state.feedback = FeedbackStore(state.store, settings.feedback_max)
    state.rate_limiter = RateLimiter(state.store, settings.chat_rate_per_minute, settings.chat_rate_burst)
    state.answer_cache = AnswerCache(state.store, settings.answer_cache_ttl_s) if settings.api_answer_cache > 0 else None
    state.started_at = time.monotonic()
    state.zalo = None
    state.jobs = None
    state.on_index_change = lambda: None  # answers are cached per index generation: nothing to clear

    install_error_handlers(app)
    for module in (chat, conversations, feedback, documents, health, zalo, files, starters, admin, openai_compat):
        app.include_router(module.router)
    mcp.mount(app)
    install_openapi(app, settings)

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
    feedback_limit = max(settings.max_request_kb * 1024, 1024 * 1024)  # it carries a whole Answer, citations and all
    app.add_middleware(BodyLimitMiddleware, default_limit=settings.max_request_kb * 1024, upload_limit=upload_limit,
                       path_limits={"/api/feedback": feedback_limit})
    app.add_middleware(RequestContextMiddleware)
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_credentials=False,
            allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Accept", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After", "Location"],
            max_age=600,
        )
    return app
