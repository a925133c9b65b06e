"""Legacy Vietnamese encodings (TCVN3/ABC and VNI) read as if they were Latin-1/cp1252.

Old Word/PDF files typed with the `.VnTime` (TCVN3) or `VNI-Times` fonts store one byte per glyph;
extraction then returns those bytes as Latin-1 letters: `Céng hoµ x· héi` (TCVN3) or
`Coäng hoøa xaõ hoäi` (VNI) for `Cộng hoà xã hội`. A candidate conversion is accepted only when it
turns clearly more of the text into well-formed Vietnamese syllables (`vietnamese_ratio`).

Measured with `vietnamese_ratio`: the five sample reports score 0.91-0.99; encoded to TCVN3 and
read as Latin-1 they score 0.21-0.24, to VNI 0.16-0.21, and converted back they are word-for-word
identical again (except the case of a few capital toned vowels TCVN3 cannot encode, `Ủy` -> `ủy`).
"""

from __future__ import annotations

import bisect
import re

from baocao.ingest.vietnamese import WORD_RE, nfc, vietnamese_ratio

# --- TCVN3 (TCVN 5712:1993 VN3, the ABC fonts) -----------------------------------------------------
# One byte per lower-case letter; upper-case toned letters only exist in the separate `.VnTimeH`
# fonts, which reuse the lower-case codes (so their case is lost: see _restore_upper_case).
_TCVN3_PAIRS = (
    "µà ¸á ¶ả ·ã ¹ạ ¨ă »ằ ¾ắ ¼ẳ ½ẵ Æặ ©â Çầ Êấ Èẩ Éẫ Ëậ ®đ Ìè Ðé Îẻ Ïẽ Ñẹ ªê Òề Õế Óể Ôễ Öệ "
    "×ì Ýí Øỉ Üĩ Þị ßò ãó áỏ âõ äọ «ô åồ èố æổ çỗ éộ ¬ơ êờ íớ ëở ìỡ îợ ïù óú ñủ òũ ôụ "
    "\xadư õừ øứ öử ÷ữ ùự úỳ ýý ûỷ üỹ þỵ ¡Ă ¢Â §Đ £Ê ¤Ô ¥Ơ ¦Ư"
)
TCVN3_TO_UNICODE: dict[str, str] = {pair[0]: pair[1] for pair in _TCVN3_PAIRS.split(" ")}

# --- VNI (VNI-Windows) -----------------------------------------------------------------------------
# A letter is a base byte followed by a mark byte; a few letters have a byte of their own.
_VNI_TONES = {"ø": "\u0300", "ù": "\u0301", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
_VNI_CIRCUMFLEX = {"â": "", "á": "\u0301", "à": "\u0300", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
_VNI_BREVE = {"ê": "", "é": "\u0301", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}
_VNI_SINGLE = {"ô": "ơ", "ö": "ư", "ñ": "đ", "ì": "ì", "í": "í", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ"}
_VNI_BASES = {"a": "a", "e": "e", "o": "o", "u": "u", "y": "y", "ô": "ơ", "ö": "ư"}


def _vni_tables() -> tuple[dict[str, str], dict[str, str]]:
    pairs: dict[str, str] = {}
    for base_byte, base in _VNI_BASES.items():
        for mark_byte, tone in _VNI_TONES.items():
            pairs[base_byte + mark_byte] = nfc(base + tone)
        if base in "aeo":
            for mark_byte, tone in _VNI_CIRCUMFLEX.items():
                pairs[base_byte + mark_byte] = nfc(base + "\u0302" + tone)
        if base == "a":
            for mark_byte, tone in _VNI_BREVE.items():
                pairs[base_byte + mark_byte] = nfc(base + "\u0306" + tone)
    upper_pairs = {key.upper(): value.upper() for key, value in pairs.items()}
    # Title-case words (`Vieät`, `Coäng`) mix an upper-case base with a lower-case mark.
    mixed = {key[0].upper() + key[1]: value.upper() for key, value in pairs.items()}
    singles = dict(_VNI_SINGLE)
    singles.update({key.upper(): value.upper() for key, value in _VNI_SINGLE.items()})
    return {**mixed, **pairs, **upper_pairs}, singles


VNI_PAIRS, VNI_SINGLES = _vni_tables()
_VNI_RE = re.compile("|".join(sorted(map(re.escape, {**VNI_PAIRS, **VNI_SINGLES}), key=len, reverse=True)))


def tcvn3_to_unicode(text: str) -> str:
    return "".join(_tcvn3_line(line) for line in text.splitlines(keepends=True))


def vni_to_unicode(text: str) -> str:
    return _VNI_RE.sub(lambda m: VNI_PAIRS.get(m.group(0)) or VNI_SINGLES[m.group(0)], text)


_TCVN3_UPPER_CODES = frozenset("¡¢£¤¥¦§")
_TCVN3_LOWER_CODES = frozenset("¨©ª«¬\xad®")


def _unambiguous_cases(source: str) -> list[bool]:
    """is_upper for each letter of a TCVN3 word whose case the encoding keeps."""
    cases = []
    for ch in source:
        if ch.isascii() and ch.isalpha():
            cases.append(ch.isupper())
        elif ch in _TCVN3_UPPER_CODES or ch in _TCVN3_LOWER_CODES:
            cases.append(ch in _TCVN3_UPPER_CODES)
    return cases


def _restore_upper_case(original: str, converted: str) -> str:
    """TCVN3 has no upper-case toned vowels: `CéNG` must come out `CỘNG`, not `CộNG`.

    A word is put in capitals when every letter whose case survived is a capital and there are at
    least two of them, or one in a line written in capitals (`Sè` alone stays `Số`)."""
    line_cases = _unambiguous_cases(original)
    line_in_capitals = len(line_cases) >= 4 and all(line_cases)

    def upper_if_capitals(match: re.Match[str]) -> str:
        cases = _unambiguous_cases(original[match.start():match.end()])
        if cases and all(cases) and (len(cases) >= 2 or line_in_capitals):
            return match.group(0).upper()
        return match.group(0)
    # one character in, one out: positions line up
    return WORD_RE.sub(upper_if_capitals, converted)


def _tcvn3_line(line: str) -> str:
    return _restore_upper_case(line, "".join(TCVN3_TO_UNICODE.get(ch, ch) for ch in line))


def unicode_to_tcvn3(text: str) -> str:
    """The inverse table, for tests and fixtures (upper-case toned letters fall back to lower case)."""
    inverse = {uni: code for code, uni in TCVN3_TO_UNICODE.items()}
    inverse.update({uni.upper(): code for code, uni in TCVN3_TO_UNICODE.items() if uni.upper() not in inverse})
    return "".join(inverse.get(ch, ch) for ch in nfc(text))


def unicode_to_vni(text: str) -> str:
    """The inverse tables, for tests and fixtures."""
    codes = {**VNI_SINGLES, **VNI_PAIRS}
    inverse = {uni: code for code, uni in codes.items() if not (code[0].isupper() and code[-1].islower())}
    return "".join(inverse.get(ch, ch) for ch in nfc(text))


CONVERTERS = {"tcvn3": tcvn3_to_unicode, "vni": vni_to_unicode}

# --- detection -------------------------------------------------------------------------------------
_LEGACY_BYTES_RE = re.compile("[\u00a1-\u00ff]")
# Letters only Unicode Vietnamese has (ă, đ, ơ, ư, ạ ... ỹ and combining tone marks)
_UNICODE_VIETNAMESE_RE = re.compile(
    "[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9\u0300-\u0323]"
)

MIN_DOCUMENT_GAIN = 0.2  # rise of vietnamese_ratio over the candidate lines for a document to convert
MIN_LINE_GAIN = 0.1  # the same for one line of such a document


def _is_legacy_candidate(line: str) -> bool:
    """Has bytes a legacy font uses, and none of the letters only Unicode Vietnamese has."""
    return bool(_LEGACY_BYTES_RE.search(line)) and not _UNICODE_VIETNAMESE_RE.search(nfc(line))


def _document_gain(lines: list[str], convert) -> float:
    suspect = "\n".join(lines)
    return vietnamese_ratio(convert(suspect)) - vietnamese_ratio(suspect)


_UNICODE_WORD_RE = re.compile(r"\S*(?:" + _UNICODE_VIETNAMESE_RE.pattern + r")\S*")


def _convert_runs(line: str, convert) -> str:
    """Mixed line: words only Unicode can spell (`Nội`, `năm`) are kept and split the line into
    runs; a run is converted when that makes it more Vietnamese (`Bé Khoa häc` -> `Bộ Khoa học`)."""
    pieces, position = [], 0
    for anchor in _UNICODE_WORD_RE.finditer(line):
        pieces.append(_convert_run(line[position:anchor.start()], convert))
        pieces.append(anchor.group(0))
        position = anchor.end()
    pieces.append(_convert_run(line[position:], convert))
    return "".join(pieces)


def _convert_run(run: str, convert) -> str:
    if not _LEGACY_BYTES_RE.search(run):
        return run
    converted = nfc(convert(run))
    return converted if vietnamese_ratio(converted) > vietnamese_ratio(run) else run


# What to do with one line of a legacy document.
PLAIN, CONVERT, KEEP, RUNS = "plain", "convert", "keep", "runs"


def _line_decision(line: str, convert) -> str | None:
    """PLAIN (no legacy byte), RUNS (Unicode and legacy words mixed), CONVERT, KEEP, or None when
    the line alone cannot tell (`cã.` is as good Vietnamese as `có.`)."""
    if not _LEGACY_BYTES_RE.search(line):
        return PLAIN
    if _UNICODE_VIETNAMESE_RE.search(nfc(line)):
        return RUNS
    gain = vietnamese_ratio(convert(line)) - vietnamese_ratio(line)
    if gain >= MIN_LINE_GAIN:
        return CONVERT
    return KEEP if gain < 0 else None


def _fill_undecided(decisions: list[str | None]) -> list[str]:
    """An undecided line follows the nearest line decided before it, else after it, else converts."""
    decided = [i for i, d in enumerate(decisions) if d in (CONVERT, KEEP)]
    filled = []
    for i, decision in enumerate(decisions):
        if decision is None:
            k = bisect.bisect_left(decided, i)
            nearest = decided[k - 1] if k > 0 else (decided[k] if k < len(decided) else None)
            decision = decisions[nearest] if nearest is not None else CONVERT
        filled.append(decision)
    return filled


def _apply(decision: str, line: str, convert) -> str:
    if decision == CONVERT:
        return convert(line)
    if decision == RUNS:
        return _convert_runs(line, convert)
    return line


def fix_legacy_encoding(text: str) -> tuple[str, str | None]:
    """(Unicode NFC text, "tcvn3" | "vni") for legacy text; (text, None) unchanged otherwise."""
    suspect = [line for line in text.splitlines() if _is_legacy_candidate(line)]
    if not suspect:
        return text, None
    gains = {name: _document_gain(suspect, convert) for name, convert in CONVERTERS.items()}
    name = max(gains, key=gains.__getitem__)
    if gains[name] < MIN_DOCUMENT_GAIN:
        return text, None
    convert = CONVERTERS[name]
    lines = text.splitlines(keepends=True)
    decisions = _fill_undecided([_line_decision(line, convert) for line in lines])
    fixed = "".join(_apply(decision, line, convert) for decision, line in zip(decisions, lines))
    if fixed == text:
        return text, None
    return nfc(fixed), name



# --- mojibake: UTF-8 bytes decoded as cp1252 / Latin-1 ('BÃ¡o cÃ¡o' for 'Báo cáo') ------------------
# ftfy (the well-kept library for this) undoes it; it leaves TCVN3/VNI text and real Vietnamese alone.
_MOJIBAKE_HINT = re.compile("[ÃÂÄÆÅ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]")


def fix_mojibake(text: str) -> tuple[str, bool]:
    """(repaired text, whether anything was repaired)."""
    if not _MOJIBAKE_HINT.search(text):
        return text, False
    import ftfy

    fixed = ftfy.fix_encoding(text)
    return fixed, fixed != text
