"""LLM answerers through LangChain: any OpenAI-compatible server (chat or completion) or a local GGUF.

The model reads the retrieved passages numbered [1]..[n] and cites them after each sentence; every
sentence then goes through the grounding guard (`assistant/guard.py`), which keeps only what the cited
passages support and gives each citation a verbatim quote. `build_llm` returns None when no LLM is
configured: the service then uses the offline extractive answerer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Literal

from baocao.assistant.compose import citation, refusal
from baocao.assistant.guard import Guard, SentenceStream, passage_header
from baocao.assistant.models import Answer
from baocao.assistant.query import Query
from baocao.settings import Settings
from baocao.ingest.models import Chunk
from baocao.prompts import load_prompt
from baocao.vectorstore.store import SearchHit

if TYPE_CHECKING:  # imported where used: the offline answerer (no LLM) never loads langchain_core's models
    from langchain_core.language_models import BaseLanguageModel
    from langchain_core.messages import BaseMessage

log = logging.getLogger(__name__)

Mode = Literal["chat", "completion"]
GENERATOR = "llm"
PROMPTS: dict[str, str] = {"chat": "answer", "completion": "answer_completion"}
# Where a base model, having answered, goes on writing the next exercise or another passage.
# OpenAI's API allows at most 4 stop strings.
STOP = ["\nCâu hỏi:", "\nĐoạn trích:", "\n\n[", "<end_of_turn>"]
PLACEHOLDER_API_KEY = "not-needed"  # local servers ignore the key, but the OpenAI client insists on one


# ---------------------------------------------------------------- models


def build_llm(settings: Settings) -> BaseLanguageModel | None:
    """The LLM the settings ask for, or None for the extractive default."""
    if settings.llm_gguf_path:
        return _local_gguf(settings)
    if settings.llm_base_url:
        return _completion_server(settings) if settings.llm_mode == "completion" else _chat_server(settings)
    return None


def _server_options(settings: Settings) -> dict:
    """What every OpenAI-compatible client gets: the server, the model and the generation limits."""
    return {
        "model": settings.llm_model or "default",
        "base_url": settings.llm_base_url,
        "api_key": settings.llm_api_key or PLACEHOLDER_API_KEY,
        "temperature": settings.llm_temperature,
        "max_tokens": settings.llm_max_tokens,
        "timeout": settings.llm_timeout,
        "max_retries": 1,
    }


def _chat_server(settings: Settings) -> BaseLanguageModel:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(**_server_options(settings), extra_body=_max_tokens_for_compatible_servers(settings))


def _max_tokens_for_compatible_servers(settings: Settings) -> dict | None:
    """ChatOpenAI sends only `max_completion_tokens`, which llama-cpp-python's server and older Ollama ignore
    (they then write until the context is full); OpenAI itself wants only the new name."""
    if "api.openai.com" in (settings.llm_base_url or ""):
        return None
    return {"max_tokens": settings.llm_max_tokens}


def _completion_server(settings: Settings) -> BaseLanguageModel:
    from langchain_openai import OpenAI

    return OpenAI(**_server_options(settings))


def _local_gguf(settings: Settings) -> BaseLanguageModel:
    from langchain_community.llms import LlamaCpp  # needs llama-cpp-python

    return LlamaCpp(
        model_path=settings.llm_gguf_path,
        n_ctx=settings.llm_context_tokens,
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
        verbose=False,
    )


def mode_of(llm: BaseLanguageModel) -> Mode:
    """Chat models get the instruction prompt; plain LLMs (base models) the completion prompt."""
    from langchain_core.language_models import BaseChatModel

    return "chat" if isinstance(llm, BaseChatModel) else "completion"


# ---------------------------------------------------------------- prompt


def format_passage(number: int, chunk: Chunk) -> str:
    return f"[{number}] {passage_header(chunk)}\n{chunk.text.strip()}"


def format_sources(chunks: list[Chunk]) -> str:
    return "\n\n".join(format_passage(n, chunk) for n, chunk in enumerate(chunks, 1))


def build_prompt(question: str, chunks: list[Chunk], mode: Mode, notes: str = "") -> str:
    """`notes`: the question's plan and the records that match it (assistant/answerers.py)."""
    block = f"\nKế hoạch trả lời và số liệu đã trích từ các nguồn:\n{notes}\n" if notes else ""
    return load_prompt(PROMPTS[mode]).format(sources=format_sources(chunks), question=question, notes=block)


def draft_answer(raw: str, chunks: list[Chunk]) -> Answer:
    """The model's text with one citation per given passage (marker = passage number, quote to be chosen).

    The guard picks each sentence's verbatim quote, drops markers with no passage, and renumbers.
    """
    cites = [citation(chunk, "", n) for n, chunk in enumerate(chunks, 1)]
    return Answer(answer=raw, citations=cites, generator=GENERATOR)


# ---------------------------------------------------------------- generation


def _text_of(piece: str | BaseMessage) -> str:
    return piece if isinstance(piece, str) else str(piece.text)


def stream_text(llm: BaseLanguageModel, prompt: str) -> Iterator[str]:
    """Pieces of the model's text as it writes them."""
    for piece in llm.stream(prompt, stop=STOP):
        if text := _text_of(piece):
            yield text


def llm_stream(
    llm: BaseLanguageModel,
    query: Query | str,
    hits: list[SearchHit],
    *,
    mode: Mode | None = None,
    fallback: Callable[[], Answer] | None = None,
    max_passages: int = 6,
    notes: str = "",
) -> Iterator[str | Answer]:
    """Yields the text of the answer sentence by sentence, each once the guard has passed it (with its
    final [n] markers), then the final Answer; the text pieces always add up to `Answer.answer`.
    Sentences that fail the guard are never yielded; if none passes, the fallback's text (by default the
    refusal) is yielded whole, then the fallback Answer.
    """
    question = query.text if isinstance(query, Query) else query
    fallback = fallback or (lambda: refusal(hits))
    chunks = [h.chunk for h in hits[:max_passages]]
    draft = draft_answer("", chunks)
    checker = Guard(draft.citations, hits[:max_passages])
    sentences = SentenceStream()
    shown: list[str] = []
    prompt = build_prompt(question, chunks, mode or mode_of(llm), notes)
    try:
        for piece in stream_text(llm, prompt):
            for claim in sentences.feed(piece):
                if text := checker.check(claim):
                    shown.append(text)
                    yield text
    except Exception as error:  # noqa: BLE001 — an unreachable or failing server must not break the answer
        log.warning("LLM generation failed; answering with what passed the guard so far, or the fallback: %s", error)
        draft.dropped.append(f"(LLM lỗi: {type(error).__name__}: {error})")
    for claim in sentences.close():
        if text := checker.check(claim):
            shown.append(text)
            yield text
    if text := checker.release():
        shown.append(text)
        yield text
    answer = checker.result(draft, fallback)
    if not shown and answer.answer:  # the fallback or a refusal: nothing was shown yet
        yield answer.answer
    yield answer


def llm_answer(
    llm: BaseLanguageModel,
    query: Query | str,
    hits: list[SearchHit],
    *,
    mode: Mode | None = None,
    fallback: Callable[[], Answer] | None = None,
    max_passages: int = 6,
) -> Answer:
    """The guarded LLM answer: every sentence cited, supported by its passages and quoted verbatim."""
    final: Answer | None = None
    for item in llm_stream(llm, query, hits, mode=mode, fallback=fallback, max_passages=max_passages):
        if isinstance(item, Answer):
            final = item
    assert final is not None
    return final
