"""A typed plan for every question: what is asked, under which constraints, in how many parts.

"Lâm Đồng có bao nhiêu hội và gồm những loại nào?" is two parts (a count, a list), each with the
constraint "Lâm Đồng"; "Tỷ lệ … quý II?" is a figure whose period is the second quarter of the year of
the latest relevant report; "… tăng bao nhiêu so với quý trước?" is a change between two figures.
Every answerer reads a plan of one part (`Plan.part`); the service answers each part on its own line.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from typing import Literal

from baocao.assistant.knowledge import cue, cue_words, literal_alternation
from baocao.assistant.query import Query, understand
from baocao.ingest.gazetteer import Gazetteer
from baocao.ingest.generic_lists import kind_of_noun, kinds as entity_kinds
from baocao.ingest.text import Period, Polarity, asks_for_rest, fold, has_diacritics, nfc, parse_period, polarity_of, search_key, yes_no_tail

Ask = Literal["figure", "list", "count", "set_op", "task", "change", "series", "latest", "yes_no", "person",
              "explanation", "fact"]
SetOp = Literal["difference", "intersection"]


@dataclass(frozen=True)
class EntityRef:
    kind: str
    name: str


@dataclass
class Constraints:
    entities: list[EntityRef] = field(default_factory=list)  # units the question is about (scope)
    period: Period | None = None
    national: bool = False  # 'cả nước', 'Việt Nam'
    report: str | None = None  # a document number the question names ('CV 11902', '1012/QĐ-TTg')


@dataclass
class Part:
    text: str  # the part as a standalone question
    ask: Ask
    query: Query
    constraints: Constraints
    kind: str | None = None  # the kind of units a list/count part asks about ('province', 'association' …)
    polarity: Polarity = "positive"
    wants_rest: bool = False  # 'còn lại', 'trừ …'
    set_op: SetOp | None = None
    predicates: list[tuple[str, Polarity]] = field(default_factory=list)  # of a set operation, in order


@dataclass
class Plan:
    question: str
    parts: list[Part]

    @property
    def part(self) -> Part:
        return self.parts[0]

    def single(self, part: Part) -> "Plan":
        return Plan(self.question if len(self.parts) == 1 else part.text, [part])


_QUESTION_WORD = re.compile(r"\b(nao|gi|bao nhieu|may|khi nao|bao gio|ai|o dau|the nao|ra sao)\b")
_PART_SPLIT = re.compile(r"\s*(?:,\s*(?:va\s+)?|\s+va\s+|;\s*)(?=\S)")
_SUBJECT_BEFORE_NAO = re.compile(r"((?:\S+\s+){0,3}\S+)\s+nao\b")
_SUBJECT_AFTER_QUANTIFIER = re.compile(r"\b(?:nhung|cac|bao nhieu|may|liet ke|danh sach)\s+((?:\S+\s+){0,3}\S+)")
_REPORT_NUMBER = re.compile(r"\b\d+/(?:\d{4}/)?[A-ZĐ][\wĐđ-]*(?:/[\wĐđ-]+)*")


def _question_words(folded: str) -> list[re.Match[str]]:
    return list(_QUESTION_WORD.finditer(folded))


def split_parts(question: str) -> list[str]:
    """'X bao nhiêu và gồm những gì?' → ['X bao nhiêu', 'X gồm những gì']: a split only where both
    sides ask something; the later part inherits the first part's subject. Task questions ('ai chủ trì,
    hạn khi nào?') stay whole: one task record answers both."""
    text = " ".join(question.split()).rstrip("?").strip()
    aside = _ASIDE.search(text)  # '… (không tính Quý I)', a follow-up's carried topic: it goes with every part
    text, aside = (text[: aside.start()], aside.group()) if aside else (text, "")
    folded = search_key(text)
    if asks_task_records(text) or len(_question_words(folded)) < 2:
        return [question]
    pieces, last = [], 0
    for m in _PART_SPLIT.finditer(folded):
        left, right = folded[last : m.start()], folded[m.end() :]
        next_cut = _PART_SPLIT.search(right)
        right_piece = right[: next_cut.start()] if next_cut else right
        if _question_words(left) and _question_words(right_piece) and len(left.split()) >= 2:
            pieces.append((last, m.start()))
            last = m.end()
    if not pieces:
        return [question]
    pieces.append((last, len(text)))
    # folded text keeps offsets of NFC text (one character per character), so the spans cut the original
    parts = [text[s:e].strip(" ,;") for s, e in pieces]
    return [parts[0] + aside + "?"] + [_with_subject(p, _shared_subject(parts[0], p)) + aside + "?" for p in parts[1:]]


_ASIDE = re.compile(r"\s*\([^()]*\)\s*$")


_EACH = re.compile(r"(?<!\w)(?:moi|tung)\s+(?:\w+\s+){0,2}?(?=\S)")
_LIST_GAP = re.compile(r"^\s*(?:,|va|cung|hoac)?\s*(?:,|va)?\s*$")


def distribute(question: str) -> list[str]:
    """'mỗi tỉnh Bình Thuận, Đắk Nông và Lâm Đồng có bao nhiêu hội …?' → one question per unit
    ('tỉnh Bình Thuận có bao nhiêu hội …?', …): each is answered, or refused, on its own line."""
    folded = search_key(question)
    each = _EACH.search(folded)
    if not each:
        return [question]
    matches = [m for m in Gazetteer.load().scan(question, ("province", "commune", "department", "agency"), require_capital=False)
               if m.start >= each.start()]
    run = matches[:1]
    for m in matches[1:]:
        if m.entity.kind != run[0].entity.kind or not _LIST_GAP.match(folded[run[-1].end:m.start]):
            break
        run.append(m)
    if len(run) < 2 or folded[each.end():run[0].start].strip():
        return [question]
    names = [question[m.start:m.end] for m in run]
    # 'tỉnh' of 'mỗi tỉnh', or of the first unit's own 'tỉnh Bình Thuận', for every unit
    kind_word = question[each.start():each.end()].split(maxsplit=1)[1:] or [names[0][: len(names[0]) - len(run[0].entity.name)].strip()]
    before, after = question[:each.start()], question[run[-1].end:]
    return [" ".join(f"{before}{' '.join(kind_word) if not search_key(n).startswith(search_key(' '.join(kind_word))) else ''} {n}{after}".split())
            for n in names]


# Kinds whose units the gazetteer knows, or that are not organisations, are not read as proper names here.
NOT_NAMED_UNITS = {"law", "member", "task"}


@functools.lru_cache(maxsize=1)
def named_unit_pattern() -> re.Pattern[str]:
    prefixes = [fold(p) for kind, spec in entity_kinds().items() if kind not in NOT_NAMED_UNITS and not spec.get("gazetteer")
                for p in spec.get("prefixes", [])]
    ends = literal_alternation(cue_words("name_boundaries"))
    # "Hoi Chu thap do tinh …" (folded, case kept): the prefix, a capitalised word and the name's next word, if
    # it is no boundary ("Chu thap"): what follows may be the question's own words ("Quỹ Khuyến học đề ngày nào")
    # the prefix is part of the name: 'Hội Khuyến học' is not 'Quỹ Khuyến học'
    return re.compile(rf"(?<!\w)(?P<prefix>{literal_alternation(prefixes)})\s+(?P<name>[A-Z][a-z]\w*(?:\s+(?!(?:{ends})(?!\w))[a-z]\w*)?)")


_UNIT_JOIN = re.compile(r"^(?P<tail>(?:\s+[a-zà-ỹđ]\w*){0,2}(?:\s*\([^()]{1,40}\))?)\s*(?:,|và|cùng)\s+$")  # 'đỏ (TTr 487) và '
_ASIDE_AFTER = re.compile(r"\s*\([^()]{1,40}\)")


def distribute_named(question: str) -> list[str]:
    """'Dự thảo điều lệ Quỹ Chữ thập đỏ (TTr 487) và Quỹ Khuyến học (TTr 599) làm theo mẫu số mấy?' → one
    question per named unit of one kind, each answered (or refused) on its own line: the gate wants every
    unit a part names in its evidence, and a sentence seldom names both."""
    text = nfc(" ".join(question.split()))
    found = list(named_unit_pattern().finditer(fold(text)))
    if len(found) != 2 or search_key(found[0]["prefix"]) != search_key(found[1]["prefix"]):
        return [question]
    first, second = found
    joined = _UNIT_JOIN.match(text[first.end():second.start()])
    aside = _ASIDE_AFTER.match(text, second.end())
    end = aside.end() if aside else second.end()
    if joined is None or not _QUESTION_WORD.search(search_key(text[end:])):
        return [question]
    before, after = text[:first.start()], text[end:]
    one = text[first.start():first.end()] + joined["tail"]
    return [f"{before}{one}{after}", f"{before}{text[second.start():end]}{after}"]


def _head(part: str) -> list[str]:
    """The words of a part before its first question word."""
    folded = search_key(part)
    found = _QUESTION_WORD.search(folded)
    return part[: found.start()].split() if found else part.split()


def _shared_subject(first: str, later: str) -> str:
    """What a later part is about, taken from the first: 'Hội X dự kiến Ban Chấp hành bao nhiêu người và
    Ban Kiểm tra bao nhiêu người' → 'Hội X dự kiến'. The later part's own words before its question word
    ('Ban Kiểm tra') stand in for as many words of the first part before its question word."""
    first_head, later_head = _head(first), _head(later)
    opener = cue("predicate_openers", search_key(later))
    if opener is not None and opener.start() == 0:
        # '… có mấy loại hội viên, gồm những loại nào?': the later part says more of what the first asks
        asked = _ASKED_AFTER_QUANTITY.search(search_key(first))
        return " ".join(first_head + (first[asked.start(1):].split() if asked else []))
    return " ".join(first_head[: max(len(first_head) - len(later_head), 0)])


_ASKED_AFTER_QUANTITY = re.compile(r"(?<!\w)(?:bao nhieu|may)\s+(\w.*)$")


SHORT_PART = 6  # words: a later part this short has no subject of its own (a longer one keeps the first's constraints)


def _with_subject(part: str, subject: str) -> str:
    """A later part that asks a document's field from its first word ('căn cứ QĐ nào của Thủ tướng', 'do ai
    ký') asks it of the document the first part names, however long it is."""
    from baocao.assistant.documents import asked_field

    field = asked_field(search_key(part))
    short = len(part.split()) <= SHORT_PART or (field is not None and field[1][0] == 0)
    return f"{subject} {part}" if subject and short else part


def asked_kind(part_text: str) -> str | None:
    """The kind of units the question asks about: the noun next to 'nào' or after 'những/các/bao nhiêu'
    (read on the question as typed, so 'bổ sung' is not 'bộ')."""
    text = " ".join(part_text.split())
    folded = search_key(text)
    spans = [(m.span(1), "end") for m in _SUBJECT_BEFORE_NAO.finditer(folded)]
    quantified = [(m.span(1), "start", m.group(0).startswith("cac ")) for m in _SUBJECT_AFTER_QUANTIFIER.finditer(folded)]
    spans += [(span, anchor) for span, anchor, described in quantified if not described]
    spans.sort(key=lambda span: span[0][0])  # 'Những hội do Đảng, Nhà nước giao nhiệm vụ nào': 'hội', not 'nhiệm vụ'
    # 'các' describes as often as it asks ('… về hợp nhất các hội …, điều nào …'): its noun only when no 'nào' asks
    if not _SUBJECT_BEFORE_NAO.search(folded):
        spans += [(span, anchor) for span, anchor, described in quantified if described]
    for (start, end), anchor in spans:
        subject = text[start:end]
        if not has_diacritics(text):
            subject = subject.replace("tinh den", "").replace("tinh toi", "")
        if kind := kind_of_noun(subject, anchor):
            return kind
    return None


def _constraints(text: str, default_year: int | None, asked: str | None) -> Constraints:
    g = Gazetteer.load()
    folded = search_key(text)
    entities = [EntityRef(m.entity.kind, m.entity.name)
                for m in g.scan(text, ("province", "commune", "department", "agency"), require_capital=False)]
    if asked:
        entities = [e for e in entities if e.kind != asked]
    period = parse_period(text, default_year)
    report = _REPORT_NUMBER.search(text)
    return Constraints(entities=list(dict.fromkeys(entities)), period=period, national=bool(cue("national", folded)),
                       report=report.group() if report else None)


def _set_operation(text: str) -> tuple[SetOp, list[tuple[str, Polarity]]] | None:
    """'đã A nhưng chưa B' → difference; 'vừa chưa A vừa chưa B' → intersection, with A and B."""
    folded = search_key(text)
    after = re.split(r"\bnao\b", folded, maxsplit=1)[-1]
    if m := re.match(r"\s*(.+?)\s+(?:nhung|ma|song)\s+(.+)$", after):
        a, b = m.group(1), m.group(2)
        if polarity_of(a) != polarity_of(b):
            return "difference", [(a, polarity_of(a)), (b, polarity_of(b))]
    if m := re.search(r"\bvua\s+(.+?)\s+vua\s+(.+)$", folded):
        return "intersection", [(m.group(1), polarity_of(m.group(1))), (m.group(2), polarity_of(m.group(2)))]
    if m := re.match(r"\s*(.+?)\s+(?:va|dong thoi)\s+(chua|khong)\s+(.+)$", after):
        a, b = m.group(1), f"{m.group(2)} {m.group(3)}"
        return "intersection", [(a, polarity_of(a)), (b, "negative")]
    return None


def asks_task_records(text: str) -> bool:
    """A question about a plan's tasks (who leads, who coordinates, the deadline, the result of a task); not
    one where the noun 'nhiệm vụ' alone is counted as a report's progress figure ('đã hoàn thành bao nhiêu nhiệm
    vụ và còn bao nhiêu nhiệm vụ quá hạn?') or sits in a yes–no question ('… các hội do Đảng, Nhà nước giao
    nhiệm vụ không?')."""
    folded = search_key(re.sub(r"\([^()]*\)", " ", text))  # '(ngoài Sở Nội vụ chủ trì)' asks nothing of a task
    if cue("task_lead", folded):
        return True
    # 'khi nào' alone asks a time of anything ('có hiệu lực từ khi nào'): a deadline only beside a task word
    if cue("task_deadline", folded) and cue("task", folded):
        return True
    if not cue("task", folded):
        return False
    if cue("task", re.sub(r"\bnhiem vu\b", " ", folded)):
        return True
    return not cue("count", folded) and not yes_no_tail(text)


def classify(text: str, query: Query, kind: str | None) -> Ask:
    folded = query.folded
    if cue("change", folded) and (query.wants_figure or cue("change", folded)):
        return "change"
    if query.about_tasks and asks_task_records(text):
        return "task"
    if cue("person", folded):
        return "person"
    if cue("series", folded):
        return "series"
    if kind and (query.wants_list or query.wants_count):
        return "count" if query.wants_count and not query.wants_list else "list"
    if query.wants_figure:
        return "latest" if query.wants_latest else "figure"
    if yes_no_tail(text):
        return "yes_no"
    if cue("explanation", folded):
        return "explanation"
    return "fact"


def make_part(text: str, default_year: int | None = None) -> Part:
    query = understand(text, default_year)
    kind = asked_kind(text)
    ask = classify(text, query, kind)
    part = Part(text=text, ask=ask, query=query, constraints=_constraints(text, default_year, kind), kind=kind,
                polarity=polarity_of(text, question=True), wants_rest=asks_for_rest(text))
    if kind and (op := _set_operation(text)):
        part.ask, part.set_op, part.predicates = "set_op", op[0], op[1]
    return part


def make_plan(question: str, default_year: int | None = None) -> Plan:
    """The plan of a (standalone) question; `default_year` anchors a month or quarter given without a year.
    Every part is answered on its own (a part the reports do not answer is said to be missing while the
    others are answered); parts answered by one sentence are merged into one line by `merge_parts`."""
    parts = [make_part(p, default_year) for whole in distribute(question) for side in compared_sides(whole)
             for unit in distribute_named(side) for p in split_parts(unit)]
    return Plan(question, share_constraints(parts))


_COMPARED = [
    # 'Cơ quan thường trực của A khác gì (so) với B?'
    re.compile(r"^(?P<what>.+?)\s+cua\s+(?P<a>.+?)\s+khac\s+(?:gi|nhau\s+the\s+nao|nhau\s+ra\s+sao)\s+(?:so\s+)?voi\s+(?P<b>.+?)$"),
    # 'A và B khác nhau thế nào về cơ cấu?'
    re.compile(r"^(?P<a>.+?)\s+va\s+(?P<b>.+?)\s+khac\s+nhau\s+(?:the\s+nao|ra\s+sao|o\s+diem\s+nao)\s+ve\s+(?P<what>.+?)$"),
    # 'Kinh phí hoạt động của A và của B (được bảo đảm) khác nhau thế nào?'
    re.compile(r"^(?P<what>.+?)\s+cua\s+(?P<a>.+?)\s+va\s+cua\s+(?P<b>.+?)\s+khac\s+nhau\s+(?:nhu\s+)?(?:the\s+nao|ra\s+sao|o\s+diem\s+nao)$"),
]


def compared_sides(question: str) -> list[str]:
    """'X của A khác gì so với B?' / 'A và B khác nhau thế nào về X?' → ['X của A?', 'X của B?']: each side is
    answered (or refused) on its own line, cited, for the official to compare; the reports rarely compare."""
    text = " ".join(question.split()).rstrip("?").strip()
    folded = search_key(text)
    for pattern in _COMPARED:
        if (found := pattern.match(folded)) is not None:
            what, a, b = (text[slice(*found.span(name))] for name in ("what", "a", "b"))
            if b.lower().startswith("cua "):
                b = b[4:]
            return [f"{what} của {a}?", f"{what} của {b}?"]
    return [question]


def share_constraints(parts: list[Part]) -> list[Part]:
    """Later parts are about what the first part is about: 'Hội X ở Lâm Đồng có bao nhiêu …, và hội có bao
    nhiêu hội viên?' — the second part keeps Lâm Đồng (and the period) unless it names its own."""
    first = parts[0].constraints
    for part in parts[1:]:
        c = part.constraints
        if not c.entities and not c.national:
            c.entities = [e for e in first.entities if e.kind != part.kind]
        if c.period is None:
            c.period = first.period
        if c.report is None:
            c.report = first.report
    return parts


def with_year(plan: Plan, year: int) -> Plan:
    """The plan again, months and quarters without a year read in `year`."""
    parts = []
    for part in plan.parts:
        period = part.constraints.period
        if period is not None and not period.year_given:
            parts.append(make_part(part.text, year))
        else:
            parts.append(part)
    return replace(plan, parts=share_constraints(parts))
