"""`coach eval score` and `coach eval judge`: run a judge over JSONL advice, and measure it against labels.

Input lines: {"id", "skill", "user", "advice"} (+ "label" for `judge`); other fields are ignored.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from coach.skills import Skill

LABELS = ("aligned", "contradicts")
# Where each kind of labelled judge set lives under evals/judge/ (evals/judge/README.md tells their story):
#   working      the rules were written and tuned against these; the CI gate;
#   independent  written by writers who never saw the judge; the learned layer is trained on them and
#                measured on them one writer at a time (leave one writer out);
#   measurement  written the same way and kept apart: scored to check a change, never trained or tuned on.
SET_KINDS = {"working": ".", "independent": "independent", "measurement": "measurement"}


def labelled_sets(kind: str = "working") -> list[Path]:
    """The labelled judge sets of one kind (see SET_KINDS), sorted by name."""
    from coach.resources import evals_dir

    if kind not in SET_KINDS:
        raise ValueError(f"unknown set kind {kind!r}; choose one of {sorted(SET_KINDS)}")
    return sorted((evals_dir() / "judge" / SET_KINDS[kind]).glob("*.jsonl"))


@dataclass(frozen=True, slots=True)
class Case:
    line: int
    id: str
    skill: Skill
    user: str
    advice: str
    label: str | None = None

    @property
    def group(self) -> str:
        """Pairs share a user message within a skill."""
        return f"{self.skill.value}|{' '.join(self.user.lower().split())}"


class InputError(ValueError):
    pass


def read_cases(path: Path, *, need_label: bool = False) -> tuple[list[Case], list[str]]:
    """Parse a JSONL file; return (good cases, one error message per bad line naming its number)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{path}: is a directory, not a JSONL file") from exc
    if b"\x00" in raw[:4096]:
        raise InputError(f"{path}: looks like a binary file, not JSONL text")
    cases: list[Case] = []
    errors: list[str] = []
    seen: set[str] = set()
    for number, line_bytes in enumerate(raw.splitlines(), start=1):
        if not line_bytes.strip():
            continue
        try:
            case = _parse_line(line_bytes, number, need_label)
        except InputError as exc:
            errors.append(f"{path.name}:{number}: {exc}")
            continue
        if case.id in seen:
            errors.append(f"{path.name}:{number}: duplicate id {case.id!r}")
            continue
        seen.add(case.id)
        cases.append(case)
    return cases, errors


def _parse_line(line_bytes: bytes, number: int, need_label: bool) -> Case:
    try:
        line = line_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})") from exc
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise InputError(f"expected a JSON object, got {type(data).__name__}")
    missing = [k for k in ("id", "skill", "advice") if k not in data]
    if need_label:
        missing += [k for k in ("label",) if k not in data]
    if missing:
        raise InputError(f"missing field(s): {', '.join(missing)}")
    for key in ("skill", "advice"):
        if not isinstance(data[key], str):
            raise InputError(f"{key!r} must be a string")
    user = data.get("user", "")
    if not isinstance(user, str):
        raise InputError("'user' must be a string")
    try:
        skill = Skill(data["skill"].strip().lower())
    except ValueError as exc:
        raise InputError(
            f"unknown skill {data['skill']!r}; choose one of: {', '.join(s.value for s in Skill)}"
        ) from exc
    if not data["advice"].strip():
        raise InputError("'advice' is empty")
    label = data.get("label")
    if need_label and label not in LABELS:
        raise InputError(f"label must be 'aligned' or 'contradicts', not {label!r}")
    return Case(number, str(data["id"]), skill, user, data["advice"], label)


def build_judge(kind: str, concurrency: int | None = None) -> Any:
    from coach.judge import load_rubric

    if kind == "rule":
        from coach.judge import RuleJudge

        return RuleJudge(load_rubric())
    from coach.config import Settings
    from coach.judge.llm import LLMJudge

    settings = Settings()
    if not settings.llm_enabled:
        raise click.UsageError(
            "--judge llm needs an LLM: set OPENAI_API_KEY, or OPENAI_BASE_URL and COACH_MODEL"
        )
    return LLMJudge(load_rubric(), settings, **({"concurrency": concurrency} if concurrency else {}))


def judge_cases(
    judge: Any, cases: list[Case], *, progress: bool = True
) -> list[tuple[Case, Any, str | None]]:
    """Judge every case; returns (case, judgement or None, error or None), in input order."""
    show = progress and len(cases) >= 20
    if hasattr(judge, "ajudge_many"):
        return asyncio.run(_judge_async(judge, cases, show))
    results = []
    with _progress(show, len(cases), "judging") as advance:
        for case in cases:
            results.append(_judge_one(judge, case))
            advance()
    return results


def _judge_one(judge: Any, case: Case) -> tuple[Case, Any, str | None]:
    try:
        return case, judge.judge(case.advice, case.skill, case.user), None
    except ValueError as exc:  # JudgeInputError and friends: the message is for the user
        return case, None, str(exc)


async def _judge_async(judge: Any, cases: list[Case], show: bool) -> list[tuple[Case, Any, str | None]]:
    with _progress(show, len(cases), "judging") as advance:
        outcomes = await judge.ajudge_many(
            [(c.advice, c.skill, c.user) for c in cases], on_done=lambda: advance()
        )
    return [(case, *outcome) for case, outcome in zip(cases, outcomes, strict=True)]


class _progress:
    """A rich progress bar on stderr for long runs; a no-op otherwise."""

    def __init__(self, show: bool, total: int, label: str) -> None:
        self.show, self.total, self.label = show, total, label
        self._bar: Any = None

    def __enter__(self) -> Callable[[], None]:
        if not self.show:
            return lambda: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self._bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        task = self._bar.add_task(self.label, total=self.total)
        return lambda: self._bar.advance(task)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _judge_file(
    path: Path, judge_kind: str, concurrency: int | None, *, need_label: bool
) -> tuple[list[tuple[Case, Any]], list[str]]:
    """Read and judge a JSONL file: the judged cases, and every bad line's error naming its line number."""
    try:
        cases, errors = read_cases(path, need_label=need_label)
    except InputError as exc:
        raise click.ClickException(str(exc)) from exc
    judge = build_judge(judge_kind, concurrency)
    judged = []
    for case, judgement, error in judge_cases(judge, cases):
        if error:
            errors.append(f"{path.name}:{case.line}: {error}")
        else:
            judged.append((case, judgement))
    return judged, errors


def judgement_row(case: Case, judgement: Any) -> dict[str, Any]:
    return {
        "id": case.id,
        "verdict": judgement.verdict,
        "score": round(judgement.score, 4),
        "principles": [p.to_dict() for p in judgement.principles if p.status != "not_applicable"],
    }


# ---- coach eval score ---------------------------------------------------------------------------
@click.command("score")
@click.argument("input_path", metavar="INPUT.jsonl", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--judge", "judge_kind", type=click.Choice(["rule", "llm"]), default="rule", show_default=True)
@click.option(
    "--out",
    "out_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write JSONL here (default: standard output).",
)
@click.option(
    "--concurrency", type=click.IntRange(1, 256), default=None, help="LLM judge: parallel requests."
)
def score_cmd(input_path: Path, judge_kind: str, out_path: Path | None, concurrency: int | None) -> None:
    """Score each piece of advice in INPUT.jsonl against the guidance rubric."""
    judged, errors = _judge_file(input_path, judge_kind, concurrency, need_label=False)
    rows = [judgement_row(case, judgement) for case, judgement in judged]
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if out_path:
        out_path.write_text(text, encoding="utf-8")
        click.echo(f"scored {len(rows)} of {len(rows) + len(errors)} lines -> {out_path}", err=True)
    else:
        click.echo(text, nl=False)
    for error in errors:
        click.echo(f"error: {error}", err=True)
    if errors:
        sys.exit(1)


# ---- coach eval judge ---------------------------------------------------------------------------
def evaluate(judged: Iterable[tuple[Case, Any]]) -> dict[str, Any]:
    """Metrics overall and per skill, plus the misjudged cases with the principles that decided them."""
    from coach.judge.metrics import summary

    judged = list(judged)
    report: dict[str, Any] = {"overall": _metrics(judged, summary), "per_skill": {}, "misjudged": []}
    by_skill: dict[str, list[tuple[Case, Any]]] = defaultdict(list)
    for case, judgement in judged:
        by_skill[case.skill.value].append((case, judgement))
    for skill in Skill:
        if by_skill.get(skill.value):
            report["per_skill"][skill.value] = _metrics(by_skill[skill.value], summary)
    for case, judgement in judged:
        if judgement.verdict != case.label:
            deciding = judgement.violated if judgement.verdict == "contradicts" else judgement.honoured
            report["misjudged"].append(
                {
                    "id": case.id,
                    "skill": case.skill.value,
                    "label": case.label,
                    "verdict": judgement.verdict,
                    "score": round(judgement.score, 4),
                    "advice": case.advice,
                    "deciding": [
                        {"principle_id": p.principle_id, "status": p.status, "evidence": p.evidence}
                        for p in deciding
                    ],
                }
            )
    return report


def _metrics(judged: list[tuple[Case, Any]], summary: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return summary(
        [c.label for c, _ in judged],
        [j.verdict for _, j in judged],
        [j.score for _, j in judged],
        [c.group for c, _ in judged],
    )


@click.command("judge")
@click.option(
    "--labels",
    "labels_path",
    required=True,
    metavar="LABELLED.jsonl",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Advice with human labels.",
)
@click.option("--judge", "judge_kind", type=click.Choice(["rule", "llm"]), default="rule", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--min-accuracy", type=float, default=None, help="Exit non-zero below this accuracy.")
@click.option("--min-pairwise", type=float, default=None, help="Exit non-zero below this pairwise accuracy.")
@click.option(
    "--concurrency", type=click.IntRange(1, 256), default=None, help="LLM judge: parallel requests."
)
def judge_cmd(
    labels_path: Path,
    judge_kind: str,
    as_json: bool,
    min_accuracy: float | None,
    min_pairwise: float | None,
    concurrency: int | None,
) -> None:
    """Measure a judge against labelled advice: accuracy, balanced accuracy, kappa, ROC-AUC, pairwise."""
    judged, errors = _judge_file(labels_path, judge_kind, concurrency, need_label=True)
    if not judged:
        for error in errors:
            click.echo(f"error: {error}", err=True)
        raise click.ClickException(f"{labels_path}: no usable labelled lines")
    report = evaluate(judged)
    report["judge"] = judge_kind
    report["errors"] = errors
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        _print_report(report)
    for error in errors:
        click.echo(f"error: {error}", err=True)
    overall = report["overall"]
    failures = []
    if min_accuracy is not None and overall["accuracy"] < min_accuracy:
        failures.append(f"accuracy {overall['accuracy']:.3f} < {min_accuracy}")
    if min_pairwise is not None and overall["pairwise_accuracy"] < min_pairwise:
        failures.append(f"pairwise accuracy {overall['pairwise_accuracy']:.3f} < {min_pairwise}")
    if failures:
        raise click.ClickException("; ".join(failures))


def _fmt(value: float) -> str:
    return "  n/a" if value != value else f"{value:.3f}"  # NaN check


def _print_report(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console() if sys.stdout.isatty() else Console(width=120)
    table = Table(title=f"Judge ({report['judge']}) against human labels")
    for column in (
        "",
        "n",
        "accuracy",
        "balanced",
        "kappa",
        "ROC-AUC",
        "pairwise",
        "pairs",
        "TP",
        "FN",
        "FP",
        "TN",
    ):
        table.add_column(column, justify="right" if column else "left")
    rows = [("overall", report["overall"])] + list(report["per_skill"].items())
    for name, m in rows:
        c = m["confusion"]
        table.add_row(
            name,
            str(m["n"]),
            _fmt(m["accuracy"]),
            _fmt(m["balanced_accuracy"]),
            _fmt(m["kappa"]),
            _fmt(m["roc_auc"]),
            _fmt(m["pairwise_accuracy"]),
            str(m["pairs"]),
            str(c["tp"]),
            str(c["fn"]),
            str(c["fp"]),
            str(c["tn"]),
        )
    console.print(table)
    console.print(
        "Confusion: TP = labelled aligned & judged aligned; TN = labelled contradicts & judged contradicts."
    )
    if not report["misjudged"]:
        console.print("No misjudged cases.")
        return
    console.print(f"\nMisjudged ({len(report['misjudged'])}):")
    for item in report["misjudged"]:
        line = Text(
            f"- {item['id']} [{item['skill']}] labelled {item['label']}, judged {item['verdict']} "
            f"({item['score']:.2f}): "
        )
        line.append(item["advice"][:160])
        console.print(line)
        for p in item["deciding"] or [
            {"principle_id": "(no principle applied)", "status": "", "evidence": ""}
        ]:
            console.print(Text(f"    {p['principle_id']} {p['status']}: {p['evidence'][:100]}"))
