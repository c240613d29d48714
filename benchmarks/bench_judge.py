"""Judge speed.

    .venv/bin/python benchmarks/bench_judge.py [--cases 100] [--delay 0.3]

Targets (issue 5): rule judge >= 200 cases/s after construction (the dev set, repeated);
LLM judge against a local mock OpenAI server answering each request in 300 ms: 100 cases in <= 10 s
(cold cache), and the re-run served from the disk cache.
The mock server is a raw ASGI app under uvicorn on 127.0.0.1, in a child process (as a real local server
would be), so its CPU does not count against the judge.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def bench_rule(rounds: int) -> None:
    from coach.judge import RuleJudge, load_rubric
    from coach.resources import evals_dir

    start = time.perf_counter()
    judge = RuleJudge(load_rubric())
    built = time.perf_counter() - start
    cases = [json.loads(line) for line in (evals_dir() / "judge" / "dev.jsonl").read_text().splitlines()]
    for case in cases[:10]:  # warm up
        judge.judge(case["advice"], case["skill"], case["user"])
    start = time.perf_counter()
    for _ in range(rounds):
        for case in cases:
            judge.judge(case["advice"], case["skill"], case["user"])
    elapsed = time.perf_counter() - start
    n = rounds * len(cases)
    print(
        f"rule judge: construction {built * 1000:.0f} ms; {n} cases in {elapsed:.2f} s = "
        f"{n / elapsed:.0f} cases/s (target >= 200)"
    )
    # Every labelled set, the independent writers' longer replies included (up to 180 words).
    every = [
        json.loads(line)
        for path in sorted((evals_dir() / "judge").rglob("*.jsonl"))
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    start = time.perf_counter()
    for case in every:
        judge.judge(case["advice"], case["skill"], case["user"])
    elapsed = time.perf_counter() - start
    print(
        f"rule judge, all labelled sets: {len(every)} cases in {elapsed:.2f} s = "
        f"{len(every) / elapsed:.0f} cases/s"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _mock_app(delay: float, counter: list[int]):  # type: ignore[no-untyped-def]
    import asyncio

    body = json.dumps(
        {
            "id": "bench",
            "object": "chat.completion",
            "created": 0,
            "model": "bench",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {
                        "role": "assistant",
                        "content": json.dumps(
                            {
                                "explanation": "Checked.",
                                "status": "not_applicable",
                                "evidence": "",
                                "reason": "Not addressed.",
                            }
                        ),
                    },
                }
            ],
        }
    ).encode()

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        counter[0] += 1
        await asyncio.sleep(delay)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return app


def _serve(port: int, delay: float) -> None:
    import uvicorn

    uvicorn.run(_mock_app(delay, [0]), host="127.0.0.1", port=port, log_level="warning", lifespan="off")


def bench_llm(cases_n: int, delay: float, concurrency: int) -> None:
    import asyncio
    import multiprocessing

    from coach.config import Settings
    from coach.judge import load_rubric
    from coach.judge.llm import LLMJudge
    from coach.resources import evals_dir

    port = _free_port()
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(port, delay), daemon=True)
    server.start()
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        rows = [json.loads(line) for line in (evals_dir() / "judge" / "dev.jsonl").read_text().splitlines()]
        items = [(r["advice"], r["skill"], r["user"]) for r in (rows * 2)[:cases_n]]
        settings = Settings(api_key="bench", base_url=f"http://127.0.0.1:{port}/v1", model="bench")
        for label in ("cold cache", "warm cache"):
            judge = LLMJudge(load_rubric(), settings, concurrency=concurrency)
            start = time.perf_counter()
            outcomes = asyncio.run(judge.ajudge_many(items))
            elapsed = time.perf_counter() - start
            failed = sum(1 for _, error in outcomes if error)
            print(
                f"LLM judge ({label}): {len(items)} cases, {judge.calls} requests answered in "
                f"{delay * 1000:.0f} ms each, concurrency {concurrency}: {elapsed:.2f} s "
                f"({failed} failed; target <= 10 s cold)"
            )
    finally:
        server.terminate()
        server.join(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the dev set for the rule judge")
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--delay", type=float, default=0.3)
    # The mock is on 127.0.0.1, where the judge would default to 8 (a local model queues requests); the
    # target models a server that answers requests in parallel, as hosted APIs do.
    parser.add_argument("--concurrency", type=int, default=48)
    args = parser.parse_args()
    os.environ["COACH_HOME"] = tempfile.mkdtemp(prefix="coach-bench-")  # a fresh, throw-away cache
    bench_rule(args.rounds)
    bench_llm(args.cases, args.delay, args.concurrency)


if __name__ == "__main__":
    main()
