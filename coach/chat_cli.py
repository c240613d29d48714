"""`coach chat` (a line-based REPL), `coach ask SKILL "message"` and `coach conversations`.

Plain text on stdout so they work in pipes and scripts; status and errors go to stderr. Everything the
model or a document says passes through strip_control before it is printed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TextIO

import click

from coach.engine.sanitize import StreamStripper, strip_control
from coach.events import (
    CitationEvent,
    CritiqueEvent,
    Done,
    ErrorEvent,
    Event,
    Notice,
    ProposedChange,
    ReplyReset,
    TextDelta,
    ToolCallEvent,
    ToolResultEvent,
    event_to_dict,
)
from coach.skills import Skill, parse_skill

HELP = (
    "Commands: /skill [name] switch skill (no name: list them), /accept P1, /reject P1, /retry, "
    '/id, /help, /quit. Paste several lines between two lines of """.'
)
TOOL_LABELS = {"search_guidance": "searching the guidance", "critique_text": "checking the text"}


# ---- shared helpers ----------------------------------------------------------------------------
def _skill_option(value: str | None) -> Skill | None:
    if value is None or value.strip().lower() in ("", "none", "free"):
        return None
    try:
        return parse_skill(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _open_engine(skill: Skill | None = None, resume: str | None = None) -> Any:
    from coach.conversations import ConversationNotFound
    from coach.db import DatabaseError
    from coach.engine import create_engine

    try:
        engine = create_engine(conversation_id=resume)
    except (ConversationNotFound, DatabaseError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    if skill is not None and skill != engine.skill:
        engine.set_skill(skill)
    return engine


def _log() -> Any:
    from coach.conversations import ConversationLog
    from coach.db import DatabaseError

    try:
        return ConversationLog.open()
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from None


class Renderer:
    """Prints events as plain text: the reply as it streams, then sources, critiques and proposals."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out, self.err = out, err
        self.stripper = StreamStripper()
        self.citations: list[CitationEvent] = []
        self.proposals: list[ProposedChange] = []
        self.critiques: list[CritiqueEvent] = []
        self.errors: list[ErrorEvent] = []
        self.at_line_start = True

    def write(self, text: str) -> None:
        if text:
            self.out.write(text)
            self.out.flush()
            self.at_line_start = text.endswith("\n")

    def newline(self) -> None:
        if not self.at_line_start:
            self.write("\n")

    def handle(self, event: Event) -> None:
        match event:
            case TextDelta(text=text):
                self.write(self.stripper.feed(text))
            case ReplyReset(reason=reason):
                self.write(self.stripper.flush())
                self.newline()
                self.write(f"[revising: {strip_control(reason)}]\n")
            case CitationEvent():
                if all(c.card_id != event.card_id or c.title != event.title for c in self.citations):
                    self.citations.append(event)
            case ProposedChange():
                self.proposals.append(event)
            case CritiqueEvent():
                self.critiques.append(event)
            case ToolCallEvent(name=name):
                label = TOOL_LABELS.get(name)
                if label:
                    self.err.write(f"[{label}…]\n")
            case ToolResultEvent():
                pass
            case Notice(message=message):
                self.err.write(f"[{strip_control(message)}]\n")
            case ErrorEvent(message=message):
                self.errors.append(event)
                self.write(self.stripper.flush())
                self.newline()
                hint = " (type /retry to send it again)" if event.retryable else ""
                self.err.write(f"error: {strip_control(message)}{hint}\n")
            case Done():
                self.write(self.stripper.flush())
                self.newline()
                self._footer()

    def _footer(self) -> None:
        for critique in self.critiques:
            self.write(_critique_text(critique))
        if self.citations:
            self.write("\nSources:\n")
            for citation in self.citations:
                self.write(f"- {strip_control(citation.title)} — {strip_control(citation.source)}\n")
        for proposal in self.proposals:
            self.write(f"\nProposed {proposal.proposal_id}: {strip_control(proposal.summary)}\n")
            if proposal.diff:
                self.write("".join(f"  {line}\n" for line in strip_control(proposal.diff).splitlines()))
            pid = proposal.proposal_id
            self.write(f"  accept with /accept {pid}, reject with /reject {pid}\n")
        self.citations, self.proposals, self.critiques = [], [], []


def _critique_text(critique: CritiqueEvent) -> str:
    judgement = critique.judgement
    lines = [f"\nCritique of your {critique.subject.replace('_', ' ')}: {strip_control(critique.summary)}"]
    if critique.previous_score is not None:
        lines.append(
            f"  (previous attempt {round(critique.previous_score * 100)}/100, "
            f"this one {round(float(getattr(judgement, 'score', 0.0)) * 100)}/100)"
        )
    for principle in getattr(judgement, "principles", []) or []:
        status = getattr(principle, "status", "")
        if status == "not_applicable":
            continue
        mark = "ok " if status == "honoured" else "!! "
        lines.append(f"  {mark}{strip_control(str(getattr(principle, 'title', '')))}")
        if status == "violated":
            for label, attr in (("said", "evidence"), ("why", "reason"), ("better", "better")):
                value = getattr(principle, attr, "")
                if value:
                    lines.append(f"       {label}: {strip_control(str(value))}")
    return "\n".join(lines) + "\n"


async def _drive(events: AsyncIterator[Event], on_event: Callable[[Event], None]) -> None:
    async for event in events:
        on_event(event)


# ---- coach chat ------------------------------------------------------------------------------
@click.command()
@click.option("--skill", "skill_name", default=None, help="Start in a skill (see /skill).")
@click.option("--resume", default=None, metavar="ID", help="Continue a logged conversation (id or prefix).")
def chat(skill_name: str | None, resume: str | None) -> None:
    """Chat with the coach, one line per message (works in pipes)."""
    skill = _skill_option(skill_name)
    engine = _open_engine(skill, resume)
    interactive = sys.stdin.isatty()
    err = sys.stderr
    if interactive:
        err.write(f"coach — conversation {engine.conversation_id} ({engine.mode} mode). {HELP}\n")
    else:
        err.write(f"conversation {engine.conversation_id}\n")
    with asyncio.Runner() as runner:
        renderer = Renderer(sys.stdout, err)

        def run(events: AsyncIterator[Event]) -> None:
            try:
                runner.run(_drive(events, renderer.handle))
            except KeyboardInterrupt:
                renderer.newline()
                err.write("[cancelled; your message is kept in the log]\n")

        if skill is not None and resume is None:
            run(engine.opening())
        while True:
            line = _read_message(interactive)
            if line is None:
                break
            text = line.strip()
            if not text:
                continue
            if text.startswith("/") and not text.startswith("//"):
                if _command(text, engine, run, err) == "quit":
                    break
                continue
            run(engine.turn(text[1:] if text.startswith("//") else text))


def _read_message(interactive: bool) -> str | None:
    line = _read_line("you> " if interactive else "")
    if line is None or line.strip() != '"""':
        return line
    lines = []
    while True:
        more = _read_line("... " if interactive else "")
        if more is None or more.strip() == '"""':
            return "\n".join(lines)
        lines.append(more)


def _read_line(prompt_text: str) -> str | None:
    try:
        if prompt_text:
            return input(prompt_text)
        buffer = getattr(sys.stdin, "buffer", None)
        if buffer is None:
            line = sys.stdin.readline()
        else:  # bytes per line, so one bad line does not take the rest of the input with it
            raw = buffer.readline()
            line = raw.decode("utf-8")
    except (EOFError, KeyboardInterrupt):  # Ctrl-D or Ctrl-C at the prompt: leave quietly
        return None
    except UnicodeDecodeError:
        sys.stderr.write("error: that line was not valid UTF-8 text; it was skipped\n")
        return ""
    return None if line == "" else line.rstrip("\r\n")


def _command(text: str, engine: Any, run: Callable[[AsyncIterator[Event]], None], err: TextIO) -> str | None:
    name, _, arg = text[1:].partition(" ")
    name, arg = name.lower(), arg.strip()
    if name in ("quit", "exit", "q"):
        return "quit"
    if name == "help":
        err.write(HELP + "\n")
    elif name == "id":
        print(engine.conversation_id)
    elif name == "skill":
        if not arg:
            current = engine.skill.value if engine.skill else "none"
            print(f"Current skill: {current}. Choose one of:")
            for skill in Skill:
                print(f"  {skill.value:<16} {skill.label}")
            return None
        try:
            skill = _skill_option(arg)
        except click.BadParameter as exc:
            err.write(f"error: {exc.message}\n")
            return None
        engine.set_skill(skill)
        err.write(f"[skill: {skill.label if skill else 'free conversation'}]\n")
        run(engine.opening())
    elif name in ("accept", "reject"):
        if not arg:
            err.write(f"error: say which proposal, e.g. /{name} P1\n")
            return None
        try:
            message = engine.accept(arg) if name == "accept" else engine.reject(arg)
        except Exception as exc:  # unknown id, tracker refusal: say why, keep the proposal
            err.write(f"error: {strip_control(str(exc))}\n")
            return None
        print(strip_control(message))
    elif name == "retry":
        run(engine.retry())
    else:
        err.write(f"error: unknown command /{name}. {HELP}\n")
    return None


# ---- coach ask -------------------------------------------------------------------------------
@click.command()
@click.argument("skill_name", metavar="SKILL")
@click.argument("message")
@click.option("--json", "as_json", is_flag=True, help="Emit every event as a JSON line.")
def ask(skill_name: str, message: str, as_json: bool) -> None:
    """Answer one MESSAGE in SKILL ("none" for free conversation; MESSAGE "-" reads stdin)."""
    skill = _skill_option(skill_name)
    if message == "-":
        try:
            message = sys.stdin.read()
        except UnicodeDecodeError:
            raise click.ClickException("stdin is not valid UTF-8 text; nothing was sent") from None
    engine = _open_engine(skill)
    failed: list[ErrorEvent] = []
    renderer = Renderer(sys.stdout, sys.stderr)

    def on_event(event: Event) -> None:
        if isinstance(event, ErrorEvent):
            failed.append(event)
        if as_json:
            data = event_to_dict(event)
            for key in ("text", "message", "summary", "diff", "passage", "content", "reason"):
                if isinstance(data.get(key), str):
                    data[key] = strip_control(data[key])
            sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
            sys.stdout.flush()
        else:
            renderer.handle(event)

    async def both() -> None:
        if skill is not None:
            async for _ in engine.opening():  # sets up the skill's flow; its greeting is not printed
                pass
        await _drive(engine.turn(message), on_event)

    asyncio.run(both())
    if not as_json:
        sys.stderr.write(f"conversation {engine.conversation_id}\n")
    if failed:
        sys.exit(1)


# ---- coach conversations -----------------------------------------------------------------------
@click.group()
def conversations() -> None:
    """List, show, export, rename and delete logged conversations."""


@conversations.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=None)
@click.option("--json", "as_json", is_flag=True)
def list_cmd(limit: int | None, as_json: bool) -> None:
    """Conversations, most recent first."""
    rows = _log().list(limit=limit)
    if as_json:
        for info in rows:
            print(json.dumps(info.__dict__, ensure_ascii=False))
        return
    if not rows:
        print("No conversations yet. Start one with `coach chat` or `coach`.")
        return
    for info in rows:
        skill = info.skill or "-"
        print(
            f"{info.id}  {info.updated_at[:16].replace('T', ' ')}  {info.mode:<6} {skill:<15} "
            f"{info.messages:>3} msgs  {strip_control(info.label)}"
        )


@conversations.command("show")
@click.argument("conversation_id", metavar="ID")
def show_cmd(conversation_id: str) -> None:
    """Print a conversation (messages, sources, proposals and decisions)."""
    print(_export(conversation_id), end="")


@conversations.command("export")
@click.argument("conversation_id", metavar="ID")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File to write.")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
def export_cmd(conversation_id: str, out: Path | None, force: bool) -> None:
    """Export a conversation as Markdown (stdout, or --out FILE). The API key is never included."""
    text = _export(conversation_id)
    if out is None:
        print(text, end="")
        return
    if out.exists() and not force:
        raise click.ClickException(f"{out} exists; add --force to overwrite it")
    tmp = out.with_name(out.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        raise click.ClickException(f"could not write {out}: {exc.strerror or exc}") from None
    click.echo(f"Exported to {out}", err=True)


@conversations.command("delete")
@click.argument("conversation_id", metavar="ID")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_cmd(conversation_id: str, yes: bool) -> None:
    """Delete a conversation and everything logged with it (tracker records stay)."""
    from coach.conversations import ConversationNotFound

    log = _log()
    try:
        info = log.get(conversation_id)
    except ConversationNotFound as exc:
        raise click.ClickException(str(exc)) from None
    if not yes:
        if not sys.stdin.isatty():
            raise click.ClickException("add --yes to delete without a prompt")
        click.confirm(f"Delete conversation {info.id} ({strip_control(info.label)})?", abort=True)
    log.delete(info.id)
    click.echo(f"Deleted conversation {info.id}.")


@conversations.command("rename")
@click.argument("conversation_id", metavar="ID")
@click.argument("name")
def rename_cmd(conversation_id: str, name: str) -> None:
    """Give a conversation a name."""
    from coach.conversations import ConversationNotFound

    try:
        info = _log().rename(conversation_id, name)
    except (ConversationNotFound, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Renamed {info.id}: {strip_control(info.label)}")


def _export(conversation_id: str) -> str:
    from coach.conversations import ConversationNotFound

    try:
        return _log().export_markdown(conversation_id)
    except ConversationNotFound as exc:
        raise click.ClickException(str(exc)) from None
