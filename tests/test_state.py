"""The state store's primitives, the same test for both backends: SQLite on a temp home, and a real
redis-server started on loopback for the module."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from baocao.settings import Settings
from baocao.state import SQLiteState, StateError, open_state
from live import REPO, redis_server, redis_server_executable


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    if redis_server_executable() is None:
        pytest.skip("redis-server is not installed and cannot be here (Debian package redis-server; `make system-deps`)")
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmp_path):
    if request.param == "sqlite":
        yield open_state(Settings(home=tmp_path / "home"))
    else:
        url = request.getfixturevalue("redis_url")
        yield open_state(Settings(home=tmp_path / "home", redis_url=url, redis_prefix=f"t{time.time_ns()}"))


def test_values_expire_and_add_sets_once(store):
    assert store.get("ns", "k") is None
    store.put("ns", "k", {"a": [1, "hai"]})
    assert store.get("ns", "k") == {"a": [1, "hai"]}
    assert store.add("seen", "evt", 1, ttl=0.4) and not store.add("seen", "evt", 1, ttl=0.4)
    time.sleep(0.6)
    assert store.get("seen", "evt") is None and store.add("seen", "evt", 1)
    assert store.delete("ns", "k") and not store.delete("ns", "k")


def test_update_is_atomic_under_concurrent_writers(store):
    def increment(old):
        new = (old or 0) + 1
        return new, new

    workers = [threading.Thread(target=lambda: [store.update("count", "n", increment) for _ in range(25)]) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert store.get("count", "n") == 100


def test_lists_are_bounded_and_read_from_the_end(store):
    for i in range(8):
        length = store.append("turn", "c1", {"n": i}, max_len=5, ttl=60)
    assert length == 5
    assert [x["n"] for x in store.items("turn", "c1")] == [3, 4, 5, 6, 7]
    assert [x["n"] for x in store.items("turn", "c1", last=2)] == [6, 7]
    assert store.delete("turn", "c1") and store.items("turn", "c1") == []


def test_a_claimed_item_comes_back_when_its_lease_runs_out(store):
    store.enqueue("jobs", "a")
    store.enqueue("jobs", "b")
    assert store.queued("jobs") == ["a", "b"]
    assert store.claim("jobs", lease=0.4) == "a"  # a worker takes it, then dies without renewing
    assert store.claim("jobs", lease=30) == "b"
    assert store.claim("jobs", lease=30) is None
    time.sleep(0.6)
    assert store.claim("jobs", lease=30) == "a"  # another worker takes it up
    store.ack("jobs", "a")
    assert store.queued("jobs") == ["b"]
    store.put_blob("upload:x", b"\x00PDF")
    assert store.get_blob("upload:x") == b"\x00PDF"
    store.delete_blob("upload:x")
    assert store.get_blob("upload:x") is None


def test_the_lock_excludes_another_process(store, tmp_path):
    """A second process cannot take the lock while this one holds it (SQLite: a file lock; Redis: a lease)."""
    settings = ("home=" + repr(str(tmp_path / "home"))) + (
        f", redis_url={store.url!r}, redis_prefix={store.prefix!r}" if hasattr(store, "url") else "")
    probe = (f"from baocao.settings import Settings\nfrom baocao.state import open_state, StateError\n"
             f"s = open_state(Settings({settings}))\n"
             "try:\n    s.lock('index-writer', timeout=0.5).__enter__()\n    print('taken')\n"
             "except StateError:\n    print('busy')\n")
    with store.lock("index-writer"):
        held = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=60)
    free = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert held.stdout.strip() == "busy", held.stderr
    assert free.stdout.strip() == "taken", free.stderr


def test_an_unreachable_redis_is_a_state_error(tmp_path):
    from live import free_port

    store = open_state(Settings(home=tmp_path / "home", redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    with pytest.raises(StateError):
        store.get("ns", "k")


def test_the_sqlite_file_is_private(tmp_path):
    SQLiteState(tmp_path / "state.sqlite3")
    assert (tmp_path / "state.sqlite3").stat().st_mode & 0o077 == 0
