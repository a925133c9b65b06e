"""Questions about a document itself — "Tờ trình 93 ký ngày nào?", "Ai ký Quyết định 1406?", "Công văn 8977
do cơ quan nào ban hành?" — answered from the metadata read at ingest (header block and signature), cited
to the line of the document that states it.

Only a question that names a document (kind and number) and asks one of its fields, with no other content
than words of that document's own identity, is answered here; anything else goes on down the chain.
"""

from __future__ import annotations

import re

from baocao.assistant.compose import CitationList
from baocao.assistant.models import Answer
from baocao.assistant.knowledge import phrase_alternation
from baocao.assistant.references import (DocumentRef, described_kind, document_questions, is_document, kind_spellings,
                                         mentioned_kind, opening_kind, referenced_document)
from baocao.ingest.models import Chunk
from baocao.ingest.structure import document_format
from baocao.ingest.text import search_key, search_words, vn_date

MAX_UNEXPLAINED_WORDS = 2  # words of a question about a document's field that its metadata does not hold (dev: rd239)
PREAMBLE_FIELDS = ("basis", "proposer")  # answered by every preamble line that opens with the field's words
MAX_PREAMBLE_LINES = 12
LONG_DESCRIPTION = 6  # content words: a description this long may hold one word its document's title lacks (dev: rd290)
MAX_DESCRIBED = 3  # documents one description may fit, each answered on its own line


def asked_field(folded: str) -> tuple[str, tuple[int, int]] | None:
    """The field asked (date, signer, issuer, number) and where its cue is; the longest cue wins."""
    best = None
    for name, cues in document_questions()["fields"].items():
        match = re.search(rf"(?<!\w)(?:{phrase_alternation(cues)})(?!\w)", folded)
        if match and (best is None or len(match[0]) > len(best[1][0])):
            best = (name, match)
    return (best[0], best[1].span()) if best else None


def _identity_words(chunk: Chunk) -> set[str]:
    words = search_key(" ".join(x for x in (chunk.doc_kind, chunk.number, chunk.title, chunk.issuer, chunk.signer) if x))
    return set(re.findall(r"\w+", words))


def _only_identity_left(folded: str, spans: list[tuple[int, int]], chunk: Chunk, field: str) -> bool:
    """Nothing asked beyond the document's field: every other word names the document or is filler. A date's
    cue ('ngày nào') may ask of the content, so a date question allows no other word."""
    rest = folded
    for start, end in sorted(spans, reverse=True):
        rest = rest[:start] + " " + rest[end:]
    filler = {w for phrase in document_questions()["filler"] for w in search_key(phrase).split()}
    left = [w for w in re.findall(r"\w+", rest) if w not in filler]
    # a verb describing it ('… đề nghị báo cáo …') is no second question; more words unexplained are
    return len(set(left) - _identity_words(chunk)) <= (0 if field == "date" else MAX_UNEXPLAINED_WORDS)


def _date_pattern(iso: str) -> re.Pattern[str]:
    parts = iso.split("-")
    year = parts[0]
    month = rf"0?{int(parts[1])}" if len(parts) > 1 else r"\d{1,2}"
    if len(parts) == 3:
        day = rf"0?{int(parts[2])}"
        return re.compile(rf"ngày\s+{day}\s+tháng\s+{month}\s+năm\s+{year}|ngày\s+{day}\s*[/.-]\s*{month}\s*[/.-]\s*{year}", re.I)
    return re.compile(rf"tháng\s+{month}\s+năm\s+{year}", re.I)


def _stating_line(chunks: list[Chunk], field: str, first: Chunk) -> tuple[Chunk, str] | None:
    """The document's own line that states the field (verbatim, for the citation)."""
    if field == "date":
        if not first.report_date:
            return None
        pattern = _date_pattern(first.report_date)
    else:
        value = {"signer": first.signer, "issuer": first.issuer, "number": first.number}[field]
        if not value:
            return None
        key = search_key(value if field != "number" else value.split("/")[0]).split()
        # an issuer is written in its header without the province: "SỞ NỘI VỤ" for "Sở Nội vụ tỉnh Hòa Bình"
        shortest = 2 if field == "issuer" and len(key) > 2 else len(key)
        needles = [key[:n] for n in range(len(key), shortest - 1, -1)]
        pattern = re.compile("|".join(rf"(?<!\w){re.escape(' '.join(n))}(?!\w)" for n in needles))
        return _first_line(chunks, lambda line: bool(pattern.search(search_key(line)))
                           and (field != "number" or re.search(r"(?i)\bsố\b", line) is not None))
    return _first_line(chunks, lambda line: bool(pattern.search(line)))


def _first_line(chunks: list[Chunk], wanted) -> tuple[Chunk, str] | None:
    for chunk in chunks:
        for line in chunk.text.splitlines():
            if wanted(line):
                return chunk, line.strip()
    return None


def _statement(first: Chunk, field: str, line: str) -> str:
    number = f"số {first.number}" if re.match(r"\s*\d", first.number or "") else None  # a draft's blank '/TTr-SNV' is no number
    name = " ".join(x for x in (first.doc_kind, number) if x) or first.title
    if field == "date":
        day = vn_date(first.report_date)
        if len(first.report_date.split("-")) < 3:
            return f"{name} ({first.title}) ký {day} (văn bản để trống ngày)"
        written = _date_pattern(first.report_date).search(line)  # the date as the document writes it, and as d/m/yyyy
        return f"{name} ({first.title}) ký {written[0]} ({day})" if written else f"{name} ({first.title}) ký ngày {day}"
    if field == "signer":
        return f"{name} ({first.title}) do {first.signer} ký"
    if field == "issuer":
        return f"{name} ({first.title}) do {first.issuer} ban hành"
    return f"{first.title}: số {first.number}"


class DocumentAnswerer:
    """Answers a question about a named document's date, signer, issuer or number from its metadata."""

    name = "documents"

    def answer(self, plan, context) -> Answer | None:
        folded = search_key(plan.part.query.text)
        ref = referenced_document(folded)
        field = asked_field(folded)
        if field is None:
            return None
        if ref is None:
            return self.described(folded, field, context.catalogue)
        documents = _documents_named(context.catalogue, ref)
        cites = CitationList()
        lines: list[str] = []
        dates: list[str] = []
        for chunks in documents:
            first = chunks[0]
            if not _only_identity_left(folded, [ref.span, field[1]], first, field[0]):
                continue
            if field[0] in PREAMBLE_FIELDS:
                return _preamble_answer(chunks, field[0], folded[field[1][0]:], self.name)
            stated = _stating_line(chunks, field[0], first)
            if stated is None:
                continue
            marker = cites.cite(stated[0], stated[1])
            lines.append(f"{_statement(first, field[0], stated[1])} [{marker}].")
            dates.append(first.report_date or "")
        if not lines:
            return None
        text = lines[0] if len(lines) == 1 else "Có các văn bản mang số này:\n" + "\n".join(f"- {line}" for line in lines)
        return Answer(answer=text, citations=cites.citations, grounded=True, as_of=max(dates) or None,
                      generator=self.name)

    def described(self, folded: str, field: tuple[str, tuple[int, int]], catalogue) -> Answer | None:
        """'Quyết định thành lập Ban Chỉ đạo về dữ liệu tỉnh Lâm Đồng mang số bao nhiêu?': the one document of that
        kind whose title holds the description; a draft whose number or day is left blank says so, cited to the
        line that leaves it blank, and answers nothing."""
        start, end = field[1]
        if folded[:start].strip() == "" and field[0] in ("signer", "issuer"):
            # 'Ai ký Báo cáo chuyển đổi số tháng 3 …?': the document is described after the cue
            described, kind = folded[end:].strip(), opening_kind(folded[end:])
        else:
            described, kind = folded[:start], described_kind(folded)
        documents = _documents_described(described, kind, catalogue)
        if not documents or len(documents) > MAX_DESCRIBED:
            return None
        if len(documents) > 1:
            return _several_answer(documents, field[0], self.name)
        chunks = documents[0]
        if field[0] in PREAMBLE_FIELDS:
            return _preamble_answer(chunks, field[0], folded[start:], self.name)
        first = chunks[0]
        blank = (field[0] == "number" and not re.match(r"\s*\d", first.number or "")) or (
            field[0] == "date" and len((first.report_date or "").split("-")) < 3)
        stated = _blank_line(chunks, field[0]) if blank else _stating_line(chunks, field[0], first)
        if stated is None:
            return None
        cites = CitationList()
        marker = cites.cite(stated[0], stated[1])
        if not blank:
            return Answer(answer=f"{_statement(first, field[0], stated[1])} [{marker}].", citations=cites.citations,
                          grounded=True, as_of=first.report_date, generator=self.name)
        what = "số và ký hiệu" if field[0] == "number" else "ngày ký"
        text = (f"Không tìm thấy {what} của {first.doc_kind} này: {first.title} để trống {what} "
                f"trên văn bản: «{stated[1]}» [{marker}].")
        return Answer(answer=text, citations=cites.citations, grounded=False, generator=self.name)


def _several_answer(documents: list[list[Chunk]], field: str, generator: str) -> Answer | None:
    """A description that fits several documents ('công điện mời dự Phiên họp lần thứ nhất' — CĐ 58 and CĐ 63
    that replaced it): the field of each, on its own line."""
    if field in PREAMBLE_FIELDS:
        return None
    cites = CitationList()
    lines, dates = [], []
    for chunks in documents:
        stated = _stating_line(chunks, field, chunks[0])
        if stated is None:
            return None
        lines.append(f"- {_statement(chunks[0], field, stated[1])} [{cites.cite(stated[0], stated[1])}].")
        dates.append(chunks[0].report_date or "")
    text = f"Có {len(lines)} văn bản khớp mô tả:\n" + "\n".join(lines)
    return Answer(answer=text, citations=cites.citations, grounded=True, as_of=max(dates) or None, generator=generator)


def _preamble_answer(chunks: list[Chunk], field: str, asked_after: str, generator: str) -> Answer | None:
    """'QĐ … được ban hành căn cứ những văn bản nào?' / '… theo đề nghị của ai?': every line of the document's
    preamble (its first run of 'Căn cứ …;', 'Theo đề nghị …' lines) that opens with the field's words, each cited;
    'căn cứ nghị định nào' keeps the lines that cite a decree, when there are any."""
    openers = document_questions()["preamble"][field]
    opening = re.compile(rf"(?i)^\s*[-+•]?\s*(?:{'|'.join(map(re.escape, openers))})(?!\w)")
    preamble = re.compile(rf"(?i)^\s*[-+•]?\s*(?:{'|'.join(map(re.escape, document_format()['preamble_openers']))})(?!\w)")
    found: list[tuple[Chunk, str]] = []
    started = ended = False
    for chunk in chunks:
        for line in chunk.text.splitlines():
            if not line.strip() or line.strip() in chunk.section:
                continue
            if preamble.match(line):
                started = True
                if opening.match(line) and line.strip() not in (f[1] for f in found):
                    found.append((chunk, line.strip()))
            elif started:
                ended = True  # the preamble is the run of 'Căn cứ …; Theo đề nghị …' lines: the body follows
                break
        if ended:
            break
    kind = mentioned_kind(asked_after)
    if kind is not None:
        named = [f for f in found if re.search(rf"(?<!\w){re.escape(kind)}(?!\w)", search_key(f[1]))]
        found = named or found
    if not found:
        return None
    first = chunks[0]
    numbered = re.match(r"\s*\d", first.number or "")
    name = f"{first.doc_kind or ''} số {first.number} ({first.title})".strip() if numbered else first.title
    cites = CitationList()
    lines = [f"- {line.rstrip(';,.')} [{cites.cite(chunk, line)}]" for chunk, line in found[:MAX_PREAMBLE_LINES]]
    what = "căn cứ" if field == "basis" else "theo"
    head = f"{name} ban hành {what}:"
    return Answer(answer="\n".join([head, *lines]), citations=cites.citations, grounded=True,
                  items=[line.rstrip(";,.") for _, line in found[:MAX_PREAMBLE_LINES]],
                  as_of=first.report_date, generator=generator)


def _documents_described(folded: str, kind: str | None, catalogue) -> list[list[Chunk]]:
    """The indexed documents of the kind the description opens with whose title holds its content words (one
    may be missing from a long description: 'công điện … mời dự Phiên họp …'), by the issuer it names if any."""
    if kind is None:
        return []
    opened = re.match(rf"\s*(?:{'|'.join(map(re.escape, kind_spellings(kind)))})(?!\w)", folded)
    if opened is None:
        return []
    filler = {w for phrase in document_questions()["filler"] for w in search_key(phrase).split()}
    described, issuer = _without_issuer(folded[opened.end():], catalogue)
    words = {w for w in re.findall(r"\w+", described) if w not in filler}
    if len(words) < 2:
        return []
    unexplained = 1 if len(words) >= LONG_DESCRIPTION else 0
    fits = [d for d in catalogue.documents_titled(words, share=(len(words) - unexplained) / len(words))
            if search_key(catalogue.chunks_of(d)[0].doc_kind or "") == kind
            and (not issuer or issuer <= set(search_key(catalogue.chunks_of(d)[0].issuer or "").split()))]
    missing = {d: len(words - set(search_words(catalogue.chunks_of(d)[0].title))) for d in fits}
    return [catalogue.chunks_of(d) for d in fits if missing[d] == min(missing.values())]  # the closest titles


def _without_issuer(described: str, catalogue) -> tuple[str, set[str]]:
    """'… của Văn phòng Chính phủ mời dự …': the words after 'của' that some document's issuer holds (the
    longest such run) name who issued it, not what its title says."""
    for found in re.finditer(r"(?<!\w)cua\s+", described):
        words = described[found.end():].split()
        for n in range(min(len(words), 10), 1, -1):
            if catalogue.has_issuer(set(words[:n])):
                end = found.end() + len(" ".join(words[:n]))
                return described[:found.start()] + described[end:], set(words[:n])
    return described, set()


def _blank_line(chunks: list[Chunk], field: str) -> tuple[Chunk, str] | None:
    """The header line that leaves the number ('Số:     /QĐ-UBND') or the day ('ngày … tháng 01 năm 2026') blank."""
    if field == "number":
        return _first_line(chunks, lambda line: re.match(r"(?i)\s*số\s*:?\s*[/.…\s]*/", line) is not None)
    return _first_line(chunks, lambda line: re.search(r"(?i)ngày\s*[.…_\s]*\s*tháng\s+\d", line) is not None)


def _documents_named(catalogue, ref: DocumentRef) -> list[list[Chunk]]:
    """The chunks of each indexed document the reference names, in reading order."""
    by_doc: dict[str, list[Chunk]] = {}
    for chunk in catalogue.by_id.values():
        if is_document(chunk, ref):
            by_doc.setdefault(chunk.doc_id, []).append(chunk)
    return [sorted(chunks, key=lambda c: c.order) for chunks in by_doc.values()]
