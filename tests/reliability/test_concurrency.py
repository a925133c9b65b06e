"""Concurrent writers and readers on ONE BAOCAO_HOME (issue 10, "a concurrency test"):

- two `baocao ingest` processes over overlapping and disjoint file sets (the second starts while the
  first runs),
- a `baocao serve` on the same home taking two uploads and a delete through the API,
- 8 clients asking questions the whole time.

Then every document is in with exactly its chunks (as many as parsing the file gives, as many as its
commit record says, no orphan), the deleted upload is gone, and no request got a 5xx.

The cross-process writer lock is the index's (vectorstore/locks.py, issue 10.2); without it two writers
on one home lose documents, which is what this test is for.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from live import REPO, BaocaoServer, server_env

ADMIN = {"Authorization": "Bearer concurrency-admin"}
SAMPLE = REPO / "data" / "sample"
SHARED = SAMPLE / "2025-08_bao-cao-tom-tat-khcn-dmst-cds-7-thang.txt"  # in both ingests
PROVINCES = ["Lai Châu", "Điện Biên", "Hà Giang", "Cao Bằng", "Bắc Kạn"]
QUESTIONS = [
    "Tỉnh nào chưa thành lập Ban Chỉ đạo?", "Tốc độ Internet di động tháng 10/2025?",
    "Tỉnh Lai Châu đã phủ sóng 5G tại bao nhiêu xã?", "Tỷ lệ hồ sơ trực tuyến toàn trình của tỉnh Điện Biên?",
    "Bộ Công an chủ trì những nhiệm vụ nào?", "Đề án 06 đạt kết quả gì?", "tinh nao chua thanh lap ban chi dao",
    "Sở Khoa học và Công nghệ tỉnh Hà Giang chủ trì nhiệm vụ gì?",
]



def report(province: str, n: int) -> str:
    return f"""BÁO CÁO
Tình hình chuyển đổi số tỉnh {province} quý III năm 2025

I. KẾT QUẢ ĐẠT ĐƯỢC
1. Hạ tầng số
Tính đến ngày 30/9/2025, tỉnh {province} đã phủ sóng 5G tại {40 + n} xã, phường; tỷ lệ hộ gia đình có kết nối Internet cáp quang đạt {80 + n},5%.
2. Dịch vụ công trực tuyến
Tỷ lệ hồ sơ trực tuyến toàn trình của tỉnh {province} trong quý III năm 2025 đạt {60 + n},{n}%, tăng {n},2 điểm phần trăm so với quý II.
II. NHIỆM VỤ TRỌNG TÂM QUÝ IV
Sở Khoa học và Công nghệ tỉnh {province} chủ trì triển khai ứng dụng định danh điện tử trong giải quyết thủ tục hành chính.
Văn phòng Ủy ban nhân dân tỉnh {province} chủ trì vận hành Hệ thống thông tin giải quyết thủ tục hành chính của tỉnh.
"""


def run_ingest(home: Path, files: list[Path], out: dict, key: str) -> None:
    out[key] = subprocess.run([sys.executable, "-m", "baocao", "ingest", *map(str, files)], env=server_env(home),
                              cwd=REPO, capture_output=True, text=True, timeout=900)


async def ask_until(url: str, stop: threading.Event, statuses: Counter) -> None:
    async def client_loop(n: int, client: httpx.AsyncClient) -> None:
        i = n
        while not stop.is_set():
            try:
                response = await client.post("/api/chat", json={"message": QUESTIONS[i % len(QUESTIONS)]})
                statuses[response.status_code] += 1
            except httpx.HTTPError as exc:
                statuses[type(exc).__name__] += 1
            i += 1
            await asyncio.sleep(1.5)  # 8 readers all along, without starving the writers of the 2 cores

    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        await asyncio.gather(*(client_loop(n, client) for n in range(8)))


def test_concurrent_ingests_uploads_deletes_and_questions_lose_nothing(tmp_path):
    from baocao.settings import Settings
    from baocao.vectorstore.ingest_files import parse
    from baocao.vectorstore.store import open_index

    files = tmp_path / "files"
    files.mkdir()
    generated = []
    for n, province in enumerate(PROVINCES[:3]):
        path = files / f"bao-cao-{n}.txt"
        path.write_text(report(province, n), encoding="utf-8")
        generated.append(path)
    first_set, second_set = [SHARED, generated[0]], [SHARED, *generated[1:]]
    home = tmp_path / "home"
    server = BaocaoServer(home, tmp_path / "server.log", admin_token="concurrency-admin", chat_rate_per_minute="0",
                          api_answer_cache="0")
    try:
        marks = {"start": time.monotonic()}
        server.wait_up(ready=True)
        marks["ready"] = time.monotonic()
        stop, statuses = threading.Event(), Counter()
        askers = threading.Thread(target=lambda: asyncio.run(ask_until(server.url, stop, statuses)), daemon=True)
        askers.start()

        results: dict[str, subprocess.CompletedProcess] = {}
        ingests = [threading.Thread(target=run_ingest, args=(home, first_set, results, "first"))]
        ingests[0].start()
        time.sleep(1.0)  # the second writer arrives while the first one works
        ingests.append(threading.Thread(target=run_ingest, args=(home, second_set, results, "second")))
        ingests[1].start()

        api_statuses = Counter()
        with httpx.Client(base_url=server.url, headers=ADMIN, timeout=120) as api:
            jobs = []
            for n, province in ((3, PROVINCES[3]), (4, PROVINCES[4])):
                response = api.post("/api/documents", files={"file": (f"tai-len-{n}.txt", report(province, n).encode(), "text/plain")})
                api_statuses[response.status_code] += 1
                jobs.append(response.json()["job"]["id"])
            finished = [wait_job(api, job) for job in jobs]
            deleted = api.delete(f"/api/documents/{finished[1]['doc_id']}")
            api_statuses[deleted.status_code] += 1
        marks["api done"] = time.monotonic()
        for thread in ingests:
            thread.join()
        marks["ingests done"] = time.monotonic()
        stop.set()
        askers.join(120)
    finally:
        server.stop()

    print({k: round(v - marks["start"], 1) for k, v in marks.items()}, dict(statuses))
    for key, done in results.items():
        assert done.returncode == 0, f"{key} ingest: {done.stdout[-1000:]}\n{done.stderr[-2000:]}"
    assert [j["status"] for j in finished] == ["done", "done"], finished
    assert api_statuses == Counter({202: 2, 200: 1}), api_statuses
    assert statuses and not [s for s in statuses if not isinstance(s, int) or s >= 500], statuses

    settings = Settings(home=home)
    index = open_index(settings)
    records = {r.document: r for r in index.list_documents()}
    expected = {p.name for p in [*first_set, *second_set]} | {"tai-len-3.txt"}
    assert set(records) == expected, f"documents in the index: {sorted(records)}"
    stored = Counter(c.doc_id for c in index.all_chunks())
    for path in [*first_set, *second_set]:
        parsed = parse(path, settings)
        record = records[path.name]
        assert record.chunks == len(parsed.chunks) == stored[record.doc_id], (path.name, record, stored[record.doc_id])
    assert sum(stored.values()) == sum(r.chunks for r in records.values())  # no orphan, nothing half-written
    assert index.chunks.count() == sum(stored.values())


def wait_job(api: httpx.Client, job_id: str, timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = api.get(f"/api/documents/jobs/{job_id}").json()["job"]
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} unfinished: {job}")
