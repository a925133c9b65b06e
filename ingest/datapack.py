"""Domain knowledge as data: named packs (JSON or YAML) merged from the defaults and the deployment's files.

A pack is a top-level key of a data file: `lexicon`, `entity_kinds`, `calendar`, `gazetteer_aliases`
(ingest/data/) and `abbreviations`, `synonyms`, `question_cues`, `stop_words`, `starters` (assistant/data/). The
defaults live in `<folder>/<pack>.json`; `BAOCAO_DATA_PACKS=path1,path2` adds files or folders whose
files hold `{"<pack>": {...}}`, merged over the defaults in order: mappings merge key by key, lists are
extended (duplicates dropped), anything else is replaced. A key written `"-name"` removes `name`.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

INGEST_DATA = Path(__file__).resolve().parent / "data"


class DataPackError(ValueError):
    """A data pack file that cannot be read: one line saying which file and why."""


def _read(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".yaml", ".yml"):
            import yaml  # PyYAML: only needed when a deployment writes YAML

            data = yaml.safe_load(text) or {}
        else:
            data = json.loads(text)
    except (OSError, ValueError) as error:
        raise DataPackError(f"{path}: cannot read data pack ({error})") from error
    if not isinstance(data, dict):
        raise DataPackError(f"{path}: a data pack holds a mapping of pack names")
    return data


def merge(base: Any, extra: Any) -> Any:
    """`extra` over `base`: dicts key by key, lists extended without duplicates, else `extra`."""
    if isinstance(base, dict) and isinstance(extra, dict):
        out = dict(base)
        for key, value in extra.items():
            if isinstance(key, str) and key.startswith("-"):
                out.pop(key[1:], None)
            else:
                out[key] = merge(out[key], value) if key in out else value
        return out
    if isinstance(base, list) and isinstance(extra, list):
        seen = [json.dumps(x, sort_keys=True, ensure_ascii=False) for x in base]
        return base + [x for x in extra if json.dumps(x, sort_keys=True, ensure_ascii=False) not in seen]
    return extra


def configured_packs() -> str:
    """`Settings().data_packs`, read once per value of the environment variable (settings are costly to build)."""
    return _packs_setting(os.environ.get("BAOCAO_DATA_PACKS"))


@functools.lru_cache(maxsize=8)
def _packs_setting(_environment_value: str | None) -> str:
    from baocao.settings import Settings

    return Settings().data_packs


def _overlay_files(spec: str) -> list[Path]:
    files: list[Path] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        path = Path(part).expanduser()
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in (".json", ".yaml", ".yml"))
        elif path.is_file():
            files.append(path)
        else:
            raise DataPackError(f"{path}: BAOCAO_DATA_PACKS names a file or folder that does not exist")
    return files


@functools.lru_cache(maxsize=64)
def _load(name: str, folder: str, spec: str) -> Any:
    default = Path(folder) / f"{name}.json"
    data = _read(default).get(name, {}) if default.exists() else {}
    for path in _overlay_files(spec):
        overlay = _read(path)
        if name in overlay:
            data = merge(data, overlay[name])
    return data


def load_pack(name: str, folder: Path = INGEST_DATA, packs: str | None = None) -> Any:
    """Pack `name`: `<folder>/<name>.json`'s `name` key, with the deployment's packs merged over it."""
    return _load(name, str(folder), configured_packs() if packs is None else packs)
