"""Batch ingestion: every file through the ingest pipeline into the index; a bad file never stops the rest.

A file is parsed only when the index does not hold it as it is: its bytes (content hash) and name match a
committed document whose chunks are all stored and were made under the current ingest fingerprint
(settings and code, vectorstore/fingerprint.py), so a no-op re-ingest of a folder reads and hashes each
file and parses none, and a document damaged earlier, or made by other settings or code, is read again.
Progress goes through `baocao.progress.stage` (the command installs the reporter).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from baocao.settings import Settings
from baocao.ingest.models import IngestedDocument, IngestError
from baocao.ingest.ocr import OcrOptions
from baocao.ingest.pipeline import ingest_file
from baocao.progress import stage
from baocao.vectorstore.fingerprint import file_doc_id
from baocao.vectorstore.store import DocumentRecord, Index

STATUSES = ("added", "replaced", "reingested", "repaired", "unchanged", "failed")


@dataclass
class FileOutcome:
    path: Path
    status: str  # one of STATUSES; reingested: the content was in, made by other ingest settings or code
    chunks: int = 0
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    sizes: str = ""  # chunk-size summary (IngestedDocument.size_line)


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def lines(self) -> list[str]:
        out = []
        for o in self.outcomes:
            if o.status == "failed":
                out.append(f"ERROR {o.message}")
            else:
                out.append(f"{o.status:9} {o.path.name} ({o.chunks} chunks{'; ' + o.sizes if o.sizes else ''})")
                out.extend(f"          note: {w}" for w in o.warnings)
        return out

    def summary(self) -> str:
        counts = {s: sum(1 for o in self.outcomes if o.status == s) for s in STATUSES}
        return ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "nothing to do"


EMBED_BATCH_CHUNKS = 2000  # documents are embedded together up to this many chunks


def parse(path: Path, settings: Settings) -> IngestedDocument | FileOutcome:
    try:
        return ingest_file(
            path, chunk_chars=settings.chunk_chars, max_mb=settings.max_file_mb,
            allow_non_vietnamese=settings.allow_non_vietnamese, ocr=OcrOptions.from_settings(settings),
        )
    except IngestError as exc:
        return FileOutcome(path, "failed", message=str(exc))
    except Exception as exc:  # a parser bug must not lose the other files
        return FileOutcome(path, "failed", message=f"{path.name}: lỗi khi đọc tệp ({type(exc).__name__}: {exc})")


def ingest_one(index: Index, path: Path, settings: Settings) -> FileOutcome:
    held = unchanged_files(index, [path]).get(path)
    if held is not None:
        return FileOutcome(path, "unchanged", held.chunks)
    parsed = parse(path, settings)
    if isinstance(parsed, FileOutcome):
        return parsed
    status = index.add(parsed, source=path)
    return FileOutcome(path, status, len(parsed.chunks), warnings=parsed.warnings, sizes=parsed.size_line())


def _store(index: Index, pending: list[tuple[Path, IngestedDocument]], report: IngestReport, settings: Settings) -> None:
    """Embed the pending documents in one call (if vectors are wanted), then commit them one by one."""
    docs = [doc for _, doc in pending]
    wants_vectors = settings.needs_vectors()
    if wants_vectors:
        for path, doc in pending:
            stage(path, "embed", 0, len(doc.chunks))
    vectors = index.embed(docs) if wants_vectors else [None] * len(docs)
    for (path, doc), doc_vectors in zip(pending, vectors):
        if wants_vectors:
            stage(path, "embed", len(doc.chunks), len(doc.chunks))
        stage(path, "index")
        status = index.add(doc, vectors=doc_vectors, source=path)
        report.outcomes.append(FileOutcome(path, status, len(doc.chunks), warnings=doc.warnings, sizes=doc.size_line()))
    pending.clear()


def _content_key(path: Path) -> tuple[str, str] | None:
    """(doc_id, name) the file would be ingested as; None if it cannot be read (parsing says why)."""
    try:
        return file_doc_id(path), path.name
    except OSError:
        return None


def unchanged_files(index: Index, files: list[Path]) -> dict[Path, DocumentRecord]:
    """The files the index holds as they are (see the module docstring), with their commit records."""
    keys = {path: key for path in files if (key := _content_key(path)) is not None}
    held = index.unchanged_records(sorted(set(keys.values())))
    return {path: held[key] for path, key in keys.items() if key in held}


def ingest_paths(index: Index, files: list[Path], settings: Settings) -> IngestReport:
    """Every file in, under one hold of the writer lock (a second ingest waits for this one to finish)."""
    report = IngestReport()
    pending: list[tuple[Path, IngestedDocument]] = []
    with index.writing():
        unchanged = unchanged_files(index, files)
        for path in files:
            if path in unchanged:
                report.outcomes.append(FileOutcome(path, "unchanged", unchanged[path].chunks))
                continue
            parsed = parse(path, settings)
            if isinstance(parsed, FileOutcome):
                report.outcomes.append(parsed)
            else:
                pending.append((path, parsed))
                if sum(len(d.chunks) for _, d in pending) >= EMBED_BATCH_CHUNKS:
                    _store(index, pending, report, settings)
        if pending:
            _store(index, pending, report, settings)
        if settings.needs_vectors() and index.missing_vectors():  # documents ingested while the weight was 0
            index.fill_vectors()
    order = {path: i for i, path in enumerate(files)}
    report.outcomes.sort(key=lambda o: order.get(o.path, 0))
    return report
