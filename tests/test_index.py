"""The index in a real Chroma store in a temp dir: incremental, atomic, both indexes kept in step."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from baocao.vectorstore.ingest_files import ingest_one, ingest_paths
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


def test_delete_removes_from_both_indexes(settings_factory, embedder):
    settings = settings_factory(embeddings="always")  # vectors at ingest even for a model whose weight is 0
    index = open_index(settings, embedder)
    ingest_paths(index, [SEPTEMBER, AUGUST], settings)
    gone = index.find(AUGUST.name).doc_id
    assert gone in ids_of(index.search_dense("kết quả 7 tháng đầu năm", 50))
    assert index.delete(AUGUST.name).document == AUGUST.name
    assert [r.document for r in index.list_documents()] == [SEPTEMBER.name]
    assert gone not in ids_of(index.search_dense("kết quả 7 tháng đầu năm", 50))
    assert gone not in ids_of(index.search_lexical("7 tháng đầu năm", 50))
    assert index.delete("no-such-file.pdf") is None


def test_ingest_dying_half_way_leaves_index_as_before(settings_factory, embedder, monkeypatch):
    tmp_settings = settings_factory(embeddings="always")
    index = open_index(tmp_settings, embedder)
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
    assert {m["doc_id"] for m in reopened.vectors.get(include=["metadatas"])["metadatas"]} == live


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


def test_vectors_are_skipped_while_the_dense_weight_is_0_and_reindex_fills_them(index, tmp_settings):
    assert tmp_settings.dense_weight() == 0 and not tmp_settings.needs_vectors()
    ingest_paths(index, [SEPTEMBER], tmp_settings)
    total = index.count()
    assert index.vectors.count() == 0 and index.missing_vectors() == total
    assert index.search_lexical("Đề án 06", 5)  # searchable without any vector
    summary = index.reindex()
    assert summary["vectors_computed"] == total and index.vectors.count() == total
    assert index.missing_vectors() == 0 and index.count() == total
    assert index.search_dense("kết quả chuyển đổi số", 5)


def test_same_bytes_under_two_names_are_one_document_with_two_names(index, tmp_settings, tmp_path):
    first, second = tmp_path / "bao-cao-a.txt", tmp_path / "ban-sao-b.txt"
    shutil.copy(SEPTEMBER, first)
    shutil.copy(SEPTEMBER, second)
    report = ingest_paths(index, [first, second], tmp_settings)
    assert [o.status for o in report.outcomes] == ["added", "added"]
    [record] = index.list_documents()
    assert record.names == ["bao-cao-a.txt", "ban-sao-b.txt"] and record.document == "bao-cao-a.txt"
    assert index.count() == record.chunks == index.chunks.count()  # chunks counted once
    assert index.original_file(record.doc_id).read_bytes() == SEPTEMBER.read_bytes()

    deleted = index.delete("bao-cao-a.txt")  # the first name goes; the content stays under the other
    assert deleted.document == "bao-cao-a.txt"
    [record] = index.list_documents()
    assert record.names == ["ban-sao-b.txt"] and record.document == "ban-sao-b.txt"
    assert index.count() == record.chunks
    hits = index.search_lexical("Đề án 06", 20)
    assert hits and {h.chunk.document for h in hits} == {"ban-sao-b.txt"}  # never the deleted name
    assert {c.document for c in index.all_chunks()} == {"ban-sao-b.txt"}
    assert index.find("bao-cao-a.txt") is None and index.original_file(record.doc_id) is not None

    index.delete("ban-sao-b.txt")  # the last name: the document, its chunks and its original go
    assert index.list_documents() == [] and index.count() == 0 and index.chunks.count() == 0
    assert index.original_file(record.doc_id) is None


def test_unchanged_is_decided_from_what_is_stored_so_a_damaged_index_heals(index, tmp_settings):
    ingest_paths(index, [SEPTEMBER], tmp_settings)
    record = index.find(SEPTEMBER.name)
    lost = index.chunks.get(where={"doc_id": record.doc_id}, include=[])["ids"][:5]
    index.chunks.delete(ids=lost)  # damage from outside (an older version's sweep did this)
    report = ingest_paths(index, [SEPTEMBER], tmp_settings)
    assert [o.status for o in report.outcomes] == ["repaired"]
    assert len(index.chunks.get(where={"doc_id": record.doc_id}, include=[])["ids"]) == record.chunks
    assert index.count() == record.chunks


def test_bm25_over_segments_equals_a_bm25s_index_built_from_scratch(index, tmp_settings, sample_files, tmp_path):
    """Documents added in three batches, one deleted: the scores are those of bm25s rebuilt over the live chunks."""
    import bm25s
    import numpy as np

    from baocao.vectorstore.tokenize import analyze

    ingest_paths(index, sample_files[:2], tmp_settings)
    ingest_paths(index, sample_files[2:4], tmp_settings)
    ingest_paths(index, sample_files[4:], tmp_settings)
    index.delete(sample_files[1].name)
    state = index.lexical()
    assert len(state.segments) == 3 and state.dead  # one segment per write batch; the deleted rows are only marked
    reference = bm25s.BM25()
    reference.index([analyze(c.index_text()) or ["∅"] for c in state.chunks], show_progress=False)
    for query in ("tỉnh nào chưa thành lập Ban Chỉ đạo", "tốc độ Internet di động", "57-NQ/TW"):
        tokens = analyze(query)
        ids = [state.vocab.ids[t] for t in tokens if t in state.vocab.ids]
        assert np.allclose(state.scores(ids, "plain"), reference.get_scores(tokens), atol=1e-4)
    merged = state.merged()  # what a merge gives: one segment, the same scores
    assert len(merged.segments) == 1 and not merged.dead and merged.chunk_ids == state.chunk_ids
    ids = [merged.vocab.ids[t] for t in analyze("Ban Chỉ đạo") if t in merged.vocab.ids]
    assert np.allclose(merged.scores(ids, "plain"), reference.get_scores(analyze("Ban Chỉ đạo")), atol=1e-4)
    reopened = open_index(tmp_settings, index.embedder)  # the snapshot on disk gives the same state
    assert reopened.lexical().chunk_ids == state.chunk_ids


def test_a_generation_counter_in_chroma_moves_on_every_commit(index, tmp_settings, tmp_path):
    start = int(index.generation())
    ingest_paths(index, [SEPTEMBER], tmp_settings)
    assert int(index.generation()) == start + 1
    ingest_paths(index, [SEPTEMBER], tmp_settings)  # a no-op commits nothing
    assert int(index.generation()) == start + 1
    index.delete(SEPTEMBER.name)
    assert int(index.generation()) == start + 2 == index._generation_now()


def _per_segment_scores(state, token_ids, side):
    """The BM25 of `LexicalState.scores` as first written: one segment at a time, one token at a time
    (the reference the vectorised scoring must equal bit for bit)."""
    import numpy as np

    from baocao.vectorstore.lexical import B, K1

    out = np.zeros(len(state.chunks), dtype=np.float64)
    df = state.df[side]
    idf = np.log(1.0 + (state.n_live - df[token_ids] + 0.5) / (df[token_ids] + 0.5))
    offset = 0
    for segment in state.segments:
        postings = getattr(segment, side)
        spans = [postings.span(t) for t in token_ids]
        n = len(segment.chunks)
        if any(b > a for a, b in spans):
            rows = np.concatenate([postings.indices[a:b] for a, b in spans])
            tf = np.concatenate([postings.counts[a:b] for a, b in spans]).astype(np.float64)
            weight = np.repeat(idf, [b - a for a, b in spans])
            norm = K1 * ((1 - B) + B * segment.lengths[rows] / state.avg_length)
            seg_scores = np.bincount(rows, weights=weight * tf / (tf + norm), minlength=n)
        else:
            seg_scores = np.zeros(n)
        dead = state.dead.get(segment.name)
        live = seg_scores if dead is None else seg_scores[~dead]
        out[offset : offset + len(live)] = live
        offset += len(live)
    return out


def test_vectorised_bm25_equals_the_per_segment_sum_bit_for_bit(index, tmp_settings, sample_files):
    """Three segments, dead rows in one: every question of the evaluation set (and its words one by one,
    repeated, unknown) scores exactly as the per-segment, per-token sum, on both sides."""
    import json

    import numpy as np

    from baocao.ingest.vietnamese import fold
    from baocao.vectorstore.lexical import query_tokens

    ingest_paths(index, sample_files[:2], tmp_settings)
    ingest_paths(index, sample_files[2:4], tmp_settings)
    ingest_paths(index, sample_files[4:], tmp_settings)
    index.delete(sample_files[1].name)
    state = index.lexical()
    assert len(state.segments) == 3 and state.dead
    questions = [json.loads(line)["question"] for line in
                 (Path(__file__).resolve().parent.parent / "eval" / "datasets" / "questions.jsonl").read_text(
                     encoding="utf-8").splitlines() if line.strip()]
    compared = 0
    for question in questions + ["Ban Chỉ đạo Ban Chỉ đạo", "xyzzy không có", "57-NQ/TW"]:
        tokens = list(query_tokens(question))
        for side, vocab, words in (("plain", state.vocab, tokens), ("folded", state.folded_vocab, [fold(t) for t in tokens])):
            ids = [vocab.ids[t] for t in words if t in vocab.ids]
            if not ids:
                continue
            assert np.array_equal(state.scores(ids, side), _per_segment_scores(state, ids, side))
            for one in ids[:3] + [len(vocab) - 1]:
                assert np.array_equal(state.scores([one, one], side), _per_segment_scores(state, [one, one], side))
            compared += 1
    assert compared > 100


def test_dense_rows_of_common_tokens_score_as_the_per_segment_sum(index, tmp_settings, sample_files, monkeypatch):
    """On a large index the tokens most chunks hold are scored over dense rows: the same scores to
    rounding, the same hits in the same order (forced here on the sample, with dead rows)."""
    import json

    import numpy as np

    from baocao.ingest.vietnamese import fold
    from baocao.vectorstore import lexical

    ingest_paths(index, sample_files[:3], tmp_settings)
    ingest_paths(index, sample_files[3:], tmp_settings)
    index.delete(sample_files[0].name)
    state = index.lexical()
    questions = [json.loads(line)["question"] for line in
                 (Path(__file__).resolve().parent.parent / "eval" / "datasets" / "questions.jsonl").read_text(
                     encoding="utf-8").splitlines() if line.strip()]
    plain = {q: state.search(q, 40) for q in questions}
    folded = {q: state.search(q, 40, fold_query=True) for q in questions}
    monkeypatch.setattr(lexical, "DENSE_MIN_CHUNKS", 0)
    monkeypatch.setattr(lexical, "DENSE_SHARE", 0.05)
    state._rows.clear()
    assert len(state._side("plain")[1]) > 20 and len(state._side("folded")[1]) > 20
    for question in questions:
        tokens = list(lexical.query_tokens(question))
        for side, vocab, words in (("plain", state.vocab, tokens), ("folded", state.folded_vocab, [fold(t) for t in tokens])):
            ids = [vocab.ids[t] for t in words if t in vocab.ids]
            if ids:
                assert np.allclose(state.scores(ids, side), _per_segment_scores(state, ids, side), rtol=1e-12, atol=1e-12)
        for before, after in ((plain[question], state.search(question, 40)),
                              (folded[question], state.search(question, 40, fold_query=True))):
            assert [h.chunk_id for h in after] == [h.chunk_id for h in before]
            assert np.allclose([h.score for h in after], [h.score for h in before], rtol=1e-12, atol=0)


def test_a_document_missing_one_chunk_is_not_unchanged_and_heals(index, tmp_settings, tmp_path):
    # "unchanged" is decided by looking every chunk of the commit record up by its id
    from baocao.ingest.models import chunk_id
    from baocao.ingest.pipeline import ingest_file

    path = tmp_path / "bao-cao.txt"
    path.write_text("BÁO CÁO\nKết quả chuyển đổi số\n" + "\n".join(
        f"{n}. Nội dung thứ {n}: tỉnh đã hoàn thành {n * 7} nhiệm vụ chuyển đổi số trong tháng {n} năm 2025, "
        "đạt kết quả tốt theo kế hoạch đề ra của Ủy ban nhân dân tỉnh." * 3 for n in range(1, 9)), encoding="utf-8")
    doc = ingest_file(path)
    assert index.add(doc) == "added" and len(doc.chunks) > 2
    assert index.is_unchanged(doc)
    index.texts.delete(ids=[chunk_id(doc.doc_id, 1)])
    assert not index.is_unchanged(doc)
    assert index.add(doc) != "unchanged"
    assert index.is_unchanged(doc) and len(index.get_chunks([c.chunk_id for c in doc.chunks])) == len(doc.chunks)


def test_a_passage_is_found_by_the_body_its_documents_title_names(index, tmp_settings, tmp_path):
    """Two decisions set up two bodies; their articles on the standing agency name neither body."""
    for name, body, agency in [("qd-quoc-gia.txt", "Ban Chỉ đạo quốc gia về dữ liệu", "Bộ Công an"),
                               ("qd-tinh.txt", "Ban Chỉ đạo về dữ liệu tỉnh Cà Mau", "Sở Khoa học và Công nghệ")]:
        (tmp_path / name).write_text(
            f"QUYẾT ĐỊNH\nThành lập {body}\n\nĐiều 1. Thành lập {body} gồm các thành viên sau:\n"
            + "".join(f"{i}. Giám đốc đơn vị số {i}, thành viên phụ trách lĩnh vực được phân công.\n" for i in range(1, 16)) + "\n"
            f"Điều 2. Cơ quan thường trực\n{agency} làm nhiệm vụ cơ quan thường trực của Ban Chỉ đạo.\n", encoding="utf-8")
    assert not ingest_paths(index, sorted(tmp_path.glob("*.txt")), tmp_settings).failed
    for question, agency in [("cơ quan thường trực của Ban Chỉ đạo quốc gia về dữ liệu", "Bộ Công an"),
                             ("cơ quan thường trực của Ban Chỉ đạo về dữ liệu tỉnh Cà Mau", "Sở Khoa học và Công nghệ")]:
        assert f"{agency} làm nhiệm vụ" in index.search_lexical(question, 1)[0].chunk.text, question


# --- no-op re-ingest without parsing; the ingest fingerprint ----------------------------------------------


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The names of the files ingest_paths parses (a spy on the pipeline's entry point)."""
    from baocao.vectorstore import ingest_files

    seen: list[str] = []
    real = ingest_files.ingest_file

    def spy(path, *args, **kwargs):
        seen.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(ingest_files, "ingest_file", spy)
    return seen


def folder_of(tmp_path, *sources: Path) -> list[Path]:
    folder = tmp_path / "docs"
    folder.mkdir(exist_ok=True)
    return [Path(shutil.copy(s, folder / s.name)) for s in sources]


def stored_rows(index, doc_id: str) -> int:
    return len(index.texts.get(where={"doc_id": doc_id}, include=[])["ids"])


def test_a_second_ingest_of_the_same_folder_parses_nothing(tmp_settings, embedder, tmp_path, parsed):
    files = folder_of(tmp_path, SEPTEMBER, AUGUST)
    first = ingest_paths(open_index(tmp_settings, embedder), files, tmp_settings)
    assert [o.status for o in first.outcomes] == ["added", "added"] and sorted(parsed) == sorted(f.name for f in files)
    parsed.clear()
    index = open_index(tmp_settings, embedder)  # a new `baocao ingest`: only what is stored is known
    again = ingest_paths(index, files, tmp_settings)
    assert parsed == []
    assert [o.status for o in again.outcomes] == ["unchanged", "unchanged"]
    assert ingest_one(index, files[0], tmp_settings).status == "unchanged" and parsed == []  # an upload, likewise
    assert [o.chunks for o in again.outcomes] == [o.chunks for o in first.outcomes]
    renamed = tmp_path / "docs" / "ban-sao.txt"  # the same bytes under a new name: parsed, one more name
    shutil.copy(SEPTEMBER, renamed)
    ingest_paths(index, [*files, renamed], tmp_settings)
    assert parsed == ["ban-sao.txt"] and index.find("ban-sao.txt").doc_id == index.find(SEPTEMBER.name).doc_id


def test_a_damaged_document_is_parsed_again_and_heals_the_others_are_not(tmp_settings, embedder, tmp_path, parsed):
    files = folder_of(tmp_path, SEPTEMBER, AUGUST)
    index = open_index(tmp_settings, embedder)
    ingest_paths(index, files, tmp_settings)
    record = index.find(SEPTEMBER.name)
    index.texts.delete(ids=index.texts.get(where={"doc_id": record.doc_id}, include=[])["ids"][:3])
    parsed.clear()
    report = ingest_paths(open_index(tmp_settings, embedder), files, tmp_settings)
    assert [o.status for o in report.outcomes] == ["repaired", "unchanged"] and parsed == [SEPTEMBER.name]
    assert stored_rows(index, record.doc_id) == record.chunks


def test_a_changed_chunk_size_reingests_and_leaves_no_old_chunk(settings_factory, embedder, tmp_path, parsed):
    files = folder_of(tmp_path, SEPTEMBER, AUGUST)
    ingest_paths(open_index(settings_factory(), embedder), files, settings_factory())
    counts = {900: index_chunks(settings_factory(), embedder)}
    for size in (400, 1600):  # more chunks than stored, then fewer (the old tail must go)
        settings = settings_factory(chunk_chars=size)
        parsed.clear()
        report = ingest_paths(open_index(settings, embedder), files, settings)
        assert [o.status for o in report.outcomes] == ["reingested", "reingested"] and len(parsed) == 2
        counts[size] = index_chunks(settings, embedder)
        parsed.clear()
        assert [o.status for o in ingest_paths(open_index(settings, embedder), files, settings).outcomes] == [
            "unchanged", "unchanged"] and parsed == []
    assert counts[400] > counts[900] > counts[1600]


def index_chunks(settings, embedder) -> int:
    """Chunks of every document: the records, Chroma's rows and another process's BM25 side agree."""
    index = open_index(settings, embedder)
    records = index.list_documents()
    assert all(stored_rows(index, r.doc_id) == r.chunks for r in records)
    assert all(r.ingest == index.fingerprint for r in records)
    state = index.lexical()
    stored = index.texts.get(include=["documents"])
    assert {c.chunk_id: c.text for c in state.chunks} == dict(zip(stored["ids"], stored["documents"]))  # new reading
    assert len(state.chunks) == sum(r.chunks for r in records)
    return len(state.chunks)


def test_new_ingest_code_reingests(tmp_settings, embedder, tmp_path, parsed, monkeypatch):
    from baocao.vectorstore import store

    files = folder_of(tmp_path, SEPTEMBER)
    ingest_paths(open_index(tmp_settings, embedder), files, tmp_settings)
    monkeypatch.setattr(store, "ingest_fingerprint", lambda settings: "new-ingest-code")
    parsed.clear()
    report = ingest_paths(open_index(tmp_settings, embedder), files, tmp_settings)
    assert [o.status for o in report.outcomes] == ["reingested"] and parsed == [SEPTEMBER.name]


def test_the_ingest_fingerprint_follows_what_shapes_chunks(settings_factory, tmp_path):
    from baocao.ingest.pipeline import ingest_file
    from baocao.vectorstore.fingerprint import code_digest, file_doc_id, ingest_fingerprint

    base = ingest_fingerprint(settings_factory())
    assert ingest_fingerprint(settings_factory(home=tmp_path / "elsewhere")) == base
    assert ingest_fingerprint(settings_factory(ocr_workers=1)) == base  # how fast, not what
    for changed in ({"chunk_chars": 500}, {"ocr": False}, {"max_file_mb": 5.0}, {"allow_non_vietnamese": True}):
        assert ingest_fingerprint(settings_factory(**changed)) != base, changed
    assert code_digest(("ingest",)) != code_digest(("ingest", "vectorstore/tokenize.py"))
    assert file_doc_id(SEPTEMBER) == ingest_file(SEPTEMBER).doc_id
