"""Compose Answer objects from chosen sentences: dates spelled out, every sentence cited, quotes verbatim."""

from __future__ import annotations

import re

from baocao.assistant.evidence import Sentence
from baocao.assistant.models import Answer, Citation
from baocao.ingest.models import Chunk
from baocao.ingest.text import vn_date  # noqa: F401  (re-exported: answers spell dates one way)
from baocao.vectorstore.store import SearchHit

NOT_FOUND = "Không tìm thấy thông tin này trong các báo cáo hiện có."


def as_of_phrase(iso: str | None) -> str:
    if not iso:
        return ""
    return f"tính đến {vn_date(iso)}" if len(iso) == 10 else vn_date(iso)


class CitationList:
    """Numbers passages in the order they are first cited."""

    def __init__(self) -> None:
        self.citations: list[Citation] = []

    def cite_citation(self, other: Citation) -> int:
        """The marker of a citation of another answer in this list (added if new)."""
        for c in self.citations:
            if c.chunk_id == other.chunk_id and c.quote == other.quote:
                return c.marker
        marker = len(self.citations) + 1
        self.citations.append(other.model_copy(update={"marker": marker}))
        return marker

    def cite(self, chunk: Chunk, quote: str) -> int:
        quote = quote if quote in chunk.text else chunk.text[:300]
        for c in self.citations:
            if c.chunk_id == chunk.chunk_id and c.quote == quote:
                return c.marker
        marker = len(self.citations) + 1
        self.citations.append(citation(chunk, quote, marker))
        return marker


def citation(chunk: Chunk, quote: str, marker: int) -> Citation:
    return Citation(
        marker=marker, document=chunk.document, title=chunk.title, section=chunk.section,
        page=chunk.page_at(max(chunk.text.find(quote), 0)),
        quote=quote, chunk_id=chunk.chunk_id, as_of=chunk.as_of, text=chunk.text,
    )


def source_phrase(chunk: Chunk, as_of: str | None = None) -> str:
    when = as_of_phrase(as_of or chunk.as_of)
    said = ", ".join(x for x in (number_phrase(chunk), when) if x)
    return f"Theo {chunk.title}" + (f" ({said})" if said else "")


def document_name(chunk: Chunk) -> str:
    """The title, then the document's số và ký hiệu when it has one: 'Công văn V/v trả lời … (số 8977/BNV-TCPCP)',
    what an official cites a document by; a blank number ('/TTr-SNV', a draft's) is left out."""
    number = number_phrase(chunk)
    return f"{chunk.title} ({number})" if number else chunk.title


def number_phrase(chunk: Chunk) -> str:
    number = chunk.number or ""
    return f"số {number}" if re.match(r"\s*\d", number) and number not in chunk.title else ""


def sentence_answer(sentences: list[Sentence]) -> Answer:
    """One line per chosen sentence, each introduced by its source and date and cited."""
    cites = CitationList()
    lines = []
    for s in sentences:
        marker = cites.cite(s.chunk, s.text)
        lines.append(f"{source_phrase(s.chunk, s.as_of)}: {s.text.rstrip()} [{marker}]")
    primary = sentences[0].as_of if sentences else None
    return Answer(answer="\n".join(lines), citations=cites.citations, grounded=True, as_of=primary)


def disagreement_answer(sentences: list[Sentence]) -> Answer:
    """Reports give different figures at different dates: say which is from when, newest first."""
    ordered = sorted(sentences, key=lambda s: s.as_of or "", reverse=True)
    answer = sentence_answer(ordered)
    markers = {c.chunk_id + c.quote: c.marker for c in answer.citations}
    dates = ", ".join(
        f"{vn_date(s.as_of)} [{markers[s.chunk.chunk_id + s.text]}]" for s in ordered if s.as_of and s.chunk.chunk_id + s.text in markers
    )
    answer.answer = f"Các báo cáo nêu số liệu khác nhau theo thời điểm ({dates}); số liệu mới nhất ở trên.\n" + answer.answer
    return answer


def refusal(related: list[SearchHit]) -> Answer:
    cites = [citation(h.chunk, h.chunk.text[:240], i) for i, h in enumerate(related[:3], 1)]
    return Answer(answer=NOT_FOUND, citations=[], grounded=False, related=cites)
