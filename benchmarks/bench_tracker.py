"""Tracker speed with 10,000 next steps: list open / overdue, add one (with its change record), ICS export.

Targets (issue 4): list open/overdue <= 20 ms, add <= 5 ms, export to ICS <= 200 ms.
Two datasets: a realistic record (30% open, a third of those overdue; the rest done or dropped) and
the worst case where all 10,000 steps are open. Run: .venv/bin/python benchmarks/bench_tracker.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from coach.tracker import NextStep, Tracker
from coach.tracker import proposals as P
from coach.tracker.export import to_ics
from coach.tracker.models import StepStatus

TODAY = dt.date(2026, 11, 25)
TARGETS_MS = {
    "list open (cold)": 20.0,
    "list open": 20.0,
    "list overdue": 20.0,
    "add (propose+apply)": 5.0,
    "export ics": 200.0,
}


def seed(tracker: Tracker, count: int, open_share: float) -> None:
    """Write `count` steps in one recorded transaction (seeding 10,000 one by one only measures fsync)."""
    statuses = []
    for n in range(count):
        if n / count < open_share:
            statuses.append(StepStatus.OPEN)
        else:
            statuses.append(StepStatus.DONE if n % 7 else StepStatus.DROPPED)
    with tracker._lock, tracker._transaction("user", "import", f"seed {count} steps") as changeset:
        for n, status in enumerate(statuses):
            # A third of the open steps are overdue; the rest are spread over the next year.
            offset = -(n % 30) - 1 if (status is StepStatus.OPEN and n % 3 == 0) else n % 365
            step = NextStep(
                what=f"Step {n}: send the follow-up note to mentor {n % 17}",
                due=TODAY + dt.timedelta(days=offset),
                done_when=f"{n % 5 + 1} notes sent",
                owner="mentor" if n % 4 == 0 else "protege",
                status=status,
            )
            tracker._insert(changeset, step)


def timed(fn: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per call. On a shared machine the CPU figure shows the cost
    without time spent waiting for a core; the wall figure is what a user would feel here and now."""
    fn()  # warm up (page cache, statement cache)
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def run(label: str, count: int, open_share: float, repeat: int) -> list[tuple]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tracker = Tracker(Path(tmp) / "tracker.db", today=lambda: TODAY)
        seed(tracker, count, open_share)
        # Cold: the first listing after opening builds (and validates) every model.
        tracker.close()
        tracker = Tracker(Path(tmp) / "tracker.db", today=lambda: TODAY)
        start, start_cpu = time.perf_counter(), time.process_time()
        open_count = len(tracker.list_steps())
        rows.append(
            (label, "list open (cold)", open_count, [(time.perf_counter() - start) * 1000],
             [(time.process_time() - start_cpu) * 1000])
        )  # fmt: skip
        overdue_count = len(tracker.list_steps(overdue=True))
        for name, fn, n in (
            ("list open", lambda: tracker.list_steps(), open_count),  # as a panel refresh does
            ("list overdue", lambda: tracker.list_steps(overdue=True), overdue_count),
            ("export ics", lambda: to_ics(tracker, today=TODAY), open_count),
        ):
            wall, cpu = timed(fn, repeat)
            rows.append((label, name, n, wall, cpu))

        def propose() -> P.Proposal:
            return P.propose_add_step(tracker, what="Send the note", due="2026-12-04", done_when="note sent")

        wall, cpu = timed(lambda: tracker.apply(propose()), repeat * 3)
        rows.append((label, "add (propose+apply)", 1, wall, cpu))
        tracker.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    rows = run("realistic", args.steps, 0.3, args.repeat) + run("all open", args.steps, 1.0, args.repeat)
    print(f"Tracker benchmark: {args.steps:,} next steps; {args.repeat} runs each (adds: {args.repeat * 3})")
    header = ("dataset", "operation", "rows", "wall p50", "wall max", "cpu p50", "target")
    print("{:<10} {:<20} {:>6} {:>9} {:>9} {:>8} {:>7}".format(*header))
    for label, name, n, wall, cpu in rows:
        target = TARGETS_MS.get(name)
        p50, cpu50 = statistics.median(wall), statistics.median(cpu)
        verdict = "-" if target is None else f"{target:.0f} {'ok' if p50 <= target else 'MISS'}"
        print(f"{label:<10} {name:<20} {n:>6} {p50:>9.2f} {max(wall):>9.2f} {cpu50:>8.2f} {verdict:>7}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"(times in ms; machine load average {load:.2f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
