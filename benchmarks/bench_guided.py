"""Guided-mode turn latency over scripted conversations through all six skills (real retriever with the
MiniLM model loaded, real rule judge, real tracker, conversation log included via create_engine).

    .venv/bin/python benchmarks/bench_guided.py [--rounds 3]

Target (issue 6): every guided turn <= 100 ms including retrieval, once the model is loaded.
Prints, per skill, the median / p95 / max turn time from turn() to Done, and the slowest turns overall.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CONVERSATIONS: dict[str | None, list[str]] = {
    None: [
        "how do I approach someone senior I admire but have never met?",
        "is it ok to have more than one mentor?",
        "my mentor keeps cancelling our meetings, what should I do?",
    ],
    "goals": [
        "I've just become a team lead and my one-to-ones go nowhere; I want people to leave with a next step",
        "run useful one-to-ones\ndelegate the release work",
        "giving feedback without sounding harsh; saying no to scope creep",
        "1, expertise",
        "Priya Shah — led the platform migration\nTom Reed: great at 1:1s",
    ],
    "outreach": [
        "compose",
        "Dr. Amara Osei, head of data at Northwind",
        "I'm a second-year analyst moving towards a data science role",
        "your talk at PyData on forecasting with sparse data, especially the part on honest error bars",
        "How did you decide which forecasting problems were worth automating?",
        "a 20-minute call",
        "share my notes from the sparse-data project",
        "Hi Dr Lee,\n\nI am a junior developer and a big fan. Will you be my mentor? I need someone to guide "
        "my career and teach me everything you know.\n\nThanks,\nSam",
    ],
    "session_prep": [
        "Priya Shah", "yes", "next Thursday", "a view on whether to apply for the lead role", "skip",
        "monthly", "a short email update the week before each meeting",
    ],
    "feedback": [
        "1",
        "But that's not fair, Lee was rambling and we were running out of time.",
        "again",
        "Thank you for telling me. Could you give me an example of a moment that stood out? In Thursday's "
        "meeting I'll ask the others for their view before I give mine.",
        "done",
    ],
    "mentor_practice": [
        "1",
        "You need to delegate more. Stop taking work back.",
        "What happens when you delegate a task — what makes you take it back?",
        "That stays between us. What would you like your team to look like in three months?",
        "Let's build a plan together — which step would you like to try first?",
        "done",
    ],
    "next_steps": [
        "Draft the one-page proposal", "next Friday", "proposal sent to Sam", "me",
        "Ask Lee for the Q3 numbers", "2026-12-15", "Q3 numbers received", "mentor", "done", "done",
    ],
}  # fmt: skip


WARM_UP_QUERIES = [
    "warm up the model",
    "what does a sponsor do",
    "how long should a mentoring relationship last and how do I end it well",
    "confidentiality",
    "reverse mentoring with a younger colleague in another company",
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="times each conversation is replayed")
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=0,
        help="set OPENBLAS_NUM_THREADS before numpy loads (0 = leave as the app runs today). On a busy "
        "machine, multi-threaded BLAS on one short query spins and waits: compare 0 with 1.",
    )
    args = parser.parse_args()
    if args.blas_threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.blas_threads)
    os.environ.setdefault("COACH_HOME", tempfile.mkdtemp(prefix="coach-bench-guided-"))
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "COACH_MODEL"):
        os.environ.pop(var, None)

    from coach.config import Settings
    from coach.engine import create_engine
    from coach.engine.services import Services

    settings = Settings()
    services = Services(settings)
    started = time.perf_counter()
    services.warm_up()
    print(f"data dir: {settings.data_dir}")
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}")
    print(f"open index, load model, rubric, tracker: {time.perf_counter() - started:.2f} s")
    # The first few forward passes after loading are slow (weights paged in, BLAS set up): warm up like the
    # app does in its background worker, with queries unlike the ones measured below.
    started = time.perf_counter()
    for query in WARM_UP_QUERIES:
        services.retriever.search(query, k=3)
    print(f"first {len(WARM_UP_QUERIES)} searches (warm-up): {time.perf_counter() - started:.2f} s")
    print(
        "load average (1, 5, 15 min): "
        + ", ".join(f"{x:.1f}" for x in os.getloadavg())
        + f" on {os.cpu_count()} CPUs (the machine is shared)"
    )

    timings: dict[str, list[float]] = {}
    slowest: list[tuple[float, str, str]] = []
    by_round: list[tuple[int, float]] = []

    async def replay() -> None:
        for round_no in range(args.rounds):
            for skill, messages in CONVERSATIONS.items():
                engine = create_engine(settings, services=services)
                engine.set_skill(skill)
                async for _event in engine.opening():
                    pass
                for message in messages:
                    t0 = time.perf_counter()
                    async for _event in engine.turn(message):
                        pass
                    elapsed = (time.perf_counter() - t0) * 1000
                    name = skill or "free"
                    timings.setdefault(name, []).append(elapsed)
                    slowest.append((elapsed, name, message[:50].replace("\n", " ")))
                    by_round.append((round_no, elapsed))

    asyncio.run(replay())
    print(f"\nGuided turn latency, ms ({args.rounds} rounds; target <= 100 ms per turn)")
    print(f"  {'skill':<16}{'turns':>6}{'median':>9}{'p95':>9}{'max':>9}")
    every: list[float] = []
    for name, values in timings.items():
        every += values
        print(
            f"  {name:<16}{len(values):>6}{statistics.median(values):>9.1f}{pct(values, 0.95):>9.1f}"
            f"{max(values):>9.1f}"
        )
    print(
        f"  {'all':<16}{len(every):>6}{statistics.median(every):>9.1f}{pct(every, 0.95):>9.1f}"
        f"{max(every):>9.1f}"
    )
    over = sum(v > 100 for v in every)
    print(f"  turns over 100 ms: {over} of {len(every)}")
    first_round = [v for r, v in by_round if r == 0]
    later = [v for r, v in by_round if r > 0]
    if later:
        print(
            f"  first round (every query new): median {statistics.median(first_round):.1f}, "
            f"max {max(first_round):.1f}; later rounds: median {statistics.median(later):.1f}, "
            f"max {max(later):.1f}"
        )
    print("\nSlowest turns:")
    for elapsed, name, message in sorted(slowest, reverse=True)[:5]:
        print(f"  {elapsed:7.1f} ms  {name:<16} {message!r}")


if __name__ == "__main__":
    main()
