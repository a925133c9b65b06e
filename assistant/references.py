"""How a question names a document — "Tờ trình 93", "Công điện số 63", "Quyết định 1406" — and which indexed
chunks belong to it (number, and kind or the kind's abbreviation in the number: 93/TTr-SNV). The kinds
and their abbreviations are data (`assistant/data/document_questions.json`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from baocao.assistant.knowledge import pack, phrase_alternation
from baocao.ingest.models import Chunk
from baocao.ingest.text import search_key


@dataclass
class DocumentRef:
    kind: str  # folded: "to trinh"
    number: str  # "93"
    span: tuple[int, int]  # where the question names it


@functools.lru_cache(maxsize=1)
def document_questions() -> dict:
    return pack("document_questions")


@functools.lru_cache(maxsize=1)
def _reference_pattern() -> re.Pattern[str]:
    # 'Công văn 8977', 'Công văn 8977/BNV-TCPCP', 'Nghị định 126/2024/NĐ-CP', 'QĐ 779'; not 'Quyết định 12/3'
    names = list(document_questions()["kinds"]) + list(_kind_of_abbreviation())
    return re.compile(rf"(?<!\w)(?P<kind>{phrase_alternation(names)})\s+(?:so\s+)?(?P<number>\d{{1,6}})(?!\d)(?!/(?![^\W\d_]|\d{{4}}/))")


@functools.lru_cache(maxsize=1)
def _kind_of_abbreviation() -> dict[str, str]:
    """'qd' → 'quyet dinh', 'ttr' → 'to trinh': how officials write a kind before its number ('QĐ 779')."""
    return {search_key(a): kind for kind, abbreviations in document_questions()["kinds"].items() for a in abbreviations}


@functools.lru_cache(maxsize=1)
def _kind_pattern() -> re.Pattern[str]:
    names = list(document_questions()["kinds"]) + list(_kind_of_abbreviation())
    return re.compile(rf"(?<!\w)(?P<kind>{phrase_alternation(names)})(?!\w)")


def described_kind(folded: str) -> str | None:
    """The kind of document a question asks a field of ('Quyết định giải thể Hội X ký ngày nào?' →
    'quyet dinh'): the question opens with it and does not give its number. 'Bộ Công an phải gửi báo cáo
    trong ngày nào?' asks no document's field."""
    from baocao.assistant.documents import asked_field

    if referenced_document(folded) is not None or asked_field(folded) is None:
        return None
    return opening_kind(folded)


def opening_kind(folded: str) -> str | None:
    """The kind of document a text opens with ('bao cao chuyen doi so …' → 'bao cao')."""
    found = _kind_pattern().match(folded.strip())
    if found is None:
        return None
    kind = " ".join(found["kind"].split())
    return _kind_of_abbreviation().get(kind, kind)


def mentioned_kind(folded: str) -> str | None:
    """The first kind of document a text names anywhere ('… căn cứ qd nào của thủ tướng' → 'quyet dinh')."""
    found = _kind_pattern().search(folded)
    if found is None:
        return None
    kind = " ".join(found["kind"].split())
    return _kind_of_abbreviation().get(kind, kind)


def kind_spellings(kind: str) -> list[str]:
    """How a question may write a kind: 'quyet dinh', 'qd'."""
    return [kind] + [search_key(a) for a in document_questions()["kinds"].get(kind, [])]


def could_be_kind(sentence: str, chunk: Chunk, kind: str) -> bool:
    """The evidence is of that kind: its document is one, or the sentence cites one by number."""
    if search_key(chunk.doc_kind or "") == kind:
        return True
    return re.search(rf"(?<!\w){re.escape(kind)}\s+(?:so\s+)?\d", search_key(sentence)) is not None


def referenced_document(folded: str) -> DocumentRef | None:
    match = _reference_pattern().search(folded)
    if match is None:
        return None
    kind = " ".join(match["kind"].split())
    return DocumentRef(_kind_of_abbreviation().get(kind, kind), match["number"].lstrip("0") or "0", match.span())


def is_document(chunk: Chunk, ref: DocumentRef) -> bool:
    """Whether the chunk belongs to the document the question names (number, and kind or its abbreviation)."""
    number = chunk.number or ""
    digits = re.match(r"\s*0*(\d+)", number)
    if digits is None:
        return _file_named(chunk, ref)
    if digits[1] != ref.number:
        return False
    if search_key(chunk.doc_kind or "") == ref.kind:
        return True
    symbol = {search_key(s) for s in re.split(r"[/\-\s]+", number) if s}
    return bool(symbol & {search_key(a) for a in document_questions()["kinds"].get(ref.kind, [])})


def _file_named(chunk: Chunk, ref: DocumentRef) -> bool:
    """A document whose own number line is blank (a draft, "   /TTr-SNV") is named by its file when the file
    name carries kind and number ("to-trinh-599-hop-nhat….doc", "cv-8977-….pdf"): the last fallback."""
    name = search_key(re.sub(r"[-_.]+", " ", chunk.document.rsplit("/", 1)[-1]))
    kinds = [ref.kind] + [search_key(a) for a in document_questions()["kinds"].get(ref.kind, [])]
    return any(re.search(rf"(?<!\w){re.escape(k)}\s+0*{ref.number}(?!\d)", name) for k in kinds)
