"""Prompt templates shipped with the package, read with importlib.resources so they work when installed."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files


@lru_cache(maxsize=None)
def load_prompt(name: str) -> str:
    """`load_prompt("answer")` → the text of `prompts/answer.txt` (a name with a suffix is used as is)."""
    filename = name if "." in name else f"{name}.txt"
    return files(__package__).joinpath(filename).read_text(encoding="utf-8")
