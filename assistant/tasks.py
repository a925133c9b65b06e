"""Questions about plan tasks, answered from the structured task records.

"Cơ quan nào chủ trì …?" / "… hạn khi nào?" → the one task that matches; "Bộ Công an chủ trì những
nhiệm vụ nào?" / "Nhiệm vụ nào hạn tháng 12/2025?" → every task that matches the agency and deadline.
"""

from __future__ import annotations

import re
from functools import lru_cache

from baocao.assistant.compose import CitationList, document_name
from baocao.ingest.entities import find_entities
from baocao.ingest.gazetteer import Gazetteer
from baocao.assistant.evidence import TermWeights, content_syllables, syllables
from baocao.assistant.models import Answer
from baocao.assistant.query import Query
from baocao.ingest.models import TaskRecord
from baocao.ingest.text import fold

DEADLINE = re.compile(r"(?:thang|tháng)\s+(\d{1,2})\s*/\s*(\d{4})|(?:quy|quý)\s+([IV]+|\d)\s*/\s*(\d{4})", re.IGNORECASE)
MIN_TASK_MATCH = 0.5


def deadline_key(text: str | None) -> str | None:
    """`Tháng 12/2025` → `2025-12`."""
    m = DEADLINE.search(fold(text or ""))
    if m and m.group(1):
        return f"{int(m.group(2)):04d}-{int(m.group(1)):02d}"
    return None


def agencies_in(text: str) -> frozenset[str]:
    return _agencies_in(text, Gazetteer.load())


@lru_cache(maxsize=20_000)
def _agencies_in(text: str, gazetteer: Gazetteer) -> frozenset[str]:
    """Per gazetteer (one per data folder and packs), each lead/partner text read once: a question about
    an agency's tasks reads every task of the index."""
    return frozenset(m.entity.name for m in find_entities(text, ("agency",), require_capital=False, gazetteer=gazetteer))


def task_lines(task: TaskRecord) -> str:
    fields = [("chủ trì", task.lead), ("phối hợp", task.coordinating), ("thời hạn", task.deadline), ("kết quả", task.result)]
    return "; ".join(f"{label}: {value}" for label, value in fields if value)


def topic_score(query: Query, task: TaskRecord, weights: TermWeights) -> float:
    return topic_scorer(query, weights)(task)


def topic_scorer(query: Query, weights: TermWeights):
    """`topic_score(query, ·, weights)` with the question's words and weights read once (a question at
    100k chunks is scored against thousands of tasks); each task's words are read once per text."""
    wanted = list(dict.fromkeys(content_syllables(query.text, "question", "task")))
    weight = {t: weights.weight(t) for t in wanted}
    total = sum(weight[t] for t in wanted)

    def score(task: TaskRecord) -> float:
        if not wanted:
            return 0.0
        present = task_words(f"{task.task} {task.result or ''}")
        return sum(weight[t] for t in wanted if t in present) / total if total else 0.0

    return score


@lru_cache(maxsize=20_000)
def task_words(text: str) -> frozenset[str]:
    return frozenset(syllables(text))


class TaskAnswerer:
    """Answers from the task records of the catalogue (`answer(plan, context)`)."""

    name = "tasks"

    def answer(self, plan, context) -> Answer | None:
        query = plan.part.query
        catalogue = context.catalogue
        if plan.part.ask != "task" or not catalogue.tasks.items:
            return None
        weights = catalogue.weights
        agencies = agencies_in(query.text)
        # a deadline is a month ('hạn tháng 12/2025'); 'Kế hoạch năm 2025' names the plan, not a deadline
        deadline = query.period[0][:7] if query.period and query.period[0][:7] == query.period[1][:7] else None
        if (query.wants_list or query.wants_count) and (agencies or deadline):
            tasks = [(f.chunk, f.record) for f in catalogue.tasks.items]  # a role or a month: every task is read
            return self.list_answer(query, tasks, agencies, deadline)
        words = syllables(query.text)
        tasks = context.in_named_document(plan, [(f.chunk, f.record) for f in catalogue.tasks.matching(words)], lambda t: t[0])
        return self.single_answer(query, tasks, weights)

    def list_answer(self, query: Query, tasks, agencies: set[str], deadline: str | None) -> Answer | None:
        role = "coordinating" if "phoi hop" in query.folded else "lead"
        chosen = []
        for chunk, task in tasks:
            if agencies and not agencies & agencies_in(getattr(task, role) or ""):
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
        title = document_name(chosen[0][0])
        head = f"Theo {title}, {who} {what} {len(chosen)} nhiệm vụ{when}:" if agencies else f"Theo {title}, có {len(chosen)} nhiệm vụ{when}:"
        return Answer(answer="\n".join([head, *lines]), citations=cites.citations,
                      items=[t.task.rstrip(".") for _, t in chosen], grounded=True, as_of=chosen[0][0].as_of)

    def single_answer(self, query: Query, tasks, weights: TermWeights) -> Answer | None:
        score = topic_scorer(query, weights)
        scored = sorted(((score(t), c, t) for c, t in tasks), key=lambda x: x[0], reverse=True)
        if not scored or scored[0][0] < MIN_TASK_MATCH:
            return None
        score, chunk, task = scored[0]
        cites = CitationList()
        marker = cites.cite(chunk, chunk.text)
        text = f"Theo {document_name(chunk)}, nhiệm vụ «{task.task.rstrip('.')}»: {task_lines(task)} [{marker}]."
        return Answer(answer=text, citations=cites.citations, grounded=True, as_of=chunk.as_of)
