"""Every error leaves the API as `{"error": {"code", "message"}}` with a fitting status; never a stack trace.

`code` is English and stable (clients branch on it); `message` is Vietnamese, for the person reading it.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from baocao.state import StateError
from baocao.vectorstore.locks import WriterBusy

log = logging.getLogger("baocao.api")

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}

STATUS_MESSAGES = {  # Vietnamese messages for the errors Starlette raises itself
    400: "không đọc được nội dung yêu cầu",
    404: "không có địa chỉ này",
    405: "phương thức không được hỗ trợ ở địa chỉ này",
    406: "không trả được định dạng yêu cầu",
    413: "nội dung yêu cầu quá lớn",
    415: "kiểu nội dung không được hỗ trợ",
}

# What each documented error status means, for the OpenAPI schema (api/openapi.py).
ERROR_DESCRIPTIONS = {
    400: "The body cannot be read (not JSON, cut short, nested too deep): `bad_request`, `invalid_event`, `empty_file`",
    401: "A bearer token is required or wrong: `unauthorized`; for Zalo, the signature: `bad_signature`",
    403: "Uploads, deletes and the feedback list are off: no `BAOCAO_ADMIN_TOKEN` is set (`admin_disabled`)",
    404: "No such document, job, conversation or model, or the original file is not kept: `not_found`, "
         "`file_not_kept`, `model_not_found`",
    413: "The body or the message is too large: `payload_too_large`, `message_too_long`",
    415: "Not a file type that can be ingested: `unsupported_type`",
    422: "A field is missing or invalid: `invalid_request`; a file that cannot be read: `ingest_failed`",
    429: "Too many requests from this client (see `Retry-After`): `rate_limited`",
    503: "Starting up, the index / state store cannot be reached, or another writer has held the index for longer "
         "than `BAOCAO_WRITER_WAIT_S` (see `Retry-After`): `unavailable`, `index_unavailable`, `index_busy`",
}
# The usual example of each status; a route gives its own where its errors say more (`error_doc`).
# 401 and 403 come from api/security.py, whose messages they are.
ERROR_EXAMPLES = {
    400: ("bad_request", "không đọc được nội dung yêu cầu (JSON không hợp lệ)"),
    404: ("not_found", "không có tài liệu 'bao-cao.pdf' (xem GET /api/documents)"),
    413: ("payload_too_large", "nội dung yêu cầu lớn hơn 64 KiB"),
    415: ("unsupported_type", "virus.exe: chỉ nạp được các tệp .doc, .docx, .md, .pdf, .txt"),
    422: ("invalid_request", "message: trường này là bắt buộc"),
    429: ("rate_limited", "quá nhiều yêu cầu; thử lại sau 4 giây"),
    503: ("unavailable", "máy chủ đang khởi động; thử lại sau ít giây"),
}


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable English code to branch on, e.g. `rate_limited`.")
    message: str = Field(description="What went wrong, in Vietnamese, for a person.")


class ErrorBody(BaseModel):
    error: ErrorDetail


class ApiError(Exception):
    """Raise anywhere in a request; the handler turns it into the error shape."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def error_body(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def error_content(*examples: tuple[str, str]) -> dict:
    """The `application/json` content of a documented error: one example, or several named by their code."""
    if len(examples) == 1:
        return {"example": error_body(*examples[0])}
    return {"examples": {code: {"value": error_body(code, message)} for code, message in examples}}


def error_doc(status: int, *examples: tuple[str, str]) -> dict:
    """One error status for a route's `responses=`: the error body model, what it means, its examples
    (`(code, message)`; the status's usual one when none is given)."""
    return {"model": ErrorBody, "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": error_content(*(examples or (ERROR_EXAMPLES[status],)))}}


def responses(*statuses: int) -> dict:
    """`responses=` for a route: each status with the error body model and its usual example."""
    return {status: error_doc(status) for status in statuses}


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.message, exc.headers)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Errors raised by Starlette/FastAPI themselves (their details are English): a Vietnamese message."""
    code = STATUS_CODES.get(exc.status_code, "error")
    message = STATUS_MESSAGES.get(exc.status_code) or (exc.detail if isinstance(exc.detail, str) else code)
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 404:
        message = f"không có địa chỉ này: {request.method} {request.url.path}"
    elif exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return error_response(exc.status_code, code, message, headers or None)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (Starlette's 405 names only the first route's)."""
    from starlette.routing import Match

    methods: set[str] = set()
    for route in request.app.routes:
        if getattr(route, "methods", None) and route.matches(request.scope)[0] != Match.NONE:
            methods |= set(route.methods)
    return sorted(methods)


VALIDATION_MESSAGES = {  # pydantic error types → Vietnamese
    "missing": "trường này là bắt buộc",
    "string_type": "phải là một chuỗi",
    "int_type": "phải là số nguyên",
    "int_parsing": "phải là số nguyên",
    "string_too_short": "quá ngắn",
    "string_too_long": "quá dài",
    "string_pattern_mismatch": "không đúng định dạng",
    "greater_than_equal": "quá nhỏ",
    "less_than_equal": "quá lớn",
    "literal_error": "không thuộc các giá trị cho phép",
    "enum": "không thuộc các giá trị cho phép",
    "json_invalid": "JSON không hợp lệ",
    "model_attributes_type": "phải là một đối tượng JSON",
    "dict_type": "phải là một đối tượng JSON",
    "datetime_from_date_parsing": "phải là ngày giờ ISO 8601",
    "datetime_parsing": "phải là ngày giờ ISO 8601",
}


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        what = VALIDATION_MESSAGES.get(err.get("type", ""), "không hợp lệ")
        problems.append(f"{where}: {what}" if where else what)
    return error_response(422, "invalid_request", "; ".join(problems) or "yêu cầu không hợp lệ")


async def _state_error(request: Request, exc: StateError) -> JSONResponse:
    log.error("state store unavailable: %s", exc)
    return error_response(503, "unavailable", "kho trạng thái (SQLite/Redis) tạm thời không dùng được; thử lại sau",
                          {"Retry-After": "5"})


async def _writer_busy(request: Request, exc: WriterBusy) -> JSONResponse:
    """A delete or reindex waited `BAOCAO_WRITER_WAIT_S` for another writer (an ingest) to finish: the index is
    fine and nothing was changed, so a 503 to retry later, not a 500."""
    log.warning("index busy: %s", exc)
    return error_response(503, "index_busy", "chỉ mục đang được ghi bởi một lượt nạp khác; thử lại sau ít phút",
                          {"Retry-After": "60"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StateError, _state_error)
    app.add_exception_handler(WriterBusy, _writer_busy)
    # Anything else is caught by api.middleware.RequestContextMiddleware: logged with its request id,
    # answered as a plain 500 in the error shape.
