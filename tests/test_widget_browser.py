"""The chat widget in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright; no browser
download), against a live uvicorn on 127.0.0.1 over the sample index. Screenshots go to test-artifacts/.

Missing Chromium or Playwright is a failure, not a skip: `make browser-deps` installs them (`make test` does).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("BAOCAO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
LIST_QUESTION = "Tỉnh nào chưa thành lập Ban Chỉ đạo?"
TIMEOUT_MS = 30_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def intranet():
    """Another site (another origin: another port) whose page embeds the widget; its HTML is set by the test."""
    page = {"html": ""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = page["html"].encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    page["origin"] = f"http://127.0.0.1:{server.server_address[1]}"
    yield page
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def live_server(sample_index, tmp_path_factory, intranet):
    """uvicorn in a thread on a free port; stopped at the end."""
    import uvicorn

    from baocao.api.app import create_app
    from baocao.assistant.service import Assistant
    from baocao.settings import Settings

    settings = Settings(home=tmp_path_factory.mktemp("browser-home"), cors_origins=intranet["origin"], chat_rate_per_minute=0)
    app = create_app(settings, Assistant.from_settings(sample_index.settings, index=sample_index))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    thread.join(15)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium chromium-driver)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: run `make browser-deps` (pip install playwright; no browser download)")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / name))


def active_class(page) -> str:
    return page.evaluate("() => { const a = document.querySelector('.baocao-widget').shadowRoot.activeElement; "
                         "return a ? a.className || a.tagName : ''; }")


def chat_bodies(page) -> list[dict]:
    bodies: list[dict] = []
    page.on("request", lambda r: bodies.append(json.loads(r.post_data)) if r.url.endswith("/api/chat") and r.method == "POST" else None)
    return bodies


def test_ask_stream_cite_and_follow_up_in_a_real_browser(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    bodies = chat_bodies(page)
    page.goto(live_server + "/")
    page.get_by_role("heading", name="Trợ lý báo cáo").wait_for(timeout=TIMEOUT_MS)
    starters = page.get_by_role("list", name="Câu hỏi gợi ý").get_by_role("button")
    assert starters.count() == 3
    page.locator(".foot").filter(has_text="5 báo cáo").wait_for(timeout=TIMEOUT_MS)  # read from /api/health
    shot(page, "widget-01-start.png")

    # ask: typed, sent with Enter, answered over Server-Sent Events
    question = page.get_by_label("Câu hỏi của bạn")
    question.fill(LIST_QUESTION)
    with page.expect_response(lambda r: r.url.endswith("/api/chat")) as chat:
        question.press("Enter")
    assert chat.value.headers["content-type"].startswith("text/event-stream")
    answer = page.locator(".msg.bot").last
    answer.locator(".chip").first.wait_for(timeout=TIMEOUT_MS)
    assert answer.get_attribute("aria-busy") is None
    assert "20 tỉnh" in answer.inner_text()
    provinces = answer.locator("ul.items li")
    assert provinces.count() == 20 and provinces.first.inner_text() == "An Giang"
    assert "Nguồn" in answer.locator(".sources").inner_text()
    page.locator("[role=status]").filter(has_text="Trả lời:").wait_for(timeout=5000)  # read out by screen readers
    assert active_class(page) == "TEXTAREA"  # focus stays in the question box
    shot(page, "widget-02-answer.png")

    # a citation chip opens the source: title, section, page/date, the quote highlighted in its passage
    chip = answer.locator(".chip").first
    chip.click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=5000)
    assert "Báo cáo Chuyển đổi số quốc gia tháng 3 năm 2025" in dialog.inner_text()
    assert "26/03/2025" in dialog.inner_text() and "Mục" in dialog.inner_text()
    mark = dialog.locator("mark")
    assert mark.count() == 1 and "Bà Rịa-Vũng Tàu" in mark.inner_text()
    assert active_class(page) == "source-close"
    shot(page, "widget-03-source.png")
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden", timeout=5000)
    assert active_class(page) == "chip"  # focus back where it was

    # a follow-up goes out with the conversation id and is answered in context
    question.fill("Còn bộ, ngành nào?")
    question.press("Enter")
    follow = page.locator(".msg.bot").nth(1)
    follow.locator(".chip").first.wait_for(timeout=TIMEOUT_MS)
    assert "Bộ Công an" in follow.inner_text()
    assert len(bodies) == 2 and "conversation_id" not in bodies[0]
    assert bodies[1]["conversation_id"] and len(bodies[1]["conversation_id"]) >= 16
    follow.get_by_role("button", name="Sao chép câu trả lời").click()
    follow.get_by_text("Đã sao chép").wait_for(timeout=5000)
    shot(page, "widget-04-follow-up.png")

    # new conversation: history gone, no conversation id, starters back, focus in the question box
    page.get_by_role("button", name="Cuộc trò chuyện mới").click()
    assert page.locator(".msg").count() == 0 and starters.count() == 3
    assert active_class(page) == "TEXTAREA"
    question.fill("Giá vàng SJC hôm nay là bao nhiêu?")
    question.press("Enter")
    notfound = page.locator(".msg.notfound")
    notfound.wait_for(timeout=TIMEOUT_MS)
    assert "Không tìm thấy" in notfound.inner_text()
    assert "conversation_id" not in bodies[-1]
    shot(page, "widget-05-not-found.png")
    assert errors == []
    context.close()


def test_phone_screen_and_embedding_in_another_site(browser, live_server, intranet):
    # a phone: the page fits the screen, starters work
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="vi-VN")
    page = phone.new_page()
    page.goto(live_server + "/")
    page.get_by_role("button", name="Bộ Công an chủ trì những nhiệm vụ nào?").click()
    answer = page.locator(".msg.bot").last
    answer.locator(".chip").first.wait_for(timeout=TIMEOUT_MS)
    assert answer.locator("ul.bullets li").count() >= 3  # a list answer rendered as a list
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shot(page, "widget-06-phone.png")
    answer.locator(".chip").first.click()
    page.get_by_role("dialog").wait_for(timeout=5000)
    shot(page, "widget-07-phone-source.png")
    phone.close()

    # one <script> tag in an intranet page on another origin: data- attributes, CORS, the bubble
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    host_page = f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Cổng thông tin nội bộ</title></head>
      <body style="font-family:sans-serif"><h1>Cổng thông tin nội bộ Sở</h1><p>Trang có sẵn của đơn vị.</p>
      <script src="{live_server}/widget.js" data-title="Hỏi đáp báo cáo" data-color="#b3261e"></script></body></html>"""
    intranet["html"] = host_page
    page.goto(f"{intranet['origin']}/portal")
    launcher = page.get_by_role("button", name="Hỏi đáp báo cáo")
    launcher.click()
    assert launcher.get_attribute("aria-expanded") == "true"
    page.get_by_role("heading", name="Hỏi đáp báo cáo").wait_for(timeout=5000)
    color = page.evaluate("() => getComputedStyle(document.querySelector('.baocao-widget').shadowRoot.querySelector('header.top')).backgroundColor")
    assert color == "rgb(179, 38, 30)"
    page.get_by_role("button", name="Tốc độ Internet di động tháng 10/2025?").click()
    answer = page.locator(".msg.bot").last
    answer.locator(".chip").first.wait_for(timeout=TIMEOUT_MS)
    assert "Mbps" in answer.inner_text()
    shot(page, "widget-08-embedded.png")
    page.keyboard.press("Escape")  # closes the bubble, focus back on the launcher
    assert launcher.get_attribute("aria-expanded") == "false"
    context.close()
