"""An index of one evaluation corpus in its own BAOCAO_HOME, cached by content.

The realdocs run must not write into the user's index, nor re-ingest 43 documents (OCR included, once
ingestion does OCR) on every run. Its index lives in `cache_dir()/index/<corpus>-<key>`, where the key
hashes what the index is made of:

- the documents (name and sha256 of every file);
- the settings that shape an index: the embedding model and prefixes, and the ingest settings of
  vectorstore/fingerprint.py (chunk size, size limit, language check, data packs, `ocr*`/`repair*`/`ingest*`);
- the code that builds it (every file of `ingest/` and `vectorstore/`, `fingerprint.code_digest`).

So a change to a document, a setting or the ingestion code builds a new index; anything else reuses the
old one (`--reindex` rebuilds anyway). A folder is used only once its `READY` marker (with the ingest
report: which files failed and why) is written; a lock keeps two runs from building the same folder.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from baocao.eval.dataset import Corpus
from baocao.eval.sourcetext import cache_dir, file_sha256
from baocao.vectorstore.fingerprint import code_digest, ingest_settings

EMBEDDING_SETTINGS = ("embedding_model", "embedding_passage_prefix", "embedding_query_prefix")
CODE_DIRS = ("ingest", "vectorstore")


@dataclass
class CorpusIndex:
    index: object
    settings: object
    home: Path
    built: bool  # False: reused from the cache
    failed: dict[str, str] = field(default_factory=dict)  # document -> why ingestion refused it
    build_s: float | None = None


def corpus_files(corpus: Corpus, documents: list[str] | None = None) -> list[Path]:
    """The corpus's documents: the top-level files of its folder (not its excluded folders and files)."""
    wanted = set(documents) if documents is not None else None
    files = []
    for path in sorted(corpus.documents_dir.iterdir()):
        if not path.is_file() or path.name.startswith(".") or path.name in corpus.exclude_files:
            continue
        if wanted is None or path.name in wanted:
            files.append(path)
    if wanted is not None:
        missing = wanted - {p.name for p in files}
        if missing:
            raise FileNotFoundError(f"not in {corpus.documents_dir}: {', '.join(sorted(missing))}")
    return files


def index_fingerprint(settings) -> dict:
    values = settings.model_dump(mode="json")
    keep = {**{k: values[k] for k in EMBEDDING_SETTINGS if k in values}, **ingest_settings(settings)}
    return dict(sorted(keep.items()))


def index_key(files: list[Path], settings) -> str:
    payload = {
        "documents": [[p.name, file_sha256(p)] for p in files],
        "settings": index_fingerprint(settings),
        "code": code_digest(CODE_DIRS),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def corpus_settings(settings, home: Path):
    """The user's settings with the corpus's own home and an embedded store (never the user's Chroma server)."""
    update = {"home": home}
    if "ocr_cache_dir" in type(settings).model_fields and settings.ocr_cache_dir is None:
        update["ocr_cache_dir"] = cache_dir() / "ocr"  # one corpus index rebuilt for new ingest code reads no page twice
    if "chroma_url" in type(settings).model_fields:
        update["chroma_url"] = None
    return settings.model_copy(update=update)


def cached_corpus_index(settings, corpus: Corpus, say: Callable[[str], None] = print, *,
                        documents: list[str] | None = None, embedder=None, reindex: bool = False,
                        label: str | None = None) -> CorpusIndex:
    """The corpus's index, built once per content key (see the module docstring)."""
    import time

    from filelock import FileLock

    from baocao.progress import reporting_to_stderr
    from baocao.vectorstore.ingest_files import ingest_paths
    from baocao.vectorstore.store import open_index

    files = corpus_files(corpus, documents)
    key = index_key(files, settings)
    name = f"{label or corpus.name}-{key}"
    home = cache_dir() / "index" / name
    home.parent.mkdir(parents=True, exist_ok=True)
    ready = home / "READY.json"
    with FileLock(str(home.parent / f"{name}.lock")):
        if reindex and home.exists():
            shutil.rmtree(home)
        if ready.is_file():
            info = json.loads(ready.read_text(encoding="utf-8"))
            index_settings = corpus_settings(settings, home)
            return CorpusIndex(open_index(index_settings, embedder), index_settings, home, False, info.get("failed", {}),
                               info.get("build_s"))
        if home.exists():  # an interrupted build
            shutil.rmtree(home)
        say(f"Indexing {len(files)} documents of {corpus.name} into {home} (cached for later runs) ...")
        index_settings = corpus_settings(settings, home)
        start = time.perf_counter()
        index = open_index(index_settings, embedder)
        with reporting_to_stderr(len(files)):  # plain lines when piped: a build of minutes is never silent
            report = ingest_paths(index, files, index_settings)
        build_s = round(time.perf_counter() - start, 1)
        failed = {o.path.name: o.message for o in report.failed}
        ready.write_text(json.dumps({"documents": [p.name for p in files], "failed": failed, "build_s": build_s,
                                     "chunks": index.count()}, ensure_ascii=False, indent=2), encoding="utf-8")
        say(f"Indexed {corpus.name}: {len(files) - len(failed)} documents, {index.count()} chunks, "
            f"{len(failed)} refused, in {build_s:.0f} s.")
        return CorpusIndex(index, index_settings, home, True, failed, build_s)
