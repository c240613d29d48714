"""Engine speed: guided turn latency, and LLM-mode overhead against a local mock OpenAI server.

    .venv/bin/python benchmarks/bench_engine.py [--turns 10]

Targets (issue 6): guided turn <= 100 ms including retrieval (model loaded); LLM engine overhead per turn
(retrieval, prompt assembly, tool execution, critic) <= 50 ms beyond the server's own time; first TextDelta
<= 20 ms after the server sent its first token.

The mock server runs on 127.0.0.1 in this process (raw asyncio, HTTP/1.1 keep-alive, chunked SSE), so both
sides share one clock: it records when it received each request, when it wrote the first content token
and when it finished. Overhead = turn wall time - time the server spent on its requests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TOKEN_DELAY = 0.004  # seconds between streamed tokens, like a fast local model
TOKENS = 40
REPLY = (
    "Start small: ask for twenty minutes of advice on one specific question, say what you admire in her "
    "work, and offer something in return. "
)


@dataclass
class ServerLog:
    busy: float = 0.0  # seconds spent serving requests (receive -> last byte)
    first_token_at: list[float] = field(default_factory=list)
    requests: int = 0

    def reset(self) -> None:
        self.busy, self.first_token_at, self.requests = 0.0, [], 0


def _chunk(delta: dict, finish: str | None = None) -> bytes:
    body = {
        "id": "bench",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "bench",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body)}\n\n".encode()


class MockOpenAI:
    """Answers /v1/chat/completions: a guidance-search tool call first when tools are offered and no tool
    result is present yet (if `use_tool`), else a streamed text reply."""

    def __init__(self) -> None:
        self.log = ServerLog()
        self.use_tool = True
        self.loop = asyncio.new_event_loop()
        self.port = 0
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        ready.wait()

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.decode().split("\r\n"):
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":", 1)[1])
                body = json.loads(await reader.readexactly(length)) if length else {}
                started = time.perf_counter()
                await self._respond(body, writer)
                self.log.busy += time.perf_counter() - started
                self.log.requests += 1
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        await writer.drain()

    async def _respond(self, body: dict, writer: asyncio.StreamWriter) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n"
            b"connection: keep-alive\r\n\r\n"
        )
        messages = body.get("messages", [])
        wants_tool = self.use_tool and body.get("tools") and not any(m["role"] == "tool" for m in messages)
        if wants_tool:
            args = json.dumps({"query": "first message to a possible mentor"})
            call = {"index": 0, "id": "call_1", "type": "function"}
            await self._send(writer, _chunk({"role": "assistant", "content": None}))
            function = {"name": "search_guidance", "arguments": args}
            await self._send(writer, _chunk({"tool_calls": [{**call, "function": function}]}))
            await self._send(writer, _chunk({}, finish="tool_calls"))
        else:
            await self._send(writer, _chunk({"role": "assistant", "content": ""}))
            words = (REPLY * 4).split(" ")[:TOKENS]
            for i, word in enumerate(words):
                await asyncio.sleep(TOKEN_DELAY)
                if i == 0:
                    self.log.first_token_at.append(time.perf_counter())
                await self._send(writer, _chunk({"content": word + " "}))
            await self._send(writer, _chunk({}, finish="stop"))
        await self._send(writer, b"data: [DONE]\n\n")
        writer.write(b"0\r\n\r\n")
        await writer.drain()


def _stats(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    p90 = sorted(ms)[int(0.9 * (len(ms) - 1))]
    return f"median {statistics.median(ms):6.1f} ms   p90 {p90:6.1f} ms   max {max(ms):6.1f} ms"


async def _timed_turn(engine, text: str) -> tuple[float, float | None, int]:
    start = time.perf_counter()
    first_text = None
    deltas = 0
    async for event in engine.turn(text):
        if type(event).__name__ == "TextDelta":
            deltas += 1
            if first_text is None:
                first_text = time.perf_counter()
    return time.perf_counter() - start, first_text, deltas


def bench_llm(turns: int) -> None:
    from coach.config import Settings
    from coach.engine import create_engine
    from coach.engine.services import Services
    from coach.skills import Skill

    server = MockOpenAI()
    settings = Settings(base_url=f"http://127.0.0.1:{server.port}/v1", model="bench", max_retries=0)
    services = Services(settings)
    t0 = time.perf_counter()
    services.warm_up()
    print(f"services warm-up (embedder, index, tracker, judge): {(time.perf_counter() - t0) * 1000:.0f} ms")
    t0 = time.perf_counter()
    engine = create_engine(settings, services=services)
    print(f"create_engine (imports langchain, builds the client): {(time.perf_counter() - t0) * 1000:.0f} ms")
    engine.set_skill(Skill.OUTREACH)

    for use_tool, label in ((False, "text-only turn"), (True, "turn with a guidance-search tool call")):
        server.use_tool = use_tool
        overheads, first_gaps, walls = [], [], []

        async def run_turns(walls=walls, overheads=overheads, first_gaps=first_gaps) -> None:  # noqa: B008
            await _timed_turn(engine, "warm-up")  # first agent build for this skill
            for i in range(turns):
                server.log.reset()
                wall, first_text, _ = await _timed_turn(engine, f"How do I write to Dana? ({i})")
                walls.append(wall)
                overheads.append(wall - server.log.busy)
                if first_text is not None and server.log.first_token_at:
                    first_gaps.append(first_text - server.log.first_token_at[0])

        asyncio.run(run_turns())
        print(f"\nLLM mode, {label} ({turns} turns, {TOKENS} tokens at {TOKEN_DELAY * 1000:.0f} ms):")
        print(f"  turn wall time             {_stats(walls)}")
        print(f"  engine overhead per turn   {_stats(overheads)}   (target <= 50 ms)")
        print(f"  server first token -> TextDelta {_stats(first_gaps)}   (target <= 20 ms)")
        engine.inner.history.clear()  # keep prompts the same size from turn to turn


def bench_guided(turns: int) -> None:
    from coach.config import Settings
    from coach.engine import create_engine
    from coach.engine.services import Services
    from coach.skills import Skill

    settings = Settings()
    services = Services(settings)
    services.warm_up()
    engine = create_engine(settings, services=services)
    messages = [
        "How should I approach a senior designer I admire?",
        "I want to grow into a staff engineer role and need someone who has done it",
        "What should I bring to my first meeting with my mentor?",
        "My mentor said my reports are late; how do I take that well?",
    ]
    retrieval: list[float] = []
    flow: list[float] = []
    cited = 0

    async def timed(text: str) -> tuple[float, int]:
        start = time.perf_counter()
        citations = [e async for e in engine.turn(text) if type(e).__name__ == "CitationEvent"]
        return time.perf_counter() - start, len(citations)

    async def run_turns() -> None:
        nonlocal cited
        await timed(messages[0])  # warm-up
        for i in range(turns * 2):  # free questions: each one retrieves and cites
            engine.set_skill(None)
            wall, citations = await timed(messages[i % len(messages)] + f" ({i})")
            retrieval.append(wall)
            cited += citations > 0
        for skill in (Skill.GOALS, Skill.OUTREACH, Skill.SESSION_PREP, Skill.FEEDBACK):
            engine.set_skill(skill)
            async for _ in engine.opening():
                pass
            for i in range(turns):
                flow.append((await timed(messages[i % len(messages)]))[0])

    asyncio.run(run_turns())
    print("\nGuided mode (model loaded; includes the conversation log writes):")
    label = f"free question, retrieval ({cited}/{len(retrieval)} cited)"
    print(f"  {label} {_stats(retrieval)}   (target <= 100 ms)")
    print(f"  skill-flow turns ({len(flow)})          {_stats(flow)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=10)
    args = parser.parse_args()
    os.environ.setdefault("COACH_HOME", tempfile.mkdtemp(prefix="coach-bench-"))
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "COACH_MODEL"):
        os.environ.pop(var, None)
    print(f"data dir: {os.environ['COACH_HOME']}")
    bench_guided(args.turns)
    bench_llm(args.turns)


if __name__ == "__main__":
    main()
