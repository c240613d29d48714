"""Small parts of the engine: escape stripping, secret redaction, lazy services, the critic's rules."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from engine_fakes import FakeJudge, FakePrinciple

from coach.config import Settings
from coach.engine import critic
from coach.engine.sanitize import StreamStripper, redact, strip_control
from coach.engine.services import PendingProposals, ProposalNotFound, Services

HOSTILE = (
    "Hi \x1b[31mred\x1b[0m \x1b]0;title\x07\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\"
    " \x9b2J\x00bell\x07 end\r\n"
)


def test_strip_control_removes_every_escape_and_control() -> None:
    assert strip_control(HOSTILE) == "Hi red link bell end\n"  # 8-bit CSI removed whole
    assert strip_control("tabs\tand\nnewlines stay") == "tabs\tand\nnewlines stay"


@pytest.mark.parametrize("size", range(1, 12))
def test_stream_stripper_matches_strip_control_for_any_chunking(size: int) -> None:
    stripper = StreamStripper()
    pieces = [HOSTILE[i : i + size] for i in range(0, len(HOSTILE), size)]
    out = "".join(stripper.feed(piece) for piece in pieces) + stripper.flush()
    assert out == strip_control(HOSTILE)


def test_stream_stripper_does_not_hold_text_back_forever() -> None:
    stripper = StreamStripper()
    shown = stripper.feed("\x1b]" + "x" * 600)  # an unterminated OSC longer than any real one
    assert "\x1b" not in shown and len(shown) > 500


def test_redact_removes_the_configured_key_and_key_shaped_strings() -> None:
    text = "key mykey-123456 and sk-abc123def456ghi and sk-proj-****abcd"
    cleaned = redact(text, ("mykey-123456",))
    assert "mykey-123456" not in cleaned and "sk-abc123def456ghi" not in cleaned and "sk-proj" not in cleaned


def test_services_build_nothing_until_asked_and_build_once(coach_home: Path) -> None:
    built: list[str] = []
    barrier = threading.Barrier(4)

    def judge_factory(settings: Settings) -> FakeJudge:
        built.append("judge")
        return FakeJudge()

    services = Services(Settings(home=coach_home), judge_factory=judge_factory)
    assert built == []

    def grab() -> None:
        barrier.wait()
        _ = services.judge

    threads = [threading.Thread(target=grab) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert built == ["judge"]


def test_pending_proposals_errors_name_what_is_pending() -> None:
    class Proposal:
        id, summary = "P4", "add a step"

    proposals = PendingProposals()
    proposals.add(Proposal())
    with pytest.raises(ProposalNotFound, match=r"no pending proposal 'P9' \(pending: P4\)"):
        proposals.get("P9")

    class FailingTracker:
        def apply(self, proposal: object, actor: str) -> str:
            raise ValueError("due date is in the past")

    with pytest.raises(ValueError, match="past"):
        proposals.accept("p4", FailingTracker())
    assert "P4" in proposals.pending  # a refused write keeps the proposal for another try


def test_only_high_severity_violations_trigger_a_revision() -> None:
    class Judgement:
        score = 0.5
        principles = [
            FakePrinciple("a", "Minor", "violated", severity="low"),
            FakePrinciple("b", "Ok", "honoured"),
            FakePrinciple("c", "Off topic", "not_applicable"),
        ]

    verdict = critic.assess(Judgement())
    assert not verdict.needs_revision and verdict.checked == 3
    Judgement.principles.append(FakePrinciple("d", "Serious", "violated", severity="high"))
    verdict = critic.assess(Judgement())
    assert [p.title for p in verdict.blocking] == ["Serious"]
    note = critic.checked_note(4, ["Serious"])
    assert note == "Checked against 4 guidance principles; revised once for: Serious."


def test_every_tool_a_prompt_names_exists(coach_home: Path) -> None:
    import re

    from coach.engine.llm import LLMEngine
    from coach.resources import prompts_dir

    engine = LLMEngine(Settings(home=coach_home), chat_model=object())
    names = {tool.name for tool in engine.tools.tools()}
    assert {"search_guidance", "critique_text", "add_step", "record_goal", "plan_session"} <= names
    for path in prompts_dir().glob("*.md"):
        for name in re.findall(r"`([a-z]+_[a-z_]+)`", path.read_text(encoding="utf-8")):
            assert name in names, f"{path.name} names a tool that does not exist: {name}"
