"""`GET /api/documents/{id}/file`: the original file of a document, so a citation opens the report itself.

Behind the same access rule as chat (the chat token when set). PDFs and text open in the browser
(the widget adds `#page=N`); DOCX/DOC download. Where the file comes from: `Index.original_file(doc_id)`
(the index keeps every ingested original) when the index has it; else the upload folder
`$BAOCAO_HOME/uploads/<doc_id>/<name>` where API uploads are kept.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from baocao.api.errors import ApiError
from baocao.api.security import Reader

router = APIRouter(prefix="/api/documents", tags=["documents"])

MEDIA_TYPES = {
    ".pdf": ("application/pdf", "inline"),
    ".txt": ("text/plain; charset=utf-8", "inline"),
    ".md": ("text/plain; charset=utf-8", "inline"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "attachment"),
    ".doc": ("application/msword", "attachment"),
    ".rtf": ("application/rtf", "attachment"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "attachment"),
}
FILE_RESPONSES = {
    200: {"description": "The original file (`application/pdf`, `text/plain`, DOCX …).",
          "content": {"application/pdf": {}, "text/plain": {}}},
    401: {"description": "The chat token is required.", "content": {"application/json": {"example": {
        "error": {"code": "unauthorized", "message": "a bearer token is required (Authorization: Bearer <BAOCAO_CHAT_TOKEN>)"}}}}},
    404: {"description": "No such document, or its original file is not kept.", "content": {"application/json": {"examples": {
        "unknown": {"value": {"error": {"code": "not_found", "message": "không có văn bản 'abc' (xem GET /api/documents)"}}},
        "not_kept": {"value": {"error": {"code": "file_not_kept", "message": "máy chủ không lưu tệp gốc của văn bản này; hãy nạp lại tệp để mở được bản gốc"}}},
    }}}},
}


def original_file(index, settings, doc_id: str, document: str) -> Path | None:
    keeper = getattr(index, "original_file", None)
    if callable(keeper):
        path = keeper(doc_id)
        if path is not None:
            return Path(path)
    candidate = settings.home / "uploads" / doc_id / document
    return candidate if candidate.is_file() else None


@router.get("/{document_id}/file", dependencies=[Reader], summary="The original file of a document (id or file name)",
            response_class=FileResponse, responses=FILE_RESPONSES)
def document_file(document_id: str, request: Request) -> FileResponse:
    state = request.app.state
    record = state.assistant.index.find(document_id)
    if record is None:
        raise ApiError(404, "not_found", f"không có văn bản {document_id!r} (xem GET /api/documents)")
    path = original_file(state.assistant.index, state.settings, record.doc_id, record.document)
    if path is None or not path.is_file():
        raise ApiError(404, "file_not_kept", "máy chủ không lưu tệp gốc của văn bản này; hãy nạp lại tệp để mở được bản gốc")
    media_type, disposition = MEDIA_TYPES.get(path.suffix.lower(), ("application/octet-stream", "attachment"))
    return FileResponse(path, media_type=media_type, filename=record.document, content_disposition_type=disposition,
                        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"})
