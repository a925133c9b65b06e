"""Old and other office formats: `.doc`, `.rtf`, `.odt` become DOCX and `.xls`/`.ods` become XLSX through
LibreOffice headless (Debian `libreoffice-writer-nogui`; `libreoffice-calc-nogui` for sheets), then
go through the DOCX/XLSX readers with their tables. Without LibreOffice, `.doc` falls back to antiword
(plain text; tables as `|`-separated rows). Spreadsheets are read with openpyxl, each row with its header.

LibreOffice runs with its own profile in a temporary folder (`-env:UserInstallation`), on a copy of
the file under a fixed name (an odd file name is never an argument), with a timeout after which the
whole process group is killed.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

from baocao.ingest.models import IngestError

CONVERT_TIMEOUT_S = 120.0
TO_DOCX = {".doc", ".rtf", ".odt", ".docm", ".dot", ".dotx"}
TO_XLSX = {".xls", ".ods", ".xlsm"}
_INSTALL_HINT = "hãy cài LibreOffice (apt-get install libreoffice-writer-nogui, hoặc `make runtime-deps`), hoặc lưu tệp thành .docx"
_SAVE_AS_DOCX = "hãy mở bằng Word hoặc LibreOffice và lưu thành .docx"

_profile_lock = threading.Lock()  # one LibreOffice at a time per process: they would share the profile
_profile_dir: Path | None = None


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def antiword_path() -> str | None:
    return shutil.which("antiword")


def convert_with_libreoffice(name: str, data: bytes, suffix: str, target: str, timeout_s: float = CONVERT_TIMEOUT_S) -> bytes:
    """The file's bytes converted to `target` ("docx" | "xlsx") by LibreOffice; IngestError when it cannot be."""
    soffice = soffice_path()
    if soffice is None:
        missing = "máy chưa cài LibreOffice lẫn antiword" if suffix in (".doc", ".dot") else "máy chưa cài LibreOffice"
        raise IngestError(name, f"không đọc được tệp {suffix}: {missing}", _INSTALL_HINT)
    with _profile_lock, tempfile.TemporaryDirectory(prefix="baocao-convert-") as work:
        source = Path(work) / f"input{suffix}"
        source.write_bytes(data)
        out_dir = Path(work) / "out"
        command = [
            soffice, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
            f"-env:UserInstallation={_profile().as_uri()}", "--convert-to", target, "--outdir", str(out_dir), str(source),
        ]
        _run(name, command, timeout_s, suffix)
        produced = out_dir / f"input.{target}"
        if not produced.is_file() or produced.stat().st_size == 0:
            raise IngestError(name, f"LibreOffice không chuyển đổi được tệp {suffix} này (tệp hỏng?)", _SAVE_AS_DOCX)
        return produced.read_bytes()


def _run(name: str, command: list[str], timeout_s: float, suffix: str) -> None:
    env = dict(os.environ, HOME=str(_profile()), SAL_USE_VCLPLUGIN="svp")
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        env=env, start_new_session=True,  # its own process group: a timeout kills soffice.bin too
    )
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise IngestError(name, f"chuyển đổi tệp {suffix} này mất hơn {timeout_s:.0f} giây", "hãy lưu thành .docx rồi thử lại") from None
    finally:
        if process.poll() is None:
            _kill_group(process)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def _profile() -> Path:
    """One LibreOffice profile per process (its first start is the slow one), removed at exit."""
    global _profile_dir
    if _profile_dir is None:
        _profile_dir = Path(tempfile.mkdtemp(prefix="baocao-soffice-"))
        atexit.register(shutil.rmtree, _profile_dir, True)
    return _profile_dir


def doc_text_with_antiword(name: str, data: bytes, timeout_s: float = CONVERT_TIMEOUT_S) -> str:
    """Text of a Word 97-2003 file by antiword, when LibreOffice is missing."""
    antiword = antiword_path()
    if antiword is None:
        raise IngestError(name, "không đọc được tệp .doc: máy chưa cài LibreOffice lẫn antiword", _INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="baocao-antiword-") as work:
        source = Path(work) / "input.doc"
        source.write_bytes(data)
        try:
            done = subprocess.run(
                [antiword, "-w", "0", "-m", "UTF-8.txt", str(source)],
                capture_output=True, timeout=timeout_s, check=False,
            )
        except subprocess.TimeoutExpired:
            raise IngestError(name, f"đọc tệp .doc này mất hơn {timeout_s:.0f} giây", "hãy lưu thành .docx rồi thử lại") from None
    if done.returncode != 0:
        raise IngestError(name, "tệp .doc bị hỏng hoặc không phải văn bản Word 97-2003", _SAVE_AS_DOCX)
    return done.stdout.decode("utf-8", errors="replace")


# --- spreadsheets ---------------------------------------------------------------------------------------

MAX_SHEET_ROWS = 200_000


def xlsx_sheets(name: str, data: bytes) -> list[tuple[str, list[str], list[str]]]:
    """(sheet title, row lines, the same rows as a table) per sheet with data; the first non-empty row is
    the header (rows of a `header: value; …` form, ingest/tables.py)."""
    import io

    import openpyxl

    from baocao.ingest.tables import render_grid

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise IngestError(name, "bảng tính bị hỏng, không đọc được", "hãy lưu lại tệp bằng Excel hoặc LibreOffice") from None
    sheets = []
    try:
        for sheet in book.worksheets:
            rows: list[list[str | None]] = []
            for count, values in enumerate(sheet.iter_rows(values_only=True)):
                if count >= MAX_SHEET_ROWS:
                    break
                cells = ["" if v is None else _cell(v) for v in values]
                if any(cells):
                    rows.append(cells)
            if not rows:
                continue
            width = max(len(r) for r in rows)
            rows = [(r + [""] * width)[:width] for r in rows]
            lines, _ = render_grid(rows, header_count=1)
            sheets.append((sheet.title, lines, lines))
    except IngestError:
        raise
    except Exception:
        raise IngestError(name, "bảng tính bị hỏng, không đọc được", "hãy lưu lại tệp bằng Excel hoặc LibreOffice") from None
    finally:
        book.close()
    return sheets


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y") if not getattr(value, "hour", 0) else value.strftime("%d/%m/%Y %H:%M")
    return str(value)
