"""Agent tools: they propose, never write; errors come back as text a model can act on.

The last tests drive the tools from a real ChatOpenAI client whose server is mocked with respx at the
HTTP layer, so the schemas really travel to the model and the model's tool calls really come back.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx
from tracker_helpers import add_step, make_tracker

from coach.tracker import NextStep, Tracker
from coach.tracker.proposals import Proposal
from coach.tracker.tools import make_tools

BASE_URL = "http://llm.test/v1"


@pytest.fixture
def tracker(tmp_path: Path) -> Tracker:
    t = make_tracker(tmp_path / "tracker.db")
    yield t
    t.close()


@pytest.fixture
def proposed() -> list[Proposal]:
    return []


@pytest.fixture
def tools(tracker: Tracker, proposed: list[Proposal]) -> dict:
    return {tool.name: tool for tool in make_tools(tracker, proposed.append)}


def call(tool, args: dict, call_id: str = "call-1"):  # type: ignore[no-untyped-def]
    return tool.invoke({"type": "tool_call", "id": call_id, "name": tool.name, "args": args})


def test_expected_tools_with_pydantic_schemas(tools: dict) -> None:
    assert {
        "list_steps", "add_step", "update_step", "complete_step", "drop_step", "record_goal",
        "record_partner", "save_draft", "record_agreement", "plan_session", "close_session",
        "tracker_overview",
    } == set(tools)  # fmt: skip
    schema = tools["add_step"].args_schema.model_json_schema()
    assert set(schema["required"]) == {"what", "due", "done_when"}
    assert "measurable" in schema["properties"]["done_when"]["description"]


def test_add_step_proposes_and_writes_nothing(
    tracker: Tracker, tools: dict, proposed: list[Proposal]
) -> None:
    message = call(
        tools["add_step"], {"what": "Send CV to Sam", "due": "next Friday", "done_when": "CV sent"}
    )
    assert message.status == "success"
    assert "Proposed P" in message.content and "waiting for the user to accept" in message.content
    assert "Fri 4 Dec 2026" in message.content
    assert tracker.list_steps(status="all") == []
    (proposal,) = proposed
    tracker.apply(proposal, actor="coach")
    assert [s.what for s in tracker.list_steps()] == ["Send CV to Sam"]
    assert tracker.history()[0].actor == "coach"


def test_validation_errors_are_actionable_tool_errors(tools: dict, proposed: list[Proposal]) -> None:
    missing = call(tools["add_step"], {"what": "Send CV"})
    assert missing.status == "error"
    assert "due date is missing: ask the user when" in missing.content
    assert "done_when" in missing.content and "ask the user" in missing.content
    vague = call(tools["add_step"], {"what": "Network", "due": "3/4/2027", "done_when": "feel better"})
    assert vague.status == "error" and vague.content.startswith("Not proposed:")
    assert "ask the user which one" in vague.content and "not measurable" in vague.content
    wrong_type = call(tools["complete_step"], {"step_id": "the first one"})
    assert wrong_type.status == "error" and "step_id" in wrong_type.content
    unknown = call(tools["complete_step"], {"step_id": 41})
    assert unknown.status == "error" and "step 41 does not exist" in unknown.content
    assert proposed == []


def test_update_complete_and_list(tracker: Tracker, tools: dict, proposed: list[Proposal]) -> None:
    add_step(tracker, "Send CV", due="2026-11-30")
    listed = call(tools["list_steps"], {}).content
    assert "1: [open] protege: Send CV" in listed and "Mon 30 Nov 2026" in listed
    assert "- due: Mon 30 Nov 2026" in call(tools["update_step"], {"step_id": 1, "due": "2026-12-07"}).content
    assert "mark step 1 done" in call(tools["complete_step"], {"step_id": 1, "note": "sent"}).content
    assert [p.kind for p in proposed] == ["update_step", "complete_step"]
    assert tracker.get(NextStep, 1).status.value == "open"


def test_other_tools_propose_records(tracker: Tracker, tools: dict, proposed: list[Proposal]) -> None:
    call(
        tools["record_goal"],
        {"title": "Lead a project", "why": "staff role", "mentor_kinds": ["sponsorship"]},
    )
    tracker.apply(proposed[-1])
    call(tools["record_partner"], {"name": "Ana", "why_them": "ran the migration"})
    tracker.apply(proposed[-1])
    agreement = call(tools["record_agreement"], {"partner_id": 1, "cadence": "monthly"}).content
    assert "Note for the user:" in agreement and "next two meetings" in agreement
    session = call(
        tools["plan_session"], {"date": "2026-12-02", "partner_id": 1, "questions": ["What would you cut?"]}
    )
    assert "plan session with Ana on Wed 2 Dec 2026" in session.content
    draft = call(tools["save_draft"], {"name": "ana intro", "body": "Hi Ana, ..."}).content
    assert "save draft 'ana-intro' version 1" in draft
    assert [p.kind for p in proposed] == [
        "record_goal", "record_partner", "record_agreement", "plan_session", "save_draft",
    ]  # fmt: skip


# ---- through a real chat model client over mocked HTTP ---------------------------------------
def _completion(tool_calls: list[dict]) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": "mock-model",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls",
                    "message": {"role": "assistant", "content": None, "tool_calls": tool_calls},
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        },
    )


def _fn(call_id: str, name: str, arguments: str) -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


@respx.mock
def test_tool_schemas_reach_the_model_and_its_calls_become_proposals(
    tracker: Tracker, tools: dict, proposed: list[Proposal]
) -> None:
    from langchain_openai import ChatOpenAI

    route = respx.post(f"{BASE_URL}/chat/completions").mock(
        return_value=_completion(
            [
                _fn(
                    "c1",
                    "add_step",
                    json.dumps({"what": "Email Ana", "due": "in two weeks", "done_when": "email sent"}),
                ),
                _fn(
                    "c2", "add_step", json.dumps({"what": "Get better", "due": "soon", "done_when": "better"})
                ),
                _fn("c3", "add_step", '{"what": "broken json'),
            ]
        )
    )
    model = ChatOpenAI(
        model="mock-model", api_key="test", base_url=BASE_URL, max_retries=0, use_responses_api=False
    ).bind_tools(list(tools.values()))
    reply = model.invoke("We agreed I email Ana within two weeks.")

    sent = json.loads(route.calls.last.request.content)
    sent_names = {t["function"]["name"] for t in sent["tools"]}
    assert {"add_step", "complete_step", "record_goal"} <= sent_names
    add_schema = next(t for t in sent["tools"] if t["function"]["name"] == "add_step")["function"][
        "parameters"
    ]
    assert {"what", "due", "done_when"} <= set(add_schema["required"])

    assert len(reply.tool_calls) == 2 and len(reply.invalid_tool_calls) == 1  # malformed JSON kept apart
    results = [tools[tc["name"]].invoke(tc) for tc in reply.tool_calls]
    assert results[0].status == "success" and "Wed 9 Dec 2026" in results[0].content
    assert results[1].status == "error" and "not a specific day" in results[1].content
    assert [p.summary for p in proposed] == ["add step: Email Ana — due Wed 9 Dec 2026"]
    assert tracker.list_steps(status="all") == []  # nothing written until the user accepts


def test_overview_gives_the_model_ids_and_today(tracker: Tracker, tools: dict) -> None:
    empty = call(tools["tracker_overview"], {}).content
    assert "Goals:\n  none" in empty and "today is Wed 25 Nov 2026" in empty
    from coach.tracker import proposals as P

    tracker.apply(P.propose_record_goal(tracker, title="Lead a project", why="staff role"))
    tracker.apply(P.propose_record_partner(tracker, name="Ana", stage="met"))
    tracker.apply(P.propose_plan_session(tracker, date="2026-12-02", partner_id=1))
    add_step(tracker, "Send CV", due="2026-12-01")
    text = call(tools["tracker_overview"], {}).content
    assert "1: Lead a project (active)" in text and "1: Ana (mentor, met)" in text
    assert "1: Wed 2 Dec 2026, partner 1" in text and "Open steps: 1 (0 overdue)" in text
