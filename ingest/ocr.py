"""Read page images with Tesseract (Debian `tesseract-ocr` + `tesseract-ocr-vie`) through pytesseract.

Pages are rendered by pdfium (pypdfium2) at `BAOCAO_OCR_DPI`, straightened (small tilts of phone
photos by a projection-profile search; upside-down or sideways pages by Tesseract's orientation
detection when the first read is poor), and read with `BAOCAO_OCR_LANGUAGES` (default `vie`).
Every result carries its quality: the share of words that are not valid Vietnamese syllables.

A PDF's own OCR layer (invisible text over a scan, made by another program) is read again by Tesseract
when its invalid share is over `BAOCAO_OCR_RECHECK_LAYER_ABOVE` (default 0: any broken syllable), and the
better read is kept (pdf.py): on the scanned law of bench/realdocs.py such a layer held 1-4% broken
syllables a page (besides wrong valid ones), where Tesseract reads 0-1.3%: Tesseract's read won on all 27 pages.

The OCR'd pages of a document are then corrected as a whole (`correct_ocr_texts`, from
`ingest.pipeline.prepare_pages`): diacritics the syllable model finds wrong in context re-marked and list
letters read out of order restored (`ingest.ocr_correct`; `BAOCAO_OCR_CORRECT=0` turns it off).

Settings: `BAOCAO_OCR=0` turns OCR off; `BAOCAO_OCR_LANGUAGES`, `BAOCAO_OCR_DPI`,
`BAOCAO_OCR_TIMEOUT_S` (per page), `BAOCAO_OCR_MAX_PAGES` (per document), `BAOCAO_OCR_WORKERS`,
`BAOCAO_OCR_RECHECK_LAYER_ABOVE`, `BAOCAO_OCR_BINARIZE` (Otsu threshold before the read), `BAOCAO_OCR_CORRECT`;
opt-in page preparation: `BAOCAO_OCR_LINE_HEIGHT` (scale down to a text-line height), `BAOCAO_OCR_THRESHOLD`
(Tesseract's binarization, `sauvola` for phone photos), `BAOCAO_OCR_REMOVE_RULES` (a table page's borders removed).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from baocao.ingest.quality import TextQuality, text_quality
from baocao.ingest.vietnamese import is_vietnamese_syllable, nfc

# One Tesseract process per core is faster than one process spreading over all cores (OpenMP):
# measured on this 2-core machine, 7.5 s instead of 14.4 s for the same page.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

POOR_OCR = 0.03  # above this share of invalid syllables an OCR'd page is flagged as poor
MAX_PIXELS = 40_000_000  # a page rendered larger than this is scaled down (a poster-sized page at 300 dpi)
_MIN_WORDS_TO_JUDGE = 20


@dataclass(frozen=True)
class OcrOptions:
    enabled: bool = True
    languages: str = "vie"
    dpi: int = 300
    timeout_s: float = 180.0
    max_pages: int = 300
    workers: int = 2
    binarize: bool = False  # Otsu threshold before the read (mixed on the real scans: off by default)
    threshold: str = "otsu"  # Tesseract's binarization: otsu | adaptive | sauvola (phone photos; see README)
    remove_rules: bool = False  # a table page's borders painted white before the read (see README: off by default)
    line_height: int = 0  # a page whose text lines are taller (pixels) is scaled down to this before the read; 0: never
    recheck_layer_above: float = 0.0  # an OCR text layer with a larger invalid share is read again
    correct: bool = True  # re-mark words whose diacritics the syllable model finds wrong in context
    cache_dir: str | None = None  # where reads are kept by image and options (None: every page read afresh)

    @classmethod
    def from_settings(cls, settings) -> OcrOptions:
        return cls(
            enabled=settings.ocr, languages=settings.ocr_languages, dpi=settings.ocr_dpi,
            timeout_s=settings.ocr_timeout_s, max_pages=settings.ocr_max_pages, workers=settings.ocr_workers,
            binarize=settings.ocr_binarize, line_height=settings.ocr_line_height, remove_rules=settings.ocr_remove_rules,
            threshold=settings.ocr_threshold, recheck_layer_above=settings.ocr_recheck_layer_above,
            correct=settings.ocr_correct,
            cache_dir=str(settings.ocr_cache_dir or settings.home / "cache" / "ocr") if settings.ocr_cache else None,
        )

    @classmethod
    def from_environment(cls) -> OcrOptions:
        from baocao.settings import Settings

        return cls.from_settings(Settings())


@dataclass
class OcrResult:
    text: str
    quality: TextQuality
    seconds: float
    rotation: float = 0.0  # degrees the image was turned before the read that was kept
    error: str | None = None

    @property
    def invalid_share(self) -> float:
        return self.quality.invalid_share


def unavailable_reason(options: OcrOptions) -> str | None:
    """Why OCR cannot run, in one line with what to do, or None when it can."""
    if not options.enabled:
        return "OCR đang tắt (BAOCAO_OCR=0)"
    return _engine_problem(options.languages)


@cache
def _engine_problem(languages: str) -> str | None:
    try:
        import pytesseract
    except ImportError:
        return "thiếu gói pytesseract (pip install pytesseract)"
    if shutil.which(pytesseract.pytesseract.tesseract_cmd) is None:
        return "máy chưa cài Tesseract (apt-get install tesseract-ocr tesseract-ocr-vie, hoặc `make runtime-deps`)"
    try:
        installed = set(pytesseract.get_languages(config=""))
    except Exception as exc:  # a broken installation
        return f"Tesseract không chạy được ({type(exc).__name__})"
    missing = [lang for lang in languages.split("+") if lang and lang not in installed]
    if missing:
        packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing)
        return f"thiếu dữ liệu ngôn ngữ {'+'.join(missing)} của Tesseract (apt-get install {packages})"
    return None


def _has_orientation_model() -> bool:
    try:
        import pytesseract

        return "osd" in pytesseract.get_languages(config="")
    except Exception:
        return False


# --- rendering ----------------------------------------------------------------------------------


def render_page(page, dpi: int):
    """A grayscale PIL image of a pypdfium2 page, at `dpi` unless that would exceed MAX_PIXELS."""
    width, height = page.get_size()  # points
    scale = dpi / 72
    pixels = width * scale * height * scale
    if pixels > MAX_PIXELS:
        scale *= (MAX_PIXELS / pixels) ** 0.5
    return page.render(scale=scale, grayscale=True).to_pil().convert("L")


# --- straightening --------------------------------------------------------------------------------

_SKEW_RANGE = 5.0  # degrees searched either way
_SKEW_STEP = 0.5
_MIN_SKEW = 0.75  # below this Tesseract copes by itself


def skew_angle(image) -> float:
    """The rotation (degrees, counter-clockwise) that makes text lines horizontal: the angle whose row
    profile of dark pixels is the most peaked (lines and gaps alternate sharply when level)."""
    import numpy as np
    from PIL import Image

    small = image.convert("L")
    small.thumbnail((900, 900))
    ink = small.point(lambda v: 255 if v < 140 else 0)
    best_angle, best_score = 0.0, -1.0
    steps = int(_SKEW_RANGE / _SKEW_STEP)
    for i in range(-steps, steps + 1):
        angle = i * _SKEW_STEP
        turned = ink.rotate(angle, resample=Image.NEAREST, fillcolor=0) if angle else ink
        rows = np.asarray(turned, dtype=np.float32).sum(axis=1)
        score = float(np.square(np.diff(rows)).sum())
        if score > best_score:
            best_angle, best_score = angle, score
    return best_angle


def straighten(image):
    from PIL import Image

    angle = skew_angle(image)
    if abs(angle) < _MIN_SKEW:
        return image, 0.0
    return image.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255), angle


# --- ruling lines ---------------------------------------------------------------------------------

_RULE_SHARE = 1 / 30  # a straight run of ink longer than this share of the page's side is a ruling line, not a letter
# Lines covering less of the page than this (an underline, a scanner's edge) are left: removing them changes
# nothing worth the risk (Tesseract's layout analysis turns on single pixels; the drug law's scan lost 8
# sentences to the removal of specks on pages with no table), a table's borders cover 1.5-4% of its page.
_TABLE_RULES = 0.01


def remove_rules(image):
    """A page with a table's ruling lines painted white (its other long lines too: underlines, a photo's dark edge). Tesseract's
    layout analysis takes a bordered table for a picture and reads nothing of its cells (the synthetic
    STT | Diễn giải | Số tiền table: no amount read), and the rows' borders make the text-line height
    unmeasurable; a horizontal or vertical run of ink longer than 1/30 of the page's side is no letter."""
    import numpy as np
    from PIL import Image

    gray = np.asarray(image.convert("L"))
    ink = _ink(image.convert("L"))
    rules = _long_runs(ink, max(40, round(gray.shape[1] * _RULE_SHARE)), axis=1)
    rules |= _long_runs(ink, max(40, round(gray.shape[0] * _RULE_SHARE)), axis=0)
    rules[1:] |= rules[:-1]  # and the grey fringe either side of a line
    rules[:-1] |= rules[1:]
    rules[:, 1:] |= rules[:, :-1]
    rules[:, :-1] |= rules[:, 1:]
    if rules.mean() < _TABLE_RULES:
        return image
    return Image.fromarray(np.where(rules, 255, gray).astype(np.uint8))


def _ink(gray):
    """Pixels darker than their surroundings' paper by 40 levels: a global threshold takes the shadowed half of
    a phone photo for ink (and would erase it with the lines)."""
    import numpy as np
    from PIL import ImageFilter

    paper = gray.filter(ImageFilter.BoxBlur(max(8, min(gray.size) // 40)))
    return np.asarray(gray, dtype=np.int16) < np.asarray(paper, dtype=np.int16) - 40


def _long_runs(ink, length: int, axis: int):
    """The pixels of `ink` lying in a run of at least `length` along `axis` (a morphological opening by a line)."""
    import numpy as np

    ink = np.moveaxis(ink, axis, -1)
    if ink.shape[-1] < length:
        return np.zeros(np.moveaxis(ink, -1, axis).shape, dtype=bool)
    sums = np.cumsum(np.pad(ink, [(0, 0)] * (ink.ndim - 1) + [(1, 0)]), axis=-1, dtype=np.int32)
    starts = (sums[..., length:] - sums[..., :-length]) == length  # a full window begins here
    covered = np.cumsum(np.pad(starts, [(0, 0)] * (ink.ndim - 1) + [(0, length - 1)]), axis=-1, dtype=np.int32)
    covered[..., length:] -= covered[..., :-length].copy()
    return np.moveaxis(covered > 0, -1, axis)


# --- scale ----------------------------------------------------------------------------------------

_MIN_LINES = 8  # fewer ink bands than this (a photo, a stamp) say nothing reliable about the text size


def line_height(image) -> float:
    """The median height (pixels) of the bands of rows that hold ink: one band a text line on a level page
    (its ascenders, descenders and Vietnamese marks included); 0.0 when the page has too few bands."""
    import numpy as np

    gray = np.asarray(image.convert("L"))
    rows = (gray < 128).sum(axis=1)
    inked = rows > max(2, 0.02 * gray.shape[1])  # a row crossing a line of text, not a speck
    edges = np.flatnonzero(np.diff(np.concatenate(([0], inked.astype(np.int8), [0]))))
    bands = edges[1::2] - edges[0::2]
    bands = bands[bands >= 4]
    return float(np.median(bands)) if len(bands) >= _MIN_LINES else 0.0


def fit_line_height(image, target: int):
    """The page scaled down (Lanczos) so that its text lines are about `target` pixels high; never enlarged.
    Tesseract's Vietnamese model reads tone marks better from lines ~22 px high than from the ~43 px of a
    300-dpi render of a 150-dpi scan (the drug law's scan: 235 -> 249/406 sentences of its DOCX); enlarging
    small text read worse (x1.5: 45 instead of 52 on 8 pages). Off by default for the same reason as Sauvola."""
    from PIL import Image

    height = line_height(image) if target else 0.0
    if height <= target * 1.15:  # close enough: a resample would only blur
        return image
    scale = target / height
    return image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.LANCZOS)


# --- reading --------------------------------------------------------------------------------------


def ocr_image(image, options: OcrOptions) -> OcrResult:
    """Read one page image; a poor first read is retried after orientation detection."""
    started = time.monotonic()
    image, angle = straighten(image)
    try:
        text = _tesseract(image, options)
    except Exception as exc:
        return OcrResult("", text_quality(""), time.monotonic() - started, angle, error=_describe(exc))
    best = OcrResult(text, text_quality(text), 0.0, angle)
    if _is_poor(best.quality) and _has_orientation_model():
        rotation = _orientation(image, options)
        if rotation:
            try:
                turned = image.rotate(-rotation, expand=True, fillcolor=255)
                text = _tesseract(turned, options)
                candidate = OcrResult(text, text_quality(text), 0.0, angle + rotation)
                if _better(candidate.quality, best.quality):
                    best = candidate
            except Exception:
                pass  # keep the first read
    best.seconds = time.monotonic() - started
    return best


_PSM = "--psm 3"
# Tesseract's own binarization (`thresholding_method`): one global Otsu level loses the shadowed half of a
# phone photo; Sauvola's local level reads it (synthetic photos: 62% -> 97% of the words, with
# line_height=22) and the drug law's scan better (249 -> 253/406 sentences of its DOCX). Off by default: the
# handwritten numbers and stamps of the scans' headers then read differently and the header tests' issuer
# and number change (tests/test_header_ocr.py), which the header reading must be made robust to first.
_THRESHOLDS = {"otsu": 0, "adaptive": 1, "sauvola": 2}


def _config(options: OcrOptions) -> str:
    return f"{_PSM} -c thresholding_method={_THRESHOLDS.get(options.threshold, 2)}"


def _tesseract(image, options: OcrOptions) -> str:
    import pytesseract

    if options.remove_rules:
        image = remove_rules(image)
    image = fit_line_height(image, options.line_height)
    if options.binarize:
        image = otsu(image)
    cached = _cached_read(image, options)
    if cached is not None and cached.exists():
        return cached.read_text(encoding="utf-8")
    raw = pytesseract.image_to_string(image, lang=options.languages, config=_config(options), timeout=options.timeout_s)
    text = fix_capital_circumflex(nfc(raw))
    if cached is not None:
        _keep(cached, text)
    return text


@cache
def _engine_version() -> str:
    import pytesseract

    return str(pytesseract.get_tesseract_version())


def _cached_read(image, options: OcrOptions) -> Path | None:
    """Where the read of this image under these options is kept: the image's pixels, the engine's version and
    the options that change what it reads (languages, page segmentation) make the key."""
    if not options.cache_dir:
        return None
    digest = hashlib.sha256()
    # with the default preparation the key is the one reads were kept under before these options existed
    prepared = (options.threshold, options.line_height, options.remove_rules) != ("otsu", 0, False)
    extra = f"|{_config(options)}|{options.line_height}|{options.remove_rules}" if prepared else ""
    digest.update(f"{image.mode}|{image.size}|{options.languages}|{_PSM}{extra}|{_engine_version()}".encode())
    digest.update(image.tobytes())
    key = digest.hexdigest()
    return Path(options.cache_dir) / key[:2] / f"{key}.txt"


def _keep(path: Path, text: str) -> None:
    """Written whole or not at all: a concurrent ingest reads either nothing or the full read."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as tmp:
            tmp.write(text)
        os.replace(tmp.name, path)
    except OSError:
        pass  # a cache that cannot be written costs a re-read later, nothing more


def correct_ocr_texts(texts: list[str]) -> tuple[list[str], int]:
    """The OCR'd pages of one document with the diacritics the syllable model finds wrong in context
    re-marked and the list markers Tesseract misreads (`đ)` for d), `3,` for 3.) restored
    (`ingest.ocr_correct`), and how many words and markers changed. The whole document is passed at
    once: a word written as read elsewhere in it, next to the same neighbour, is kept."""
    from baocao.ingest.ocr_correct import correct_diacritics, document_pairs, repair_list_markers

    document = document_pairs(texts)
    out, changed = [], 0
    for text in texts:
        corrected, n = correct_diacritics(text, document=document)
        corrected, m = repair_list_markers(corrected)
        out.append(corrected)
        changed += n + m
    return out, changed


def otsu(image):
    """Black text on white: the grayscale image thresholded at Otsu's level."""
    import numpy as np
    from PIL import Image

    gray = np.asarray(image.convert("L"))
    return Image.fromarray(np.where(gray > _otsu_level(gray), 255, 0).astype(np.uint8))


def _otsu_level(gray) -> int:
    import numpy as np

    counts = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    levels = np.arange(256)
    weight = np.cumsum(counts)
    mean = np.cumsum(counts * levels)
    total, total_mean = weight[-1], mean[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (total_mean * weight - mean * total) ** 2 / (weight * (total - weight))
    return int(np.nanargmax(between))


def _orientation(image, options: OcrOptions) -> int:
    import pytesseract

    try:
        info = pytesseract.image_to_osd(
            image, config="--psm 0 -c min_characters_to_try=10", output_type=pytesseract.Output.DICT,
            timeout=options.timeout_s,
        )
        return int(info.get("rotate", 0)) % 360
    except Exception:
        return 0


def _is_poor(quality: TextQuality) -> bool:
    return quality.judged < _MIN_WORDS_TO_JUDGE or quality.invalid_share > POOR_OCR


def _better(a: TextQuality, b: TextQuality) -> bool:
    """More valid words wins; a read with fewer than half the words of the other never does."""
    valid_a, valid_b = a.judged - a.invalid, b.judged - b.invalid
    return valid_a > valid_b and a.invalid_share <= b.invalid_share + 0.01


def _describe(exc: Exception) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "timeout" in message.lower():
        return "OCR timed out (raise BAOCAO_OCR_TIMEOUT_S)"
    return f"OCR failed ({message[:120]})"


# Tesseract's Vietnamese model often reads a capital with circumflex and tone as the bare toned
# capital: 'QUYÉT' for QUYẾT, 'QUÓC' for QUỐC. Where only the circumflex reading is a syllable,
# that reading is taken.
_CIRCUMFLEX = str.maketrans({"É": "Ế", "È": "Ề", "Ó": "Ố", "Ò": "Ồ", "Á": "Ấ", "À": "Ầ"})
_CAPITAL_WORD = re.compile(r"\b[A-ZÀ-ỸĐ]{2,}\b")


def fix_capital_circumflex(text: str) -> str:
    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        if is_vietnamese_syllable(word):
            return word
        fixed = word.translate(_CIRCUMFLEX)
        return fixed if fixed != word and is_vietnamese_syllable(fixed) else word

    return _CAPITAL_WORD.sub(fix, text)
