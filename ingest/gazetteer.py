"""Who can appear in a list: provinces, communes and wards, ministries, departments, by date.

Provinces (63 until 30/6/2025, 34 from 1/7/2025), their merger and the wards and communes in force
from 1/7/2025 come from a maintained source, underthesea's `address/` data (built from
vietnamadminunits); ministries and departments, which no package lists, from `ingest/data/`; the dates
of the reforms from the administrative calendar (`ingest/data/calendar.json`). Aliases and typos seen
in reports sit in small data files on top. Names in reports vary (`TP Hồ Chí Minh`, `Thừa Thiên Huế`,
`Khánh Hoà`, `Bộ KH&CN`, `Ha Noi`, `Đi�n Biên`), so every comparison goes through `normalise_name` /
`name_key` and the token matcher below, never raw strings.
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
import importlib.util
from pathlib import Path
from typing import Iterable

from baocao.ingest.datapack import configured_packs, load_pack
from baocao.ingest.text import (
    name_key,
    normalise_name,
    normalise_token,
    strip_diacritics,
    strip_tone,
    unify_tone_placement,  # noqa: F401  (re-exported)
)

Kind = str  # "province" | "agency" | "commune" | "department" (entity_kinds.json names more)
KINDS: tuple[Kind, ...] = ("province", "agency", "commune", "department")
LIST_KINDS: tuple[Kind, ...] = ("province", "agency")  # kinds whose bare names make lists in running text

DATA_DIR = Path(__file__).resolve().parent / "data"
WILDCARD = "\ufffd"  # what broken text extraction leaves where a letter was lost
fold = name_key  # the name key of text typed without diacritics ('Thành phố Đà Nẵng' -> 'da nang')


def reform_day(kind: Kind) -> dt.date:
    """When the units of `kind` last changed, from the administrative calendar."""
    for reform in load_pack("calendar").get("reforms", []):
        if reform.get("kind") == kind:
            return dt.date.fromisoformat(reform["effective"])
    raise KeyError(f"no reform of {kind!r} in the administrative calendar")


MERGER_DAY = reform_day("province")  # Resolution 202/2025/QH15: 63 -> 34 provincial units
MINISTRY_REFORM_DAY = reform_day("agency")  # Resolution 176/2025/QH15: 22 -> 17 ministries

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
    """Provinces, communes/wards, agencies and departments with validity dates, aliases, successions
    and a fast matcher."""

    def __init__(self, provinces: dict, agencies: dict, communes: dict | None = None, departments: dict | None = None):
        self._entities: dict[str, Entity] = {}
        self._by_key: dict[str, Entity] = {}
        self._by_fold: dict[str, list[Entity]] = defaultdict(list)
        self._not_after: dict[str, list[list[str]]] = {}
        self._prefixes: list[list[str]] = []
        self._trie = _TrieNode()
        self._load_provinces(provinces)
        self._load_agencies(agencies)
        self._communes_of: dict[str, list[str]] = {}
        self._load_communes(communes or {})
        self._departments: dict[str, list[str]] = {}
        self._load_departments(departments or {})
        self._index()

    # ---- loading ---------------------------------------------------------------------------

    @classmethod
    def load(cls, data_dir: str | Path | None = None) -> "Gazetteer":
        """The gazetteer from the maintained address data plus `ingest/data/` (or `data_dir`) and the
        deployment's data packs; built once per folder and packs."""
        return _load_cached(str(Path(data_dir) if data_dir else DATA_DIR), configured_packs())

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

    def _load_communes(self, data: dict) -> None:
        """Wards, communes and special zones in force from 1/7/2025, by province. One entity per name
        ('Xã Tân Phú' exists in several provinces): which province's universe it is in is kept apart."""
        valid_from = reform_day("commune")
        for province, names in data.get("by_province", {}).items():
            self._communes_of[province] = list(dict.fromkeys(names))
            for name in names:
                if name not in self._entities:
                    self._entities[name] = Entity(name=name, kind="commune", group=province, valid_from=valid_from)

    def _load_departments(self, data: dict) -> None:
        day = reform_day("department")
        before, after = data.get("until_2025_02_28", []), data.get("from_2025_03_01", [])
        self._departments = {"before": list(before), "after": list(data.get("standard_from_2025_03_01", after))}
        aliases = data.get("aliases", {})
        for name in dict.fromkeys(before + after):
            if name in self._entities:
                continue
            self._add(Entity(
                name=name, kind="department", group="department", aliases=tuple(aliases.get(name, [])),
                valid_from=None if name in before else day,
                valid_to=None if name in after else day - dt.timedelta(days=1),
            ))

    def _add(self, entity: Entity) -> None:
        if entity.name in self._entities:
            raise ValueError(f"duplicate gazetteer name: {entity.name}")
        self._entities[entity.name] = entity

    def _index(self) -> None:
        for entity in self._entities.values():
            for alias in (entity.name, *entity.aliases):
                key = normalise_name(alias)
                owner = self._by_key.setdefault(key, entity)
                if owner is not entity and "commune" in (owner.kind, entity.kind):
                    continue  # a ward named like another unit: the other unit keeps the name
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
            if "commune" in (node.entity.kind, entity.kind):
                return
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

    def communes_of(self, province: str) -> list[str]:
        """The wards, communes and special zones of a province (as in force from 1/7/2025)."""
        entity = self.match(province, "province")
        if entity is None:
            return []
        name = entity.name if entity.name in self._communes_of else self.successor(entity.name)
        return list(self._communes_of.get(name, []))

    def departments_on(self, day: dt.date | str) -> list[str]:
        """The standard departments (sở) of a provincial People's Committee on `day`."""
        return list(self._departments["before" if as_date(day) < reform_day("department") else "after"])

    def universe(self, kind: Kind, day: dt.date | str, include_government_agencies: bool = False,
                 within: str | None = None) -> list[str]:
        """Every unit of `kind` in force on `day`; communes need the province they are `within`."""
        if kind == "province":
            return self.provinces_on(day)
        if kind == "agency":
            return self.agencies_on(day, include_government_agencies)
        if kind == "commune":
            return self.communes_of(within) if within and as_date(day) >= reform_day("commune") else []
        if kind == "department":
            return self.departments_on(day)
        return []

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
            distance = edit_distance(target, key, limit)
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


ADDRESS_DATA = ("underthesea", "address/data/mapping.json")


@functools.lru_cache(maxsize=1)
def address_data() -> dict:
    """underthesea's maintained address data: old and new provinces, their mapping, wards from 1/7/2025.
    Found through the package's location, without importing underthesea (whose import loads models)."""
    package, path = ADDRESS_DATA
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the gazetteer needs the {package} package (its address data): pip install {package}")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return json.loads((folder / path).read_text(encoding="utf-8"))


def _short(name: str, canonical: dict[str, str]) -> str:
    name = " ".join(name.split())
    return canonical.get(name, name)


def provinces_from_address_data(address: dict, extra: dict) -> dict:
    """The province tables the gazetteer loads, built from the address data plus aliases and typos."""
    canonical = extra.get("canonical", {})
    old = {key: _short(v["short"], canonical) for key, v in address["old_province_names"].items()}
    new = {key: _short(v["short"], canonical) for key, v in address["province_names"].items()}
    cities_old = [old[k] for k, v in address["old_province_names"].items() if v["name"].startswith("Thành phố")]
    cities_new = [new[k] for k, v in address["province_names"].items() if v["name"].startswith("Thành phố")]
    formed_from: dict[str, list[str]] = {name: [] for name in new.values()}
    for old_key, new_key in address["province_mapping"].items():
        formed_from[new[new_key]].append(old[old_key])
    for name, olds in formed_from.items():  # the unit keeping its name first
        olds.sort(key=lambda o: o != name)
    last_day = (MERGER_DAY - dt.timedelta(days=1)).isoformat()
    return {
        "until_2025_06_30": {"valid_to": last_day, "units": sorted(old.values(), key=_sort_key), "cities": cities_old},
        "from_2025_07_01": {"valid_from": MERGER_DAY.isoformat(), "units": sorted(new.values(), key=_sort_key),
                            "cities": cities_new, "formed_from": formed_from},
        "aliases": extra.get("aliases", {}),
        "name_prefixes": extra.get("name_prefixes", []),
        "not_after": extra.get("not_after", {}),
    }


def communes_from_address_data(address: dict, canonical: dict[str, str]) -> dict:
    by_province: dict[str, list[str]] = defaultdict(list)
    short = {v["name"]: _short(v["short"], canonical) for v in address["province_names"].values()}
    for row in address["ward_mapping"]:
        ward = " ".join(row.get("new_ward", "").split())
        if ward:
            by_province[short.get(row["new_province"], row["new_province"])].append(ward)
    return {"by_province": {p: list(dict.fromkeys(w)) for p, w in by_province.items()}}


def _sort_key(name: str) -> str:
    return strip_diacritics(name).lower()


@functools.lru_cache(maxsize=8)
def _load_cached(data_dir: str, packs: str) -> Gazetteer:
    folder = Path(data_dir)
    extra = load_pack("gazetteer_provinces", folder, packs)
    agencies = load_pack("gazetteer_agencies", folder, packs)
    departments = load_pack("gazetteer_departments", folder, packs)
    address = address_data()
    provinces = provinces_from_address_data(address, extra)
    communes = communes_from_address_data(address, extra.get("canonical", {}))
    return Gazetteer(provinces, agencies, communes, departments)


def edit_distance(a: str, b: str, limit: int) -> int:
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
