"""HTTP API load: requests/s and p50/p95/p99 latency of `POST /api/chat` (extractive), 1, 8 and 32 clients.

The server is the real one (`baocao serve`, one uvicorn process) started as a subprocess on a free
loopback port over a BAOCAO_HOME holding the sample reports (ingested first if empty), with the chat
rate limit off. Clients are httpx.AsyncClient tasks in this process, each sending its next request as
soon as the previous one is answered; every level sends a bounded number of requests and stops early
after `--max-seconds`. Questions are the first distinct single-turn questions of the evaluation set,
taken in turn.

Two server modes, each a fresh server:
- `computed`: BAOCAO_API_ANSWER_CACHE=0, every request runs retrieval and answering;
- `cached`: the default answer cache (first questions of a conversation, per index generation), warmed
  by asking each question once before the clock starts: what repeated/starter questions cost.

Server memory is VmRSS (after each level) and VmHWM (peak) from /proc/<pid>/status.

    .venv/bin/python bench/api.py                     # writes bench/results/api.json
    .venv/bin/python bench/api.py --home /tmp/h --quick
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
LEVELS = {1: 40, 8: 160, 32: 320}  # concurrent clients: requests sent
QUICK_LEVELS = {1: 10, 8: 40, 32: 64}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_memory(pid: int) -> dict:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = round(int(value.split()[0]) / 1024, 1)  # MiB
    except OSError:
        pass
    return {"rss_mib": out.get("VmRSS"), "peak_rss_mib": out.get("VmHWM")}


def proc_cpu_s(pid: int) -> float:
    """utime + stime of the server so far (load-independent: CPU it spent, not time it waited)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(), "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def questions(limit: int = 40) -> list[str]:
    seen, out = set(), []
    for line in (REPO / "eval/datasets/questions.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        q = item["question"]
        if item.get("type") == "conversation" or "turns" in item or q in seen:
            continue
        seen.add(q)
        out.append(q)
        if len(out) == limit:
            break
    return out


def ensure_index(home: Path, env: dict) -> int:
    baocao = [sys.executable, "-m", "baocao.cli"]
    listed = subprocess.run([*baocao, "documents"], env=env, capture_output=True, text=True, cwd=REPO)
    count = len([line for line in listed.stdout.splitlines() if line.strip()])
    if count == 0:
        print(f"ingesting data/sample into {home} …", file=sys.stderr)
        subprocess.run([*baocao, "ingest", "data/sample"], env=env, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        listed = subprocess.run([*baocao, "documents"], env=env, capture_output=True, text=True, cwd=REPO)
        count = len([line for line in listed.stdout.splitlines() if line.strip()])
    return count


class Server:
    def __init__(self, env: dict, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "baocao.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited ({self.process.returncode}); see {log_path}")
            try:
                if httpx.get(self.url + "/api/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit(f"the server did not answer within 120 s; see {log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


async def timed_chat(client: httpx.AsyncClient, question: str) -> tuple[float, str | None]:
    """(seconds, None) for an answer; (seconds, what went wrong) otherwise."""
    started = time.perf_counter()
    try:
        response = await client.post("/api/chat", json={"message": question})
        key = None if response.status_code == 200 and "answer" in response.json() else f"http {response.status_code}"
    except httpx.HTTPError as exc:
        key = type(exc).__name__
    return time.perf_counter() - started, key


async def run_level(url: str, clients: int, total: int, qs: list[str], max_seconds: float) -> dict:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    sent = 0
    lock = asyncio.Lock()
    deadline = time.monotonic() + max_seconds

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal sent
        while True:
            async with lock:
                if sent >= total or time.monotonic() > deadline:
                    return
                n = sent
                sent += 1
            elapsed, key = await timed_chat(client, qs[n % len(qs)])
            if key is None:
                latencies.append(elapsed)
            else:
                errors[key] = errors.get(key, 0) + 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        wall = time.perf_counter() - started
    ordered = sorted(latencies)

    def pct(p: float) -> float | None:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1) if ordered else None

    return {
        "clients": clients, "requests": sent, "ok": len(latencies), "errors": errors,
        "wall_s": round(wall, 2), "requests_per_s": round(len(latencies) / wall, 2) if wall else None,
        "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99), "max_ms": pct(1.0),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1) if ordered else None,
    }


def bench_mode(name: str, base_env: dict, qs: list[str], levels: dict[int, int], max_seconds: float, log: Path) -> dict:
    env = {**base_env, "BAOCAO_API_ANSWER_CACHE": "0" if name == "computed" else "256"}
    server = Server(env, log)
    try:
        pid = server.process.pid
        idle = proc_memory(pid)
        with httpx.Client(base_url=server.url, timeout=120) as client:  # warm-up: every question once
            for q in qs:
                client.post("/api/chat", json={"message": q}).raise_for_status()
        out = {"server_memory_idle": idle, "server_memory_after_warmup": proc_memory(pid), "levels": []}
        for clients, total in levels.items():
            cpu_before = proc_cpu_s(pid)
            result = asyncio.run(run_level(server.url, clients, total, qs, max_seconds))
            result["server_cpu_ms_per_request"] = round((proc_cpu_s(pid) - cpu_before) * 1000 / max(1, result["ok"]), 1)
            result["server_memory"] = proc_memory(pid)
            out["levels"].append(result)
            print(f"{name:9} {clients:3} clients: {result['requests_per_s']} req/s, p50 {result['p50_ms']} ms, "
                  f"p95 {result['p95_ms']} ms, errors {result['errors'] or 0}, server cpu {result['server_cpu_ms_per_request']} ms/req, "
                  f"rss {result['server_memory']['rss_mib']} MiB",
                  file=sys.stderr)
        return out
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, default=REPO / ".baocao", help="BAOCAO_HOME with the sample reports (ingested if empty)")
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/api.json")
    parser.add_argument("--quick", action="store_true", help="fewer requests per level")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="stop a level after this long")
    parser.add_argument("--modes", default="computed,cached")
    parser.add_argument("--note", default="", help="recorded in the results (e.g. what else ran on the machine)")
    args = parser.parse_args()

    env = {**os.environ, "BAOCAO_HOME": str(args.home.resolve()), "BAOCAO_CHAT_RATE_PER_MINUTE": "0",
           "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "ANONYMIZED_TELEMETRY": "False"}
    for key in ("BAOCAO_LLM_BASE_URL", "BAOCAO_LLM_GGUF_PATH", "BAOCAO_CHAT_TOKEN"):
        env.pop(key, None)  # extractive, open chat: what is measured
    info = machine()
    documents = ensure_index(args.home, env)
    qs = questions()
    levels = QUICK_LEVELS if args.quick else LEVELS
    log = Path(tempfile.gettempdir()) / "baocao-bench-api-server.log"
    results = {
        "what": "POST /api/chat (JSON, extractive answerer) over the 5 sample reports; one uvicorn process; loopback",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": info,
        "documents": documents,
        "questions": len(qs),
        "target": "p95 <= 300 ms at 8 concurrent clients on 2 cores, no errors",
        "note": args.note,
        "modes": {},
    }
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        results["modes"][mode] = bench_mode(mode, env, qs, levels, args.max_seconds, log)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    eight = {m: next(level for level in r["levels"] if level["clients"] == 8) for m, r in results["modes"].items()}
    results["target_met"] = {m: bool(level["p95_ms"] is not None and level["p95_ms"] <= 300 and not level["errors"])
                             for m, level in eight.items()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
