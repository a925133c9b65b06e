"""A file in, an `IngestedDocument` out: load → repair Vietnamese → clean → structure → chunk."""

from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from baocao.ingest.chunker import Piece, balanced_groups, plan_chunks, split_long
from baocao.ingest.cleanup import Line, header_issuer, page_lines, strip_artifacts
from baocao.ingest.encoding import fix_legacy_encoding
from baocao.ingest.entities import EntityList
from baocao.ingest.generic_lists import section_lists
from baocao.ingest.loaders import load_file
from baocao.ingest.metadata import (
    HEADER_MAX_LINES, Closing, DocumentFacts, Header, as_of_dates, find_closings, read_facts, read_header,
)
from baocao.ingest.models import Chunk, IngestedDocument, IngestError, Page, RawDocument, TaskRecord, chunk_id
from baocao.ingest.ocr import OcrOptions, correct_ocr_texts
from baocao.ingest.plan import TaskGroup, find_task_groups
from baocao.ingest.repair import SyllableModel, rejoin_split_syllables, repair_replacement_chars
from baocao.ingest.records import attach_records
from baocao.ingest.structure import SUPERSCRIPT, Block, assign_sections, build_blocks, link_footnotes, mark_footnote
from baocao.ingest.text import sentence_at as sentence_with
from baocao.progress import stage

REPLACEMENT = "\ufffd"
PARAGRAPH_FORMATS = ("docx", "doc", "rtf", "odt")
MIN_CHUNK_CHARS = 200  # smaller chunks only where a whole unit (an article, a section, a record) is that short


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
        pages.append(replace(page, text=text))  # keeps the loader's page flags
    # the general model alone: adapted to a document full of `ti ến`, it would learn the split pairs as words
    for page in pages:
        page.text = rejoin_split_syllables(page.text)
    read = [page for page in pages if page.ocr]
    if read and OcrOptions.from_environment().correct:  # OCR'd pages only: a text layer is never re-marked
        texts, _ = correct_ocr_texts([page.text for page in read])
        for page, text in zip(read, texts):
            page.text = text
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
        self.pages = {p.number: p for p in raw.pages if p.number is not None}

    def add(self, text: str, section: str, page: int | None, kind: str = "text",
            page_starts: list[tuple[int, int]] | None = None, **extra) -> Chunk | None:
        key = " ".join(text.split()).lower()
        if key in self.seen:  # the same text twice (e.g. a report and its summary) is indexed once
            return None
        self.seen.add(key)
        dates = as_of_dates(text, self.year, self.facts.report_date)
        chunk = Chunk(
            chunk_id=chunk_id(self.doc_id, len(self.chunks)),
            doc_id=self.doc_id,
            document=self.raw.name,
            title=self.facts.title,
            section=section,
            text=text,
            page=page,
            issuer=self.facts.issuer,
            report_date=self.facts.report_date,
            as_of=dates[0] if dates else self.facts.as_of,
            number=self.facts.number,
            doc_kind=self.facts.doc_kind,
            signer=self.facts.signer,
            kind=kind,
            order=len(self.chunks),
            page_starts=page_starts or [],
            **extra,
        )
        source = self.pages.get(page) if page is not None else (self.raw.pages[0] if len(self.raw.pages) == 1 else None)
        if source is not None:  # the loader's page flags travel with the chunk
            chunk.ocr, chunk.text_quality = source.ocr, source.quality
        self.chunks.append(chunk)
        return chunk


def page_starts_of(pieces: list) -> list[tuple[int, int]]:
    """(offset, page) where a piece on a later page begins in the chunk text `"\\n".join(pieces)`."""
    starts, offset, current = [], 0, pieces[0].page
    for piece in pieces:
        if piece.page is not None and current is not None and piece.page != current:
            starts.append((offset, piece.page))
            current = piece.page
        offset += len(piece.text) + 1
    return starts


def document_id(raw: RawDocument) -> str:
    return raw.sha256[:16]


_ITEM_LEVEL = (
    (re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.\s"), 1),  # khoản 1. (inside an article)
    (re.compile(r"^(?:[a-zđ]\)|\(\d{1,2}\)|\d{1,2}\))\s?"), 2),  # điểm a), (1)
    (re.compile(r"^[-–—•]\s?"), 3),
    (re.compile(r"^[+*]\s?"), 4),
)


def item_level(block: Block) -> int:
    """How deep a list item sits: khoản 1. > điểm a) > `-` > `+`; 0 for a paragraph."""
    if block.kind != "item":
        return 0
    return next((level for pattern, level in _ITEM_LEVEL if pattern.match(block.text)), 3)


def is_lead_in(block: Block) -> bool:
    return block.kind in ("para", "item") and block.text.rstrip().endswith(":")


def heading_paths(blocks: list[Block]) -> list[tuple[int, ...]]:
    """For each block, the indexes of the headings (and part) it sits under; a heading includes itself."""
    stack: list[tuple[int, int]] = []  # (rank, block index)
    paths = []
    for i, block in enumerate(blocks):
        if block.kind == "part":
            stack = [(0, i)]
        elif block.kind == "heading":
            stack = [(rank, j) for rank, j in stack if rank < block.rank or rank == 0]
            stack.append((block.rank, i))
        paths.append(tuple(j for _, j in stack))
    return paths


def to_pieces(blocks: list[Block], sections: list[str], limit: int) -> tuple[list[Piece], dict[int, TaskGroup]]:
    groups = find_task_groups(blocks)
    in_group = {id(b) for g in groups.values() for b in g.field_blocks}
    paths = heading_paths(blocks)
    pieces: list[Piece] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if id(block) in in_group or block.kind == "footnote":
            i += 1
            continue
        if i in groups:
            text = "\n".join(b.text for b in groups[i].blocks)
            pieces.append(Piece(text, sections[i], block.page, kind="task", blocks=[i], path=paths[i]))
            i += 1
            continue
        if is_lead_in(block):
            members = list_members(blocks, i, in_group, groups)
            if members:
                pieces.extend(list_pieces(blocks, i, members, sections, paths, limit))
                i = members[-1] + 1
                continue
        kind = {"table": "table", "heading": "heading", "part": "heading", "header": "header"}.get(block.kind, "text")
        # A heading that carries its paragraph on the same line ('1. Thông tin chung: …' filling a form's box)
        # is cut like any paragraph: its first part stays the heading, the rest is its text.
        for k, part in enumerate(split_long(block.text, limit) if kind != "header" else [block.text]):
            part_kind = "text" if kind == "heading" and k > 0 else kind
            pieces.append(Piece(part, sections[i], block.page, kind=part_kind, blocks=[i], path=paths[i]))
        i += 1
    return pieces, groups


def list_members(blocks: list[Block], lead: int, in_group: set[int], groups: dict[int, TaskGroup]) -> list[int]:
    """The items (deeper than the lead-in) or table rows that follow a lead-in ending with `:`."""
    level = item_level(blocks[lead])
    members: list[int] = []
    table = None
    for j in range(lead + 1, len(blocks)):
        block = blocks[j]
        if block.kind == "footnote":
            continue
        if j in groups or id(block) in in_group:
            break
        if table is None:
            table = block.kind == "table"
        if table and block.kind == "table":
            members.append(j)
        elif not table and block.kind == "item" and item_level(block) > level:
            members.append(j)
        else:
            break
    return members


def list_pieces(blocks: list[Block], lead: int, members: list[int], sections: list[str],
                paths: list[tuple[int, ...]], limit: int) -> list[Piece]:
    """A lead-in and its list as one piece; a list too long for one chunk in several, each with the lead-in."""
    head = blocks[lead]
    kind = "table" if blocks[members[0]].kind == "table" else "text"
    whole = "\n".join([head.text] + [blocks[j].text for j in members])
    if len(whole) <= limit:
        return [Piece(whole, sections[lead], head.page, kind=kind, blocks=[lead, *members], path=paths[lead])]
    room = max(limit - len(head.text) - 1, limit // 3)
    items = [(j, part) for j in members for part in split_long(blocks[j].text, room)]
    out = []
    for group in balanced_groups(items, room, lambda item: len(item[1])):
        text = "\n".join([head.text] + [part for _, part in group])
        out.append(Piece(text, sections[lead], blocks[group[0][0]].page, kind=kind,
                         blocks=([lead] if not out else []) + sorted({j for j, _ in group}), path=paths[lead]))
    return out


@dataclass
class DocumentLayout:
    """The document's lines split into what the administrative format puts around the body."""

    header: Header
    closings: list[Closing]
    header_block: Block | None
    body: list[Line]


def without_header(pages: list[Page]) -> tuple[Header, list[Page]]:
    """The header block read from the first lines as they are (the clean-up would drop `BỘ TƯ PHÁP CỘNG HOÀ …`
    as furniture), and the pages without those lines."""
    first: list[tuple[int, int]] = []  # (page index, line index) of the first non-blank lines
    split_pages = [strip_artifacts(p.text).splitlines() for p in pages]
    for p_index, page_lines_ in enumerate(split_pages):
        for l_index, line in enumerate(page_lines_):
            if line.strip():
                first.append((p_index, l_index))
        if len(first) >= HEADER_MAX_LINES:
            break
    header = read_header([split_pages[p][l].strip() for p, l in first])
    drop = set(first[: header.lines])
    rest = [replace(page, text="\n".join(line for l_index, line in enumerate(split_pages[p_index]) if (p_index, l_index) not in drop))
            for p_index, page in enumerate(pages)]
    return header, rest


def read_layout(header: Header, lines: list[Line]) -> DocumentLayout:
    """The header block (kept as one block, national motto dropped) and the closing blocks (metadata only)
    out of the body lines."""
    closings = find_closings([line.text for line in lines])
    dropped = {k for c in closings for k in range(c.start, c.end)}
    body = [line for k, line in enumerate(lines) if k not in dropped]
    # The signature goes with the header (who signed is asked, and must be quotable); the recipients do not.
    kept = header.kept + (closings[0].signature if closings else [])
    header_block = None
    if kept:
        page = lines[0].page if lines else None
        header_block = Block("header", "\n".join(kept), page, lines=list(kept))
    return DocumentLayout(header, closings, header_block, body)


def size_summary(sizes: list[int], partial_small: int, min_chars: int = MIN_CHUNK_CHARS) -> dict:
    """Chunk sizes of a document: count, quartiles, and how many fall under `min_chars` (all, and those
    that are not a whole unit on their own)."""
    if not sizes:
        return {"chunks": 0}
    ordered = sorted(sizes)

    def quantile(q: float) -> int:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {
        "chunks": len(sizes), "min": ordered[0], "p25": quantile(0.25), "median": int(statistics.median(ordered)),
        "p75": quantile(0.75), "max": ordered[-1], f"under_{min_chars}": sum(s < min_chars for s in sizes),
        f"under_{min_chars}_not_whole": partial_small,
    }


@dataclass
class StructuredDocument:
    """A document read into blocks: the stage between clean text and chunks."""

    prepared: PreparedText
    layout: DocumentLayout
    blocks: list[Block]
    links: dict[int, int]  # footnote block -> the body block carrying its marker


def read_structure(raw: RawDocument) -> StructuredDocument:
    stage(raw.path, "repair")
    prepared = prepare_pages(raw)
    stage(raw.path, "structure")
    header, body_pages = without_header(prepared.pages)
    lines = page_lines(body_pages)  # PDF page furniture was removed by position in the loader
    layout = read_layout(header, lines)
    paragraphs = raw.format in PARAGRAPH_FORMATS  # one line a paragraph: never re-join lines by their width
    blocks = attach_native_footnotes(build_blocks(layout.body, hard_wraps=False if paragraphs else None), raw.footnotes)
    if layout.header_block is not None:
        blocks.insert(0, layout.header_block)
    links = link_footnotes(blocks)
    for note_index, body_index in links.items():
        blocks[body_index].text = mark_footnote(blocks[body_index].text, blocks[note_index].marker)
    return StructuredDocument(prepared, layout, blocks, links)


def process(raw: RawDocument, chunk_chars: int = 900) -> IngestedDocument:
    structured = read_structure(raw)
    prepared, layout, blocks, links = structured.prepared, structured.layout, structured.blocks, structured.links
    full_text = "\n".join(p.text for p in prepared.pages)
    facts = read_facts(blocks, full_text, raw.name, layout.header, layout.closings)
    if not facts.issuer:
        facts.issuer = next((i for i in map(header_issuer, full_text.splitlines()[:40]) if i), None)
    sections = [label for _, label in assign_sections(blocks)]
    doc_id = document_id(raw)
    builder = _ChunkBuilder(raw, facts, doc_id)

    pieces, groups = to_pieces(blocks, sections, chunk_chars)
    block_chunk: dict[int, Chunk] = {}
    tasks: list[TaskRecord] = []
    partial_small = 0
    for plan in plan_chunks(pieces, chunk_chars, MIN_CHUNK_CHARS):
        group = plan.pieces
        first = group[0]
        text = "\n".join(p.text for p in group)
        note_blocks = [n for n, b in links.items() if b in {i for p in group for i in p.blocks}]
        footnotes = [f"{blocks[n].marker.translate(SUPERSCRIPT)} {blocks[n].text}" for n in note_blocks]
        task = None
        if first.kind == "task":
            g = groups[first.blocks[0]]
            task = TaskRecord(
                task=g.task, result=g.fields.get("result"), lead=g.fields.get("lead"),
                coordinating=g.fields.get("coordinating"), deadline=g.fields.get("deadline"),
                section=first.section, document=raw.name, page=first.page,
            )
        table_chars = sum(len(p.text) for p in group if p.kind == "table")
        kind = "task" if task else "table" if table_chars * 2 > len(text) else "text"
        chunk = builder.add(text, plan.section, first.page, kind=kind, footnotes=footnotes, task=task,
                            page_starts=page_starts_of(group))
        if chunk is None:
            continue
        partial_small += len(text) < MIN_CHUNK_CHARS and not plan.whole
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

    if not builder.chunks:
        raise IngestError(raw.name, "không còn chữ nào sau khi làm sạch", "hãy kiểm tra nội dung tệp")
    attach_records(builder.chunks)  # EntityList / FigureRecord per chunk, stored with it (ingest/records.py)
    attach_section_lists(blocks, block_chunk)
    warnings = list(raw.warnings) + list(prepared.warnings)
    unlinked = [b.marker for i, b in enumerate(blocks) if b.kind == "footnote" and i not in links]
    if unlinked:
        warnings.append(f"footnotes without a marker in the text: {', '.join(unlinked)}")
    return IngestedDocument(
        doc_id=doc_id, document=raw.name, title=facts.title, issuer=facts.issuer,
        report_date=facts.report_date, as_of=facts.as_of, chunks=builder.chunks, tasks=tasks,
        warnings=warnings, chars=len(full_text),
        number=facts.number, doc_kind=facts.doc_kind, summary=facts.summary, governing_body=facts.governing_body,
        place=facts.place, signer=facts.signer, signer_title=facts.signer_title, addressee=facts.addressee,
        recipients=facts.recipients, draft=facts.draft,
        chunk_sizes=size_summary([len(c.text) for c in builder.chunks if c.kind != "footnote"], partial_small),
    )


WRAPPED_TAIL_CHARS = 30  # 'Đồng;': the end of a numbered line the layout wrapped, read as a paragraph of its own


def section_item_runs(blocks: list[Block]) -> list[tuple[list[int], list[list[int]]]]:
    """(heading path, items) for every run straight under a heading of items of one level, or of numbered
    sub-headings of one rank with nothing under them but the last ('I. TỈNH BÌNH THUẬN' / '1. Hội …;' / … /
    '14. Câu lạc bộ …' / 'Ngoài ra, …': each numbered line reads as a heading, and is one item). An item is
    its blocks: the line, and the tail the layout wrapped onto a line of its own."""
    paths = heading_paths(blocks)
    body = [j for j, b in enumerate(blocks) if b.kind != "footnote"]
    runs = []
    for position, i in enumerate(body):
        if blocks[i].kind != "heading":
            continue
        items: list[list[int]] = []
        for j in body[position + 1:]:
            block, first = blocks[j], blocks[items[0][0]] if items else None
            if block.kind == "item" and (first is None or (first.kind == "item" and item_level(block) == item_level(first))):
                items.append([j])
            elif block.kind == "heading" and block.rank > blocks[i].rank and (first is None or (first.kind == "heading" and block.rank == first.rank)):
                items.append([j])
            elif items and block.kind == "para" and len(block.text) <= WRAPPED_TAIL_CHARS and block.text.rstrip()[-1:] in ";.,":
                items[-1].append(j)
            else:
                break
        if items:
            runs.append((list(paths[i]), items))
    return runs


def attach_section_lists(blocks: list[Block], block_chunk: dict[int, Chunk]) -> None:
    """A list whose items run over several chunks is read once, from the structure, and stored with the chunk
    of its first item (the per-chunk readers see only a piece of it)."""
    for path, items in section_item_runs(blocks):
        chunk = block_chunk.get(items[0][0])
        if chunk is None:
            continue
        found = section_lists([blocks[h].text for h in path if blocks[h].kind == "heading"],
                              [" ".join(blocks[j].text for j in item) for item in items], as_of=chunk.as_of)
        if found is None or any(r.items == found.items for r in chunk.records if isinstance(r, EntityList)):
            continue
        holders: dict[str, tuple[Chunk, list[str]]] = {}
        for j in (j for item in items for j in item):
            holder = block_chunk.get(j)
            if holder is not None and blocks[j].text in holder.text:
                holders.setdefault(holder.chunk_id, (holder, []))[1].append(blocks[j].text)
        spans = {cid: _span_of(holder.text, texts) for cid, (holder, texts) in holders.items()}
        if chunk.chunk_id in spans:
            found.source_span = spans[chunk.chunk_id]
            found.quote = chunk.text[slice(*found.source_span)]
        found.continued = [[cid, holder.text[slice(*spans[cid])]] for cid, (holder, _) in holders.items()
                           if cid != chunk.chunk_id]
        found.chunk_id = chunk.chunk_id
        chunk.records.append(found)


def _span_of(text: str, pieces: list[str]) -> tuple[int, int]:
    """From the first piece to the end of the last, as they stand in `text`."""
    start = text.find(pieces[0])
    return start, text.find(pieces[-1], start) + len(pieces[-1])


def ingest_file(path: Path, *, chunk_chars: int = 900, max_mb: float = 40.0, allow_non_vietnamese: bool = False,
                ocr: OcrOptions | None = None) -> IngestedDocument:
    """`ocr`: the index's OCR options (None: those of the environment)."""
    stage(path, "read")
    raw = load_file(path, max_mb=max_mb, allow_non_vietnamese=allow_non_vietnamese, ocr=ocr)
    return process(raw, chunk_chars=chunk_chars)
