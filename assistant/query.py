"""Query understanding: NFC, officials' abbreviations both ways, missing diacritics, time cues, intent."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from baocao.assistant.knowledge import cue, cue_key, pack, without_stop_words
from baocao.ingest.datapack import configured_packs
from baocao.ingest.text import fold, parse_period

def _abbreviations() -> dict[str, list[str]]:
    return pack("abbreviations").get("terms", {})


def _synonyms() -> dict[str, list[str]]:
    return pack("synonyms")


@functools.lru_cache(maxsize=4)
def _synonym_patterns(_packs: str) -> list[tuple[str, re.Pattern, list[str]]]:
    return [(k, re.compile(rf"(?<!\w){re.escape(fold(k).lower())}(?!\w)"), v) for k, v in _synonyms().items()]


def synonyms_of(folded_text: str) -> list[str]:
    found = [e for _, expansions in synonym_phrases(folded_text) for e in expansions]
    return [e for e in dict.fromkeys(found) if fold(e).lower() not in folded_text]


def synonym_phrases(folded_text: str) -> list[tuple[str, list[str]]]:
    """Each phrase of the question the synonym table knows, with the words reports use instead."""
    return [(phrase, expansions) for phrase, pattern, expansions in _synonym_patterns(configured_packs())
            if pattern.search(folded_text)]


@dataclass
class Query:
    text: str  # as asked, NFC
    folded: str  # lower-cased, without diacritics
    expansions: list[str] = field(default_factory=list)
    has_diacritics: bool = True
    wants_list: bool = False
    wants_count: bool = False
    wants_figure: bool = False
    wants_latest: bool = False
    about_tasks: bool = False
    wants_when: bool = False  # 'lúc nào', 'ngày nào': the answer states a time or a date
    wants_where: bool = False  # 'ở đâu': the answer names a place
    wants_duration: bool = False  # 'trong bao lâu': the answer states a length of time
    focus: str = ""  # folded, what 'nào'/'gì' asks about: 'theo hình thức nào' → 'hinh thuc'; 'thoi gian' for 'lúc nào' 
    period: tuple[str, str] | None = None  # ISO start, end the question is about

    @property
    def search_text(self) -> str:
        return " ".join([self.text, *self.expansions])


def has_vietnamese_diacritics(text: str) -> bool:
    return fold(text) != text


def _abbreviation_pattern(surface: str) -> re.Pattern:
    return re.compile(rf"(?<![\w&]){re.escape(fold(surface).lower())}(?![\w&])")


@functools.lru_cache(maxsize=4)
def _abbreviation_patterns(_packs: str) -> list:
    return [
        (abbr, expansions, _abbreviation_pattern(abbr), [_abbreviation_pattern(e) for e in expansions])
        for abbr, expansions in _abbreviations().items()
    ]


def _typed_in_capitals(abbr: str, typed: str) -> bool:
    """A two-letter abbreviation counts only as typed in capitals: 'AI' is one, 'ai' (who) and 'Ái' are not."""
    return re.search(rf"(?<!\w){re.escape(fold(abbr))}(?!\w)", fold(typed)) is not None


def expand_abbreviations(folded_text: str, typed: str) -> list[str]:
    """Both ways: `CĐS` adds `chuyển đổi số`; `chuyển đổi số` adds `CĐS`."""
    added: list[str] = []
    short_ok = set(pack("abbreviations").get("expand_short", []))
    for abbr, expansions, abbr_pattern, expansion_patterns in _abbreviation_patterns(configured_packs()):
        if len(abbr) <= 2 and (abbr not in short_ok or not _typed_in_capitals(abbr, typed)):
            continue
        if abbr_pattern.search(folded_text):
            added.extend(e for e in expansions if not _abbreviation_pattern(e).search(folded_text))
        elif any(p.search(folded_text) for p in expansion_patterns) and len(abbr) >= 3:
            added.append(abbr)
    return list(dict.fromkeys(added))


def period_of(folded_text: str, default_year: int | None = None) -> tuple[str, str] | None:
    """(ISO start, ISO end) of the period a question names; a month or quarter without a year takes
    `default_year` (the year of the latest relevant report), never a fixed year."""
    found = parse_period(folded_text, default_year)
    if found is None or not found.year_given or found.granularity not in ("day", "month", "quarter"):
        return None  # no year to anchor it (the plan does), or a span too long to rank passages by
    return found.start, found.end


_FOCUS = re.compile(r"((?:\w+\s+){0,1}\w+)\s+(?:nào|gì|nao|gi)(?!\w)", re.IGNORECASE)


def asked_focus(text: str) -> str:
    """The noun 'nào'/'gì' asks about ('theo hình thức nào' → 'hinh thuc'), read as typed: folded, 'có' would
    take 'cơ' of 'cơ quan nào'."""
    found = _FOCUS.search(text)
    if not found:
        return ""
    return " ".join(fold(without_stop_words(found.group(1), "question", "period")).lower().split())


def understand(question: str, default_year: int | None = None) -> Query:
    text = " ".join(unicodedata.normalize("NFC", question).split())
    folded_text = cue_key(text)
    return Query(
        text=text,
        folded=folded_text,
        expansions=list(dict.fromkeys(expand_abbreviations(folded_text, text) + synonyms_of(folded_text))),
        has_diacritics=has_vietnamese_diacritics(text),
        wants_list=bool(cue("list", folded_text)),
        wants_count=bool(cue("count", folded_text)),
        # 'Số hội …?' asks a figure, 'Sở Nội vụ …?' does not: told apart as typed
        wants_figure=bool(cue("figure", folded_text)) or (text.lower().startswith("số ") if has_vietnamese_diacritics(text)
                                                            else folded_text.startswith("so ")),
        wants_latest=bool(cue("latest", folded_text)),
        about_tasks=bool(cue("task", folded_text)),
        wants_when=bool(cue("when", folded_text)),
        wants_where=bool(cue("where", folded_text)),
        wants_duration=bool(cue("duration", folded_text)),
        focus=asked_focus(text),
        period=period_of(folded_text, default_year),
    )
