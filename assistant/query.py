"""Query understanding: NFC, officials' abbreviations both ways, missing diacritics, time cues, intent."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from baocao.ingest.vietnamese import fold

# Abbreviation -> expansions (as written in reports). Matching is on folded, lower-cased text.
ABBREVIATIONS: dict[str, list[str]] = {
    "CĐS": ["chuyển đổi số"],
    "CĐSQG": ["chuyển đổi số quốc gia"],
    "KHCN": ["khoa học và công nghệ", "khoa học, công nghệ"],
    "KH&CN": ["khoa học và công nghệ"],
    "KH, CN": ["khoa học, công nghệ"],
    "ĐMST": ["đổi mới sáng tạo"],
    "DVCTT": ["dịch vụ công trực tuyến"],
    "DVC": ["dịch vụ công"],
    "DVCQG": ["dịch vụ công quốc gia"],
    "CSDL": ["cơ sở dữ liệu"],
    "CSDLQG": ["cơ sở dữ liệu quốc gia"],
    "TTHC": ["thủ tục hành chính"],
    "CCHC": ["cải cách hành chính"],
    "UBND": ["Ủy ban nhân dân"],
    "BCĐ": ["Ban Chỉ đạo"],
    "BCĐTW": ["Ban Chỉ đạo Trung ương"],
    "HSTT": ["hồ sơ trực tuyến"],
    "NQ": ["Nghị quyết"],
    "QĐ": ["Quyết định"],
    "CT": ["Chỉ thị"],
    "TTg": ["Thủ tướng"],
    "CP": ["Chính phủ"],
    "TW": ["Trung ương"],
    "CNTT": ["công nghệ thông tin"],
    "ATTT": ["an toàn thông tin"],
    "KTS": ["kinh tế số"],
    "XHS": ["xã hội số"],
    "CPS": ["Chính phủ số"],
    "CPĐT": ["Chính phủ điện tử"],
    "TTDL": ["trung tâm dữ liệu"],
    "TTDLQG": ["Trung tâm dữ liệu quốc gia"],
    "BCA": ["Bộ Công an"],
    "BQP": ["Bộ Quốc phòng"],
    "BTC": ["Bộ Tài chính"],
    "BNV": ["Bộ Nội vụ"],
    "BKHCN": ["Bộ Khoa học và Công nghệ"],
    "TT&TT": ["Thông tin và Truyền thông"],
    "TTTT": ["Thông tin và Truyền thông"],
    "VPCP": ["Văn phòng Chính phủ"],
    "NHNN": ["Ngân hàng Nhà nước"],
    "AI": ["trí tuệ nhân tạo"],
    "Đề án 06": ["Đề án 06/CP"],
}

# Words reports use for what officials ask with other words; added for retrieval only.
SYNONYMS: dict[str, list[str]] = {
    "tỉnh": ["địa phương", "tỉnh, thành phố"],
    "tỉnh thành": ["địa phương"],
    "thành phố": ["địa phương"],
    "địa phương": ["tỉnh"],
    "bộ": ["bộ, ngành"],
    "bộ ngành": ["bộ, ngành"],
    "hạn": ["thời hạn hoàn thành"],
    "deadline": ["thời hạn hoàn thành"],
    "chủ trì": ["cơ quan chủ trì"],
    "phối hợp": ["cơ quan phối hợp"],
    "tốc độ mạng": ["tốc độ Internet"],
    "mạng di động": ["băng rộng di động"],
}
_SYNONYM_PATTERNS = [(re.compile(rf"(?<!\w){re.escape(fold(k).lower())}(?!\w)"), v) for k, v in SYNONYMS.items()]


def synonyms_of(folded_text: str) -> list[str]:
    found = [e for pattern, expansions in _SYNONYM_PATTERNS if pattern.search(folded_text) for e in expansions]
    return [e for e in dict.fromkeys(found) if fold(e).lower() not in folded_text]


LIST_CUES = re.compile(r"\b(nao|nhung|danh sach|ke ten|liet ke|gom nhung|bao gom nhung|la nhung)\b")
COUNT_CUES = re.compile(r"\b(bao nhieu|may|so luong|tong so)\b")
# Questions whose answer is a figure: "bao nhiêu", "tỷ lệ", "tốc độ", or opening with "Số …".
FIGURE_CUES = re.compile(r"\b(bao nhieu|may|so luong|tong so|ty le|ti le|toc do|quy mo|muc|gia tri|doanh thu|xep hang|xep thu)\b|^so\b")
LATEST_CUES = re.compile(r"\b(moi nhat|hien nay|hien tai|gan nhat|bay gio|den nay)\b")
TASK_CUES = re.compile(r"\b(chu tri|phoi hop|thoi han|han hoan thanh|han (?:chot|nop)?|nhiem vu)\b")
MONTH_YEAR = re.compile(r"\bthang\s+(\d{1,2})\s*(?:/|nam\s+)(\d{4})\b")
DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
QUARTER = re.compile(r"\bquy\s+(i{1,3}|iv|[1-4])\b(?:\s*(?:/|nam)\s*(\d{4}))?")
QUARTER_NUMBER = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


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
    period: tuple[str, str] | None = None  # ISO start, end the question is about

    @property
    def search_text(self) -> str:
        return " ".join([self.text, *self.expansions])


def has_vietnamese_diacritics(text: str) -> bool:
    return fold(text) != text


def _abbreviation_pattern(surface: str) -> re.Pattern:
    return re.compile(rf"(?<![\w&]){re.escape(fold(surface).lower())}(?![\w&])")


_ABBREVIATION_PATTERNS = [
    (abbr, expansions, _abbreviation_pattern(abbr), [_abbreviation_pattern(e) for e in expansions])
    for abbr, expansions in ABBREVIATIONS.items()
]


def expand_abbreviations(folded_text: str) -> list[str]:
    """Both ways: `CĐS` adds `chuyển đổi số`; `chuyển đổi số` adds `CĐS`."""
    added: list[str] = []
    for abbr, expansions, abbr_pattern, expansion_patterns in _ABBREVIATION_PATTERNS:
        if len(abbr) <= 2 and abbr not in ("CP", "NQ", "QĐ", "AI", "CT", "TW"):
            continue
        if abbr_pattern.search(folded_text):
            added.extend(e for e in expansions if not _abbreviation_pattern(e).search(folded_text))
        elif any(p.search(folded_text) for p in expansion_patterns) and len(abbr) >= 3:
            added.append(abbr)
    return list(dict.fromkeys(added))


def period_of(folded_text: str) -> tuple[str, str] | None:
    if m := DAY_MONTH_YEAR.search(folded_text):
        d, mo, y = (int(x) for x in m.groups())
        day = f"{y:04d}-{mo:02d}-{d:02d}"
        return day, day
    if m := MONTH_YEAR.search(folded_text):
        mo, y = int(m.group(1)), int(m.group(2))
        return f"{y:04d}-{mo:02d}-01", f"{y:04d}-{mo:02d}-31"
    if m := QUARTER.search(folded_text):
        q = QUARTER_NUMBER.get(m.group(1), None) or int(m.group(1))
        y = int(m.group(2)) if m.group(2) else 2025
        return f"{y:04d}-{3 * q - 2:02d}-01", f"{y:04d}-{3 * q:02d}-31"
    return None


def understand(question: str) -> Query:
    text = " ".join(unicodedata.normalize("NFC", question).split())
    folded_text = fold(text).lower()
    return Query(
        text=text,
        folded=folded_text,
        expansions=list(dict.fromkeys(expand_abbreviations(folded_text) + synonyms_of(folded_text))),
        has_diacritics=has_vietnamese_diacritics(text),
        wants_list=bool(LIST_CUES.search(folded_text)),
        wants_count=bool(COUNT_CUES.search(folded_text)),
        wants_figure=bool(FIGURE_CUES.search(folded_text)),
        wants_latest=bool(LATEST_CUES.search(folded_text)),
        about_tasks=bool(TASK_CUES.search(folded_text)),
        period=period_of(folded_text),
    )
