"""Ingestion as background jobs, queued in the state store (baocao/state.py) so that any process or replica
may run them and none is lost when one dies.

- An upload is saved under `$BAOCAO_HOME/uploads/<content hash>/<safe name>`; the client's file name is
  reduced to a plain base name first and never used as a path. With a store shared across hosts (Redis)
  the bytes also go into the store, so a replica with another home can ingest them.
- The job record (`job:<id>`) and the queue item (`ingest`) live in the store. A worker holds an item by a
  lease it renews while it works; if its process dies the lease runs out (`BAOCAO_JOB_LEASE_S`) and
  another worker takes the job up again (ingesting is idempotent: the same bytes are "unchanged").
- Writes to the index are serialised by the index's writer lock (vectorstore/locks.py), across processes and replicas.
- The same bytes as a document already in the index, or as a job still waiting, are recognised as a
  duplicate and not ingested twice.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import re
import shutil
import threading
import time
import unicodedata
import uuid
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import BinaryIO, Literal

from baocao.progress import reporting
from baocao.settings import Settings
from baocao.state import StateStore
from baocao.vectorstore.ingest_files import ingest_one
from baocao.vectorstore.store import Index

log = logging.getLogger("baocao.api.jobs")

Status = Literal["queued", "running", "done", "failed"]
Stage = Literal["queued", "reading", "ocr", "structure", "embedding", "indexing", "finished"]
# (share of the job done when the stage starts, share it spans): pages read or OCR'd move the bar within it
STAGE_SPAN = {"queued": (0.0, 0.0), "reading": (0.05, 0.55), "ocr": (0.05, 0.55), "structure": (0.6, 0.05),
              "embedding": (0.65, 0.2), "indexing": (0.85, 0.1), "finished": (1.0, 0.0)}
# baocao.progress stage names (the CLI's) -> job stages
PIPELINE_STAGES = {"read": "reading", "ocr": "ocr", "repair": "structure", "structure": "structure",
                   "embed": "embedding", "index": "indexing"}
SAVE_EVERY_S = 0.5
_UNSAFE = re.compile(r"[^\w\s.()\-+,]", re.UNICODE)
MAX_NAME = 150
KEEP_JOBS = 500
JOB_TTL_S = 7 * 86400
QUEUE = "ingest"
POLL_S = 0.25


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
    path: str | None  # where the receiving process saved the upload
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
    attempts: int = 0
    fraction: float = 0.0  # of the current stage: pages read or OCR'd, chunks embedded

    @property
    def progress(self) -> float:
        start, span = STAGE_SPAN[self.stage]
        return round(start + span * min(max(self.fraction, 0.0), 1.0), 3)

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")

    @classmethod
    def from_dict(cls, data: dict) -> "Job":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


class IngestJobs:
    def __init__(self, index: Index, settings: Settings, state: StateStore, on_change=None):
        self.index, self.settings, self.state = index, settings, state
        self.on_change = on_change or (lambda: None)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._busy = 0

    @property
    def upload_root(self) -> Path:
        return self.settings.state_dir("uploads")

    def write_lock(self):
        """The index's own writer lock (vectorstore/locks.py): one writer across processes, and across
        replicas when Redis is configured; the CLI's `baocao ingest` takes the same lock."""
        return self.index.writing()

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="baocao-ingest", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout)
            self._thread = None

    # --- the records -----------------------------------------------------------------------------
    def save(self, job: Job) -> None:
        self.state.put("job", job.id, asdict(job), ttl=JOB_TTL_S)

    def get(self, job_id: str) -> Job | None:
        data = self.state.get("job", job_id)
        return Job.from_dict(data) if data else None

    def list(self) -> list[Job]:
        ids = list(dict.fromkeys(reversed(self.state.items("jobs", "recent"))))
        return [job for job in map(self.get, ids) if job is not None]

    def queue_position(self, job: Job) -> int | None:
        if job.status != "queued":
            return None
        ahead = 0
        for jid in self.state.queued(QUEUE):
            if jid == job.id:
                return ahead
            other = self.get(jid)
            ahead += other is not None and other.status == "queued"
        return ahead

    def _remember(self, job: Job) -> None:
        self.save(job)
        self.state.append("jobs", "recent", job.id, max_len=KEEP_JOBS)

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
        job = Job(uuid.uuid4().hex[:12], filename, sha256, None, doc_id=doc_id)
        while not self.state.add("job-sha", sha256, job.id, ttl=JOB_TTL_S):
            pending = self.get(self.state.get("job-sha", sha256) or "")
            if pending is not None and pending.active:
                tmp.unlink(missing_ok=True)
                return pending, False
            self.state.delete("job-sha", sha256)  # a finished (or vanished) job: this upload starts a new one
        existing = next((r for r in self.index.list_documents() if r.doc_id == doc_id), None)
        if existing is not None:
            tmp.unlink(missing_ok=True)
            self.state.delete("job-sha", sha256)
            job = Job(job.id, filename, sha256, None, status="done", stage="finished", outcome="duplicate",
                      doc_id=doc_id, duplicate_of=existing.document, chunks=existing.chunks,
                      message=f"đã có trong chỉ mục với tên {existing.document}", finished_at=time.time())
            self._remember(job)
            return job, False
        target = self._place(tmp, doc_id, filename)
        job.path = str(target)
        if self.state.shared_across_hosts:  # a replica with another home may be the one that ingests it
            self.state.put_blob(f"upload:{job.id}", target.read_bytes(), ttl=JOB_TTL_S)
        self._remember(job)
        self.state.enqueue(QUEUE, job.id)
        log.info("job %s queued: %s (%s)", job.id, filename, doc_id)
        return job, True

    def _place(self, tmp: Path, doc_id: str, filename: str) -> Path:
        folder = self.upload_root / doc_id
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / filename
        if target.resolve().parent != folder.resolve():  # safe_filename makes this impossible; belt and braces
            tmp.unlink(missing_ok=True)
            raise ValueError("unsafe file name")
        tmp.replace(target)
        return target

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """True once no job is queued or being ingested (by any process sharing the store)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.state.queued(QUEUE) and not self._busy:
                return True
            time.sleep(0.05)
        return False

    # --- worker ----------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                job_id = self.state.claim(QUEUE, self.settings.job_lease_s)
            except Exception:  # the store is unreachable for a moment: never lose the worker
                log.exception("cannot claim ingestion jobs")
                self._stop.wait(2.0)
                continue
            if job_id is None:
                self._stop.wait(POLL_S)
                continue
            self._busy += 1
            try:
                self._work(job_id)
            finally:
                self._busy -= 1

    def _work(self, job_id: str) -> None:
        renewing = threading.Event()
        renewer = threading.Thread(target=self._renew, args=(job_id, renewing), daemon=True, name="baocao-job-lease")
        renewer.start()
        job = self.get(job_id)
        try:
            if job is not None and job.active:
                contextvars.copy_context().run(self._ingest_safely, job)
            self.state.ack(QUEUE, job_id)
        finally:
            renewing.set()
            renewer.join(5)

    def _renew(self, job_id: str, done: threading.Event) -> None:
        while not done.wait(self.settings.job_lease_s / 3):
            try:
                self.state.extend(QUEUE, job_id, self.settings.job_lease_s)
            except Exception:
                log.warning("could not renew the lease of job %s", job_id)

    def _ingest_safely(self, job: Job) -> None:
        try:
            self._ingest(job)
        except Exception as exc:  # never lose the worker
            log.exception("job %s crashed", job.id)
            job.status, job.outcome, job.stage = "failed", "failed", "finished"
            job.message = f"{job.filename}: nạp thất bại ({type(exc).__name__})"
            job.finished_at = time.time()
            self.save(job)
        finally:
            self.state.delete_blob(f"upload:{job.id}")
            if self.state.get("job-sha", job.sha256) == job.id:
                self.state.delete("job-sha", job.sha256)

    def _local_copy(self, job: Job) -> Path | None:
        """The upload in this process's home: where it was saved, or fetched from the shared store."""
        path = Path(job.path) if job.path else None
        if path is not None and path.is_file():
            return path
        data = self.state.get_blob(f"upload:{job.id}")
        if data is None:
            return None
        tmp = self.upload_root / f".incoming-{uuid.uuid4().hex}"
        tmp.write_bytes(data)
        return self._place(tmp, job.doc_id or job.sha256[:16], job.filename)

    def _stage_reporter(self, job: Job):
        """The pipeline's progress (`baocao.progress`) as the job's stage and progress, saved for pollers
        at each new stage and at most every SAVE_EVERY_S within one."""
        saved = {"at": 0.0}

        def on_stage(_file: str, name: str, done: int, total: int) -> None:
            stage = PIPELINE_STAGES.get(name)
            if stage is None:
                return
            changed = stage != job.stage
            job.stage, job.fraction = stage, (done / total if total else 0.0)
            now = time.monotonic()
            if changed or now - saved["at"] >= SAVE_EVERY_S:
                saved["at"] = now
                self.save(job)

        return on_stage

    def _ingest(self, job: Job) -> None:
        job.status, job.stage, job.started_at, job.attempts = "running", "reading", time.time(), job.attempts + 1
        self.save(job)
        path = self._local_copy(job)
        if path is None:
            job.status, job.outcome, job.stage = "failed", "failed", "finished"
            job.message = f"{job.filename}: tệp tải lên không còn (máy nhận tệp đã mất dữ liệu); hãy tải lên lại"
        else:
            with self.write_lock(), reporting(self._stage_reporter(job)):
                outcome = ingest_one(self.index, path, self.settings)
                job.chunks, job.warnings = outcome.chunks, list(outcome.warnings)
                if outcome.status == "failed":
                    job.status, job.outcome, job.message, job.stage = "failed", "failed", outcome.message, "finished"
                    shutil.rmtree(path.parent, ignore_errors=True)
                else:
                    job.stage, job.fraction = "indexing", 0.0
                    self.save(job)
                    self.index.refresh_lexical(force=True)
                    job.status, job.outcome, job.stage = "done", outcome.status, "finished"
                    job.message = f"{job.filename}: {outcome.status} ({outcome.chunks} đoạn)"
                    self._drop_older_uploads(job)
        job.finished_at = time.time()
        self.save(job)
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
