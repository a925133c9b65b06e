"""The admin page (/admin) in Debian's headless Chromium against a live uvicorn with an admin token.

One server and one browser for the module, over an empty index of its own: upload a real DOCX (from
../shared/realdocs), a PDF written here, a file the loaders refuse (an HTML page named .pdf, from
realdocs) and a type the API refuses (dropped onto the page); see each outcome with its one-line reason;
open a cited PDF at its page from the chat widget; re-index; delete the DOCX and see it gone from answers.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from fixtures_files import write_pdf
from test_widget_browser import ARTIFACTS, TIMEOUT_MS, browser, serve_in_thread, shot  # noqa: F401  (the shared browser fixture)

REALDOCS = Path(__file__).resolve().parent.parent.parent / "shared" / "realdocs"
DOCX = REALDOCS / "2026-01_lamdong_du-thao-qd-thanh-lap-bcd-du-lieu-tinh.docx"
HTML_AS_PDF = REALDOCS / "legal" / "nghi-dinh-57-2022-ND-CP_html-named-pdf.pdf"
TOKEN = "admin-secret-for-the-browser-test"
DOCX_QUESTION = "Ai là Trưởng Ban Chỉ đạo về dữ liệu tỉnh Lâm Đồng?"
PDF_QUESTION = "Lâm Đồng đã số hóa bao nhiêu hồ sơ hộ tịch?"

pytestmark = pytest.mark.skipif(not DOCX.exists() or not HTML_AS_PDF.exists(),
                                reason=f"the real documents are not here ({REALDOCS}): the shared folder is absent")


@pytest.fixture(scope="module")
def admin_server(embedder, tmp_path_factory):
    from baocao.api.app import create_app
    from baocao.assistant.service import Assistant
    from baocao.settings import Settings
    from baocao.vectorstore.store import open_index

    settings = Settings(home=tmp_path_factory.mktemp("admin-home"), admin_token=TOKEN, chat_rate_per_minute=0)
    app = create_app(settings, Assistant.from_settings(settings, index=open_index(settings, embedder)))
    yield from serve_in_thread(app)


def report_pdf(folder: Path) -> Path:
    return write_pdf(folder / "bao-cao-cds-lam-dong-thang-11-2025.pdf", [
        "ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG\nBÁO CÁO\nKết quả chuyển đổi số tháng 11 năm 2025\n"
        "I. KẾT QUẢ ĐẠT ĐƯỢC\n1. Về hạ tầng số\nToàn tỉnh có 98,5% thôn, bản được phủ sóng băng rộng di động; "
        "các cơ quan nhà nước đã kết nối mạng truyền số liệu chuyên dùng.",
        "2. Về dữ liệu số\nTính đến ngày 30/11/2025, tỉnh Lâm Đồng đã số hóa 1.234.567 hồ sơ hộ tịch và đưa vào "
        "cơ sở dữ liệu hộ tịch điện tử dùng chung của tỉnh.",
    ])


def ask_in_widget(page, question: str):
    box = page.get_by_label("Câu hỏi của bạn")
    box.fill(question)
    box.press("Enter")
    answer = page.locator(".msg.bot").last
    answer.locator(".chip, .badge").first.wait_for(timeout=TIMEOUT_MS)
    return answer


def test_upload_refuse_open_reindex_and_delete_on_the_admin_page(browser, admin_server, tmp_path):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", color_scheme="light")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: d.accept())  # "Xoá văn bản …?" confirmed
    page.goto(admin_server + "/admin")

    # the token is asked for; a wrong one is refused in Vietnamese
    page.get_by_label("Mã quản trị").fill("wrong")
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("alert").filter(has_text="Mã quản trị không đúng").wait_for(timeout=TIMEOUT_MS)
    # during the start-up warm-up the server is up but not ready: the page says so, then asks again
    def warming_up(route):
        health = route.fetch().json()
        route.fulfill(json={**health, "ready": False})

    page.route("**/api/health", warming_up)
    page.get_by_label("Mã quản trị").fill(TOKEN)
    page.get_by_role("button", name="Đăng nhập").click()
    status = page.locator("#status")
    status.get_by_text("Đang khởi động…").wait_for(timeout=TIMEOUT_MS)
    assert "Sẵn sàng" not in status.inner_text()
    page.unroute("**/api/health")
    status.get_by_text("Sẵn sàng", exact=True).wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("Chưa có văn bản nào").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("Không có góp ý nào khớp bộ lọc.").wait_for(timeout=TIMEOUT_MS)  # none yet

    # several files at once through the file picker: a real DOCX, a PDF, an HTML page named .pdf
    pdf = report_pdf(tmp_path)
    page.locator("#files").set_input_files([str(DOCX), str(pdf), str(HTML_AS_PDF)])
    # and one dropped onto the page: a type the API does not take
    drop = page.evaluate_handle("""() => { const dt = new DataTransfer();
        dt.items.add(new File(['PK'], 'so-lieu.zip', { type: 'application/zip' })); return dt; }""")
    page.dispatch_event("#drop", "drop", {"dataTransfer": drop})
    uploads = page.locator("#uploads li")

    def outcome(name: str):
        item = uploads.filter(has_text=name)
        item.locator(".state").filter(has_text="Đã nạp").or_(item.locator(".state").filter(has_text="Không nạp được")).wait_for(timeout=120_000)
        return item.get_attribute("class"), item.locator(".state").inner_text()

    assert outcome(DOCX.name)[0] == "done"
    assert outcome(pdf.name)[0] == "done"
    cls, text = outcome(HTML_AS_PDF.name)
    assert cls == "failed" and "HTML" in text and "\n" not in text  # the loader's one-line reason
    cls, text = outcome("so-lieu.zip")
    assert cls == "failed" and ".pdf" in text  # 415: what can be ingested
    rows = page.locator("#docs tbody tr")
    rows.filter(has_text=DOCX.name).wait_for(timeout=TIMEOUT_MS)
    rows.filter(has_text=pdf.name).wait_for(timeout=TIMEOUT_MS)
    assert rows.count() == 2
    status.get_by_text("Văn bản").locator("xpath=..").get_by_text("2", exact=True).wait_for(timeout=TIMEOUT_MS)
    page.screenshot(path=str(ARTIFACTS / "admin-01-uploaded.png"), full_page=True)

    # re-index the PDF from its kept original
    rows.filter(has_text=pdf.name).get_by_role("button", name=f"Nạp lại {pdf.name}").click()
    page.locator("#docs-msg").filter(has_text=f"Đã nạp lại {pdf.name}").wait_for(timeout=120_000)

    # the chat widget on the same server: the PDF's answer opens the original at the cited page
    chat = context.new_page()
    chat.goto(admin_server + "/")
    answer = ask_in_widget(chat, PDF_QUESTION)
    assert "1.234.567" in answer.inner_text()
    answer.get_by_role("button", name="Xem nguồn (1)").click()
    with chat.expect_popup() as popup:
        chat.get_by_role("dialog").get_by_role("button", name="Mở văn bản gốc (trang 2)").click()
    opened = popup.value
    opened.wait_for_url("blob:**", timeout=TIMEOUT_MS)
    assert opened.url.endswith("#page=2")
    opened.close()
    chat.keyboard.press("Escape")

    # the DOCX answers its question, until it is deleted on the admin page
    before = ask_in_widget(chat, DOCX_QUESTION)
    assert before.get_attribute("class") == "msg bot" and "Lâm Đồng" in before.inner_text()
    docx_title = rows.filter(has_text=DOCX.name).locator("td").first.locator("div").first.inner_text()
    assert docx_title in before.locator(".sources").inner_text()
    page.bring_to_front()
    rows.filter(has_text=DOCX.name).get_by_role("button", name=f"Xoá {DOCX.name}").click()
    page.locator("#docs-msg").filter(has_text=f"Đã xoá {DOCX.name}").wait_for(timeout=TIMEOUT_MS)
    rows.filter(has_text=DOCX.name).wait_for(state="detached", timeout=TIMEOUT_MS)
    assert rows.count() == 1
    shot(page, "admin-02-deleted.png")

    chat.bring_to_front()
    chat.get_by_role("button", name="Cuộc trò chuyện mới").click()
    after = ask_in_widget(chat, DOCX_QUESTION)
    assert docx_title not in after.inner_text()
    import httpx

    reply = httpx.post(admin_server + "/api/chat", json={"message": DOCX_QUESTION}, timeout=60).json()
    assert DOCX.name not in {c["document"] for c in reply.get("citations", []) + reply.get("related", [])}
    assert errors == []
    context.close()


def test_feedback_from_the_widget_reaches_the_admin_and_history_survives_a_reload(browser, admin_server):  # noqa: F811
    """👎 with a reason under an answer → listed on the admin page; the conversation comes back after a reload
    (restored from the server by the id this browser remembers), can be renamed and deleted."""
    import httpx

    admin = {"Authorization": f"Bearer {TOKEN}"}
    if not any(DOCX.name in d.get("names", [d["document"]]) for d in httpx.get(admin_server + "/api/documents", timeout=60).json()["documents"]):
        with DOCX.open("rb") as f:
            job = httpx.post(admin_server + "/api/documents", headers=admin, files={"file": (DOCX.name, f)}, timeout=60).json()
        for _ in range(240):
            state = httpx.get(f"{admin_server}/api/documents/jobs/{job['job']['id']}", headers=admin, timeout=60).json()
            if state["job"]["status"] in ("done", "failed"):
                break
            time.sleep(0.5)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    chat = context.new_page()
    errors: list[str] = []
    chat.on("pageerror", lambda e: errors.append(str(e)))
    chat.goto(admin_server + "/")
    answer = ask_in_widget(chat, DOCX_QUESTION)
    answer.get_by_role("button", name="Câu trả lời chưa đúng").click()
    answer.get_by_role("group", name="Lý do").get_by_role("button", name="thiếu").click()
    chat.get_by_text("Đã ghi nhận góp ý. Cảm ơn bạn!").wait_for(timeout=TIMEOUT_MS)
    stored = httpx.get(admin_server + "/api/feedback?rating=down", headers=admin, timeout=60).json()["feedback"]
    assert stored and stored[0]["question"] == DOCX_QUESTION and stored[0]["reason"] == "thiếu"
    assert stored[0]["answer"]["citations"]  # the whole Answer, with its citations

    page = context.new_page()
    page.goto(admin_server + "/admin")
    page.get_by_label("Mã quản trị").fill(TOKEN)
    page.get_by_role("button", name="Đăng nhập").click()
    table = page.locator("#fb tbody")
    table.get_by_text(DOCX_QUESTION).wait_for(timeout=TIMEOUT_MS)
    page.locator("#fb-reason").select_option("sai số liệu")
    page.get_by_text("Không có góp ý nào khớp bộ lọc.").wait_for(timeout=TIMEOUT_MS)
    page.locator("#fb-reason").select_option("thiếu")
    table.get_by_text(DOCX_QUESTION).wait_for(timeout=TIMEOUT_MS)

    # a reload keeps the conversation: this browser remembers its id, the server its turns
    chat.bring_to_front()
    chat.reload()
    chat.locator(".msg.user").filter(has_text=DOCX_QUESTION).wait_for(timeout=TIMEOUT_MS)
    assert "Lâm Đồng" in chat.locator(".msg.bot").last.inner_text()
    cid = chat.evaluate("() => JSON.parse(localStorage.getItem('baocao-conversations'))[0].id")
    chat.get_by_role("button", name="Lịch sử").click()
    chat.once("dialog", lambda d: d.accept("Ban Chỉ đạo dữ liệu Lâm Đồng"))
    chat.get_by_role("button", name=f"Đổi tên: {DOCX_QUESTION[:80]}").click()
    chat.get_by_role("button", name="Ban Chỉ đạo dữ liệu Lâm Đồng", exact=True).wait_for(timeout=TIMEOUT_MS)
    assert httpx.get(f"{admin_server}/api/conversations/{cid}", timeout=60).json()["title"] == "Ban Chỉ đạo dữ liệu Lâm Đồng"
    chat.get_by_role("button", name="Xoá: Ban Chỉ đạo dữ liệu Lâm Đồng").click()
    chat.get_by_text("Chưa có cuộc trò chuyện nào.").wait_for(timeout=TIMEOUT_MS)
    assert httpx.get(f"{admin_server}/api/conversations/{cid}", timeout=60).status_code == 404
    assert errors == []
    context.close()
