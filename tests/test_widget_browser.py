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

import httpx
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
    from baocao.api.app import create_app
    from baocao.assistant.service import Assistant
    from baocao.settings import Settings

    settings = Settings(home=tmp_path_factory.mktemp("browser-home"), cors_origins=intranet["origin"], chat_rate_per_minute=0)
    app = create_app(settings, Assistant.from_settings(sample_index.settings, index=sample_index))
    yield from serve_in_thread(app)


def serve_in_thread(app):
    """uvicorn on a free loopback port in a thread: yields the base URL, stops at the end."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    thread.join(15)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (apt-get install chromium chromium-driver)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: run `make install` (pip install playwright; no browser download)")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / name))


def in_widget(page, script: str):
    """Evaluate `script` (a function of the widget's shadow root) in the page."""
    return page.evaluate(f"() => ({script})(document.querySelector('.baocao-widget').shadowRoot)")


def active_class(page) -> str:
    return page.evaluate("() => { const a = document.querySelector('.baocao-widget').shadowRoot.activeElement; "
                         "return a ? a.className || a.tagName : ''; }")


def chat_bodies(page) -> list[dict]:
    bodies: list[dict] = []
    page.on("request", lambda r: bodies.append(json.loads(r.post_data)) if r.url.endswith("/api/chat") and r.method == "POST" else None)
    return bodies


def test_ask_stream_cite_and_follow_up_in_a_real_browser(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="vi-VN", color_scheme="light")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    bodies = chat_bodies(page)
    page.goto(live_server + "/")
    page.get_by_role("heading", name="Trợ lý báo cáo").wait_for(timeout=TIMEOUT_MS)
    assert active_class(page) == "TEXTAREA"  # focus in the question box on load

    # starter questions come from the indexed documents (GET /api/starters), not from the page
    expected = [s["question"] for s in httpx.get(live_server + "/api/starters", timeout=60).json()["starters"]]
    assert 2 <= len(expected) <= 6
    starters = page.get_by_role("list", name="Câu hỏi gợi ý").get_by_role("button")
    starters.first.wait_for(timeout=TIMEOUT_MS)
    assert [starters.nth(i).inner_text() for i in range(starters.count())] == expected
    page.locator(".foot").filter(has_text="5 báo cáo").wait_for(timeout=TIMEOUT_MS)  # read from /api/health
    assert "Enter để gửi" in page.locator(".foot").inner_text()  # a keyboard: the hint is shown
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
    # no orphan citation chip or stray "." after the list: the chip sits in the lead-in line
    paragraphs = answer.locator("p").all_inner_texts()
    assert not [p for p in paragraphs if p.strip(" .\n0123456789") == ""], paragraphs
    assert answer.locator("ul.items").evaluate("u => u.previousElementSibling.querySelector('.chip') !== null")
    assert "Nguồn" in answer.locator(".sources").inner_text()
    page.locator("[role=status]").filter(has_text="Trả lời:").wait_for(timeout=5000)  # read out by screen readers
    assert active_class(page) == "TEXTAREA"  # focus stays in the question box
    # the long answer opens at its start: the question is in view, not scrolled off the top
    top = in_widget(page, """r => { const log = r.querySelector('.log').getBoundingClientRect();
        const q = [...r.querySelectorAll('.msg.user')].pop().getBoundingClientRect();
        return [q.top - log.top, log.bottom - q.bottom, r.querySelector('.log').scrollHeight > r.querySelector('.log').clientHeight]; }""")
    assert top[0] >= -1 and top[1] > 0 and top[2], top
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
    # the original file is kept at ingest: "Mở văn bản gốc" opens it (fetched with the widget's access rule)
    with page.expect_popup() as popup:
        dialog.get_by_role("button", name="Mở văn bản gốc").click()
    opened = popup.value
    opened.wait_for_url("blob:**", timeout=10000)
    assert "Ban Chỉ đạo" in opened.locator("body").inner_text(timeout=10000)
    opened.close()
    shot(page, "widget-03-source.png")
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden", timeout=5000)
    assert active_class(page) == "chip"  # focus back where it was

    # the sources panel: every cited passage with title, section, date and its quote
    cited = len(answer.locator(".sources li").all())
    answer.get_by_role("button", name=f"Xem nguồn ({cited})").click()
    panel = page.get_by_role("dialog")
    items = panel.locator(".srclist > li")
    items.first.wait_for(timeout=5000)
    assert items.count() == cited >= 2
    for i in range(cited):
        text = items.nth(i).inner_text()
        assert "Mục" in text and "Số liệu đến" in text and f"[{i + 1}]" in text
        assert items.nth(i).get_by_role("button", name="Mở văn bản gốc").count() == 1
    page.keyboard.press("Escape")

    # ↑ in the empty box recalls the last question
    question.press("ArrowUp")
    assert question.input_value() == LIST_QUESTION
    question.fill("")

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

    # stop while an answer is on its way: the request is held, "Dừng" aborts it, the box works again
    held = []
    page.route("**/api/chat", lambda route: held.append(route))
    question.fill("Tốc độ Internet di động tháng 10/2025?")
    question.press("Enter")
    stop = page.get_by_role("button", name="Dừng trả lời")
    stop.wait_for(timeout=5000)
    stop.click()
    page.locator(".msg.bot").last.get_by_text("Đã dừng.").wait_for(timeout=5000)
    page.get_by_role("button", name="Gửi câu hỏi").wait_for(timeout=5000)
    page.unroute("**/api/chat")
    for route in held:
        try:
            route.abort()
        except Exception:  # already cancelled by the browser
            pass

    # a network failure: said as such, the question kept in the box, "Thử lại" answers it
    page.route("**/api/chat", lambda route: route.abort("connectionrefused"))
    page.route("**/api/health", lambda route: route.abort("connectionrefused"))
    asked = "Bộ Công an chủ trì những nhiệm vụ nào?"
    question.fill(asked)
    question.press("Enter")
    failed = page.locator(".msg.error").last
    failed.wait_for(timeout=TIMEOUT_MS)
    assert "Không kết nối được máy chủ" in failed.inner_text() and "network" in failed.get_attribute("class")
    assert question.input_value() == asked
    shot(page, "widget-05-network-error.png")
    page.unroute("**/api/chat")
    page.unroute("**/api/health")
    failed.get_by_role("button", name="Thử lại").click()
    retried = page.locator(".msg.bot").last
    retried.locator(".chip").first.wait_for(timeout=TIMEOUT_MS)
    assert "error" not in retried.get_attribute("class")

    # new conversation: history gone, no conversation id, starters back, focus in the question box
    page.get_by_role("button", name="Cuộc trò chuyện mới").click()
    assert page.locator(".msg").count() == 0
    starters.first.wait_for(timeout=5000)
    assert starters.count() == len(expected)
    assert active_class(page) == "TEXTAREA"
    question.fill("Giá vàng SJC hôm nay là bao nhiêu?")
    question.press("Enter")
    notfound = page.locator(".msg.notfound")
    notfound.wait_for(timeout=TIMEOUT_MS)
    assert "Không tìm thấy" in notfound.inner_text()
    assert "conversation_id" not in bodies[-1]
    shot(page, "widget-06-not-found.png")

    # static files answer HEAD (uptime checks, proxies)
    for path in ("/", "/widget.js", "/favicon.svg", "/admin"):
        assert httpx.head(live_server + path).status_code == 200, path
    assert errors == []
    context.close()


def test_dark_mode_follows_the_system_and_the_toggle(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN", color_scheme="dark")
    page = context.new_page()
    page.goto(live_server + "/")
    page.get_by_role("heading", name="Trợ lý báo cáo").wait_for(timeout=TIMEOUT_MS)
    background = "r => getComputedStyle(r.querySelector('.panel')).backgroundColor"
    assert in_widget(page, "r => r.querySelector('.bc').classList.contains('dark')")
    assert in_widget(page, background) == "rgb(21, 27, 34)"
    page.get_by_label("Câu hỏi của bạn").fill(LIST_QUESTION)
    page.get_by_label("Câu hỏi của bạn").press("Enter")
    page.locator(".msg.bot").last.locator(".chip").first.wait_for(timeout=TIMEOUT_MS)
    shot(page, "widget-09-dark.png")
    page.get_by_role("button", name="Chuyển sang nền sáng").click()
    assert in_widget(page, background) == "rgb(255, 255, 255)"
    page.reload()  # the choice is remembered by this browser
    page.get_by_role("button", name="Chuyển sang nền tối").wait_for(timeout=TIMEOUT_MS)
    assert not in_widget(page, "r => r.querySelector('.bc').classList.contains('dark')")
    context.close()


def test_phone_screen_and_embedding_in_another_site(browser, live_server, intranet):
    # a phone: the page fits the screen, starters work, no keyboard hint on a touch screen
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="vi-VN")
    page = phone.new_page()
    page.goto(live_server + "/")
    page.locator(".foot").filter(has_text="báo cáo đã nạp").wait_for(timeout=TIMEOUT_MS)
    assert "Enter" not in page.locator(".foot").inner_text()
    page.get_by_label("Câu hỏi của bạn").fill("Bộ Công an chủ trì những nhiệm vụ nào?")
    page.get_by_role("button", name="Gửi câu hỏi").click()
    answer = page.locator(".msg.bot").last
    answer.locator(".chip").first.wait_for(timeout=TIMEOUT_MS)
    assert answer.locator("ul.bullets li").count() >= 3  # a list answer rendered as a list
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shot(page, "widget-07-phone.png")
    answer.locator(".chip").first.click()
    page.get_by_role("dialog").wait_for(timeout=5000)
    shot(page, "widget-08-phone-source.png")
    phone.close()

    # one <script> tag in an intranet page on another origin: data- attributes, CORS, the bubble
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    host_page = f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Cổng thông tin nội bộ</title></head>
      <body style="font-family:sans-serif"><h1>Cổng thông tin nội bộ Sở</h1><p>Trang có sẵn của đơn vị.</p>
      <script src="{live_server}/widget.js" data-title="Hỏi đáp báo cáo" data-color="#b3261e"
              data-starters="Tốc độ Internet di động tháng 10/2025?|Bộ Công an chủ trì những nhiệm vụ nào?"></script></body></html>"""
    intranet["html"] = host_page
    page.goto(f"{intranet['origin']}/portal")
    launcher = page.locator("button.launcher")  # by CSS: a hidden button has no role to find it by
    page.get_by_role("button", name="Hỏi đáp báo cáo").click()
    assert launcher.get_attribute("aria-expanded") == "true"
    assert not launcher.is_visible()  # the bubble is hidden while the panel is open
    page.get_by_role("heading", name="Hỏi đáp báo cáo").wait_for(timeout=5000)
    color = page.evaluate("() => getComputedStyle(document.querySelector('.baocao-widget').shadowRoot.querySelector('header.top')).backgroundColor")
    assert color == "rgb(179, 38, 30)"
    page.get_by_role("button", name="Tốc độ Internet di động tháng 10/2025?").click()
    answer = page.locator(".msg.bot").last
    answer.locator(".chip").first.wait_for(timeout=TIMEOUT_MS)
    assert "Mbps" in answer.inner_text()
    shot(page, "widget-10-embedded.png")
    page.keyboard.press("Escape")  # closes the bubble, focus back on the launcher
    assert launcher.get_attribute("aria-expanded") == "false" and launcher.is_visible()

    # the same page on an origin the server does not allow: a configuration message, not "no network"
    page.goto(intranet["origin"].replace("127.0.0.1", "localhost") + "/portal")
    page.get_by_role("button", name="Hỏi đáp báo cáo").click()
    page.get_by_role("button", name="Tốc độ Internet di động tháng 10/2025?").click()
    refused = page.locator(".msg.error").last
    refused.wait_for(timeout=TIMEOUT_MS)
    assert "CORS" in refused.inner_text() and "BAOCAO_CORS_ORIGINS" in refused.inner_text()
    assert "config" in refused.get_attribute("class") and refused.get_by_role("button", name="Thử lại").count() == 0
    context.close()


def test_a_missing_chat_token_is_a_configuration_message_not_a_network_one(browser, sample_index, tmp_path):
    """The server sets BAOCAO_CHAT_TOKEN, the page's widget has no data-token: the 401 is said as a
    configuration problem for the administrator, without "Thử lại"."""
    from baocao.api.app import create_app
    from baocao.assistant.service import Assistant
    from baocao.settings import Settings

    settings = Settings(home=tmp_path / "locked-home", chat_token="chat-secret", chat_rate_per_minute=0)
    app = create_app(settings, Assistant.from_settings(sample_index.settings, index=sample_index))
    server = serve_in_thread(app)
    base = next(server)
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="vi-VN")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + "/")
        box = page.get_by_label("Câu hỏi của bạn")
        box.fill(LIST_QUESTION)
        with page.expect_response(lambda r: r.url.endswith("/api/chat")) as chat:
            box.press("Enter")
        assert chat.value.status == 401
        refused = page.locator(".msg.error").last
        refused.wait_for(timeout=TIMEOUT_MS)
        text = refused.inner_text()
        assert "mã truy cập (data-token)" in text and "quản trị hệ thống" in text, text
        assert "Không kết nối được" not in text
        assert "config" in refused.get_attribute("class") and refused.get_by_role("button", name="Thử lại").count() == 0
        assert box.input_value() == LIST_QUESTION  # the question is kept in the box
        assert errors == []
        context.close()
    finally:
        next(server, None)
