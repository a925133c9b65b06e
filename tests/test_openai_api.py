"""The OpenAI-compatible API (`/v1/models`, `/v1/chat/completions`) through the official `openai` client,
against a live `baocao serve` on loopback that requires the chat token as the API key."""

from __future__ import annotations

import openai
import pytest

from live_baocao import live_baocao  # noqa: F401  (session fixture: one server for this module and test_mcp)

LIST_QUESTION = "Tỉnh nào chưa thành lập Ban Chỉ đạo?"


@pytest.fixture(scope="module")
def client(live_baocao):  # noqa: F811
    return openai.OpenAI(base_url=live_baocao.url + "/v1", api_key=live_baocao.token, timeout=120, max_retries=0)


def test_models_and_the_chat_token_as_the_api_key(client, live_baocao):  # noqa: F811
    assert [m.id for m in client.models.list()] == ["baocao"]
    stranger = openai.OpenAI(base_url=live_baocao.url + "/v1", api_key="not-the-token", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as refused:
        stranger.models.list()
    assert refused.value.body["code"] == "unauthorized"
    with pytest.raises(openai.NotFoundError) as unknown:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": LIST_QUESTION}])
    assert unknown.value.body["code"] == "model_not_found" and "baocao" in unknown.value.body["message"]
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="baocao", messages=[{"role": "system", "content": "Bạn là trợ lý."}])


def test_a_completion_carries_markers_the_sources_footer_and_the_whole_answer(client):
    completion = client.chat.completions.create(model="baocao", messages=[
        {"role": "system", "content": "Trả lời ngắn gọn."}, {"role": "user", "content": LIST_QUESTION}])
    assert completion.object == "chat.completion" and completion.model == "baocao"
    choice = completion.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    text = choice.message.content
    assert "An Giang" in text and "[1]" in text
    answer_part, footer = text.split("\n\nNguồn:\n")
    assert footer.startswith("[1] Báo cáo Chuyển đổi số quốc gia tháng 3 năm 2025")
    extra = completion.model_extra["baocao"]  # the documented extra field: the whole Answer
    assert extra["grounded"] is True and len(extra["items"]) == 20
    assert extra["answer"] == answer_part
    first = extra["citations"][0]
    assert first["marker"] == 1 and first["quote"] in first["text"] and first["chunk_id"]

    # earlier turns are the conversation: a follow-up is understood
    follow = client.chat.completions.create(model="baocao", messages=[
        {"role": "user", "content": LIST_QUESTION},
        {"role": "assistant", "content": text},
        {"role": "user", "content": "Còn bộ, ngành nào?"}])
    assert "Bộ Công an" in follow.choices[0].message.content


def test_streaming_sends_openai_chunks_that_add_up_to_the_same_reply(client):
    question = "Tốc độ Internet di động tháng 10/2025?"
    whole = client.chat.completions.create(model="baocao", messages=[{"role": "user", "content": question}])
    stream = client.chat.completions.create(model="baocao", messages=[{"role": "user", "content": question}], stream=True)
    chunks = list(stream)
    assert all(c.object == "chat.completion.chunk" and c.model == "baocao" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    pieces = [c.choices[0].delta.content or "" for c in chunks]
    assert len([p for p in pieces if p]) >= 2  # the answer, then the sources
    assert "".join(pieces) == whole.choices[0].message.content
    assert "159,57 Mbps" in "".join(pieces)
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.model_extra["baocao"]["citations"][0]["quote"]
