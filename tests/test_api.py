"""The HTTP API with real parts: FastAPI's TestClient over the real sample index (read-only), a fresh
index for uploads and deletes, and once a real `chroma run` server on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

import pytest
from fastapi.testclient import TestClient

from baocao.api.app import create_app
from baocao.assistant.service import Assistant

ADMIN = {"Authorization": "Bearer admin-secret"}
SSE = {"Accept": "text/event-stream"}
LIST_QUESTION = "Tỉnh nào chưa thành lập Ban Chỉ đạo?"
SPEED_QUESTION = "Tốc độ Internet di động tháng 10/2025?"

REPORT = """BÁO CÁO
Tình hình chuyển đổi số tỉnh Hòa Bình quý III năm 2025

I. KẾT QUẢ ĐẠT ĐƯỢC
1. Hạ tầng số
Tính đến ngày 30/9/2025, tỉnh Hòa Bình đã phủ sóng 5G tại 87 xã, phường; tỷ lệ hộ gia đình có kết nối Internet cáp quang đạt 91,3%.
Tỉnh đã hoàn thành nâng cấp Trung tâm dữ liệu tỉnh và kết nối với Nền tảng tích hợp, chia sẻ dữ liệu quốc gia.
2. Dịch vụ công trực tuyến
Tỷ lệ hồ sơ trực tuyến toàn trình của tỉnh Hòa Bình trong quý III năm 2025 đạt 72,4%, tăng 9,1 điểm phần trăm so với quý II.
Các sở, ngành và Ủy ban nhân dân cấp xã tiếp tục rà soát, cắt giảm thủ tục hành chính, số hóa hồ sơ, kết quả giải quyết.
II. NHIỆM VỤ TRỌNG TÂM QUÝ IV
Sở Khoa học và Công nghệ chủ trì triển khai ứng dụng định danh điện tử trong giải quyết thủ tục hành chính.
Văn phòng Ủy ban nhân dân tỉnh chủ trì vận hành Hệ thống thông tin giải quyết thủ tục hành chính của tỉnh.
"""


def sse_events(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip())
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events


@pytest.fixture(scope="module")
def assistant(sample_index):
    return Assistant.from_settings(sample_index.settings, index=sample_index)


@pytest.fixture(scope="module")
def client(assistant, tmp_path_factory):
    from baocao.settings import Settings

    settings = Settings(home=tmp_path_factory.mktemp("api-home"), chat_rate_per_minute=0)
    with TestClient(create_app(settings, assistant)) as test_client:
        yield test_client


def make_client(assistant, settings_factory, **overrides) -> TestClient:
    return TestClient(create_app(settings_factory(**overrides), assistant))


# ------------------------------------------------------------------------------ chat


def test_chat_answers_with_citations_as_the_contract_says(client):
    response = client.post("/api/chat", json={"message": LIST_QUESTION})
    assert response.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{16}", response.headers["x-request-id"])
    body = response.json()
    assert body["grounded"] is True and body["conversation_id"]
    assert {"An Giang", "Hải Phòng", "Yên Bái"} <= set(body["items"]) and len(body["items"]) == 20
    assert body["citations"], body
    for c in body["citations"]:
        assert {"marker", "document", "title", "section", "page", "quote", "chunk_id"} <= set(c) | {"page"}
        assert c["quote"] in c["text"]  # the widget highlights the quote inside the whole passage
        assert f"[{c['marker']}]" in body["answer"]
    assert body["as_of"] == "2025-03-26"


def test_a_follow_up_continues_the_conversation(client):
    first = client.post("/api/chat", json={"message": SPEED_QUESTION}).json()
    follow = client.post("/api/chat", json={"message": "Thế tháng 8 thì sao?", "conversation_id": first["conversation_id"]})
    assert follow.status_code == 200
    body = follow.json()
    assert body["conversation_id"] == first["conversation_id"]
    assert "8/2025" in body.get("question", "")  # rewritten into a standalone question from the history


def test_streaming_sends_text_then_the_whole_answer_with_its_citations(client):
    plain = client.post("/api/chat", json={"message": LIST_QUESTION}).json()
    with client.stream("POST", "/api/chat", json={"message": LIST_QUESTION}, headers=SSE) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    events = sse_events(text)
    names = [name for name, _ in events]
    assert names[-1] == "answer" and names.count("answer") == 1 and "delta" in names
    assert set(names) == {"delta", "answer"}
    streamed = "".join(data["text"] for name, data in events if name == "delta")
    final = events[-1][1]
    assert streamed.strip() == final["answer"].strip()
    assert final["citations"] == plain["citations"] and final["items"] == plain["items"]
    assert final["conversation_id"] and final["conversation_id"] != plain["conversation_id"]


def test_a_stream_follow_up_keeps_citations(client):
    first = client.post("/api/chat", json={"message": SPEED_QUESTION}).json()
    body = {"message": "Thế tháng 8 thì sao?", "conversation_id": first["conversation_id"]}
    with client.stream("POST", "/api/chat", json=body, headers=SSE) as response:
        events = sse_events("".join(response.iter_text()))
    final = events[-1]
    assert final[0] == "answer" and final[1]["conversation_id"] == first["conversation_id"]
    assert final[1]["citations"] or not final[1]["grounded"]


def test_a_question_the_reports_do_not_answer_is_not_grounded(client):
    body = client.post("/api/chat", json={"message": "Giá vàng SJC hôm nay là bao nhiêu?"}).json()
    assert body["grounded"] is False
    assert body["answer"].startswith("Không tìm thấy")


def test_search_returns_the_cli_shape(client):
    response = client.post("/api/search", json={"query": "tốc độ Internet di động", "k": 3})
    results = response.json()["results"]
    assert response.status_code == 200 and len(results) == 3
    assert {"text", "document", "title", "section", "page", "as_of", "score", "chunk_id"} <= set(results[0])
    assert any("Mbps" in r["text"] for r in results)


def test_health_tells_index_size_models_and_versions(client):
    body = client.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["documents"] == 5 and body["chunks"] > 100
    assert body["embedding_model"] and body["generator"] == "extractive"
    assert {"python", "fastapi", "chromadb"} <= set(body["versions"])
    assert body["store"] == "embedded chroma"


def test_openapi_docs_and_the_page_work_without_a_cdn(client):
    docs = client.get("/docs")
    assert docs.status_code == 200 and "cdn" not in docs.text.lower()
    css = re.search(r'href="([^"]+swagger-ui\.css)"', docs.text).group(1)
    assert client.get(css).status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/chat", "/api/search", "/api/documents", "/api/documents/{document_id}", "/api/health", "/zalo/webhook"} <= set(paths)

    page = client.get("/")
    assert page.status_code == 200 and 'src="widget.js"' in page.text and 'lang="vi"' in page.text
    widget = client.get("/widget.js")
    assert widget.headers["content-type"].startswith("application/javascript")
    code = "\n".join(line for line in widget.text.splitlines() if not line.lstrip().startswith(("*", "/*", "//")))
    code = code.replace("http://www.w3.org/2000/svg", "")  # the SVG namespace name, not a download
    assert not re.search(r"https?://", code), "the widget must not load anything from outside"


# ------------------------------------------------------------------------------ errors, limits, access


def test_errors_have_one_shape_and_fitting_status_codes(client):
    cases = [
        (client.get("/api/nothing-here"), 404, "not_found"),
        (client.get("/api/chat"), 405, "method_not_allowed"),
        (client.post("/api/chat", json={"conversation_id": "x"}), 422, "invalid_request"),
        (client.post("/api/chat", json={"message": "   "}), 422, "invalid_request"),
        (client.post("/api/chat", json={"message": "hỏi", "conversation_id": "../../etc"}), 422, "invalid_request"),
        (client.post("/api/chat", json={"message": "hỏi", "conversation_id": "zalo:123"}), 422, "invalid_request"),
        (client.post("/api/chat", json={"message": "chuyển đổi số " * 300}), 413, "message_too_long"),
        (client.post("/api/chat", content=b'{"message": "' + b"a" * 70_000 + b'"}',
                     headers={"Content-Type": "application/json"}), 413, "payload_too_large"),
        (client.post("/api/search", json={"query": "x", "k": 500}), 422, "invalid_request"),
        (client.get("/api/documents/jobs/nope"), 403, "admin_disabled"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, (response.request.url, response.text)
        assert set(response.json()) == {"error"} and response.json()["error"]["code"] == code
        assert not response.json()["error"]["message"].isascii(), "messages are in Vietnamese"


def test_a_failure_is_a_500_without_a_stack_trace_and_logged_with_the_request_id(sample_index, settings_factory, caplog):
    class FailingAssistant(Assistant):  # a fault injected into the real assistant, under both ask and stream
        def answer_query(self, query):
            raise RuntimeError("secret internal detail /srv/baocao")

    broken = FailingAssistant.from_settings(sample_index.settings, index=sample_index)
    with TestClient(create_app(settings_factory(api_answer_cache=0), broken), raise_server_exceptions=False) as c, \
            caplog.at_level(logging.ERROR, logger="baocao.api"):
        response = c.post("/api/chat", json={"message": SPEED_QUESTION}, headers={"X-Request-ID": "req-abc-123"})
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "internal_error"
        assert "req-abc-123" in response.json()["error"]["message"]
        assert "secret" not in response.text and "Traceback" not in response.text
        assert response.headers["x-request-id"] == "req-abc-123"

        with c.stream("POST", "/api/chat", json={"message": SPEED_QUESTION}, headers={**SSE, "X-Request-ID": "req-sse-1"}) as s:
            events = sse_events("".join(s.iter_text()))
        assert events == [("error", {"error": {"code": "internal_error", "message": events[0][1]["error"]["message"]}})]
        assert "secret" not in json.dumps(events)
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert {r.request_id for r in failures} >= {"req-abc-123", "req-sse-1"}
    assert any("secret internal detail" in (r.exc_text or "") for r in failures)  # the detail stays in the logs


def test_chat_can_require_a_token(assistant, settings_factory):
    with make_client(assistant, settings_factory, chat_token="chat-secret", admin_token="admin-secret") as c:
        denied = c.post("/api/chat", json={"message": SPEED_QUESTION})
        assert denied.status_code == 401 and denied.json()["error"]["code"] == "unauthorized"
        assert c.post("/api/search", json={"query": "x"}).status_code == 401
        assert c.post("/api/chat", json={"message": SPEED_QUESTION}, headers={"Authorization": "Bearer wrong"}).status_code == 401
        ok = c.post("/api/chat", json={"message": SPEED_QUESTION}, headers={"Authorization": "Bearer chat-secret"})
        assert ok.status_code == 200
        assert c.post("/api/search", json={"query": "x"}, headers=ADMIN).status_code == 200
        assert c.get("/api/health").status_code == 200  # health stays open for monitoring


def test_the_original_file_follows_the_chat_token(assistant, settings_factory, sample_files):
    """`GET /api/documents/{id}/file` is behind the same rule as chat: 401 without the token, the file with it."""
    with make_client(assistant, settings_factory, chat_token="chat-secret") as c:
        token = {"Authorization": "Bearer chat-secret"}
        record = next(d for d in c.get("/api/documents", headers=token).json()["documents"]
                      if d["document"] == sample_files[0].name)
        url = f"/api/documents/{record['doc_id']}/file"
        denied = c.get(url)
        assert denied.status_code == 401 and denied.json()["error"]["code"] == "unauthorized"
        assert c.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
        served = c.get(url, headers=token)
        assert served.status_code == 200 and served.headers["content-type"].startswith("text/plain")
        assert served.content == sample_files[0].read_bytes()
        assert c.get(f"/api/documents/{sample_files[0].name}/file", headers=token).content == served.content  # by name too


def test_chat_is_rate_limited_per_client(assistant, settings_factory):
    with make_client(assistant, settings_factory, chat_rate_per_minute=6, chat_rate_burst=2, trust_forwarded_for=True) as c:
        one = {"X-Forwarded-For": "10.0.0.1"}
        statuses = [c.post("/api/search", json={"query": "Đề án 06"}, headers=one).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        limited = c.post("/api/chat", json={"message": SPEED_QUESTION}, headers=one)
        assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(limited.headers["retry-after"]) <= 10
        assert c.post("/api/chat", json={"message": SPEED_QUESTION}, headers={"X-Forwarded-For": "10.0.0.2"}).status_code == 200


def test_cors_lets_the_configured_sites_embed_the_widget(assistant, settings_factory):
    with make_client(assistant, settings_factory, cors_origins="http://intranet.example, http://cong.example") as c:
        preflight = c.options("/api/chat", headers={
            "Origin": "http://intranet.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,authorization",
        })
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "http://intranet.example"
        other = c.options("/api/chat", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in other.headers
        answer = c.post("/api/chat", json={"message": SPEED_QUESTION}, headers={"Origin": "http://cong.example"})
        assert answer.headers["access-control-allow-origin"] == "http://cong.example"


# ------------------------------------------------------------------------------ documents


@pytest.fixture
def docs_client(embedder, settings_factory):
    from baocao.vectorstore.store import open_index

    settings = settings_factory(admin_token="admin-secret", max_file_mb=0.05)
    index = open_index(settings, embedder)
    with TestClient(create_app(settings, Assistant.from_settings(settings, index=index))) as c:
        yield c


def upload(c, name: str, content: bytes, headers=ADMIN):
    return c.post("/api/documents", files={"file": (name, content, "text/plain")}, headers=headers)


def wait_job(c, job_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = c.get(f"/api/documents/jobs/{job_id}", headers=ADMIN).json()["job"]
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_upload_is_ingested_in_the_background_then_answered_and_deleted(docs_client, settings_factory):
    c = docs_client
    data = REPORT.encode("utf-8")
    assert upload(c, "bao-cao.txt", data, headers={}).status_code == 401
    assert upload(c, "bao-cao.txt", data, headers={"Authorization": "Bearer nope"}).status_code == 401

    accepted = upload(c, "../../etc/Báo cáo Hòa Bình quý III.txt", data)
    assert accepted.status_code == 202, accepted.text
    job = accepted.json()["job"]
    assert accepted.headers["location"] == job["url"] == f"/api/documents/jobs/{job['id']}"
    assert job["filename"] == "Báo cáo Hòa Bình quý III.txt"  # the client's folders are gone
    assert job["status"] in ("queued", "running", "done") and 0 <= job["progress"] <= 1
    done = wait_job(c, job["id"])
    assert done["status"] == "done" and done["outcome"] == "added" and done["progress"] == 1.0 and done["chunks"] >= 1

    home = settings_factory().home
    stored = [p for p in (home / "uploads").rglob("*") if p.is_file()]
    assert [p.name for p in stored] == ["Báo cáo Hòa Bình quý III.txt"]
    assert stored[0].parent.parent == home / "uploads"
    assert not (home.parent / "etc").exists()

    listed = c.get("/api/documents").json()
    assert [d["document"] for d in listed["documents"]] == ["Báo cáo Hòa Bình quý III.txt"]
    doc_id = listed["documents"][0]["doc_id"]

    answer = c.post("/api/chat", json={"message": "Tỷ lệ hồ sơ trực tuyến toàn trình của tỉnh Hòa Bình quý III?"}).json()
    assert answer["grounded"] and "72,4%" in answer["answer"]
    assert answer["citations"][0]["document"] == "Báo cáo Hòa Bình quý III.txt"

    again = upload(c, "another-name.txt", data)  # the same bytes under any name: recognised, not ingested twice
    assert again.status_code == 200
    assert again.json()["job"]["duplicate"] is True and again.json()["job"]["duplicate_of"] == "Báo cáo Hòa Bình quý III.txt"
    assert len(c.get("/api/documents").json()["documents"]) == 1
    assert len(c.get("/api/documents/jobs", headers=ADMIN).json()["jobs"]) == 2

    assert c.delete(f"/api/documents/{doc_id}").status_code == 401
    deleted = c.delete(f"/api/documents/{doc_id}", headers=ADMIN)
    assert deleted.status_code == 200 and deleted.json()["deleted"]["doc_id"] == doc_id
    assert c.get("/api/documents").json()["documents"] == []
    assert not (home / "uploads" / doc_id).exists()
    assert c.delete(f"/api/documents/{doc_id}", headers=ADMIN).status_code == 404
    gone = c.post("/api/chat", json={"message": "Tỷ lệ hồ sơ trực tuyến toàn trình của tỉnh Hòa Bình quý III?"}).json()
    assert gone["grounded"] is False


def test_a_delete_while_another_writer_holds_the_index_past_the_wait_is_a_503_and_changes_nothing(embedder, settings_factory):
    """Another writer (a `baocao ingest` on the same home) holding the index for longer than BAOCAO_WRITER_WAIT_S:
    the delete gives up with 503 `index_busy` and Retry-After (it was an unhandled 500), and the document stays."""
    from baocao.vectorstore.locks import WriterLock
    from baocao.vectorstore.store import open_index

    settings = settings_factory(admin_token="admin-secret", writer_wait_s=0.3)
    index = open_index(settings, embedder)
    with TestClient(create_app(settings, Assistant.from_settings(settings, index=index))) as c:
        job = wait_job(c, upload(c, "bao-cao.txt", REPORT.encode("utf-8")).json()["job"]["id"])
        assert job["status"] == "done", job
        with WriterLock(settings):  # its own lock file handle: another writer, as another process would be
            busy = c.delete(f"/api/documents/{job['doc_id']}", headers=ADMIN)
        assert busy.status_code == 503, busy.text
        assert busy.json()["error"]["code"] == "index_busy" and busy.headers["retry-after"]
        assert [d["doc_id"] for d in c.get("/api/documents").json()["documents"]] == [job["doc_id"]]
        deleted = c.delete(f"/api/documents/{job['doc_id']}", headers=ADMIN)
        assert deleted.status_code == 200, deleted.text
        assert c.get("/api/documents").json()["documents"] == []


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed (make runtime-deps)")
def test_a_scanned_upload_reports_its_ocr_stage_and_progress(embedder, settings_factory, tmp_path):
    from test_loaders import SCAN_TEXT, scan_image_pdf

    from baocao.vectorstore.store import open_index

    settings = settings_factory(admin_token="admin-secret")
    scan = scan_image_pdf(tmp_path / "ban-scan.pdf", SCAN_TEXT).read_bytes()
    with TestClient(create_app(settings, Assistant.from_settings(settings, index=open_index(settings, embedder)))) as c:
        job = c.post("/api/documents", files={"file": ("ban-scan.pdf", scan, "application/pdf")}, headers=ADMIN).json()["job"]
        seen: list[tuple[str, float]] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            state = c.get(f"/api/documents/jobs/{job['id']}", headers=ADMIN).json()["job"]
            seen.append((state["stage"], state["progress"]))
            if state["status"] in ("done", "failed"):
                break
            time.sleep(0.05)

    assert state["status"] == "done", state
    stages = [stage for stage, _ in seen]
    assert "ocr" in stages  # the admin page shows "Đang nhận dạng chữ (OCR)" while Tesseract reads the page
    assert stages.index("ocr") < stages.index("finished")
    progress = [p for _, p in seen]
    assert progress == sorted(progress) and progress[-1] == 1.0


def test_bad_uploads_are_refused_clearly(docs_client):
    c = docs_client
    cases = [
        (upload(c, "virus.exe", b"MZ..."), 415, "unsupported_type"),
        (upload(c, "empty.txt", b""), 400, "empty_file"),
        (upload(c, "huge.txt", "chuyển đổi số ".encode() * 10_000), 413, "payload_too_large"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, response.text
        assert response.json()["error"]["code"] == code
    broken = upload(c, "hỏng.pdf", b"%PDF-1.4 this is not really a pdf")
    assert broken.status_code == 202
    job = wait_job(c, broken.json()["job"]["id"])
    assert job["status"] == "failed" and job["outcome"] == "failed"
    assert job["message"].startswith("hỏng.pdf") and "Traceback" not in job["message"]
    assert c.get("/api/documents").json()["documents"] == []


def test_uploads_are_off_without_an_admin_token(client):
    response = upload(client, "bao-cao.txt", REPORT.encode(), headers=ADMIN)
    assert response.status_code == 403 and response.json()["error"]["code"] == "admin_disabled"


# ------------------------------------------------------------------------------ a real Chroma server, once


def test_the_api_over_a_chroma_server(embedder, tmp_path):
    """BAOCAO_CHROMA_URL: upload, search, chat and delete through the API, with the store in `chroma run`."""
    from baocao.settings import Settings
    from test_chroma_server import chroma_executable, start_server, stop
    from baocao.vectorstore.store import open_index

    executable = chroma_executable()
    if executable is None:
        pytest.fail("the `chroma` console script (chromadb) is missing: run `make install`")
    process, url = start_server(executable, tmp_path / "chroma-data", tmp_path / "chroma.log")
    try:
        settings = Settings(home=tmp_path / "home", chroma_url=url, admin_token="admin-secret")
        assistant = Assistant.from_settings(settings, index=open_index(settings, embedder))
        with TestClient(create_app(settings, assistant)) as c:
            assert c.get("/api/health").json()["store"] == f"chroma server {url}"
            job = wait_job(c, upload(c, "hoa-binh.txt", REPORT.encode()).json()["job"]["id"])
            assert job["outcome"] == "added", job
            assert not (tmp_path / "home" / "chroma").exists()  # nothing embedded
            health = c.get("/api/health").json()
            assert health["documents"] == 1 and health["chunks"] == job["chunks"]
            results = c.post("/api/search", json={"query": "phủ sóng 5G", "k": 2}).json()["results"]
            assert results[0]["document"] == "hoa-binh.txt" and "5G" in results[0]["text"]
            answer = c.post("/api/chat", json={"message": "Tỉnh Hòa Bình đã phủ sóng 5G tại bao nhiêu xã, phường?"}).json()
            assert answer["grounded"] and "87" in answer["answer"]
            assert c.delete("/api/documents/hoa-binh.txt", headers=ADMIN).status_code == 200
        # another API process on the same server sees the same (now empty) index
        assert open_index(Settings(home=tmp_path / "home2", chroma_url=url), embedder).list_documents() == []
    finally:
        stop(process)


# ------------------------------------------------------------------------------ start-up, limits, OpenAPI (issue 10)


def test_health_says_not_ready_until_the_warm_up_is_done_and_questions_wait_for_it(assistant, settings_factory, monkeypatch):
    import baocao.api.app as app_module

    release = threading.Event()
    real_warm_up = app_module.warm_up
    monkeypatch.setattr(app_module, "warm_up", lambda a: (release.wait(60), real_warm_up(a)))
    with make_client(assistant, settings_factory, api_answer_cache=0) as c:
        health = c.get("/api/health").json()
        assert health["status"] == "ok" and health["ready"] is False
        answered = {}
        asking = threading.Thread(target=lambda: answered.update(r=c.post("/api/chat", json={"message": SPEED_QUESTION})))
        asking.start()
        asking.join(1.0)
        assert asking.is_alive(), "a question during the warm-up must wait for it"
        release.set()
        asking.join(60)
        assert answered["r"].status_code == 200 and answered["r"].json()["grounded"]
        assert c.get("/api/health").json()["ready"] is True


def test_a_chunked_body_over_the_limit_is_413_not_400(client):
    def chunked():  # no Content-Length: the limit can only be seen while reading
        yield b'{"message": "'
        for _ in range(80):
            yield b"a" * 1024
        yield b'"}'

    response = client.post("/api/chat", content=chunked(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "payload_too_large"


def test_a_deeply_nested_body_is_a_client_error(client):
    response = client.post("/api/chat", content=b"[" * 20000 + b"]" * 20000, headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422) and set(response.json()) == {"error"}


def test_an_upload_without_a_token_is_refused_before_its_body_is_read(embedder, settings_factory):
    """Raw HTTP on a real socket: headers and a few bytes of a 60 KB upload, then wait. The 401 must come back
    while the rest of the body is still unsent (main read the whole body first, up to 40 MB)."""
    from baocao.vectorstore.store import open_index
    from live import uvicorn_in_thread

    settings = settings_factory(admin_token="admin-secret", max_file_mb=0.1)
    app = create_app(settings, Assistant.from_settings(settings, index=open_index(settings, embedder)))
    with uvicorn_in_thread(app) as (host, port):
        def first_response(headers: bytes, body_start: bytes) -> bytes:
            with socket.create_connection((host, port), timeout=15) as sock:
                sock.sendall(headers + body_start)
                return sock.recv(65536)

        head = (b"POST /api/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n"
                b"Content-Length: 60000\r\n\r\n")
        part = b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n'
        refused = first_response(head, part + b"chuyen doi so " * 10)
        assert refused.startswith(b"HTTP/1.1 401"), refused[:200]
        assert b'"unauthorized"' in refused

        chunked = (b"POST /api/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer admin-secret\r\n"
                   b"Content-Type: multipart/form-data; boundary=XyZ\r\nTransfer-Encoding: chunked\r\n\r\n")
        big = part + b"x" * 200_000
        too_large = first_response(chunked, b"%x\r\n%s\r\n" % (len(big), big))
        assert too_large.startswith(b"HTTP/1.1 413"), too_large[:200]


def test_openapi_documents_the_real_errors_and_security_as_configured(client, assistant, settings_factory):
    schema = client.get("/openapi.json").json()
    paths, components = schema["paths"], schema["components"]
    chat = paths["/api/chat"]["post"]
    assert {"200", "400", "413", "422", "429", "503"} <= set(chat["responses"])
    for path, method in (("/api/chat", "post"), ("/api/search", "post"), ("/api/documents", "get"),
                         ("/api/conversations/{conversation_id}", "get"), ("/api/feedback", "post")):
        assert "security" not in paths[path][method], f"{method} {path} is open in this deployment"
    upload = paths["/api/documents"]["post"]
    assert upload["security"] == [{"bearer": []}] and {"401", "403", "413", "415"} <= set(upload["responses"])
    assert "multipart/form-data" in upload["requestBody"]["content"]
    not_found = paths["/api/documents/{document_id}"]["delete"]["responses"]["404"]["content"]["application/json"]
    assert not_found["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert not not_found["example"]["error"]["message"].isascii()  # Vietnamese for people, English codes
    assert chat["responses"]["422"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert "HTTPValidationError" not in components["schemas"] and "ErrorBody" in components["schemas"]
    assert components["schemas"]["ChatRequest"]["properties"]["message"]["maxLength"] == 2000
    assert components["schemas"]["ChatRequest"]["examples"] and chat["responses"]["200"]["content"]["application/json"]["example"]
    assert "Retry-After" in chat["responses"]["429"]["headers"]
    assert {"401", "413"} <= set(paths["/zalo/webhook"]["post"]["responses"])

    with make_client(assistant, settings_factory, chat_token="chat-secret") as locked:
        chat = locked.get("/openapi.json").json()["paths"]["/api/chat"]["post"]
        assert chat["security"] == [{"bearer": []}] and "401" in chat["responses"]

    # Every operation, called without a token: each one that answers 401 (or 403 with uploads off) must
    # declare bearer security and document that very error; so a new route without its `x-access`
    # marker fails here. None of them declares security while it is open.
    both = {"chat_token": "chat-secret", "admin_token": "admin-secret"}
    refused = refusals_without_token(assistant, settings_factory, paths, both)
    assert {("/api/documents/{document_id}/file", "get"), ("/api/starters", "get"), ("/v1/models", "get"),
            ("/v1/chat/completions", "post"), ("/api/admin/documents", "get"),
            ("/api/admin/documents/{document_id}/reindex", "post"), ("/api/feedback", "get"),
            ("/api/chat", "post")} <= set(refused)
    with make_client(assistant, settings_factory, **both) as locked:
        locked_paths = locked.get("/openapi.json").json()["paths"]
    for (path, method), error in refused.items():
        op = locked_paths[path][method]
        assert op.get("security") == [{"bearer": []}], f"{method} {path} answers 401 but declares no security"
        assert example_messages(op["responses"]["401"]) == [error["message"]], (method, path)
    admin_off = refusals_without_token(assistant, settings_factory, paths, {"chat_token": "chat-secret"}, status=403)
    assert set(admin_off) < set(refused) and ("/api/documents", "post") in admin_off
    for (path, method), error in admin_off.items():
        assert example_messages(locked_paths[path][method]["responses"]["403"]) == [error["message"]], (method, path)
    for path, method in set(refused) - set(admin_off):
        assert "security" not in paths[path][method], f"{method} {path} is open in this deployment"
        assert "403" not in locked_paths[path][method]["responses"], (method, path)

    # Every documented error has the error body and a Vietnamese example; every 2xx has an example.
    for path, operations in locked_paths.items():
        for method, op in operations.items():
            for status, response in op["responses"].items():
                if (status.startswith("4") or status.startswith("5")) and path != "/api/health":  # its 503 is a Health
                    body = response["content"]["application/json"]
                    assert body["schema"] == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)
                    messages = example_messages(response)
                    assert messages and not any(m.isascii() for m in messages), (method, path, status, messages)
            successes = {s: r for s, r in op["responses"].items() if s.startswith("2") and s != "204"}
            assert (successes or "204" in op["responses"]) and all(has_example(r, components) for r in successes.values()), (method, path)


def refusals_without_token(assistant, settings_factory, paths: dict, tokens: dict, status: int = 401) -> dict:
    """(path, method) → the error body of every documented operation that answers `status` to a request
    without a token (path parameters filled with a word: the token is checked before anything else)."""
    out = {}
    with make_client(assistant, settings_factory, **tokens) as c:
        for path, operations in paths.items():
            for method in operations:
                response = c.request(method.upper(), re.sub(r"\{[^}]+\}", "x", path), json={})
                if response.status_code == status and response.json()["error"]["code"] != "bad_signature":
                    out[(path, method)] = response.json()["error"]
    return out


def example_messages(response: dict) -> list[str]:
    body = response["content"]["application/json"]
    examples = [body["example"]] if "example" in body else [e["value"] for e in body.get("examples", {}).values()]
    return [e["error"]["message"] for e in examples]


def has_example(response: dict, components: dict) -> bool:
    """An example in the response itself, or in the schema model it refers to."""
    for content in response.get("content", {}).values():
        if "example" in content or "examples" in content:
            return True
        ref = content.get("schema", {}).get("$ref", "")
        if components["schemas"].get(ref.rsplit("/", 1)[-1], {}).get("examples"):
            return True
    return False


def test_the_rate_limit_is_shared_by_the_processes_of_one_home(assistant, settings_factory):
    limits = {"chat_rate_per_minute": 1, "chat_rate_burst": 2, "trust_forwarded_for": True}
    one = {"X-Forwarded-For": "10.0.0.9"}
    with make_client(assistant, settings_factory, **limits) as a, make_client(assistant, settings_factory, **limits) as b:
        statuses = [c.post("/api/search", json={"query": "Đề án 06"}, headers=one).status_code for c in (a, b, a)]
    assert statuses == [200, 200, 429]


# ------------------------------------------------------------------------------ conversations and feedback (issue 12)


def test_a_conversation_is_kept_and_restored_by_its_id(client):
    first = client.post("/api/chat", json={"message": SPEED_QUESTION}).json()
    cid = first["conversation_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", cid)  # random 128 bits
    client.post("/api/chat", json={"message": "Thế tháng 8 thì sao?", "conversation_id": cid})

    conversation = client.get(f"/api/conversations/{cid}").json()
    assert conversation["id"] == cid and conversation["title"] == SPEED_QUESTION
    assert conversation["created_at"] <= conversation["updated_at"]
    assert [t["question"] for t in conversation["turns"]] == [SPEED_QUESTION, "Thế tháng 8 thì sao?"]
    assert conversation["turns"][0]["answer"]["citations"] == first["citations"]
    assert "8/2025" in conversation["turns"][1]["answer"]["question"] and conversation["turns"][1]["at"]

    renamed = client.patch(f"/api/conversations/{cid}", json={"title": "  Internet di động  "})
    assert renamed.status_code == 200 and renamed.json()["title"] == "Internet di động"
    assert client.patch(f"/api/conversations/{cid}", json={"title": "   "}).status_code == 422
    assert client.delete(f"/api/conversations/{cid}").status_code == 204
    assert client.get(f"/api/conversations/{cid}").status_code == 404
    assert client.delete(f"/api/conversations/{cid}").status_code == 404
    assert client.get("/api/conversations/zalo:123").status_code == 422  # Zalo users' conversations are out of reach


def test_conversations_survive_a_restart_and_follow_the_chat_token(assistant, settings_factory):
    with make_client(assistant, settings_factory) as first_process:
        cid = first_process.post("/api/chat", json={"message": SPEED_QUESTION}).json()["conversation_id"]
    with make_client(assistant, settings_factory, chat_token="chat-secret") as restarted:
        assert restarted.get(f"/api/conversations/{cid}").status_code == 401
        follow = restarted.post("/api/chat", json={"message": "Thế tháng 8 thì sao?", "conversation_id": cid},
                                headers={"Authorization": "Bearer chat-secret"}).json()
        assert "8/2025" in follow.get("question", "")  # the history came back from the state store
        turns = restarted.get(f"/api/conversations/{cid}", headers={"Authorization": "Bearer chat-secret"}).json()["turns"]
        assert len(turns) == 2


def test_feedback_is_stored_listed_for_admins_and_exported_as_eval_candidates(assistant, settings_factory, tmp_path):
    from baocao.eval.dataset import KNOWN_FIELDS, TYPES

    with make_client(assistant, settings_factory, admin_token="admin-secret") as c:
        answer = c.post("/api/chat", json={"message": LIST_QUESTION}).json()
        down = {"conversation_id": answer["conversation_id"], "question": LIST_QUESTION, "answer": answer,
                "rating": "down", "reason": "thiếu", "comment": "Thiếu một tỉnh"}
        created = c.post("/api/feedback", json=down)
        assert created.status_code == 201 and re.fullmatch(r"[0-9a-f]{16}", created.json()["id"])
        assert c.post("/api/feedback", json={"question": SPEED_QUESTION, "answer": {"answer": "x"}, "rating": "up"}).status_code == 201
        for bad in ({**down, "rating": "meh"}, {**down, "reason": "không thích"}, {**down, "answer": "text"}):
            assert c.post("/api/feedback", json=bad).status_code == 422

        assert c.get("/api/feedback").status_code == 401
        listed = c.get("/api/feedback", headers=ADMIN).json()["feedback"]
        assert [f["rating"] for f in listed] == ["up", "down"]  # newest first
        only = c.get("/api/feedback", params={"rating": "down", "reason": "thiếu"}, headers=ADMIN).json()["feedback"]
        assert len(only) == 1 and only[0]["answer"]["items"] == answer["items"] and only[0]["comment"] == "Thiếu một tỉnh"
        assert only[0]["index_generation"] == c.get("/api/health").json()["index_generation"] and only[0]["at"]
        assert c.get("/api/feedback", params={"since": "2999-01-01T00:00:00"}, headers=ADMIN).json()["feedback"] == []
        assert c.get("/api/feedback", params={"limit": 1}, headers=ADMIN).json()["feedback"][0]["rating"] == "up"

    out = tmp_path / "candidates.jsonl"
    from live import server_env

    done = subprocess.run([sys.executable, "-m", "baocao", "feedback", "export", "--out", str(out), "--rating", "down"],
                          env=server_env(settings_factory().home), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 1
    candidate = lines[0]
    assert set(candidate) <= KNOWN_FIELDS and candidate["type"] in TYPES
    assert candidate["question"] == LIST_QUESTION and candidate["type"] == "list"
    assert candidate["answer"] == "" and candidate["must_contain"] == [] and candidate["evidence"] == []  # for a maintainer
    assert "thiếu" in candidate["notes"] and "Thiếu một tỉnh" in candidate["notes"]
