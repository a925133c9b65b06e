"""Plan documents: a task (`- …`) followed by its `+ Kết quả thực hiện`, `+ Cơ quan chủ trì`, … lines."""

from __future__ import annotations

import re
from dataclasses import dataclass

from baocao.ingest.structure import Block

FIELD_LABELS = {
    "result": re.compile(r"^\+?\s*(?:Kết quả thực hiện|Kết quả|Sản phẩm)\s*:\s*", re.IGNORECASE),
    "lead": re.compile(r"^\+?\s*(?:Cơ quan chủ trì(?: tổ chức triển khai| thực hiện)?|Chủ trì)\s*:\s*", re.IGNORECASE),
    "coordinating": re.compile(r"^\+?\s*(?:Cơ quan phối hợp|Phối hợp)\s*:\s*", re.IGNORECASE),
    "deadline": re.compile(r"^\+?\s*(?:Thời hạn hoàn thành|Thời gian hoàn thành|Thời hạn)\s*:\s*", re.IGNORECASE),
}


@dataclass
class TaskGroup:
    task_block: Block
    fields: dict[str, str]
    field_blocks: list[Block]

    @property
    def blocks(self) -> list[Block]:
        return [self.task_block, *self.field_blocks]


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
    """Index of each task's `-` block -> its group, when at least two fields follow it."""
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
