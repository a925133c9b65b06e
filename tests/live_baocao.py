"""A live `baocao serve` subprocess on a free loopback port, over a copy of the session's sample index.

Shared by tests/test_openai_api.py and tests/test_mcp.py (import `live_baocao` into the module: one
server for the whole session). The copy keeps the test process's own index untouched; the server has
a chat token, so clients must send it as their bearer key.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

CHAT_TOKEN = "chat-token-for-tests"


@dataclass
class LiveServer:
    url: str
    home: Path
    token: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_home(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("uploads", "*.lock"))
    return target


def baocao_env(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "BAOCAO_HOME": str(home), "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "BAOCAO_CHAT_RATE_PER_MINUTE": "0"}
    env.update(extra)
    return env


def baocao_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "baocao", *args]


@pytest.fixture(scope="session")
def live_baocao(sample_index, sample_settings, tmp_path_factory):
    home = copy_home(sample_settings.home, tmp_path_factory.mktemp("live") / "home")
    port = free_port()
    log = (home.parent / "serve.log").open("w")
    process = subprocess.Popen(baocao_command("serve", "--host", "127.0.0.1", "--port", str(port)),
                               env=baocao_env(home, BAOCAO_CHAT_TOKEN=CHAT_TOKEN), stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"baocao serve exited with {process.returncode}: {(home.parent / 'serve.log').read_text()[-2000:]}")
        try:
            if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("baocao serve did not answer /api/health within 180 s")
    yield LiveServer(url, home, CHAT_TOKEN)
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
