"""The LLM judge over real HTTP (openai client + httpx), the server mocked with respx."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx

from coach.config import Settings
from coach.judge import load_rubric
from coach.judge.llm import LLMJudge, LLMJudgeError, MalformedResponse, parse_verdict

BASE = "http://llm.test/v1"
COMPLETIONS = f"{BASE}/chat/completions"
ADVICE = "There's no need for an agenda; just show up and see where the conversation goes."


def settings(**extra: object) -> Settings:
    return Settings(api_key="test", base_url=BASE, model="judge-model", max_retries=2, **extra)


def completion(content: str) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "id": "c1",
            "object": "chat.completion",
            "created": 0,
            "model": "judge-model",
            "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
            ],
        },
    )


def verdict_for(request: httpx.Request) -> httpx.Response:
    """A deterministic fake model: violates the agenda principle, honours nothing else."""
    body = json.loads(request.content)
    assert body["temperature"] == 0
    assert body["response_format"] == {"type": "json_object"}
    prompt = body["messages"][1]["content"]
    if "Principle: Prepare an agenda" in prompt:
        return completion(
            json.dumps(
                {
                    "explanation": "It dismisses preparing an agenda.",
                    "status": "violated",
                    "evidence": "There's no need for an agenda",
                    "reason": "Dismisses the agenda.",
                }
            )
        )
    return completion(
        json.dumps(
            {
                "explanation": "Not covered.",
                "status": "not_applicable",
                "evidence": "",
                "reason": "Not addressed.",
            }
        )
    )


def make_judge(max_principles: int = 3, **kw: object) -> LLMJudge:
    return LLMJudge(load_rubric(), settings(), max_principles=max_principles, **kw)  # type: ignore[arg-type]


@respx.mock
def test_good_responses_become_a_judgement() -> None:
    route = respx.post(COMPLETIONS).mock(side_effect=verdict_for)
    judge = make_judge()
    result = judge.judge(ADVICE, "session_prep")
    assert route.call_count == 3  # one call per selected principle
    assert result.verdict == "contradicts" and result.score < 0.5
    violated = result.violated[0]
    assert violated.principle_id == "prepare-and-share-agenda"
    assert violated.evidence == "There's no need for an agenda"
    assert violated.better
    assert result.judge == "llm"


@respx.mock
def test_principles_with_rule_evidence_are_asked_first() -> None:
    judge = make_judge(max_principles=1)
    chosen = judge.select(ADVICE, None, "")
    assert [p.id for p in chosen] == ["prepare-and-share-agenda"]


@respx.mock
def test_malformed_json_is_retried_then_accepted() -> None:
    good = verdict_for
    answers = iter(["{not json", '```json\n{"status": "maybe"}\n```'])

    def flaky(request: httpx.Request) -> httpx.Response:
        try:
            return completion(next(answers))
        except StopIteration:
            return good(request)

    route = respx.post(COMPLETIONS).mock(side_effect=flaky)
    result = make_judge(max_principles=1).judge(ADVICE, "session_prep")
    assert route.call_count == 3
    assert result.violated[0].principle_id == "prepare-and-share-agenda"


@respx.mock
def test_server_error_is_retried_then_accepted() -> None:
    calls = {"n": 0}

    def sometimes_down(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        return (
            httpx.Response(500, json={"error": {"message": "boom"}})
            if calls["n"] == 1
            else verdict_for(request)
        )

    route = respx.post(COMPLETIONS).mock(side_effect=sometimes_down)
    result = make_judge(max_principles=1).judge(ADVICE, "session_prep")
    assert route.call_count == 2 and result.verdict == "contradicts"


@respx.mock
def test_second_run_is_served_from_the_disk_cache(coach_home: Path) -> None:
    route = respx.post(COMPLETIONS).mock(side_effect=verdict_for)
    first = make_judge().judge(ADVICE, "session_prep")
    assert route.call_count == 3
    second = make_judge().judge(ADVICE, "session_prep")  # a new judge: only the disk cache is shared
    assert route.call_count == 3
    assert first == second
    assert list((coach_home / "cache" / "judge").rglob("*.json"))
    make_judge().judge(ADVICE + " Really.", "session_prep")  # different text, new calls
    assert route.call_count == 6


@respx.mock
def test_persistent_failure_and_bad_key_give_clear_errors() -> None:
    respx.post(COMPLETIONS).mock(return_value=completion("still not json"))
    with pytest.raises(LLMJudgeError, match="after 3 attempts: the model's answer was not the JSON"):
        make_judge(max_principles=1).judge(ADVICE, "session_prep")
    respx.post(COMPLETIONS).mock(return_value=httpx.Response(401, json={"error": {"message": "bad key"}}))
    with pytest.raises(LLMJudgeError, match="refused the API key") as caught:
        make_judge(max_principles=1, use_cache=False).judge(ADVICE + "!", "session_prep")
    assert "test" not in str(caught.value).split()  # the key is never echoed


@respx.mock
def test_timeouts_are_retried() -> None:
    calls = {"n": 0}

    def slow_then_fine(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return verdict_for(request)

    respx.post(COMPLETIONS).mock(side_effect=slow_then_fine)
    assert make_judge(max_principles=1).judge(ADVICE, "session_prep").verdict == "contradicts"


@respx.mock
def test_quotes_not_in_the_text_are_dropped_and_escapes_cleaned() -> None:
    respx.post(COMPLETIONS).mock(
        return_value=completion(
            json.dumps(
                {
                    "explanation": "x",
                    "status": "honoured",
                    "evidence": "a sentence that is not there",
                    "reason": "\x1b[2JGood\x1b[0m",
                }
            )
        )
    )
    result = make_judge(max_principles=1).judge("Send the agenda two days ahead.", "session_prep")
    honoured = result.honoured[0]
    assert honoured.evidence == "" and honoured.reason == "Good"


def test_parse_verdict_rejects_what_it_cannot_use() -> None:
    assert parse_verdict('{"status": "Honored"}')["status"] == "honoured"
    for bad in ("", "[]", '{"status": "perhaps"}', "nope"):
        with pytest.raises(MalformedResponse):
            parse_verdict(bad)


def test_an_llm_must_be_configured() -> None:
    with pytest.raises(LLMJudgeError, match="no LLM configured"):
        LLMJudge(load_rubric(), Settings())
    with pytest.raises(LLMJudgeError, match="COACH_MODEL"):
        LLMJudge(load_rubric(), Settings(base_url=BASE))


@respx.mock
def test_a_damaged_cache_entry_is_recomputed(coach_home: Path) -> None:
    route = respx.post(COMPLETIONS).mock(side_effect=verdict_for)
    make_judge(max_principles=1).judge(ADVICE, "session_prep")
    entries = list((coach_home / "cache" / "judge").rglob("*.json"))
    assert len(entries) == 1 and route.call_count == 1
    entries[0].write_bytes(b"\xff\x00 not json")
    result = make_judge(max_principles=1).judge(ADVICE, "session_prep")
    assert route.call_count == 2 and result.verdict == "contradicts"
    assert "test" not in entries[0].read_text()  # the API key is never part of a cache entry
