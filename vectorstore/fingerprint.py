"""What made an index's chunks: the ingest settings and the ingest code, as one short digest.

Every commit record carries the fingerprint it was made under (`DocumentRecord.ingest`). Re-ingesting a
file whose bytes, name and fingerprint match a committed document with all its chunks stored parses
nothing (vectorstore/ingest_files.py); under another fingerprint (BAOCAO_CHUNK_CHARS changed, an OCR
setting, a data pack, new code in `ingest/`) the document is parsed and written again. The eval's cached
corpus indexes (eval/corpus_index.py) key on the same settings and code, plus the embedding model.

- settings: `INGEST_SETTINGS` and every `ocr*`/`repair*`/`ingest*` setting, except those that change how
  fast, not what (`NOT_SHAPING`);
- code: every file of `ingest/` (loaders, repair, structure, chunker, records, their data) and
  `vectorstore/tokenize.py` (the BM25 words stored with each chunk), hashed once per process.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from functools import lru_cache
from pathlib import Path

INGEST_SETTINGS = ("chunk_chars", "max_file_mb", "allow_non_vietnamese", "data_packs")
INGEST_SETTING_PREFIXES = ("ocr", "repair", "ingest")
NOT_SHAPING = ("ocr_workers", "ocr_cache", "ocr_cache_dir")  # how many Tesseract processes, where reads are kept: the same text comes out
INGEST_CODE = ("ingest", "vectorstore/tokenize.py")


def ingest_settings(settings) -> dict:
    """The settings that shape what ingestion makes of a file, by name."""
    values = settings.model_dump(mode="json")
    keep = {k: v for k, v in values.items()
            if (k in INGEST_SETTINGS or k.startswith(INGEST_SETTING_PREFIXES)) and k not in NOT_SHAPING}
    return dict(sorted(keep.items()))


def _source(part: str) -> Path:
    """`ingest` or `vectorstore/tokenize.py` in the installed package (baocao.ingest lives in ingest/)."""
    package, _, rest = part.partition("/")
    spec = importlib.util.find_spec(f"baocao.{package}")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"baocao.{package}")
    root = Path(spec.origin).parent
    return root / rest if rest else root


def _files(part: str) -> list[tuple[str, Path]]:
    path = _source(part)
    if path.is_file():
        return [(part, path)]
    return [(f"{part}/{p.relative_to(path).as_posix()}", p) for p in sorted(path.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]


@lru_cache(maxsize=8)
def code_digest(parts: tuple[str, ...] = INGEST_CODE) -> str:
    """sha256 over the names and bytes of the files of `parts` (folders or files of the source tree)."""
    digest = hashlib.sha256()
    for part in parts:
        for name, path in _files(part):
            digest.update(name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def ingest_fingerprint(settings) -> str:
    """16 hex digits: the same for two ingests exactly when they would make the same chunks of a file."""
    payload = {"settings": ingest_settings(settings), "code": code_digest()}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def file_doc_id(path: Path) -> str:
    """The doc_id ingestion gives this file (ingest/pipeline.py `document_id`: its content's sha256, 16
    digits), read in blocks: a file too large to ingest is never loaded into memory for this."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()[:16]
