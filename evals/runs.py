"""`coach eval run`: run the coach on a scenario set and score its replies against the guidance.

Scenarios (evals/scenarios/*.jsonl): {"id", "skill", "turns": [user messages...], "note"}. Each scenario
gets a fresh engine (coach.engine.create_engine) switched to its skill; every reply is judged with the skill's
principles. Replies can be recorded (--record DIR) and re-scored later without running the coach
(--replay DIR), so CI can re-score LLM replies offline. --baseline FILE fails the run when a skill's mean
score drops by more than --margin.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import click

from coach.skills import Skill

REPLIES_FILE = "replies.jsonl"
TURN_TIMEOUT = 180.0
DEFAULT_MARGIN = 0.05
# Quoted text (the user's own draft, a role-played mentor) and mode notices are not the coach's advice.
# Lines that are not the coach's advice: blockquotes (the user's draft, a role-played mentor), mode notices,
# the self-check footnote, and citation lines ("Guidance: *card title*; *card title*.": the titles are the
# guidance's words, and would let a bare question such as "Who are you writing to?" pass as advice).
_NOT_ADVICE = re.compile(
    r"^\s*(?:>.*|\*You are in guided mode.*|\*\(offline.*|\*Checked against .*"
    r"|[A-Z][A-Za-z ]{0,40}: \*[^*\n]+\*(?:; \*[^*\n]+\*)*\.)\s*$",
    re.M,
)


class ScenarioError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    skill: Skill
    turns: list[str]
    note: str = ""


@dataclass(slots=True)
class Reply:
    scenario: str
    skill: str
    turn: int
    user: str
    reply: str
    coach: str
    error: str = ""


@dataclass(slots=True)
class RunReport:
    coach: str
    judge: str
    skills: dict[str, dict[str, Any]] = field(default_factory=dict)
    principles: dict[str, dict[str, int]] = field(default_factory=dict)
    replies: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---- scenarios ------------------------------------------------------------------------------------
def default_scenario_dir() -> Path:
    from coach.resources import evals_dir

    return evals_dir() / "scenarios"


def load_scenarios(directory: Path, skills: set[Skill] | None = None) -> list[Scenario]:
    files = sorted(directory.glob("*.jsonl")) if directory.is_dir() else [directory]
    if not files or not all(f.is_file() for f in files):
        raise ScenarioError(f"{directory}: no scenario files (*.jsonl)")
    scenarios: list[Scenario] = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                scenario = Scenario(
                    str(data["id"]),
                    Skill(data["skill"]),
                    [str(t) for t in data["turns"]],
                    str(data.get("note", "")),
                )
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise ScenarioError(f"{path.name}:{number}: not a valid scenario ({exc})") from exc
            if not scenario.turns:
                raise ScenarioError(f"{path.name}:{number}: scenario {scenario.id!r} has no turns")
            if skills is None or scenario.skill in skills:
                scenarios.append(scenario)
    return scenarios


# ---- running the coach ----------------------------------------------------------------------------
EngineFactory = Callable[[], Any]


def engine_factory(coach: str) -> EngineFactory:
    from coach.config import Settings

    settings = Settings()
    if coach == "guided":
        # Guided mode even when an LLM is configured: the run must be deterministic.
        settings = settings.model_copy(update={"api_key": None, "base_url": None})
    elif not settings.llm_enabled:
        raise click.UsageError(
            "--coach llm needs an LLM: set OPENAI_API_KEY, or OPENAI_BASE_URL and COACH_MODEL"
        )

    def make() -> Any:
        from coach.engine import create_engine

        return create_engine(settings)

    return make


async def collect(events: Any, timeout: float = TURN_TIMEOUT) -> tuple[str, str]:
    """Text the coach showed for one turn (ReplyReset discards what came before) and any error."""
    from coach.events import Done, ErrorEvent, ReplyReset, TextDelta

    parts: list[str] = []
    error = ""

    async def consume() -> None:
        nonlocal error
        async for event in events:
            if isinstance(event, TextDelta):
                parts.append(event.text)
            elif isinstance(event, ReplyReset):
                parts.clear()
            elif isinstance(event, ErrorEvent):
                error = event.message
            elif isinstance(event, Done):
                break

    try:
        await asyncio.wait_for(consume(), timeout)
    except TimeoutError:
        error = f"no reply within {timeout:.0f} s"
    return "".join(parts), error


async def run_scenarios(
    scenarios: list[Scenario],
    make_engine: EngineFactory,
    coach: str,
    on_done: Callable[[], None] = lambda: None,
) -> list[Reply]:
    replies: list[Reply] = []
    for scenario in scenarios:
        engine = make_engine()
        engine.set_skill(scenario.skill)
        await collect(engine.opening())
        for number, text in enumerate(scenario.turns, start=1):
            reply, error = await collect(engine.turn(text))
            replies.append(Reply(scenario.id, scenario.skill.value, number, text, reply, coach, error))
        on_done()
    return replies


def save_replies(replies: list[Reply], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / REPLIES_FILE
    path.write_text(
        "".join(json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in replies), encoding="utf-8"
    )
    return path


def load_replies(directory: Path) -> list[Reply]:
    path = directory / REPLIES_FILE if directory.is_dir() else directory
    if not path.is_file():
        raise ScenarioError(f"{path}: no recorded replies (record them with --record {directory})")
    replies = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                replies.append(Reply(**json.loads(line)))
            except (json.JSONDecodeError, TypeError) as exc:
                raise ScenarioError(f"{path.name}:{number}: not a recorded reply ({exc})") from exc
    return replies


# ---- scoring --------------------------------------------------------------------------------------
_QUOTED_SPAN = re.compile(r"[\"\u201c\u2018']([^\"\u201d\u2019\n]{3,}?)[\"\u201d\u2019'](?!\w)")


def advice_text(reply: str, user: str = "") -> str:
    """The coach's own words: the lines in _NOT_ADVICE and inline quotes of the user's own message
    ("'sometime' is not a date") are removed before judging."""
    text = _NOT_ADVICE.sub("", reply)
    said = " ".join(user.lower().split())
    if said:
        text = _QUOTED_SPAN.sub(
            lambda m: "" if " ".join(m.group(1).lower().split()).strip(" .,!?") in said else m.group(0), text
        )
    return text.strip()


def score_replies(replies: list[Reply], judge: Any, coach: str, judge_name: str) -> RunReport:
    report = RunReport(coach=coach, judge=judge_name)
    per_skill: dict[str, list[float]] = defaultdict(list)
    aligned: dict[str, int] = defaultdict(int)
    unscored: dict[str, int] = defaultdict(int)
    principles: dict[str, dict[str, int]] = defaultdict(lambda: {"honoured": 0, "violated": 0})
    for reply in replies:
        if reply.error:
            report.errors.append(f"{reply.scenario} turn {reply.turn}: {reply.error}")
        text = advice_text(reply.reply, reply.user)
        if not text:
            continue
        try:
            judgement = judge.judge(text, reply.skill, reply.user)
        except ValueError as exc:
            report.errors.append(f"{reply.scenario} turn {reply.turn}: {exc}")
            continue
        if not judgement.applicable:
            unscored[reply.skill] += 1  # a menu or a question: no principle applies, nothing to score
            continue
        per_skill[reply.skill].append(judgement.score)
        aligned[reply.skill] += judgement.verdict == "aligned"
        for p in judgement.applicable:
            principles[p.principle_id][p.status] += 1
        report.replies.append(
            {
                "scenario": reply.scenario,
                "skill": reply.skill,
                "turn": reply.turn,
                "verdict": judgement.verdict,
                "score": round(judgement.score, 4),
                "violated": [p.principle_id for p in judgement.violated],
                "honoured": [p.principle_id for p in judgement.honoured],
            }
        )
    for skill in Skill:
        scores = per_skill.get(skill.value)
        if scores:
            report.skills[skill.value] = {
                "replies": len(scores),
                "mean_score": round(sum(scores) / len(scores), 4),
                "aligned_rate": round(aligned[skill.value] / len(scores), 4),
                "unscored": unscored[skill.value],
            }
    report.principles = dict(sorted(principles.items()))
    return report


def compare(report: dict[str, Any], baseline: dict[str, Any], margin: float) -> list[str]:
    """Skills whose mean score fell by more than `margin` below the baseline (or vanished)."""
    drops = []
    for skill, base in baseline.get("skills", {}).items():
        now = report["skills"].get(skill)
        if now is None:
            drops.append(f"{skill}: no scored replies (baseline {base['mean_score']:.3f})")
        elif now["mean_score"] < base["mean_score"] - margin:
            drops.append(
                f"{skill}: mean score {now['mean_score']:.3f} < baseline {base['mean_score']:.3f} - {margin}"
            )
    return drops


def print_report(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console() if sys.stdout.isatty() else Console(width=120)
    table = Table(title=f"Coach run ({report['coach']} coach, {report['judge']} judge)")
    for column in ("skill", "scored replies", "mean score", "aligned", "no principle applied"):
        table.add_column(column, justify="left" if column == "skill" else "right")
    for skill, m in report["skills"].items():
        table.add_row(
            skill,
            str(m["replies"]),
            f"{m['mean_score']:.3f}",
            f"{m['aligned_rate']:.0%}",
            str(m.get("unscored", 0)),
        )
    console.print(table)
    principles = Table(title="Per principle (replies)")
    for column in ("principle", "honoured", "violated"):
        principles.add_column(column, justify="left" if column == "principle" else "right")
    for pid, counts in report["principles"].items():
        principles.add_row(pid, str(counts["honoured"]), str(counts["violated"]))
    console.print(principles)


# ---- command --------------------------------------------------------------------------------------
@click.command("run")
@click.option("--coach", type=click.Choice(["guided", "llm"]), default="guided", show_default=True)
@click.option("--judge", "judge_kind", type=click.Choice(["rule", "llm"]), default="rule", show_default=True)
@click.option(
    "--scenarios",
    "scenario_dir",
    type=click.Path(path_type=Path, exists=True),
    default=None,
    help="A scenario directory or .jsonl file (default: the built-in set).",
)
@click.option("--skill", "skill_names", multiple=True, help="Only these skills (repeatable).")
@click.option(
    "--record",
    "record_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Save the coach's replies here.",
)
@click.option(
    "--replay",
    "replay_dir",
    type=click.Path(path_type=Path, exists=True),
    default=None,
    help="Re-score replies saved with --record instead of running the coach.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the report as JSON ('-' for standard output).",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write a self-contained HTML report.",
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="Fail when a skill's mean score drops below this report's by more than --margin.",
)
@click.option("--margin", type=float, default=DEFAULT_MARGIN, show_default=True)
def run_cmd(
    coach: str,
    judge_kind: str,
    scenario_dir: Path | None,
    skill_names: tuple[str, ...],
    record_dir: Path | None,
    replay_dir: Path | None,
    json_path: Path | None,
    html_path: Path | None,
    baseline_path: Path | None,
    margin: float,
) -> None:
    """Run the coach on the scenario set and score its replies against the guidance."""
    from coach.skills import parse_skill
    from evals.judging import _progress, build_judge

    try:
        skills = {parse_skill(name) for name in skill_names} or None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--skill") from exc
    try:
        if replay_dir:
            replies = load_replies(replay_dir)
            if skills:
                replies = [r for r in replies if Skill(r.skill) in skills]
            coach = replies[0].coach if replies else coach
        else:
            scenarios = load_scenarios(scenario_dir or default_scenario_dir(), skills)
            make_engine = engine_factory(coach)
            with _progress(
                sys.stderr.isatty() or len(scenarios) >= 10, len(scenarios), "scenarios"
            ) as advance:
                replies = asyncio.run(run_scenarios(scenarios, make_engine, coach, advance))
    except ScenarioError as exc:
        raise click.ClickException(str(exc)) from exc
    if record_dir:
        path = save_replies(replies, record_dir)
        click.echo(f"recorded {len(replies)} replies -> {path}", err=True)
    report = score_replies(replies, build_judge(judge_kind), coach, judge_kind).to_dict()
    print_report(report) if json_path != Path("-") else None
    if json_path:
        text = json.dumps(report, indent=2, ensure_ascii=False)
        if json_path == Path("-"):
            click.echo(text)
        else:
            json_path.write_text(text + "\n", encoding="utf-8")
    if html_path:
        from evals.report import render_html

        html_path.write_text(render_html(report), encoding="utf-8")
        click.echo(f"HTML report -> {html_path}", err=True)
    for error in report["errors"]:
        click.echo(f"error: {error}", err=True)
    if baseline_path:
        try:
            baseline = json.loads(baseline_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise click.ClickException(f"{baseline_path}: not a JSON report ({exc})") from exc
        drops = compare(report, baseline, margin)
        if drops:
            raise click.ClickException("score dropped below the baseline: " + "; ".join(drops))
        click.echo(f"no skill dropped more than {margin} below {baseline_path.name}", err=True)
