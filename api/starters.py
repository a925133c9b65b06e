"""Starter questions from the indexed documents: `GET /api/starters`, and the examples in Zalo replies.

A few per recent document, made from what the document holds — its lists ("43/63 địa phương thành
lập …" → "Địa phương nào chưa thành lập …?"), its plan tasks (the agency that leads the most, a short
task) and its numbered result sections — by the patterns and templates of `api/data/starters.json`.
A candidate is offered only if the assistant answers it grounded, citing that document, so a starter
never leads to "không tìm thấy". Computed once per index generation (a few hundred ms per document).
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from pydantic import BaseModel

from baocao.api.security import READER, Reader
from baocao.ingest.models import Chunk

TEMPLATES = Path(__file__).parent / "data" / "starters.json"
MIN_QUOTE = 60  # characters of the cited sentence; shorter is a heading or a fragment
DANGLING = {"và", "về", "của", "các", "cho", "trong", "để", "với", "theo", "tại", "đã", "được", "những", "là", "từ", "đến"}
router = APIRouter(prefix="/api", tags=["chat"])


@dataclass
class Starter:
    question: str
    kind: str  # list | lead | task | section
    document: str
    doc_id: str
    title: str


class StarterOut(BaseModel):
    question: str
    kind: str
    document: str
    doc_id: str
    title: str


class StarterList(BaseModel):
    starters: list[StarterOut]
    generation: str | None = None


@lru_cache(maxsize=1)
def templates() -> dict:
    return json.loads(TEMPLATES.read_text(encoding="utf-8"))


def _words(text: str, spec: dict) -> str:
    """Short: cut before a connector ("về", "thực hiện" …) once there are enough words, at most
    `max_words`, never ending on a dangling word."""
    words = text.split()
    cuts = [c.split() for c in spec["cut_before"]]
    for i in range(spec["min_words"], len(words)):
        if any([w.lower() for w in words[i:i + len(c)]] == c for c in cuts):
            words = words[:i]
            break
    words = words[: spec["max_words"]]
    while words and words[-1].lower().strip(",") in DANGLING:
        words.pop()
    return " ".join(words).strip(" ,")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _when(report_date: str | None, spec: dict) -> str:
    match = re.match(r"(\d{4})(?:-(\d{2}))?", report_date or "")
    if not match:
        return ""
    year, month = match.group(1), match.group(2)
    return spec["when_month"].format(month=int(month), year=year) if month else spec["when_year"].format(year=year)


def list_questions(chunks: list[Chunk], spec: dict) -> list[str]:
    out = []
    kinds = {k.lower(): v for k, v in spec["kind_words"].items()}
    for pattern in spec["lists"]:
        regex = re.compile(pattern["pattern"], re.IGNORECASE | re.MULTILINE)
        for chunk in chunks:
            label = chunk.section.split(" > ")[-1]
            for text in (chunk.text, chunk.context or "", "" if label.endswith("…") else label):
                for match in regex.finditer(text):
                    predicate = _words(match.group("predicate"), spec)
                    kind = kinds.get(match.group("kind").lower())
                    if kind and len(predicate.split()) >= spec["min_words"]:
                        out.append(pattern["template"].format(Kind=kind, predicate=predicate))
    return out


def task_questions(chunks: list[Chunk], spec: dict) -> list[str]:
    tasks = [c.task for c in chunks if c.task is not None]
    if not tasks:
        return []
    by = {t["source"]: t["template"] for t in spec["tasks"]}
    out = []
    leads = Counter(t.lead.split(",")[0].strip() for t in tasks if t.lead)
    if leads and "lead" in by:
        lead, count = leads.most_common(1)[0]
        if count >= 2:
            out.append(by["lead"].format(lead=lead))
    short = sorted((t for t in tasks if t.lead and t.deadline and len(t.task.split()) <= spec["max_words"] + 3),
                   key=lambda t: len(t.task))
    if short and "task" in by:
        name = short[0].task.strip().rstrip(".;:")
        out.append(by["task"].format(task=f"“{name[:1].lower()}{name[1:]}”"))
    return out


def section_questions(chunks: list[Chunk], spec: dict, report_date: str | None) -> list[str]:
    sections = spec["sections"]
    heading = re.compile(sections["heading"])  # case matters: "I. KẾT QUẢ" is a part, not a topic
    skip = re.compile(sections["skip"], re.IGNORECASE)
    when = _when(report_date, sections)
    out, seen = [], set()
    for chunk in chunks:
        label = chunk.section.split(" > ")[-1].strip() if chunk.section else ""
        if label in seen or skip.search(chunk.section or ""):
            continue
        seen.add(label)
        match = heading.match(label)
        if match:
            topic = _words(match.group("topic"), spec)
            if topic.isupper() or len(topic.split()) < 2:
                continue
            topic = topic[:1].lower() + topic[1:] if not topic[:2].isupper() else topic
            out.append(" ".join(sections["template"].format(topic=topic, when=when).split()).replace(" ?", "?"))
    return out


def candidates(chunks: list[Chunk], report_date: str | None, spec: dict) -> list[tuple[str, str]]:
    """(kind, question) in the order they are tried: lists, tasks, sections."""
    found = [("list", q) for q in list_questions(chunks, spec)]
    found += [("lead" if i == 0 and "chủ trì những" in q else "task", q) for i, q in enumerate(task_questions(chunks, spec))]
    found += [("section", q) for q in section_questions(chunks, spec, report_date)]
    out, seen = [], set()
    for kind, question in found:
        key = unicodedata.normalize("NFC", question).casefold()
        if key not in seen:
            seen.add(key)
            out.append((kind, _capital(question)))
    return out


def answers_from(assistant, question: str, document: str) -> bool:
    """Does the assistant answer it, grounded, from this document? (No conversation is recorded.)"""
    answer = assistant.answer_question(question)
    # a heading quoted back is not an answer: some cited sentence of this document must say something
    return answer.grounded and any(c.document == document and len(c.quote) >= MIN_QUOTE
                                   and c.quote.strip(" .:;") not in c.section for c in answer.citations)


def generate(assistant, spec: dict | None = None) -> list[Starter]:
    spec = spec or templates()
    index = assistant.index
    records = sorted(index.list_documents(), key=lambda r: (r.report_date or "", r.ingested_at), reverse=True)
    chunks = index.current_chunks()
    queues = []
    for record in records[: spec["recent_documents"]]:
        own = sorted((c for c in chunks if c.doc_id == record.doc_id), key=lambda c: c.order)
        queues.append((record, candidates(own, record.report_date, spec)[: spec["per_document"] * 4], []))
    out: list[Starter] = []
    # Round robin, newest document first: the best question of each document before the second of any.
    for _ in range(spec["per_document"]):
        for record, queue, kept in queues:
            while queue and len(out) < spec["max_total"]:
                kind, question = queue.pop(0)
                if answers_from(assistant, question, record.document):
                    kept.append(question)
                    out.append(Starter(question, kind, record.document, record.doc_id, record.title))
                    break
    return out


class StarterCache:
    """Starters per index generation; one computation at a time."""

    def __init__(self):
        self._lock = threading.Lock()
        self._value: tuple[str, list[Starter]] | None = None

    def get(self, assistant) -> tuple[str, list[Starter]]:
        generation = assistant.index.lexical().generation
        with self._lock:
            if self._value is None or self._value[0] != generation:
                self._value = (generation, generate(assistant))
            return self._value


_caches: dict[int, StarterCache] = {}
_caches_lock = threading.Lock()


def starters_of(assistant) -> tuple[str, list[Starter]]:
    with _caches_lock:
        cache = _caches.setdefault(id(assistant), StarterCache())
    return cache.get(assistant)


def zalo_reply(kind: str, assistant) -> str:
    """The Zalo bot's welcome / empty / not-text replies, with two starter questions as examples."""
    spec = templates()["zalo"]
    try:
        questions = [s.question for s in starters_of(assistant)[1]]
    except Exception:  # an index that cannot be read must not stop a polite reply
        questions = []
    if len(questions) >= 2:
        examples = spec["examples_two"].format(first=questions[0], second=questions[1])
    elif questions:
        examples = spec["examples_one"].format(first=questions[0])
    else:
        examples = ""
    return spec[kind].format(examples=examples)


@router.get("/starters", response_model=StarterList, response_model_exclude_none=True, dependencies=[Reader],
            summary="Suggested first questions, from the recent documents",
            responses={200: {"content": {"application/json": {"example": {"generation": "3f2a9c0e1b7d4a55", "starters": [
                {"question": "Địa phương nào chưa thành lập/kiện toàn Ban Chỉ đạo về phát triển khoa học?", "kind": "list",
                 "document": "2025-03_bao-cao.txt", "doc_id": "475de6c193893ca0", "title": "Báo cáo Chuyển đổi số quốc gia tháng 3 năm 2025"}]}}}}},
            openapi_extra=READER)
def get_starters(request: Request) -> dict:
    generation, starters = starters_of(request.app.state.assistant)
    return {"generation": generation, "starters": [asdict(s) for s in starters]}
