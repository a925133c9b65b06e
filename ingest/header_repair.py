"""OCR errors undone inside the header block's fields, and nowhere else.

A scanned header reads `Sé: 44Z /Qb-BTP`, `CÔNG AN TÍNH LÂM ĐÔNG`, `UBND TỈNHLÂMĐỎNG`, `QUÓC H ộĩ`, and
picks up the signature or copy stamp printed over it. Each field has a form the administrative format
fixes (a label, digits, a symbol made of known codes, a body named by a known name), so a misreading
can be undone by that form: digit look-alikes inside the number and the date, symbol codes one
confusable letter away, bodies and places matched by edit distance against the gazetteer. Running text
is never touched here: there a look-alike is as likely to be a real letter. The vocabulary is data
(`data/header_ocr.json`).
"""

from __future__ import annotations

import functools
import re

from baocao.ingest.cleanup import is_signature_stamp
from baocao.ingest.datapack import configured_packs, load_pack
from baocao.ingest.gazetteer import Gazetteer, edit_distance
from baocao.ingest.structure import document_format, is_upper_text, starts_with_any
from baocao.ingest.vietnamese import fold, is_vietnamese_syllable


@functools.lru_cache(maxsize=8)
def _vocabulary(packs: str) -> dict:
    return load_pack("header_ocr", packs=packs)


def vocabulary() -> dict:
    return _vocabulary(configured_packs())


def _compact(text: str) -> str:
    return "".join(ch for ch in fold(text).upper() if ch.isalnum())


# --- the number label and the stamps ---------------------------------------------------------------


def _label_pattern() -> re.Pattern:
    labels = "|".join(sorted(map(re.escape, vocabulary()["number_labels"]), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?P<law>Luật\s+)?(?:{labels})\s*:", re.IGNORECASE)


def repair_label(line: str) -> str:
    """`Sé: 44Z`, `Luật sổ: 73/2021/QH14` -> `Số: …`, `Luật số: …` (the only colon-labelled two-letter word of
    a header); `V⁄ Hướng dẫn …` -> `V/v Hướng dẫn …` at the start of a line."""
    line = _label_pattern().sub(lambda m: f"{'Luật s' if m.group('law') else 'S'}ố:", line)
    summary = starts_with_any(line, vocabulary()["summary_labels"])
    return f"V/v{line[len(summary):]}" if summary and line.startswith(summary) else line


def is_stamp_line(line: str) -> bool:
    """A signature stamp (`Ký bởi: …`, `đề, Cơ quan phát hành: …`) or a copy stamp (`SAO Y; …`) over the header."""
    if is_signature_stamp(line):
        return True
    if starts_with_any(line, vocabulary()["copy_stamps"]) and ";" in line:
        return True
    label = re.split(r"[,;]", line.split(":", 1)[0])[-1] if ":" in line else ""
    labels = document_format()["signature_stamp_labels"] + vocabulary()["stamp_labels"]
    return bool(label) and any(_compact(label) == _compact(known) for known in labels)


# --- digits, the number and the date ---------------------------------------------------------------


def read_digits(field: str) -> str | None:
    """The digits a typed field means (`2O25` -> `2025`), or None when OCR left more than the odd
    look-alike: a handwritten number reads as letters (`44Z` for 1178), and a guess would be a wrong number."""
    lookalikes = vocabulary()["digit_lookalikes"]
    chars = field.replace(" ", "")
    if not chars or not all(ch.isdigit() or ch in lookalikes for ch in chars):
        return None
    misread = sum(not ch.isdigit() for ch in chars)
    if misread * 3 >= len(chars):
        return None
    return "".join(ch if ch.isdigit() else lookalikes[ch] for ch in chars)


_NUMBER_FIELD = re.compile(
    r"^(?P<label>(?:Luật\s+)?Số\s*[:.]\s*)(?P<n>[^/\s](?:[^/]{0,8}?[^/\s])?)?\s*/\s*(?P<sym>[^\s,;]+)(?P<rest>.*)$")


def repair_number(segment: str) -> str:
    """`Số: 44Z /Qb-BTP` -> `Số: /QĐ-BTP` (digits unreadable: left blank, as a draft leaves them),
    `Số: 1O5/TTr- SNV` -> `Số: 105/TTr-SNV`."""
    m = _NUMBER_FIELD.match(re.sub(r"(/[^\s/;,]*?)\s*-\s+(?=[A-ZĐ])", r"\1-", segment))  # `/TIr- CAT`, `/TTr - SNV`
    if not m:
        return segment
    n = m.group("n") or ""
    blank = all(ch in vocabulary()["number_blanks"] or ch.isspace() for ch in n)
    digits = n if blank or re.fullmatch(r"[\d\s.-]+", n) else (read_digits(n) or "")
    symbol = "/".join(_repair_symbol(part) for part in m.group("sym").split("/"))
    return f"{m.group('label')}{digits}/{symbol}{m.group('rest')}"


def _repair_symbol(symbol: str) -> str:
    """`Qb-BTP` -> `QĐ-BTP`, `TIr-CAT` -> `TTr-CAT`: a part one confusable letter from a kind's code is that code."""
    codes = set(document_format()["symbol_kinds"])
    letters = vocabulary()["symbol_letters"]
    if len(symbol) == 4 and read_digits(symbol):  # the year of `105/2O21/NĐ-CP`
        return read_digits(symbol)
    out = []
    for part in symbol.split("-"):
        candidates = {part[:i] + letters[ch] + part[i + 1:] for i, ch in enumerate(part) if ch in letters}
        known = sorted(candidates & codes) if part not in codes else []
        out.append(known[0] if len(known) == 1 else part)
    return "-".join(out)


_DATE_FIELDS = re.compile(r"ngày(?P<d>[^\n]{0,8}?)tháng(?P<m>[^\n]{0,8}?)năm\s*(?P<y>\S{4})(?!\S)", re.IGNORECASE)


def repair_date(segment: str) -> str:
    """`ngày cŠ Ÿ tháng _ năm 2023` -> `ngày … tháng … năm 2023`: a day or month OCR cannot read is a blank
    (the date keeps the precision it has); the year's look-alikes are digits (`năm 2O25`)."""
    def field(text: str) -> str:
        core = text.strip(" ._…-")
        return f" {core} " if core.isdigit() and len(core) <= 2 else " … "

    def repair(m: re.Match) -> str:
        year = read_digits(m.group("y")) or m.group("y")
        return f"ngày{field(m.group('d'))}tháng{field(m.group('m'))}năm {year}"

    return _DATE_FIELDS.sub(repair, segment)


# --- bodies and places ---------------------------------------------------------------------------


@functools.cache
def _motto_words() -> tuple[str, ...]:
    return tuple(w for m in document_format()["motto"][:2] for w in _compact_words(m))


def _compact_words(text: str) -> list[str]:
    return [w for w in (_compact(w) for w in text.split()) if w]


def is_motto_fragment(segment: str) -> bool:
    """`LÙ NGHĨA VIỆT NAM`, `đơ - Hạnh phúc`: what a stamp over the motto leaves of it, a run of its words
    (the first one may be cut)."""
    words = _compact_words(segment)
    motto = " ".join(_motto_words())
    for tail in (words, words[1:]):
        if len(tail) >= 2 and f" {' '.join(tail)} " in f" {motto} ":
            return True
    return False


@functools.cache
def _gazetteer() -> Gazetteer:
    return Gazetteer.load()


def repair_body(segment: str) -> str:
    """An issuing body as the header names it: a known name OCR misread (`BỘ CÔNGAN`, `QUÓC H ộĩ`,
    `SỞ NÔNG NGHIỆP VÀ MÔITRƯỜNG`), a known name with the motto's tail read into it (`… CÔNG NGHỆ VIỆT NAM`),
    an acronym with a stray letter (`SUBND`), a territory word and its place (`TÍNH LÂM ĐÔNG`, `TỈNHLÂMĐỎNG`)."""
    if any(ch.isdigit() for ch in segment) or len(segment.split()) > 12 or not is_upper_text(segment, 0.6):
        return segment
    known = _known_body(segment)
    if known:
        return known
    words = _repair_acronym(segment.split())
    return " ".join(_repair_places(_unglue_territories(words)))


def _known_body(segment: str) -> str | None:
    words = segment.split()
    motto = set(_motto_words())
    for k in range(len(words), 1, -1):
        rest = _compact_words(" ".join(words[k:]))
        if rest and not set(rest) <= motto:
            continue
        name = _known_name(" ".join(words[:k]))
        if name:
            return name
    return None


def _known_name(text: str) -> str | None:
    """The national body, ministry or department `text` names, upper-case, if OCR left it within reach."""
    key = _compact(text)
    if len(key) < 5:
        return None
    for body in vocabulary()["national_bodies"]:
        if edit_distance(key, _compact(body), 1) <= 1:
            return body
    entity = _gazetteer().fuzzy_match(text, kinds=("agency", "department"))
    return entity.name.upper() if entity is not None else None


def _repair_acronym(words: list[str]) -> list[str]:
    if not words or is_vietnamese_syllable(words[0]) or words[0] in vocabulary()["body_acronyms"]:
        return words
    for acronym in vocabulary()["body_acronyms"]:
        if len(words[0]) >= 4 and edit_distance(_compact(words[0]), _compact(acronym), 1) <= 1:
            return [acronym] + words[1:]
    return words


def _territories() -> list[str]:
    return sorted(document_format()["territories"], key=len, reverse=True)


def _unglue_territories(words: list[str]) -> list[str]:
    """`TỈNHLÂMĐỎNG` -> `TỈNH LÂMĐỎNG` (the place is matched next)."""
    out: list[str] = []
    for word in words:
        glued = next((t for t in _territories() if " " not in t and word.startswith(t) and len(word) > len(t) + 2), None)
        out.extend([glued, word[len(glued):]] if glued else [word])
    return out


def _repair_places(words: list[str]) -> list[str]:
    """A word that folds to a territory word (`TÍNH`), followed by words that fuzzily name a province or
    commune (`LÂM ĐÔNG`): both as written correctly. Only after a territory word: `ĐÔNG` alone is a word."""
    territories = {_compact(t): t for t in _territories() if " " not in t}
    out = list(words)
    for k, word in enumerate(words[:-1]):
        territory = territories.get(_compact(word))
        if territory is None:
            continue
        for span in (3, 2, 1):
            place = " ".join(words[k + 1:k + 1 + span])
            if len(words) - k - 1 < span:
                continue
            entity = _gazetteer().match(place) or _gazetteer().fuzzy_match(place, kinds=("province", "commune"))
            if entity is not None:
                out[k] = territory
                out[k + 1:k + 1 + span] = [entity.name.upper()] + [""] * (span - 1)
                break
    return [w for w in out if w]


def repair_place(place: str) -> str:
    """`Lâm Đông` -> `Lâm Đồng` in the place-and-date line."""
    entity = _gazetteer().match(place) or _gazetteer().fuzzy_match(place, kinds=("province",))
    return entity.name if entity is not None else place


_DATE_STUB = re.compile(r",\s*ng[^\W\d_]{0,2}$")


def without_date_stub(summary: str) -> str:
    """`V/v Hướng dẫn việc số hoá hồ sơ, tài Hà Nội, ngà` -> `V/v Hướng dẫn việc số hoá hồ sơ, tài`: the
    right column's place and date, cut off by the scan, read into the summary's line."""
    m = _DATE_STUB.search(summary)
    if not m:
        return summary
    words = summary[:m.start()].split()
    for span in (1, 2, 3):
        if len(words) > span and _gazetteer().match(" ".join(words[-span:]), kind="province"):
            return " ".join(words[:-span])
    return summary


def repair_segment(segment: str) -> str:
    """One header field with OCR's misreadings undone, as far as its form allows."""
    if segment.startswith("V/v"):
        return without_date_stub(segment)
    if re.match(r"(?:Luật\s+)?Số\s*[:.]", segment):
        return repair_number(segment)
    if re.search(r"ngày", segment, re.IGNORECASE):
        return repair_date(segment)
    return repair_body(segment)
