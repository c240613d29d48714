"""`coach eval run`: the harness over a fake engine, the real guided engine, record/replay, baseline, HTML."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from coach.cli import cli
from coach.events import Done, Event, ReplyReset, TextDelta
from coach.judge import RuleJudge, load_rubric
from coach.resources import evals_dir
from coach.skills import Skill
from evals.report import render_html
from evals.runs import (
    Reply,
    Scenario,
    advice_text,
    compare,
    load_replies,
    load_scenarios,
    run_scenarios,
    save_replies,
    score_replies,
)


class FakeEngine:
    """Implements the Engine protocol: canned replies per skill, one streamed in two pieces."""

    mode = "guided"
    conversation_id = "fake"

    def __init__(self, replies: dict[Skill, list[str]]) -> None:
        self.replies = replies
        self.skill: Skill | None = None
        self._turn = 0

    def set_skill(self, skill: Skill | None) -> None:
        self.skill, self._turn = skill, 0

    async def opening(self) -> AsyncIterator[Event]:
        yield TextDelta("Welcome.")
        yield Done("Welcome.")

    async def turn(self, text: str) -> AsyncIterator[Event]:
        assert self.skill is not None
        reply = self.replies[self.skill][self._turn]
        self._turn += 1
        yield TextDelta("draft that gets discarded")
        yield ReplyReset("revised")
        half = len(reply) // 2
        yield TextDelta(reply[:half])
        yield TextDelta(reply[half:])
        yield Done(reply)

    def accept(self, proposal_id: str) -> str:
        return ""

    def reject(self, proposal_id: str) -> str:
        return ""


REPLIES = {
    Skill.SESSION_PREP: [
        "Write a short agenda and send it two days ahead.",
        "There's no need for an agenda.",
    ],
    Skill.FEEDBACK: ["Thank them for being straight with you, then ask for an example."],
}
SCENARIOS = [
    Scenario("prep", Skill.SESSION_PREP, ["first meeting?", "and then?"]),
    Scenario("fb", Skill.FEEDBACK, ["how do I reply?"]),
]


def test_harness_collects_replies_and_scores_per_skill_and_principle() -> None:
    replies = asyncio.run(run_scenarios(SCENARIOS, lambda: FakeEngine(REPLIES), "guided"))
    assert [r.reply for r in replies] == [*REPLIES[Skill.SESSION_PREP], *REPLIES[Skill.FEEDBACK]]
    report = score_replies(replies, RuleJudge(load_rubric()), "guided", "rule").to_dict()
    prep = report["skills"]["session_prep"]
    assert prep["replies"] == 2 and prep["aligned_rate"] == 0.5
    assert report["skills"]["feedback"]["aligned_rate"] == 1.0
    assert report["principles"]["prepare-and-share-agenda"] == {"honoured": 1, "violated": 1}
    assert report["replies"][1]["violated"] == ["prepare-and-share-agenda"]


def test_record_then_replay_gives_the_same_report(tmp_path: Path) -> None:
    replies = asyncio.run(run_scenarios(SCENARIOS, lambda: FakeEngine(REPLIES), "llm"))
    save_replies(replies, tmp_path / "rec")
    again = load_replies(tmp_path / "rec")
    judge = RuleJudge(load_rubric())
    assert score_replies(again, judge, "llm", "rule") == score_replies(replies, judge, "llm", "rule")


def test_baseline_comparison_flags_drops_beyond_the_margin() -> None:
    report = {"skills": {"goals": {"mean_score": 0.70}, "feedback": {"mean_score": 0.60}}}
    baseline = {
        "skills": {
            "goals": {"mean_score": 0.72},
            "feedback": {"mean_score": 0.70},
            "outreach": {"mean_score": 0.5},
        }
    }
    drops = compare(report, baseline, 0.05)
    assert len(drops) == 2
    assert drops[0].startswith("feedback: mean score 0.600") and drops[1].startswith("outreach: no scored")


def test_quotes_of_the_users_own_words_are_not_judged_as_advice() -> None:
    reply = "> Would you be my mentor?\n\n'sometime' is not a date. Ask for one small thing first."
    assert advice_text(reply, "sometime") == "is not a date. Ask for one small thing first."


def test_citation_lines_and_footnotes_are_not_judged_as_advice() -> None:
    reply = (
        "Guidance: *Start small when approaching a possible mentor*; *Be yourself*.\n\n"
        "(1/6) Who are you writing to?\n\n"
        "Drawn from: *Know why you want a mentor before you look for one*.\n\n"
        "*Checked against 5 applicable guidance principle(s); no contradiction found.*\n"
        "Guidance: this line is prose, not a citation, so it stays."
    )
    assert " ".join(advice_text(reply).split()) == (
        "(1/6) Who are you writing to? Guidance: this line is prose, not a citation, so it stays."
    )
    cited_question = reply.split("\n\nDrawn")[0]
    question = score_replies(
        [Reply("s", "outreach", 1, "compose", cited_question, "guided")],
        RuleJudge(load_rubric()),
        "guided",
        "rule",
    ).to_dict()
    assert question["replies"] == []  # a bare question: nothing to score, though its citation names guidance


def test_html_report_is_self_contained_with_a_chart_per_skill() -> None:
    replies = asyncio.run(run_scenarios(SCENARIOS, lambda: FakeEngine(REPLIES), "guided"))
    report = score_replies(replies, RuleJudge(load_rubric()), "guided", "rule").to_dict()
    report["errors"] = ["<script>alert(1)</script>"]
    html = render_html(report)
    assert html.count("<svg") == 2
    assert not re.search(r"(?:src|href)=", html)  # no external assets
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_builtin_scenarios_cover_every_skill() -> None:
    scenarios = load_scenarios(evals_dir() / "scenarios")
    assert {s.skill for s in scenarios} == set(Skill)


def test_cli_replays_the_committed_guided_recording_within_the_baseline(tmp_path: Path) -> None:
    base = evals_dir() / "baselines"
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli,
        [
            "eval",
            "run",
            "--replay",
            str(base / "guided-replies"),
            "--baseline",
            str(base / "guided.json"),
            "--json",
            str(out),
            "--html",
            str(tmp_path / "r.html"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert set(json.loads(out.read_text())["skills"]) == {s.value for s in Skill}
    assert (tmp_path / "r.html").read_text().startswith("<!doctype html>")


def test_cli_fails_when_a_skill_drops_below_the_baseline(tmp_path: Path) -> None:
    base = evals_dir() / "baselines"
    baseline = json.loads((base / "guided.json").read_text())
    for skill in baseline["skills"].values():
        skill["mean_score"] = 0.99
    raised = tmp_path / "raised.json"
    raised.write_text(json.dumps(baseline))
    result = CliRunner().invoke(
        cli, ["eval", "run", "--replay", str(base / "guided-replies"), "--baseline", str(raised)]
    )
    assert result.exit_code != 0 and "dropped below the baseline" in result.stderr


def test_cli_runs_the_real_guided_coach(tmp_path: Path) -> None:
    scenario = tmp_path / "one.jsonl"
    scenario.write_text(
        json.dumps(
            {
                "id": "fb",
                "skill": "feedback",
                "turns": [
                    "1",
                    "Thank you for telling me. Could you give me an example? I'll try waiting next meeting.",
                ],
            }
        )
        + "\n"
    )
    out = tmp_path / "r.json"
    result = CliRunner().invoke(
        cli,
        ["eval", "run", "--scenarios", str(scenario), "--json", str(out), "--record", str(tmp_path / "rec")],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["coach"] == "guided" and report["skills"]["feedback"]["replies"] >= 1
    assert load_replies(tmp_path / "rec")[1].reply  # the coach answered the rehearsal reply


def test_bad_scenarios_and_missing_recordings_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "skill": "cooking", "turns": ["hi"]}\n')
    result = CliRunner().invoke(cli, ["eval", "run", "--scenarios", str(bad)])
    assert result.exit_code != 0 and "bad.jsonl:1" in result.stderr
    result = CliRunner().invoke(cli, ["eval", "run", "--replay", str(tmp_path)])
    assert result.exit_code != 0 and "no recorded replies" in result.stderr
    with pytest.raises(Exception, match="no turns"):
        empty = tmp_path / "empty.jsonl"
        empty.write_text('{"id": "x", "skill": "goals", "turns": []}\n')
        load_scenarios(empty)
