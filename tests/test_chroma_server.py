"""The index against a REAL Chroma server (`chroma run` on 127.0.0.1), as with BAOCAO_CHROMA_URL.

One server for the module, started from the venv's `chroma` console script and stopped (its whole
process group) at the end. Two sample reports are ingested once into it; the tests read that state,
and the last one deletes a document, so the file's order matters.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from baocao.vectorstore.ingest_files import ingest_paths
from baocao.vectorstore.store import open_index

REPO = Path(__file__).resolve().parent.parent
AUGUST = REPO / "data/sample/2025-08_bao-cao-tom-tat-khcn-dmst-cds-7-thang.txt"
SEPTEMBER = REPO / "data/sample/2025-09-22_bao-cao-tom-tat-phien-hop-lan-4.txt"
STARTUP_TIMEOUT = 30.0
ALL = 10_000  # k larger than the index: (nearly) every chunk comes back


def chroma_executable() -> str | None:
    beside_python = Path(sys.executable).parent / "chroma"
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("chroma")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    """The server's whole process group: SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def start_server(executable: str, data: Path, log_path: Path) -> tuple[subprocess.Popen, str]:
    """`chroma run` on a free port; returns once the heartbeat answers. Retries if the port was taken."""
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    for _attempt in range(3):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = log_path.open("ab")
        process = subprocess.Popen(
            [executable, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True,  # its own process group, killed as a whole
        )
        log.close()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1.0).status_code == 200:
                    return process, url
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        stop(process)
    tail = log_path.read_text(errors="replace")[-3000:]
    pytest.fail(f"chroma server did not answer its heartbeat within {STARTUP_TIMEOUT:.0f} s:\n{tail}")


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    executable = chroma_executable()
    if executable is None:
        pytest.skip("the `chroma` executable (chromadb's console script) is not installed")
    root = tmp_path_factory.mktemp("chroma-server")
    process, url = start_server(executable, root / "data", root / "server.log")
    yield url
    stop(process)


@pytest.fixture(scope="module")
def server_index(chroma_url, tmp_path_factory, embedder):
    """An Index on the server, with the August and September reports ingested once."""
    from baocao.settings import Settings

    settings = Settings(home=tmp_path_factory.mktemp("home-a"), chroma_url=chroma_url, embeddings="always")
    index = open_index(settings, embedder)
    report = ingest_paths(index, [AUGUST, SEPTEMBER], settings)
    assert [o.status for o in report.outcomes] == ["added", "added"], report.lines()
    return index


def documents_of(hits) -> set[str]:
    return {h.chunk.document for h in hits}


def test_documents_are_listed_from_the_server(server_index):
    assert not (server_index.settings.home / "chroma").exists()  # nothing embedded: all of it is on the server
    records = server_index.list_documents()
    assert [r.document for r in records] == [AUGUST.name, SEPTEMBER.name]
    assert all(r.chunks > 10 for r in records)
    assert server_index.count() == sum(r.chunks for r in records)


def test_lexical_and_dense_search_return_chunks_of_both_files(server_index):
    lexical = server_index.search_lexical("Đề án 06 chuyển đổi số", 50)
    assert lexical and documents_of(lexical) == {AUGUST.name, SEPTEMBER.name}

    dense = server_index.search_dense("kết quả chuyển đổi số quốc gia", 5)
    assert len(dense) == 5 and documents_of(dense) <= {AUGUST.name, SEPTEMBER.name}
    assert all(-1.0 <= h.score <= 1.0 for h in dense)
    every = server_index.search_dense("kết quả chuyển đổi số quốc gia", ALL)
    ids = [h.chunk.chunk_id for h in every]
    assert len(ids) == len(set(ids))
    # HNSW is approximate: a query for "all" may miss a chunk or two, never return a dead or foreign one
    assert 0.95 * server_index.count() <= len(ids) <= server_index.count()
    assert documents_of(every) == {AUGUST.name, SEPTEMBER.name}


def test_reingest_is_unchanged(server_index):
    before = server_index.chunks.count()
    report = ingest_paths(server_index, [AUGUST, SEPTEMBER], server_index.settings)
    assert [o.status for o in report.outcomes] == ["unchanged", "unchanged"], report.lines()
    assert server_index.chunks.count() == before


def test_another_home_on_the_same_server_sees_the_same_index(server_index, chroma_url, settings_factory, tmp_path, embedder):
    other = open_index(settings_factory(home=tmp_path / "home-b", chroma_url=chroma_url), embedder)
    assert [r.document for r in other.list_documents()] == [r.document for r in server_index.list_documents()]
    # its lexical snapshot is built from the server's chunks, not copied from the first home
    hits = other.search_lexical("Đề án 06 chuyển đổi số", 50)
    assert (tmp_path / "home-b" / "lexical").is_dir()
    assert other.count() == server_index.count()
    assert {h.chunk.chunk_id for h in hits} == {
        h.chunk.chunk_id for h in server_index.search_lexical("Đề án 06 chuyển đổi số", 50)
    }
    assert documents_of(other.search_dense("kết quả chuyển đổi số quốc gia", ALL)) == {AUGUST.name, SEPTEMBER.name}


def test_delete_removes_the_documents_chunks_from_the_server(server_index, chroma_url, settings_factory, embedder):
    """Runs last in this file: it changes the shared server state."""
    august = server_index.find(AUGUST.name)
    replica = open_index(settings_factory(chroma_url=chroma_url), embedder)  # another host's home, warm
    assert replica.count() == server_index.count()
    generation = int(replica.generation())
    assert server_index.delete(AUGUST.name) is not None
    replica._checked_at = 0.0  # as if its 2-second re-check were due
    assert int(replica.generation()) == generation + 1  # the counter lives in Chroma
    assert replica.count() == server_index.count()  # refreshed from the change, not rebuilt from scratch
    assert AUGUST.name not in documents_of(replica.search_lexical("Đề án 06 chuyển đổi số", 50))
    assert [r.document for r in server_index.list_documents()] == [SEPTEMBER.name]
    assert documents_of(server_index.search_dense("kết quả chuyển đổi số quốc gia", ALL)) == {SEPTEMBER.name}
    assert AUGUST.name not in documents_of(server_index.search_lexical("Đề án 06 chuyển đổi số", 50))
    # swept from the server itself, not only filtered out
    assert server_index.chunks.get(where={"doc_id": august.doc_id}, include=[])["ids"] == []

    fresh = open_index(settings_factory(chroma_url=chroma_url, home=server_index.settings.home.parent / "fresh"), embedder)
    assert [r.document for r in fresh.list_documents()] == [SEPTEMBER.name]
    assert documents_of(fresh.search_dense("kết quả chuyển đổi số quốc gia", ALL)) == {SEPTEMBER.name}
