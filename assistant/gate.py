"""The answerability gate: a part is answered only when its cited evidence satisfies every constraint of
the part (the units it is about, the period, a person's name when one is asked); otherwise the part is
refused, saying what the reports do give instead."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from baocao.assistant.evidence import (content_syllables, figure_words, figures_in, folded_abbreviations, has_figure,
                                       names_a_place, states_a_time)
from baocao.assistant.knowledge import cue, cue_words, literal_alternation, pack, phrase_alternation
from baocao.assistant.guard import DOCUMENT_NUMBER  # '17/2025/CV-HHĐG&MT', '8977/BNV-TCPCP', '08-ĐA/TU'
from baocao.assistant.plan import EntityRef, Part, named_unit_pattern
from baocao.assistant.references import could_be_kind, described_kind, document_questions, referenced_document
from baocao.ingest.gazetteer import Gazetteer
from baocao.ingest.generic_lists import kind_of_noun, kinds as entity_kinds
from baocao.ingest.models import Chunk
from baocao.ingest.text import Period, fold, nfc, search_key, search_words, stated_dates, vn_date

GROUP_SIZE = 3  # a sentence naming this many units of a kind speaks of a group, not of one of them


@dataclass
class Verdict:
    ok: bool
    reason: str = ""  # 'entity' | 'period' | 'person'
    message: str = ""  # what to say instead, when not ok


def _mentions(text: str, kind: str) -> list[str]:
    return [m.entity.name for m in Gazetteer.load().scan(text, (kind,), require_capital=False)]


def names_entity(sentence: str, chunk: Chunk, entity: EntityRef, asked: set[str] = frozenset(),
                 counting: bool = False) -> bool:
    """The evidence is about `entity`: the sentence names it alone (not inside a list of many), or the
    document itself is the entity's alone (its title, issuer or section). A figure whose sentence names a group
    ('09 Phó Chủ tịch Hội của tỉnh Lâm Đồng, Bình Thuận, Đắk Nông') is the group's, whatever the document."""
    named = set(_mentions(sentence, entity.kind))
    a_group_figure = counting and _in_an_enumeration(sentence, entity)
    if _singled_out_by_the_document(chunk, entity, asked) and not a_group_figure:
        return True
    # a group figure answers a question about one member only when the question asks about the group
    return entity.name in named and (len(named) < GROUP_SIZE or (len(asked) > 1 and asked <= named))


def _singled_out_by_the_document(chunk: Chunk, entity: EntityRef, asked: set[str]) -> bool:
    """The title, issuer or section names the entity and no other of its kind the question does not ask about:
    a document about several ('sáp nhập Hội … tỉnh Bình Thuận, tỉnh Đắk Nông vào Hội … tỉnh Lâm Đồng') is about
    none of them alone."""
    for field in (chunk.title, chunk.issuer or "", chunk.section):
        names = set(_mentions(field, entity.kind)) if field else set()
        if entity.name in names and names <= asked | {entity.name}:
            return True
    return False


def _in_an_enumeration(sentence: str, entity: EntityRef) -> bool:
    """The entity is one of GROUP_SIZE or more names written one after another ('của tỉnh Lâm Đồng, Bình Thuận,
    Đắk Nông'), with only commas, 'và' or a level word between them."""
    matches = Gazetteer.load().scan(sentence, (entity.kind,), require_capital=False)
    runs: list[list] = []
    for m in matches:
        between = sentence[runs[-1][-1].end:m.start] if runs else None
        if between is not None and re.fullmatch(r"[\s,;]*(?:và|cùng)?[\s,]*(?:(?:tỉnh|thành phố|bộ|sở)\s+)?", between, re.I):
            runs[-1].append(m)
        else:
            runs.append([m])
    return any(len(run) >= GROUP_SIZE and any(m.entity.name == entity.name for m in run) for run in runs)


def named_units(question: str) -> list[str]:
    """The words that name the units a question asks about by their proper name, as 'prefix | name': "hoi |
    chu thap" of "Hội Chữ thập đỏ tỉnh Lâm Đồng", "quy | khuyen hoc" of "Quỹ Khuyến học". The gazetteer's kinds
    are checked elsewhere."""
    return list(_unit_names(question))


def typed_units(question: str) -> list[str]:
    """The same names as the question types them ('Quỹ Chữ thập đỏ'), for saying which one is missing."""
    return list(_unit_names(question).values())


def _unit_names(question: str) -> dict[str, str]:
    text = nfc(question)
    out: dict[str, str] = {}
    for m in named_unit_pattern().finditer(fold(text)):  # folding keeps the length: spans hold in `text`
        out.setdefault(f"{search_key(m['prefix'])} | {search_key(m['name'])}", text[m.start():m.end()])
    return out


def names_unit(name: str, sentence: str, chunk: Chunk) -> bool:
    """The evidence names the unit: its prefix, then its name, a few words apart at most ('Quỹ Chữ thập đỏ' is
    'Quỹ hoạt động nhân đạo Chữ thập đỏ')."""
    where = " ".join(x for x in (sentence, chunk.section, chunk.context or "", chunk.title, chunk.issuer or "") if x)
    prefix, _, rest = name.partition(" | ")
    other = "|".join(r"\s+".join(map(re.escape, p.split())) for p in _unit_prefixes() if p != prefix)
    gap = rf"(?:\s+(?!(?:{other})(?!\w))\w+){{0,4}}?"  # 'Hội đồng quản lý Quỹ Khuyến học' is no 'Hội Khuyến học'
    return re.search(rf"(?<!\w){re.escape(prefix)}{gap}\s+{re.escape(rest)}(?!\w)", search_key(where)) is not None


@functools.lru_cache(maxsize=1)
def _unit_prefixes() -> tuple[str, ...]:
    return tuple(sorted({search_key(p) for spec in entity_kinds().values() for p in spec.get("prefixes", [])}, key=len, reverse=True))


_DOCUMENT_DATE = re.compile(rf"{DOCUMENT_NUMBER.pattern}\s*,?\s*ngày\s+(?:\d{{1,2}}/\d{{1,2}}/\d{{4}}|\d{{1,2}}\s+tháng\s+\d{{1,2}}\s+năm\s+\d{{4}})")


def event_dates(sentence: str) -> list[str]:
    """The dates a sentence states, a cited document's own date left out unless it states no other."""
    return stated_dates(_DOCUMENT_DATE.sub(" ", sentence)) or stated_dates(sentence)


def in_period(sentence: str, chunk: Chunk, period: Period) -> bool:
    """The sentence states a date inside the period, or states none and its passage's date is inside. A cited
    document's date ('Nghị định số 126/2024/NĐ-CP ngày 08/10/2024') dates the sentence only when it states no
    date of its own ('… gửi về trước ngày 31/12/2025')."""
    own = stated_dates(sentence)
    if any(period.contains(d) for d in event_dates(sentence)):
        return True
    # a year-long period is met by a month of it; a sentence that names only other years is not, and one that
    # names the period's own year ('từ đầu năm 2025') is as dated as its passage
    dates = [chunk.as_of, chunk.report_date]
    if period.granularity == "day":  # a given day is an event's: a passage dated only by its month is not of that day
        dates = [d for d in dates if d and len(d) == 10]
    if own and all(len(d) == 4 for d in own) and not any(period.contains(d) or d == period.start[:4] for d in own):
        return False
    return any(period.contains(d) for d in dates if d)


@functools.lru_cache(maxsize=1)
def _body_words() -> str:
    """The words a body's name opens with ('Bộ', 'Sở', 'Hội', 'Quỹ', 'Trung tâm'…, from the entity kinds' data):
    'Chủ tịch Hội Khuyến học' names no person."""
    words = {p.split()[0] for kind, spec in entity_kinds().items() if kind != "member" for p in spec.get("prefixes", [])}
    return "|".join(sorted(map(re.escape, words | {"Bộ", "Sở", "Ban", "Ủy", "Văn", "Cục", "Vụ"}), key=len, reverse=True))


@functools.lru_cache(maxsize=1)
def _person_pattern() -> re.Pattern[str]:
    titles = "|".join(sorted((re.escape(t) for t in cue_words("person_titles")), key=len, reverse=True))
    name = rf"(?!(?:{_body_words()})\b)[A-ZĐÀ-Ỹ][a-zà-ỹđ]+(?:\s+[A-ZĐÀ-Ỹ][a-zà-ỹđ]+){{1,3}}"  # not a body's name
    # 'Bộ trưởng Bộ Nội vụ Phạm Thị Thanh Trà', or 'đồng chí Đỗ Thanh Bình, Bộ trưởng …' (the name first)
    return re.compile(rf"(?:(?:{titles})(?:\s+[\w,]+){{0,8}}?\s+|(?<!\w))(?:(?:ông|bà|đồng chí)\s+)({name})|(?:{titles})(?:\s+[\w,]+){{0,8}}?\s+({name})")


@functools.lru_cache(maxsize=1)
def _title_keys() -> tuple[str, ...]:
    return tuple(search_key(t) for t in cue_words("person_titles"))


def asks_a_name(folded_question: str) -> bool:
    """'… tên là gì?', 'họ tên …': a post ('Giám đốc Công an tỉnh') does not answer it."""
    return cue("name_asked", folded_question) is not None


@functools.lru_cache(maxsize=1)
def _title_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A person's title anywhere (any case), and one followed by the body it heads (as written)."""
    titles = literal_alternation(cue_words("person_titles"))
    return re.compile(rf"(?i)(?<!\w)(?:{titles})(?!\w)"), re.compile(rf"(?<!\w)(?:{titles})\s+(\w)")


def names_a_post(sentence: str, question: str) -> bool:
    """'Ban Chỉ đạo do Thủ tướng Chính phủ làm Trưởng Ban': a title and the body it heads, said to hold the asked
    role, answer 'Ai là Trưởng Ban …?'. A post named in passing ('kính trình Chủ tịch UBND tỉnh') does not."""
    title, post = _title_patterns()
    asked = title.search(nfc(question))
    if asked is None:
        return False
    posts = [m.span() for m in post.finditer(sentence) if m[1][0].isupper()]
    roles = [m.span() for m in re.finditer(rf"(?i)(?<!\w){re.escape(asked[0])}(?!\w)", sentence)]
    return bool(posts) and any(not any(a <= r0 < b for a, b in posts) for r0, _ in roles)


def names_a_person(sentence: str) -> bool:
    g = Gazetteer.load()
    for m in _person_pattern().finditer(sentence):
        words = (m.group(1) or m.group(2)).split()
        capitalised = next((i for i, w in enumerate(words) if not w[0].isupper()), len(words))
        if capitalised < 2:
            continue  # 'À-Ỹ' holds lower-case letters too: 'Để án' is no name; 'Tô Lâm đã' is 'Tô Lâm'
        candidate = " ".join(words[:capitalised])
        is_title = search_key(candidate).startswith(_title_keys())  # 'Trưởng Ban'
        if not is_title and not g.scan(candidate, require_capital=False) and not re.match(rf"(?:{_body_words()})\b", candidate):
            return True
    return False


@functools.lru_cache(maxsize=1)
def _ordinal_pattern() -> re.Pattern[str]:
    cues = pack("question_cues")
    numbers = phrase_alternation(cues["ordinal_numbers"])
    return re.compile(rf"(?<!\w)(?P<noun>{phrase_alternation(cues['ordinal_nouns'])})\s+(?:thu\s+)?(?P<n>\d{{1,3}}|{numbers})(?!\w)")


def ordinals(text: str) -> dict[str, set[int]]:
    """'Phiên họp lần thứ hai' -> {'lan': {2}}; 'nhiệm kỳ IV' -> {'nhiem ky': {4}} (noun -> which ones)."""
    numbers = pack("question_cues")["ordinal_numbers"]
    out: dict[str, set[int]] = {}
    for m in _ordinal_pattern().finditer(search_key(text)):
        n = int(m["n"]) if m["n"].isdigit() else numbers.get(m["n"])
        if n is not None:
            out.setdefault(" ".join(m["noun"].split()), set()).add(n)
    return out


@functools.lru_cache(maxsize=1)
def _level_pattern() -> re.Pattern[str]:
    levels = pack("question_cues")["scope_levels"]
    return re.compile(rf"(?<!\w)(?:{phrase_alternation(levels['markers'])})\s+(?P<level>{phrase_alternation(levels['levels'])})(?!\w)")


def scope_levels(text: str) -> set[str]:
    """'hội hoạt động trong phạm vi xã' -> {'xa'}; 'cấp tỉnh' -> {'tinh'}."""
    return {" ".join(m["level"].split()) for m in _level_pattern().finditer(search_key(text))}


def conflicts(question: str, evidence: str) -> str | None:
    """A constraint the question states and the evidence contradicts: another meeting or term ('lần thứ
    nhất' for 'lần thứ hai'), another level ('phạm vi tỉnh' for 'phạm vi xã'). Evidence silent on it passes."""
    # "Theo báo cáo phục vụ Phiên họp lần thứ tư, …" names the source, not what is asked about
    asked_about = re.sub(r"(?i)^\s*(?:theo|trong|tại)\b[^,?]*,", "", question)
    asked, stated = ordinals(asked_about), ordinals(evidence)
    for noun, wanted in asked.items():
        if noun in stated and not wanted & stated[noun]:
            return f"{noun} {min(wanted)}"
    levels = scope_levels(question)
    said = scope_levels(evidence)
    if levels and said and not levels & said:
        return sorted(levels)[0]
    return None


def asks_quantity(question: str) -> bool:
    """'bao nhiêu', 'mấy' ask for a number; 'số mấy' asks for a document's number, not a quantity."""
    key = search_key(question)
    return re.search(r"(?<!\w)bao nhieu(?!\w)|(?<!so )(?<!\w)may(?!\w)", key) is not None


_QUANTITY_WORD = r"(?<!\w)(?:bao nhiêu|bao nhieu|mấy|may)"  # as typed, with or without diacritics
COUNTED_NEAR = (4, 2)  # words before and after a figure where the counted noun must stand ('số hội: 610', '610 hội')


def counted_noun(question: str) -> str | None:
    """What 'bao nhiêu'/'mấy' counts, folded: 'bao nhiêu vụ tấn công' → 'vu', 'Số doanh nghiệp … là bao nhiêu?'
    → 'doanh'; None for 'Tỷ lệ … là bao nhiêu?'."""
    counted = counted_words(question)
    if not counted:
        return None
    words = content_syllables(counted.split()[0], "question")  # as written: 'hội' is counted, 'hỏi' is not
    return words[0] if words and not words[0].isdigit() else None


def _unit_spellings(noun: str, question: str) -> list[str]:
    """The counted noun, the units it may be written in, and the abbreviation of the phrase it opens
    ('bao nhiêu thủ tục hành chính' → '65 TTHC')."""
    units = {search_key(k): v for k, v in pack("question_cues").get("counted_units", {}).items()}
    counted = search_words(counted_words(question) or "")
    spellings = [noun] + [search_key(u) for phrase, us in units.items() if " ".join(counted).startswith(phrase) for u in us]
    spellings += [abbreviation for abbreviation, expansions in folded_abbreviations().items()
                  if any(list(e) == counted[:len(e)] for e in expansions)]
    spellings += [" ".join(e) for e in folded_abbreviations().get(noun, []) if e]  # 'bao nhiêu DVCTT' → '25 dịch vụ công …' 
    return [s.split()[0] for s in spellings]


def counts_the_asked(question: str, sentence: str) -> bool:
    """A figure in the sentence counts what the question counts: the noun (or a unit it is written in) stands
    near one of its figures. '24 giờ' does not answer 'bao nhiêu vụ tấn công'; nor does a figure the question
    itself gives."""
    noun = counted_noun(question)
    if noun is None:
        return True
    units = set(_unit_spellings(noun, question)) - {noun}
    compound = _compound_counted(question)
    cased = figure_words(sentence, keep_case=True)
    words = [w.lower() for w in cased]
    asked_at = re.search(rf"(?i){_QUANTITY_WORD}(?!\w)", question)
    given = figures_in(question[: asked_at.start()]) if asked_at else frozenset()  # 'trong 09 thành viên có bao nhiêu người …': not 09
    if _states_the_number_of(" ".join(compound) if compound else noun, sentence):
        return True
    before, after = COUNTED_NEAR
    for i, word in enumerate(words):
        if any(ch.isdigit() for ch in word) and figures_in(word) - given:
            if "%" in word and "%" in units:
                return True
            near = words[max(0, i - before):i] + words[i + 1:i + 1 + after]
            if compound and compound[0] == noun:  # 'bao nhiêu hội viên': 'hội' alone near a figure is not it
                near = words[max(0, i - before):i] + words[i + 1:i + 1 + max(after, len(compound))]
                if f" {' '.join(compound)} " in f" {' '.join(near)} ":
                    return True
            elif noun in near or units & {w.lower() for w in cased[max(0, i - before):i] + cased[i + 1:i + 1 + after]
                                          if not w[:1].isupper() or w.isupper()}:
                return True  # a unit is written as one: the 'Đồng' of 'Lâm Đồng' is no 'đồng'; '65 TTHC' is
    return False


def _states_the_number_of(asked: str, sentence: str) -> bool:
    """'Tổng số chứng thư chữ ký số đã cấp đạt 22.390.613': 'số <the counted noun>' and, later in the same
    clause, a figure — however long the noun phrase between them."""
    for clause in re.split(r"[,;]|\.(?!\d)", nfc(sentence).lower()):
        for opened in re.finditer(r"(?<!\w)số(?:\s+lượng)?\s+", clause):  # 'số', never the 'sở' of 'trụ sở'
            rest = clause[opened.end():]
            if re.match(rf"{re.escape(asked)}(?!\w)", search_key(rest)) and has_figure(rest):
                return True
    return False


@functools.lru_cache(maxsize=1)
def _document_kinds() -> tuple[str, ...]:
    return tuple(sorted(document_questions()["kinds"], key=len, reverse=True))


def asked_phrase(question: str) -> str | None:
    """What a count or a 'những … nào' list asks for, as typed ('bao nhiêu nguồn thu của Quỹ', 'những kết luận nào')."""
    return counted_words(question) or listed_words(question)


_ITEM_NUMBER = re.compile(r"\((\d{1,2})\)\s*")  # '(1) Định danh tàu thuyền; (2) …'


def enumerated_items(question: str, sentence: str) -> list[str]:
    """The things a sentence enumerates without counting them, when they are what the question counts: items
    numbered (1)…(n) after a lead-in that names the counted noun ('… 06 nhiệm vụ, gồm: (1) …; (2) …'), or the
    documents of the counted kind it cites by number ('thay thế Quyết định số 2007/QĐ-UBND …, Quyết định số
    505/QĐ-UBND … và …'). Empty when it enumerates nothing of that."""
    asked = asked_phrase(question)
    noun = (content_syllables(asked.split()[0], "question") or [None])[0] if asked else None
    if noun is None:
        return []
    counted = search_key(asked)
    kind = next((k for k in _document_kinds() if f" {counted} ".startswith(f" {k} ")), None)
    if kind is not None:
        cited = [m.group(0) for m in DOCUMENT_NUMBER.finditer(sentence)
                 if f" {kind} " in f" {' '.join(search_key(sentence[max(0, m.start() - 20):m.start()]).split()[-3:])} "]
        return list(dict.fromkeys(cited)) if len(set(cited)) >= 2 else []
    markers = list(_ITEM_NUMBER.finditer(sentence))
    if len(markers) < 2 or [int(m.group(1)) for m in markers] != list(range(1, len(markers) + 1)):
        return _kinds_named(counted, sentence) if counted_classifier(question) else []
    if noun not in search_key(sentence[: markers[0].start()]).split():
        return []
    ends = [m.start() for m in markers[1:]] + [len(sentence)]
    return [sentence[m.end():end].strip(" ;,.") for m, end in zip(markers, ends)]


# 'Số X là bao nhiêu?', also after a clause ('Khi sáp nhập …, thì tổng số tiền của quỹ là bao nhiêu?')
def _kinds_named(counted: str, sentence: str) -> list[str]:
    """'Hội viên của Hiệp hội gồm hội viên chính thức, hội viên danh dự và hội viên liên kết': after 'gồm', items
    that each repeat the counted noun are its kinds."""
    opened = re.search(r"(?<!\w)(?:bao gồm|gồm có|gồm)\s+", sentence)
    if opened is None:
        return []
    items = [i.strip(" .;") for i in re.split(r",\s*|\s+và\s+", re.split(r"[.;:]", sentence[opened.end():])[0])]
    if len(items) < 2 or not all(search_key(i).startswith(f"{counted} ") for i in items):
        return []
    return items


_NUMBER_OF = re.compile(r"(?i)(?:^|[,;]|(?<!\w)thì)\s*(?:tổng\s+)?số(?:\s+lượng)?\s+(.+?)\s+(?:là|đạt|hiện nay|hiện|mới nhất|có)?\s*"
                        rf"{_QUANTITY_WORD}\s*[?.!]*\s*$")


_LISTED = re.compile(r"(?i)(?<!\w)(?:những|các|nhung|cac)\s+((?:\w+\s+){0,2}?\w+)\s+(?:nào|nao)(?!\w)")


def listed_words(question: str) -> str | None:
    """What 'những … nào' asks to list, as typed: 'viện dẫn những kết luận nào' → 'kết luận'."""
    match = _LISTED.search(nfc(question))
    return match.group(1) if match else None


def counted_classifier(question: str) -> str | None:
    """'mấy loại hội viên' → 'loại': the question counts kinds of a thing, not the things."""
    match = re.search(rf"{_QUANTITY_WORD}\s+(.+)", nfc(question), re.IGNORECASE)
    opener = cue("classifiers", search_key(match.group(1))) if match else None
    return match.group(1)[: opener.end()] if opener is not None and opener.start() == 0 else None


def _without_classifier(counted: str) -> str:
    """'loại hội viên' → 'hội viên': what is counted, its kinds each named once in the evidence."""
    opener = cue("classifiers", search_key(counted))
    rest = counted[opener.end():].strip() if opener is not None and opener.start() == 0 else ""
    return rest if rest else counted


def counted_words(question: str) -> str | None:
    """What follows 'bao nhiêu'/'mấy', as typed, without punctuation: the phrase a count counts; for a question
    that ends with it, what 'Số …' opens with ('Số doanh nghiệp công nghệ số mới nhất là bao nhiêu?')."""
    question = nfc(question)
    match = re.search(rf"{_QUANTITY_WORD}\s+([^(?]*)", question, re.IGNORECASE)  # '(báo cáo 7 tháng)' says where
    rest = " ".join(re.sub(r"[?.!,;:()]", " ", match.group(1)).split()) if match else ""
    if rest:
        return _without_classifier(rest)
    opening = _NUMBER_OF.search(question)
    return " ".join(re.sub(r"[,;:()]", " ", opening.group(1)).split()) if opening else None


def counted_kind(question: str) -> str | None:
    """The kind of what is counted ('bao nhiêu hội do Đảng …' → association; 'bao nhiêu hội viên' → member;
    'bao nhiêu kinh phí' → None)."""
    counted = counted_words(question)
    return kind_of_noun(counted, "start") if counted else None


def _compound_counted(question: str) -> list[str] | None:
    """The noun of several syllables 'bao nhiêu'/'mấy' counts, when a kind of unit names it ('hội viên',
    'thành viên', 'doanh nghiệp'), folded: its first syllable alone does not count it."""
    counted = counted_words(question)
    if not counted:
        return None
    counted = f" {search_key(counted)} "
    nouns = sorted({search_key(n) for spec in entity_kinds().values() for n in spec.get("nouns", [])}, key=len, reverse=True)
    found = next((n for n in nouns if " " in n and counted.startswith(f" {n} ")), None)
    return found.split() if found else None


def _counts_in_words(sentence: str, question: str) -> bool:
    """'Không có', 'chưa có' answer a count too (none): said of what is counted, ending the sentence ('Số hội giải
    thể: Không có.') or right before it ('chưa có hội viên nào'); 'chưa có tỉnh nào cho phép …' does not count
    members, nor does 'không có hội viên bao phủ ở …' count them, nor 'Số hội thành lập mới: Không có' members."""
    noun = counted_noun(question)
    compound = _compound_counted(question)
    asked = " ".join(compound) if compound else noun
    for found in re.finditer(r"(?i)\b(?:không|chưa)\s+có\b", sentence):
        rest = search_key(sentence[found.end():])
        if asked is None or re.match(rf"{re.escape(asked)}(?: nao(?!\w)|(?!\w)(?! \w))", rest):
            return True
        subject = " ".join(search_words(sentence[:found.start()]))
        if not re.search(r"\w", rest) and f" {asked} " in f" {subject} ":
            return True
    return False


def asks_a_number(folded_question: str) -> bool:
    """'… số mấy', '… số hiệu gì': a document's number and symbol, which the answer must give."""
    from baocao.assistant.documents import asked_field

    field = asked_field(folded_question)
    return field is not None and field[0] == "number"


def states_a_basis(sentence: str) -> bool:
    """'Căn cứ Luật Tổ chức chính quyền địa phương …;': a preamble line, a document's legal basis, not what it
    says. 'Căn cứ Nghị định 126…, Bộ Nội vụ đề nghị …' goes on to say something: it is no preamble line."""
    opens = re.match(rf"\s*(?:{literal_alternation(cue_words('basis_openers'))})(?!\w)", sentence) is not None
    return opens and sentence.rstrip().endswith(";")


def _cites_the_named(part: Part, sentence: str) -> bool:
    """The question names a document ('Quyết định 1798 …') that the sentence cites."""
    named = referenced_document(part.query.folded)
    return named is not None and re.search(rf"(?<!\d)0*{named.number}(?!\d)", sentence) is not None


def failures(part: Part, sentence: str, chunk: Chunk) -> Iterator[Verdict]:
    """Every constraint of the part the sentence fails, in the order an answer names them."""
    c = part.constraints
    if conflicts(part.text, " ".join((sentence, chunk.section, chunk.title))) is not None:
        yield Verdict(False, "scope", "Các báo cáo không có thông tin đúng như câu hỏi (khác lần, khóa hoặc cấp được hỏi).")
    for entity in c.entities:
        asked = {e.name for e in c.entities if e.kind == entity.kind}
        if not names_entity(sentence, chunk, entity, asked, counting=asks_quantity(part.text)):
            yield Verdict(False, "entity", f"Không tìm thấy số liệu riêng của {entity.name} trong các báo cáo.")
            break
    for name, typed in zip(named_units(part.text), typed_units(part.text)):
        if not names_unit(name, sentence, chunk):
            yield Verdict(False, "entity", f"Không tìm thấy thông tin riêng của đơn vị được hỏi ({typed}) trong các báo cáo.")
            break
    if c.period is not None and not in_period(sentence, chunk, c.period):
        what = "số liệu" if asks_quantity(part.text) else "thông tin"
        yield Verdict(False, "period", f"Không có {what} {c.period.label} trong các báo cáo.")
    if asks_quantity(part.text) and not _counts_in_words(sentence, part.text) and not enumerated_items(part.text, sentence):
        if not has_figure(sentence) or not counts_the_asked(part.text, sentence):
            yield Verdict(False, "figure", "Các báo cáo không nêu con số được hỏi.")
    kind = described_kind(search_key(part.text))
    if kind is not None and not could_be_kind(sentence, chunk, kind):
        yield Verdict(False, "document", "Không tìm thấy văn bản được hỏi trong các văn bản hiện có.")
    if states_a_basis(sentence) and not cue("legal_basis", part.query.folded) and not _cites_the_named(part, sentence):
        yield Verdict(False, "basis", "Các báo cáo không nêu thông tin được hỏi; câu gần nhất chỉ là căn cứ ban hành văn bản.")
    if asks_a_number(part.query.folded) and not DOCUMENT_NUMBER.search(sentence):
        yield Verdict(False, "number", "Các báo cáo không nêu số hiệu văn bản được hỏi.")
    if part.ask == "person" and not names_a_person(sentence) and (asks_a_name(part.query.folded) or not names_a_post(sentence, part.text)):
        yield Verdict(False, "person", "Các báo cáo không nêu tên người được hỏi.")
    if part.query.wants_where and not names_a_place(sentence):
        yield Verdict(False, "place", "Các báo cáo không nêu địa điểm được hỏi.")
    if part.query.wants_when and not states_a_time(sentence):
        yield Verdict(False, "time", "Các báo cáo không nêu thời gian được hỏi.")


def instead_phrase(verdict: Verdict, sentence: str, chunk: Chunk) -> str:
    """What the reports give instead: 'Báo cáo chỉ nêu số liệu cả nước: …' / '… gần nhất là …'."""
    if verdict.reason == "entity":
        scope = "cả nước" if re.search(r"(?i)\b(cả nước|toàn quốc|Việt Nam)\b", sentence) else "chung"
        return f"Báo cáo chỉ nêu số liệu {scope}"
    if verdict.reason == "period":
        dates = event_dates(sentence) or [d for d in (chunk.as_of, chunk.report_date) if d]
        return f"Gần nhất là {vn_date(dates[0])}" if dates else "Các báo cáo nêu"
    return "Báo cáo chỉ nêu"
