"""`baocao reindex`: bring the derived parts of an index up to date with what Chroma holds."""

from __future__ import annotations

import sys

from baocao.vectorstore.store import Index


def run_reindex(index: Index, *, progress: bool = False) -> int:
    """Sweep orphans, compute the vectors the configured model lacks, rebuild the BM25 side; print a summary."""
    from rich.progress import Progress

    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("Đang tính vector", total=None)
        summary = index.reindex(progress=lambda done, total: bar.update(task, completed=done, total=total))
    print(f"reindexed {len(index.list_documents())} documents, {summary['chunks']} chunks: "
          f"{summary['vectors_computed']} vectors computed, {summary['swept_chunks']} orphan chunks swept")
    return 0


if __name__ == "__main__":  # python -m baocao.vectorstore.reindex
    from baocao.settings import get_settings
    from baocao.vectorstore.store import open_index

    sys.exit(run_reindex(open_index(get_settings())))
