"""`GET /api/health`: readiness, index size, models, versions, where the state lives."""

from __future__ import annotations

import logging
import platform
import time
from functools import lru_cache
from importlib import metadata

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from baocao.settings import Settings

log = logging.getLogger("baocao.api")
router = APIRouter(prefix="/api", tags=["health"])


class Health(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{
        "status": "ok", "ready": True, "documents": 5, "chunks": 390, "index_generation": "cbe468b9f38a775d",
        "store": "embedded chroma", "state_store": "sqlite .baocao/state/state.sqlite3",
        "embedding_model": "bundled:all-MiniLM-L6-v2", "generator": "extractive", "chat_requires_token": False,
        "uploads_enabled": True, "zalo_enabled": False, "uptime_s": 42.0, "versions": {"python": "3.11.7", "baocao": "0.1.0"},
    }]}}

    status: str
    ready: bool = Field(description="False until the start-up warm-up has loaded everything a question needs; "
                        "questions sent before wait for it.")
    documents: int | None = None
    chunks: int | None = None
    index_generation: str | None = None
    store: str
    state_store: str
    embedding_model: str
    generator: str
    llm_model: str | None = None
    chat_requires_token: bool
    uploads_enabled: bool
    zalo_enabled: bool
    uptime_s: float
    versions: dict[str, str]
    error: dict | None = None


@lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for package in ("baocao", "fastapi", "chromadb", "sentence-transformers", "langchain-core", "bm25s"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return out


def generator_of(settings: Settings) -> tuple[str, str | None]:
    if settings.llm_gguf_path:
        return "llm", settings.llm_gguf_path.rsplit("/", 1)[-1]
    if settings.llm_base_url:
        return "llm", settings.llm_model or "default"
    return "extractive", None


@router.get("/health", response_model=Health, response_model_exclude_none=True, summary="Is it up, is it ready, and over what",
            responses={503: {"model": Health, "description": "The index or the state store cannot be read"}})
def health(request: Request, response: Response) -> dict:
    state = request.app.state
    settings: Settings = state.settings
    generator, llm_model = generator_of(settings)
    body = {
        "status": "ok",
        "ready": state.ready.is_set(),
        "state_store": state.store.describe(),
        "store": f"chroma server {settings.chroma_url}" if settings.chroma_url else "embedded chroma",
        "embedding_model": settings.embedding_model,
        "generator": generator,
        "llm_model": llm_model,
        "chat_requires_token": bool(settings.chat_token),
        "uploads_enabled": bool(settings.admin_token),
        "zalo_enabled": state.zalo is not None and state.zalo.can_verify,
        "uptime_s": round(time.monotonic() - state.started_at, 1),
        "versions": versions(),
    }
    try:
        index = state.assistant.index
        body["documents"] = len(index.list_documents())
        if body["ready"]:  # during the warm-up the lexical snapshot may be loading: do not wait for it here
            body["chunks"] = index.count()
            body["index_generation"] = index.lexical().generation
    except Exception as exc:  # the store is unreachable: say so, with a 503
        log.exception("health check: index unavailable")
        response.status_code = 503
        body["status"] = "unavailable"
        body["error"] = {"code": "index_unavailable", "message": f"không đọc được chỉ mục ({type(exc).__name__})"}
        return body
    try:
        state.store.ping()
    except Exception as exc:
        log.exception("health check: state store unavailable")
        response.status_code = 503
        body["status"] = "unavailable"
        body["error"] = {"code": "state_unavailable", "message": f"không dùng được kho trạng thái ({type(exc).__name__})"}
    return body
