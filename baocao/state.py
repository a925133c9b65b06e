"""Small state shared by requests, processes and replicas: one interface, two backends.

- `SQLiteState`: a file under `$BAOCAO_HOME/state/` (WAL mode), shared safely by every process on that
  home; the default, nothing to run.
- `RedisState`: with `BAOCAO_REDIS_URL`, shared by replicas on any number of hosts.

Everything above this module (conversations, rate-limit buckets, the answer cache, Zalo replay ids and
tokens, upload jobs and their queue, feedback) is written once against `StateStore`; the backends only
supply the primitives below. Values are JSON.

| primitive | meaning |
|---|---|
| `get/put/delete(ns, key)` | a value, optionally expiring after `ttl` seconds |
| `add(ns, key, value, ttl)` | set only if absent, atomically: True if this call set it (replay ids) |
| `update(ns, key, fn, ttl)` | atomic read-modify-write: `fn(old or None) -> (new or None, result)` |
| `append/items(ns, key)` | a bounded list per key (conversation turns, feedback, recent jobs) |
| `enqueue/claim/extend/ack(queue)` | a work queue with leases: an item claimed by a process that dies comes back |
| `queued(queue)` | items in order (queue positions) |
| `put_blob/get_blob/delete_blob` | bytes (an upload on its way to whichever replica ingests it) |
| `lock(name)` | a lock across processes (SQLite: a file lock on the home; Redis: a renewed lease) |
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger("baocao.state")

Updater = Callable[[Any], tuple[Any, Any]]


class StateError(Exception):
    """The state store cannot be reached or used (Redis down, disk full...)."""


class StateStore(ABC):
    shared_across_hosts = False  # True when replicas on other machines see the same state (Redis)

    # --- key/value ---------------------------------------------------------------------------------
    @abstractmethod
    def get(self, ns: str, key: str) -> Any | None: ...

    @abstractmethod
    def put(self, ns: str, key: str, value: Any, ttl: float | None = None) -> None: ...

    @abstractmethod
    def add(self, ns: str, key: str, value: Any, ttl: float | None = None) -> bool: ...

    @abstractmethod
    def delete(self, ns: str, key: str) -> bool:
        """Remove the value and the list stored under (ns, key); True if there was one."""

    @abstractmethod
    def update(self, ns: str, key: str, fn: Updater, ttl: float | None = None) -> Any: ...

    # --- lists -------------------------------------------------------------------------------------
    @abstractmethod
    def append(self, ns: str, key: str, value: Any, *, max_len: int | None = None, ttl: float | None = None) -> int:
        """Add at the end (dropping the oldest beyond `max_len`); `ttl` renews the whole list's expiry. Returns its length."""

    @abstractmethod
    def items(self, ns: str, key: str, last: int | None = None) -> list[Any]:
        """The list in order; only the `last` n items if given."""

    # --- queue with leases -------------------------------------------------------------------------
    @abstractmethod
    def enqueue(self, queue: str, item: str) -> None: ...

    @abstractmethod
    def claim(self, queue: str, lease: float) -> str | None:
        """The oldest item nobody holds, now held by the caller for `lease` seconds (or None)."""

    @abstractmethod
    def extend(self, queue: str, item: str, lease: float) -> None: ...

    @abstractmethod
    def ack(self, queue: str, item: str) -> None: ...

    @abstractmethod
    def queued(self, queue: str) -> list[str]: ...

    # --- blobs -------------------------------------------------------------------------------------
    @abstractmethod
    def put_blob(self, key: str, data: bytes, ttl: float | None = None) -> None: ...

    @abstractmethod
    def get_blob(self, key: str) -> bytes | None: ...

    @abstractmethod
    def delete_blob(self, key: str) -> None: ...

    # --- locks -------------------------------------------------------------------------------------
    @abstractmethod
    def lock(self, name: str, timeout: float | None = None) -> contextlib.AbstractContextManager:
        """Held by one process (of any replica) at a time; `timeout` seconds to wait (None: for ever)."""

    def describe(self) -> str:
        return type(self).__name__

    def ping(self) -> None:
        """Raises StateError if the store cannot be used."""

    def close(self) -> None:
        pass


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# ------------------------------------------------------------------------------------------ SQLite

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, expires_at REAL,
                               PRIMARY KEY (ns, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS list (ns TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, value TEXT NOT NULL,
                                 expires_at REAL, PRIMARY KEY (ns, key, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS queue (name TEXT NOT NULL, item TEXT NOT NULL, visible_at REAL NOT NULL, enqueued_at REAL NOT NULL,
                                  PRIMARY KEY (name, item)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blob (key TEXT PRIMARY KEY, data BLOB NOT NULL, expires_at REAL) WITHOUT ROWID;
"""
_LIVE = "(expires_at IS NULL OR expires_at > ?)"
PURGE_EVERY_S = 60.0


class SQLiteState(StateStore):
    """One SQLite file (or `:memory:`), one connection per process guarded by a lock; writers across
    processes are serialised by SQLite itself (`BEGIN IMMEDIATE`, a busy timeout)."""

    def __init__(self, path: Path | str, lock_dir: Path | None = None):
        self.path = str(path)
        self.lock_dir = lock_dir
        self._mutex = threading.RLock()
        self._local_locks: dict[str, threading.Lock] = {}
        memory = self.path == ":memory:"
        if not memory:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            if not Path(self.path).exists():  # it holds tokens (Zalo): private to the owner
                Path(self.path).touch(mode=0o600)
        self._db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        with self._mutex:
            if not memory:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        self._purged_at = 0.0

    def describe(self) -> str:
        return f"sqlite {self.path}"

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, taken at once so concurrent read-modify-writes cannot interleave."""
        with self._mutex:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StateError(f"state store {self.path}: {exc}") from exc
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            self._maybe_purge()

    def _read(self, sql: str, args: tuple) -> list[tuple]:
        with self._mutex:
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise StateError(f"state store {self.path}: {exc}") from exc

    def _maybe_purge(self) -> None:
        now = time.time()
        if now - self._purged_at < PURGE_EVERY_S:
            return
        self._purged_at = now
        try:
            for table in ("kv", "list", "blob"):
                self._db.execute(f"DELETE FROM {table} WHERE expires_at IS NOT NULL AND expires_at <= ?", (now,))
        except sqlite3.Error as exc:  # housekeeping only: expired rows are invisible to reads anyway
            log.warning("could not purge expired state: %s", exc)

    @staticmethod
    def _expiry(ttl: float | None) -> float | None:
        return time.time() + ttl if ttl else None

    # --- key/value
    def get(self, ns, key):
        rows = self._read(f"SELECT value FROM kv WHERE ns=? AND key=? AND {_LIVE}", (ns, key, time.time()))
        return json.loads(rows[0][0]) if rows else None

    def put(self, ns, key, value, ttl=None):
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO kv VALUES (?, ?, ?, ?)", (ns, key, _dumps(value), self._expiry(ttl)))

    def add(self, ns, key, value, ttl=None):
        with self._tx() as db:
            db.execute(f"DELETE FROM kv WHERE ns=? AND key=? AND NOT {_LIVE}", (ns, key, time.time()))
            cursor = db.execute("INSERT OR IGNORE INTO kv VALUES (?, ?, ?, ?)", (ns, key, _dumps(value), self._expiry(ttl)))
            return cursor.rowcount == 1

    def delete(self, ns, key):
        with self._tx() as db:
            found = db.execute(f"DELETE FROM kv WHERE ns=? AND key=? AND {_LIVE}", (ns, key, time.time())).rowcount
            found += db.execute("DELETE FROM list WHERE ns=? AND key=?", (ns, key)).rowcount
            return found > 0

    def update(self, ns, key, fn, ttl=None):
        with self._tx() as db:
            row = db.execute(f"SELECT value FROM kv WHERE ns=? AND key=? AND {_LIVE}", (ns, key, time.time())).fetchone()
            new, result = fn(json.loads(row[0]) if row else None)
            if new is None:
                db.execute("DELETE FROM kv WHERE ns=? AND key=?", (ns, key))
            else:
                db.execute("INSERT OR REPLACE INTO kv VALUES (?, ?, ?, ?)", (ns, key, _dumps(new), self._expiry(ttl)))
            return result

    # --- lists
    def append(self, ns, key, value, *, max_len=None, ttl=None):
        now = time.time()
        with self._tx() as db:
            db.execute(f"DELETE FROM list WHERE ns=? AND key=? AND NOT {_LIVE}", (ns, key, now))
            (last,) = db.execute("SELECT COALESCE(MAX(seq), 0) FROM list WHERE ns=? AND key=?", (ns, key)).fetchone()
            db.execute("INSERT INTO list VALUES (?, ?, ?, ?, ?)", (ns, key, last + 1, _dumps(value), self._expiry(ttl)))
            if ttl:
                db.execute("UPDATE list SET expires_at=? WHERE ns=? AND key=?", (self._expiry(ttl), ns, key))
            if max_len:
                db.execute("DELETE FROM list WHERE ns=? AND key=? AND seq <= ?", (ns, key, last + 1 - max_len))
            (length,) = db.execute("SELECT COUNT(*) FROM list WHERE ns=? AND key=?", (ns, key)).fetchone()
            return length

    def items(self, ns, key, last=None):
        if last is not None:
            rows = self._read(f"SELECT value FROM (SELECT seq, value FROM list WHERE ns=? AND key=? AND {_LIVE} "
                              "ORDER BY seq DESC LIMIT ?) ORDER BY seq", (ns, key, time.time(), last))
        else:
            rows = self._read(f"SELECT value FROM list WHERE ns=? AND key=? AND {_LIVE} ORDER BY seq", (ns, key, time.time()))
        return [json.loads(v) for (v,) in rows]

    # --- queue
    def enqueue(self, queue, item):
        now = time.time()
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO queue VALUES (?, ?, ?, ?)", (queue, item, now, now))

    def claim(self, queue, lease):
        now = time.time()
        with self._tx() as db:
            row = db.execute("SELECT item FROM queue WHERE name=? AND visible_at <= ? ORDER BY enqueued_at LIMIT 1",
                             (queue, now)).fetchone()
            if row is None:
                return None
            db.execute("UPDATE queue SET visible_at=? WHERE name=? AND item=?", (now + lease, queue, row[0]))
            return row[0]

    def extend(self, queue, item, lease):
        with self._tx() as db:
            db.execute("UPDATE queue SET visible_at=? WHERE name=? AND item=?", (time.time() + lease, queue, item))

    def ack(self, queue, item):
        with self._tx() as db:
            db.execute("DELETE FROM queue WHERE name=? AND item=?", (queue, item))

    def queued(self, queue):
        return [item for (item,) in self._read("SELECT item FROM queue WHERE name=? ORDER BY enqueued_at", (queue,))]

    # --- blobs
    def put_blob(self, key, data, ttl=None):
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO blob VALUES (?, ?, ?)", (key, sqlite3.Binary(data), self._expiry(ttl)))

    def get_blob(self, key):
        rows = self._read(f"SELECT data FROM blob WHERE key=? AND {_LIVE}", (key, time.time()))
        return bytes(rows[0][0]) if rows else None

    def delete_blob(self, key):
        with self._tx() as db:
            db.execute("DELETE FROM blob WHERE key=?", (key,))

    # --- locks
    def lock(self, name, timeout=None):
        if self.lock_dir is None:  # an in-memory store belongs to one process
            with self._mutex:
                lock = self._local_locks.setdefault(name, threading.Lock())
            return _ThreadLock(lock, timeout)
        from filelock import FileLock

        self.lock_dir.mkdir(parents=True, exist_ok=True)
        return _FileLockContext(FileLock(str(self.lock_dir / f"{name}.lock"), thread_local=False), timeout)

    def close(self):
        with self._mutex:
            self._db.close()


class _ThreadLock(contextlib.AbstractContextManager):
    def __init__(self, lock: threading.Lock, timeout: float | None):
        self._lock, self._timeout = lock, timeout

    def __enter__(self):
        if not self._lock.acquire(timeout=-1 if self._timeout is None else self._timeout):
            raise StateError("timed out waiting for a lock")
        return self

    def __exit__(self, *exc):
        self._lock.release()


class _FileLockContext(contextlib.AbstractContextManager):
    def __init__(self, lock, timeout: float | None):
        self._lock, self._timeout = lock, timeout

    def __enter__(self):
        from filelock import Timeout

        try:
            self._lock.acquire(timeout=-1 if self._timeout is None else self._timeout)
        except Timeout as exc:
            raise StateError(f"timed out waiting for {self._lock.lock_file}") from exc
        return self

    def __exit__(self, *exc):
        self._lock.release()


# ------------------------------------------------------------------------------------------ Redis

# Claim the oldest free item of a sorted set scored by "visible at" (the enqueue time, or a lease's end).
_CLAIM = """
local now = tonumber(ARGV[1])
local found = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 1)
if #found == 0 then return false end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), found[1])
return found[1]
"""
_EXTEND = "if redis.call('ZSCORE', KEYS[1], ARGV[1]) then redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1]) end return 1"
LOCK_LEASE_S = 30.0


def _ttl_ms(ttl: float | None) -> int | None:
    return max(1, int(ttl * 1000)) if ttl else None


class RedisState(StateStore):
    """Keys `<prefix>:<ns>:<key>`; lists are Redis lists, queues sorted sets (score: when the item is free)
    with a second sorted set keeping the enqueue order."""

    shared_across_hosts = True

    def __init__(self, url: str, prefix: str = "baocao", lock_lease: float = LOCK_LEASE_S):
        import redis

        self.url, self.prefix, self.lock_lease = url, prefix, lock_lease
        self._redis_errors = (redis.RedisError,)
        self.r = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=30)
        self._claim = self.r.register_script(_CLAIM)
        self._extend = self.r.register_script(_EXTEND)

    def describe(self) -> str:
        from urllib.parse import urlparse

        u = urlparse(self.url)
        return f"redis {u.scheme}://{u.hostname}:{u.port or 6379}{u.path or ''}"  # never the password

    def k(self, ns: str, key: str) -> str:
        return f"{self.prefix}:{ns}:{key}"

    @contextlib.contextmanager
    def _errors(self):
        try:
            yield
        except self._redis_errors as exc:
            raise StateError(f"state store (redis): {type(exc).__name__}: {exc}") from exc

    def ping(self):
        with self._errors():
            self.r.ping()

    def get(self, ns, key):
        with self._errors():
            raw = self.r.get(self.k(ns, key))
        return json.loads(raw) if raw is not None else None

    def put(self, ns, key, value, ttl=None):
        with self._errors():
            self.r.set(self.k(ns, key), _dumps(value), px=_ttl_ms(ttl))

    def add(self, ns, key, value, ttl=None):
        with self._errors():
            return bool(self.r.set(self.k(ns, key), _dumps(value), px=_ttl_ms(ttl), nx=True))

    def delete(self, ns, key):
        with self._errors():
            return self.r.delete(self.k(ns, key), self.k(ns, key) + ":list") > 0

    def update(self, ns, key, fn, ttl=None):
        name = self.k(ns, key)
        out = {}

        def attempt(pipe):
            raw = pipe.get(name)
            new, out["result"] = fn(json.loads(raw) if raw is not None else None)
            pipe.multi()
            if new is None:
                pipe.delete(name)
            else:
                pipe.set(name, _dumps(new), px=_ttl_ms(ttl))

        with self._errors():
            self.r.transaction(attempt, name)  # WATCH / MULTI / EXEC, retried on a concurrent change
        return out["result"]

    def append(self, ns, key, value, *, max_len=None, ttl=None):
        name = self.k(ns, key) + ":list"
        with self._errors():
            pipe = self.r.pipeline()
            pipe.rpush(name, _dumps(value))
            if max_len:
                pipe.ltrim(name, -max_len, -1)
            if ttl:
                pipe.pexpire(name, _ttl_ms(ttl))
            pipe.llen(name)
            return int(pipe.execute()[-1])

    def items(self, ns, key, last=None):
        with self._errors():
            raw = self.r.lrange(self.k(ns, key) + ":list", -last, -1) if last else (
                [] if last == 0 else self.r.lrange(self.k(ns, key) + ":list", 0, -1))
        return [json.loads(v) for v in raw]

    def _order(self, queue: str) -> str:
        return self.k("queue-order", queue)

    def enqueue(self, queue, item):
        now = time.time()
        with self._errors():
            pipe = self.r.pipeline()
            pipe.zadd(self.k("queue", queue), {item: now})
            pipe.zadd(self._order(queue), {item: now})
            pipe.execute()

    def claim(self, queue, lease):
        with self._errors():
            found = self._claim(keys=[self.k("queue", queue)], args=[time.time(), lease])
        return found.decode() if isinstance(found, bytes) else found

    def extend(self, queue, item, lease):
        with self._errors():
            self._extend(keys=[self.k("queue", queue)], args=[item, time.time() + lease])

    def ack(self, queue, item):
        with self._errors():
            pipe = self.r.pipeline()
            pipe.zrem(self.k("queue", queue), item)
            pipe.zrem(self._order(queue), item)
            pipe.execute()

    def queued(self, queue):
        with self._errors():
            return [i.decode() for i in self.r.zrange(self._order(queue), 0, -1)]

    def put_blob(self, key, data, ttl=None):
        with self._errors():
            self.r.set(self.k("blob", key), data, px=_ttl_ms(ttl))

    def get_blob(self, key):
        with self._errors():
            return self.r.get(self.k("blob", key))

    def delete_blob(self, key):
        with self._errors():
            self.r.delete(self.k("blob", key))

    def lock(self, name, timeout=None):
        return _RedisLease(self, self.k("lock", name), timeout)

    def close(self):
        self.r.close()


class _RedisLease(contextlib.AbstractContextManager):
    """redis-py's Lock with a short expiry, renewed by a thread while held: a replica that dies holding it
    frees it within the lease (BAOCAO_JOB_LEASE_S)."""

    def __init__(self, store: RedisState, name: str, timeout: float | None):
        self.store = store
        self.lease = store.lock_lease
        self.lock = store.r.lock(name, timeout=self.lease, blocking_timeout=timeout, thread_local=False)
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def __enter__(self):
        with self.store._errors():
            if not self.lock.acquire():
                raise StateError(f"timed out waiting for lock {self.lock.name}")
        self._stop.clear()
        self._renewer = threading.Thread(target=self._renew, name="baocao-lock-renew", daemon=True)
        self._renewer.start()
        return self

    def _renew(self):
        while not self._stop.wait(self.lease / 3):
            try:
                self.lock.reacquire()
            except Exception:  # lost (expired while the process stalled): the next release says so
                log.warning("could not renew lock %s", self.lock.name)

    def __exit__(self, *exc):
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(5)
        with contextlib.suppress(Exception):
            self.lock.release()


# ------------------------------------------------------------------------------------------ opening

def open_state(settings) -> StateStore:
    """Redis when `BAOCAO_REDIS_URL` is set, else SQLite under `$BAOCAO_HOME/state/`."""
    if settings.redis_url:
        return RedisState(settings.redis_url, prefix=settings.redis_prefix, lock_lease=max(1.0, settings.job_lease_s))
    folder = settings.state_dir("state")
    return SQLiteState(folder / "state.sqlite3", lock_dir=folder / "locks")


def memory_state() -> StateStore:
    """A private in-process store (the SQLite backend on `:memory:`), for a CLI session or a test."""
    return SQLiteState(":memory:")

