"""The admin page (`/admin`, `/admin.js`) and the two admin endpoints it needs beyond the document API.

The page itself is static (no data in it); everything it shows comes from admin-token endpoints:
`GET /api/health` (status), `GET /api/admin/documents` (the list with ingest warnings),
`POST /api/documents` + `GET /api/documents/jobs/{id}` (upload, progress), `DELETE /api/documents/{id}`,
`POST /api/admin/documents/{id}/reindex`, and `GET /api/feedback` (shown as "not available" until the
server has it).
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel

from baocao.api.documents import DOCUMENT_EXAMPLE, DocumentOut
from baocao.api.errors import ApiError, error_doc
from baocao.api.files import original_file
from baocao.api.security import ADMIN, Admin

log = logging.getLogger("baocao.api")
STATIC = Path(__file__).parent / "static"
router = APIRouter(tags=["admin"])

class AdminDocument(DocumentOut):
    warnings: list[str] = []
    original_kept: bool = False


ADMIN_DOCUMENT_EXAMPLE = {**DOCUMENT_EXAMPLE, "warnings": ["read by OCR: 3 of 12 pages (41 s)"], "original_kept": True}
NOT_REINDEXED = "máy chủ không lưu tệp gốc của văn bản này; không nạp lại được"


class AdminDocumentList(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{"documents": [ADMIN_DOCUMENT_EXAMPLE], "total_chunks": 84}]}}

    documents: list[AdminDocument]
    total_chunks: int


class Reindexed(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{"reindexed": ADMIN_DOCUMENT_EXAMPLE, "outcome": "reindexed", "seconds": 4.2}]}}

    reindexed: AdminDocument
    outcome: str
    seconds: float


def _page(name: str, media_type: str) -> FileResponse:
    return FileResponse(STATIC / name, media_type=media_type, headers={"Cache-Control": "no-cache"})


@router.api_route("/admin", methods=["GET", "HEAD"], include_in_schema=False)
def admin_page() -> FileResponse:
    return _page("admin.html", "text/html; charset=utf-8")


@router.api_route("/admin.js", methods=["GET", "HEAD"], include_in_schema=False)
def admin_script() -> FileResponse:
    return _page("admin.js", "application/javascript; charset=utf-8")


def _warnings(state, record) -> list[str]:
    """The ingest warnings of a document: kept on the record when the index has them, else from this
    process's upload jobs."""
    kept = getattr(record, "warnings", None)
    if kept:
        return list(kept)
    jobs = getattr(state, "jobs", None)
    for job in (jobs.list() if jobs is not None else []):
        if job.doc_id == record.doc_id and job.warnings:
            return list(job.warnings)
    return []


def _out(state, record) -> dict:
    body = {k: v for k, v in asdict(record).items() if k in AdminDocument.model_fields}
    body["warnings"] = _warnings(state, record)
    body["original_kept"] = original_file(state.assistant.index, state.settings, record.doc_id, record.document) is not None
    return body


@router.get("/api/admin/documents", response_model=AdminDocumentList, dependencies=[Admin], openapi_extra=ADMIN,
            summary="The documents with their ingest warnings (OCR, repaired text) and whether the original is kept")
def admin_documents(request: Request) -> dict:
    state = request.app.state
    records = state.assistant.index.list_documents()
    return {"documents": [_out(state, r) for r in records], "total_chunks": sum(r.chunks for r in records)}


@router.post("/api/admin/documents/{document_id}/reindex", response_model=Reindexed, dependencies=[Admin],
             summary="Read a document's original file again with the current pipeline and replace its chunks",
             openapi_extra=ADMIN,
             responses={404: error_doc(404, ("not_found", "không có văn bản 'abc' (xem GET /api/documents)"), ("file_not_kept", NOT_REINDEXED)),
                        422: error_doc(422, ("ingest_failed", "bao-cao.pdf: PDF có mật khẩu — hãy xin bản không đặt mật khẩu"))})
def reindex_document(document_id: str, request: Request) -> dict:
    """Parsed and embedded first, under the one write lock; only then is the old reading swapped out, so
    a file that no longer reads leaves the document as it was."""
    from baocao.vectorstore.ingest_files import parse

    state = request.app.state
    index = state.assistant.index
    record = index.find(document_id)
    if record is None:
        raise ApiError(404, "not_found", f"không có văn bản {document_id!r} (xem GET /api/documents)")
    path = original_file(index, state.settings, record.doc_id, record.document)
    if path is None:
        raise ApiError(404, "file_not_kept", NOT_REINDEXED)
    started = time.perf_counter()
    with index.writing():
        parsed = parse(path, state.settings)
        if not hasattr(parsed, "chunks"):  # a FileOutcome: the file cannot be read now
            raise ApiError(422, "ingest_failed", parsed.message)
        parsed.document = record.document  # the name it is known by, even if the kept copy is named otherwise
        for chunk in parsed.chunks:
            chunk.document = record.document
        vectors = index.embed([parsed])[0]
        # The same content keeps the same id, so `add` alone would say "unchanged": remove, then add the
        # new reading at once (the document is out of answers for the second this takes).
        index.delete(record.doc_id)
        index.add(parsed, vectors=vectors)
    state.on_index_change()
    log.info("re-indexed %s (%s chunks)", record.document, len(parsed.chunks))
    fresh = index.find(record.doc_id) or record
    return {"reindexed": _out(state, fresh), "outcome": "reindexed", "seconds": round(time.perf_counter() - started, 2)}

