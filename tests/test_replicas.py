"""Stateless replicas (issue 11.5) with real servers on loopback, started here: `chroma run` (documents,
chunks), `redis-server` (conversations, rate limits, answer cache, Zalo ids, upload jobs) and two
`baocao serve` replicas A and B, each with its own BAOCAO_HOME, in front of them; a fake Zalo OA API
receives the bot's replies. The last test kills B with SIGKILL: keep it last.
"""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from baocao.api.zalo import signature
from fake_zalo import FakeZalo
from live import BaocaoServer, redis_server, redis_server_executable

ADMIN = {"Authorization": "Bearer replica-admin"}
APP_ID, OA_SECRET, APP_SECRET = "3608465249409039", "oa-secret-for-replicas", "app-secret-for-replicas"
JOB_LEASE_S = 3
REPORT = """BÁO CÁO
Tình hình chuyển đổi số tỉnh Hòa Bình quý III năm 2025

I. KẾT QUẢ ĐẠT ĐƯỢC
1. Dịch vụ công trực tuyến
Tỷ lệ hồ sơ trực tuyến toàn trình của tỉnh Hòa Bình trong quý III năm 2025 đạt 72,4%, tăng 9,1 điểm phần trăm so với quý II.
Trong quý II năm 2025, tỷ lệ hồ sơ trực tuyến toàn trình của tỉnh Hòa Bình đạt 63,3%.
2. Hạ tầng số
Tính đến ngày 30/9/2025, tỉnh Hòa Bình đã phủ sóng 5G tại 87 xã, phường.
"""
SECOND_REPORT = """BÁO CÁO
Tình hình chuyển đổi số tỉnh Sơn La quý III năm 2025

I. KẾT QUẢ ĐẠT ĐƯỢC
Tỉnh Sơn La đã số hóa 1.245.000 hồ sơ, kết quả giải quyết thủ tục hành chính tính đến ngày 30/9/2025.
Tỉnh Sơn La đã cấp 412.000 tài khoản định danh điện tử mức độ 2 cho người dân trên địa bàn.
"""


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    from test_chroma_server import chroma_executable, start_server, stop

    if redis_server_executable() is None:
        pytest.skip("redis-server is not installed and cannot be here (Debian package redis-server; `make system-deps`)")
    if chroma_executable() is None:
        pytest.fail("the `chroma` console script (chromadb) is missing: run `make install`")
    root = tmp_path_factory.mktemp("replicas")
    fake = FakeZalo(APP_ID, APP_SECRET, access_token="access-initial", refresh_token="refresh-initial").start()
    chroma, chroma_url = start_server(chroma_executable(), root / "chroma", root / "chroma.log")
    replicas = []
    try:
        with redis_server(root / "redis") as redis_url:
            shared = dict(
                chroma_url=chroma_url, redis_url=redis_url, admin_token="replica-admin", chat_rate_per_minute="0",
                job_lease_s=str(JOB_LEASE_S), zalo_app_id=APP_ID, zalo_oa_secret_key=OA_SECRET, zalo_app_secret=APP_SECRET,
                zalo_access_token="access-initial", zalo_refresh_token="refresh-initial",
                zalo_api_base=fake.base_url, zalo_oauth_url=fake.oauth_url,
            )
            replicas = [BaocaoServer(root / f"home-{name}", root / f"{name}.log", **shared) for name in ("a", "b")]
            try:
                for replica in replicas:
                    replica.wait_up(ready=True)
                yield {"a": replicas[0], "b": replicas[1], "fake": fake}
            finally:
                for replica in replicas:
                    replica.stop()
    finally:
        stop(chroma)
        fake.stop()


def upload(replica: BaocaoServer, name: str, text: str) -> dict:
    response = httpx.post(replica.url + "/api/documents", files={"file": (name, text.encode(), "text/plain")},
                          headers=ADMIN, timeout=60)
    assert response.status_code == 202, response.text
    return response.json()["job"]


def wait_job(replica: BaocaoServer, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = httpx.get(f"{replica.url}/api/documents/jobs/{job_id}", headers=ADMIN, timeout=30).json()["job"]
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} unfinished after {timeout} s: {job}\n{replica.log_tail()}")


def chat(replica: BaocaoServer, message: str, conversation_id: str | None = None) -> dict:
    body = {"message": message, **({"conversation_id": conversation_id} if conversation_id else {})}
    response = httpx.post(replica.url + "/api/chat", json=body, timeout=120)
    assert response.status_code == 200, response.text
    return response.json()


def answered_within(replica: BaocaoServer, question: str, expected: str, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        answer = chat(replica, question)
        if answer["grounded"] and expected in answer["answer"]:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"not answered within {seconds} s: {answer}")
        time.sleep(0.2)


def test_a_document_uploaded_through_a_is_answered_by_b_within_5_s(topology):
    a, b = topology["a"], topology["b"]
    job = upload(a, "hoa-binh-quy-3.txt", REPORT)
    done = wait_job(b, job["id"])  # the job (kept in Redis) is visible from either replica
    assert done["status"] == "done" and done["outcome"] == "added", done
    answer = answered_within(b, "Tỷ lệ hồ sơ trực tuyến toàn trình của tỉnh Hòa Bình quý III năm 2025?", "72,4%", 5.0)
    assert answer["citations"][0]["document"] == "hoa-binh-quy-3.txt"
    assert [d["document"] for d in httpx.get(b.url + "/api/documents").json()["documents"]] == ["hoa-binh-quy-3.txt"]


def test_a_conversation_started_on_a_continues_on_b(topology):
    a, b = topology["a"], topology["b"]
    question = "Tỷ lệ hồ sơ trực tuyến toàn trình của tỉnh Hòa Bình quý III năm 2025?"
    # A may not have seen B's write yet (replicas re-read the index generation every few seconds)
    cid = answered_within(a, question, "72,4%", 5.0)["conversation_id"]
    follow = chat(b, "Thế quý II thì sao?", cid)
    assert follow["conversation_id"] == cid
    assert "quý II" in follow.get("question", "") and "Hòa Bình" in follow["question"]  # B read A's history
    assert "63,3%" in follow["answer"]
    restored = httpx.get(f"{a.url}/api/conversations/{cid}", timeout=30).json()
    assert [t["question"] for t in restored["turns"]] == [question, "Thế quý II thì sao?"]


def test_a_zalo_event_delivered_to_both_replicas_is_answered_once(topology):
    a, b, fake = topology["a"], topology["b"], topology["fake"]
    question = "Tỉnh Hòa Bình đã phủ sóng 5G tại bao nhiêu xã, phường?"
    for replica in (a, b):  # whichever takes the event must have seen the document (within 5 s of the write)
        answered_within(replica, question, "87", 5.0)
    stamp = str(int(time.time() * 1000))
    event = {"app_id": APP_ID, "event_name": "user_send_text", "timestamp": stamp, "sender": {"id": "zalo-user-r1"},
             "recipient": {"id": "388613280878808645"},
             "message": {"text": question, "msg_id": uuid.uuid4().hex}}
    raw = json.dumps(event, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "X-ZEvent-Signature": signature(APP_ID, raw, stamp, OA_SECRET)}
    with ThreadPoolExecutor(2) as pool:  # the same delivery, to both at once
        responses = list(pool.map(lambda r: httpx.post(r.url + "/zalo/webhook", content=raw, headers=headers, timeout=30), (a, b)))
    assert sorted(r.json()["status"] for r in responses) == ["duplicate", "queued"]
    deadline = time.monotonic() + 60
    while not fake.texts_to("zalo-user-r1") and time.monotonic() < deadline:
        time.sleep(0.1)
    replies = fake.texts_to("zalo-user-r1")
    assert replies and "87" in replies[0]
    time.sleep(2.0)  # room for a second, wrong reply to arrive
    assert len(fake.texts_to("zalo-user-r1")) == len(replies) == 1


def test_a_replica_killed_mid_request_loses_nothing(topology):
    """B takes an upload and is killed (SIGKILL) while it works on it, with a question in flight; A takes the
    job up once B's lease runs out, and B's conversation is still there."""
    a, b = topology["a"], topology["b"]
    conversation = chat(b, "Tỉnh Hòa Bình đã phủ sóng 5G tại bao nhiêu xã, phường?")["conversation_id"]
    job = upload(b, "son-la-quy-3.txt", SECOND_REPORT)
    with ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(httpx.post, b.url + "/api/chat", json={"message": "Sơn La đã số hóa bao nhiêu hồ sơ?"}, timeout=60)
        time.sleep(0.3)
        b.kill()
        try:
            in_flight.result()
        except httpx.HTTPError:
            pass  # the question asked of the dead replica is lost with its connection; nothing stored is
    done = wait_job(a, job["id"], timeout=180)
    assert done["status"] == "done" and done["outcome"] in ("added", "unchanged"), done
    answer = answered_within(a, "Tỉnh Sơn La đã số hóa bao nhiêu hồ sơ, kết quả giải quyết thủ tục hành chính?", "1.245.000", 10.0)
    assert answer["citations"][0]["document"] == "son-la-quy-3.txt"
    assert sorted(d["document"] for d in httpx.get(a.url + "/api/documents").json()["documents"]) == [
        "hoa-binh-quy-3.txt", "son-la-quy-3.txt"]
    turns = httpx.get(f"{a.url}/api/conversations/{conversation}", timeout=30).json()["turns"]
    assert len(turns) == 1 and "87" in turns[0]["answer"]["answer"]
