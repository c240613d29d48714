"""One LLM turn over real HTTP to the benchmark's mock OpenAI server on 127.0.0.1 (keep-alive, chunked SSE):
the same path a local Ollama or vLLM server takes, with no respx in between."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from engine_fakes import FakeJudge, FakeRetriever

from coach.config import Settings
from coach.engine import create_engine
from coach.engine.services import Services
from coach.events import CitationEvent, Done, ErrorEvent, TextDelta, ToolResultEvent

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_engine import REPLY, MockOpenAI  # noqa: E402


def test_a_tool_turn_over_real_http(coach_home: Path) -> None:
    server = MockOpenAI()
    url = f"http://127.0.0.1:{server.port}/v1"
    settings = Settings(base_url=url, model="local", max_retries=0, home=coach_home)
    services = Services(settings, retriever=FakeRetriever(), judge=FakeJudge())
    engine = create_engine(settings, services=services)

    async def two_turns() -> list:
        first = [e async for e in engine.turn("How do I write to Dana?")]
        second = [e async for e in engine.turn("And then?")]  # reuses the kept-alive connection
        return first + second

    events = asyncio.run(two_turns())
    assert not [e for e in events if isinstance(e, ErrorEvent)]
    assert sum(isinstance(e, Done) for e in events) == 2
    assert any(isinstance(e, ToolResultEvent) and e.ok for e in events)
    assert any(isinstance(e, CitationEvent) for e in events)
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert REPLY.split(" ")[0] in text
    # Turn 1: tool call + answer. Turn 2: the server sees the earlier tool result in the history, answers.
    assert server.log.requests == 3
