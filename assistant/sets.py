"""Exact answers for list, complement, count and set-operation questions, from the list records.

Reports often state only the positive list ("43/63 địa phương thành lập …", the 43 named in a
footnote). "Which have NOT …" is then the complement against the universe in force on the list's
date (63 provinces before 1/7/2025, 34 after; a province's wards and communes from 1/7/2025; the
departments of the day), and the answer says so and cites the footnote. Lists of kinds with no known
universe (associations, schools, laws …) are answered as listed, never complemented. Polarity is read
by the one text module on both sides: "tỉnh nào thiếu bác sĩ" over «các tỉnh thiếu bác sĩ gồm: …»
returns those provinces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from baocao.assistant.catalogue import list_claim
from baocao.assistant.compose import CitationList, as_of_phrase, source_phrase, vn_date
from baocao.ingest.entities import EntityList, complement, universe_for
from baocao.assistant.evidence import TermWeights, content_syllables, syllables
from baocao.assistant.extractive import states_the_count
from baocao.assistant.gate import counted_kind, counted_words, in_period
from baocao.assistant.knowledge import cue_words
from baocao.assistant.models import Answer
from baocao.assistant.query import Query
from baocao.ingest.gazetteer import Gazetteer
from baocao.ingest.generic_lists import ITEM_KIND, kind_of_noun, kinds as entity_kinds
from baocao.ingest.models import Chunk
from baocao.ingest.text import last_marker_number, search_key, search_words, sentence_at as sentence_with, without_excluded

PROVINCE_WORDS = re.compile(r"\b(tỉnh|địa phương|thành phố|tinh|dia phuong|thanh pho)\b")
AGENCY_WORDS = re.compile(r"\b(bộ|ngành|bo|nganh)\b")
BODY_WORDS = re.compile(r"\b(cơ quan|co quan)\b")  # 'cơ quan nào' is any body: the kind `unit` covers bộ and sở
# "những bộ, ngành nào", "tỉnh nào", "bao nhiêu địa phương": the kind asked about is the subject, next to
# "nào" or after "những/các/bao nhiêu/mấy"; a kind word elsewhere ("doanh thu ngành …") is not asked about.
BEFORE_NAO = re.compile(r"((?:\S+\s+){0,3}\S+)\s+(?:nào|nao)\b")
AFTER_QUANTIFIER = re.compile(r"\b(?:những|các|bao nhiêu|mấy|liệt kê|nhung|cac|bao nhieu|may|liet ke)\s+((?:\S+\s+){0,2}\S+)")
# A list is wanted when the question says so (plural, "liệt kê", a count) or asks who has NOT done something.
LIST_WANTED = re.compile(r"\b(những|các|liệt kê|danh sách|bao nhiêu|mấy|chưa|không|còn lại|nhung|cac|liet ke|danh sach|bao nhieu|may|chua|khong|con lai)\b")
MIN_MATCH = 0.55
# a list counted for a count question names things ('Hội Nhà báo tỉnh …'); items longer than this are clauses
# ('Hiệp hội hoạt động trong phạm vi tỉnh … thuộc lĩnh vực …'), counted as nothing (dev: rd031)
COUNTED_ITEM_CHARS = 100


@dataclass
class FoundList:
    chunk: Chunk
    entities: EntityList
    relevance: float = 0.0


HEAD_KINDS = ("province", "agency", "unit", "department")


def kinds_in(text: str) -> list[str]:
    return [kind for kind, words in (("province", PROVINCE_WORDS), ("agency", AGENCY_WORDS), ("unit", BODY_WORDS))
            if words.search(text)]


def asked_kinds(query: Query) -> list[str]:
    """Provinces, agencies or both, as the subject of the question; read with diacritics when the question
    has them (`tính` is not `tỉnh`)."""
    text = query.text.lower() if query.has_diacritics else query.folded
    if not query.has_diacritics:
        text = text.replace("tinh den", "").replace("tinh toi", "")
    subjects = [m.group(1) for pattern in (BEFORE_NAO, AFTER_QUANTIFIER) for m in pattern.finditer(text)]
    # 'bao nhiêu hội cấp tỉnh': the subject is hội, the province word only says which level
    subjects = [s for s in subjects if kind_of_noun(s, "start") in (None, *HEAD_KINDS)]
    return list(dict.fromkeys(kind for subject in subjects for kind in kinds_in(subject)))


def list_markers(found: FoundList, cites: CitationList, chunks: dict[str, Chunk] | None) -> list[int]:
    """The list's marker, then those of the later chunks a section's list runs over: every item is cited where
    it stands."""
    markers = [cites.cite(found.chunk, quote_of(found))]
    return markers + [cites.cite(chunks[cid], quote) for cid, quote in found.entities.continued
                      if chunks and cid in chunks and quote in chunks[cid].text]


def bracketed(markers: list[int]) -> str:
    return "".join(f"[{m}]" for m in markers)


def described(lst: EntityList) -> str:
    """What the list is of: its predicate, or, for a section's items, the section ('trong mục «… > Tỉnh X»')."""
    return f"trong mục «{' > '.join(lst.headings)}»" if lst.headings else plain(lst.predicate)


def plain(predicate: str) -> str:
    return " ".join(re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+", "", predicate).split()).rstrip(" .;:,")


def subject_words(query: Query, weights: TermWeights) -> dict[str, float]:
    """The question's words about what the list is of, weighted; time and report words count a quarter; what it
    leaves out ('ngoài …') is not what the list is of."""
    words: dict[str, float] = {}
    soft = set(syllables(query.text)) - set(content_syllables(query.text, "list_soft"))
    for term in content_syllables(without_excluded(query.text), "question", "list_kind"):  # '(ngoài Sở Nội vụ)' is not it
        if term in words:
            continue
        if any(ch.isdigit() for ch in term) and not any(ch.isalpha() for ch in term):
            continue  # dates and counts: the list's date and count are checked elsewhere
        words[term] = weights.weight(term) * (0.25 if term in soft else 1.0)
    return words


def provinces_in(text: str) -> list[str]:
    return [m.entity.name for m in Gazetteer.load().scan(text, ("province",), require_capital=False)]


def of_the_period(found: FoundList, period) -> bool:
    """The list speaks of the period: its own date, or its sentence and passage as the gate reads them."""
    lst = found.entities
    return period.contains(lst.as_of) or in_period(lst.quote or lst.predicate, found.chunk, period)


def of_the_place(candidates: list[FoundList], places: list[str]) -> list[FoundList]:
    """Lists of units (not of provinces) whose items are the asked province's own ('Hội … tỉnh Đắk Nông'), when
    there are such: a report listing each province's associations under its heading answers for one of them."""
    keys = [search_key(p) for p in places]
    if not keys:
        return candidates
    own = [f for f in candidates if f.entities.kind != "province"
           and sum(any(k in search_key(i) for k in keys) for i in f.entities.items) * 2 > len(f.entities.items)]
    return own + [f for f in candidates if f.entities.kind == "province"] if own else candidates


def unit_key(item: str) -> frozenset[str]:
    """An item's words without the province it is of and without 'các', 'và': 'Liên hiệp các hội Khoa học và Kỹ
    thuật tỉnh Đắk Nông' and 'Liên hiệp hội Khoa học Kỹ thuật tỉnh Bình Thuận' are one kind of body in two provinces."""
    key = search_key(item)
    for name in provinces_in(item):
        key = re.sub(rf"(?:\s+(?:tinh|thanh pho))?\s+{re.escape(search_key(name))}\b", "", key)
    return frozenset(content_syllables(key, "question"))


def relevance(query: Query, found: FoundList, weights: TermWeights) -> float:
    """Share of the question's subject words (not kind or polarity words) found in the list's claim."""
    wanted = subject_words(query, weights)
    total = sum(wanted.values())
    if not total:
        return 0.0
    entities = found.entities
    present = set(syllables(list_claim(entities, found.chunk)))
    coverage = sum(w for t, w in wanted.items() if t in present) / total
    share, matched = predicate_match(query, entities.predicate)
    # a longer predicate met word for word is more specific: "chưa ban hành Kế hoạch hành động" beats "chưa báo cáo"
    return 0.5 * coverage + 0.5 * share + 0.03 * min(matched, 6)


def predicate_match(query: Query, predicate: str) -> tuple[float, int]:
    """Share and number of the list's predicate words (`ban hành Kế hoạch hành động`) the question uses."""
    words = [t for t in dict.fromkeys(content_syllables(predicate, "list_kind", "question")) if not t.isdigit()]
    if not words:
        return 0.0, 0
    asked = set(syllables(query.text))
    matched = sum(1 for t in words if t in asked)
    return matched / len(words), matched


def counted_phrase(question: str) -> str | None:
    """The two words a count counts, as typed ('bao nhiêu nguồn thu của Quỹ' → 'nguồn thu'); one word alone
    ('bao nhiêu điều') is too ambiguous to look for in headings."""
    words = (counted_words(question) or "").split()[:2]
    if len(words) < 2 or any(len(content_syllables(w, "question")) != 1 for w in words):
        return None
    return " ".join(words)


_HEADING_NUMBER = re.compile(r"(?i)^\s*(?:(?:điều|chương|mục|phần|dieu|chuong|muc|phan)\s+[\dIVXLC]+[.:]?|[\dIVX]+(?:\.\d+)*[.)]|[a-zđ]\))\s*")


def names_the_items(noun: str, heading: str) -> bool:
    """The heading is the name of what its clauses are: it opens with the counted noun ('Điều 17. Nguồn thu của
    Quỹ'). 'Điều 17. Chủ tịch, Phó Chủ tịch Hiệp hội' names offices, not its clauses; nor is a title a clause."""
    if any(search_key(title).startswith(search_key(noun)) for title in cue_words("person_titles")):
        return False
    words = " ".join(search_words(_HEADING_NUMBER.sub("", heading)))
    return f"{words} ".startswith(f"{search_key(noun)} ")


def negated(predicate: str) -> str:
    """`thành lập Ban Chỉ đạo` → `chưa thành lập Ban Chỉ đạo`; `chưa báo cáo` → `đã báo cáo`."""
    predicate = predicate.strip()
    if re.match(r"(?i)chưa\s", predicate):
        return "đã " + predicate[4:].strip()
    return "chưa " + re.sub(r"(?i)^đã\s+", "", predicate)


def quote_of(found: FoundList) -> str:
    quote = found.entities.quote
    if quote and quote in found.chunk.text:
        return quote
    start, end = found.entities.source_span
    span = found.chunk.text[start:end].strip()
    return span if span and span in found.chunk.text else found.chunk.text[:400]


def label_of(kind: str) -> str:
    return entity_kinds().get(kind, {}).get("label", "đơn vị")


def universe_phrase(kind: str, universe: list[str], as_of: str | None, within: str | None = None) -> str:
    label = label_of(kind)
    if kind == "province":
        era = "trước sắp xếp ngày 1/7/2025" if len(universe) == 63 else "sau sắp xếp từ ngày 1/7/2025"
        return f"{len(universe)} {label} ({era})"
    if kind == "commune" and within:
        return f"{len(universe)} {label} của {within} (theo danh mục đơn vị hành chính từ 1/7/2025)"
    return f"{len(universe)} {label}" + (f" tại thời điểm {vn_date(as_of)}" if as_of else "")


def universe_of(found: FoundList, within: str | None = None) -> list[str] | None:
    """The units the list is a subset of: the report's own universe (its stated total must fit), else the
    gazetteer's, in force on the list's date. None for kinds without a known universe."""
    lst = found.entities
    if lst.kind in ("province", "agency"):
        return universe_for(lst)
    g = Gazetteer.load()
    if lst.kind == "commune":
        province = within or next((m.entity.name for m in g.scan(f"{found.chunk.issuer or ''} {found.chunk.title}", ("province",))), None)
        universe = g.universe("commune", lst.as_of or found.chunk.as_of or "2025-07-01", within=province) if province else []
    elif lst.kind == "department":
        universe = g.universe("department", lst.as_of or found.chunk.as_of or "2025-03-01")
    else:
        return None
    listed = set(lst.items)
    fits = universe and listed <= set(universe) and (lst.stated_total in (None, len(universe)))
    return universe if fits else None


def set_answer(
    query: Query, found: FoundList, kind: str, cites: CitationList, annotated: Chunk | None = None,
    want_negative: bool = False, within: str | None = None, chunks: dict[str, Chunk] | None = None,
) -> tuple[str, list[str]] | None:
    lst = found.entities
    list_negative = lst.polarity == "negative"
    # no sentence states how many, and what is counted is what the list is of: the answer counts its items
    counted = (lst.stated_count is None and lst.kind not in ("unit", "member") and counted_kind(query.text) == lst.kind
               and all(len(item) <= COUNTED_ITEM_CHARS for item in lst.items))
    if want_negative == list_negative and query.wants_count and not query.wants_list and not counted:
        return None  # the report states this count itself: the sentences answer it, with their dates
    markers = list_markers(found, cites, chunks)
    marker = markers[0]
    when = as_of_phrase(lst.as_of or found.chunk.as_of)
    label = label_of(lst.kind)  # the list's own kind: 'cơ quan nào' answered by a list of sở says 'sở'
    if want_negative == list_negative:
        items = lst.items
        text = f"{when[:1].upper() + when[1:] + ', ' if when else ''}có {len(items)} {label} {described(lst)}: {', '.join(items)} {bracketed(markers)}."
        if query.wants_count and counted:
            text += " (đếm từ danh sách, không phải câu trích)"
        if lst.stated_count is not None and lst.count_matches_stated is False:
            text += f" Lưu ý: báo cáo nêu con số {lst.stated_count}, nhưng danh sách chỉ có {len(items)} tên."
        return text + stated_sentence(found, cites, annotated), items
    universe = universe_of(found, within)
    if universe is None or (len(lst.items) < 2 and lst.stated_count is None):
        return None  # one name read as a list, with no count to say it is one, is no list to complement
    items = complement(lst, universe)
    stated = f"{lst.stated_count}/{lst.stated_total}" if lst.stated_count and lst.stated_total else str(len(lst.items))
    number = lst.footnote or last_marker_number(found.chunk.context)
    where = f"chú thích {number}" if found.chunk.kind == "footnote" and number else "báo cáo"
    text = (
        f"{when[:1].upper() + when[1:] + ', ' if when else ''}có {len(items)} {label} {negated(plain(lst.predicate))}: "
        f"{', '.join(items)} [{marker}].\n"
        f"Báo cáo nêu {stated} {label} {plain(lst.predicate)} và liệt kê tên tại {where}; danh sách trên là các đơn vị "
        f"còn lại trong {universe_phrase(lst.kind, universe, lst.as_of, within)} (tính toán từ danh sách, không phải câu trích)."
    )
    if lst.count_matches_stated is False:
        text += f" Lưu ý: báo cáo nêu {stated} nhưng {where} liệt kê {len(lst.items)} tên."
    return text + stated_sentence(found, cites, annotated), items


def stated_sentence(found: FoundList, cites: CitationList, annotated: Chunk | None) -> str:
    """The report's own sentence behind the list (the one a footnote annotates, or the one holding the list)."""
    if found.chunk.kind == "footnote":
        body = found.chunk.context or ""
        if annotated is not None and body and body in annotated.text:
            return f"\nCâu trong báo cáo: «{plain(body)}» [{cites.cite(annotated, body)}]"
        return ""
    sentence = sentence_with(found.chunk.text, found.entities.source_span[0])
    if sentence and sentence != quote_of(found) and sentence in found.chunk.text and len(sentence) < 600 and "\n" not in sentence:
        return f"\nCâu trong báo cáo: «{sentence}» [{cites.cite(found.chunk, sentence)}]"
    return ""


def covered_kinds(kind: str) -> set[str]:
    """The kind and those it covers ('cơ quan nào' is answered by a list of sở)."""
    return {kind, *entity_kinds().get(kind, {}).get("covers", [])}


def kinds_asked(plan) -> list[str]:
    """Provinces and/or agencies as the subject ('bộ, ngành, địa phương nào' asks both), else the plan's kind."""
    query = plan.part.query
    both = asked_kinds(query)
    if both:
        return both
    return [plan.part.kind] if plan.part.kind else []


class ListAnswerer:
    """Lists, complements, counts and set operations over the list records (`answer(plan, context)`)."""

    name = "sets"

    def answer(self, plan, context) -> Answer | None:
        part = plan.part
        query = part.query
        kinds = kinds_asked(plan)
        if not kinds and query.wants_count and not query.wants_list:
            return self.counted_items(plan, context)
        listy = LIST_WANTED.search(query.text.lower() if query.has_diacritics else query.folded)
        if not kinds or not (listy or part.polarity == "negative" or part.ask in ("list", "count", "set_op")):
            return None
        # "Các thành viên … có làm việc chuyên trách không?", "Trong bao lâu các hội … phải …?" ask about them, not for them
        if part.ask == "yes_no" or query.wants_when or query.wants_where or query.wants_duration:
            return None
        catalogue = context.catalogue
        weights = catalogue.weights
        candidates = [FoundList(f.chunk, f.record) for f in catalogue.lists.matching(list(subject_words(query, weights)))]
        candidates = context.in_named_document(plan, candidates)
        if part.ask != "set_op":  # a later part keeps the first part's province (share_constraints), not its text
            candidates = of_the_place(candidates, [e.name for e in part.constraints.entities if e.kind == "province"])
        if part.constraints.period is not None:  # 'tính đến ngày 26/11/2024': a list of another date does not answer
            candidates = [f for f in candidates if of_the_period(f, part.constraints.period)]
        if part.ask == "set_op":
            return self.set_operation(part, candidates, kinds[0], catalogue, weights)
        cites = CitationList()
        texts: list[str] = []
        items: list[str] = []
        as_of: str | None = None
        want_negative = part.polarity == "negative" or part.wants_rest
        within = next((e.name for e in part.constraints.entities if e.kind == "province"), None)
        for kind in kinds:
            best = self.best_list(query, candidates, kind, weights)
            if best is None:
                continue
            annotated = catalogue.by_id.get(best.chunk.annotates) if best.chunk.annotates else None
            result = set_answer(query, best, kind, cites, annotated, want_negative, within, catalogue.by_id)
            if result:
                texts.append(result[0])
                items.extend(result[1])
                as_of = as_of or best.entities.as_of or best.chunk.as_of
        if not texts:
            return None
        return Answer(answer="\n".join(texts), citations=cites.citations, items=items, grounded=True, as_of=as_of,
                      generator="sets")

    def set_operation(self, part, candidates: list[FoundList], kind: str, catalogue, weights) -> Answer | None:
        """'đã A nhưng chưa B' (difference) and 'vừa chưa A vừa chưa B' (intersection) from two lists."""
        sides = []
        for predicate, polarity in part.predicates:
            sub = Query(text=predicate, folded=predicate, has_diacritics=False)
            found = self.best_list(sub, candidates, kind, weights)
            if found is None:
                return None
            holds = (found.entities.polarity == "negative") == (polarity == "negative")
            sides.append((found, holds))
        (first, first_holds), (second, second_holds) = sides
        if first.entities.chunk_id == second.entities.chunk_id and first.entities.items == second.entities.items:
            return None  # one list read twice: no operation to compute
        universe = universe_of(first) or universe_of(second)

        def members(found: FoundList, holds: bool) -> list[str] | None:
            if holds:
                return list(found.entities.items)
            return complement(found.entities, universe) if universe else None

        a, b = members(first, first_holds), members(second, second_holds)
        same = (lambda x: x) if kind == "province" else unit_key
        if a is None or b is None:
            if first_holds and not second_holds:  # A − B needs no universe
                a, b = list(first.entities.items), None
                others = {same(x) for x in second.entities.items}
                result = [x for x in a if same(x) not in others]
            else:
                return None
        else:
            keys = {same(x) for x in b}
            result = [x for x in a if same(x) in keys]
        cites = CitationList()
        m1, m2 = (bracketed(list_markers(f, cites, catalogue.by_id)) for f in (first, second))
        label = label_of(kind)
        text = (f"Có {len(result)} {label} thỏa cả hai điều kiện: {', '.join(result) if result else '(không có)'} {m1}.\n"
                f"Tính từ hai danh sách: «{plain(first.entities.predicate)}» {m1} và «{plain(second.entities.predicate)}» {m2}"
                + (f", trong {universe_phrase(kind, universe, first.entities.as_of)}" if universe else "") + ".")
        return Answer(answer=text, citations=cites.citations, items=result, grounded=True,
                      as_of=first.entities.as_of or first.chunk.as_of, generator="sets")

    def counted_items(self, plan, context) -> Answer | None:
        """'bao nhiêu nguồn thu', with no kind of unit asked: the clauses under the heading that names them, counted
        ('Điều 17. Nguồn thu của Quỹ' / '1. …' … '6. …'), each listed, the count marked as computed — unless a
        retrieved sentence that passes the gate states the count itself."""
        query = plan.part.query
        noun = counted_phrase(query.text)
        if noun is None:
            return None
        catalogue = context.catalogue
        candidates = [FoundList(f.chunk, f.record) for f in catalogue.lists.items
                      if f.record.kind == ITEM_KIND and f.record.headings and names_the_items(noun, f.record.headings[-1])]
        candidates = context.in_named_document(plan, candidates)
        candidates = of_the_place(candidates, [e.name for e in plan.part.constraints.entities if e.kind == "province"])
        scored = [(relevance(query, f, catalogue.weights), f) for f in candidates]
        scored = [(r, f) for r, f in scored if r >= MIN_MATCH]
        if not scored:
            return None
        if states_the_count(plan.part, context.hits(plan), catalogue.weights):
            return None  # a sentence states it: the extractive answerer quotes it
        best = max(scored, key=lambda rf: rf[0])[1]
        cites = CitationList()
        items = best.entities.items
        text = (f"{source_phrase(best.chunk)}: có {len(items)} {noun} ({best.entities.headings[-1]}): "
                f"{'; '.join(items)} {bracketed(list_markers(best, cites, catalogue.by_id))} (đếm từ các mục của văn bản, "
                "không phải câu trích).")
        return Answer(answer=text, citations=cites.citations, items=list(items), grounded=True,
                      as_of=best.entities.as_of or best.chunk.as_of, generator="sets")

    @staticmethod
    def best_list(query: Query, candidates: list[FoundList], kind: str, weights: TermWeights) -> FoundList | None:
        candidates = of_the_place(candidates, provinces_in(query.text))
        scored = [(relevance(query, f, weights), f) for f in candidates if f.entities.kind in covered_kinds(kind)]
        scored = [(r, f) for r, f in scored if r >= MIN_MATCH]
        if not scored:
            return None
        # the best match; among equals, a footnote-backed list with a stated count, then the latest
        return max(
            scored,
            key=lambda rf: (round(rf[0], 2), rf[1].entities.stated_count is not None, rf[1].entities.as_of or ""),
        )[1]
