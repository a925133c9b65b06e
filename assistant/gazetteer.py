"""Who can appear in a list: Vietnam's provinces and the Government's ministries/agencies, by date.

Names in reports vary (`TP Hồ Chí Minh`, `Thừa Thiên Huế`, `Khánh Hoà`, `Bộ KH&CN`, `Ha Noi`, `Đi�n Biên`),
so every comparison goes through `normalise_name`/`fold` and the token matcher below, never raw strings.

Data: `assistant/data/provinces.json` and `agencies.json` (copies of shared/gazetteer, extended aliases).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Literal

Kind = Literal["province", "agency"]
KINDS: tuple[Kind, ...] = ("province", "agency")

DATA_DIR = Path(__file__).resolve().parent / "data"
WILDCARD = "\ufffd"  # what broken text extraction leaves where a letter was lost

MERGER_DAY = dt.date(2025, 7, 1)  # Resolution 202/2025/QH15: 63 -> 34 provincial units
MINISTRY_REFORM_DAY = dt.date(2025, 3, 1)  # Resolution 176/2025/QH15: 22 -> 17 ministries

# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng
_NAME_PREFIX_RE = re.compile(r"^(?:tỉnh|thành phố|thủ đô|t\.?p\.?)(?:\s+|(?<=\.)\s*)(?=\S)")
# Old tone placement puts the mark on the 2nd vowel of oa/oe/uy without a final consonant
# ("hoà", "khoẻ", "thuý"); we move it to the 1st ("hòa", "khỏe", "thúy"), as the gazetteer spells names.
# "qu" is a consonant, so "quý" keeps its mark.
_OLD_TONE_RE = re.compile(r"(?<!q)([ou])([àáảãạèéẻẽẹỳýỷỹỵ])(?![^\W\d_])")


def _split_tone(ch: str) -> tuple[str, str]:
    """'ắ' -> ('ă', '\u0301'); letters without a tone mark -> (ch, '')."""
    decomposed = unicodedata.normalize("NFD", ch)
    tone = "".join(c for c in decomposed if c in _TONE_MARKS)
    rest = "".join(c for c in decomposed if c not in _TONE_MARKS)
    return unicodedata.normalize("NFC", rest), tone


def _move_tone_to_first_vowel(m: re.Match[str]) -> str:
    second, tone = _split_tone(m.group(2))
    return unicodedata.normalize("NFC", m.group(1) + tone) + second


def unify_tone_placement(s: str) -> str:
    """'hoà' -> 'hòa', 'thuý' -> 'thúy' (expects lower-case NFC text; keeps the length)."""
    return _OLD_TONE_RE.sub(_move_tone_to_first_vowel, s)


@functools.lru_cache(maxsize=65536)
def normalise_token(token: str) -> str:
    """One word as the matcher compares it: NFC, lower case, one tone placement."""
    return unify_tone_placement(unicodedata.normalize("NFC", token).lower())


@functools.lru_cache(maxsize=65536)
def strip_diacritics(s: str) -> str:
    """'Điện Biên' -> 'Dien Bien' (keeps case and length of NFC text; '�' stays)."""
    out = []
    for ch in s:
        if ch in "đĐ":
            out.append("d" if ch == "đ" else "D")
            continue
        base = unicodedata.normalize("NFD", ch)[0]
        out.append(base)
    return "".join(out)


def strip_tone(ch: str) -> str:
    """'ắ' -> 'ă', 'ộ' -> 'ô': drops the tone mark, keeps the vowel's own mark."""
    return _split_tone(ch)[0]


def normalise_name(s: str) -> str:
    """Canonical comparison key of a name.

    'Tp. Hồ  Chí Minh' -> 'hồ chí minh', 'Bà Rịa - Vũng Tàu' -> 'bà rịa-vũng tàu', 'Khánh Hoà' -> 'khánh hòa'.
    """
    s = unify_tone_placement(unicodedata.normalize("NFC", s).lower())
    s = re.sub(r"\s*[-–—]\s*", "-", s)
    s = re.sub(r"\s+", " ", s).strip(" .,;:")
    return _NAME_PREFIX_RE.sub("", s, count=1)


def fold(s: str) -> str:
    """Diacritic-free key for unaccented input: 'Thành phố Đà Nẵng' -> 'da nang'."""
    return strip_diacritics(normalise_name(s))


# --------------------------------------------------------------------------------------------
# Tokens: what the matcher walks over
# --------------------------------------------------------------------------------------------

# Word characters: Latin letters (all of Vietnamese), ASCII digits, NFD combining marks and '�'; not the
# superscript digits of footnote markers ('Đà Nẵng¹'), which end a word. '&' is a token of its own
# ("KH&CN" = kh & cn). An explicit class is also faster than \w on a 60 KB report.
_WORD_CHARS = r"[0-9A-Za-z_\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff\u0300-\u036f\ufffd]"
TOKEN_RE = re.compile(rf"{_WORD_CHARS}+|&")
# What may stand between two words of one name: spaces/line breaks, one hyphen or dot ("TP.HCM", "BR-VT");
# a comma only where the alias itself has one.
_NAME_GAP_RE = re.compile(r"\s*(?:[-–—.]\s*)?")
_NAME_COMMA_GAP_RE = re.compile(r"\s*,\s*")


# The same words as TOKEN_RE, as a split pattern: re.split builds no Match objects, which matters on 60 KB.
_WORD_SPLIT_RE = re.compile(rf"({_WORD_CHARS}+|&)")


@functools.lru_cache(maxsize=65536)
def _index_key(surface: str) -> str:
    return strip_diacritics(normalise_token(surface))


class TokenStream:
    """The words of a text with offsets and index keys; the normalised (accented) form is computed
    only for the few words the trie walk looks at."""

    def __init__(self, text: str):
        self.text = text
        parts = _WORD_SPLIT_RE.split(text)  # separator, word, separator, word, ..., separator
        offsets = list(itertools.accumulate(map(len, parts), initial=0))  # offsets[k]: where parts[k] starts
        self.keys: list[str] = list(map(_index_key, parts[1::2]))
        self.starts: list[int] = offsets[1::2][: len(self.keys)]
        self.ends: list[int] = offsets[2::2][: len(self.keys)]
        self._norms: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.starts)

    def norm(self, j: int) -> str:
        norm = self._norms.get(j)
        if norm is None:
            norm = self._norms[j] = normalise_token(self.text[self.starts[j] : self.ends[j]])
        return norm

    def gap(self, j: int) -> tuple[int, int]:
        """Offsets of the text between word j-1 and word j."""
        return self.ends[j - 1], self.starts[j]


def _alias_tokens(alias: str) -> list[str]:
    return [token for token, _ in _alias_parts(alias)]


def _alias_parts(alias: str) -> list[tuple[str, bool]]:
    """Normalised words of an alias, each with whether a comma precedes it."""
    alias = unicodedata.normalize("NFC", alias)
    parts, previous_end = [], 0
    for m in TOKEN_RE.finditer(alias):
        parts.append((normalise_token(m.group()), "," in alias[previous_end : m.start()]))
        previous_end = m.end()
    return parts


@functools.lru_cache(maxsize=4096)
def _accepted_surface_chars(pattern_char: str) -> frozenset[str]:
    """A surface letter may carry the pattern's marks, lose the tone, lose all marks, or be '�'."""
    return frozenset({pattern_char, strip_tone(pattern_char), strip_diacritics(pattern_char), WILDCARD})


def token_compatible(surface: str, pattern: str) -> bool:
    """'dien'/'điện', 'đi�n'/'điện', 'đăk'/'đắk' are compatible; 'năm'/'nam', 'lại'/'lai' are not."""
    if surface == pattern:
        return True
    if len(surface) != len(pattern):
        return False
    return all(s in _accepted_surface_chars(p) for s, p in zip(surface, pattern))


def _wildcard_equal(key: str, surface_key: str) -> bool:
    return len(key) == len(surface_key) and all(s in (k, WILDCARD) for s, k in zip(surface_key, key))


# --------------------------------------------------------------------------------------------
# Entities and the alias trie
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entity:
    name: str
    kind: Kind
    group: str = ""  # province: "city"/"province"; agency: "ministry"/"government_agency"
    aliases: tuple[str, ...] = ()
    valid_from: dt.date | None = None  # None: already in force before the data's horizon
    valid_to: dt.date | None = None  # None: still in force

    def in_force_on(self, day: dt.date | str) -> bool:
        day = as_date(day)
        return (self.valid_from is None or day >= self.valid_from) and (self.valid_to is None or day <= self.valid_to)


@dataclass
class _TrieNode:
    # fold key -> [(normalised pattern token, child)]: several accented spellings may share one key
    children: dict[str, list[tuple[str, "_TrieNode"]]] = field(default_factory=lambda: defaultdict(list))
    entity: Entity | None = None
    comma_before: bool = False  # some alias has a comma before this word ('Bộ Văn hóa, Thể thao và Du lịch')
    _wildcard_cache: dict[str, list[tuple[str, "_TrieNode"]]] = field(default_factory=dict)

    def child(self, token: str, comma_before: bool) -> "_TrieNode":
        key = strip_diacritics(token)
        for pattern, node in self.children[key]:
            if pattern == token:
                node.comma_before |= comma_before
                return node
        node = _TrieNode(comma_before=comma_before)
        self.children[key].append((token, node))
        return node

    def candidates(self, surface_key: str) -> list[tuple[str, "_TrieNode"]]:
        if WILDCARD not in surface_key:
            return self.children.get(surface_key, [])
        cached = self._wildcard_cache.get(surface_key)
        if cached is None:
            cached = [e for key, entries in self.children.items() if _wildcard_equal(key, surface_key) for e in entries]
            self._wildcard_cache[surface_key] = cached
        return cached


@dataclass(frozen=True)
class RawMatch:
    start: int
    end: int
    entity: Entity


class Gazetteer:
    """Provinces and agencies with their validity dates, aliases, successions, and a fast matcher."""

    def __init__(self, provinces: dict, agencies: dict):
        self._entities: dict[str, Entity] = {}
        self._by_key: dict[str, Entity] = {}
        self._by_fold: dict[str, list[Entity]] = defaultdict(list)
        self._not_after: dict[str, list[list[str]]] = {}
        self._prefixes: list[list[str]] = []
        self._trie = _TrieNode()
        self._load_provinces(provinces)
        self._load_agencies(agencies)
        self._index()

    # ---- loading ---------------------------------------------------------------------------

    @classmethod
    def load(cls, data_dir: str | Path | None = None) -> "Gazetteer":
        """The gazetteer built from `assistant/data/` (or `data_dir`), built once per folder."""
        return _load_cached(str(Path(data_dir) if data_dir else DATA_DIR))

    def _load_provinces(self, data: dict) -> None:
        before, after = data["until_2025_06_30"], data["from_2025_07_01"]
        self._provinces_before: list[str] = list(before["units"])
        self._provinces_after: list[str] = list(after["units"])
        self._province_formed_from: dict[str, list[str]] = after.get("formed_from", {})
        cities = set(before.get("cities", [])) | set(after.get("cities", []))
        last_day_before = dt.date.fromisoformat(before["valid_to"])
        for name in dict.fromkeys(self._provinces_before + self._provinces_after):
            self._add(Entity(
                name=name, kind="province", group="city" if name in cities else "province",
                aliases=tuple(data.get("aliases", {}).get(name, [])),
                valid_from=None if name in self._provinces_before else MERGER_DAY,
                valid_to=None if name in self._provinces_after else last_day_before,
            ))
        prefixes = [_alias_tokens(p) for p in data.get("name_prefixes", [])]
        self._prefixes = sorted(prefixes, key=len, reverse=True)  # 'thành phố' before 'tp'

        for name, phrases in data.get("not_after", {}).items():
            if not name.startswith("_"):
                self._not_after[name] = [_alias_tokens(p) for p in phrases]

    def _load_agencies(self, data: dict) -> None:
        after = data["from_2025_03_01"]
        self._agencies_before: list[str] = list(data["until_2025_02_28"])
        self._agencies_after: list[str] = list(after["ministries_and_ministry_level"])
        self._government_agencies: list[str] = list(after.get("government_agencies", []))
        self._agency_merged_into: dict[str, list[str]] = after.get("merged_into", {})
        aliases = data.get("aliases", {})
        for name in dict.fromkeys(self._agencies_before + self._agencies_after):
            self._add(Entity(
                name=name, kind="agency", group="ministry", aliases=tuple(aliases.get(name, [])),
                valid_from=None if name in self._agencies_before else MINISTRY_REFORM_DAY,
                valid_to=None if name in self._agencies_after else MINISTRY_REFORM_DAY - dt.timedelta(days=1),
            ))
        for name in self._government_agencies:
            self._add(Entity(name=name, kind="agency", group="government_agency", aliases=tuple(aliases.get(name, []))))

    def _add(self, entity: Entity) -> None:
        if entity.name in self._entities:
            raise ValueError(f"duplicate gazetteer name: {entity.name}")
        self._entities[entity.name] = entity

    def _index(self) -> None:
        for entity in self._entities.values():
            for alias in (entity.name, *entity.aliases):
                key = normalise_name(alias)
                owner = self._by_key.setdefault(key, entity)
                if owner is not entity:
                    raise ValueError(f"alias {alias!r} names both {owner.name} and {entity.name}")
                folded = strip_diacritics(key)
                if entity not in self._by_fold[folded]:
                    self._by_fold[folded].append(entity)
                self._insert(_alias_parts(key), entity)

    def _insert(self, parts: list[tuple[str, bool]], entity: Entity) -> None:
        tokens = [token for token, _ in parts]
        node = self._trie
        for token, comma_before in parts:
            node = node.child(token, comma_before)
        if node.entity is not None and node.entity is not entity:
            raise ValueError(f"alias tokens {tokens} name both {node.entity.name} and {entity.name}")
        node.entity = entity

    # ---- universes by date -----------------------------------------------------------------

    @property
    def entities(self) -> list[Entity]:
        return list(self._entities.values())

    def entity(self, name: str) -> Entity:
        return self._entities[name]

    def provinces_on(self, day: dt.date | str) -> list[str]:
        """63 units until 30/6/2025 (Huế named 'Huế' throughout), 34 from 1/7/2025."""
        return list(self._provinces_before if as_date(day) < MERGER_DAY else self._provinces_after)

    def agencies_on(self, day: dt.date | str, include_government_agencies: bool = False) -> list[str]:
        """22 ministries/ministry-level agencies until 28/2/2025, 17 from 1/3/2025.

        Reports after March 2025 still count '22 bộ, ngành': the 17 plus the 5 agencies under the
        Government, which `include_government_agencies=True` adds (for earlier dates too: 22 + 5).
        """
        ministries = self._agencies_before if as_date(day) < MINISTRY_REFORM_DAY else self._agencies_after
        return list(ministries) + (list(self._government_agencies) if include_government_agencies else [])

    def universe(self, kind: Kind, day: dt.date | str, include_government_agencies: bool = False) -> list[str]:
        if kind == "province":
            return self.provinces_on(day)
        return self.agencies_on(day, include_government_agencies)

    # ---- successions -----------------------------------------------------------------------

    def successor(self, name: str) -> str:
        """The unit that took over `name` after the 2025 mergers ('Bắc Giang' -> 'Bắc Ninh',
        'Bộ Thông tin và Truyền thông' -> 'Bộ Khoa học và Công nghệ'); a continuing unit is its own successor."""
        entity = self._require(name)
        mapping = self._province_formed_from if entity.kind == "province" else self._agency_merged_into
        for new_name, olds in mapping.items():
            if entity.name in olds:
                return new_name
        return entity.name

    def predecessors(self, name: str) -> list[str]:
        """The units that formed `name` ('Bắc Ninh' -> ['Bắc Ninh', 'Bắc Giang']); itself first if it existed before."""
        entity = self._require(name)
        if entity.kind == "province":
            return list(self._province_formed_from.get(entity.name, [entity.name]))
        olds = self._agency_merged_into.get(entity.name, [])
        existed_before = entity.name in self._agencies_before or entity.group == "government_agency"
        return ([entity.name] if existed_before else []) + [o for o in olds if o != entity.name]

    def _require(self, name: str) -> Entity:
        entity = self.match(name)
        if entity is None:
            raise KeyError(f"not in the gazetteer: {name!r}")
        return entity

    # ---- matching --------------------------------------------------------------------------

    def canonical(self, name: str, kind: Kind | None = None) -> str | None:
        entity = self.match(name, kind)
        return entity.name if entity else None

    def match(self, text_fragment: str, kind: Kind | None = None) -> Entity | None:
        """The entity a whole fragment names ('TP. HCM', 'Thừa Thiên Huế', 'Bo KH&CN', 'Ngh� An'), else None."""
        key = normalise_name(text_fragment)
        entity = self._by_key.get(key)
        if entity is None and strip_diacritics(key) == key:  # typed without diacritics: 'Ha Noi'
            folded = self._by_fold.get(key, [])
            entity = folded[0] if len(folded) == 1 else None
        if entity is None:
            entity = self._match_whole_fragment(text_fragment)
        if entity is not None and kind is not None and entity.kind != kind:
            return None
        return entity

    def fuzzy_match(self, fragment: str, kinds: Iterable[Kind] = KINDS) -> Entity | None:
        """Typo-tolerant lookup for a fragment already known to be a list item ('Đà Nẵn' -> Đà Nẵng).

        One edit allowed for names up to 11 letters, two beyond; the best entity must be unique.
        Too loose for running text: only call it on fragments between list separators.
        """
        target = strip_diacritics(normalise_name(fragment)).replace("-", " ")
        if len(target) < 5:
            return None
        wanted = set(kinds)
        best: dict[str, int] = {}
        for key, entity in self._fuzzy_keys:
            if entity.kind not in wanted:
                continue
            limit = 1 if len(key) <= 11 else 2
            distance = _edit_distance(target, key, limit)
            if distance <= limit and distance < best.get(entity.name, limit + 1):
                best[entity.name] = distance
        if not best:
            return None
        lowest = min(best.values())
        winners = [name for name, d in best.items() if d == lowest]
        return self._entities[winners[0]] if len(winners) == 1 else None

    @functools.cached_property
    def _fuzzy_keys(self) -> list[tuple[str, Entity]]:
        return [(strip_diacritics(key).replace("-", " "), entity) for key, entity in self._by_key.items()]

    def _match_whole_fragment(self, fragment: str) -> Entity | None:
        stripped = fragment.strip(" \t\r\n.,;:")
        matches = self.scan(stripped, require_capital=False)
        if len(matches) == 1 and matches[0].end == len(stripped) and not stripped[: matches[0].start].strip():
            return matches[0].entity
        return None

    def scan(self, text: str, kinds: Iterable[Kind] = KINDS, *, require_capital: bool = True) -> list[RawMatch]:
        """Every mention in `text`, left to right, longest alias first, spans including a 'TP'/'tỉnh' prefix.

        `require_capital`: a mention must contain an upper-case letter, as names in reports do; this keeps
        common words ('hòa bình' = peace) out. Turn it off for lower-case user questions.
        """
        wanted = set(kinds)
        tokens = TokenStream(text)
        first_words, keys, n = self._trie.children, tokens.keys, len(tokens)
        matches: list[RawMatch] = []
        i = 0
        while i < n:
            if keys[i] not in first_words and WILDCARD not in keys[i]:
                i += 1
                continue
            found = self._longest_at(tokens, i)
            if found is None:
                i += 1
                continue
            entity, last = found
            start, end = tokens.starts[i], tokens.ends[last]
            if require_capital and not any(c.isupper() for c in text[start:end]):
                i += 1
                continue
            if entity.kind == "province":
                prefix_words, prefix_start = self._prefix_at(tokens, i)
                if self._blocked_by_context(tokens, i - prefix_words, entity):
                    i += 1
                    continue
                start = prefix_start if prefix_words else start
            if entity.kind in wanted:
                matches.append(RawMatch(start, end, entity))
            i = last + 1
        return matches

    def _longest_at(self, tokens: TokenStream, i: int) -> tuple[Entity, int] | None:
        """Depth-first walk of the alias trie from word i; returns (entity, index of its last word)."""
        text = tokens.text
        best: tuple[Entity, int] | None = None
        stack: list[tuple[_TrieNode, int]] = [(self._trie, i)]
        while stack:
            node, j = stack.pop()
            if j >= len(tokens):
                continue
            plain_gap = True
            if j > i:
                plain_gap = _NAME_GAP_RE.fullmatch(text, *tokens.gap(j)) is not None
                if not plain_gap and not _NAME_COMMA_GAP_RE.fullmatch(text, *tokens.gap(j)):
                    continue
            for pattern, child in node.candidates(tokens.keys[j]):
                if not (plain_gap or child.comma_before) or not token_compatible(tokens.norm(j), pattern):
                    continue
                if child.entity is not None and (best is None or j > best[1]):
                    best = (child.entity, j)
                if child.children:
                    stack.append((child, j + 1))
        return best

    def _words_match(self, tokens: TokenStream, first: int, phrase: list[str]) -> bool:
        """Words first.. of `tokens` spell `phrase`, joined by name gaps."""
        last = first + len(phrase) - 1
        if first < 0 or last >= len(tokens):
            return False
        return all(token_compatible(tokens.norm(first + k), p) for k, p in enumerate(phrase)) and all(
            _NAME_GAP_RE.fullmatch(tokens.text, *tokens.gap(j)) for j in range(first + 1, last + 1)
        )

    def _prefix_at(self, tokens: TokenStream, i: int) -> tuple[int, int]:
        """(number of words, start offset) of a 'tỉnh'/'thành phố'/'TP' written just before word i; (0, -1) if none."""
        for prefix in self._prefixes:
            first = i - len(prefix)
            if self._words_match(tokens, first, prefix) and _NAME_GAP_RE.fullmatch(tokens.text, *tokens.gap(i)):
                return len(prefix), tokens.starts[first]
        return 0, -1

    def _blocked_by_context(self, tokens: TokenStream, i: int, entity: Entity) -> bool:
        """The words before word i say it is no province: 'Chủ tịch Hồ Chí Minh', 'Đại học Quốc gia TP HCM'."""
        phrases = self._not_after.get(entity.name, [])
        return any(self._words_match(tokens, i - len(phrase), phrase) for phrase in phrases)


@functools.lru_cache(maxsize=8)
def _load_cached(data_dir: str) -> Gazetteer:
    folder = Path(data_dir)
    provinces = json.loads((folder / "provinces.json").read_text(encoding="utf-8"))
    agencies = json.loads((folder / "agencies.json").read_text(encoding="utf-8"))
    return Gazetteer(provinces, agencies)


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance ('�' in `a` matches any letter), or limit + 1 once it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            same = ca == cb or ca == WILDCARD
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (0 if same else 1)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def as_date(day: dt.date | str) -> dt.date:
    if isinstance(day, dt.date):
        return day
    parts = day.split("-")  # reports date figures by month ("2025-08") as often as by day
    return dt.date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 12, int(parts[2]) if len(parts) > 2 else 1)
