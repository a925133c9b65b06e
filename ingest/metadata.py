"""Document facts read from the text, the way the administrative format lays them out.

Every Vietnamese administrative document follows Nghị định 30/2020/NĐ-CP, Appendix I: a header
block (governing and issuing body, số và ký hiệu, place and date, the national motto), the kind and
its summary (`TỜ TRÌNH` / `Về việc …`), the body, and a closing block (nơi nhận, the signer's
capacity and name). Legal texts add `Luật số: …` and a `Căn cứ …` preamble. The vocabulary is data
(`data/document_format.json`); this module reads the header and closing blocks from the document's
lines, and the title, issuer, number and dates from them; the file name is the last fallback.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from baocao.ingest.header_repair import (
    is_motto_fragment, is_stamp_line, repair_body, repair_label, repair_place, repair_segment,
)
from baocao.ingest.structure import Block, document_format, is_kind_title, is_upper_text, tone_key
from baocao.ingest.structure import starts_with_any as _starts_with_any
from baocao.ingest.vietnamese import fold, is_vietnamese_syllable

_D = r"(\d{1,2})"
_M = r"(\d{1,2})"
_Y = r"(\d{4})"
_BLANK = r"[\s._…\-]*"  # a day or month left to be written in by hand

# "Hà Nội, ngày 22 tháng 9 năm 2025"; blanks where the date was left to be filled in by hand.
DATE_LINE = re.compile(rf"ngày{_BLANK}(\d{{1,2}})?{_BLANK}tháng{_BLANK}(\d{{1,2}})?{_BLANK}năm\s+{_Y}", re.IGNORECASE)
# "tính đến hết ngày 26/3/2025", "Đến ngày 27/3/2025", "tính đến 31/7/2025", "đến hết tháng 08/2025"
AS_OF = re.compile(
    rf"(?:tính\s+)?đến\s+(?:hết\s+)?(?:ngày\s+)?{_D}/{_M}(?:/{_Y})?(?!\d)"
    rf"|(?:tính\s+)?đến\s+(?:hết\s+)?tháng\s+{_M}/{_Y}",
    re.IGNORECASE,
)
# An as-of date may fall a few days after the signing date (a report signed on the 22nd gives figures
# "tính đến ngày 23/9"); later than this it is a deadline ("phấn đấu đến 31/12/2025").
AS_OF_GRACE_DAYS = 7
# a number stamped or written by hand may come apart ("Số: 1 1902 /BNV-TCPCP" is 11902)
NUMBER = re.compile(r"^(?:Luật\s+)?[Ss]ố\s*[:.]?\s*(?P<n>\d[\d\-.]*(?:\s\d[\d\-.]*)*)?[\s.…_]*/\s*(?P<sym>[^\s,;]+)(?P<rest>.*)$")
ISSUER_ATTACHED = re.compile(r"\(Kèm theo .{0,80}?của\s+((?:Bộ|Ủy ban|Uỷ ban|Ban|Văn phòng|Chủ tịch)\s[^)\n]{3,80}?)\)")
ISSUER_REPORTS = re.compile(r"((?:Bộ|Ủy ban|Uỷ ban|UBND|Văn phòng|Sở|Ban)\s[^\W\d_][^,;.:()\n]{2,60}?)\s+(?:kính\s+)?(?:báo cáo|trình)\b")
FILE_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?[_-]")
MARKDOWN_TITLE = re.compile(r"^#\s+(?P<t>\S.*)$")
HEADER_MAX_LINES = 30


# --- the header block ---------------------------------------------------------------------------


@dataclass
class Header:
    """What the header block says; `lines` is how many leading lines it took."""

    bodies: list[str] = field(default_factory=list)  # upper-case, as written: governing body first
    number: str | None = None  # "123/BC-UBND"; "/TTr-SNV" where the number is left blank
    symbol: str | None = None  # "BC-UBND"
    place: str | None = None
    date: str | None = None  # ISO, as precise as the line is
    letter_summary: str | None = None  # "V/v …" of a công văn
    header_summary: str | None = None  # a kind and summary written in the header ("Hướng dẫn một số …")
    addressee: str | None = None
    draft: bool = False
    lines: int = 0
    kept: list[str] = field(default_factory=list)  # the header's content, one item a line, motto dropped


_SPLIT = re.compile(r"\s{3,}|\t+|;\s+")
_ANCHOR = re.compile(
    r"(?=(?<!\w)(?:Luật\s+)?Số\s*[:.])|(?=(?<!\w)V/v\b)|(?<!NƯỚC )(?=CỘNG\s+H(?:OÀ|ÒA|OA)\s+XÃ)|(?<!nước )(?=Cộng\s+hòa\s+xã)|(?=ĐỘC\s+LẬP\s*[-–])"
    r"|(?=Độc\s+[Ll]ập\s*[-–])|(?=Kính\s+gửi)|(?=(?<!\w)Dự\s+thảo\b)|(?=(?<!\w)DỰ\s+THẢO\b)"
)
_UNLABELLED_COLON = re.compile(r"(?<!Số)(?<!số)(?<!gửi)(?<!V/v)(?<!nhận)(?<!Lưu)\s*:\s+")
# a number or date written with the blanks of a form ("Số:  779    /QĐ-UBND", "ngày    23   tháng")
_COMPACT = re.compile(r"Số\s*[:.]?[\s\d.…_]*/\s*\S+|ngày[\s\d._…]*tháng[\s\d._…]*năm\s+\d{4}")
_RULE = re.compile(r"^[\s\-_–—=.·*:]*$")


def segments(line: str) -> list[str]:
    """A header or closing line cut into its fields: columns, table cells, and the labelled parts
    (`Số:`, `V/v`, the motto, the place and date) that a DOCX table or a two-column PDF line runs together."""
    out: list[str] = []
    line = _COMPACT.sub(lambda m: " ".join(m.group(0).split()), line)
    line = _unweave_motto(line)
    for part in _SPLIT.split(line):
        for piece in _ANCHOR.split(part):
            for item in _UNLABELLED_COLON.split(piece):
                out.extend(_split_place_date(item))
    return [re.sub(r"[\s:_–-]+$", "", s).strip(" _:") for s in out if not _RULE.match(s)]


_MOTTO_WORDS = ("CONG", "HOA", "XA", "HOI", "CHU", "NGHIA")


def _unweave_motto(line: str) -> str:
    """OCR reads the two header columns as one line, the motto inside the issuer's name ("BỘ KHOA HỌC VÀ
    CỘNG HÒA XÃ HỘI CHỦ NGHĨA CÔNG NGHỆ VIỆT NAM"): the issuer's words, then the motto, in two columns."""
    words = line.split()
    keys = [_plain(w) for w in words]
    n = len(_MOTTO_WORDS)
    for k in range(1, len(words) - n + 1):
        if tuple(keys[k:k + n]) == _MOTTO_WORDS and keys[-2:] == ["VIET", "NAM"] and len(words) > k + n + 2:
            # "VIỆT NAM" ends the line but the issuer's words come between: woven
            rest = words[:k] + words[k + n:-2]
            return " ".join(rest) + "     " + " ".join(words[k:k + n] + words[-2:])
        if tuple(keys[k:k + n]) == _MOTTO_WORDS and keys[k + n:] in ([], ["VIET", "NAM"]):
            return " ".join(words[:k]) + "     " + " ".join(words[k:])  # also when OCR misread a tone ("CỌNG")
    return line


def _split_place_date(text: str) -> list[str]:
    m = re.search(r",\s*ngày\b", text)
    if not m:
        return [text]
    words = text[: m.start()].split()
    k = len(words)
    while k > 0 and len(words) - k < 4 and words[k - 1][:1].isupper() and words[k - 1][1:].islower():
        k -= 1
    if k == 0 or k == len(words):
        return [text]
    return [" ".join(words[:k]), " ".join(words[k:]) + text[m.start():]]


def _plain(text: str) -> str:
    return " ".join(fold(text).upper().split())


def _is_gazette(segment: str) -> bool:
    key = _plain(re.sub(r"^\d+\s+", "", segment))
    return key.startswith("CONG BAO") or any(key == _plain(g) for g in document_format()["gazette_lines"])


def _is_motto(segment: str) -> bool:
    key = _plain(segment)
    return any(key.startswith(_plain(m)[:12]) for m in document_format()["motto"]) or is_motto_fragment(segment)


def ends_header(line: str) -> bool:
    """The header stops at the kind line, the addressee, the preamble or the first structural heading."""
    from baocao.ingest.structure import heading_of

    text = line.strip()
    if is_kind_title(text) or text.startswith("Kính gửi") or _starts_with_any(text, document_format()["preamble_openers"]):
        return True
    return heading_of(text) is not None and not text.startswith(("Số", "V/v"))


def read_header(lines: list[str]) -> Header:
    """The header block at the top of `lines` (the document's first non-blank lines). It ends at the kind
    line, the addressee, the preamble, a heading, or the first line of which no part is a header field."""
    header = Header()
    bodies: list[list[str]] = []
    state: list | None = None  # the V/v or kind summary being read, continued by the next mixed-case line
    header.lines = 0
    for index, line in enumerate(lines[:HEADER_MAX_LINES]):
        if ends_header(line) or (len(line) > 300 and not _SPLIT.search(line)):
            break
        if is_stamp_line(line):  # a signature or copy stamp printed over the header: no field of it
            header.lines = index + 1
            continue
        parts = [repair_segment(s) for s in segments(repair_label(line))]
        if not parts or re.fullmatch(r"\d{1,3}", line.strip()):  # a rule or a page number
            header.lines = index + 1
            continue
        if len(line) > SUMMARY_LINE_CHARS:
            state = None  # a summary wraps over short lines; a paragraph-long line is the body's, not its next line
        recognised = False
        unread: list[str] = []
        for segment in parts:
            state, known = _read_segment(header, bodies, state, segment)
            recognised |= known
            if not known:
                unread.append(segment)
        if not recognised:
            break
        header.kept.extend(unread)  # nothing of a header line is lost
        header.lines = index + 1
    header.bodies = _dedupe([repair_body(" ".join(parts)) for parts in bodies])  # a name OCR split over two lines
    return header


def _read_segment(header: Header, bodies: list[list[str]], summary: list | None, segment: str) -> tuple[list | None, bool]:
    """Read one field into `header`; (summary state, whether the segment was a header field)."""
    fmt = document_format()
    if _is_motto(segment) or _is_gazette(segment):
        return None, True
    if _starts_with_any(segment, fmt["draft_marks"]):
        header.draft = True
        return summary, True
    if segment.startswith("Kính gửi"):
        header.addressee = segment.split(":", 1)[-1].strip() or None
        header.kept.append(segment)
        return None, True
    if (number := NUMBER.match(segment)) and header.number is None:
        digits, symbol = (number.group("n") or "").replace(" ", ""), number.group("sym").rstrip(".")
        header.number, header.symbol = f"{digits}/{symbol}", symbol
        header.kept.append(segment)
        rest = number.group("rest").strip()
        if rest and DATE_LINE.search(rest):
            _read_date(header, rest)
        return None, True
    if DATE_LINE.search(segment) and header.date is None and len(segment) < 80:
        header.kept.append(segment)
        _read_date(header, segment)
        return None, True
    if segment.startswith("V/v"):
        header.kept.append(segment)
        text = segment[3:].strip()
        header.letter_summary = text
        return ["letter", text], True
    if summary is not None and not is_upper_text(segment) and len(segment) < 200:
        summary.append(segment)
        header.kept[-1] += " " + segment
        joined = " ".join(summary[1:]).strip()
        if summary[0] == "letter":
            header.letter_summary = joined
        else:
            header.header_summary = joined
        return summary, True
    if is_upper_text(segment) and len(segment) < 160 and not (header.number and header.date):
        header.kept.append(segment)
        for name in split_bodies(segment):
            if _starts_with_any(name, fmt["body_openers"]) or not bodies:
                bodies.append([name])
            else:
                bodies[-1].append(name)
        return None, True
    if header.number is not None and _starts_with_any(segment, [k.capitalize() for k in fmt["kinds"]]) and len(segment) < 200:
        header.kept.append(segment)
        header.header_summary = segment
        return ["kind", segment], True
    return summary, False


def split_bodies(segment: str) -> list[str]:
    """`CHỦ TỊCH NƯỚC - QUỐC HỘI`, `UBND TỈNH LÂM ĐỒNG SỞ NỘI VỤ` (two lines of a DOCX cell run together)."""
    fmt = document_format()
    territories = {tone_key(t).split()[0] for t in fmt["territories"]}
    out: list[str] = []
    for name in re.split(r"\s+[-–]\s+", segment):
        words = name.split()
        start, seen_territory = 0, False
        for k, word in enumerate(words):
            if seen_territory and k - start > 1 and _starts_with_any(" ".join(words[k:]), fmt["body_openers"]) \
                    and tone_key(words[k - 1]) not in territories:
                out.append(" ".join(words[start:k]))
                start, seen_territory = k, False
            if tone_key(word) in territories:
                seen_territory = True
        out.append(" ".join(words[start:]))
    return out


def _read_date(header: Header, text: str) -> None:
    m = DATE_LINE.search(text)
    day, month, year = m.groups()
    header.date = iso(year, month, day)
    place = text[: m.start()].strip(" ,")
    if place and place[:1].isupper() and len(place) <= 40:
        header.place = repair_place(place)


def _dedupe(items: list[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if not out or tone_key(out[-1]) != tone_key(item):
            out.append(item)
    return out


# --- the closing block --------------------------------------------------------------------------


@dataclass
class Closing:
    start: int  # line indexes [start, end) the block takes
    end: int
    signer: str | None = None  # "Nguyễn Minh"
    signer_title: str | None = None  # "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
    recipients: list[str] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)  # the capacity and name lines as written


_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_’'\-]*$")
CLOSING_MAX_LINES = 40
SUMMARY_LINE_CHARS = 200  # longer than any wrapped line of a 'V/v …' or kind summary (with the date column beside it)


def is_person_name(text: str) -> bool:
    words = text.split()
    return 2 <= len(words) <= 5 and all(_NAME_WORD.match(w) and w[0].isupper() and not w[1:].isupper() for w in words)


def _is_signer_title(text: str) -> bool:
    fmt = document_format()
    if not is_upper_text(text, 0.9):
        return False
    if _starts_with_any(text, fmt["signer_prefixes"]):
        return True
    return _starts_with_any(text, fmt["signer_titles"]) is not None


def _split_signer(segment: str) -> tuple[str | None, str | None]:
    """`KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC Nguyễn Đức Vũ` -> (title, name)."""
    words = segment.split()
    k = len(words)
    while k > 0 and _NAME_WORD.match(words[k - 1]) and words[k - 1][0].isupper() and not words[k - 1][1:].isupper():
        k -= 1
    title, name = " ".join(words[:k]), " ".join(words[k:])
    return (title or None), (name if is_person_name(name) else None)


def find_closings(lines: list[str]) -> list[Closing]:
    """Closing blocks (nơi nhận, signer): from `Nơi nhận` or a signer's capacity line to the signer's name."""
    fmt = document_format()
    closings: list[Closing] = []
    i = 0
    while i < len(lines):
        first = segments(lines[i])[:1]
        opens = bool(first) and (_starts_with_any(first[0], fmt["recipients"]) is not None or (
            _is_signer_title(first[0]) and _name_follows(lines, i)))
        if not opens:
            i += 1
            continue
        closing = _read_closing(lines, i)
        closings.append(closing)
        i = max(closing.end, i + 1)
    if not any(c.signer for c in closings) and (last := _name_under_a_unit(lines)) is not None:
        last.signer_title = closings[0].signer_title if closings else None  # its capacity lines, where they are
        closings.insert(0, last)  # the document's signature: read first
    return closings


def _name_under_a_unit(lines: list[str]) -> Closing | None:
    """A signature whose capacity lines the layout moved elsewhere (a two-column PDF puts 'TL. BỘ TRƯỞNG / VỤ
    TRƯỞNG' beside the header): the last line is a name, under a line that ends with a unit in capitals
    ('… thực hiện./. VỤ TỔ CHỨC PHI CHÍNH PHỦ')."""
    filled = [k for k, line in enumerate(lines) if line.strip()]
    if len(filled) < 2:
        return None
    last, before = filled[-1], filled[-2]
    name = lines[last].strip()
    unit = re.search(r"(?:^|\s)((?:[A-ZĐÀ-Ỹ]{1,10}\s+){1,8}[A-ZĐÀ-Ỹ]{1,10})\s*$", lines[before].strip())
    if not is_person_name(name) or unit is None or not is_upper_text(unit[1], 0.9):
        return None
    return Closing(last, last + 1, signer=name, signature=[name])


def _name_follows(lines: list[str], i: int) -> bool:
    for line in lines[i: i + 5]:
        for segment in segments(line):
            title, name = _split_signer(segment)
            if name or is_person_name(segment):
                return True
            if not (title and _is_signer_title(title)):
                return False
    return False


def _read_closing(lines: list[str], start: int) -> Closing:
    fmt = document_format()
    closing = Closing(start, start + 1)
    titles: list[str] = []
    for j in range(start, min(len(lines), start + CLOSING_MAX_LINES)):
        recognised = False
        for segment in segments(lines[j]):
            title, name = _split_signer(segment)
            if _starts_with_any(segment, fmt["recipients"]):
                rest = segment.split(":", 1)[1].strip() if ":" in segment else ""
                closing.recipients.extend([rest.lstrip("- ").rstrip(";.")] if rest else [])
            elif title and _is_signer_title(title):
                titles.append(title)
                closing.signer = name or closing.signer
                closing.signature.append(segment)
            elif is_person_name(segment) and (titles or closing.recipients):
                closing.signer = segment
                closing.signature.append(segment)
            elif segment.startswith(("-", "+", "•")) or (closing.recipients and not titles and len(segment) < 120):
                closing.recipients.append(segment.lstrip("-+• ").rstrip(";."))
            else:
                continue
            recognised = True
        if not recognised:
            break
        closing.end = j + 1
        if closing.signer:
            break
    closing.signer_title = " / ".join(titles) or None
    return closing


# --- names in the document's own case ----------------------------------------------------------


def mixed_case_form(upper_name: str, text: str) -> str:
    """`BỘ KHOA HỌC VÀ CÔNG NGHỆ` written as the document itself writes it elsewhere, if it does
    (the commonest mixed-case spelling, any tone placement, punctuation as written); else capitalised by rule."""
    wanted = [tone_key(w) for w in _WORD.findall(upper_name)]
    if not wanted:
        return upper_name
    tokens = _tokens(text)
    counts: Counter[str] = Counter()
    for k in tokens.starts.get(wanted[0], ()):
        if [key for _, _, key in tokens.items[k:k + len(wanted)]] == wanted:
            start, end = tokens.items[k][0], tokens.items[k + len(wanted) - 1][1]
            candidate = " ".join(text[start:end].split())
            if not is_upper_text(candidate, 0.95):
                counts[candidate] += 1
    if counts:
        return counts.most_common(1)[0][0]
    return capitalised_name(upper_name)


_WORD = re.compile(r"(?<!\w)[^\W\d_]+")


@dataclass
class _Tokens:
    items: list[tuple[int, int, str]]
    starts: dict[str, list[int]]


_TOKEN_CACHE: dict[int, tuple[str, _Tokens]] = {}


def _tokens(text: str) -> _Tokens:
    cached = _TOKEN_CACHE.get(id(text))
    if cached and cached[0] is text:
        return cached[1]
    items = [(m.start(), m.end(), tone_key(m.group(0))) for m in _WORD.finditer(text)]
    starts: dict[str, list[int]] = {}
    for k, (_, _, key) in enumerate(items):
        starts.setdefault(key, []).append(k)
    tokens = _Tokens(items, starts)
    _TOKEN_CACHE.clear()
    _TOKEN_CACHE[id(text)] = (text, tokens)
    return tokens


def capitalised_name(upper_name: str) -> str:
    """`SỞ Y TẾ` -> `Sở Y tế`, `ỦY BAN NHÂN DÂN TỈNH BÌNH THUẬN` -> `Ủy ban nhân dân tỉnh Bình Thuận`: the
    body's kind with one capital, the next word and each word after `và` or a comma capitalised, names
    after a territory word title-cased, acronyms (`UBND`, `KH&CN`) kept."""
    fmt = document_format()
    territories = sorted((tone_key(t).split() for t in fmt["territories"]), key=len, reverse=True)
    opener = _starts_with_any(upper_name, fmt["body_openers"])
    words = upper_name.split()
    skip = len(opener.split()) if opener else 1
    out = [w if not is_vietnamese_syllable(w) else w.capitalize() if k == 0 else w.lower()
           for k, w in enumerate(words[:skip])]
    proper, capital_next = False, True
    k = skip
    while k < len(words):
        keys = [tone_key(w) for w in words[k:k + 2]]
        matched = next((t for t in territories if keys[:len(t)] == t), None)
        if matched:
            out.extend(w.lower() for w in words[k:k + len(matched)])
            k += len(matched)
            proper = True
            continue
        word = words[k]
        if not is_vietnamese_syllable(word.strip("(),.;:")):
            out.append(word)
        else:
            out.append(word.capitalize() if proper or capital_next else word.lower())
        capital_next = word.lower() == "và" or word.endswith(",")
        k += 1
    return " ".join(out)


# --- dates ----------------------------------------------------------------------------------------


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
    m = re.search(r"[^\W\d_][\w ]{1,30},\s*" + DATE_LINE.pattern, text[:3000], re.IGNORECASE)
    return iso(m.group(3), m.group(2), m.group(1)) if m else None


def _latest_day(partial: str) -> str:
    """The last day a partial ISO date can mean: `2025-08` -> `2025-08-31`, `2025` -> `2025-12-31`."""
    if len(partial) == 4:
        return f"{partial}-12-31"
    if len(partial) == 7:
        return f"{partial}-31"
    return partial


def _add_days(day: str, days: int) -> str:
    from datetime import date, timedelta

    try:
        return (date.fromisoformat(day) + timedelta(days=days)).isoformat()
    except ValueError:
        return day


def as_of_dates(text: str, default_year: int | None = None, not_after: str | None = None) -> list[str]:
    """Every "as of" date the text states, in order, as ISO strings.

    `not_after` (the report date) drops deadlines that read like as-of dates ("phấn đấu đến 31/12/2025"),
    allowing a few days' grace (`AS_OF_GRACE_DAYS`)."""
    limit = _add_days(_latest_day(not_after), AS_OF_GRACE_DAYS) if not_after else None
    found = []
    for m in AS_OF.finditer(text):
        day, month, year, month_only, year_of_month = m.groups()
        if month_only:
            value = iso(year_of_month, month_only)
        else:
            value = iso(year or default_year, month, day)
        if value and not (limit and value[:10] > limit[: len(value)]):
            found.append(value)
    return found


def file_name_date(name: str) -> str | None:
    m = FILE_DATE.match(name)
    return iso(*m.groups()) if m else None


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


# --- kind, title and issuer ----------------------------------------------------------------------


def kind_of_symbol(symbol: str | None) -> str | None:
    """`BC-UBND` -> Báo cáo, `2021/NĐ-CP` -> Nghị định, `2015/QH13` -> Luật (Nghị định 30/2020, Appendix III)."""
    if not symbol:
        return None
    kinds = document_format()["symbol_kinds"]
    for part in re.split(r"[/-]", symbol):
        code = re.sub(r"\d+$", "", part)
        if code in kinds:
            return kinds[code]
    return None


def _keeps_capitals(word: str) -> bool:
    """Roman numerals and acronyms (`IV`, `UBND`, `KH&CN`) stay upper-case in a lower-cased title."""
    core = word.strip("(),.;:")
    if re.fullmatch(r"[IVXLC]+", core):
        return True
    plain = all(ord(ch) < 128 or ch in "Đđ" for ch in core)
    return plain and not is_vietnamese_syllable(core)


def sentence_case(text: str, document_text: str) -> str:
    """An upper-case summary (`PHÒNG, CHỐNG MA TÚY`) as the document writes it elsewhere, else with one capital."""
    if not is_upper_text(text, 0.95):
        return text
    form = mixed_case_form(text, document_text)
    if form != capitalised_name(text):
        return form
    words = [w if _keeps_capitals(w) else w.lower() for w in text.split()]
    lowered = " ".join(words)
    return lowered[:1].upper() + lowered[1:]


def _kind_label(line: str) -> tuple[str, str]:
    """(kind, rest): `BÁO CÁO KIỂM ĐIỂM` -> (`Báo cáo`, `KIỂM ĐIỂM`)."""
    kind = _starts_with_any(line, document_format()["kinds"]) or line
    rest = line[len(kind):].strip() if tone_key(line).startswith(tone_key(kind)) else ""
    label = kind.lower()
    return label[:1].upper() + label[1:], rest


_SUMMARY_STOP = re.compile(r"^(?:Kính gửi|Căn cứ|Theo đề nghị|Thực hiện|Xét đề nghị)\b")


def summary_after(blocks: list[Block], start: int, document_text: str) -> str:
    """The summary lines after a kind line, up to the addressee, the preamble or the deciding authority."""
    parts: list[str] = []
    for block in blocks[start + 1: start + 6]:
        text = block.text.strip()
        if (block.kind not in ("para", "part") or _SUMMARY_STOP.match(text) or len(text) > 500
                or (is_upper_text(text) and _is_signer_title(text))
                or text.rstrip(":").strip() in document_format()["enacting_formulas"] or text.startswith("(")
                or (parts and text.endswith(":"))):  # "VĂN PHÒNG CHÍNH PHỦ điện:" opens the body
            break
        if parts and is_upper_text(parts[-1]) != is_upper_text(text) and not is_upper_text(text):
            break  # "LUẬT / PHÒNG, CHỐNG MA TÚY" then a mixed-case line: not the summary any more
        if parts and not is_upper_text(text) and (len(text) > 150 or text.endswith((".", ":", "./."))):
            break  # a sentence of the body, not a wrapped line of the summary
        parts.append(text if is_upper_text(text) else _without_authority(text))
        if block.kind == "part":
            break
    if parts and parts[-1] and blocks[start + len(parts)].kind == "part" and len(parts) > 1:
        parts.pop()
    text = " ".join(sentence_case(p, document_text) for p in parts).strip()
    return text[:1].upper() + text[1:]


def _without_authority(text: str) -> str:
    """`Về việc … Việt Nam BỘ TRƯỞNG BỘ TƯ PHÁP` -> `Về việc … Việt Nam`: OCR ran the deciding authority's
    line into the summary."""
    fmt = document_format()
    words = text.split()
    k = len(words)
    while k > 1 and words[k - 1].isupper():
        k -= 1
    tail = " ".join(words[k:])
    if len(words) - k >= 2 and _starts_with_any(tail, fmt["signer_titles"] + fmt["body_openers"]):
        return " ".join(words[:k])
    return text


OCR_KIND_BLOCKS = 12  # the kind line of a scan sits just under its header block


def ocr_kind_line(block: Block, following: Block | None) -> str | None:
    """The kind (from `kinds`) of a kind line as OCR read it: a stamp's text run in front of it and its marks
    lost ('Ngy: 221712020. QUYET ĐỊNH'), taken only when the summary ('Về …', 'V/v …') opens the next block."""
    if block.kind not in ("para", "item") or following is None:
        return None
    if not _starts_with_any(following.text.strip(), document_format()["summary_openers"]):
        return None
    words = block.text.split()
    tail: list[str] = []
    while words and is_upper_text(words[-1], 1.0) and words[-1].isalpha():
        tail.insert(0, words.pop())
    if not tail or len(tail) > 4:
        return None
    return next((k for k in document_format()["kinds"] if _plain(k) == _plain(" ".join(tail))), None)


_NUMBER_OR_CODE = re.compile(r"\d+(?:[/.,-]\d+)*|[A-ZĐ][A-Za-zĐđ]+(?:[-&/][A-Za-zĐđ\d]+)*(?:/\d{4}/[A-ZĐ][A-Za-zĐđ-]+)?|\d+/\d{4}/[A-ZĐ][A-Za-zĐđ-]+")


def without_ocr_noise(summary: str) -> str:
    """The summary without a run of OCR debris ('… tổ chức L4 Á« h 2 ~ J.A la. ^ ` h phục vụ …': the tone marks
    of the line above read as a line of their own): three or more tokens, most of them no syllable nor number."""
    tokens = summary.split()
    noise = [len(t) == 1 or not (is_vietnamese_syllable(t.strip("(),.;:")) or _NUMBER_OR_CODE.fullmatch(t.strip("(),.;:")))
             for t in tokens]
    keep = [True] * len(tokens)
    k = 0
    while k < len(tokens):
        if not noise[k]:
            k += 1
            continue
        end = max((j for j in range(k, len(tokens)) if noise[j] and sum(noise[k:j + 1]) * 3 >= 2 * (j + 1 - k)), default=k)
        if end - k + 1 >= 3:
            keep[k:end + 1] = [False] * (end - k + 1)
        k = end + 1
    return " ".join(t for t, kept in zip(tokens, keep) if kept)


_LIST_MARK = r"(?:[\dIVX]{1,4}(?:\.\d{1,2})*[.)]|[-+•*])?\s*"


def labelled_summary(blocks: list[Block]) -> str | None:
    """The summary a form gives as a field ('2. Trích yếu: V/v …' in a phiếu trình's box), for a document whose
    header and kind line carry none."""
    labels = "|".join(map(re.escape, document_format()["summary_labels"]))
    field_line = re.compile(rf"^{_LIST_MARK}(?:{labels})\s*:\s*(?P<v>\S.*)$", re.IGNORECASE)
    for block in blocks[:SUMMARY_FIELD_BLOCKS]:
        if block.kind in ("header", "footnote"):
            continue
        if m := field_line.match(block.text.strip()):
            return m.group("v").strip().rstrip(".;").strip() or None
    return None


SUMMARY_FIELD_BLOCKS = 40  # a form's summary field sits in its first box, before any of its body


def document_title(blocks: list[Block], header: Header, file_name: str, text: str) -> tuple[str, str | None, str | None]:
    """(title, kind, summary): kind + summary from the document; then a Markdown `#` title; then the file name."""
    # a letter's V/v is its title: a kind line further down opens its appendix
    for i, block in enumerate(blocks[:3 if header.letter_summary else 60]):
        if block.kind == "part" and is_kind_title(block.text):
            kind, rest = _kind_label(block.text.strip())
            summary = " ".join(p for p in (sentence_case(rest, text) if rest else "", summary_after(blocks, i, text)) if p)
            summary = summary or (None if header.header_summary or header.letter_summary else labelled_summary(blocks))
            return f"{kind} {summary or ''}".strip(), kind, summary or None
    for i, block in enumerate(blocks[:OCR_KIND_BLOCKS] if not header.letter_summary else []):
        if kind_line := ocr_kind_line(block, blocks[i + 1] if i + 1 < len(blocks) else None):
            kind = _kind_label(kind_line)[0]
            summary = without_ocr_noise(summary_after(blocks, i, text))
            return f"{kind} {summary}".strip(), kind, summary or None
    symbol_kind = kind_of_symbol(header.symbol)
    if header.header_summary:
        kind = _starts_with_any(header.header_summary, [k.capitalize() for k in document_format()["kinds"]])
        return header.header_summary, (kind or symbol_kind), header.header_summary
    if header.letter_summary:
        kind = symbol_kind or document_format()["letter_kind"]
        return f"{kind} V/v {header.letter_summary}", kind, header.letter_summary
    for line in text.splitlines()[:5]:
        if m := MARKDOWN_TITLE.match(line.strip()):
            return m.group("t").strip(), symbol_kind, None
    return file_name_title(file_name, text), symbol_kind, None


def file_name_title(file_name: str, text: str) -> str:
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


def issuer_from_bodies(bodies: list[str], text: str) -> tuple[str | None, str | None]:
    """(issuer, governing body) from the header's bodies: `UBND TỈNH LÂM ĐỒNG` / `SỞ NỘI VỤ` -> the issuer
    `Sở Nội vụ tỉnh Lâm Đồng` under `UBND tỉnh Lâm Đồng`; `… / VĂN PHÒNG` -> `Văn phòng UBND tỉnh Lâm Đồng`."""
    if not bodies:
        return None, None
    fmt = document_format()
    names = [_capital(mixed_case_form(b, text)) for b in bodies]
    issuing = names[-1]
    governing = names[0] if len(names) > 1 else None
    if governing is None:
        return issuing, None
    if any(tone_key(bodies[-1]) == tone_key(s) for s in fmt["subordinate_bodies"]):
        return f"{issuing} {governing}", governing
    territory = _territory(governing)
    if territory and not _territory(issuing):
        return f"{issuing} {territory}", governing
    return issuing, governing


def _capital(name: str) -> str:
    return name[:1].upper() + name[1:]


def _territory(name: str) -> str | None:
    words = name.split()
    keys = [tone_key(w) for w in words]
    territories = sorted((tone_key(t).split() for t in document_format()["territories"]), key=len, reverse=True)
    for k in range(len(words)):
        for t in territories:
            if keys[k:k + len(t)] == t and k + len(t) < len(words):
                return " ".join([w.lower() for w in words[k:k + len(t)]] + words[k + len(t):])
    return None


def issuer_in_text(text: str, signer_title: str | None) -> str | None:
    """Where the header names no body: `TM. ỦY BAN NHÂN DÂN` in the signature, `(Kèm theo … của Bộ X)`,
    `Sở X kính báo cáo`."""
    if signer_title:
        m = re.match(r"^(?:TM|Thay mặt)\.?\s+(.+?)(?:\s*/|$)", signer_title)
        if m:
            return _capital(mixed_case_form(m.group(1), text))
    head = " ".join(text[:6000].split())  # patterns may span hard line wraps
    for pattern in (ISSUER_ATTACHED, ISSUER_REPORTS):
        m = pattern.search(head)
        if m:
            return " ".join(m.group(1).split())
    return None


@dataclass
class DocumentFacts:
    title: str
    issuer: str | None
    report_date: str | None
    as_of: str | None
    number: str | None = None
    doc_kind: str | None = None  # "Tờ trình", "Luật", "Công văn" …
    summary: str | None = None  # trích yếu
    governing_body: str | None = None
    place: str | None = None
    signer: str | None = None
    signer_title: str | None = None
    addressee: str | None = None
    recipients: list[str] = field(default_factory=list)
    draft: bool = False


def read_facts(blocks: list[Block], text: str, file_name: str, header: Header | None = None,
               closings: list[Closing] | None = None) -> DocumentFacts:
    header = header or Header()
    closing = (closings or [None])[0]
    report_date = most_precise(header.date or signing_date(text), file_name_date(file_name))
    year = int(report_date[:4]) if report_date else None
    title, kind, summary = document_title(blocks, header, file_name, text)
    issuer, governing = issuer_from_bodies(header.bodies, text)
    addressee = header.addressee or next(
        (b.text.split(":", 1)[-1].strip() for b in blocks[:20] if b.text.startswith("Kính gửi")), None)
    if issuer is None:
        issuer = issuer_in_text(text, closing.signer_title if closing else None)
    return DocumentFacts(
        title=title,
        issuer=issuer,
        report_date=report_date,
        as_of=most_common_as_of(as_of_dates(text, year, report_date)) or report_date,
        number=number_or_file_names(header.number if header.number and header.number != "/" else None, file_name,
                                    header.draft or len(header.date or "") < 10),
        doc_kind=kind,
        summary=summary,
        governing_body=governing,
        place=header.place,
        signer=closing.signer if closing else None,
        signer_title=closing.signer_title if closing else None,
        addressee=addressee or None,
        recipients=closing.recipients if closing else [],
        draft=header.draft,
    )


def number_or_file_names(number: str | None, file_name: str, unsigned: bool) -> str | None:
    """A signed document whose header leaves the number blank ('Số:      /QĐ-TTg', stamped by hand and lost by
    the scan, its day written) takes the one its file name gives by kind ('…_qd-2764-…', '…_to-trinh-519-…'):
    the last fallback. An unsigned one's blank number (a draft, a day left blank) is blank for real
    ('du-thao-to-trinh-93' is the draft of Tờ trình 93, not its number)."""
    if not number or not number.startswith("/") or unsigned or "du-thao" in file_name.lower():
        return number
    code = re.split(r"[/-]", number[1:])[0]
    kind = document_format()["symbol_kinds"].get(code)
    names = [fold(code).lower()] + ([fold(kind).lower().replace(" ", "-")] if kind else [])
    found = re.search(rf"(?:^|[_-])(?:{'|'.join(map(re.escape, names))})-(\d{{1,6}})(?=[-_.]|$)", fold(file_name).lower())
    return f"{found.group(1)}{number}" if found else number

