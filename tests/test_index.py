"""The index in a real Chroma store in a temp dir: incremental, atomic, both indexes kept in step."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from baocao.ingest.loaders import iter_input_files
from baocao.vectorstore.ingest_files import ingest_paths
from baocao.vectorstore.store import open_index

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
SEPTEMBER = SAMPLE / "2025-09-22_bao-cao-tom-tat-phien-hop-lan-4.txt"
AUGUST = SAMPLE / "2025-08_bao-cao-tom-tat-khcn-dmst-cds-7-thang.txt"


@pytest.fixture
def index(tmp_settings, embedder):
    return open_index(tmp_settings, embedder)


def ids_of(hits) -> set[str]:
    return {h.chunk.doc_id for h in hits}


def test_reingest_is_noop_and_changed_file_replaces(index, tmp_settings, tmp_path):
    copy = tmp_path / SEPTEMBER.name
    shutil.copy(SEPTEMBER, copy)
    first = ingest_paths(index, [copy], tmp_settings)
    assert [o.status for o in first.outcomes] == ["added"]
    again = ingest_paths(index, [copy], tmp_settings)
    assert [o.status for o in again.outcomes] == ["unchanged"]

    old_id = index.list_documents()[0].doc_id
    copy.write_text(copy.read_text(encoding="utf-8") + "\nĐến hết tháng 9/2025 có 99 nền tảng số mới được công bố.\n", encoding="utf-8")
    changed = ingest_paths(index, [copy], tmp_settings)
    assert [o.status for o in changed.outcomes] == ["replaced"]
    records = index.list_documents()
    assert len(records) == 1 and records[0].doc_id != old_id
    assert old_id not in ids_of(index.search_lexical("nền tảng số", 50))
    assert old_id not in {c.doc_id for c in index.all_chunks()}
    assert index.chunks.get(where={"doc_id": old_id})["ids"] == []  # old chunks gone from Chroma too
    assert any("99 nền tảng số" in h.chunk.text for h in index.search_lexical("99 nền tảng số mới", 5))


def test_delete_removes_from_both_indexes(index, tmp_settings):
    ingest_paths(index, [SEPTEMBER, AUGUST], tmp_settings)
    gone = index.find(AUGUST.name).doc_id
    assert gone in ids_of(index.search_dense("kết quả 7 tháng đầu năm", 50))
    assert index.delete(AUGUST.name).document == AUGUST.name
    assert [r.document for r in index.list_documents()] == [SEPTEMBER.name]
    assert gone not in ids_of(index.search_dense("kết quả 7 tháng đầu năm", 50))
    assert gone not in ids_of(index.search_lexical("7 tháng đầu năm", 50))
    assert index.delete("no-such-file.pdf") is None


def test_ingest_dying_half_way_leaves_index_as_before(index, tmp_settings, monkeypatch):
    ingest_paths(index, [SEPTEMBER], tmp_settings)
    before = index.list_documents()
    count_before = index.count()

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    # Chunks of AUGUST get written, then the process dies before the commit record.
    monkeypatch.setattr(index.documents, "upsert", crash)
    with pytest.raises(RuntimeError):
        ingest_paths(index, [AUGUST], tmp_settings)
    monkeypatch.undo()

    reopened = open_index(tmp_settings, index.embedder)
    assert [r.doc_id for r in reopened.list_documents()] == [r.doc_id for r in before]
    assert reopened.count() == count_before
    august_words = "Trợ lý ảo hỗ trợ thủ tục hành chính"
    assert all(h.chunk.document == SEPTEMBER.name for h in reopened.search_dense(august_words, 20))
    # The next successful write sweeps the orphans away.
    ingest_paths(reopened, [AUGUST], tmp_settings)
    assert {r.document for r in reopened.list_documents()} == {SEPTEMBER.name, AUGUST.name}
    live = {r.doc_id for r in reopened.list_documents()}
    assert {m["doc_id"] for m in reopened.chunks.get(include=["metadatas"])["metadatas"]} == live


def test_bad_file_is_reported_and_the_rest_go_in(index, tmp_settings, tmp_path):
    bad = tmp_path / "hong.pdf"
    bad.write_bytes(b"<html><body>not a pdf</body></html>")
    report = ingest_paths(index, [bad, SEPTEMBER], tmp_settings)
    assert [o.status for o in report.outcomes] == ["failed", "added"]
    assert "hong.pdf" in report.failed[0].message
    assert [r.document for r in index.list_documents()] == [SEPTEMBER.name]


def test_folded_bm25_finds_questions_typed_without_diacritics(sample_index):
    hits = sample_index.search_lexical("tinh nao chua ban hanh ke hoach hanh dong", 5, fold=True)
    top = hits[0].chunk.text
    assert "chưa ban hành" in top and "Kế hoạch hành động" in top and "địa phương" in top


def test_document_numbers_are_single_tokens():
    from baocao.vectorstore.tokenize import analyze

    tokens = analyze("Thực hiện Nghị quyết số 57-NQ/TW và Nghị định 123/2020/NĐ-CP, 43/63 địa phương, 159,57 Mbps")
    for number in ("57-nq/tw", "123/2020/nđ-cp", "43/63", "159,57"):
        assert number in tokens


def test_lexical_snapshot_survives_reopen_and_follows_other_writers(tmp_settings, embedder):
    writer = open_index(tmp_settings, embedder)
    ingest_paths(writer, [SEPTEMBER], tmp_settings)
    reader = open_index(tmp_settings, embedder)
    assert reader.count() == writer.count() > 0
    assert reader.lexical().generation == writer.lexical().generation
