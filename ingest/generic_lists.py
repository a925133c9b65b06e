"""Lists of anything a report names: associations, schools, departments, communes, databases, laws,
members, tasks — read from their layout, not from a gazetteer.

Three layouts: a header that says what follows ('06 hội đề nghị giải thể gồm: Hội A; Hội B; …'),
a lead-in line and its bullets ('Các cơ sở dữ liệu đã kết nối:\n- CSDL …\n- …') and table rows with a
name column ('STT: 1; Tên hội: Hội Cựu giáo chức; …'). The kind comes from the header's noun or the
items' common prefix (`ingest/data/entity_kinds.json`); a gazetteer kind's items are canonicalised.
"""

from __future__ import annotations

import functools
import re

from baocao.ingest.datapack import load_pack
from baocao.ingest.entities import EntityList, clean_predicate, find_count_phrases
from baocao.ingest.gazetteer import Gazetteer
from baocao.ingest.text import find_as_of, has_diacritics, nfc, polarity_of, search_key, unify_tone_placement, without_markers

_ENUM = r"(?:[-+•*–]|\(?\d{1,2}[.)]|[a-zđ]\)|[IVX]{1,4}\.)"
_INTRO = r"(?:bao gồm|gồm có|gồm|là|như sau|cụ thể|sau đây|gồm các|, gồm)"
_BULLET_LINE = re.compile(rf"^[ \t]*{_ENUM}[ \t]+(?P<item>\S.*)$")
_TABLE_CELL = re.compile(r"(?P<header>[^:;]{1,60}):\s*(?P<value>[^;]+)")
_NAME_HEADER = re.compile(r"(?i)\b(tên|họ và tên|họ tên|đơn vị|cơ quan|nhiệm vụ|nội dung|danh mục)\b")
MAX_ITEM_CHARS = 160


@functools.lru_cache(maxsize=1)
def kinds() -> dict[str, dict]:
    return load_pack("entity_kinds")


def _accent_key(text: str) -> str:
    return " ".join(unify_tone_placement(nfc(text).lower()).split())


@functools.lru_cache(maxsize=2)
def _noun_index(folded: bool) -> list[tuple[str, str]]:
    """(noun key, kind), longest noun first; folded for text typed without diacritics."""
    key = search_key if folded else _accent_key
    pairs = [(key(noun), kind) for kind, spec in kinds().items() for noun in spec.get("nouns", [])]
    return sorted(set(pairs), key=lambda p: len(p[0]), reverse=True)


@functools.lru_cache(maxsize=1)
def _prefix_index() -> list[tuple[str, str]]:
    pairs = [(search_key(p), kind) for kind, spec in kinds().items() for p in spec.get("prefixes", [])]
    return sorted(set(pairs), key=lambda p: len(p[0]), reverse=True)


def kind_of_noun(text: str, anchor: str | None = None) -> str | None:
    """The kind a header or a question names: 'Các hội sau' → association, 'xã, phường' → commune.
    Read with diacritics when the text has them ('bổ sung' is no 'bộ', 'số' no 'sở')."""
    folded = not has_diacritics(text)
    key = f" {(search_key if folded else _accent_key)(text)} "
    key = re.sub(r"\s*([,/])\s*", r"\1 ", key)
    best: tuple[int, str] | None = None
    for noun, kind in _noun_index(folded):
        noun = re.sub(r"\s*([,/])\s*", r"\1 ", noun)
        position = key.find(f" {noun} ")
        if position == -1 or _opens_a_compound(key, position + 1, noun, folded):
            continue
        if anchor == "start" and key[:position].strip() not in ("", "cac", "nhung", "các", "những", "tat ca cac", "tất cả các"):
            continue  # 'bao nhiêu trạm y tế xã': the head noun is 'trạm', not 'xã'
        if anchor == "end" and key[position + len(noun) + 2 :].strip():
            continue
        if best is None or position < best[0]:
            best = (position, kind)
    return best[1] if best else None


def _opens_a_compound(key: str, start: int, noun: str, folded: bool) -> bool:
    """'hội viên', 'trường hợp', 'bộ trưởng' / 'cơ sở', 'cán bộ', 'chuyên ngành', 'đại hội', 'hợp tác xã': the noun
    is a syllable of another word (Viet74K, underthesea's word list), not the kind it names, unless that word is
    a kind's noun itself ('hiệp hội')."""
    if " " in noun:
        return False
    strip = ",;:.()"
    before = [w.strip(strip) for w in key[:start].split()][-2:]
    after = [w.strip(strip) for w in key[start + len(noun):].split()][:1]
    compounds = [f"{noun} {after[0]}"] if after else []
    compounds += [" ".join(before[i:] + [noun]) for i in range(len(before))]
    words, nouns = _dictionary_words(folded), {n for n, _ in _noun_index(folded)}
    return any(c in words and c not in nouns for c in compounds)


@functools.lru_cache(maxsize=2)
def _dictionary_words(folded: bool) -> frozenset[str]:
    """Vietnamese words of two and three syllables (underthesea's Viet74K), as kind nouns are matched."""
    from pathlib import Path

    import underthesea

    path = Path(underthesea.__file__).parent / "corpus" / "data" / "Viet74K.txt"
    key = search_key if folded else _accent_key
    try:
        words = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    return frozenset(key(w) for w in words if len(w.split()) in (2, 3))


def kind_of_item(item: str) -> str | None:
    key = search_key(item)
    for prefix, kind in _prefix_index():
        if key == prefix or key.startswith(prefix + " "):
            return kind
    return None


def _items_kind(items: list[str], header: str) -> str:
    by_prefix = [kind_of_item(i) for i in items]
    common = {k for k in by_prefix if k}
    if len(common) == 1 and sum(1 for k in by_prefix if k) * 2 >= len(items):
        return common.pop()
    return kind_of_noun(header) or "unit"


_ITEM_PREDICATE = re.compile(r"\s+(?:là|đã|được|có|đều|cần|phải|thì|nên|chưa|không|đang|sẽ|để|nhằm)\s")


def _with_header_prefix(parts: list[str], header: str, g: Gazetteer | None = None) -> tuple[list[str], str]:
    """'… họp với Công an tỉnh, các Sở: Giáo dục và Đào tạo; Ngoại vụ' names 'Sở Giáo dục và Đào tạo', 'Sở Ngoại vụ':
    a header that ends with a kind's prefix ('các Sở', 'các Bộ', 'các xã') gives it to every item written without
    it, and says what the list is without it ('… họp với Công an tỉnh'). Parts a comma or 'và' split out of one
    name the gazetteer knows ('Thông tin và Truyền thông', 'Văn hóa, Thể thao và Du lịch') are one item again."""
    found = re.search(r"(?i)(?:^|[\s,])\s*(?:các|những)\s+(?P<prefix>\w+(?:\s\w+)?)\s*$", header.rstrip())
    if not found:
        return parts, header
    key = search_key(found["prefix"])
    kind, prefix = next(((k, p) for k, spec in kinds().items() for p in spec.get("prefixes", []) if search_key(p) == key),
                        (None, None))
    if prefix is None:
        return parts, header
    named = [p if not p.strip() or search_key(p).startswith(key + " ") else f"{prefix} {p.strip()}" for p in parts]
    if g is not None and kinds()[kind].get("gazetteer"):
        named = _rejoined(named, prefix, kind, g)
    return named, header[: found.start()]


def _rejoined(items: list[str], prefix: str, kind: str, g: Gazetteer) -> list[str]:
    """Runs of items that together are one known name: 'Sở Thông tin' + 'Sở Truyền thông' → 'Sở Thông tin và
    Truyền thông'."""
    bare = [i[len(prefix):].strip() if i.startswith(prefix + " ") else i.strip() for i in items]
    out, i = [], 0
    while i < len(items):
        for j in range(min(len(items), i + 4), i + 1, -1):  # the longest run first
            words = bare[i:j]
            name = f"{prefix} {', '.join(words[:-1])} và {words[-1]}"
            entity = g.match(name, kind)
            if entity is not None and search_key(entity.name) == search_key(name):
                out.append(name)
                i = j
                break
        else:
            out.append(items[i])
            i += 1
    return out


def _clean_item(raw: str) -> str:
    item = without_markers(raw).strip(" \t;,.")
    item = re.sub(rf"^{_ENUM}\s*", "", item).strip()
    if kind_of_item(item) and (cut := _ITEM_PREDICATE.search(item)):  # 'Hội Lâm nghiệp là phù hợp …'
        item = item[: cut.start()]
    return item


def _looks_like_item(item: str) -> bool:
    """A name: short, opening with a capital, a digit ('5G', '1.1 Hội …') or a quote, and holding letters ('16',
    '94%' are figures a comma split off a sentence, never the name of a unit)."""
    return (1 < len(item) <= MAX_ITEM_CHARS and (item[0].isupper() or item[0].isdigit() or item[0] == "“")
            and any(ch.isalpha() for ch in item))


def _canonical(items: list[str], kind: str, g: Gazetteer) -> list[str]:
    if not kinds().get(kind, {}).get("gazetteer"):
        return items
    prefixes = [p for p in kinds()[kind].get("prefixes", [])]
    out = []
    for item in items:
        entity = g.match(item, kind) or next((g.match(f"{p} {item}", kind) for p in prefixes if g.match(f"{p} {item}", kind)), None)
        out.append(entity.name if entity else item)
    return out


def _make(text: str, header_start: int, end: int, header: str, items: list[str], *, as_of: str | None,
          context: str | None, g: Gazetteer) -> EntityList | None:
    items = [i for i in dict.fromkeys(items) if _looks_like_item(i)]
    if len(items) < 2:
        return None
    kind = _items_kind(items, header)
    counts = find_count_phrases(header)
    count = next((c for c in counts if c.kind in (kind, "mixed")), None) or (counts[-1] if counts else None)
    stated = _stated_count(header)
    predicate = clean_predicate(re.sub(rf"\s*{_INTRO}\s*$", "", header.rstrip(" :"), flags=re.IGNORECASE)) or clean_predicate(context or "")
    predicate = re.split(r"(?i),\s+|\s+thì\s+|\s+về việc\s+", predicate)[-1]  # the clause that heads the list
    predicate = re.sub(r"(?i)^(?:việc|các|những)\s+", "", predicate)
    predicate = _without_subject(predicate, kind)
    names = _canonical(items, kind, g)
    stated_count = count.count if count else stated
    return EntityList(
        kind=kind, items=names, predicate=predicate, polarity=polarity_of(predicate),
        stated_count=stated_count, stated_total=count.total if count else None,
        source_span=(header_start, end),
        count_matches_stated=None if stated_count is None else stated_count == len(names),
        as_of=as_of or find_as_of(header), count_source=count.text if count else None,
    )


def _without_subject(predicate: str, kind: str) -> str:
    """'Các hội đề nghị giải thể' → 'đề nghị giải thể': the header's subject names the kind, not the predicate."""
    nouns = sorted(kinds().get(kind, {}).get("nouns", []), key=len, reverse=True)
    for noun in nouns:
        m = re.match(rf"(?i)(?:(?:các|những|tất cả các)\s+)?{re.escape(noun)}\s+", predicate)
        if m:
            return predicate[m.end():]
    return predicate


_STATED_RE = re.compile(r"(?<![\d/.,])(\d{1,4})\s+(?:[^\W\d_]+\s*){1,4}")


def _stated_count(header: str) -> int | None:
    m = _STATED_RE.search(without_markers(header))
    return int(m.group(1)) if m else None


def _header_start(text: str, colon: int) -> int:
    start = max(text.rfind("\n", 0, colon), text.rfind(". ", 0, colon), text.rfind("; ", 0, colon))
    return start + 1 if start >= 0 else 0


def _inline_lists(text: str, as_of, context, g) -> list[EntityList]:
    """'… gồm: Hội A; Hội B; Hội C.' — a colon, then items separated by ';' (or ',' between capitals)."""
    out = []
    for colon in re.finditer(r":[ \t]*(?=\S)", text):
        line_end = text.find("\n", colon.end())
        line_end = len(text) if line_end == -1 else line_end
        body = text[colon.end() : line_end]
        stop = re.search(r"\.(?:\s+[A-ZĐ]|\s*$)", body)
        body = body[: stop.start()] if stop else body
        if _VALUED_LINE.match(":" + body):
            continue  # 'Hội có phạm vi hoạt động trong tỉnh: 90 hội (bao gồm 16 Hội …, …)' gives a figure
        start = _header_start(text, colon.start())
        header = text[start : colon.start()]
        # ';' parts hold their own 'và' ('Giáo dục và Đào tạo; Văn hóa, Thể thao và Du lịch'); ',' parts end with one
        between = r"\s*;\s*(?:và\s+)?" if ";" in body else r"\s*,\s*(?:và\s+)?|\s+và\s+(?=[A-ZĐ])"
        raw, header = _with_header_prefix(re.split(between, body), header, g)
        parts = [_clean_item(p) for p in raw]
        if len(parts) < 2 or not all(_looks_like_item(p) for p in parts):
            continue
        if ";" not in body and not all(len(p.split()) <= 8 for p in parts):
            continue  # a sentence with commas, not a list
        if lst := _make(text, start, colon.end() + len(body), header, parts, as_of=as_of, context=context, g=g):
            lst.tail = _tail_after(raw[-1], parts[-1])
            out.append(lst)
    return out


_COUNTED_PARENTHESIS = re.compile(r"(?<![\d/.,])(?P<n>\d{1,3})\s+[^\W\d_]+(?:\s+[^\W\d_]+){0,3}?\s*\((?P<body>[^()]{5,600})\)")


def _counted_in_parentheses(text: str, as_of, context, g) -> list[EntityList]:
    """'… sửa đổi, bổ sung 04 Luật (Luật Chuyển đổi số, Luật Sở hữu trí tuệ sửa đổi, … và Luật Chuyển giao công
    nghệ sửa đổi)': a count, then in parentheses exactly that many names, each opening with its kind's prefix."""
    out = []
    for m in _COUNTED_PARENTHESIS.finditer(text):
        body = m["body"]
        between = r"\s*;\s*(?:và\s+)?" if ";" in body else r"\s*,\s*(?:và\s+)?|\s+và\s+(?=[A-ZĐ])"
        parts = [_clean_item(p) for p in re.split(between, body)]
        if int(m["n"]) < 2 or len(parts) != int(m["n"]) or not all(_looks_like_item(p) and kind_of_item(p) for p in parts):
            continue  # each a name of a known kind ('Luật …', 'Sở …'): '02 doanh nghiệp (Viettel, VNPT)' is an aside
        start = _header_start(text, m.start())
        if lst := _make(text, start, m.end(), text[start:m.start("body") - 1], parts, as_of=as_of, context=context, g=g):
            out.append(lst)
    return out


def _tail_after(raw: str, item: str) -> str:
    """The words the last item was cut from: what the sentence says of the list ('… để thảo luận …')."""
    at = raw.find(item)
    return raw[at + len(item):].strip(" \t;,.") if item and at >= 0 else ""


def _bullet_lists(text: str, as_of, context, g) -> list[EntityList]:
    """A line ending with ':' (or 'gồm'), then bullet or numbered lines, one item each."""
    out = []
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    i = 0
    while i < len(lines):
        lead = lines[i].rstrip()
        if not re.search(rf"(?::|{_INTRO})\s*$", lead, re.IGNORECASE):
            i += 1
            continue
        items, j, valued = [], i + 1, 0
        style = _marker_style(lines[j]) if j < len(lines) else None
        while j < len(lines) and (m := _BULLET_LINE.match(lines[j])) and _marker_style(lines[j]) == style:
            items.append(_item_of_line(m.group("item")))
            valued += _VALUED_LINE.search(m.group("item")) is not None
            j += 1
        if len(items) >= 2 and valued * 2 < len(items):  # 'Trong đó: - Hội …: 90 hội; - Hội …: 520 hội' is a breakdown
            start = offsets[i] + _header_start(lead, len(lead))
            if lst := _make(text, start, offsets[j] - 1, text[start : offsets[i] + len(lead)], items,
                            as_of=as_of, context=context, g=g):
                out.append(lst)
        i = max(j, i + 1)
    return out


# 'Label: 90 hội (bao gồm …)': a figure broken down, not a name; '…: 3 năm không hoạt động' says why
def _marker_style(line: str) -> str:
    """'-', '1.', 'a)' or 'I.': the items of one list share it; 'b) …' after '- …' lines opens the next one."""
    marker = line.strip()[:4]
    if marker[:1] in "-+•*–":
        return "dash"
    if re.match(r"\(?\d", marker):
        return "digit"
    if re.match(r"[IVX]{1,4}\.", marker):
        return "roman"
    return "letter"


_VALUED_LINE = re.compile(r":\s*\d[\d.,]*%?(?:\s+[^\W\d]+){0,2}\s*(?:\(.*\))?\s*[.;]?\s*$")


def _item_of_line(line: str) -> str:
    """A bullet's name: the whole short line, or what precedes its ':' / '(' / ' - ' on a long one."""
    line = _clean_item(line)
    if len(line) <= 90:
        return re.sub(r"\s*[:(].*$", "", line) or line
    head = re.split(r"\s*(?::|\(|\s[-–]\s|;)", line, maxsplit=1)[0]
    return head if len(head) <= MAX_ITEM_CHARS else line[:MAX_ITEM_CHARS]


def _table_lists(text: str, as_of, context, g) -> list[EntityList]:
    """Rows 'STT: 1; Tên hội: Hội A; …': the values of the name column make the list."""
    rows = [(m.start(), m.end(), m.group()) for m in re.finditer(r"[^\n]+", text)]
    columns: dict[str, list[tuple[int, int, str]]] = {}
    for start, end, row in rows:
        for cell in _TABLE_CELL.finditer(row):
            header = " ".join(cell.group("header").split())
            if _NAME_HEADER.search(header):
                columns.setdefault(header, []).append((start, end, cell.group("value").strip()))
                break
    out = []
    for header, cells in columns.items():
        if len(cells) >= 2:
            lst = _make(text, cells[0][0], cells[-1][1], context or header, [c[2] for c in cells],
                        as_of=as_of, context=context, g=g)
            if lst:
                lst.predicate = lst.predicate or header
                out.append(lst)
    return out


def extract_named_lists(text: str, *, as_of: str | None = None, context: str | None = None,
                        gazetteer: Gazetteer | None = None) -> list[EntityList]:
    """Lists of named items of any kind in a chunk's text, by layout."""
    g = gazetteer or Gazetteer.load()
    found = (_bullet_lists(text, as_of, context, g) + _inline_lists(text, as_of, context, g)
             + _counted_in_parentheses(text, as_of, context, g) + _table_lists(text, as_of, context, g))
    found.sort(key=lambda lst: lst.source_span)
    kept: list[EntityList] = []
    for lst in found:  # overlapping readings of one list: the first (bullets, then inline) wins
        if not any(k.source_span[0] <= lst.source_span[0] < k.source_span[1] for k in kept):
            kept.append(lst)
    return kept


MIN_SECTION_ITEMS = 2
SECTION_ITEMS_OF_KIND = 2 / 3  # of a section's items that must name a unit of one kind ('Hội …', 'Sở …') to be its list
ITEM_KIND = "item"  # the clauses under a heading that names what they are ('Điều 17. Nguồn thu của Quỹ' / '1. …' / '2. …')
MAX_ITEM_HEADING_WORDS = 12  # a heading that long is a sentence, not the name of what its items are


def section_lists(headings: list[str], items: list[str], *, as_of: str | None = None,
                  gazetteer: Gazetteer | None = None) -> EntityList | None:
    """The numbered items straight under a heading, one unit each ('II. TỈNH ĐẮK NÔNG' / '1. Hội Nông dân tỉnh
    Đắk Nông.' / … / '12. Hội …'), as one list however many chunks they run over: its predicate is the heading
    path ('Hiện trạng tổ chức các hội do Đảng, Nhà nước giao nhiệm vụ > Tỉnh Đắk Nông (trước sắp xếp)')."""
    names = [_item_of_line(item) for item in items]
    typed = [kind_of_item(n) for n in names if kind_of_item(n)]
    top = max(set(typed), key=typed.count) if typed else None
    path = [_heading_words(h) for h in headings if _heading_words(h)]
    if len(names) < MIN_SECTION_ITEMS:
        return None
    if top is None or typed.count(top) < SECTION_ITEMS_OF_KIND * len(names):
        return _items_under(path, names, as_of)
    header = " > ".join(path)
    found = _make(header, 0, len(header), header, names, as_of=as_of, context=None, g=gazetteer or Gazetteer.load())
    if found is None:
        return None
    found.kind = top  # a few items of another kind ('Ban đại diện Hội …') do not make it a list of 'units'
    found.predicate = header  # the whole path says what the items are (the last heading alone may be a place)
    found.headings = path
    found.polarity = polarity_of(header)
    return found


def _items_under(path: list[str], names: list[str], as_of: str | None) -> EntityList | None:
    """Clauses of no unit kind under a heading that names them: counted and listed as the heading's items."""
    if not path or len(path[-1].split()) > MAX_ITEM_HEADING_WORDS or path[-1].rstrip().endswith((".", ";", ":")):
        return None
    header = " > ".join(path)
    return EntityList(kind=ITEM_KIND, items=list(dict.fromkeys(names)), predicate=header, polarity=polarity_of(path[-1]),
                      stated_count=None, stated_total=None, source_span=(0, len(header)), count_matches_stated=None,
                      as_of=as_of, count_source=None, headings=path)


def _heading_words(heading: str) -> str:
    """A heading without its enumerator ('B.', 'II.', '1.')."""
    return re.sub(rf"^\s*(?:[A-ZĐ]\.|{_ENUM})\s*", "", heading).strip()
