"""Shared fixtures: one embedder per session, one index over the sample reports per session."""

from __future__ import annotations

import os
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import pytest  # noqa: E402

from baocao.settings import Settings  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DIR = REPO / "data" / "sample"


@pytest.fixture
def tmp_settings(tmp_path) -> Settings:
    return Settings(home=tmp_path / "home")


@pytest.fixture(scope="session")
def embedder():
    from baocao.vectorstore.embedder import SentenceEmbedder

    return SentenceEmbedder.from_settings(Settings())


@pytest.fixture(scope="session")
def sample_settings(tmp_path_factory) -> Settings:
    return Settings(home=tmp_path_factory.mktemp("sample-home"))


@pytest.fixture(scope="session")
def sample_index(sample_settings, embedder):
    from baocao.ingest.loaders import iter_input_files
    from baocao.vectorstore.ingest_files import ingest_paths
    from baocao.vectorstore.store import open_index

    index = open_index(sample_settings, embedder)
    report = ingest_paths(index, iter_input_files([SAMPLE_DIR]), sample_settings)
    assert not report.failed, report.lines()
    return index


@pytest.fixture
def settings_factory(tmp_path):
    """Settings with `home=tmp_path / "home"` unless given, and any other field overridden:
    `settings_factory(chroma_url="http://127.0.0.1:8000", home=tmp_path / "other")`."""

    def make(**overrides) -> Settings:
        overrides.setdefault("home", tmp_path / "home")
        return Settings(**overrides)

    return make


@pytest.fixture(scope="session")
def sample_files() -> list[Path]:
    """The five sample reports, sorted by name."""
    return sorted(SAMPLE_DIR.glob("*.txt"))


def assistant_over(root: Path, texts: dict[str, str], embedder):
    """An Assistant over text files written into `root` ({file name: text}), on its own index there."""
    from baocao.assistant.service import Assistant
    from baocao.vectorstore.ingest_files import ingest_paths
    from baocao.vectorstore.store import open_index

    settings = Settings(home=root / "home")
    paths = []
    for name, text in texts.items():
        (root / name).write_text(text, encoding="utf-8")
        paths.append(root / name)
    index = open_index(settings, embedder)
    assert not ingest_paths(index, paths, settings).failed
    return Assistant.from_settings(settings, index)
