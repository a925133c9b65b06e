"""One writer at a time per index: a file lock under $BAOCAO_HOME, or a Redis lock shared by replicas.

Every index write (add, delete, reset, reindex, orphan sweep) runs inside `WriterLock`. The lock is
re-entrant in the thread that holds it and exclusive across threads and processes. A second writer waits
(calling `on_wait` once, so the CLI can say so) up to `settings.writer_wait_s`, then raises `WriterBusy`.

- Embedded Chroma, or a Chroma server without Redis: `filelock` on `$BAOCAO_HOME/writer.lock`. The
  kernel releases it when the process dies, even by kill -9. It is NOT shared between hosts.
- `BAOCAO_CHROMA_URL` + `BAOCAO_REDIS_URL`: a redis-py `Lock` named after the collection, with a lease
  (`REDIS_LEASE_S`) extended by a background thread while the write runs; a writer that dies stops
  extending it and the lease runs out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from baocao.settings import Settings

log = logging.getLogger("baocao.vectorstore.locks")

REDIS_LEASE_S = 30.0
POLL_S = 0.1


class WriterBusy(Exception):
    """Another writer held the index for longer than the configured wait."""


class _FileBackend:
    def __init__(self, settings: Settings):
        from filelock import FileLock

        self.path = settings.state_dir() / "writer.lock"
        self._lock = FileLock(str(self.path), thread_local=False)
        self.where = str(self.path)

    def try_acquire(self) -> bool:
        from filelock import Timeout

        try:
            self._lock.acquire(timeout=0)
            return True
        except Timeout:
            return False

    def release(self) -> None:
        self._lock.release(force=True)


class _RedisBackend:
    def __init__(self, settings: Settings):
        import redis

        self.client = redis.Redis.from_url(settings.redis_url)
        name = f"baocao:{settings.collection}:writer"
        self._lock = self.client.lock(name, timeout=REDIS_LEASE_S, thread_local=False)
        self.where = f"redis key {name}"
        self._stop = threading.Event()
        self._keeper: threading.Thread | None = None

    def try_acquire(self) -> bool:
        if not self._lock.acquire(blocking=False):
            return False
        self._stop.clear()
        self._keeper = threading.Thread(target=self._keep_lease, name="baocao-writer-lease", daemon=True)
        self._keeper.start()
        return True

    def _keep_lease(self) -> None:
        while not self._stop.wait(REDIS_LEASE_S / 3):
            try:
                self._lock.extend(REDIS_LEASE_S, replace_ttl=True)
            except Exception as exc:  # the lease will run out; the write's own Chroma calls still finish
                log.error("could not extend the writer lease (%s): %s", self.where, exc)

    def release(self) -> None:
        self._stop.set()
        if self._keeper is not None:
            self._keeper.join(timeout=5)
        try:
            self._lock.release()
        except Exception as exc:  # the lease expired meanwhile: nothing of ours to release
            log.warning("writer lock already released (%s): %s", self.where, exc)


def _backend(settings: Settings):
    if settings.chroma_url and settings.redis_url:
        return _RedisBackend(settings)
    return _FileBackend(settings)


class WriterLock:
    """`with lock:` around a write. Re-entrant per thread; `on_wait` is called once per process when it blocks."""

    def __init__(self, settings: Settings, on_wait: Callable[[], None] | None = None):
        self.settings = settings
        self.on_wait = on_wait
        self._backend = _backend(settings)
        self._local = threading.RLock()  # exclusion between threads of this process
        self._depth = 0
        self._warned = False

    @property
    def where(self) -> str:
        return self._backend.where

    def held(self) -> bool:
        """Whether this process holds the lock (in any thread)."""
        return self._depth > 0

    def acquire(self) -> None:
        if not self._local.acquire(timeout=self._wait_budget()):
            raise self._busy()
        if self._depth:
            self._depth += 1
            return
        try:
            self._acquire_backend()
        except BaseException:
            self._local.release()
            raise
        self._depth = 1

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._backend.release()
        self._local.release()

    def try_acquire(self) -> bool:
        """Take the lock only if no one has it (readers repairing derived state use this)."""
        if not self._local.acquire(blocking=False):
            return False
        if self._depth:
            self._depth += 1
            return True
        if self._backend.try_acquire():
            self._depth = 1
            return True
        self._local.release()
        return False

    def __enter__(self) -> "WriterLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def _wait_budget(self) -> float:
        wait = self.settings.writer_wait_s
        return -1 if wait < 0 else max(wait, 0.0) + 1.0

    def _acquire_backend(self) -> None:
        if self._backend.try_acquire():
            return
        if not self._warned:
            self._warned = True
            if self.on_wait is not None:
                self.on_wait()
            log.info("another writer holds %s; waiting up to %.0f s", self.where, self.settings.writer_wait_s)
        deadline = time.monotonic() + max(self.settings.writer_wait_s, 0.0)
        while time.monotonic() < deadline or self.settings.writer_wait_s < 0:
            time.sleep(POLL_S)
            if self._backend.try_acquire():
                return
        raise self._busy()

    def _busy(self) -> WriterBusy:
        return WriterBusy(
            f"another ingest or delete has been writing to this index for more than {self.settings.writer_wait_s:.0f} s "
            f"({self.where}); try again when it has finished, or raise BAOCAO_WRITER_WAIT_S"
        )
