"""`coach eval ...`: retrieval quality, the advice judge, and coach runs scored against the guidance."""

from __future__ import annotations

import importlib

import click

EVAL_COMMANDS = {
    "retrieval": "evals.retrieval:retrieval_cmd",
    "score": "evals.judging:score_cmd",
    "judge": "evals.judging:judge_cmd",
    "run": "evals.runs:run_cmd",
}


class _LazyEvalGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(EVAL_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = EVAL_COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)


@click.group(cls=_LazyEvalGroup)
def eval_group() -> None:
    """Offline evaluations: retrieval quality, judge accuracy, coach runs."""
