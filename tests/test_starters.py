"""Starter questions made from the indexed documents (api/starters.py + api/data/starters.json)."""

from __future__ import annotations

import copy

import pytest

from baocao.api import starters


@pytest.fixture(scope="module")
def assistant(sample_index):
    from baocao.assistant.service import Assistant

    return Assistant.from_settings(sample_index.settings, index=sample_index)


def test_starters_come_from_the_documents_and_are_answered_from_them(assistant):
    found = starters.generate(assistant)
    assert 3 <= len(found) <= starters.templates()["max_total"]
    assert len({s.document for s in found}) >= 3  # round robin over the recent documents
    assert {s.kind for s in found} >= {"list", "lead", "section"}
    for s in found:
        assert "…" not in s.question and s.question.endswith("?") and s.question[0].isupper()
        assert starters.answers_from(assistant, s.question, s.document), s.question
    generation, cached = starters.starters_of(assistant)
    assert cached == found and generation == assistant.index.lexical().generation


def test_the_templates_are_data(assistant):
    spec = copy.deepcopy(starters.templates())
    spec["tasks"][0]["template"] = "Những nhiệm vụ nào do {lead} chủ trì?"
    questions = [s.question for s in starters.generate(assistant, spec)]
    assert "Những nhiệm vụ nào do Bộ Thông tin và Truyền thông chủ trì?" in questions


def test_zalo_replies_carry_two_starters_as_examples(assistant):
    first, second = (s.question for s in starters.starters_of(assistant)[1][:2])
    welcome = starters.zalo_reply("welcome", assistant)
    assert welcome.startswith("Xin chào") and f'"{first}"' in welcome and f'"{second}"' in welcome
    assert "chỉ đọc được tin nhắn văn bản" in starters.zalo_reply("not_text", assistant)


def test_no_documents_no_starters(tmp_path, embedder):
    from baocao.assistant.service import Assistant
    from baocao.settings import Settings
    from baocao.vectorstore.store import open_index

    settings = Settings(home=tmp_path / "home")
    empty = Assistant.from_settings(settings, index=open_index(settings, embedder))
    assert starters.generate(empty) == []
    assert starters.zalo_reply("empty", empty) == "Bạn hãy gõ câu hỏi về các báo cáo."
