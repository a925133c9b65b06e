"""Image files (PNG, JPEG, TIFF: a photo or scan of a document) read by OCR, one page per TIFF frame."""

from __future__ import annotations

import io

from baocao.progress import page_stage
from baocao.ingest import ocr as ocr_engine
from baocao.ingest.models import IngestError, Page
from baocao.ingest.ocr import OcrOptions

MAX_FRAMES = 500


def read_image(name: str, data: bytes, options: OcrOptions) -> tuple[list[Page], list[str]]:
    from PIL import Image, ImageSequence

    problem = ocr_engine.unavailable_reason(options)
    if problem:
        raise IngestError(name, f"ảnh được đọc bằng OCR, nhưng OCR không dùng được: {problem}", "hãy dùng tệp PDF có lớp chữ")
    Image.MAX_IMAGE_PIXELS = 200_000_000  # Pillow refuses decompression bombs above this
    try:
        picture = Image.open(io.BytesIO(data))
        frames = [frame.copy() for _, frame in zip(range(MAX_FRAMES), ImageSequence.Iterator(picture))]
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise IngestError(name, "ảnh quá lớn, không đọc được (có thể là bom giải nén)", "hãy scan lại ở độ phân giải thấp hơn") from None
    except Exception:
        raise IngestError(name, "ảnh bị hỏng hoặc không phải ảnh", "hãy xuất lại tệp ảnh") from None
    pages, seconds = [], 0.0
    page_stage("ocr", 0, len(frames))
    for number, frame in enumerate(frames, start=1):
        image = frame.convert("L")
        if image.width * image.height > ocr_engine.MAX_PIXELS:
            image.thumbnail((int((ocr_engine.MAX_PIXELS * image.width / image.height) ** 0.5),) * 2)
        result = ocr_engine.ocr_image(image, options)
        seconds += result.seconds
        page = Page(number=number if len(frames) > 1 else None, text=result.text, ocr=True, warning=result.error)
        page.quality = round(result.invalid_share, 4) if result.quality.judged else None
        if page.quality is not None and page.quality > ocr_engine.POOR_OCR and not page.warning:
            page.warning = f"poor OCR ({page.quality:.1%} invalid syllables)"
        pages.append(page)
        page_stage("ocr", number, len(frames))
    warnings = [f"read by OCR: {len(pages)} page{'s' if len(pages) > 1 else ''} ({seconds:.0f} s)"]
    warnings += [f"page {p.number or 1}: {p.warning}" for p in pages if p.warning]
    return pages, warnings
