"""The hostile-file suite: the corpus of hostile_files.py ingested by `baocao ingest` mixed with the sample
reports. Every bad file is refused with one line, every good file goes in, the index is consistent,
the headline question is still answered, and memory stays bounded (zip bombs are never unpacked).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile_files import ADDED, REFUSED, write_hostile_corpus  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted((REPO / "data" / "sample").glob("*.txt"))
BOMB_RSS_LIMIT_MB = 300  # above the idle process, while refusing any zip bomb (issue 10.4)
INGEST_RSS_LIMIT_MB = 2500  # the whole CLI ingest: embedder, Chroma, underthesea, and the hostile files
NOT_ESTABLISHED = {
    "An Giang", "Bắc Giang", "Bắc Ninh", "Bến Tre", "Bình Dương", "Bình Thuận", "Đồng Nai", "Gia Lai", "Hà Nam",
    "Hải Phòng", "Hưng Yên", "Kon Tum", "Lai Châu", "Lâm Đồng", "Nam Định", "Nghệ An", "Sơn La", "Huế",
    "Vĩnh Phúc", "Yên Bái",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    kinds = write_hostile_corpus(folder)
    for sample in SAMPLES:
        shutil.copy(sample, folder / sample.name)
    return folder, kinds


@pytest.fixture(scope="module")
def ingested(corpus, tmp_path_factory):
    """`baocao ingest` of the corpus in a fresh process: its output, exit code and peak memory."""
    folder, kinds = corpus
    home = tmp_path_factory.mktemp("hostile-home")
    env = dict(os.environ, BAOCAO_HOME=str(home), HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
    script = textwrap.dedent(
        """
        import resource, sys
        from baocao.cli import main
        code = main(["ingest", sys.argv[1]])
        print("PEAK_RSS_MB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr)
        sys.exit(code)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(folder)], env=env, capture_output=True, text=True, timeout=1500,
    )
    peak = float(next(line.split()[1] for line in done.stderr.splitlines() if line.startswith("PEAK_RSS_MB")))
    return done, home, peak


def test_corpus_has_every_kind_of_hostile_file(corpus):
    _, kinds = corpus
    assert len(kinds) >= 25
    assert len({k.name for k in kinds}) == len(kinds)


def test_every_bad_file_is_refused_with_one_line(corpus, ingested):
    _, kinds = corpus
    done, _, _ = ingested
    errors = [line for line in done.stderr.splitlines() if line.startswith("ERROR ")]
    assert done.returncode == 1  # some files failed: the exit code says so
    assert "Traceback" not in done.stderr
    for kind in kinds:
        mine = [line for line in errors if line.startswith(f"ERROR {kind.name}: ")]
        if kind.expect == REFUSED:
            assert len(mine) == 1, f"{kind.name}: {mine or 'not refused'}"
            assert kind.says.lower() in mine[0].lower(), mine[0]
            assert " — " in mine[0]  # problem — what to do
        else:
            assert not mine, mine
    assert len(errors) == sum(k.expect == REFUSED for k in kinds)


def test_every_good_file_is_in_and_the_index_is_consistent(corpus, ingested):
    from baocao.settings import Settings
    from baocao.vectorstore.store import open_index

    folder, kinds = corpus
    done, home, _ = ingested
    added = {line.split(" (")[0].split(" ", 1)[1].strip() for line in done.stdout.splitlines() if line.startswith("added")}
    good = {k.name for k in kinds if k.expect == ADDED} | {s.name for s in SAMPLES}
    assert added == good

    index = open_index(Settings(home=home))
    records = {record.document: record for record in index.list_documents()}
    by_document: dict[str, list] = {}
    for chunk in index.current_chunks():
        by_document.setdefault(chunk.document, []).append(chunk)
    assert set(records) == good and set(by_document) == good
    for name, record in records.items():
        assert record.chunks == len(by_document[name]) > 0, name  # what the commit says is what is stored
    for kind in kinds:
        if kind.expect == ADDED and kind.check is not None:
            text = "\n".join(c.text for c in by_document[kind.name])
            assert kind.check(text), kind.name
    every_text = "\n".join(c.text for chunks in by_document.values() for c in chunks)
    assert "\x1b" not in every_text and "\x00" not in every_text


def test_headline_question_is_still_answered(ingested):
    from baocao.assistant.service import Assistant
    from baocao.settings import Settings

    _, home, _ = ingested
    answer = Assistant.from_settings(Settings(home=home)).ask("Tỉnh nào chưa thành lập Ban Chỉ đạo?")
    assert set(answer.items) == NOT_ESTABLISHED


def test_peak_memory_of_the_whole_ingest_is_bounded(ingested):
    _, _, peak = ingested
    print(f"peak RSS of `baocao ingest` over the hostile corpus and the samples: {peak:.0f} MB")
    assert peak < INGEST_RSS_LIMIT_MB


def test_refusing_a_zip_bomb_costs_little_memory(corpus):
    """All bombs, one after the other, in a fresh process: its peak RSS minus the RSS right before the
    first one bounds what refusing any of them cost."""
    folder, kinds = corpus
    bombs = [k for k in kinds if k.bomb]
    assert len(bombs) >= 5
    script = textwrap.dedent(
        """
        import json, resource, sys
        from pathlib import Path
        import docx, openpyxl, lxml.etree  # what reading a DOCX/XLSX imports, loaded before measuring
        from baocao.ingest.loaders import load_file
        from baocao.ingest.models import IngestError
        idle = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        outcomes = {}
        for name in sys.argv[2:]:
            try:
                load_file(Path(sys.argv[1]) / name)
                outcomes[name] = "added"
            except IngestError as exc:
                outcomes[name] = str(exc)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"idle": idle, "peak": peak, "outcomes": outcomes}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(folder), *[b.name for b in bombs]], capture_output=True, text=True, timeout=600,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["peak"] - result["idle"] <= BOMB_RSS_LIMIT_MB, result
    for bomb in bombs:
        assert bomb.says in result["outcomes"][bomb.name], (bomb.name, result["outcomes"][bomb.name])
