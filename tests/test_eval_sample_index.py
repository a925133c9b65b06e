"""The eval's sample index is the configured one: documents an older ingest made are ingested again."""

from __future__ import annotations

from baocao.settings import Settings

REPORT = ("Cà Mau, ngày 05 tháng 3 năm 2025\n\nBÁO CÁO\nKết quả chuyển đổi số tỉnh Cà Mau\n"
          "1. Tỉnh Cà Mau đã cung cấp 1.204 dịch vụ công trực tuyến toàn trình cho người dân và doanh nghiệp.\n"
          "2. Tỷ lệ hồ sơ trực tuyến toàn trình đạt 45,2% trên tổng số hồ sơ giải quyết thủ tục hành chính.\n")


def test_documents_made_by_other_ingest_settings_are_ingested_again(tmp_path):
    from baocao.eval.runner import ensure_index
    from baocao.vectorstore.fingerprint import ingest_fingerprint

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bao-cao.txt").write_text(REPORT, encoding="utf-8")
    said: list[str] = []
    first = Settings(home=tmp_path / "home", chunk_chars=900)
    index = ensure_index(first, corpus, said.append)
    assert [d.ingest for d in index.list_documents()] == [ingest_fingerprint(first)]
    assert ensure_index(first, corpus, said.append) is not None and len(said) == 1  # same code: nothing to do

    later = first.model_copy(update={"chunk_chars": 600})  # what a change of the ingest code does to the fingerprint
    index = ensure_index(later, corpus, said.append)
    assert "ingesting them again" in said[-1]
    documents = index.list_documents()
    assert len(documents) == 1 and documents[0].ingest == ingest_fingerprint(later)
