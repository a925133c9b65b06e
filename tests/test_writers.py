"""One writer at a time per index, never lost data: real `baocao ingest` processes, real kill -9.

These fail on the one-writer-unaware index (before vectorstore/locks.py): there, two concurrent ingests
swept each other's uncommitted chunks (a committed document with 0 chunks that re-ingest called
"unchanged"), and a simultaneous start failed with `database is locked`.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from baocao.settings import Settings
from baocao.vectorstore.ingest_files import ingest_paths
from baocao.vectorstore.locks import WriterBusy, WriterLock
from baocao.vectorstore.store import open_index

REPO = Path(__file__).resolve().parent.parent
SAMPLE = sorted((REPO / "data" / "sample").glob("*.txt"))
SEPTEMBER = REPO / "data/sample/2025-09-22_bao-cao-tom-tat-phien-hop-lan-4.txt"
AUGUST = REPO / "data/sample/2025-08_bao-cao-tom-tat-khcn-dmst-cds-7-thang.txt"
WAITING = "another ingest is running, waiting…"


def env_for(home: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAOCAO_")}
    return {**env, "BAOCAO_HOME": str(home), "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", **extra}


def synthetic_report(folder: Path, n: int) -> Path:
    """A small report of its own (unique content), built from the September report's lines."""
    lines = SEPTEMBER.read_text(encoding="utf-8").splitlines()[: 30 + 5 * n]
    path = folder / f"bao-cao-tong-hop-so-{n:02d}.txt"
    path.write_text("\n".join(lines) + f"\n\nĐến hết tháng {n}/2025, tỉnh Thử Nghiệm {n} có {100 + n} thủ tục trực tuyến.\n",
                    encoding="utf-8")
    return path


def ingest_process(home: Path, files: list[Path], log: Path) -> subprocess.Popen:
    """`baocao ingest FILES` in its own process; stdout to `log`.out, stderr to `log`.err."""
    return subprocess.Popen([sys.executable, "-m", "baocao", "ingest", *map(str, files)], cwd=REPO, env=env_for(home),
                            stdout=log.with_suffix(".out").open("w"), stderr=log.with_suffix(".err").open("w"))


def assert_consistent(settings: Settings, embedder, expected_names: set[str]) -> None:
    """Every committed document has exactly its chunks, and readers see those and nothing else."""
    index = open_index(settings, embedder)
    records = index.list_documents()
    assert {n for r in records for n in r.names} == expected_names
    for record in records:
        stored = index.chunks.get(where={"doc_id": record.doc_id}, include=[])["ids"]
        assert len(stored) == record.chunks > 0, record.document
    assert index.count() == sum(r.chunks for r in records)
    assert {c.doc_id for c in index.current_chunks()} == {r.doc_id for r in records}


def test_two_concurrent_ingests_of_overlapping_and_disjoint_files_lose_nothing(tmp_path, embedder):
    home = tmp_path / "home"
    first = [*SAMPLE[:3], synthetic_report(tmp_path, 1), synthetic_report(tmp_path, 2)]
    second = [*SAMPLE[2:], synthetic_report(tmp_path, 3), synthetic_report(tmp_path, 4)]
    settings = Settings(home=home)
    logs = [tmp_path / "first", tmp_path / "second"]
    with WriterLock(settings):  # both start while another writer holds the home: both wait, then take turns
        processes = [ingest_process(home, first, logs[0]), ingest_process(home, second, logs[1])]
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and any(p.poll() is None for p in processes):
            if all(WAITING in log.with_suffix(".err").read_text() for log in logs):
                break
            time.sleep(0.2)
    for process in processes:
        process.wait(timeout=600)
    outputs = [(log.with_suffix(".out").read_text(), log.with_suffix(".err").read_text()) for log in logs]
    for process, (out, err) in zip(processes, outputs):
        assert process.returncode == 0, err
        assert "database is locked" not in err
        assert err.count(WAITING) == 1
    assert_consistent(settings, embedder, {p.name for p in first + second})
    # the overlap went in once: the second writer found it unchanged
    statuses = " ".join(out for out, _ in outputs)
    assert statuses.count(f"unchanged {SAMPLE[2].name}") == 1


def test_a_second_writer_fails_clearly_after_the_configured_wait(tmp_path):
    home = tmp_path / "home"
    with WriterLock(Settings(home=home)):
        done = subprocess.run([sys.executable, "-m", "baocao", "delete", "any.pdf"], cwd=REPO, capture_output=True,
                              text=True, env=env_for(home, BAOCAO_WRITER_WAIT_S="1"), timeout=120)
    assert done.returncode != 0
    assert WAITING in done.stderr and "BAOCAO_WRITER_WAIT_S" in done.stderr
    assert "Traceback" not in done.stderr


KILLER = textwrap.dedent('''
    import os, signal, sys
    from baocao.vectorstore import lexical, store

    point = sys.argv[1]
    die = lambda: os.kill(os.getpid(), signal.SIGKILL)

    def wrap(owner, name, before=False, after=False, half=False):
        original = getattr(owner, name)
        def wrapped(self, *args, **kwargs):
            if half:  # write half of the chunks, then die
                chunks, tokens = args
                original(self, chunks[: len(chunks) // 2], tokens[: len(chunks) // 2])
                die()
            if before:
                die()
            result = original(self, *args, **kwargs)
            if after:
                die()
            return result
        setattr(owner, name, wrapped)

    if point == "chunks_half":
        wrap(store.Index, "_write_chunks", half=True)
    elif point == "before_commit":
        wrap(store.Index, "_commit", before=True)
    elif point == "after_commit":
        wrap(store.Index, "_commit", after=True)
    elif point == "saving_snapshot":
        wrap(lexical.LexicalState, "save", before=True)
    from baocao.cli import main
    sys.exit(main(["ingest", *sys.argv[2:]]))
''')


@pytest.mark.parametrize("point", ["chunks_half", "before_commit", "after_commit", "saving_snapshot"])
def test_kill_9_of_an_ingest_leaves_the_index_consistent_and_reingest_completes(point, tmp_path, embedder):
    home = tmp_path / "home"
    settings = Settings(home=home)
    ingest_paths(open_index(settings, embedder), [SEPTEMBER], settings)
    renamed = tmp_path / "bao-cao-thang-8.txt"  # the second document, under a name of its own
    shutil.copy(AUGUST, renamed)
    done = subprocess.run([sys.executable, "-c", KILLER, point, str(renamed)], cwd=REPO, env=env_for(home),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]

    committed = {SEPTEMBER.name, renamed.name} if point in ("after_commit", "saving_snapshot") else {SEPTEMBER.name}
    assert_consistent(settings, embedder, committed)  # a reader right after the crash

    report = ingest_paths(open_index(settings, embedder), [SEPTEMBER, renamed], settings)
    assert not report.failed
    assert_consistent(settings, embedder, {SEPTEMBER.name, renamed.name})
    index = open_index(settings, embedder)
    live = {r.doc_id for r in index.list_documents()}
    assert {m["doc_id"] for m in index.chunks.get(include=["metadatas"])["metadatas"]} == live  # no orphan left
    assert index.records.get(ids=["__writing__"])["metadatas"][0]["active"] == 0  # the last write finished
    assert any("Trợ lý ảo" in h.chunk.text for h in index.search_lexical("Trợ lý ảo hỗ trợ thủ tục hành chính", 10))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    pytest.importorskip("redis")
    import redis

    port = _free_port()
    process = subprocess.Popen([executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if redis.Redis.from_url(url).ping():
                break
        except redis.ConnectionError:
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_with_a_chroma_server_and_redis_the_writer_lock_is_a_redis_lock_with_a_kept_lease(redis_url, tmp_path, monkeypatch):
    from baocao.vectorstore import locks

    monkeypatch.setattr(locks, "REDIS_LEASE_S", 1.0)
    # two replicas: other homes, one (unreached) Chroma server, one Redis
    one = Settings(home=tmp_path / "a", chroma_url="http://127.0.0.1:9", redis_url=redis_url, writer_wait_s=0.5)
    two = Settings(home=tmp_path / "b", chroma_url="http://127.0.0.1:9", redis_url=redis_url, writer_wait_s=0.5)
    first, second = WriterLock(one), WriterLock(two)
    assert re.search(r"redis key baocao:baocao:writer", first.where)
    with first:
        time.sleep(2.5)  # longer than the lease: the holder keeps extending it
        assert not second.try_acquire()
        with pytest.raises(WriterBusy):
            second.acquire()
    assert second.try_acquire()
    second.release()
