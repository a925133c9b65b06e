"""Plan documents: the tasks of a kế hoạch, as bullets or as a table.

Bullets: a task (`- …`) followed by its `+ Kết quả thực hiện`, `+ Cơ quan chủ trì`, … lines.
Tables: rows rendered by the loaders as `Header: value; Header: value` (`STT: 1; Nhiệm vụ: …; Cơ quan chủ
trì: …; Thời hạn: …`); the header synonyms are data (`data/task_table_headers.json`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from baocao.ingest.structure import Block
from baocao.ingest.vietnamese import fold

FIELD_LABELS = {
    "result": re.compile(r"^\+?\s*(?:Kết quả thực hiện|Kết quả|Sản phẩm)\s*:\s*", re.IGNORECASE),
    "lead": re.compile(r"^\+?\s*(?:Cơ quan chủ trì(?: tổ chức triển khai| thực hiện)?|Chủ trì)\s*:\s*", re.IGNORECASE),
    "coordinating": re.compile(r"^\+?\s*(?:Cơ quan phối hợp|Phối hợp)\s*:\s*", re.IGNORECASE),
    "deadline": re.compile(r"^\+?\s*(?:Thời hạn hoàn thành|Thời gian hoàn thành|Thời hạn)\s*:\s*", re.IGNORECASE),
}
TASK_FIELDS = ("result", "lead", "coordinating", "deadline")
_HEADERS = Path(__file__).parent / "data" / "task_table_headers.json"
_ROW_KEY = re.compile(r"(?:^|;\s)([^:;]{1,80}?):\s")


@dataclass
class TaskGroup:
    task_block: Block
    fields: dict[str, str]
    field_blocks: list[Block]
    name: str | None = None  # the task as a table row names it; bullets: the `-` line

    @property
    def blocks(self) -> list[Block]:
        return [self.task_block, *self.field_blocks]

    @property
    def task(self) -> str:
        return self.name or task_name(self.task_block)


def task_field(block: Block) -> tuple[str, str] | None:
    if block.kind != "item":
        return None
    for name, label in FIELD_LABELS.items():
        m = label.match(block.text)
        if m:
            return name, block.text[m.end():].strip().rstrip(".").strip()
    return None


def task_name(block: Block) -> str:
    return re.sub(r"^[-–•*]\s*", "", block.text).strip()


def find_task_groups(blocks: list[Block]) -> dict[int, TaskGroup]:
    """Index of each task's block -> its group: a `-` task followed by at least two fields, or a row of a task table."""
    groups = _bullet_tasks(blocks)
    groups.update(table_tasks(blocks))
    return groups


def _bullet_tasks(blocks: list[Block]) -> dict[int, TaskGroup]:
    groups: dict[int, TaskGroup] = {}
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind == "item" and block.text.lstrip().startswith(("-", "–", "•")) and not task_field(block):
            fields: dict[str, str] = {}
            field_blocks: list[Block] = []
            j = i + 1
            while j < len(blocks) and (found := task_field(blocks[j])):
                fields.setdefault(found[0], found[1])
                field_blocks.append(blocks[j])
                j += 1
            if len(fields) >= 2:
                groups[i] = TaskGroup(block, fields, field_blocks)
                i = j
                continue
        i += 1
    return groups


# --- task tables ----------------------------------------------------------------------------------


@cache
def header_synonyms() -> dict[str, list[str]]:
    data = json.loads(_HEADERS.read_text(encoding="utf-8"))
    return {name: [_norm(s) for s in synonyms] for name, synonyms in data.items() if not name.startswith("_")}


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w/ ]", " ", fold(text).lower()).split())


def column_role(header: str) -> str | None:
    """`Cơ quan chủ trì thực hiện` -> lead; `Thời hạn / Deadline` -> deadline; None for other columns.
    A stacked header (`Kết quả / Kế hoạch`) is read by its first label."""
    label = _norm(header.split(" / ")[0])
    for role, synonyms in header_synonyms().items():
        for synonym in sorted(synonyms, key=len, reverse=True):
            if label == synonym or label.startswith(synonym + " "):
                return role
    return None


def table_runs(blocks: list[Block]) -> list[list[int]]:
    runs: list[list[int]] = []
    for i, block in enumerate(blocks):
        if block.kind == "table":
            if runs and runs[-1][-1] == i - 1:
                runs[-1].append(i)
            else:
                runs.append([i])
    return runs


def row_cells(text: str, headers: list[str]) -> dict[str, str]:
    """`STT: 1; Nhiệm vụ: A; B; Thời hạn: 2025` -> {STT: 1, Nhiệm vụ: "A; B", Thời hạn: 2025}, cut only at the table's own headers."""
    pattern = re.compile(r"(?:^|;\s)(" + "|".join(re.escape(h) for h in sorted(headers, key=len, reverse=True)) + r"):\s")
    matches = list(pattern.finditer(text))
    cells = {}
    for k, m in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else len(text)
        cells[m.group(1)] = text[m.end():end].strip().rstrip(";").strip()
    return cells


def table_tasks(blocks: list[Block]) -> dict[int, TaskGroup]:
    """Rows of a table whose columns include a task and a lead agency or a deadline."""
    groups: dict[int, TaskGroup] = {}
    for run in table_runs(blocks):
        counts: dict[str, int] = {}
        for i in run:
            for key in dict.fromkeys(m.group(1).strip() for m in _ROW_KEY.finditer(blocks[i].text)):
                counts[key] = counts.get(key, 0) + 1
        headers = [key for key, n in counts.items() if n * 2 >= len(run) or (len(run) <= 2 and n)]
        roles = {h: role for h in headers if (role := column_role(h))}
        if "task" not in roles.values() or not ({"lead", "deadline"} & set(roles.values())):
            continue
        for i in run:
            cells = row_cells(blocks[i].text, headers)
            fields = {role: cells[h].rstrip(".") for h, role in roles.items() if role in TASK_FIELDS and cells.get(h)}
            task = next((cells[h] for h, role in roles.items() if role == "task" and cells.get(h)), None)
            if task and (fields.get("lead") or fields.get("deadline")):
                groups[i] = TaskGroup(blocks[i], fields, [], name=task)
    return groups
