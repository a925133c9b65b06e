"""Who holds a role in a body a document sets up — "Ai là Trưởng Ban Chỉ đạo …?", "Hội đồng … có những Phó
Chủ tịch nào?", "Ban … có bao nhiêu thành viên?" — read from the membership entries of decisions and
submissions, whichever way they are written:

    1. Trưởng ban: Ông Đinh Văn Tuấn - Phó Chủ tịch Ủy ban nhân dân tỉnh.
    2. Các Phó Trưởng ban:
    - Ông Đỗ Văn Chung - Giám đốc Sở Nội vụ, Phó Trưởng ban Thường trực;
    1. Thủ tướng Chính phủ Phạm Minh Chính, Trưởng Ban Chỉ đạo.

Roles, the words that ask for people and the honorifics are data (`assistant/data/member_roles.json`).
Each person is cited to the entry that names them; the body must be the one the question names.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from baocao.assistant.compose import CitationList, document_name, source_phrase
from baocao.assistant.gate import asks_quantity, names_entity
from baocao.assistant.evidence import spelled_words
from baocao.assistant.knowledge import literal_alternation, pack, phrase_alternation
from baocao.assistant.models import Answer
from baocao.assistant.references import referenced_document
from baocao.ingest.models import Chunk
from baocao.ingest.text import fold, search_key, search_words

MARKER = re.compile(r"^\s*(?:(?P<number>\d{1,2}[.)]|[a-zđ]\))|(?P<bullet>[-+•–]))\s*")
ARTICLE = re.compile(r"^\s*(?:Điều|Chương|Mục|Phần)\s+\w+", re.I)
BODY_MATCH = 0.8  # share of the words naming the body that the document's title and section must hold


@dataclass
class Entry:
    chunk: Chunk
    start: int  # offsets of the entry in chunk.text (its quote)
    end: int
    text: str  # without its list marker, wrapped lines joined
    numbered: bool


@dataclass
class Member:
    entry: Entry
    role: str  # folded, lower case: "pho truong ban thuong truc"
    names: list[str]
    description: str
    group: str | None = None  # the role of the group heading it is an item of ("2. Các Phó Trưởng ban:")


@functools.lru_cache(maxsize=1)
def _data() -> dict:
    return pack("member_roles")


@functools.lru_cache(maxsize=1)
def _role_pattern() -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{phrase_alternation(_data()['roles'])})(?!\w)")


@functools.lru_cache(maxsize=1)
def role_slot() -> re.Pattern[str]:
    """A role as written in a question, with or without diacritics ("Phó Trưởng ban", "pho truong ban"):
    the slot a follow-up replaces ("Còn Thư ký thì sao?")."""
    phrases = {p for role in _data()["roles"] for p in (role, fold(role))}
    return re.compile(rf"(?<!\w)(?:{literal_alternation(phrases)})(?!\w)", re.IGNORECASE)


def _folded(text: str) -> str:
    return fold(text).lower()


def entries(chunk: Chunk) -> list[Entry]:
    """The chunk's list entries (numbered or bulleted lines, with the lines they wrap onto)."""
    out: list[Entry] = []
    offset = 0
    for line in chunk.text.split("\n"):
        start, end = offset, offset + len(line)
        offset = end + 1
        marker = MARKER.match(line)
        if marker:
            out.append(Entry(chunk, start, end, line[marker.end():].strip(), bool(marker["number"])))
        elif out and line.strip() and not ARTICLE.match(line) and out[-1].end == start - 1:
            last = out[-1]
            last.end, last.text = end, f"{last.text} {line.strip()}"
    return out


def _role_in(folded: str, at_start: bool) -> str | None:
    for match in _role_pattern().finditer(folded):
        if not at_start or not folded[: match.start()].replace("cac ", "").replace("moi ", "").strip():
            return " ".join(match[0].split())
    return None


def _capitalised_runs(text: str) -> list[str]:
    runs, current = [], []
    for word in re.findall(r"[^\W\d_][\w’'\-]*", text):
        if word[0].isupper():
            current.append(word)
        else:
            if current:
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    return [" ".join(r) for r in runs if 2 <= len(r) <= 5]


def person_names(text: str) -> list[str]:
    """The people an entry names: after each honorific ("Ông Đinh Văn Tuấn"; "(1) ông …; (2) bà …"), else
    the last run of capitalised words before the position ("Thủ tướng Chính phủ Phạm Minh Chính, …")."""
    honorifics = phrase_alternation(h for h in _data()["honorifics"])
    names = []
    for match in re.finditer(rf"(?<!\w)(?:{honorifics})\s+", _folded(text)):
        runs = _capitalised_runs(re.split(r"\s-\s|[,;(]", text[match.end():])[0])
        if runs:
            names.append(runs[0])
    if names:
        return names
    runs = _capitalised_runs(re.split(r"\s-\s|,", text)[0])
    return runs[-1:]


def members(chunks: list[Chunk]) -> list[Member]:
    """Every entry that gives a role, with the role of the group heading it sits under."""
    found: list[Member] = []
    group: str | None = None
    section = None
    for chunk in chunks:
        if chunk.section != section:
            group = None  # a long group runs on into the next chunk of its section
        section = chunk.section
        for entry in entries(chunk):
            folded = _folded(entry.text)
            if len(folded) != len(entry.text):
                continue
            label, _, rest = entry.text.partition(":")
            labelled = _role_in(_folded(label), at_start=True) if rest or entry.text.endswith(":") else None
            if entry.numbered:
                group = None
            if labelled and not rest.strip():
                group = labelled  # "2. Các Phó Trưởng ban:" — the items below hold the role
                continue
            suffix, names_body = _suffix_role(entry.text, chunk)
            if group and suffix and not names_body and not _holds(suffix, group):
                suffix = None  # a bare "…, Phó Trưởng ban" under "Các ủy viên:" may be a job title elsewhere
            role = suffix or labelled or (group if not entry.numbered else None)
            if role is None:
                continue
            body = rest.strip() if labelled and not suffix else entry.text
            names = person_names(body)
            if not names and not labelled and not (group and role == group):
                continue  # a role named in a sentence about duties, not a member (a group's items may be posts)
            found.append(Member(entry, role, names, " ".join(body.rstrip(" ;.").split()),
                                group=group if not entry.numbered else None))
    return found


def _suffix_role(text: str, chunk: Chunk) -> tuple[str | None, bool]:
    """The role after an entry's last comma ("…, Trưởng Ban Chỉ đạo.", "…, Thư ký Hội đồng."), when what
    follows the role names this document's own body or nothing ("Phó Trưởng ban Tổ chức Tỉnh ủy" is a job
    in another body); and whether it names the body."""
    tail = _folded(text.rstrip(" .;")).rsplit(",", 1)
    if len(tail) != 2:
        return None, False
    tail_text = tail[1].strip()
    role = _role_in(tail_text, at_start=True)
    if role is None:
        return None, False
    after = set(re.findall(r"\w+", tail_text[len(role):])) - {"thuong", "truc"}
    own = set(search_words(" ".join((chunk.title, chunk.section))))
    return (role, bool(after)) if after <= own else (None, False)


def _asked_role(folded: str) -> tuple[str, tuple[int, int]] | None:
    best = None
    for match in _role_pattern().finditer(folded):
        if best is None or len(match[0]) > len(best[0]):
            best = match
    return (" ".join(best[0].split()), best.span()) if best else None


def _body_words(folded: str, span: tuple[int, int]) -> set[str]:
    data = _data()
    asking = {w for phrase in data["asks_who"] for w in search_key(phrase).split()}
    rest = folded[: span[0]] + " " + folded[span[1]:]
    rest = re.sub(r"\([^)]*\)", " ", rest)  # "(mục các thành viên)" points into the document, not at the body
    rest = _role_pattern().sub(" ", rest)  # "không kể Trưởng ban và các Phó Trưởng ban": other roles
    if (ref := referenced_document(rest)) is not None:  # "theo Quyết định 2319" names the document
        rest = rest[: ref.span[0]] + " " + rest[ref.span[1]:]
    filler = set(data["filler"])
    return {w for w in re.findall(r"\w+", rest) if w not in asking and w not in filler and not w.isdigit()}


def _names_the_body(chunk: Chunk, words: set[str]) -> bool:
    if not words:
        return True
    held = set(search_words(" ".join((chunk.title, chunk.section, chunk.context or ""))))
    return len(words & held) >= BODY_MATCH * len(words)


def _in_the_place(member: Member, places: list) -> bool:
    """The body is the asked province's: 'Ban Vì sự tiến bộ của phụ nữ tỉnh Gia Lai' is not Lâm Đồng's."""
    chunk = member.entry.chunk
    return all(names_entity(member.entry.text, chunk, place) or names_entity(chunk.context or "", chunk, place)
               for place in places)


def _names_someone(member: Member) -> bool:
    """A person ('ông Đinh Văn Tuấn') or a post ('Giám đốc Công an tỉnh'): not a clause that sits under a role
    heading ('- Không đủ sức khỏe; …' under 'Chủ tịch Hiệp hội bị miễn nhiệm khi:')."""
    return bool(member.names) or _opens_with_a_title().match(member.description) is not None


@functools.lru_cache(maxsize=1)
def _opens_with_a_title() -> re.Pattern[str]:
    return re.compile(rf"(?:{literal_alternation(pack('question_cues').get('person_titles', []))})(?!\w)")


def _holds(member_role: str, asked: str) -> bool:
    """"Phó Trưởng ban Thường trực" holds "Phó Trưởng ban"; "Phó Trưởng ban" does not hold "Trưởng ban"."""
    return member_role == asked or member_role.startswith(asked + " ")


class MemberAnswerer:
    """Answers who holds a role (or how many do) in a body a document sets up, from its membership entries."""

    name = "members"

    def answer(self, plan, context) -> Answer | None:
        folded = search_key(plan.part.query.text)
        data = _data()
        asks_who = re.search(rf"(?<!\w)(?:{phrase_alternation(data['asks_who'])})(?!\w)", folded)
        asked = _asked_role(folded)
        plural = re.search(r"(?<!\w)(?:nhung|cac)(?!\w)", folded) is not None
        if asked is not None and plural and re.search(r"(?<!\w)nao(?!\w)", folded[asked[1][1]:]):
            asks_who = True  # "có những Phó Chủ tịch nào"
        if (both := _two_bodies(folded)) is not None and asks_who:
            return _people_in_both(both, context.catalogue, self.name)
        posts = _posts_asked(folded, asked) if asked else None
        counting = asked is not None and asks_quantity(plan.part.text) and not asks_who
        if counting:  # "… không kể Trưởng ban và các Phó Trưởng ban, có bao nhiêu thành viên": the counted role
            counted = re.search(rf"(?:bao nhieu|may)\s+(?P<role>{_role_pattern().pattern})", folded)
            if counted is None:
                return None
            asked = (" ".join(counted["role"].split()), counted.span("role"))
        if asked is None or not (asks_who or posts or counting):
            return None
        words = _body_words(folded, asked[1]) - set((posts or "").split())
        places = [e for e in plan.part.constraints.entities if e.kind == "province"]
        hits = context.hits(plan)
        words = spelled_words(plan.part.query.text, words, [h.chunk.title for h in hits] + [h.chunk.text for h in hits])
        candidates = [h.chunk.doc_id for h in hits][:8]
        candidates += context.catalogue.documents_titled(words)
        for doc_id in dict.fromkeys(candidates):
            chunks = context.catalogue.chunks_of(doc_id)
            found = members(chunks)
            held = [m for m in found if _holds(m.role, asked[0]) and _names_the_body(m.entry.chunk, words)
                    and _in_the_place(m, places)]
            if counting:
                # a count is read from one group heading's items ("6. Các thành viên Ban Chỉ đạo:"), never
                # from entries scattered over a text (a decision amending members names a few of them)
                group = [m for m in found if m.group == asked[0] and _names_the_body(m.entry.chunk, words)
                         and _in_the_place(m, places)]
                if group:
                    return _count_answer(group, asked[0], self.name)
            elif held and posts:
                if answer := _posts_answer(held, posts, self.name):
                    return answer
            elif held := [m for m in held if _names_someone(m)]:
                return _answer(held, self.name)
        return None


TWO_BODIES = re.compile(
    r"(?:vua\s+)?(?:co ten|la thanh vien|tham gia)\s+(?:trong|cua)\s+(?P<a>.+?)\s+(?P<op>vua|nhung khong|ma khong)"
    r"\s+(?:co ten\s+|la thanh vien\s+|tham gia\s+)?(?:trong|cua)\s+(?P<b>.+?)\s*\??$")


def _two_bodies(folded: str) -> tuple[str, str, str] | None:
    """'… vừa có tên trong A vừa có tên trong B' (both) / '… có tên trong A nhưng không trong B' (only A)."""
    m = TWO_BODIES.search(folded)
    return (m["a"], m["b"], "intersection" if m["op"] == "vua" else "difference") if m else None


def _members_of(body: str, catalogue) -> list[Member]:
    words = {w for w in re.findall(r"\w+", body) if w not in set(_data()["filler"])}
    for doc_id in catalogue.documents_titled(words):
        found = [m for m in members(catalogue.chunks_of(doc_id)) if m.names]
        if found:
            return found
    return []


def _people_in_both(both: tuple[str, str, str], catalogue, generator: str) -> Answer | None:
    """People of two bodies' memberships: in both, or in the first only; each cited in each body."""
    a, b = _members_of(both[0], catalogue), _members_of(both[1], catalogue)
    if not a or not b:
        return None
    in_b = {name: m for m in b for name in m.names}
    cites = CitationList()
    lines, items = [], []
    for member in a:
        for name in member.names:
            other = in_b.get(name)
            if (other is not None) != (both[2] == "intersection") or name in items:
                continue
            marks = [cites.cite(m.entry.chunk, m.entry.chunk.text[m.entry.start:m.entry.end]) for m in (member, other) if m]
            lines.append(f"- {name}: " + "; ".join(f"{m.description} [{n}]" for m, n in zip((member, other), marks) if m))
            items.append(name)
    if not items:
        return None
    titles = [document_name(a[0].entry.chunk), document_name(b[0].entry.chunk)]
    how = "có tên trong cả hai" if both[2] == "intersection" else f"có trong {titles[0]} nhưng không có trong {titles[1]}"
    text = f"Theo {titles[0]} và {titles[1]}: {len(items)} người {how} (đối chiếu theo họ tên):\n" + "\n".join(lines)
    return Answer(answer=text, citations=cites.citations, items=items, grounded=True, generator=generator)


def _posts_asked(folded: str, asked: tuple[str, tuple[int, int]]) -> str | None:
    """'Giám đốc những Sở nào là thành viên …?' asks which units' heads are members: 'giam doc so'."""
    m = re.search(r"(?P<post>(?:\w+\s+){1,3}?)(?:nhung|cac)\s+(?P<kind>\w+)\s+nao(?!\w)", folded[: asked[1][0]])
    if m is None:
        return None
    post = " ".join(m["post"].split()[-2:])
    return f"{post} {m['kind']}"


def _posts_answer(chosen: list[Member], post: str, generator: str) -> Answer | None:
    """The members whose post is `post` + a unit ("Giám đốc Sở Nội vụ"), answered with the units."""
    cites = CitationList()
    lines, items = [], []
    width = len(post.split()) - 1  # the unit's own first word ("Sở") stays in the item
    for member in chosen:
        words = member.description.split()
        if search_key(" ".join(words[: width + 1])) != post or len(words) <= width + 1:
            continue
        unit = " ".join(words[width:]).rstrip(" ;.")
        chunk = member.entry.chunk
        marker = cites.cite(chunk, chunk.text[member.entry.start:member.entry.end])
        lines.append(f"- {unit} [{marker}]")
        items.append(unit)
    if not items:
        return None
    first = chosen[0].entry.chunk
    text = f"{source_phrase(first)}: {len(items)} đơn vị:\n" + "\n".join(lines)
    return Answer(answer=text, citations=cites.citations, items=items, grounded=True, as_of=first.as_of,
                  generator=generator)


def _count_answer(group: list[Member], role: str, generator: str) -> Answer:
    answer = _answer(group, generator)
    first = group[0].entry.chunk
    label = next((r for r in _data()["roles"] if search_key(r) == role), role)
    lines = answer.answer.split("\n", 1)
    answer.answer = f"{source_phrase(first)}: có {len(group)} {label} (đếm theo danh sách):\n" + (lines[1] if len(lines) > 1 else "")
    return answer


def _answer(chosen: list[Member], generator: str) -> Answer:
    cites = CitationList()
    first = chosen[0].entry.chunk
    lines = []
    for member in chosen:
        chunk = member.entry.chunk
        marker = cites.cite(chunk, chunk.text[member.entry.start:member.entry.end])
        lines.append(f"- {member.description} [{marker}]")
    if len(chosen) == 1:
        text = f"{source_phrase(first)}: {chosen[0].description} [{cites.citations[0].marker}]."
    else:
        text = f"{source_phrase(first)}: {len(chosen)} người:\n" + "\n".join(lines)
    names = [name for m in chosen for name in m.names]
    return Answer(answer=text, citations=cites.citations, items=names, grounded=True, as_of=first.as_of,
                  generator=generator)
