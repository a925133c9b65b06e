"""`baocao ask` without a question (prompt_toolkit on a terminal, line by line when piped) and the progress
of `baocao ingest` (every stage of every file; plain lines when piped; library noise silenced)."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from baocao.progress import PlainReporter, reporting, stage

LIST_QUESTION = "Tỉnh nào chưa thành lập Ban Chỉ đạo?"
REPORT = """ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG
BÁO CÁO
Kết quả chuyển đổi số tháng 11 năm 2025
I. KẾT QUẢ ĐẠT ĐƯỢC
1. Về hạ tầng số
Tính đến ngày 30/11/2025, toàn tỉnh có 98,5% thôn, bản được phủ sóng băng rộng di động và 100% xã có cáp quang.
"""


@pytest.fixture(scope="module")
def assistant(sample_index):
    from baocao.assistant.service import Assistant

    return Assistant.from_settings(sample_index.settings, index=sample_index)


def test_the_interactive_prompt_edits_recalls_and_keeps_the_conversation(assistant, tmp_path):
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from baocao.repl import Session, history_path, run_interactive

    out = io.StringIO()
    session = Session(assistant, out)
    # One line of keys per prompt, sent once the previous line is handled (typed-ahead keys are replayed
    # before prompt_toolkit has loaded its history, so ↑ would find nothing).
    script = [LIST_QUESTION + "\r", "/sources\r", "\x1b[A\x1b[A\r",  # ↑ ↑ Enter: the question before /sources
              "Còn bộ, ngành nào?\r", "/new\r", "/help\r", "/lạ\r", "\x04"]  # Ctrl-D
    with create_pipe_input() as keys:
        handle = session.handle

        def handle_then_type(line: str) -> bool:
            keep = handle(line)
            if script:
                keys.send_text(script.pop(0))
            return keep

        session.handle = handle_then_type
        keys.send_text(script.pop(0))
        assert run_interactive(session, tmp_path, input=keys, output=DummyOutput()) == 0
    text = out.getvalue()
    assert session.asked == [LIST_QUESTION, LIST_QUESTION, "Còn bộ, ngành nào?"]
    assert text.count("20 tỉnh, thành phố chưa") == 2 and "Nguồn: [1]" in text
    assert "«" in text and "tệp: 2025-03_bao-cao-chuyen-doi-so-quoc-gia-thang-3.txt" in text  # /sources: the quotes
    assert "Bộ Công an" in text  # the follow-up was understood in the conversation
    assert "Đã bắt đầu cuộc trò chuyện mới." in text and session.conversation_id is None
    assert "/sources" in text and "Không có lệnh /lạ" in text and text.rstrip().endswith("Tạm biệt.")
    history = history_path(tmp_path).read_text(encoding="utf-8")
    assert LIST_QUESTION in history and "/new" in history  # kept for the next session under BAOCAO_HOME


def test_piped_questions_are_answered_line_by_line(assistant, tmp_path):
    from baocao.repl import run

    out = io.StringIO()
    stdin = io.StringIO(LIST_QUESTION + "\n\nCòn bộ, ngành nào?\n")
    assert run(assistant, tmp_path, stdin=stdin, stdout=out) == 0
    text = out.getvalue()
    assert "Hỏi ›" not in text and "20 tỉnh" in text and "Bộ Công an" in text
    assert not (tmp_path / "ask_history").exists()  # no terminal, no history file


def test_every_stage_of_every_file_is_reported(tmp_path, embedder):
    from baocao.settings import Settings
    from baocao.vectorstore.ingest_files import ingest_paths
    from baocao.vectorstore.store import open_index

    good = tmp_path / "bao-cao-thang-11.txt"
    good.write_text(REPORT, encoding="utf-8")
    empty = tmp_path / "rong.txt"
    empty.write_text("", encoding="utf-8")
    settings = Settings(home=tmp_path / "home")
    out = io.StringIO()
    with reporting(PlainReporter(out, total_files=2)):
        report = ingest_paths(open_index(settings, embedder), [good, empty], settings)
    lines = out.getvalue().splitlines()
    ours = [line.split(": ", 1)[1] for line in lines if line.startswith("[1/2] bao-cao-thang-11.txt")]
    chunks = report.outcomes[0].chunks
    embedding = [f"tính vector 0/{chunks}", f"tính vector {chunks}/{chunks}"] if settings.needs_vectors() else []
    # With the default model's dense weight 0 no vectors are computed, so no "embed" stage is claimed.
    assert ours == ["đọc tệp", "sửa lỗi chữ tiếng Việt", "phân tích cấu trúc", *embedding, "ghi vào chỉ mục"]
    assert "[2/2] rong.txt: đọc tệp" in lines and len(report.failed) == 1
    stage("x", "read")  # outside `reporting`: nothing, no error


def test_a_broken_reporter_never_breaks_the_work():
    def broken(*_):
        raise RuntimeError("terminal gone")

    with reporting(broken):
        stage("a.pdf", "read")
        stage("a.pdf", "embed", 1, 2)  # switched off after the first failure; no exception


def test_piped_ingest_prints_plain_progress_without_library_noise(tmp_path):
    good = tmp_path / "bao-cao-thang-11.txt"
    good.write_text(REPORT, encoding="utf-8")
    env = {"BAOCAO_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "baocao", "ingest", str(good)], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "[1/1] bao-cao-thang-11.txt: đọc tệp" in done.stdout and "ghi vào chỉ mục" in done.stdout
    assert "1 added" in done.stdout
    noise = done.stdout + done.stderr
    assert "Loading weights" not in noise and "Building index" not in noise and "it/s" not in noise


def test_progress_kinds():
    from baocao.progress import make_reporter, resolve_kind

    assert resolve_kind("auto", io.StringIO()) == "plain"  # not a terminal: plain lines
    assert make_reporter("none") is None
    assert isinstance(make_reporter("plain", stream=io.StringIO()), PlainReporter)


BUILD_CORPUS_INDEX = """
import sys
from pathlib import Path
from baocao.eval.corpus_index import cached_corpus_index
from baocao.eval.dataset import Corpus
from baocao.settings import Settings

docs, home = Path(sys.argv[1]), Path(sys.argv[2])
built = cached_corpus_index(Settings(_env_file=None, home=home), Corpus("tiny", docs, {}, {}, {}), say=print)
print("built", built.built, "failed", len(built.failed))
"""


def test_the_eval_index_build_prints_plain_progress_to_a_pipe(tmp_path):
    """`baocao eval` builds a corpus index (minutes for realdocs): piped, every file's stages are on stderr."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "bao-cao-thang-11.txt").write_text(REPORT, encoding="utf-8")
    (docs / "bao-cao-thang-12.txt").write_text(REPORT.replace("11", "12").replace("98,5%", "99,1%"), encoding="utf-8")
    env = {"BAOCAO_EVAL_CACHE": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", BUILD_CORPUS_INDEX, str(docs), str(tmp_path / "home")], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "built True failed 0" in done.stdout
    lines = done.stderr.splitlines()
    for number, name in ((1, "bao-cao-thang-11.txt"), (2, "bao-cao-thang-12.txt")):
        assert f"[{number}/2] {name}: đọc tệp" in lines and f"[{number}/2] {name}: ghi vào chỉ mục" in lines
    assert "Indexing 2 documents of tiny" in done.stdout  # the eval's own messages stay where they were
