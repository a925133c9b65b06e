"""`GET/POST/DELETE /api/documents` and the ingestion jobs behind uploads."""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import PurePath

from fastapi import APIRouter, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from starlette.datastructures import UploadFile as StarletteUploadFile

from baocao.api.errors import ApiError, responses
from baocao.api.jobs import IngestJobs, Job, safe_filename
from baocao.api.security import ADMIN, READER, Admin, Reader
from baocao.ingest.loaders import SUPPORTED_SUFFIXES

log = logging.getLogger("baocao.api")
router = APIRouter(prefix="/api/documents", tags=["documents"])


class DocumentOut(BaseModel):
    doc_id: str
    document: str
    title: str
    issuer: str | None = None
    report_date: str | None = None
    as_of: str | None = None
    chunks: int
    chars: int
    ingested_at: float


DOCUMENT_EXAMPLE = {"doc_id": "c99cab1caf6b772a", "document": "bao-cao-thang-10.pdf",
                    "title": "Báo cáo kết quả Chương trình Chuyển đổi số quốc gia tháng 10 năm 2025",
                    "issuer": "Bộ Khoa học và Công nghệ", "report_date": "2025-11-05", "as_of": "2025-10-31",
                    "chunks": 84, "chars": 61581, "ingested_at": 1764000000.0}
JOB_EXAMPLE = {"id": "9271ce7cc332", "filename": "bao-cao-thang-10.pdf", "status": "done", "stage": "finished",
               "progress": 1.0, "queue_position": None, "outcome": "added", "message": "bao-cao-thang-10.pdf: added (84 đoạn)",
               "warnings": [], "chunks": 84, "doc_id": "c99cab1caf6b772a", "duplicate": False, "duplicate_of": None,
               "created_at": 1764000000.0, "started_at": 1764000000.4, "finished_at": 1764000012.9,
               "url": "/api/documents/jobs/9271ce7cc332"}


class DocumentList(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{"documents": [DOCUMENT_EXAMPLE], "total_chunks": 84}]}}

    documents: list[DocumentOut]
    total_chunks: int


class JobOut(BaseModel):
    id: str
    filename: str
    status: str
    stage: str
    progress: float
    queue_position: int | None = None
    outcome: str | None = None
    message: str = ""
    warnings: list[str] = []
    chunks: int = 0
    doc_id: str | None = None
    duplicate: bool = False
    duplicate_of: str | None = None
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    url: str


class JobEnvelope(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{"job": JOB_EXAMPLE}]}}

    job: JobOut


class JobList(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{"jobs": [JOB_EXAMPLE]}]}}

    jobs: list[JobOut]


class Deleted(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{"deleted": DOCUMENT_EXAMPLE}]}}

    deleted: DocumentOut


def job_out(jobs: IngestJobs, job: Job) -> JobOut:
    return JobOut(
        id=job.id, filename=job.filename, status=job.status, stage=job.stage, progress=job.progress,
        queue_position=jobs.queue_position(job), outcome=job.outcome, message=job.message, warnings=job.warnings,
        chunks=job.chunks, doc_id=job.doc_id, duplicate=job.outcome == "duplicate", duplicate_of=job.duplicate_of,
        created_at=job.created_at, started_at=job.started_at, finished_at=job.finished_at,
        url=f"/api/documents/jobs/{job.id}",
    )


@router.get("", response_model=DocumentList, dependencies=[Reader], summary="The documents in the index",
            openapi_extra=READER)
def list_documents(request: Request) -> dict:
    records = request.app.state.assistant.index.list_documents()
    return {"documents": [asdict(r) for r in records], "total_chunks": sum(r.chunks for r in records)}


UPLOAD_BODY = {
    "required": True,
    "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"], "additionalProperties": False,
        "properties": {"file": {"type": "string", "format": "binary", "description": "The report (.pdf .docx .txt .md …)"}},
    }}},
}


@router.post(
    "",
    response_model=JobEnvelope,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Admin],
    summary="Upload a report; ingestion runs as a background job",
    description="Multipart, field `file`. The token is checked before the body is read. 202 with the job "
    "(and `Location`); 200 with `duplicate: true` when the same bytes are already in or queued.",
    openapi_extra={"requestBody": UPLOAD_BODY, **ADMIN},
    responses={200: {"model": JobEnvelope, "description": "The same content was already uploaded: the existing or a "
                     "finished `duplicate` job, nothing ingested again"},
               202: {"description": "Queued", "headers": {"Location": {"description": "The job's URL", "schema": {"type": "string"}}}},
               **responses(400, 413, 415, 422)},
)
async def upload_document(request: Request, response: Response) -> dict:
    # No File(...) parameter: FastAPI would read the whole body before the Admin dependency runs.
    form = await request.form(max_files=1, max_fields=5)
    try:
        file = form.get("file")
        unknown = sorted(set(form.keys()) - {"file"})
        if unknown:
            raise ApiError(422, "invalid_request", f"{', '.join(unknown)}: trường không có trong yêu cầu (chỉ có `file`)")
        if not isinstance(file, StarletteUploadFile):
            raise ApiError(422, "invalid_request", "file: cần một tệp (multipart/form-data, trường `file`)")
        return await _accept_upload(request, response, file)
    finally:
        await form.close()


async def _accept_upload(request: Request, response: Response, file: StarletteUploadFile) -> dict:
    jobs: IngestJobs = request.app.state.jobs
    filename = safe_filename(file.filename or "")
    suffix = PurePath(filename).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ApiError(415, "unsupported_type",
                       f"{filename}: chỉ nạp được các tệp {', '.join(sorted(SUPPORTED_SUFFIXES))}")
    tmp, sha256 = await run_in_threadpool(jobs.save_upload, file.file, filename)
    if tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        raise ApiError(400, "empty_file", f"{filename}: tệp rỗng")
    job, created = await run_in_threadpool(jobs.submit, tmp, sha256, filename)
    response.status_code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
    if created:
        response.headers["Location"] = f"/api/documents/jobs/{job.id}"
    return {"job": job_out(jobs, job)}


@router.get("/jobs", response_model=JobList, dependencies=[Admin], summary="Recent ingestion jobs, newest first",
            openapi_extra=ADMIN)
def list_jobs(request: Request) -> dict:
    jobs: IngestJobs = request.app.state.jobs
    return {"jobs": [job_out(jobs, j) for j in jobs.list()]}


@router.get("/jobs/{job_id}", response_model=JobEnvelope, dependencies=[Admin], summary="Progress of one ingestion job",
            openapi_extra=ADMIN, responses=responses(404))
def get_job(job_id: str, request: Request) -> dict:
    jobs: IngestJobs = request.app.state.jobs
    job = jobs.get(job_id)
    if job is None:
        raise ApiError(404, "not_found", f"không có lượt nạp {job_id!r}")
    return {"job": job_out(jobs, job)}


@router.delete("/{document_id}", response_model=Deleted, dependencies=[Admin], summary="Remove a document (id or file name)",
               openapi_extra=ADMIN, responses=responses(404))
def delete_document(document_id: str, request: Request) -> dict:
    state = request.app.state
    with state.jobs.write_lock():
        record = state.assistant.index.delete(document_id)
    if record is None:
        raise ApiError(404, "not_found", f"không có tài liệu {document_id!r} (xem GET /api/documents)")
    state.jobs.remove_upload(record.doc_id)
    state.on_index_change()
    log.info("deleted %s (%s)", record.document, record.doc_id)
    return {"deleted": asdict(record)}
