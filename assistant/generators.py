"""LLM answerers through LangChain: any OpenAI-compatible server (chat or completion) or a local GGUF.

The model reads the retrieved passages numbered [1]..[n] and cites them after each sentence; every
sentence then goes through the grounding guard (`assistant/guard.py`), which keeps only what the cited
passages support and gives each citation a verbatim quote. `build_llm` returns None when no LLM is
configured: the service then uses the offline extractive answerer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Literal

from langchain_core.language_models import BaseChatModel, BaseLanguageModel
from langchain_core.messages import BaseMessage

from assistant.compose import citation, refusal, vn_date
from assistant.guard import Guard, SentenceStream
from assistant.models import Answer
from assistant.query import Query
from baocao.settings import Settings
from ingest.models import Chunk
from prompts import load_prompt
from vectorstore.store import SearchHit

log = logging.getLogger(__name__)

Mode = Literal["chat", "completion"]
GENERATOR = "llm"
PROMPTS: dict[str, str] = {"chat": "answer", "completion": "answer_completion"}
# Where a base model, having answered, starts writing the next exercise. OpenAI allows at most 4 stop strings.
STOP = ["\nCâu hỏi:", "\nĐoạn trích:", "\n\n\n", "<end_of_turn>"]
PLACEHOLDER_API_KEY = "not-needed"  # local servers ignore the key, but the OpenAI client insists on one


# ---------------------------------------------------------------- models


def build_llm(settings: Settings) -> BaseLanguageModel | None:
    """The LLM the settings ask for, or None for the extractive default."""
    if settings.llm_gguf_path:
        return _local_gguf(settings)
    if settings.llm_base_url:
        return _completion_server(settings) if settings.llm_mode == "completion" else _chat_server(settings)
    return None


def _chat_server(settings: Settings) -> BaseLanguageModel:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=settings.llm_model or "default",
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key or PLACEHOLDER_API_KEY,
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
        timeout=settings.llm_timeout,
        max_retries=1,
    )


def _completion_server(settings: Settings) -> BaseLanguageModel:
    from langchain_openai import OpenAI

    return OpenAI(
        model=settings.llm_model or "default",
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key or PLACEHOLDER_API_KEY,
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
        timeout=settings.llm_timeout,
        max_retries=1,
    )


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
    return "chat" if isinstance(llm, BaseChatModel) else "completion"


# ---------------------------------------------------------------- prompt


def format_passage(number: int, chunk: Chunk) -> str:
    header = " — ".join(x for x in (chunk.title, chunk.section, vn_date(chunk.as_of)) if x)
    return f"[{number}] {header}\n{chunk.text.strip()}"


def format_sources(chunks: list[Chunk]) -> str:
    return "\n\n".join(format_passage(n, chunk) for n, chunk in enumerate(chunks, 1))


def build_prompt(question: str, chunks: list[Chunk], mode: Mode) -> str:
    return load_prompt(PROMPTS[mode]).format(sources=format_sources(chunks), question=question)


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
) -> Iterator[str | Answer]:
    """Yields each sentence of the answer (with its final [n] markers) once the guard has passed it,
    then the final Answer. Sentences that fail the guard are never yielded; if none passes, only the
    fallback Answer (by default the refusal with related passages) comes out.
    """
    question = query.text if isinstance(query, Query) else query
    fallback = fallback or (lambda: refusal(hits))
    chunks = [h.chunk for h in hits[:max_passages]]
    draft = draft_answer("", chunks)
    checker = Guard(draft.citations, hits[:max_passages])
    sentences = SentenceStream()
    raw: list[str] = []
    prompt = build_prompt(question, chunks, mode or mode_of(llm))
    try:
        for piece in stream_text(llm, prompt):
            raw.append(piece)
            for claim in sentences.feed(piece):
                if shown := checker.check(claim):
                    yield shown
    except Exception as error:  # noqa: BLE001 — an unreachable or failing server must not break the answer
        log.warning("LLM generation failed, using what was checked so far or the fallback: %s", error)
        draft.dropped.append(f"(LLM lỗi: {type(error).__name__}: {error})")
    for claim in sentences.close():
        if shown := checker.check(claim):
            yield shown
    draft.answer = "".join(raw)
    yield checker.result(draft, fallback)


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
