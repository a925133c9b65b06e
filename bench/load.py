"""Load from a cold start: 16 clients hit a `baocao serve` the moment it accepts connections.

The server is a fresh process over a BAOCAO_HOME holding the sample reports (ingested first if empty),
chat rate limit off, answer cache off (every request is answered, none replayed). 16 httpx clients,
each with its own list of different questions (the evaluation set's distinct single-turn questions,
dealt round-robin), start together as soon as `/api/health` answers (before the warm-up has finished:
that is the case issue 10.1 was about), and each sends its next question as soon as the previous one is
answered, `--requests` in all.

Recorded: errors (non-200 or transport errors), latency p50/p95/max of the first wave (the first
question of every client: it includes waiting for the warm-up), of the requests after it, and of all, requests/s, seconds from process start to first contact
and to `ready`, server RSS at first contact, after the run and its peak (VmRSS/VmHWM).

    .venv/bin/python bench/load.py                        # writes bench/results/load.json
    .venv/bin/python bench/load.py --requests 10 --out /tmp/load.json
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_api", Path(__file__).with_name("api.py"))
bench_api = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_api)

CLIENTS = 16


def percentile(values: list[float], p: float) -> float | None:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1) if ordered else None


async def load(url: str, questions: list[str], clients: int, per_client: int) -> dict:
    first_wave: list[float] = []
    rest: list[float] = []
    latencies: list[float] = []
    errors: dict[str, int] = {}

    async def client_loop(n: int, client: httpx.AsyncClient) -> None:
        mine = questions[n::clients] or questions
        for i in range(per_client):
            elapsed, key = await bench_api.timed_chat(client, mine[i % len(mine)])
            if key is not None:
                errors[key] = errors.get(key, 0) + 1
                continue
            latencies.append(elapsed)
            (first_wave if i == 0 else rest).append(elapsed)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(n, client) for n in range(clients)))
        wall = time.perf_counter() - started
    return {
        "clients": clients, "requests": clients * per_client, "ok": len(latencies), "errors": errors,
        "wall_s": round(wall, 2), "requests_per_s": round(len(latencies) / wall, 2) if wall else None,
        "first_wave": {"p50_ms": percentile(first_wave, 0.5), "p95_ms": percentile(first_wave, 0.95),
                       "max_ms": percentile(first_wave, 1.0)},
        "after_first_wave": {"p50_ms": percentile(rest, 0.5), "p95_ms": percentile(rest, 0.95), "max_ms": percentile(rest, 1.0)},
        "all": {"p50_ms": percentile(latencies, 0.5), "p95_ms": percentile(latencies, 0.95),
                "max_ms": percentile(latencies, 1.0)},
    }


def wait_ready(url: str, timeout: float = 300) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/api/health", timeout=5).json().get("ready"):
                return time.monotonic()
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.1)
    raise SystemExit("the server never said ready")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, default=REPO / ".baocao", help="BAOCAO_HOME with the sample reports (ingested if empty)")
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/load.json")
    parser.add_argument("--requests", type=int, default=20, help="questions per client")
    parser.add_argument("--note", default="")
    args = parser.parse_args()

    env = {**os.environ, "BAOCAO_HOME": str(args.home.resolve()), "BAOCAO_CHAT_RATE_PER_MINUTE": "0",
           "BAOCAO_API_ANSWER_CACHE": "0", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "ANONYMIZED_TELEMETRY": "False"}
    for key in ("BAOCAO_LLM_BASE_URL", "BAOCAO_LLM_GGUF_PATH", "BAOCAO_CHAT_TOKEN", "BAOCAO_REDIS_URL"):
        env.pop(key, None)
    info = bench_api.machine()
    documents = bench_api.ensure_index(args.home, env)
    questions = bench_api.questions(limit=10_000)
    log = Path(tempfile.gettempdir()) / "baocao-bench-load-server.log"

    launched = time.monotonic()
    server = bench_api.Server(env, log)  # returns once /api/health answers: the cold start
    contact = time.monotonic()
    try:
        pid = server.process.pid
        at_contact = bench_api.proc_memory(pid)
        ready_box: dict[str, float] = {}
        watcher = threading.Thread(target=lambda: ready_box.update(ready=wait_ready(server.url)), daemon=True)
        watcher.start()
        result = asyncio.run(load(server.url, questions, CLIENTS, args.requests))
        watcher.join(300)
        after = bench_api.proc_memory(pid)
    finally:
        server.stop()
    results = {
        "what": f"POST /api/chat from {CLIENTS} clients the moment a fresh `baocao serve` accepts connections; "
                "extractive answerer, answer cache off, sample reports, one uvicorn process, loopback",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {**info, "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
        "documents": documents,
        "distinct_questions": len(questions),
        "seconds_to_first_contact": round(contact - launched, 1),
        "seconds_to_ready": round(ready_box["ready"] - launched, 1) if "ready" in ready_box else None,
        "server_memory_at_first_contact": at_contact,
        "server_memory_after": after,
        "note": args.note,
        **result,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps({k: results[k] for k in ("errors", "first_wave", "after_first_wave", "all", "requests_per_s", "seconds_to_ready",
                                               "server_memory_at_first_contact", "server_memory_after")}, ensure_ascii=False))
    print(f"wrote {args.out}", file=sys.stderr)
    return 0 if not result["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
