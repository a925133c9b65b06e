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

from baocao.api.errors import ApiError, error_doc
from baocao.api.security import READER, Reader

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
NOT_KEPT = "máy chủ không lưu tệp gốc của văn bản này; hãy nạp lại tệp để mở được bản gốc"
FILE_RESPONSES = {
    200: {"description": "The original file (`application/pdf`, `text/plain`, DOCX …).",
          "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}},
                      "text/plain": {"example": "ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG\nBÁO CÁO\nKết quả chuyển đổi số tháng 11 năm 2025\n…"}}},
    404: error_doc(404, ("not_found", "không có văn bản 'abc' (xem GET /api/documents)"), ("file_not_kept", NOT_KEPT)),
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
            response_class=FileResponse, openapi_extra=READER, responses=FILE_RESPONSES)
def document_file(document_id: str, request: Request) -> FileResponse:
    state = request.app.state
    record = state.assistant.index.find(document_id)
    if record is None:
        raise ApiError(404, "not_found", f"không có văn bản {document_id!r} (xem GET /api/documents)")
    path = original_file(state.assistant.index, state.settings, record.doc_id, record.document)
    if path is None or not path.is_file():
        raise ApiError(404, "file_not_kept", NOT_KEPT)
    media_type, disposition = MEDIA_TYPES.get(path.suffix.lower(), ("application/octet-stream", "attachment"))
    return FileResponse(path, media_type=media_type, filename=record.document, content_disposition_type=disposition,
                        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"})
