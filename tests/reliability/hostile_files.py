"""The hostile-file corpus: malformed, dangerous and merely unusual files, written into a folder.

Each kind says what must happen to it: `refused` with a one-line reason containing `says`, or
`added` (and then `check` looks at the indexed text). Nothing is stored in the repository: every
file is generated here, in well under a minute.

    .venv/bin/python tests/reliability/hostile_files.py /tmp/hostile   # write the corpus to look at it
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: fixtures_files

from fixtures_files import (  # noqa: E402
    ENGLISH_PARAGRAPH,
    VIETNAMESE_PARAGRAPH,
    cp1258_bytes,
    docx_with_document_xml,
    docx_with_extra_entry,
    pdf_bytes,
    raw_pdf,
    repeated_page_pdf_bytes,
    write_docx,
    write_encrypted_pdf,
    write_rtf,
    write_scanned_pdf,
    write_xlsx,
)

REFUSED, ADDED = "refused", "added"
BOMB_MB = 300  # unpacked size of each zip bomb: reading one would show in peak memory at once
REPEATED_PAGES = 100  # (3,000 pages take the loaders 11 s: measured for the README, not in the suite)


@dataclass
class Hostile:
    name: str
    expect: str  # REFUSED | ADDED
    says: str = ""  # for REFUSED: part of the one-line reason
    bomb: bool = False  # a zip bomb: peak memory while refusing it is bounded
    check: Callable[[str], bool] | None = None  # for ADDED: a test of the indexed text
    note: str = ""


def _docx(folder: Path, name: str, paragraphs=None) -> Path:
    return write_docx(folder / name, paragraphs or [VIETNAMESE_PARAGRAPH] * 3)


def _xml_document(body: str, doctype: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + doctype +
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        f"<w:p><w:r><w:t>{VIETNAMESE_PARAGRAPH}</w:t></w:r></w:p>{body}</w:body></w:document>"
    ).encode("utf-8")


_LINES = [f"Dòng {i}: Ủy ban nhân dân tỉnh báo cáo kết quả thực hiện nhiệm vụ chuyển đổi số trong kỳ." for i in range(25)]


def write_hostile_corpus(folder: Path) -> list[Hostile]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    work = folder / ".work"  # hidden: never ingested
    work.mkdir(exist_ok=True)
    base_docx = _docx(work, "base.docx")
    good_pdf = pdf_bytes([VIETNAMESE_PARAGRAPH, VIETNAMESE_PARAGRAPH])
    kinds: list[Hostile] = []

    def add(name: str, data: bytes | None, *args, **kwargs) -> None:
        if data is not None:
            (folder / name).write_bytes(data)
        kinds.append(Hostile(name, *args, **kwargs))

    # --- PDF -------------------------------------------------------------------------------------
    add("corrupt.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n", REFUSED, "bị hỏng")
    add("truncated.pdf", good_pdf[: len(good_pdf) // 2], REFUSED, "bị cắt cụt")
    write_encrypted_pdf(folder / "encrypted-no-password.pdf", [VIETNAMESE_PARAGRAPH], user_password="")
    kinds.append(Hostile("encrypted-no-password.pdf", ADDED, check=lambda t: "43/63 địa phương" in t))
    write_encrypted_pdf(folder / "encrypted-password.pdf", [VIETNAMESE_PARAGRAPH], user_password="mật-khẩu")
    kinds.append(Hostile("encrypted-password.pdf", REFUSED, "có mật khẩu"))
    write_scanned_pdf(folder / "scanned-blank.pdf", pages=1)
    kinds.append(Hostile("scanned-blank.pdf", REFUSED, "không tìm thấy chữ", note="OCR runs and reads nothing legible"))
    add("html-named.pdf", b"<!DOCTYPE html><html><head><title>Cong bao</title></head><body>x</body></html>", REFUSED, "trang web HTML")
    add("docx-named.pdf", base_docx.read_bytes(), REFUSED, "mà là tệp Word DOCX")
    add("nul-padding.pdf", good_pdf + b"\0" * 100_000, ADDED, check=lambda t: "43/63 địa phương" in t)
    add("trailing-junk.pdf", good_pdf + bytes(range(256)) * 8, ADDED, check=lambda t: "43/63 địa phương" in t)
    add(
        "page-tree-loop.pdf",
        raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]),
        REFUSED, "",
    )
    add(
        "deep-nesting.pdf",
        raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Deep " + b"[" * 50_000 + b"]" * 50_000 + b" >>"]),
        REFUSED, "",
    )
    add(
        "huge-image.pdf",  # declares a 2-gigapixel image: never decoded for OCR
        raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
                 b"<< /Type /XObject /Subtype /Image /Width 50000 /Height 40000 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 4 >>\nstream\n\0\0\0\0\nendstream",
                 b"<< /Length 34 >>\nstream\nq 595 0 0 842 0 0 cm /Im0 Do Q    \nendstream"]),
        REFUSED, "",
    )
    add(
        "repeated-lines-100-pages.pdf", repeated_page_pdf_bytes(_LINES, REPEATED_PAGES), ADDED,
        check=lambda t: "Dòng 12: Ủy ban nhân dân tỉnh" in t, note="every line on every page: the body stays",
    )

    # --- DOCX and other zip packages -------------------------------------------------------------------
    docx_with_extra_entry(base_docx, folder / "bomb-media.docx", "word/media/blob.bin", BOMB_MB)
    kinds.append(Hostile("bomb-media.docx", REFUSED, "zip bomb", bomb=True))
    renamed = docx_with_extra_entry(base_docx, work / "renamed-main.docx", "word/main.dat", BOMB_MB)
    (folder / "bomb-renamed-main.docx").write_bytes(renamed.read_bytes())
    kinds.append(Hostile("bomb-renamed-main.docx", REFUSED, "zip bomb", bomb=True))
    docx_with_extra_entry(base_docx, folder / "bomb-document-xml.docx", "word/document.xml", BOMB_MB, replace=True)
    kinds.append(Hostile("bomb-document-xml.docx", REFUSED, "zip bomb", bomb=True))
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as nested:
        with nested.open("zeros.bin", "w", force_zip64=True) as member:
            for _ in range(64):
                member.write(b"\0" * (1024 * 1024))
    (work / "inner.zip").write_bytes(inner.getvalue())
    with zipfile.ZipFile(base_docx) as original, zipfile.ZipFile(folder / "zip-in-zip.docx", "w", zipfile.ZIP_DEFLATED) as out:
        for info in original.infolist():
            out.writestr(info, original.read(info))
        out.writestr("word/media/inner.zip", inner.getvalue())
    kinds.append(Hostile("zip-in-zip.docx", ADDED, check=lambda t: "43/63 địa phương" in t, note="the nested zip is never opened"))
    with zipfile.ZipFile(folder / "many-entries.docx", "w", zipfile.ZIP_STORED) as out:
        with zipfile.ZipFile(base_docx) as original:
            for info in original.infolist():
                out.writestr(info, original.read(info))
        for i in range(12_000):
            out.writestr(f"word/media/x{i}.bin", b"")
    kinds.append(Hostile("many-entries.docx", REFUSED, "quá nhiều phần", bomb=True))
    xxe = _xml_document(
        "<w:p><w:r><w:t>&xxe;</w:t></w:r></w:p>",
        '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n',
    )
    docx_with_document_xml(base_docx, folder / "xxe.docx", xxe)
    kinds.append(Hostile("xxe.docx", ADDED, check=lambda t: "root:" not in t and "43/63 địa phương" in t, note="the entity is never resolved"))
    laughs = "".join(f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    billion = _xml_document("<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>", f'<!DOCTYPE w:document [<!ENTITY lol0 "lol">{laughs}]>\n')
    docx_with_document_xml(base_docx, folder / "billion-laughs.docx", billion)
    kinds.append(Hostile("billion-laughs.docx", REFUSED, "bị hỏng", note="refused before any entity is expanded", bomb=True))
    add("corrupt.docx", base_docx.read_bytes()[:1500], REFUSED, "bị hỏng")
    add("image-named.docx", b"\x89PNG\r\n\x1a\n" + b"\0" * 500, REFUSED, "mà là một tệp ảnh")
    write_xlsx(work / "sheet.xlsx", [["STT", "Đơn vị", "Điểm"], [1, "Sở Y tế", 85], [2, "Sở Tư pháp", 78]])
    docx_with_extra_entry(work / "sheet.xlsx", folder / "bomb-sheet.xlsx", "xl/worksheets/sheet2.xml", BOMB_MB)
    kinds.append(Hostile("bomb-sheet.xlsx", REFUSED, "zip bomb", bomb=True))

    # --- text ---------------------------------------------------------------------------------------
    add("empty.txt", b"", REFUSED, "tệp rỗng")
    add("whitespace.txt", b" \n\t \n", REFUSED, "tệp trống")
    add("only-furniture.txt", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n1\n2\n".encode(), REFUSED, "không còn chữ nào")
    add("binary.txt", bytes(range(256)) * 20, REFUSED, "")
    add("english.txt", ENGLISH_PARAGRAPH.encode(), REFUSED, "không phải tiếng Việt")
    add(
        "controls.txt", ("\x1b[2J\x1b]0;owned\x07" + VIETNAMESE_PARAGRAPH.replace(" ", "\x00 ", 3) + "\x1b[31m\x85\x9b").encode(),
        ADDED, check=lambda t: "43/63" in t and not any(c in t for c in "\x1b\x00\x07\x85\x9b"),
    )
    add(
        "mojibake.txt", VIETNAMESE_PARAGRAPH.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8"),
        ADDED, check=lambda t: "Tính đến hết ngày 26/3/2025" in t and "Ã" not in t,
    )
    add("cp1258.txt", cp1258_bytes(VIETNAMESE_PARAGRAPH), ADDED, check=lambda t: "43/63 địa phương" in t)
    add("utf16.txt", VIETNAMESE_PARAGRAPH.encode("utf-16"), ADDED, check=lambda t: "43/63 địa phương" in t)
    from baocao.ingest.encoding import unicode_to_tcvn3, unicode_to_vni

    add("tcvn3.txt", (unicode_to_tcvn3(VIETNAMESE_PARAGRAPH) + "\n").encode("latin-1"), ADDED, check=lambda t: "địa phương" in t)
    add("vni.txt", (unicode_to_vni(VIETNAMESE_PARAGRAPH) + "\n").encode("latin-1"), ADDED, check=lambda t: "địa phương" in t)
    add("huge-line.txt", (VIETNAMESE_PARAGRAPH + " ").encode() * 1_500, ADDED, check=lambda t: "43/63" in t, note="0.5 MB on one line")

    # --- odd names and other formats ---------------------------------------------------------------
    add("-rf ; $(reboot) `báo cáo`.txt", VIETNAMESE_PARAGRAPH.encode(), ADDED, check=lambda t: "43/63" in t)
    add("ba\u0301o ca\u0301o NFD 📄 " + "dài" * 30 + ".md", ("# Báo cáo\n" + VIETNAMESE_PARAGRAPH).encode(), ADDED, check=lambda t: "43/63" in t)
    write_rtf(folder / "word.rtf", VIETNAMESE_PARAGRAPH)
    kinds.append(Hostile("word.rtf", ADDED, check=lambda t: "43/63 địa phương" in t, note="LibreOffice"))
    add("garbage.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 30, REFUSED, "")
    add("html-named.doc", b"<html><body>Trang web</body></html>", REFUSED, "trang web HTML")
    return kinds


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    for kind in write_hostile_corpus(target):
        print(f"{kind.expect:8} {kind.name}")
