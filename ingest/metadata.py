"""Document facts read from the text: title, issuer, report date and the "as of" dates of figures."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from baocao.ingest.structure import PART_TITLE, Block

_D = r"(\d{1,2})"
_M = r"(\d{1,2})"
_Y = r"(\d{4})"

# "Hà Nội, ngày 22 tháng 9 năm 2025"; blanks where the date was left to be filled in by hand.
SIGNING_DATE = re.compile(
    rf"[A-ZĐÀ-Ỹ][\wÀ-ỹ ]{{1,30}},\s*ngày\s+(\d{{1,2}})?\s*tháng\s+(\d{{1,2}})?\s*năm\s+{_Y}", re.IGNORECASE
)
# "tính đến hết ngày 26/3/2025", "Đến ngày 27/3/2025", "tính đến 31/7/2025", "đến hết tháng 08/2025"
AS_OF = re.compile(
    rf"(?:tính\s+)?đến\s+(?:hết\s+)?(?:ngày\s+)?{_D}/{_M}(?:/{_Y})?(?!\d)"
    rf"|(?:tính\s+)?đến\s+(?:hết\s+)?tháng\s+{_M}/{_Y}",
    re.IGNORECASE,
)
ISSUER_UPPER = re.compile(r"^((?:BỘ|ỦY BAN|UBND|BAN CHỈ ĐẠO|VĂN PHÒNG|SỞ)\s[A-ZĐÀ-Ỹ ,&-]{3,80}?)\s*(?:CỘNG HÒA.*)?$")
ISSUER_ATTACHED = re.compile(r"\(Kèm theo .{0,80}?của\s+((?:Bộ|Ủy ban|Ban|Văn phòng)\s[^)\n]{3,80}?)\)")
ISSUER_REPORTS = re.compile(r"((?:Bộ|Ủy ban|Văn phòng)\s[A-ZĐÀ-Ỹ][\wÀ-ỹ ,&-]{3,60}?)\s+báo cáo\b")
FILE_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?[_-]")


@dataclass
class DocumentFacts:
    title: str
    issuer: str | None
    report_date: str | None
    as_of: str | None


def iso(year: int | str | None, month: int | str | None = None, day: int | str | None = None) -> str | None:
    if not year:
        return None
    y = int(year)
    if not month:
        return f"{y:04d}"
    m = int(month)
    if not 1 <= m <= 12:
        return None
    if not day:
        return f"{y:04d}-{m:02d}"
    d = int(day)
    return f"{y:04d}-{m:02d}-{d:02d}" if 1 <= d <= 31 else f"{y:04d}-{m:02d}"


def signing_date(text: str) -> str | None:
    m = SIGNING_DATE.search(text[:3000])
    return iso(m.group(3), m.group(2), m.group(1)) if m else None


def as_of_dates(text: str, default_year: int | None = None, not_after: str | None = None) -> list[str]:
    """Every "as of" date the text states, in order, as ISO strings.

    `not_after` (the report date) drops deadlines that read like as-of dates ("phấn đấu đến 31/12/2025").
    """
    found = []
    for m in AS_OF.finditer(text):
        day, month, year, month_only, year_of_month = m.groups()
        if month_only:
            value = iso(year_of_month, month_only)
        else:
            value = iso(year or default_year, month, day)
        if value and not (not_after and value[: len(not_after)] > not_after):
            found.append(value)
    return found


def file_name_date(name: str) -> str | None:
    m = FILE_DATE.match(name)
    return iso(*m.groups()) if m else None


def document_title(blocks: list[Block], file_name: str, text: str) -> str:
    """`BÁO CÁO` + the subject line that follows it; else the file name made readable."""
    for i, block in enumerate(blocks[:40]):
        if block.kind == "part" and PART_TITLE.match(block.text):
            subject = next((b.text for b in blocks[i + 1 : i + 3] if b.kind == "para" and len(b.text) < 250), "")
            keyword = block.text.strip().capitalize()
            return f"{keyword} {subject}".strip()
    stem = re.sub(r"\.[a-z0-9]+$", "", file_name, flags=re.IGNORECASE)
    stem = FILE_DATE.sub("", stem)
    words = re.sub(r"[-_]+", " ", stem).split()
    restored = " ".join(restore_diacritics(words, text)) if words else file_name
    return restored[:1].upper() + restored[1:]


def restore_diacritics(folded_words: list[str], text: str) -> list[str]:
    """`ke hoach cds` → `kế hoạch CĐS`, choosing for each word the form the text uses most next to its neighbours."""
    from baocao.ingest.vietnamese import fold

    tokens = re.findall(r"[^\W_]+", text)
    unigrams: dict[str, Counter] = {}
    bigrams: dict[tuple[str, str], Counter] = {}
    for a, b in zip(tokens, tokens[1:] + [""]):
        unigrams.setdefault(fold(a).lower(), Counter())[a if a.isupper() and len(a) > 1 else a.lower()] += 1
        if b:
            bigrams.setdefault((fold(a).lower(), fold(b).lower()), Counter())[(a.lower(), b.lower())] += 1
    out: list[str] = []
    for i, word in enumerate(w.lower() for w in folded_words):
        pair_next = bigrams.get((word, folded_words[i + 1].lower())) if i + 1 < len(folded_words) else None
        pair_prev = bigrams.get((folded_words[i - 1].lower(), word)) if i else None
        if pair_next:
            out.append(pair_next.most_common(1)[0][0][0])
        elif pair_prev:
            out.append(pair_prev.most_common(1)[0][0][1])
        elif word in unigrams:
            out.append(unigrams[word].most_common(1)[0][0])
        else:
            out.append(word)
    return out


def issuer_of(text: str) -> str | None:
    for line in text[:4000].splitlines()[:15]:
        m = ISSUER_UPPER.match(line.strip())
        if m:
            return mixed_case_form(m.group(1).strip(" ,"), text)
    head = " ".join(text[:6000].split())  # patterns may span hard line wraps
    for pattern in (ISSUER_ATTACHED, ISSUER_REPORTS):
        m = pattern.search(head)
        if m:
            return " ".join(m.group(1).split())
    return None


def mixed_case_form(upper_name: str, text: str) -> str:
    """`BỘ KHOA HỌC VÀ CÔNG NGHỆ` written as the document itself writes it elsewhere, if it does."""
    pattern = re.compile(r"\s+".join(map(re.escape, upper_name.split())), re.IGNORECASE)
    for m in pattern.finditer(text):
        if m.group(0) != m.group(0).upper():
            return " ".join(m.group(0).split())
    return upper_name.capitalize()


def most_common_as_of(dates: list[str]) -> str | None:
    """The date most figures speak of; ties go to the later date."""
    if not dates:
        return None
    counts = Counter(dates)
    return max(counts, key=lambda d: (counts[d], d))


def most_precise(*dates: str | None) -> str | None:
    """The most precise of dates that agree (`2025` from a half-filled signing line, `2025-03` from the file name)."""
    known = [d for d in dates if d]
    if not known:
        return None
    best = max(known, key=len)
    return best if all(best.startswith(d) for d in known) else known[0]


def read_facts(blocks: list[Block], text: str, file_name: str) -> DocumentFacts:
    report_date = most_precise(signing_date(text), file_name_date(file_name))
    year = int(report_date[:4]) if report_date else None
    return DocumentFacts(
        title=document_title(blocks, file_name, text),
        issuer=issuer_of(text),
        report_date=report_date,
        as_of=most_common_as_of(as_of_dates(text, year, report_date)) or report_date,
    )
