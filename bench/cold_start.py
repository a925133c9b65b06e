"""Cold start of the CLI: `baocao --help` and `baocao ask "…"` from a shell, wall time and peak RSS.

Ingests data/sample into a temp BAOCAO_HOME with the default settings (`baocao ingest`), then runs each
command `--runs` times as a fresh process under `/usr/bin/time` (wall seconds, max RSS), and reports
the median and the worst. Targets (issue 11): `ask` ≤ 1.5 s and ≤ 300 MB; `--help` < 0.5 s.

    .venv/bin/python bench/cold_start.py            # writes bench/results/cold_start.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "cold_start.json"
BAOCAO = Path(sys.executable).parent / "baocao"
QUESTIONS = [
    "Tỉnh nào chưa thành lập Ban Chỉ đạo?",
    "tốc độ Internet di động tháng 10/2025?",
    "Bộ nào chủ trì xây dựng cơ sở dữ liệu quốc gia về dân cư?",
]
TARGETS = {"ask_wall_s": 1.5, "ask_rss_mb": 300, "help_wall_s": 0.5}


def timed(command: list[str], env: dict) -> dict:
    """One fresh process under /usr/bin/time: wall seconds and peak RSS (MB)."""
    done = subprocess.run(["/usr/bin/time", "-f", "%e %M", *command], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    wall, rss_kb = done.stderr.strip().splitlines()[-1].split()
    return {"wall_s": float(wall), "rss_mb": round(int(rss_kb) / 1024, 1), "stdout": done.stdout}


def summarise(runs: list[dict]) -> dict:
    walls, rss = [r["wall_s"] for r in runs], [r["rss_mb"] for r in runs]
    return {"runs": len(runs), "wall_s_median": statistics.median(walls), "wall_s_max": max(walls),
            "rss_mb_median": statistics.median(rss), "rss_mb_max": max(rss)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="baocao-cold-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BAOCAO_")}
        env.update(BAOCAO_HOME=str(Path(tmp) / "home"), HF_HUB_OFFLINE="1")
        start = time.perf_counter()
        subprocess.run([str(BAOCAO), "ingest", "data/sample"], env=env, cwd=ROOT, check=True, capture_output=True)
        ingest_s = time.perf_counter() - start
        load_before = os.getloadavg()
        help_runs = [timed([str(BAOCAO), "--help"], env) for _ in range(args.runs)]
        ask_runs, answers = [], {}
        for n in range(args.runs):
            question = QUESTIONS[n % len(QUESTIONS)]
            run = timed([str(BAOCAO), "ask", question, "--json"], env)
            answers[question] = json.loads(run.pop("stdout"))["answer"][:160]
            ask_runs.append(run)
        search_runs = [timed([str(BAOCAO), "search", "Ban Chỉ đạo", "--json"], env) for _ in range(max(2, args.runs // 2))]
        load_after = os.getloadavg()
    for run in help_runs + search_runs:
        run.pop("stdout", None)
    result = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpu": next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                                 if line.startswith("model name")), "?"), "cores": os.cpu_count()},
        "load_average_before": load_before, "load_average_after": load_after,
        "setup": f"data/sample ingested with default settings in {ingest_s:.1f} s (not timed below)",
        "targets": TARGETS,
        "help": summarise(help_runs), "ask": summarise(ask_runs), "search": summarise(search_runs),
        "answers": answers,
    }
    result["verdict"] = {
        "ask_wall_met": result["ask"]["wall_s_median"] <= TARGETS["ask_wall_s"],
        "ask_rss_met": result["ask"]["rss_mb_max"] <= TARGETS["ask_rss_mb"],
        "help_wall_met": result["help"]["wall_s_median"] < TARGETS["help_wall_s"],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for label in ("help", "ask", "search"):
        r = result[label]
        print(f"{label:7} median {r['wall_s_median']:.2f} s (max {r['wall_s_max']:.2f}), RSS median {r['rss_mb_median']:.0f} MB "
              f"(max {r['rss_mb_max']:.0f})")
    print(f"load average {load_before[0]:.1f} → {load_after[0]:.1f}; verdict {result['verdict']}")


if __name__ == "__main__":
    main()
