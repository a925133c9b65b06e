"""Per-page progress of the file being read, for callers that report it (the API's background job).

    from baocao.ingest.progress import report_pages

    with report_pages(lambda done, total: job.update(done / total)):
        ingest_file(path)

The callback runs in the caller's thread, once per page (OCR pages are the slow ones), with the
pages done so far and the page count of the document. It is a context variable, so concurrent
jobs in different threads each get their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

PageCallback = Callable[[int, int], None]  # (pages done, pages in the document)

_callback: ContextVar[PageCallback | None] = ContextVar("baocao_page_progress", default=None)


@contextmanager
def report_pages(callback: PageCallback) -> Iterator[None]:
    token = _callback.set(callback)
    try:
        yield
    finally:
        _callback.reset(token)


def page_done(done: int, total: int) -> None:
    callback = _callback.get()
    if callback is not None:
        callback(done, total)
