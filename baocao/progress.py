"""Progress that tells the truth: every stage of every file, on a terminal or as plain lines.

The API is one small callback, `on_stage(file, stage, done, total)`. Code deep in a pipeline does not
get it passed down: it calls `baocao.progress.stage(path, "ocr", page, pages)`, which reaches whatever
reporter the command installed with `reporting(...)` (a context variable), and does nothing otherwise.
A progress display never breaks the work: a failing reporter is switched off.

    with reporting(make_reporter("plain", total_files=len(files))):
        ingest_paths(...)          # the pipeline calls stage(...) at each step

A reader deep inside one file (pages read, pages OCR'd) calls `page_stage("ocr", page, pages)`: the file is
the one the loader named with `working_on(path)`.

Stages of `baocao ingest`: read, ocr, repair, structure, embed, index (a file may skip some, e.g. no OCR
for a text PDF); `baocao eval` reports the same stages while it builds a corpus index
(`reporting_to_stderr`), then "eval" with questions done / total.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Literal, TextIO

STAGES = ("read", "ocr", "repair", "structure", "embed", "index")
STAGE_LABELS = {  # what a Vietnamese user reads; the stage names stay English in code and logs
    "read": "đọc tệp",
    "ocr": "nhận dạng chữ (OCR)",
    "repair": "sửa lỗi chữ tiếng Việt",
    "structure": "phân tích cấu trúc",
    "embed": "tính vector",
    "index": "ghi vào chỉ mục",
    "eval": "đánh giá",
}
OnStage = Callable[[str, str, int, int], None]
Kind = Literal["auto", "plain", "rich", "none"]

_current: ContextVar[OnStage | None] = ContextVar("baocao_progress", default=None)
_file: ContextVar[str | None] = ContextVar("baocao_progress_file", default=None)


def stage(file: str | Path, name: str, done: int = 0, total: int = 0) -> None:
    """Report that `file` is at stage `name` (`done` of `total` units: pages, chunks, questions; total 0 =
    a stage without units)."""
    callback = _current.get()
    if callback is None:
        return
    try:
        callback(str(file), name, done, total)
    except Exception:  # a broken display must not lose an ingest
        logging.getLogger("baocao.progress").debug("progress reporter failed; switched off", exc_info=True)
        _current.set(None)


@contextlib.contextmanager
def reporting(callback: OnStage | None) -> Iterator[OnStage | None]:
    """Install `callback` for the code run inside the block (this thread and the contexts copied from it)."""
    token = _current.set(callback)
    try:
        yield callback
    finally:
        _current.reset(token)
        close = getattr(callback, "close", None)
        if close is not None:
            close()


@contextlib.contextmanager
def working_on(file: str | Path) -> Iterator[None]:
    """Code inside the block may report `page_stage(...)` without knowing which file it reads."""
    token = _file.set(str(file))
    try:
        yield
    finally:
        _file.reset(token)


def page_stage(name: str, done: int, total: int) -> None:
    """`stage()` for the file of the enclosing `working_on` (a PDF reader counts pages, not files)."""
    file = _file.get()
    if file is not None:
        stage(file, name, done, total)


def _label(name: str) -> str:
    return STAGE_LABELS.get(name, name)


def _units(done: int, total: int) -> str:
    return f" {done}/{total}" if total > 0 else ""


class PlainReporter:
    """One line per change, flushed at once: readable in a log, a CI job or `| tee`.

    A stage that reports many steps (OCR pages, questions) prints at most every `every_s` seconds, and
    always its first and last step, so a long step is never silent and a log is never flooded.
    """

    def __init__(self, stream: TextIO | None = None, total_files: int = 0, every_s: float = 5.0):
        self.stream = stream or sys.stdout
        self.total_files, self.every_s = total_files, every_s
        self._files: dict[str, int] = {}
        self._last: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def __call__(self, file: str, name: str, done: int, total: int) -> None:
        with self._lock:
            number = self._files.setdefault(file, len(self._files) + 1)
            key, now = (file, name), time.monotonic()
            first = key not in self._last
            if not (first or done >= total or now - self._last[key] >= self.every_s):
                return
            self._last[key] = now
            where = f"[{number}/{self.total_files}] " if self.total_files else ""
            self.stream.write(f"{where}{Path(file).name}: {_label(name)}{_units(done, total)}\n")
            self.stream.flush()

    def close(self) -> None:
        pass


class RichReporter:
    """A live terminal display: one bar for the files, one line for the file and stage at work."""

    def __init__(self, stream: TextIO | None = None, total_files: int = 0):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.console = Console(file=stream or sys.stderr)
        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=self.console, transient=True)
        self.files = self.bar.add_task("Tệp", total=total_files or None)
        self.step = self.bar.add_task("", total=None)
        self._seen: list[str] = []
        self._lock = threading.Lock()
        self.bar.start()

    def __call__(self, file: str, name: str, done: int, total: int) -> None:
        with self._lock:
            if file not in self._seen:
                self._seen.append(file)
                self.bar.update(self.files, completed=len(self._seen) - 1)
            self.bar.update(self.step, description=f"{Path(file).name}: {_label(name)}",
                            completed=done, total=total if total > 0 else None)

    def close(self) -> None:
        self.bar.update(self.files, completed=len(self._seen))
        self.bar.stop()


def resolve_kind(kind: Kind, stream: TextIO) -> Kind:
    """`auto`: a live display on a terminal, plain lines when piped or redirected."""
    if kind != "auto":
        return kind
    return "rich" if getattr(stream, "isatty", lambda: False)() else "plain"


def make_reporter(kind: Kind = "auto", *, total_files: int = 0, stream: TextIO | None = None) -> OnStage | None:
    """A reporter for a command's `--progress plain|rich|none` (None for `none`)."""
    stream = stream or sys.stdout
    kind = resolve_kind(kind, stream)
    if kind == "none":
        return None
    if kind == "rich":
        return RichReporter(stream, total_files)
    return PlainReporter(stream, total_files)


def reporting_to_stderr(total_files: int = 0) -> contextlib.AbstractContextManager[OnStage | None]:
    """`reporting(...)` for work a command does on the side (`baocao eval` building an index): on stderr, a
    live display on a terminal and plain lines when piped. A reporter installed already is kept."""
    if _current.get() is not None:
        return contextlib.nullcontext(_current.get())
    return reporting(make_reporter("auto", total_files=total_files, stream=sys.stderr))


def add_progress_argument(parser) -> None:
    parser.add_argument("--progress", choices=["auto", "plain", "rich", "none"], default="auto",
                        help="progress display: rich on a terminal, plain lines when piped (the default, auto), or none")


class _BelowWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


def silence_library_noise() -> None:
    """No "Loading weights", "Building index from tokens" or download bars from the libraries we call.

    Our own progress says what is happening; theirs repeats it in another shape on every model load.
    """
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TQDM_DISABLE", "1")  # tqdm >= 4.66: every bar a library opens is disabled
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    for name in ("sentence_transformers", "transformers", "huggingface_hub", "bm25s", "chromadb", "httpx"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.WARNING)
        if not any(isinstance(f, _BelowWarning) for f in logger.filters):
            logger.addFilter(_BelowWarning())  # bm25s sets its own logger to DEBUG when it is imported
    if "transformers" in sys.modules:  # already imported: the environment above came too late for it
        with contextlib.suppress(Exception):
            from transformers.utils import logging as hf_logging

            hf_logging.set_verbosity_error()
            hf_logging.disable_progress_bar()
