"""Time to first paint of the coach app, cold, in fresh processes.

Each run starts a new Python process that imports `tui.app`, runs the real app (real settings, real
engine factory: the engine loads in a worker) with Textual's headless driver, and prints a marker
right after the first screen refresh. The figure is wall time from spawning the process to that
marker, so it includes interpreter start-up and every import on the path to the first paint.

    .venv/bin/python benchmarks/bench_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 0.5
CHILD = r"""
import os, sys, time
from tui.app import CoachApp

class Probe(CoachApp):
    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self._painted)

    def _painted(self) -> None:
        modules = [m for m in ("langchain_openai", "chromadb", "langchain.agents") if m in sys.modules]
        print("PAINTED", ",".join(modules) or "-", flush=True)
        os._exit(0)  # the engine worker is still loading; first paint is all we measure

Probe().run(headless=True, size=(120, 40))
"""


def one_run(env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    elapsed = time.perf_counter() - start
    marker = [line for line in proc.stdout.splitlines() if line.startswith("PAINTED")]
    if not marker:
        raise SystemExit(f"the app did not paint (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed, marker[0].split(" ", 1)[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "COACH_HOME": home, "PYTHONPATH": str(root)}
        one_run(env)  # warm the OS file cache and .pyc files; "cold" here means a fresh process
        results = [one_run(env) for _ in range(args.runs)]
    times = sorted(t for t, _ in results)
    heavy = {m for _, m in results}
    print(
        f"first paint, fresh process, {args.runs} runs: p50 {statistics.median(times) * 1000:.0f} ms, "
        f"min {times[0] * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms (target {TARGET_SECONDS * 1000:.0f} ms)"
    )
    print(f"heavy modules imported before first paint: {', '.join(sorted(heavy))}")
    with open("/proc/loadavg") as fh:  # a shared machine: say how busy it was
        print(f"load average during the runs: {' '.join(fh.read().split()[:3])} ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
