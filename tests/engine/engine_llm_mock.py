"""Build OpenAI chat-completions streaming bodies (text/event-stream) for respx-mocked tests."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import httpx

BASE_URL = "http://llm.test/v1"
COMPLETIONS = f"{BASE_URL}/chat/completions"
MODEL = "mock-model"


def _chunk(delta: dict[str, Any], finish: str | None = None, index: int = 0) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": MODEL,
        "choices": [{"index": index, "delta": delta, "finish_reason": finish, "logprobs": None}],
    }


def text_chunks(text: str, pieces: int = 3) -> list[dict[str, Any]]:
    size = max(1, len(text) // pieces)
    parts = [text[i : i + size] for i in range(0, len(text), size)]
    chunks = [_chunk({"role": "assistant", "content": ""})]
    chunks += [_chunk({"content": part}) for part in parts]
    chunks.append(_chunk({}, finish="stop"))
    return chunks


def tool_call_chunks(calls: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """calls: (call_id, name, raw JSON arguments). Arguments are streamed in two pieces."""
    chunks = [_chunk({"role": "assistant", "content": None})]
    for index, (call_id, name, args) in enumerate(calls):
        half = len(args) // 2
        chunks.append(
            _chunk(
                {
                    "tool_calls": [
                        {
                            "index": index,
                            "id": call_id,
                            "type": "function",
                            "function": {"name": name, "arguments": args[:half]},
                        }
                    ]
                }
            )
        )
        chunks.append(_chunk({"tool_calls": [{"index": index, "function": {"arguments": args[half:]}}]}))
    chunks.append(_chunk({}, finish="tool_calls"))
    return chunks


def sse(chunks: Iterable[dict[str, Any]], *, done: bool = True) -> bytes:
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks)
    if done:
        body += "data: [DONE]\n\n"
    return body.encode()


def stream_response(chunks: list[dict[str, Any]], *, done: bool = True) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=sse(chunks, done=done))


def text_response(text: str) -> httpx.Response:
    return stream_response(text_chunks(text))


def tool_response(*calls: tuple[str, str, str]) -> httpx.Response:
    return stream_response(tool_call_chunks(list(calls)))


class CutStream(httpx.AsyncByteStream):
    """Sends some SSE bytes, then the connection drops (a real mid-stream failure)."""

    def __init__(self, head: bytes) -> None:
        self.head = head

    async def __aiter__(self) -> Iterator[bytes]:  # type: ignore[override]
        yield self.head
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")

    async def aclose(self) -> None:
        return None


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        headers=headers or {},
        json={"error": {"message": message, "type": "error", "code": None}},
    )


def sent_messages(request: httpx.Request) -> list[dict[str, Any]]:
    return json.loads(request.content)["messages"]


class HangingStream(httpx.AsyncByteStream):
    """Sends some SSE bytes, then waits forever (a slow model the user cancels)."""

    def __init__(self, head: bytes) -> None:
        self.head = head

    async def __aiter__(self) -> Iterator[bytes]:  # type: ignore[override]
        import asyncio

        yield self.head
        await asyncio.Event().wait()

    async def aclose(self) -> None:
        return None
