"""A file in, an `IngestedDocument` out: load → repair Vietnamese → clean → structure → chunk."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from baocao.ingest.chunker import Piece, group_pieces, split_long
from baocao.ingest.cleanup import header_issuer, page_lines, repeated_lines
from baocao.ingest.encoding import fix_legacy_encoding
from baocao.ingest.loaders import load_file
from baocao.ingest.metadata import DocumentFacts, as_of_dates, read_facts
from baocao.ingest.models import Chunk, IngestedDocument, Page, RawDocument, TaskRecord
from baocao.ingest.plan import find_task_groups, task_name
from baocao.ingest.repair import SyllableModel, rejoin_split_syllables, repair_replacement_chars
from baocao.ingest.plan import TaskGroup
from baocao.ingest.records import attach_records
from baocao.ingest.structure import SUPERSCRIPT, Block, assign_sections, build_blocks, link_footnotes, mark_footnote
from baocao.ingest.text import sentence_at as sentence_with
from baocao.progress import stage

REPLACEMENT = "\ufffd"


@dataclass
class PreparedText:
    pages: list[Page]
    warnings: list[str]


def prepare_pages(raw: RawDocument) -> PreparedText:
    """NFC, legacy encodings converted, split letters re-joined, lost letters (`�`) restored."""
    warnings: list[str] = []
    pages = []
    for page in raw.pages:
        text = unicodedata.normalize("NFC", page.text)
        text, encoding = fix_legacy_encoding(text)
        if encoding:
            warnings.append(f"converted from legacy encoding {encoding}")
        pages.append(Page(page.number, rejoin_split_syllables(text)))
    if any(REPLACEMENT in p.text for p in pages):
        model = SyllableModel.default().copy()
        model.update(line for p in pages for line in p.text.splitlines() if REPLACEMENT not in line)
        damaged = repaired = unresolved = 0
        for page in pages:
            result = repair_replacement_chars(page.text, model)
            page.text = result.text
            damaged, repaired, unresolved = damaged + result.damaged, repaired + result.repaired, unresolved + result.unresolved
        warnings.append(f"restored {repaired} of {damaged} words with lost letters (U+FFFD); {unresolved} left as �")
    return PreparedText(pages, warnings)


def attach_native_footnotes(blocks: list[Block], footnotes: dict[str, str]) -> list[Block]:
    """DOCX footnotes (marker `[^n]` in the body) become footnote blocks right after their paragraph."""
    if not footnotes:
        return blocks
    out: list[Block] = []
    for block in blocks:
        out.append(block)
        for number in re.findall(r"\[\^(\d+)\]", block.text):
            if number in footnotes:
                out.append(Block("footnote", footnotes[number], block.page, marker=number, lines=[footnotes[number]]))
    return out


class _ChunkBuilder:
    def __init__(self, raw: RawDocument, facts: DocumentFacts, doc_id: str):
        self.raw, self.facts, self.doc_id = raw, facts, doc_id
        self.chunks: list[Chunk] = []
        self.seen: set[str] = set()
        self.year = int(facts.report_date[:4]) if facts.report_date else None

    def add(self, text: str, section: str, page: int | None, kind: str = "text", **extra) -> Chunk | None:
        key = " ".join(text.split()).lower()
        if key in self.seen:  # the same text twice (e.g. a report and its summary) is indexed once
            return None
        self.seen.add(key)
        dates = as_of_dates(text, self.year, self.facts.report_date)
        chunk = Chunk(
            chunk_id=f"{self.doc_id}:{len(self.chunks):04d}",
            doc_id=self.doc_id,
            document=self.raw.name,
            title=self.facts.title,
            section=section,
            text=text,
            page=page,
            issuer=self.facts.issuer,
            report_date=self.facts.report_date,
            as_of=dates[0] if dates else self.facts.as_of,
            kind=kind,
            order=len(self.chunks),
            **extra,
        )
        self.chunks.append(chunk)
        return chunk


def document_id(raw: RawDocument) -> str:
    return raw.sha256[:16]


def to_pieces(blocks: list[Block], sections: list[str], limit: int) -> tuple[list[Piece], dict[int, TaskGroup]]:
    groups = find_task_groups(blocks)
    in_group = {id(b) for g in groups.values() for b in g.field_blocks}
    pieces: list[Piece] = []
    for i, block in enumerate(blocks):
        if id(block) in in_group or block.kind == "footnote":
            continue
        if i in groups:
            text = "\n".join(b.text for b in groups[i].blocks)
            pieces.append(Piece(text, sections[i], block.page, kind="task", blocks=[i]))
            continue
        kind = "table" if block.kind == "table" else "text"
        for part in split_long(block.text, limit):
            pieces.append(Piece(part, sections[i], block.page, kind=kind, blocks=[i]))
    return pieces, groups



def process(raw: RawDocument, chunk_chars: int = 900) -> IngestedDocument:
    stage(raw.path, "repair")
    prepared = prepare_pages(raw)
    stage(raw.path, "structure")
    lines = page_lines([(p.number, p.text) for p in prepared.pages])
    furniture = repeated_lines(lines)
    lines = [line for line in lines if line.text not in furniture]
    blocks = attach_native_footnotes(build_blocks(lines), raw.footnotes)
    links = link_footnotes(blocks)
    for note_index, body_index in links.items():
        blocks[body_index].text = mark_footnote(blocks[body_index].text, blocks[note_index].marker)

    full_text = "\n".join(p.text for p in prepared.pages)
    facts = read_facts(blocks, full_text, raw.name)
    if not facts.issuer:
        facts.issuer = next((i for i in map(header_issuer, full_text.splitlines()[:40]) if i), None)
    sections = [label for _, label in assign_sections(blocks)]
    doc_id = document_id(raw)
    builder = _ChunkBuilder(raw, facts, doc_id)

    pieces, groups = to_pieces(blocks, sections, chunk_chars)
    block_chunk: dict[int, Chunk] = {}
    tasks: list[TaskRecord] = []
    for group in group_pieces(pieces, chunk_chars):
        first = group[0]
        text = "\n".join(p.text for p in group)
        note_blocks = [n for n, b in links.items() if b in {i for p in group for i in p.blocks}]
        footnotes = [f"{blocks[n].marker.translate(SUPERSCRIPT)} {blocks[n].text}" for n in note_blocks]
        task = None
        if first.kind == "task":
            g = groups[first.blocks[0]]
            task = TaskRecord(
                task=task_name(g.task_block), result=g.fields.get("result"), lead=g.fields.get("lead"),
                coordinating=g.fields.get("coordinating"), deadline=g.fields.get("deadline"),
                section=first.section, document=raw.name, page=first.page,
            )
        chunk = builder.add(text, first.section, first.page, kind=first.kind if first.kind != "table" else "table",
                            footnotes=footnotes, task=task)
        if chunk is None:
            continue
        if task:
            task.chunk_id = chunk.chunk_id
            tasks.append(task)
        for p in group:
            for i in p.blocks:
                block_chunk.setdefault(i, chunk)

    for note_index, block in enumerate(blocks):
        if block.kind != "footnote":
            continue
        body_index = links.get(note_index)
        parent = block_chunk.get(body_index) if body_index is not None else None
        context = None
        if body_index is not None:
            body_text = blocks[body_index].text
            sup = block.marker.translate(SUPERSCRIPT)
            position = body_text.rfind(sup)
            context = sentence_with(body_text, position) if position >= 0 else None
        chunk = builder.add(
            block.text, sections[body_index] if body_index is not None else sections[note_index], block.page,
            kind="footnote", annotates=parent.chunk_id if parent else None, context=context,
        )
        if chunk and parent and not as_of_dates(block.text, builder.year, facts.report_date):
            chunk.as_of = parent.as_of

    attach_records(builder.chunks)  # EntityList / FigureRecord per chunk, stored with it (ingest/records.py)
    warnings = list(prepared.warnings)
    unlinked = [b.marker for i, b in enumerate(blocks) if b.kind == "footnote" and i not in links]
    if unlinked:
        warnings.append(f"footnotes without a marker in the text: {', '.join(unlinked)}")
    return IngestedDocument(
        doc_id=doc_id, document=raw.name, title=facts.title, issuer=facts.issuer,
        report_date=facts.report_date, as_of=facts.as_of, chunks=builder.chunks, tasks=tasks,
        warnings=warnings, chars=len(full_text),
    )


def ingest_file(path: Path, *, chunk_chars: int = 900, max_mb: float = 40.0, allow_non_vietnamese: bool = False) -> IngestedDocument:
    stage(path, "read")
    raw = load_file(path, max_mb=max_mb, allow_non_vietnamese=allow_non_vietnamese)
    return process(raw, chunk_chars=chunk_chars)
