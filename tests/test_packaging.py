"""`pip install .` claims one import name: everything installs under `baocao` (issue: packaging)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", ".baocao", "build", "dist", "*.egg-info", "__pycache__",
                                    ".pytest_cache", "test-artifacts")


def test_wheel_installs_only_the_baocao_namespace(tmp_path: Path) -> None:
    # Built from a copy of the tree: setuptools writes build/ and *.egg-info next to pyproject.toml.
    before = sorted(p.name for p in ROOT.iterdir())
    tree = tmp_path / "tree"
    shutil.copytree(ROOT, tree, ignore=NOT_SOURCE)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(tree), "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)],
        check=True, capture_output=True,
    )
    assert sorted(p.name for p in ROOT.iterdir()) == before  # nothing written into the repository
    wheel = next(tmp_path.glob("baocao-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {n.split("/", 1)[0] for n in names if not n.split("/", 1)[0].endswith(".dist-info")}
    assert top_level == {"baocao"}
    for package in ("ingest", "vectorstore", "assistant", "api", "eval", "prompts"):
        assert f"baocao/{package}/__init__.py" in names
    assert "baocao/api/static/widget.js" in names
    assert not any(n.startswith(("bench/", "tests/", "baocao/bench/", "baocao/tests/")) for n in names)
