"""Does typing lag while a reply streams? Key-to-screen latency in the prompt during a fast stream.

A scripted engine streams a long Markdown reply (many small deltas, as an LLM sends them) while keys
are posted to the app as a terminal would deliver them. For each key we measure the time from posting
it to the first screen update after the character is in the prompt (what the typist sees).
Figures: p50 / p95 / max, with and without a reply streaming, with earlier replies on screen.

    .venv/bin/python benchmarks/bench_typing.py [--keys 200] [--deltas 3000]
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("COACH_HOME", tempfile.mkdtemp(prefix="coach-bench-"))

from textual import events  # noqa: E402

from coach.events import Done, TextDelta  # noqa: E402
from tui.app import CoachApp  # noqa: E402
from tui.widgets.prompt import PromptArea  # noqa: E402

PARAGRAPH = (
    "When you approach a possible mentor, **start small**: ask for one thing that is easy to say yes to, "
    "such as a 20-minute call or their view on one question.\n\n- say who you are\n- say what you need\n\n"
)


class StreamingEngine:
    mode = "guided"
    conversation_id = "bench"
    skill = None

    def __init__(self, deltas: int, pause: float) -> None:
        self.deltas = deltas
        self.pause = pause

    def set_skill(self, skill) -> None:  # noqa: ANN001
        self.skill = skill

    async def turn(self, text: str):
        words = (PARAGRAPH * (self.deltas // 40 + 1)).split(" ")[: self.deltas]
        for word in words:
            yield TextDelta(word + " ")
            await asyncio.sleep(self.pause)
        yield Done()

    async def opening(self):
        return
        yield

    def accept(self, proposal_id: str) -> str:
        return ""

    def reject(self, proposal_id: str) -> str:
        return ""


async def measure(
    keys: int, deltas: int, pause: float, streaming: bool, history: int = 0
) -> tuple[list[float], int]:
    engine = StreamingEngine(deltas, pause)
    app = CoachApp(engine_factory=lambda settings, cid: engine)
    latencies: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        while app.engine is None:
            await pilot.pause()
        prompt = app.query_one(PromptArea)
        painted: list[float] = []
        screen = app.screen
        original_refresh = screen._compositor_refresh

        def timed_refresh() -> None:
            original_refresh()
            painted.append(time.perf_counter())

        screen._compositor_refresh = timed_refresh  # type: ignore[method-assign]
        if history:  # earlier replies in the conversation: more widgets to lay out
            from tui.widgets.chat import CoachReply

            await app.query_one("#chat").mount_all(
                [CoachReply(finished_text=PARAGRAPH * 3) for _ in range(history)]
            )
            await pilot.pause()
        if streaming:
            prompt.load_text("stream please")
            await pilot.press("enter")
            while app.replying_to is None:
                await pilot.pause()
            await asyncio.sleep(3)  # let the reply grow before typing
        for index in range(keys):
            before = len(prompt.text)
            start = time.perf_counter()
            app.post_message(events.Key("x", "x"))
            while len(prompt.text) == before:
                await asyncio.sleep(0)
            typed = time.perf_counter()
            while not painted or painted[-1] < typed:  # until the screen has been updated after it
                await asyncio.sleep(0.001)
            latencies.append(painted[-1] - start)
            await asyncio.sleep(0.01)  # a fast typist: ~100 keys a second
            if index % 50 == 0 and streaming and app.replying_to is None:
                break
        still_streaming = app.replying_to is not None
        streamed = len(app.query("CoachReply").last().text) if app.query("CoachReply") else 0
    return latencies, streamed if still_streaming or not streaming else -streamed


def report(label: str, latencies: list[float]) -> None:
    ordered = sorted(latencies)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(
        f"{label}: {len(ordered)} keys, p50 {statistics.median(ordered) * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--deltas", type=int, default=3000)
    parser.add_argument("--pause", type=float, default=0.02, help="seconds between streamed deltas")
    parser.add_argument("--history", type=int, default=20, help="earlier replies already on screen")
    args = parser.parse_args()
    idle, _ = asyncio.run(measure(args.keys, args.deltas, args.pause, streaming=False, history=args.history))
    busy, streamed = asyncio.run(
        measure(args.keys, args.deltas, args.pause, streaming=True, history=args.history)
    )
    every = f"{args.pause * 1000:.0f} ms"
    print(f"(with {args.history} earlier replies on screen; stream: one delta every {every})")
    report("idle     ", idle)
    report("streaming", busy)
    state = "still streaming when typing ended" if streamed >= 0 else "stream had finished"
    with open("/proc/loadavg") as fh:
        print(f"load average: {' '.join(fh.read().split()[:3])} ({os.cpu_count()} CPUs)")
    print(f"reply text at the end of typing: {abs(streamed)} characters ({state})")


if __name__ == "__main__":
    main()
