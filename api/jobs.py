"""Ingestion as background jobs: one worker thread, one write at a time (the embedded Chroma store has one owner).

An upload is saved under `$BAOCAO_HOME/uploads/<content hash>/<safe name>`; the client's file name is
reduced to a plain base name first and never used as a path. The same bytes as a document already in
the index, or as a job still waiting, are recognised as a duplicate and not ingested twice.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import queue
import re
import shutil
import threading
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from baocao.settings import Settings
from baocao.vectorstore.ingest_files import ingest_one
from baocao.vectorstore.store import Index

log = logging.getLogger("baocao.api.jobs")

Status = Literal["queued", "running", "done", "failed"]
Stage = Literal["queued", "reading", "indexing", "finished"]
STAGE_PROGRESS = {"queued": 0.0, "reading": 0.1, "indexing": 0.8, "finished": 1.0}
_UNSAFE = re.compile(r"[^\w\s.()\-+,]", re.UNICODE)
MAX_NAME = 150
KEEP_JOBS = 500


def safe_filename(name: str, default_stem: str = "tai-lieu") -> str:
    """A plain base name: no folders, no control or shell characters, no leading dots, bounded length."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    suffix = suffix[:10].lower()
    stem = stem.strip(" .")[: MAX_NAME - len(suffix) - 1] or default_stem
    return f"{stem}.{suffix}" if suffix else stem


@dataclass
class Job:
    id: str
    filename: str
    sha256: str
    path: Path | None
    status: Status = "queued"
    stage: Stage = "queued"
    outcome: str | None = None  # added | replaced | unchanged | duplicate | failed
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    chunks: int = 0
    doc_id: str | None = None
    duplicate_of: str | None = None
    created_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None

    @property
    def progress(self) -> float:
        return STAGE_PROGRESS[self.stage]


class IngestJobs:
    def __init__(self, index: Index, settings: Settings, write_lock: threading.RLock, on_change=None):
        self.index, self.settings, self.write_lock = index, settings, write_lock
        self.on_change = on_change or (lambda: None)
        self.jobs: dict[str, Job] = {}
        self._queue: queue.Queue[tuple[Job, contextvars.Context] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def upload_root(self) -> Path:
        return self.settings.state_dir("uploads")

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="baocao-ingest", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None

    # --- submit ----------------------------------------------------------------------------------
    def save_upload(self, source: BinaryIO, filename: str) -> tuple[Path, str]:
        """Copy the upload to a temporary file under uploads/, hashing it on the way."""
        digest = hashlib.sha256()
        tmp = self.upload_root / f".incoming-{uuid.uuid4().hex}"
        with tmp.open("wb") as out:
            while block := source.read(1 << 20):
                digest.update(block)
                out.write(block)
        return tmp, digest.hexdigest()

    def submit(self, tmp: Path, sha256: str, filename: str) -> tuple[Job, bool]:
        """(job, created): an identical upload returns the existing job or a finished 'duplicate' job."""
        doc_id = sha256[:16]  # the index's document id is the content hash (ingest.pipeline.document_id)
        with self._lock:
            pending = next((j for j in self.jobs.values() if j.sha256 == sha256 and j.status in ("queued", "running")), None)
            if pending is not None:
                tmp.unlink(missing_ok=True)
                return pending, False
            existing = next((r for r in self.index.list_documents() if r.doc_id == doc_id), None)
            if existing is not None:
                tmp.unlink(missing_ok=True)
                job = Job(uuid.uuid4().hex[:12], filename, sha256, None, status="done", stage="finished",
                          outcome="duplicate", doc_id=doc_id, duplicate_of=existing.document, chunks=existing.chunks,
                          message=f"already in the index as {existing.document}", finished_at=time.time())
                self._remember(job)
                return job, False
            folder = self.upload_root / doc_id
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / filename
            if target.resolve().parent != folder.resolve():  # safe_filename makes this impossible; belt and braces
                tmp.unlink(missing_ok=True)
                raise ValueError("unsafe file name")
            tmp.replace(target)
            job = Job(uuid.uuid4().hex[:12], filename, sha256, target, doc_id=doc_id)
            self._remember(job)
        self._queue.put((job, contextvars.copy_context()))
        log.info("job %s queued: %s (%s)", job.id, filename, doc_id)
        return job, True

    def _remember(self, job: Job) -> None:
        self.jobs[job.id] = job
        if len(self.jobs) > KEEP_JOBS:
            for old in [j for j in self.jobs.values() if j.status in ("done", "failed")][: len(self.jobs) - KEEP_JOBS]:
                self.jobs.pop(old.id, None)

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def queue_position(self, job: Job) -> int | None:
        if job.status != "queued":
            return None
        waiting = sorted((j for j in self.jobs.values() if j.status == "queued"), key=lambda j: j.created_at)
        return next(i for i, j in enumerate(waiting) if j.id == job.id)

    def list(self) -> list[Job]:
        return sorted(self.jobs.values(), key=lambda j: j.created_at, reverse=True)

    def wait_idle(self, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(j.status in ("done", "failed") for j in list(self.jobs.values())):
                return True
            time.sleep(0.05)
        return False

    # --- worker ----------------------------------------------------------------------------------
    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            job, context = item
            try:
                context.run(self._ingest, job)  # logs keep the request id of the upload
            except Exception as exc:  # never lose the worker
                log.exception("job %s crashed", job.id)
                job.status, job.outcome = "failed", "failed"
                job.message = f"{job.filename}: ingestion failed ({type(exc).__name__})"
                job.finished_at = time.time()

    def _ingest(self, job: Job) -> None:
        job.status, job.stage, job.started_at = "running", "reading", time.time()
        with self.write_lock:
            outcome = ingest_one(self.index, job.path, self.settings)
            job.chunks, job.warnings = outcome.chunks, list(outcome.warnings)
            if outcome.status == "failed":
                job.status, job.outcome, job.message, job.stage = "failed", "failed", outcome.message, "finished"
                job.path.unlink(missing_ok=True)
                shutil.rmtree(job.path.parent, ignore_errors=True)
            else:
                job.stage = "indexing"
                self.index.refresh_lexical(force=True)
                job.status, job.outcome, job.stage = "done", outcome.status, "finished"
                job.message = f"{job.filename}: {outcome.status} ({outcome.chunks} chunks)"
                self._drop_older_uploads(job)
        job.finished_at = time.time()
        self.on_change()
        log.info("job %s %s: %s", job.id, job.status, job.message)

    def _drop_older_uploads(self, job: Job) -> None:
        """A replaced document's previous upload (same name, other content) is no longer needed."""
        for other in self.upload_root.glob(f"*/{glob_escape(job.filename)}"):
            if other.parent.name != job.doc_id:
                shutil.rmtree(other.parent, ignore_errors=True)

    def remove_upload(self, doc_id: str) -> None:
        if re.fullmatch(r"[0-9a-f]{16}", doc_id):
            shutil.rmtree(self.upload_root / doc_id, ignore_errors=True)


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)
