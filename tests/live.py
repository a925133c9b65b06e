"""Real servers for tests, on 127.0.0.1 and free ports, each in its own process group and stopped by the
test: `baocao serve` (a subprocess of this venv's Python), `redis-server` (Debian's), and uvicorn in a
thread of the test process (for raw-socket checks against an app the test built)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    """The process's whole group: `sig`, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def server_env(home: Path, **settings: str) -> dict:
    env = {**os.environ, "BAOCAO_HOME": str(home), "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "ANONYMIZED_TELEMETRY": "False"}
    for key in [k for k in env if k.startswith("BAOCAO_") and k != "BAOCAO_HOME"]:
        env.pop(key)  # only what the test sets
    env.update({f"BAOCAO_{k.upper()}": str(v) for k, v in settings.items()})
    return env


class BaocaoServer:
    """`baocao serve` on a free loopback port; `url`, `pid`, `health()`."""

    def __init__(self, home: Path, log_path: Path, **settings: str):
        self.home, self.log_path = home, log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "baocao", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=server_env(home, **settings), cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def health(self, timeout: float = 5.0) -> dict | None:
        try:
            response = httpx.get(self.url + "/api/health", timeout=timeout)
            return response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None

    def wait_up(self, timeout: float = 180.0, ready: bool = False) -> dict:
        """Until health answers (and says ready, if asked)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"baocao serve exited ({self.process.returncode}):\n{self.log_tail()}")
            body = self.health()
            if body is not None and (body.get("ready") or not ready):
                return body
            time.sleep(0.1)
        raise AssertionError(f"baocao serve did not come up in {timeout} s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def kill(self) -> None:
        stop(self.process, signal.SIGKILL)

    def stop(self) -> None:
        stop(self.process)


def redis_server_executable() -> str | None:
    return shutil.which("redis-server")


@contextmanager
def redis_server(folder: Path):
    """A private redis-server on a free loopback port (no persistence); yields its URL."""
    executable = redis_server_executable()
    assert executable, "redis-server is missing (Debian package redis-server: `make system-deps`)"
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = subprocess.Popen(
        [executable, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", "",
         "--appendonly", "no", "--protected-mode", "yes"],
        stdout=(folder / "redis.log").open("ab"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        import redis

        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis.from_url(url, socket_timeout=1).ping()
                break
            except redis.RedisError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError(f"redis-server did not start: {(folder / 'redis.log').read_text()[-2000:]}")
                time.sleep(0.05)
        yield url
    finally:
        stop(process)


@contextmanager
def uvicorn_in_thread(app):
    """The app served by uvicorn on a free port in this process (lifespan included); yields (host, port)."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="test-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise AssertionError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield "127.0.0.1", port
    finally:
        server.should_exit = True
        thread.join(30)
