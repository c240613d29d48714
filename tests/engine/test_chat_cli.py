"""`coach chat`, `coach ask` and `coach conversations` through click, in both modes."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
import respx
from click.testing import CliRunner
from engine_llm_mock import BASE_URL, COMPLETIONS, MODEL, error_response, text_response, tool_response

from coach.cli import cli
from coach.conversations import ConversationLog
from coach.tracker import Tracker

SECRET = "sk-cli-RECOGNISABLE-77777777"


def invoke(*args: str, input: str | bytes | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_BASE_URL", BASE_URL)
    monkeypatch.setenv("COACH_MODEL", MODEL)
    monkeypatch.setenv("COACH_MAX_RETRIES", "0")


def only_conversation() -> str:
    (info,) = ConversationLog.open().list()
    return info.id


# ---- guided mode (no LLM configured) -------------------------------------------------------
def test_chat_in_a_pipe_answers_with_sources_and_logs_the_conversation() -> None:
    result = invoke("chat", input="How do I find a mentor?\n/quit\n")
    assert result.exit_code == 0, result.output
    assert "you>" not in result.output  # no prompts echoed when stdin is not a terminal
    assert "Sources:" in result.output
    conversation = only_conversation()
    messages = ConversationLog.open().messages(conversation)
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[0].content == "How do I find a mentor?"


def test_chat_commands_and_multi_line_input() -> None:
    result = invoke(
        "chat",
        input='/skill\n/skill nonsense\n/accept\n/reject P99\n/bogus\n"""\nline one\nline two\n"""\n/id\n',
    )
    assert result.exit_code == 0
    assert "mentor_practice" in result.output  # /skill lists the skills
    assert "unknown skill 'nonsense'" in result.output
    assert "say which proposal" in result.output
    assert "no pending proposal 'P99'" in result.output
    assert "unknown command /bogus" in result.output
    conversation = only_conversation()
    assert conversation in result.output  # /id
    user = [m.content for m in ConversationLog.open().messages(conversation) if m.role == "user"]
    assert user == ["line one\nline two"]


def test_unknown_skill_is_a_usage_error() -> None:
    result = invoke("ask", "dancing", "hello")
    assert result.exit_code == 2 and "choose one of: goals" in result.output


def test_conversations_list_show_export_rename_delete(tmp_path: Path) -> None:
    invoke("chat", input="I want a mentor for my design career\n")
    conversation = only_conversation()

    listing = invoke("conversations", "list")
    assert conversation in listing.output and "I want a mentor for my design career" in listing.output
    assert json.loads(invoke("conversations", "list", "--json").output.splitlines()[0])["id"] == conversation

    shown = invoke("conversations", "show", conversation[:4])
    assert "## You" in shown.output and "## Coach" in shown.output

    out = tmp_path / "chat.md"
    assert invoke("conversations", "export", conversation, "--out", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("# I want a mentor")
    again = invoke("conversations", "export", conversation, "--out", str(out))
    assert again.exit_code == 1 and "--force" in again.output

    assert invoke("conversations", "rename", conversation, "Design mentor search").exit_code == 0
    assert "Design mentor search" in invoke("conversations", "list").output
    assert "empty" in invoke("conversations", "rename", conversation, "  ").output

    refused = invoke("conversations", "delete", conversation)
    assert refused.exit_code == 1 and "--yes" in refused.output
    assert invoke("conversations", "delete", conversation, "--yes").exit_code == 0
    assert ConversationLog.open().list() == []
    missing = invoke("conversations", "show", conversation)
    assert missing.exit_code == 1 and "no conversation" in missing.output


def test_a_corrupt_conversation_log_is_refused_and_left_untouched(coach_home: Path) -> None:
    db = coach_home / "conversations.db"
    db.write_bytes(b"this is not a database" * 10)
    result = invoke("conversations", "list")
    assert result.exit_code == 1 and "not a coach database" in result.output
    assert db.read_bytes() == b"this is not a database" * 10
    assert invoke("chat", input="hi\n").exit_code == 1


def test_ask_reads_non_utf8_stdin_with_a_clear_error() -> None:
    result = invoke("ask", "goals", "-", input=b"\xff\xfe\x00bad")
    assert result.exit_code == 1 and "not valid UTF-8" in result.output


# ---- LLM mode --------------------------------------------------------------------------------
@respx.mock
def test_chat_with_an_llm_proposal_accepted_from_the_repl(
    llm_env: None, monkeypatch: pytest.MonkeyPatch, coach_home: Path
) -> None:
    import coach.tracker.proposals as proposals

    monkeypatch.setattr(proposals, "_ids", itertools.count(1))  # so the piped /accept can name P1
    respx.post(COMPLETIONS).mock(
        side_effect=[
            tool_response(
                (
                    "c1",
                    "add_step",
                    json.dumps(
                        {"what": "Email Dana one question", "due": "2099-03-01", "done_when": "email sent"}
                    ),
                )
            ),
            text_response("I have proposed \x1b[2Jthat step."),
        ]
    )
    result = invoke("chat", "--skill", "next_steps", input="Let's wrap up\n/accept P1\n/accept P1\n")
    assert result.exit_code == 0, result.output
    assert "Proposed P1: " in result.output
    assert "accept with /accept P1, reject with /reject P1" in result.output
    assert "\x1b" not in result.output
    assert "already accepted" in result.output
    (step,) = Tracker.open().list_steps()
    assert step.what == "Email Dana one question"
    conversation = only_conversation()
    (proposal,) = ConversationLog.open().proposals(conversation)
    assert proposal.status == "accepted"
    for path in coach_home.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes()


@respx.mock
def test_ask_json_emits_events_and_resume_continues(llm_env: None) -> None:
    respx.post(COMPLETIONS).mock(return_value=text_response("Name the gap first."))
    result = invoke("ask", "goals", "Why would I want a mentor?", "--json")
    assert result.exit_code == 0
    events = [json.loads(line) for line in result.output.splitlines()]
    assert events[0]["type"] == "TextDelta" and events[-1]["type"] == "Done"
    assert events[-1]["text"].startswith("Name the gap first.")

    conversation = only_conversation()
    route = respx.post(COMPLETIONS).mock(return_value=text_response("As we said, the gap."))
    resumed = invoke("chat", "--resume", conversation, input="go on\n")
    assert resumed.exit_code == 0 and "As we said, the gap." in resumed.output
    sent = json.loads(route.calls[0].request.content)["messages"]
    assert any(m["content"] == "Why would I want a mentor?" for m in sent)


@respx.mock
def test_ask_exits_non_zero_on_a_model_error_without_leaking_the_key(llm_env: None) -> None:
    respx.post(COMPLETIONS).mock(return_value=error_response(401, f"Incorrect API key provided: {SECRET}"))
    result = invoke("ask", "goals", "hello")
    assert result.exit_code == 1
    assert "refused the API key (401)" in result.output and SECRET not in result.output


def test_ask_in_guided_mode_answers_once() -> None:
    result = invoke("ask", "outreach", "I want to write to Dana Reyes, a staff designer whose talk I liked")
    assert result.exit_code == 0
    assert result.output.strip()
    (info,) = ConversationLog.open().list()
    assert info.skill == "outreach" and info.mode == "guided"


def test_chat_skips_a_non_utf8_line_and_carries_on() -> None:
    result = invoke("chat", input=b"\xff\xfe bad bytes\nHow do I find a mentor?\n")
    assert result.exit_code == 0
    assert "not valid UTF-8" in result.output
    user = [m.content for m in ConversationLog.open().messages(only_conversation()) if m.role == "user"]
    assert user == ["How do I find a mentor?"]


@respx.mock
def test_chat_offers_retry_after_a_server_error_and_retry_works(llm_env: None) -> None:
    respx.post(COMPLETIONS).mock(side_effect=[error_response(503, "overloaded"), text_response("Back now.")])
    result = invoke("chat", input="hello\n/retry\n")
    assert result.exit_code == 0
    assert "(503)" in result.output and "type /retry to send it again" in result.output
    assert "Back now." in result.output
    user = [m.content for m in ConversationLog.open().messages(only_conversation()) if m.role == "user"]
    assert user == ["hello"]
