"""The Answer object of CONTRACT.md."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Citation(BaseModel):
    marker: int
    document: str
    title: str = ""
    section: str = ""
    page: int | None = None
    quote: str = Field(description="Verbatim text of the cited passage that supports the claim.")
    chunk_id: str
    as_of: str | None = None
    text: str | None = Field(None, description="The whole passage, so a page can show the quote in context.")


class Answer(BaseModel):
    answer: str
    citations: list[Citation] = Field(default_factory=list)
    items: list[str] = Field(default_factory=list)
    grounded: bool = True
    as_of: str | None = None
    conversation_id: str | None = None
    question: str | None = Field(None, description="The standalone question answered, when a follow-up was rewritten.")
    related: list[Citation] = Field(default_factory=list, description="Closest passages when not grounded ('có thể liên quan').")
    generator: str = "extractive"
    dropped: list[str] = Field(default_factory=list, description="Sentences of a generated answer the grounding guard removed.")

    def render_text(self) -> str:
        lines = [self.answer]
        if self.items and not any(item in self.answer for item in self.items[:1]):
            lines += [f"  • {item}" for item in self.items]
        if self.citations:
            lines.append("")
            lines.append("Nguồn:")
        for c in self.citations:
            where = ", ".join(str(x) for x in (c.title, c.section, f"trang {c.page}" if c.page else None, c.as_of) if x)
            lines.append(f"[{c.marker}] {c.document} — {where}\n     «{c.quote}»")
        if self.related:
            lines.append("\nCó thể liên quan:")
            lines += [f"  - {c.document} — {c.section}: «{c.quote[:160]}»" for c in self.related]
        return "\n".join(lines)
