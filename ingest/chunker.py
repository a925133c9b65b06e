"""Blocks into retrieval chunks that follow the document's structure.

A section (an article, a report's `1.`) that fits the size limit is one chunk with its heading; a larger
one is cut between its own paragraphs and its subsections, small sibling subsections packed together.
A list stays with its lead-in sentence ("… trong các trường hợp sau:"); a list too long for one chunk is
cut into chunks that each repeat the lead-in. A sentence, a list item, a task and a table row are never
cut. A chunk under `min_chars` is merged into its neighbour unless it is a whole unit on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from baocao.ingest.text import split_sentences as text_sentences

STANDALONE = ("task", "footnote")  # record chunks: one each, never packed with other text


@dataclass
class Piece:
    """A run of text that must stay in one chunk, with where it came from."""

    text: str
    section: str
    page: int | None
    kind: str = "text"  # text | heading | header | table | task
    blocks: list[int] = field(default_factory=list)  # indexes of the source blocks
    path: tuple[int, ...] = ()  # indexes of the heading blocks it sits under (a heading: itself included)


@dataclass
class ChunkPlan:
    """The pieces of one chunk, its section label, and whether it holds a whole unit (section, article, record)."""

    pieces: list[Piece]
    section: str
    whole: bool
    origin: tuple[int, ...] | None = None  # the subsection it came from; None for the section's own text

    @property
    def size(self) -> int:
        return sum(len(p.text) + 1 for p in self.pieces)

    @property
    def standalone(self) -> bool:
        return len(self.pieces) == 1 and self.pieces[0].kind in STANDALONE

    @property
    def only_headings(self) -> bool:
        return all(p.kind in ("heading", "header") for p in self.pieces)


def split_sentences(text: str) -> list[str]:
    return text_sentences(text, lines=False) or [text]


def split_long(text: str, limit: int) -> list[str]:
    """A paragraph longer than `limit`: whole sentences in balanced groups of at most the limit (a sentence
    is never cut, so one longer than the limit stays whole)."""
    if len(text) <= limit:
        return [text]
    sentences = split_sentences(text)
    # underthesea splits at '.', but Vietnamese enumerations "(1) …; (2) …" can run for a page.
    sentences = [part for s in sentences for part in split_enumeration(s, limit)]
    sentences = [part for s in sentences for part in split_words(s, limit)]
    return [" ".join(group) for group in balanced_groups(sentences, limit, len)]


def split_words(text: str, limit: int) -> list[str]:
    """Text with no sentence end for far longer than a chunk (a form's fields run together in one table
    cell) is cut between words; a real sentence of up to 1.5 limits stays whole."""
    if len(text) <= 1.5 * limit:
        return [text]
    return [" ".join(group) for group in balanced_groups(text.split(" "), limit, len)]


def split_enumeration(sentence: str, limit: int) -> list[str]:
    if len(sentence) <= limit:
        return [sentence]
    parts = re.split(r"(?<=[;:])\s+(?=\(\d{1,2}\)\s)", sentence)
    return parts


def balanced_groups(items: list, limit: int, size) -> list[list]:
    """Consecutive items in as few groups of at most `limit` as possible (an item larger than that alone),
    sized evenly so that no group is left with a scrap (dynamic programming over the cut points)."""
    sizes = [size(item) + 1 for item in items]
    if sum(sizes) <= limit:
        return [items] if items else []
    prefix = [0]
    for n in sizes:
        prefix.append(prefix[-1] + n)
    # best[i]: (groups, sum of squared slack) for the first i items, and where its last group starts
    best: list[tuple[int, float]] = [(0, 0.0)] + [(len(items) + 1, 0.0)] * len(items)
    start = [0] * (len(items) + 1)
    for i in range(1, len(items) + 1):
        for j in range(i - 1, -1, -1):
            total = prefix[i] - prefix[j]
            if total > limit and j < i - 1:
                break
            slack = max(limit - total, 0)
            candidate = (best[j][0] + 1, best[j][1] + slack * slack)
            if candidate < best[i]:
                best[i], start[i] = candidate, j
    groups: list[list] = []
    i = len(items)
    while i > 0:
        groups.append(items[start[i]:i])
        i = start[i]
    return groups[::-1]


# --- the section tree -----------------------------------------------------------------------------


@dataclass
class _Node:
    path: tuple[int, ...]
    items: list = field(default_factory=list)  # Piece | _Node, in document order

    def pieces(self) -> list[Piece]:
        out: list[Piece] = []
        for item in self.items:
            out.extend(item.pieces() if isinstance(item, _Node) else [item])
        return out

    @property
    def size(self) -> int:
        return sum(len(p.text) + 1 for p in self.pieces())

    @property
    def has_standalone(self) -> bool:
        return any(p.kind in STANDALONE for p in self.pieces())


def _tree(pieces: list[Piece]) -> _Node:
    root = _Node(())
    nodes = {(): root}
    for piece in pieces:
        for depth in range(1, len(piece.path) + 1):
            path = piece.path[:depth]
            if path not in nodes:
                node = _Node(path)
                nodes[path[:-1]].items.append(node)
                nodes[path] = node
        nodes[piece.path].items.append(piece)
    return root


def _common_section(sections: list[str]) -> str:
    if not sections:
        return ""
    parts = [s.split(" > ") if s else [] for s in sections]
    common: list[str] = []
    for level in zip(*parts):
        if all(label == level[0] for label in level):
            common.append(level[0])
        else:
            break
    return " > ".join(common)


def _label(pieces: list[Piece]) -> str:
    content = [p.section for p in pieces if p.kind not in ("heading", "header")]
    return _common_section(content or [p.section for p in pieces[-1:]])


def plan_chunks(pieces: list[Piece], limit: int, min_chars: int = 200) -> list[ChunkPlan]:
    """The chunks of a document, in order."""
    return _emit(_tree(pieces), limit, min_chars)


def _emit(node: _Node, limit: int, min_chars: int) -> list[ChunkPlan]:
    big_children = any(isinstance(item, _Node) and item.size >= min_chars for item in node.items)
    if node.size <= limit and not node.has_standalone and not big_children:
        pieces = node.pieces()
        return [ChunkPlan(pieces, _label(pieces), whole=True)] if pieces else []
    plans: list[ChunkPlan] = []
    run: list = []  # the section's own pieces and its subsections too small to stand alone
    for item in node.items:
        if isinstance(item, _Node) and (item.size >= min_chars or item.has_standalone):
            plans.extend(_pack(run, limit))
            run = []
            plans.extend(_with_origin(_emit(item, limit, min_chars), item.path))
        elif isinstance(item, Piece) and item.kind in STANDALONE:
            plans.extend(_pack(run, limit))
            run = []
            plans.append(ChunkPlan([item], item.section, whole=True))
        else:
            run.append(item)
    plans.extend(_pack(run, limit))
    return _merge_small(plans, limit, min_chars)


def _with_origin(plans: list[ChunkPlan], origin: tuple[int, ...]) -> list[ChunkPlan]:
    for plan in plans:
        if plan.origin is None:
            plan.origin = origin
    return plans


def _pack(run: list, limit: int) -> list[ChunkPlan]:
    """A section's own text and its small subsections, packed in order (a subsection is never cut)."""
    def size(item) -> int:
        return item.size if isinstance(item, _Node) else len(item.text)

    plans = []
    for group in balanced_groups(run, limit, size):
        pieces = [p for item in group for p in (item.pieces() if isinstance(item, _Node) else [item])]
        whole = all(isinstance(item, _Node) for item in group)
        plans.append(ChunkPlan(pieces, _label(pieces), whole=whole))
    return plans


def _mergeable(a: ChunkPlan, b: ChunkPlan) -> bool:
    return not (a.standalone or b.standalone) and (a.origin is None or b.origin is None or a.origin == b.origin)


def _joined(a: ChunkPlan, b: ChunkPlan, section: str) -> ChunkPlan:
    return ChunkPlan(a.pieces + b.pieces, section, whole=False, origin=b.origin if a.origin is None else a.origin)


def _merge_small(plans: list[ChunkPlan], limit: int, min_chars: int) -> list[ChunkPlan]:
    """A heading never stands alone; a scrap under `min_chars` (not a whole unit) joins its neighbour when
    both fit the limit. Chunks of two different subsections are never merged with each other."""
    out: list[ChunkPlan] = []
    carry: ChunkPlan | None = None  # a scrap to put in front of the next chunk
    for plan in plans:
        if carry is not None:
            if _mergeable(carry, plan) and (carry.only_headings or carry.size + plan.size <= limit):
                plan = _joined(carry, plan, plan.section)
            else:
                out.append(carry)
            carry = None
        if plan.standalone or plan.size >= min_chars or (plan.whole and not plan.only_headings):
            out.append(plan)
            continue
        previous = out[-1] if out else None
        if (not plan.only_headings and previous is not None and _mergeable(previous, plan)
                and previous.size + plan.size <= limit):
            out[-1] = _joined(previous, plan, _common_section([previous.section, plan.section]))
            continue
        carry = plan
    if carry is not None:
        previous = out[-1] if out else None
        if previous is not None and _mergeable(previous, carry) and previous.size + carry.size <= limit:
            out[-1] = _joined(previous, carry, _common_section([previous.section, carry.section]))
        else:
            out.append(carry)
    return _drop_bare_headings(out)


def _drop_bare_headings(plans: list[ChunkPlan]) -> list[ChunkPlan]:
    """A short heading that could join nothing (it stands before task records) is not a chunk of its own:
    its text is in the section label of the chunks under it. A numbered line that carries content is kept."""
    out = []
    for k, plan in enumerate(plans):
        following = plans[k + 1].section if k + 1 < len(plans) else None
        bare = plan.only_headings and following is not None and all(
            p.kind != "header" and len(p.text) <= 100 and following.startswith(p.section) for p in plan.pieces)
        if not bare:
            out.append(plan)
    return out
