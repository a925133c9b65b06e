"""Several API processes on ONE BAOCAO_HOME (issue 10.2): two `baocao serve` take uploads at the same time;
the home's writer lock serialises them across the processes, so every document is in with exactly its
chunks, and each server answers from what the other wrote."""

from __future__ import annotations

import threading
import time
from collections import Counter

import httpx

from baocao.settings import Settings
from live import BaocaoServer
from test_concurrency import ADMIN, ADMIN_TIMEOUT, PROVINCES, Story, report, wait_job


def answered_within(server: BaocaoServer, question: str, document: str, seconds: float = 10.0) -> dict | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = httpx.post(server.url + "/api/chat", json={"message": question}, timeout=120).json()
        if any(c["document"] == document for c in answer["citations"]):
            return answer
        time.sleep(0.5)
    return None


def test_two_servers_on_one_home_take_uploads_at_once_and_lose_nothing(tmp_path):
    from baocao.vectorstore.store import open_index

    home = tmp_path / "home"
    story = Story()
    servers = [BaocaoServer(home, tmp_path / f"server-{n}.log", admin_token="concurrency-admin",
                            chat_rate_per_minute="0", api_answer_cache="0") for n in range(2)]
    finished: list[dict] = []
    errors: list[str] = []

    def upload(server: BaocaoServer, n: int) -> None:
        with httpx.Client(base_url=server.url, headers=ADMIN, timeout=ADMIN_TIMEOUT) as api:
            try:
                response = api.post("/api/documents", files={
                    "file": (f"tai-len-{n}.txt", report(PROVINCES[n], n).encode(), "text/plain")})
                story.note(f"upload {n} to {server.url} -> {response.status_code}")
                finished.append(wait_job(api, response.json()["job"]["id"], story))
            except (httpx.HTTPError, KeyError, ValueError) as exc:
                errors.append(f"upload {n}: {exc!r}")

    try:
        for server in servers:
            server.wait_up(ready=True)
        threads = [threading.Thread(target=upload, args=(servers[n % 2], n)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        logs = "\n".join(s.log_tail(3000) for s in servers)
        assert not errors, f"{errors}\n{story()}\n{logs}"
        assert sorted(j["status"] for j in finished) == ["done"] * 4, f"{finished}\n{story()}\n{logs}"
        # what one server took in, the other answers, once it has re-read the index generation (every 2 s)
        for n, server in enumerate(servers):
            province = PROVINCES[(n + 1) % 2]  # uploaded through the other server
            answer = answered_within(server, f"Tỉnh {province} đã phủ sóng 5G tại bao nhiêu xã?", f"tai-len-{(n + 1) % 2}.txt")
            assert answer is not None, f"{server.url} never cited tai-len-{(n + 1) % 2}.txt\n{story()}"
    finally:
        for server in servers:
            server.stop()

    index = open_index(Settings(home=home))
    records = {r.document: r for r in index.list_documents()}
    assert set(records) == {f"tai-len-{n}.txt" for n in range(4)}, sorted(records)
    stored = Counter(c.doc_id for c in index.all_chunks())
    for record in records.values():
        assert record.chunks == stored[record.doc_id] > 0, (record, stored[record.doc_id])
    assert index.chunks.count() == sum(stored.values())  # no orphan, nothing half-written
