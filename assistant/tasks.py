"""Questions about plan tasks, answered from the structured task records.

"Cơ quan nào chủ trì …?" / "… hạn khi nào?" → the one task that matches; "Bộ Công an chủ trì những
nhiệm vụ nào?" / "Nhiệm vụ nào hạn tháng 12/2025?" → every task that matches the agency and deadline.
"""

from __future__ import annotations

import re

from baocao.assistant.compose import CitationList
from baocao.assistant.entities import find_entities
from baocao.assistant.evidence import QUESTION_WORDS, TermWeights, syllables
from baocao.assistant.models import Answer
from baocao.assistant.query import Query
from baocao.ingest.models import Chunk, TaskRecord
from baocao.ingest.vietnamese import fold

TASK_WORDS = {"co", "quan", "chu", "tri", "phoi", "hop", "thoi", "han", "hoan", "thanh", "nhiem", "vu", "bo", "khi",
              "nao", "deadline", "to", "chuc", "trien", "khai", "dau", "moi", "giao", "phu", "trach"}
DEADLINE = re.compile(r"(?:thang|tháng)\s+(\d{1,2})\s*/\s*(\d{4})|(?:quy|quý)\s+([IV]+|\d)\s*/\s*(\d{4})", re.IGNORECASE)
MIN_TASK_MATCH = 0.5


def deadline_key(text: str | None) -> str | None:
    """`Tháng 12/2025` → `2025-12`."""
    m = DEADLINE.search(fold(text or ""))
    if m and m.group(1):
        return f"{int(m.group(2)):04d}-{int(m.group(1)):02d}"
    return None


def agencies_in(text: str) -> set[str]:
    return {m.entity.name for m in find_entities(text, ("agency",), require_capital=False)}


def task_lines(task: TaskRecord) -> str:
    fields = [("chủ trì", task.lead), ("phối hợp", task.coordinating), ("thời hạn", task.deadline), ("kết quả", task.result)]
    return "; ".join(f"{label}: {value}" for label, value in fields if value)


def topic_words(query: Query) -> list[str]:
    return [t for t in dict.fromkeys(syllables(query.text)) if t not in QUESTION_WORDS and t not in TASK_WORDS]


def task_words(task: TaskRecord) -> set[str]:
    return set(syllables(f"{task.task} {task.result or ''}"))


def topic_score(query: Query, task: TaskRecord, weights: TermWeights, present: set[str] | None = None,
                wanted: list[str] | None = None) -> float:
    wanted = topic_words(query) if wanted is None else wanted
    if not wanted:
        return 0.0
    present = task_words(task) if present is None else present
    total = sum(weights.weight(t) for t in wanted)
    return sum(weights.weight(t) for t in wanted if t in present) / total if total else 0.0


class TaskAnswerer:
    """Task words and agencies are read once per task (kept by chunk id); a question scores only the tasks
    that share a word with it (the others score 0)."""

    def __init__(self) -> None:
        self._words: dict[str, set[str]] = {}
        self._agencies: dict[tuple[str, str], set[str]] = {}

    def _present(self, chunk: Chunk, task: TaskRecord) -> set[str]:
        if chunk.chunk_id not in self._words:
            self._words[chunk.chunk_id] = task_words(task)
        return self._words[chunk.chunk_id]

    def _agencies_of(self, chunk: Chunk, role: str, text: str) -> set[str]:
        key = (chunk.chunk_id, role)
        if key not in self._agencies:
            self._agencies[key] = agencies_in(text)
        return self._agencies[key]

    def answer(self, query: Query, chunks: list[Chunk], weights: TermWeights) -> Answer | None:
        if not query.about_tasks:
            return None
        tasks = [(c, c.task) for c in chunks if c.task is not None]
        if not tasks:
            return None
        agencies = agencies_in(query.text)
        deadline = query.period[0][:7] if query.period else None
        if query.wants_list and (agencies or deadline):
            return self.list_answer(query, tasks, agencies, deadline)
        return self.single_answer(query, tasks, weights)

    def list_answer(self, query: Query, tasks, agencies: set[str], deadline: str | None) -> Answer | None:
        role = "coordinating" if "phoi hop" in query.folded else "lead"
        chosen = []
        for chunk, task in tasks:
            if agencies and not agencies & self._agencies_of(chunk, role, getattr(task, role) or ""):
                continue
            if deadline and deadline_key(task.deadline) != deadline:
                continue
            chosen.append((chunk, task))
        if not chosen:
            return None
        cites = CitationList()
        lines = []
        for chunk, task in chosen:
            marker = cites.cite(chunk, chunk.text)
            lines.append(f"- {task.task.rstrip('.')} ({task_lines(task)}) [{marker}]")
        who = ", ".join(sorted(agencies)) if agencies else "Các cơ quan"
        what = "phối hợp" if role == "coordinating" else "chủ trì"
        when = f" có thời hạn {deadline[5:].lstrip('0')}/{deadline[:4]}" if deadline else ""
        title = chosen[0][0].title
        head = f"Theo {title}, {who} {what} {len(chosen)} nhiệm vụ{when}:" if agencies else f"Theo {title}, có {len(chosen)} nhiệm vụ{when}:"
        return Answer(answer="\n".join([head, *lines]), citations=cites.citations,
                      items=[t.task.rstrip(".") for _, t in chosen], grounded=True, as_of=chosen[0][0].as_of)

    def single_answer(self, query: Query, tasks, weights: TermWeights) -> Answer | None:
        wanted = topic_words(query)
        asked = set(wanted)
        sharing = [(c, t, present) for c, t in tasks if asked & (present := self._present(c, t))]
        scored = sorted(((topic_score(query, t, weights, present, wanted), c, t) for c, t, present in sharing),
                        key=lambda x: x[0], reverse=True)
        if not scored or scored[0][0] < MIN_TASK_MATCH:
            return None
        score, chunk, task = scored[0]
        cites = CitationList()
        marker = cites.cite(chunk, chunk.text)
        text = f"Theo {chunk.title}, nhiệm vụ «{task.task.rstrip('.')}»: {task_lines(task)} [{marker}]."
        return Answer(answer=text, citations=cites.citations, grounded=True, as_of=chunk.as_of)
