"""The conversation: user messages, streamed coach replies, citations, critiques and proposals.

Everything shown here that came from the model or the guidance passes through `tui.safety.clean`
and is handed to widgets as `Content` (literal text) or Markdown, never as a markup string.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, Collapsible, Static

from coach.events import CitationEvent, CritiqueEvent, ProposedChange
from tui.safety import clean, one_line

if TYPE_CHECKING:  # the Markdown widget (markdown-it, pygments) loads with the first reply, not at start-up
    from textual.widgets.markdown import MarkdownStream


class ChatLog(VerticalScroll):
    """Scrolls with the newest message; stays put when the user scrolls up (anchored scroll)."""

    can_focus = False


class UserMessage(Static):
    def __init__(self, text: str) -> None:
        super().__init__(Content(clean(text)), classes="user-message")
        self.text = text


class Notice(Static):
    """A one-line note in the conversation (skill changes, accepted proposals, errors)."""

    def __init__(self, text: str, *, kind: str = "info") -> None:
        super().__init__(Content(clean(text)), classes=f"notice notice-{kind}")


FLUSH_SECONDS = 0.15


class CoachReply(Vertical):
    """One coach reply: Markdown streamed while it arrives, then rendered once in full."""

    def __init__(self, *, finished_text: str = "") -> None:
        super().__init__(classes="coach-reply")
        self.text = clean(finished_text)  # a reply replayed from the log is rendered at once
        from textual.widgets import Markdown

        self.markdown = Markdown(self.text, open_links=False, classes="reply-body")
        self.citations = CitationList()
        self._stream: MarkdownStream | None = None
        self._buffer: list[str] = []
        self._flush_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content("coach"), classes="speaker")
        yield self.markdown
        yield self.citations

    async def write(self, fragment: str) -> None:
        """Buffer a fragment; the screen is updated at most every FLUSH_SECONDS.

        Each update re-lays out the conversation, so updating per token (50-500 a second) would starve
        the event loop and make typing lag; a few updates a second read as smooth streaming.
        """
        fragment = clean(fragment)
        if not fragment:
            return
        self.text += fragment
        self._buffer.append(fragment)
        if self._flush_timer is None:
            self._flush_timer = self.set_timer(FLUSH_SECONDS, self._flush)

    async def _flush(self) -> None:
        self._flush_timer = None
        if self._buffer:
            pending, self._buffer = "".join(self._buffer), []
            if self._stream is None:
                # Created on first use: write() lets its task start, so stop() can always await it.
                self._stream = self.markdown.get_stream(self.markdown)
            await self._stream.write(pending)

    async def reset(self, reason: str) -> None:
        """The critic asked for a revision: drop what was streamed and say why."""
        self._buffer = []
        await self._stop_stream()
        self.text = ""
        await self.markdown.update("")
        await self.mount(Notice(f"Revising: {one_line(reason)}", kind="revision"), before=self.markdown)

    async def finish(self, full_text: str | None = None) -> None:
        """Final full render from the complete text, unless the streamed document already is exactly
        that text (the stream re-parses from the last block, so they match; re-rendering a long reply
        would only stall typing for a moment)."""
        streamed = "".join(self._buffer)
        await self._stop_stream()
        if streamed:
            await self.markdown.append(streamed)
        if full_text:
            self.text = clean(full_text)
        if self.markdown.source != self.text:
            await self.markdown.update(self.text)
        if not self.text.strip():
            self.markdown.display = False

    async def cancel(self) -> None:
        await self._stop_stream()

    async def _stop_stream(self) -> None:
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        self._buffer = []  # the final render shows the whole text anyway
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()


class CitationList(Collapsible):
    """The guidance cards a reply drew on; expand to read each passage and its source."""

    def __init__(self) -> None:
        super().__init__(title="", collapsed=True, classes="citations")
        self.display = False
        self.items: list[CitationEvent] = []

    def add(self, citation: CitationEvent) -> None:
        if any(item.card_id == citation.card_id for item in self.items):
            return
        self.items.append(citation)
        self.display = True
        titles = " · ".join(one_line(item.title, 60) for item in self.items)
        self.title = Content.assemble(("Guidance: ", "bold"), titles)  # type: ignore[assignment]
        body = Vertical(
            Static(Content.styled(one_line(citation.title), "bold"), classes="citation-title"),
            Static(Content.styled(one_line(citation.source), "italic"), classes="citation-source"),
            Static(Content(clean(citation.passage).strip()), classes="citation-passage"),
            classes="citation",
        )
        self.query_one(Collapsible.Contents).mount(body)


def _field(obj: Any, name: str, default: Any = None) -> Any:
    """Read a field from a pydantic model, dataclass or dict (the judge owns the type)."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


STATUS_MARKS = {"honoured": ("✓", "honoured"), "violated": ("✗", "violated"), "not_applicable": ("–", "n/a")}


def critique_lines(event: CritiqueEvent) -> tuple[Content, list[Content]]:
    """Heading and one checklist row per principle; shared by the widget and the Markdown export."""
    judgement = event.judgement
    score = _field(judgement, "score")
    verdict = clean(str(_field(judgement, "verdict", "") or ""))
    subject = {"draft": "your draft", "rehearsal_reply": "your reply", "advice": "the advice"}.get(
        event.subject, clean(event.subject)
    )
    parts: list[str | tuple[str, str]] = [(f"Critique of {subject}", "bold")]
    if isinstance(score, int | float):
        parts.append(f"  score {score:.0%}")
        if event.previous_score is not None:
            change = score - event.previous_score
            arrow = "▲" if change > 0 else "▼" if change < 0 else "="
            style = "green" if change > 0 else "red" if change < 0 else ""
            parts.append((f"  {arrow} {change:+.0%} since attempt {event.attempt - 1}", style))
    if event.attempt > 1:
        parts.append(f"  (attempt {event.attempt})")
    if verdict:
        parts.append(f"  · {verdict}")
    heading = Content.assemble(*parts)
    rows: list[Content] = []
    not_applicable: list[str] = []
    for result in _field(judgement, "principles", []) or []:
        status = str(_field(result, "status", ""))
        title = one_line(str(_field(result, "title", _field(result, "principle_id", ""))))
        if status == "not_applicable":
            not_applicable.append(title)  # listed together: they would bury the checks that matter
            continue
        mark, label = STATUS_MARKS.get(status, ("?", status))
        style = {"honoured": "green", "violated": "red bold"}.get(status, "dim")
        row: list[str | tuple[str, str]] = [
            (f"{mark} ", style),
            (title, "bold"),
            (f"  [{label}]", style),  # literal brackets: Content does not parse markup
        ]
        evidence = _field(result, "evidence")
        if evidence:
            row.append(("\n    evidence: ", "dim"))
            row.append(f"“{one_line(str(evidence), 160)}”")
        reason = _field(result, "reason")
        if reason:
            row.append(("\n    why: ", "dim"))
            row.append(one_line(str(reason), 200))
        better = _field(result, "better")
        if better and status == "violated":
            row.append(("\n    better: ", "dim"))
            row.append(one_line(str(better), 240))
        rows.append(Content.assemble(*row))
    if not_applicable:
        count = len(not_applicable)
        rows.append(
            Content.assemble(
                (f"– {count} not applicable here [n/a]: ", "dim"),
                (one_line("; ".join(not_applicable), 160), "dim"),
            )
        )
    return heading, rows


class CritiqueCard(Vertical):
    """A checklist: principle, honoured or not, evidence, a better alternative; score and its change."""

    def __init__(self, event: CritiqueEvent) -> None:
        super().__init__(classes="critique")
        self.event = event

    def compose(self) -> ComposeResult:
        heading, rows = critique_lines(self.event)
        yield Static(heading, classes="critique-heading")
        if self.event.summary:
            yield Static(Content(clean(self.event.summary)), classes="critique-summary")
        for row in rows:
            yield Static(row, classes="critique-row")


class ProposalCard(Vertical):
    """A proposed tracker change shown as a diff; nothing is written until the user accepts."""

    can_focus = True
    BINDINGS = [
        Binding("a", "decide('accept')", "Accept"),
        Binding("e", "decide('edit')", "Edit"),
        Binding("r", "decide('reject')", "Reject"),
    ]

    @dataclass
    class Decision(Message):
        card: ProposalCard
        choice: str  # accept | edit | reject

    def __init__(
        self, event: ProposedChange, *, local: bool = False, settled: tuple[str, str] | None = None
    ) -> None:
        super().__init__(classes="proposal")
        self.event = event
        self._settled = settled  # a replayed proposal: (state, note), shown without buttons
        self.local = local  # built in the app from the user's edit, applied by the app itself
        # A replayed card is decided from the start: it is in the DOM (Ctrl+R, the footer, `a`/`r`)
        # before on_mount hides its buttons, and must never count as pending meanwhile.
        self.state = settled[0] if settled is not None else "pending"
        self.can_focus = settled is None
        self.border_title = "Proposed tracker change"

    def compose(self) -> ComposeResult:
        yield Static(Content.styled(one_line(self.event.summary), "bold"), classes="proposal-summary")
        yield Static(diff_content(self.event.diff), classes="proposal-diff")
        for warning in getattr(self.event.proposal, "warnings", None) or []:
            yield Static(
                Content.styled("warning: " + one_line(str(warning), 300), "italic"),
                classes="proposal-warning",
            )
        with Horizontal(classes="proposal-buttons"):
            yield Button("Accept (a)", variant="success", id="accept", compact=True)
            yield Button("Edit (e)", id="edit", compact=True)
            yield Button("Reject (r)", variant="error", id="reject", compact=True)
        yield Static("", classes="proposal-outcome")

    def on_mount(self) -> None:
        if self._settled is not None:
            self.settle(*self._settled)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id:
            self.action_decide(event.button.id)

    def action_decide(self, choice: str) -> None:
        if self.state == "pending":
            self.post_message(self.Decision(self, choice))

    def settle(self, state: str, note: str) -> None:
        """Record the outcome; the buttons go away so a decision cannot be made twice."""
        self.state = state
        self.add_class(f"-{state}")
        titles = {"accepted": "Accepted", "rejected": "Rejected", "expired": "Not decided"}
        self.border_title = titles.get(state, self.border_title)
        self.query_one(".proposal-buttons").display = False
        self.query_one(".proposal-outcome", Static).update(Content(clean(note)))
        self.can_focus = False


def diff_content(diff: str) -> Content:
    lines: list[str | tuple[str, str]] = []
    for line in clean(diff).splitlines():
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
        lines.append((line + "\n", style) if style else line + "\n")
    return Content.assemble(*lines).rstrip() if lines else Content("(no details)")
