"""The `coach` command. `coach` alone opens the terminal app; subcommands compose in scripts.

Subcommands are imported lazily so `coach steps list` does not pay for chromadb or langchain.
"""

from __future__ import annotations

import importlib
import sys

import click

# name -> "module:attribute"; each area of the product owns its own CLI module.
SUBCOMMANDS: dict[str, str] = {
    "knowledge": "coach.knowledge.cli:knowledge",
    "goals": "coach.tracker.cli:goals",
    "steps": "coach.tracker.cli:steps",
    "sessions": "coach.tracker.cli:sessions",
    "partners": "coach.tracker.cli:partners",
    "agreements": "coach.tracker.cli:agreements",
    "drafts": "coach.tracker.cli:drafts",
    "export": "coach.tracker.cli:export",
    "undo": "coach.tracker.cli:undo",
    "history": "coach.tracker.cli:history",
    "eval": "evals.cli:eval_group",
    "chat": "coach.chat_cli:chat",
    "ask": "coach.chat_cli:ask",
    "conversations": "coach.chat_cli:conversations",
    "config": "coach.config_cli:config",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(SUBCOMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in SUBCOMMANDS:
            module_name, attr = SUBCOMMANDS[cmd_name].split(":")
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name and module_name.startswith(exc.name):
                    return None  # that part of the product is not built yet
                raise
            return getattr(module, attr)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, invoke_without_command=True)
@click.version_option(package_name="mentoring-coach", prog_name="coach")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """A mentoring coach: clarify goals, approach a mentor, prepare sessions, rehearse feedback.

    Run `coach` with no arguments to open the terminal app.
    """
    if ctx.invoked_subcommand is None:
        from tui.app import run_app

        run_app()


def main() -> None:
    try:
        cli(prog_name="coach")
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
