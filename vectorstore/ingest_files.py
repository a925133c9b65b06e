"""Batch ingestion: every file through the ingest pipeline into the index; a bad file never stops the rest."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from baocao.settings import Settings
from ingest.models import IngestError
from ingest.pipeline import ingest_file
from vectorstore.store import Index


@dataclass
class FileOutcome:
    path: Path
    status: str  # added | replaced | unchanged | failed
    chunks: int = 0
    message: str = ""
    warnings: list[str] = field(default_factory=list)


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
                out.append(f"{o.status:9} {o.path.name} ({o.chunks} chunks)")
                out.extend(f"          note: {w}" for w in o.warnings)
        return out

    def summary(self) -> str:
        counts = {s: sum(1 for o in self.outcomes if o.status == s) for s in ("added", "replaced", "unchanged", "failed")}
        return ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "nothing to do"


def ingest_one(index: Index, path: Path, settings: Settings) -> FileOutcome:
    try:
        doc = ingest_file(
            path, chunk_chars=settings.chunk_chars, max_mb=settings.max_file_mb,
            allow_non_vietnamese=settings.allow_non_vietnamese,
        )
    except IngestError as exc:
        return FileOutcome(path, "failed", message=str(exc))
    except Exception as exc:  # a parser bug must not lose the other files
        return FileOutcome(path, "failed", message=f"{path.name}: could not be read ({type(exc).__name__}: {exc})")
    status = index.add(doc, refresh_lexical=False)
    return FileOutcome(path, status, len(doc.chunks), warnings=doc.warnings)


def ingest_paths(index: Index, files: list[Path], settings: Settings, *, progress: bool = False) -> IngestReport:
    from rich.progress import Progress

    report = IngestReport()
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("Đang nạp tài liệu", total=len(files))
        for path in files:
            bar.update(task, description=path.name)
            report.outcomes.append(ingest_one(index, path, settings))
            bar.advance(task)
    index.refresh_lexical(force=True)
    return report
