"""The Zalo OA bot end to end: signed events into the real API over the sample index, replies out to a
local fake of Zalo's OA and OAuth servers (tests/fake_zalo.py) that records what it receives."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from fastapi.testclient import TestClient

from baocao.api.app import create_app
from baocao.api.zalo import format_answer, signature, split_message
from baocao.assistant.models import Answer, Citation
from baocao.state import open_state
from fake_zalo import FakeZalo

APP_ID = "3608465249409039"
OA_SECRET = "oa-secret-key-for-tests"
APP_SECRET = "app-secret-for-tests"
LIST_QUESTION = "Tỉnh nào chưa thành lập Ban Chỉ đạo?"
SHORT_QUESTION = "Tốc độ Internet di động tháng 10/2025?"


@pytest.fixture(scope="module")
def assistant(sample_index):
    from baocao.assistant.service import Assistant

    return Assistant.from_settings(sample_index.settings, index=sample_index)


@pytest.fixture
def fake():
    server = FakeZalo(APP_ID, APP_SECRET, access_token="access-initial", refresh_token="refresh-initial").start()
    yield server
    server.stop()


@pytest.fixture
def zalo_settings(fake, settings_factory):
    return settings_factory(
        zalo_app_id=APP_ID, zalo_oa_secret_key=OA_SECRET, zalo_app_secret=APP_SECRET,
        zalo_access_token="access-initial", zalo_refresh_token="refresh-initial",
        zalo_api_base=fake.base_url, zalo_oauth_url=fake.oauth_url,
    )


@pytest.fixture
def client(zalo_settings, assistant):
    with TestClient(create_app(zalo_settings, assistant)) as test_client:
        yield test_client


def bot(client):
    return client.app.state.zalo


def event(user: str, text: str | None = None, *, name: str = "user_send_text", msg_id: str | None = None,
          timestamp_ms: int | None = None, **extra) -> dict:
    body = {
        "app_id": APP_ID,
        "user_id_by_app": "5521772797175877" + user[-2:],
        "event_name": name,
        "sender": {"id": user},
        "recipient": {"id": "388613280878808645"},
        "timestamp": str(timestamp_ms or int(time.time() * 1000)),
        **extra,
    }
    if text is not None:
        body["message"] = {"text": text, "msg_id": msg_id or uuid.uuid4().hex}
    return body


def post(client, body: dict, *, sign: bool = True, secret: str = OA_SECRET, tamper=None):
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if sign:
        headers["X-ZEvent-Signature"] = signature(body["app_id"], raw, body["timestamp"], secret)
    if tamper:
        raw = tamper(raw)
    started = time.monotonic()
    response = client.post("/zalo/webhook", content=raw, headers=headers)
    return response, time.monotonic() - started


def test_signed_text_event_is_answered_with_numbered_sources(client, fake):
    # Acknowledged as queued before answering: Zalo retries an event not acknowledged within 2 s.
    response, _ = post(client, event("user-01", LIST_QUESTION))
    assert response.status_code == 200 and response.json() == {"ok": True, "status": "queued"}

    messages = fake.wait_for_messages(1)
    assert bot(client).wait_idle(30)
    assert messages, "no reply reached the OA API"
    first = messages[0]
    assert first.path == "/v3.0/oa/message/cs"
    assert first.headers["access_token"] == "access-initial"
    assert set(first.body) == {"recipient", "message"}
    assert first.body["recipient"] == {"user_id": "user-01"}
    text = "\n".join(fake.texts_to("user-01"))
    assert all(len(t) <= 2000 for t in fake.texts_to("user-01"))
    for province in ("An Giang", "Hải Phòng", "Yên Bái"):
        assert province in text
    assert "Nguồn:" in text and "[1] Báo cáo Chuyển đổi số quốc gia tháng 3 năm 2025" in text
    assert "số liệu đến 26/03/2025" in text


def test_bad_or_missing_signature_is_refused_and_nothing_is_sent(client, fake):
    body = event("user-02", SHORT_QUESTION)
    wrong, _ = post(client, body, secret="not-the-secret")
    missing, _ = post(client, body, sign=False)
    tampered, _ = post(client, body, tamper=lambda raw: raw.replace("Internet".encode(), b"Intranet"))
    for response in (wrong, missing, tampered):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "bad_signature"
    garbage = client.post("/zalo/webhook", content=b"not json", headers={"X-ZEvent-Signature": "mac=00"})
    assert garbage.status_code == 401
    assert bot(client).wait_idle(10)
    time.sleep(0.3)
    assert fake.messages == [] and fake.rejected == []


def test_a_retried_event_is_answered_once(client, fake):
    body = event("user-03", SHORT_QUESTION, msg_id="retried-msg-1")
    statuses = [post(client, body)[0].json()["status"] for _ in range(3)]
    assert statuses == ["queued", "duplicate", "duplicate"]
    assert bot(client).wait_idle(30)
    replies = fake.texts_to("user-03")
    assert len(replies) == 1, replies
    assert "159,57 Mbps" in replies[0]


def test_an_old_event_is_ignored_as_a_replay(client, fake):
    an_hour_ago = int((time.time() - 3600) * 1000)
    response, _ = post(client, event("user-04", SHORT_QUESTION, timestamp_ms=an_hour_ago))
    assert response.status_code == 200 and response.json()["status"] == "stale"
    assert bot(client).wait_idle(10)
    assert fake.texts_to("user-04") == []


def test_an_expired_access_token_is_refreshed_once_then_the_reply_goes_out(client, fake, settings_factory):
    fake.expire_access_token()
    post(client, event("user-05", SHORT_QUESTION))
    assert bot(client).wait_idle(30)

    assert len(fake.rejected) == 1  # the first try, with the expired token
    assert len(fake.refreshes) == 1
    refresh = fake.refreshes[0]
    assert refresh.headers["secret_key"] == APP_SECRET
    assert refresh.body == {"refresh_token": "refresh-initial", "app_id": APP_ID, "grant_type": "refresh_token"}
    replies = [m for m in fake.messages if m.body["recipient"]["user_id"] == "user-05"]
    assert len(replies) == 1 and replies[0].headers["access_token"] == fake.access_token

    # the rotated pair is in the state store (the old refresh token is spent), and used from then on
    stored = open_state(settings_factory()).get("zalo", "tokens")
    assert stored["access_token"] == fake.access_token and stored["refresh_token"] == fake.refresh_token
    assert stored["refresh_token"] != "refresh-initial"
    post(client, event("user-05", "Bộ Công an chủ trì những nhiệm vụ nào?"))
    assert bot(client).wait_idle(30)
    assert len(fake.refreshes) == 1 and len(fake.texts_to("user-05")) >= 2


def test_other_events_get_a_short_reply_or_none(client, fake):
    sticker = event("user-06", name="user_send_sticker",
                    message={"msg_id": uuid.uuid4().hex, "attachments": [{"type": "sticker", "payload": {"id": "x"}}]})
    follow = {**event("user-07", name="follow"), "follower": {"id": "user-07"}}
    follow.pop("sender")
    seen = event("user-08", name="user_seen_message", message={"msg_ids": ["a"]})
    for body in (sticker, follow, seen):
        assert post(client, body)[0].status_code == 200
    assert bot(client).wait_idle(10)
    assert "chỉ đọc được tin nhắn văn bản" in fake.texts_to("user-06")[0]
    assert fake.texts_to("user-07")[0].startswith("Xin chào")
    assert fake.texts_to("user-08") == []


def test_each_zalo_user_has_a_conversation(client, fake, assistant):
    post(client, event("user-09", SHORT_QUESTION))
    assert bot(client).wait_idle(30)
    post(client, event("user-09", "Thế tháng 8 thì sao?"))
    assert bot(client).wait_idle(30)
    _, conversation = assistant.conversations.get("zalo:user-09")
    assert [t.question for t in conversation.turns][-1] != "Thế tháng 8 thì sao?"  # rewritten with the history
    assert len(fake.texts_to("user-09")) >= 2


def test_a_deeply_nested_body_is_refused_never_a_500(client, fake):
    nested = b"[" * 20000 + b"]" * 20000
    headers = {"Content-Type": "application/json", "X-ZEvent-Signature": "mac=" + "0" * 64}
    unsigned = client.post("/zalo/webhook", content=nested, headers=headers)
    assert unsigned.status_code == 401 and unsigned.json()["error"]["code"] == "bad_signature"

    stamp = str(int(time.time() * 1000))  # signed with the right key, yet no JSON parser can read it
    raw = b'{"app_id": "%s", "timestamp": "%s", "message": ' % (APP_ID.encode(), stamp.encode()) + nested + b"}"
    signed = client.post("/zalo/webhook", content=raw,
                         headers={**headers, "X-ZEvent-Signature": signature(APP_ID, raw, stamp, OA_SECRET)})
    assert signed.status_code == 400 and signed.json()["error"]["code"] == "invalid_event"
    too_big = client.post("/zalo/webhook", content=b'{"app_id": "1", "x": "' + b"a" * 70_000 + b'"}', headers=headers)
    assert too_big.status_code == 413
    assert bot(client).wait_idle(10) and fake.messages == []


def test_a_non_numeric_timestamp_is_refused(client, fake):
    for stamp in ("nan", "inf", "1e99", "-5"):
        body = {**event("user-10", SHORT_QUESTION), "timestamp": stamp}
        response, _ = post(client, body)
        assert response.status_code == 400, (stamp, response.text)
    assert bot(client).wait_idle(10)
    assert fake.texts_to("user-10") == []


def test_a_replayed_event_is_not_answered_again_after_a_restart(fake, assistant, zalo_settings):
    body = event("user-11", SHORT_QUESTION, msg_id="replayed-after-restart")
    with TestClient(create_app(zalo_settings, assistant)) as first_process:
        assert post(first_process, body)[0].json()["status"] == "queued"
        assert bot(first_process).wait_idle(30)
    with TestClient(create_app(zalo_settings, assistant)) as restarted:  # nothing in memory, the same home
        assert post(restarted, body)[0].json()["status"] == "duplicate"
        assert bot(restarted).wait_idle(10)
    assert len(fake.texts_to("user-11")) == 1


def test_long_replies_are_split_on_sentence_boundaries():
    sentences = [f"Câu số {i} nói về chuyển đổi số ở địa phương thứ {i}, với nhiều chi tiết cụ thể [1]." for i in range(80)]
    text = " ".join(sentences) + "\n\nNguồn:\n[1] Báo cáo, mục I, trang 3"
    pieces = split_message(text, 2000)
    assert len(pieces) >= 3 and all(len(p) <= 2000 for p in pieces)
    assert all(p.rstrip().endswith((".", "3")) for p in pieces)
    assert " ".join(" ".join(pieces).split()) == " ".join(text.split())
    assert split_message("x" * 4500, 2000) == ["x" * 2000, "x" * 2000, "x" * 500]


def test_format_lists_sources_with_title_section_page_and_date():
    answer = Answer(
        answer="Có 2 tỉnh [1].", items=["An Giang", "Bắc Giang"], grounded=True,
        citations=[Citation(marker=1, document="a.pdf", title="Báo cáo tháng 3", section="I > 1", page=4,
                            quote="q", chunk_id="c", as_of="2025-03-26")],
    )
    text = format_answer(answer)
    assert text.splitlines() == [
        "Có 2 tỉnh [1].", "- An Giang", "- Bắc Giang", "", "Nguồn:",
        "[1] Báo cáo tháng 3, I > 1, trang 4, số liệu đến 26/03/2025",
    ]
