"""The judge as critic: run it, render its per-principle checklist, and track attempts (first/best/latest)."""

from __future__ import annotations

import logging
from typing import Any

from coach.engine.guided.flow import Ctx, Out
from coach.engine.guided.guidance import Cited
from coach.engine.guided.script import load_script
from coach.engine.guided.text import one_line

log = logging.getLogger(__name__)

MARKS = {"honoured": "✓", "violated": "✗", "not_applicable": "–"}


class JudgeFailed(RuntimeError):
    pass


def run_judge(ctx: Ctx, text: str, skill: str, user: str = "", *, own_words: bool = False) -> Any:
    """own_words: the user's draft or rehearsal reply rather than the coach's advice (see RuleJudge)."""
    try:
        return ctx.judge.judge(text, skill, user=user, own_words=own_words)
    except Exception as exc:  # a judge failure must not lose the user's text
        log.exception("judge failed")
        raise JudgeFailed(one_line(str(exc) or type(exc).__name__, 200)) from exc


def fmt_score(score: float | None) -> str:
    return "—" if score is None else f"{round(float(score) * 100)}/100"


def score_change(score: float, previous: float | None) -> str:
    if previous is None:
        return ""
    delta = round(float(score) * 100) - round(float(previous) * 100)
    sign = "+" if delta > 0 else ""
    return (
        f", was {fmt_score(previous)} ({sign}{delta})"
        if delta
        else f", same as last time ({fmt_score(previous)})"
    )


def results(judgement: Any) -> list[Any]:
    return list(getattr(judgement, "principles", []) or [])


def counts(judgement: Any) -> tuple[int, int]:
    """(honoured, applicable)."""
    applicable = [p for p in results(judgement) if getattr(p, "status", "") != "not_applicable"]
    honoured = [p for p in applicable if getattr(p, "status", "") == "honoured"]
    return len(honoured), len(applicable)


def summary(judgement: Any, noun: str) -> str:
    honoured, applicable = counts(judgement)
    if not applicable:
        return f"{noun} scored {fmt_score(judgement.score)}: no principle clearly applied"
    return f"{noun} scored {fmt_score(judgement.score)}: {honoured} of {applicable} principles honoured"


def checklist(judgement: Any, *, with_better: bool = True) -> str:
    """One line per applicable principle: mark, title, the evidence quoted from the user's words, why, and a
    better alternative for each one violated (most severe first)."""
    lines = []
    items = [p for p in results(judgement) if getattr(p, "status", "") != "not_applicable"]
    order = {"violated": 0, "honoured": 1}
    items.sort(key=lambda p: (order.get(p.status, 2), -_severity(p)))
    for p in items:
        line = f"{MARKS.get(p.status, '?')} **{one_line(p.title, 100)}**"
        evidence = one_line(getattr(p, "evidence", "") or "", 160)
        if evidence:
            line += f' — "{evidence}"'
        reason = one_line(getattr(p, "reason", "") or "", 200)
        if reason:
            line += f" — {reason}"
        better = one_line(getattr(p, "better", "") or "", 300)
        if with_better and p.status == "violated" and better:
            line += f"\n  Better: {better}"
        lines.append(f"- {line}")
    skipped = [p for p in results(judgement) if getattr(p, "status", "") == "not_applicable"]
    if skipped:
        lines.append(f"- – {len(skipped)} other principle(s) did not apply to this text")
    return "\n".join(lines) if lines else "- (the rubric has no principles for this yet)"


def _severity(p: Any) -> float:
    value = getattr(p, "severity", 0)
    if isinstance(value, (int, float)):
        return float(value)
    return {"high": 3.0, "medium": 2.0, "low": 1.0}.get(str(value).lower(), 0.0)


def cite_violations(ctx: Ctx, judgement: Any, skill: str, out: Out, *, limit: int = 3) -> None:
    """Cite the guidance behind the principles that were violated (or, if none, the most severe honoured
    ones): the rubric names each principle's cards; retrieval is the fallback."""
    items = [p for p in results(judgement) if p.status == "violated"] or [
        p for p in results(judgement) if p.status == "honoured"
    ]
    items.sort(key=lambda p: -_severity(p))
    passages: list[Cited] = []
    for p in items[:limit]:
        cards = _principle_cards(str(getattr(p, "principle_id", "")))
        if cards:
            passages.append(cards[0])
        else:
            passages += ctx.guidance.search(one_line(f"{p.title}. {p.reason}", 300), k=1, skill=skill)
    out.cite(passages, lead=load_script("common").msg("lead_checks"))


def _principle_cards(principle_id: str) -> list[Cited]:
    try:
        from coach.judge.rubric import load_rubric
        from coach.knowledge.cards import cards_by_id

        rubric = load_rubric()
        cards = cards_by_id()
        principle = next((p for p in rubric.principles if p.id == principle_id), None)
    except Exception:  # no rubric or cards: fall back to retrieval
        return []
    if principle is None:
        return []
    return [
        Cited(c.id, c.title, c.citation, c.body, 1.0, tuple(str(s) for s in c.skills))
        for c in (cards.get(cid) for cid in principle.cards)
        if c is not None
    ]


def self_check(ctx: Ctx, text: str, skill: str, out: Out) -> None:
    """The judge as critic of the coach's own composed advice (goal summary, agenda, wrap-up): a footnote
    saying how many principles it was checked against, and a CritiqueEvent if anything contradicts them."""
    try:
        judgement = run_judge(ctx, text, skill)
    except JudgeFailed:
        return  # the composed result stands; the critic is a safety net, not a gate
    common = load_script("common")
    checked = len([p for p in results(judgement) if p.status != "not_applicable"])
    violated = [p for p in results(judgement) if p.status == "violated"]
    if violated:
        titles = ", ".join(one_line(p.title, 80) for p in violated)
        out.critique("advice", judgement, summary(judgement, "Advice"), 1, None)
        out.say(common.msg("self_check_problem", count=checked, titles=titles))
    else:
        out.say(common.msg("self_check_ok", count=checked))


class Attempts:
    """Scores of successive attempts, kept in the flow state (JSON): first, best, latest."""

    def __init__(self, state: dict[str, Any], key: str = "scores") -> None:
        self.scores: list[float] = state.setdefault(key, [])

    def add(self, score: float) -> tuple[int, float | None]:
        previous = self.scores[-1] if self.scores else None
        self.scores.append(float(score))
        return len(self.scores), previous

    def line(self, template: str, **extra: Any) -> str:
        from coach.engine.guided.script import fill

        return fill(
            template,
            first=fmt_score(self.scores[0]),
            best=fmt_score(max(self.scores)),
            latest=fmt_score(self.scores[-1]),
            attempts=len(self.scores),
            **extra,
        )
