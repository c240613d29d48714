"""The coach terminal app. `coach` with no arguments runs `run_app()`.

Start-up stays fast by importing only Textual and light coach modules here: the engine (and with it
langchain, chromadb and the embedder) is created in a thread worker after the first paint. Messages
typed before it is ready are queued, not lost.
"""

from __future__ import annotations

import contextlib
import re
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from coach.config import Settings, load_settings
from coach.events import (
    CitationEvent,
    CritiqueEvent,
    Done,
    ErrorEvent,
    ProposedChange,
    ReplyReset,
    TextDelta,
    ToolCallEvent,
    ToolResultEvent,
)
from coach.skills import Skill
from tui import tracker_actions
from tui.safety import clean, one_line
from tui.screens.changes import ConfirmChange, EditStep
from tui.screens.sessions import SessionChoice, SessionsScreen
from tui.screens.skills import FREE, SkillPicker
from tui.widgets.chat import ChatLog, CoachReply, CritiqueCard, Notice, ProposalCard, UserMessage
from tui.widgets.prompt import PromptArea
from tui.widgets.tracker_panel import StepList, TrackerPanel, TrackerView, read_tracker

EngineFactory = Callable[[Settings, "str | None"], Any]
TRACKER_MIN_WIDTH = 100  # below this the tracker panel starts hidden so the chat keeps its width
TRACKER_REFRESH_SECONDS = 30  # picks up changes made with `coach steps ...` in another terminal

ERROR_TITLES = {
    "auth": "The LLM server refused the key",
    "not_found": "Model or endpoint not found",
    "rate_limit": "Rate limited",
    "server": "The LLM server failed",
    "timeout": "The LLM server timed out",
    "connection": "Cannot reach the LLM server",
    "tool": "A tool call failed",
    "input": "Message not sent",
}


def default_engine_factory(settings: Settings, conversation_id: str | None) -> Any:
    from coach.engine import create_engine  # heavy: imported in the worker, after first paint

    return create_engine(settings, conversation_id=conversation_id)


class StatusLine(Static):
    """Mode (guided, or the LLM model and server), the current skill, and what the app is doing."""


class CoachApp(App[None]):
    CSS_PATH = str(Path(__file__).with_name("app.tcss"))
    TITLE = "coach"
    BINDINGS = [
        Binding("escape", "cancel_reply", "Cancel", show=True),
        Binding("ctrl+s", "pick_skill", "Skill"),
        Binding("ctrl+t", "toggle_tracker", "Tracker"),
        Binding("ctrl+o", "sessions", "Sessions"),
        Binding("ctrl+r", "review_proposal", "Review"),
        Binding("ctrl+g", "toggle_citations", "Sources"),
        Binding("ctrl+l", "copy_draft", "Copy"),
        Binding("f2", "toggle_theme", "Theme", show=False),
    ]

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        engine_factory: EngineFactory | None = None,
        conversation_id: str | None = None,
        today: date | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings or load_settings()
        self.engine_factory = engine_factory or default_engine_factory
        self.conversation_id = conversation_id
        self.today = today
        self.engine: Any = None
        self.engine_error: str | None = None
        self.queued: list[str] = []
        self.replying_to: str | None = None  # the user's text while a reply streams (restored on Esc)
        self._reply_user_message: UserMessage | None = None
        self._reply_widget: CoachReply | None = None
        self._tracker_toggled = False
        self.tracker: Any = None
        self._replay = conversation_id is not None
        self._load_generation = 0
        self._turn_serial = 0
        self.activity = "starting…"
        self.guidance_note = "loading guidance…"  # until the index and the judge are built

    # ---- layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="chat-column"):
                yield ChatLog(id="chat")
                yield PromptArea(id="prompt")
            yield TrackerPanel(id="tracker")
        yield StatusLine(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.query_one("#chat", ChatLog).anchor()
        self.query_one(PromptArea).focus()
        self._fit_tracker(self.size.width)
        self._update_status()
        # After the first paint: the loading thread's imports would compete with it for the GIL.
        self.call_after_refresh(self.load_engine)

    def on_resize(self, event: events.Resize) -> None:
        self._fit_tracker(event.size.width)

    def _fit_tracker(self, width: int) -> None:
        if not self._tracker_toggled:
            self.query_one(TrackerPanel).display = width >= TRACKER_MIN_WIDTH

    # ---- engine start-up ------------------------------------------------------------------------
    def load_engine(self) -> None:
        """Create the engine in a daemon thread: quitting must not wait for a half-built index, and a
        Textual thread worker cannot be cancelled. A newer load (another conversation) supersedes this one."""
        self._load_generation += 1
        generation = self._load_generation
        threading.Thread(
            target=self._load_engine, args=(generation,), name="coach-engine", daemon=True
        ).start()

    def _load_engine(self, generation: int) -> None:
        def report(callback: Callable[..., Any], *args: Any) -> None:
            if generation != self._load_generation or not self.is_running:
                return  # superseded, or the app has exited

            def deliver() -> None:  # checked again on the event loop: a switch may come in between
                if generation == self._load_generation:
                    callback(*args)

            with contextlib.suppress(RuntimeError):  # the app has exited meanwhile
                self.call_from_thread(deliver)

        try:
            engine = self.engine_factory(self.settings, self.conversation_id)
            services = getattr(engine, "services", None)
            # The tracker first (quick), so the panel fills in while the guidance is still loading.
            self._open_tracker(getattr(services, "tracker", None) if services is not None else None, report)
        except Exception as exc:  # noqa: BLE001 - shown to the user; the app stays usable
            report(self._engine_failed, exc)
            return
        report(self._engine_ready, engine)
        # The welcome needs no guidance, so it shows at once. The index (built on a first run, which takes
        # a while on a small machine) and the judge load now; a turn that needs them meanwhile waits.
        warm_up = getattr(services, "warm_up", None)
        if callable(warm_up):
            try:
                warm_up()
            except Exception as exc:  # noqa: BLE001 - guided mode still answers from the cards alone
                report(self._guidance_failed, exc)
                return
        report(self._guidance_ready)

    def _guidance_ready(self) -> None:
        self.guidance_note = ""
        self._update_status()

    def _guidance_failed(self, exc: Exception) -> None:
        self.guidance_note = "guidance index unavailable"
        self._update_status()
        self.notify(
            one_line(str(exc) or type(exc).__name__, 300),
            title="Guidance index unavailable",
            severity="warning",
            markup=False,
            timeout=15,
        )

    def _open_tracker(self, tracker: Any, report: Callable[..., Any]) -> None:
        """Runs in the loading thread: the engine's tracker, else one opened from the settings."""
        try:
            if tracker is None:
                from coach.tracker import Tracker

                tracker = Tracker.open(self.settings)
            view = read_tracker(tracker, self.today or tracker.today())
        except Exception as exc:  # noqa: BLE001 - a damaged tracker must not stop the chat
            message = one_line(str(exc) or type(exc).__name__, 300)
            report(self._tracker_failed, message)
            return
        report(self._tracker_ready, tracker, view)

    def _tracker_failed(self, message: str) -> None:
        self.notify(message, title="Tracker unavailable", severity="error", markup=False)

    def _tracker_ready(self, tracker: Any, view: TrackerView) -> None:
        first = self.tracker is None
        self.tracker = tracker
        self.query_one(TrackerPanel).show(view)
        if first:  # `coach steps done 3` in another terminal shows up here too
            self.set_interval(TRACKER_REFRESH_SECONDS, self.refresh_tracker)

    def _engine_failed(self, exc: Exception) -> None:
        self.engine_error = one_line(str(exc) or type(exc).__name__, 300)
        self.activity = "guidance failed to load"
        self._update_status()
        self.notify(
            self.engine_error + "\nFix it, then Ctrl+P → Restart the coach (your messages are kept).",
            title="Could not start the coach",
            severity="error",
            markup=False,
            timeout=15,
        )

    def _engine_ready(self, engine: Any) -> None:
        self.engine = engine
        self.conversation_id = getattr(engine, "conversation_id", self.conversation_id)
        self.activity = ""
        self._update_status()
        resumed = self._replay
        if self._replay:
            self._replay = False
            self.replay(engine)
        if self._pending_skill is not None and getattr(engine, "skill", None) is None:
            skill, self._pending_skill = self._pending_skill, None
            self.set_skill(skill)
        elif self.queued:
            self._next_queued()
        elif not resumed:
            self.run_opening()  # the welcome: what the coach can do, and how to switch an LLM on

    def _next_queued(self) -> None:
        if self.queued and self.engine is not None and self.replying_to is None:
            text = self.queued.pop(0)
            self.start_turn(text, self._take_pending_message(text))

    def _take_pending_message(self, text: str) -> UserMessage | None:
        for message in self.query(UserMessage):
            if message.has_class("-queued") and message.text == text:
                message.remove_class("-queued")
                return message
        return None

    # ---- status line ----------------------------------------------------------------------------
    def _update_status(self) -> None:
        skill = getattr(self.engine, "skill", None) if self.engine else self._pending_skill
        parts: list[str | tuple[str, str]] = [
            (f" {skill.label} " if skill else " Free conversation ", "reverse"),
            " ",
            one_line(self.settings.describe_mode(), 160),
        ]
        for note in (self.activity, self.guidance_note):
            if note:
                parts.extend(["  ", (note, "italic")])
        self.query_one(StatusLine).update(Content.assemble(*parts))

    _pending_skill: Skill | None = None

    # ---- sending and streaming ------------------------------------------------------------------
    def on_prompt_area_submitted(self, event: PromptArea.Submitted) -> None:
        text = event.text
        message = UserMessage(text)
        if self.engine is None or self.replying_to is not None:
            message.add_class("-queued")
            self.queued.append(text)
            self._chat.mount(message)
            if self.engine is None and self.engine_error:
                self.notify(
                    "The coach is not available: " + self.engine_error, severity="error", markup=False
                )
            elif self.engine is None:
                self.notify("Queued: it will be sent once the guidance has loaded.", markup=False)
            return
        self._chat.mount(message)
        self.start_turn(text, message)

    @property
    def _chat(self) -> ChatLog:
        return self.query_one("#chat", ChatLog)

    def start_turn(self, text: str, message: UserMessage | None) -> None:
        self.replying_to = text
        self._reply_user_message = message
        self.activity = "replying… (Esc to cancel)"
        self._update_status()
        self._start_stream(self.engine.turn(text))

    def run_opening(self) -> None:
        opening = getattr(self.engine, "opening", None)
        if opening is None:
            return
        self.replying_to = ""
        self._reply_user_message = None
        self.activity = "replying… (Esc to cancel)"
        self._update_status()
        self._start_stream(opening())

    def _start_stream(self, events: Any) -> None:
        """Run one reply in the "reply" worker group; starting a new one cancels the old one."""
        self._turn_serial += 1
        serial = self._turn_serial
        self.run_worker(self._stream(events, serial), exclusive=True, group="reply", exit_on_error=False)

    async def _stream(self, events: Any, serial: int) -> None:
        reply = CoachReply()
        self._reply_widget = reply
        await self._chat.mount(reply)
        self._chat.anchor()
        finished = False
        try:
            async for event in events:
                match event:
                    case TextDelta(text=text):
                        await reply.write(text)
                    case CitationEvent():
                        reply.citations.add(event)
                    case ProposedChange():
                        await self._chat.mount(ProposalCard(event))
                    case CritiqueEvent():
                        await self._chat.mount(CritiqueCard(event))
                    case ReplyReset(reason=reason):
                        await reply.reset(reason)
                    case ToolCallEvent(name=name, arguments=arguments):
                        self.activity = f"using {one_line(name, 40)}…"
                        self._update_status()
                        shown = ", ".join(f"{k}={one_line(str(v), 40)}" for k, v in (arguments or {}).items())
                        await self._chat.mount(Notice(f"→ {name}({shown})", kind="tool"), before=reply)
                    case ToolResultEvent(ok=False, content=content):
                        await self._chat.mount(Notice(one_line(content, 300), kind="warning"))
                    case ToolResultEvent():
                        pass
                    case ErrorEvent():
                        self._show_error(event.message, event.kind)
                    case Done(text=text):
                        await reply.finish(text or None)
                        finished = True
                        self.refresh_tracker()
        except Exception as exc:  # noqa: BLE001 - the conversation must survive any engine failure
            self._show_error(one_line(str(exc) or type(exc).__name__, 300), "other")
        finally:
            if reply.has_class("-cancelled"):
                await reply.cancel()
                await reply.remove()
            else:
                if not finished:
                    await reply.finish()
                if not reply.text.strip() and not reply.citations.items:
                    await reply.remove()
            if serial == self._turn_serial:  # a cancelled reply must not end the turn that replaced it
                self._end_turn()

    def _show_error(self, message: str, kind: str) -> None:
        self.notify(
            clean(message),
            title=ERROR_TITLES.get(kind, "Something went wrong"),
            severity="error",
            markup=False,
            timeout=8,
        )
        if self.replying_to:
            prompt = self.query_one(PromptArea)
            if not prompt.text.strip():
                prompt.restore(self.replying_to)  # the message is kept so it can be sent again

    def _end_turn(self) -> None:
        self.replying_to = None
        self._reply_user_message = None
        self._reply_widget = None
        self.activity = ""
        self._update_status()
        self.refresh_bindings()
        self.call_later(self._next_queued)

    def restart_engine(self) -> None:
        """Load the engine again for the same conversation; queued messages are sent once it is ready."""
        if self.replying_to is not None:
            self.action_cancel_reply()
        self.engine = None
        self.engine_error = None
        self.activity = "starting…"
        self.guidance_note = "loading guidance…"
        self._update_status()
        self.load_engine()

    def retry(self) -> None:
        retry = getattr(self.engine, "retry", None)
        if not callable(retry) or self.replying_to is not None:
            self.notify("Nothing to retry right now.", markup=False, timeout=3)
            return
        self.replying_to = ""
        self._reply_user_message = None
        self.activity = "retrying… (Esc to cancel)"
        self._update_status()
        self.refresh_bindings()
        self._start_stream(retry())

    def action_cancel_reply(self) -> None:
        if self.replying_to is None:
            return
        text = self.replying_to
        self.workers.cancel_group(self, "reply")
        message = self._reply_user_message
        reply = self._reply_widget
        if message is not None:
            message.remove()
        if reply is not None:
            reply.add_class("-cancelled")
        if text:
            self.query_one(PromptArea).restore(text)
        self.notify("Reply cancelled; your message is back in the prompt.", markup=False, timeout=3)

    # ---- skills ---------------------------------------------------------------------------------
    def action_pick_skill(self) -> None:
        current = getattr(self.engine, "skill", None) if self.engine else self._pending_skill
        self.push_screen(SkillPicker(current), self._skill_chosen)

    def _skill_chosen(self, choice: str | None) -> None:
        if choice is None:
            return
        skill = None if choice == FREE else Skill(choice)
        self.set_skill(skill)

    def set_skill(self, skill: Skill | None) -> None:
        if self.engine is None:
            self._pending_skill = skill
            self.notify("The skill will start once the guidance has loaded.", markup=False)
            self._update_status()
            return
        if self.replying_to is not None:
            self.action_cancel_reply()
        self.engine.set_skill(skill)
        self._chat.mount(Notice(f"— {skill.label if skill else 'Free conversation'} —", kind="skill"))
        self._update_status()
        self.run_opening()

    # ---- tracker, sessions, citations, clipboard, theme -----------------------------------------
    def action_toggle_tracker(self) -> None:
        panel = self.query_one(TrackerPanel)
        self._tracker_toggled = True
        panel.display = not panel.display
        if panel.display:
            self.query_one(StepList).focus()
        else:
            self.query_one(PromptArea).focus()

    def refresh_tracker(self) -> None:
        if self.tracker is None:
            return
        try:
            view = read_tracker(self.tracker, self.today or self.tracker.today())
        except Exception as exc:  # noqa: BLE001
            self.notify(one_line(str(exc), 300), title="Tracker unavailable", severity="error", markup=False)
            return
        self.query_one(TrackerPanel).show(view)

    def on_tracker_panel_step_action(self, event: TrackerPanel.StepAction) -> None:
        tracker, step = self.tracker, event.step
        if tracker is None:
            self.notify("The tracker is still loading.", markup=False)
            return
        if event.action == "undo":
            self._tracker_write(lambda: tracker.undo(actor="user"))
            return
        if event.action == "edit":
            self.push_screen(
                EditStep(
                    f"Edit step #{step.id}",
                    tracker_actions.step_fields(step),
                    lambda fields: tracker_actions.update_step(tracker, step, fields),
                ),
                self._confirm_proposal,
            )
            return
        build = tracker_actions.complete_step if event.action == "complete" else tracker_actions.drop_step
        try:
            proposal = build(tracker, step)
        except Exception as exc:  # noqa: BLE001 - e.g. the step was changed elsewhere
            self.notify(
                one_line(str(exc), 300), title="Cannot change that step", severity="error", markup=False
            )
            return
        self._confirm_proposal(proposal)

    def _confirm_proposal(self, proposal: Any) -> None:
        if proposal is None:
            return

        def decided(accepted: bool | None) -> None:
            if accepted:
                self._tracker_write(lambda: self.tracker.apply(proposal, actor="user"))
            else:
                self.notify("Rejected: nothing was written.", markup=False, timeout=3)

        self.push_screen(ConfirmChange(str(proposal.summary), str(proposal.diff)), decided)

    def _tracker_write(self, call: Callable[[], Any]) -> None:
        try:
            note = call()
        except Exception as exc:  # noqa: BLE001 - nothing was written; say why
            self.notify(one_line(str(exc), 300), title="Not written", severity="error", markup=False)
            return
        self.notify(one_line(str(note), 300), markup=False, timeout=4)
        self.refresh_tracker()

    def action_sessions(self) -> None:
        from coach.conversations import ConversationLog

        try:
            log = ConversationLog.open(self.settings)
        except Exception as exc:  # noqa: BLE001 - e.g. a damaged log file
            self.notify(
                one_line(str(exc), 300), title="Conversations unavailable", severity="error", markup=False
            )
            return
        screen = SessionsScreen(log, self.conversation_id, self.settings.data_dir / "exports")
        self.push_screen(screen, self._session_chosen)

    def _session_chosen(self, choice: SessionChoice | None) -> None:
        if choice is None:
            return
        if choice.action == "resume" and choice.conversation_id == self.conversation_id and self.engine:
            return
        self.switch_conversation(choice.conversation_id)

    def switch_conversation(self, conversation_id: str | None) -> None:
        """Start a new conversation (None) or resume a logged one; the engine reloads in a worker."""
        if self.replying_to is not None:
            self.action_cancel_reply()
        self.query_one(PromptArea).clear()
        self.queued.clear()  # they belonged to the conversation being left
        self._chat.remove_children()
        self.engine = None
        self.engine_error = None
        self.conversation_id = conversation_id
        self._replay = conversation_id is not None
        self.activity = "loading conversation…" if conversation_id else "starting…"
        self._update_status()
        self.load_engine()

    def replay(self, engine: Any) -> None:
        """Show a resumed conversation from the conversation log: messages, and proposals read-only
        (a proposal left undecided is not live any more: the coach can propose it again)."""
        log = getattr(engine, "log", None)
        if log is None:
            return
        try:
            messages = log.messages(engine.conversation_id)
            proposals = log.proposals(engine.conversation_id)
        except Exception as exc:  # noqa: BLE001
            title = "Could not read the conversation"
            self.notify(one_line(str(exc), 300), title=title, severity="error", markup=False)
            return
        items: list[tuple[str, int, Any]] = [(m.created_at, 0, m) for m in messages]
        items += [(p.created_at, 1, p) for p in proposals]
        widgets: list[Any] = []
        for _, kind, item in sorted(items, key=lambda entry: (entry[0], entry[1])):
            if kind == 1:
                state = item.status if item.status in ("accepted", "rejected") else "expired"
                note = item.decision_note or (
                    "not decided before the conversation was closed; ask the coach to propose it again"
                    if state == "expired"
                    else state
                )
                event = ProposedChange(item.proposal_id, item.summary, item.diff)
                widgets.append(ProposalCard(event, settled=(state, note)))
            elif item.role == "user":
                widgets.append(UserMessage(item.content))
            elif item.role == "assistant" and item.content.strip():
                widgets.append(CoachReply(finished_text=item.content))
            elif item.role in ("note", "summary") and item.content.strip():
                widgets.append(Notice(one_line(item.content, 300)))
        if widgets:
            self._chat.mount_all(widgets)
            self.call_after_refresh(self._chat.scroll_end, animate=False)  # once laid out

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that do nothing right now are left out of the footer (it must fit 80 columns)."""
        if action == "cancel_reply":
            return self.replying_to is not None
        if action == "review_proposal":
            return bool(self.pending_proposals())
        if action == "toggle_citations":
            return any(reply.citations.items for reply in self.query(CoachReply))
        if action == "copy_draft":
            return any(reply.text.strip() for reply in self.query(CoachReply))
        return True

    def pending_proposals(self) -> list[ProposalCard]:
        return [card for card in self.query(ProposalCard) if card.state == "pending"]

    def action_review_proposal(self) -> None:
        """Focus the oldest undecided proposal; pressed again, the next one."""
        pending = self.pending_proposals()
        if not pending:
            self.notify("No proposed tracker change is waiting.", markup=False, timeout=3)
            return
        card = pending[0]
        if self.focused in pending:
            card = pending[(pending.index(self.focused) + 1) % len(pending)]
        card.focus()
        card.scroll_visible()

    def on_proposal_card_decision(self, event: ProposalCard.Decision) -> None:
        card = event.card
        proposal_id = card.event.proposal_id
        if card.local:  # built here from the user's edit: the engine never saw it
            if event.choice == "accept":
                self._decide(card, lambda: self.tracker.apply(card.event.proposal, actor="user"), "accepted")
            elif event.choice == "reject":
                card.settle("rejected", f"{proposal_id} rejected (nothing was written)")
            else:
                self.edit_proposal(card)
            return
        if event.choice == "accept":
            self._decide(card, lambda: self.engine.accept(proposal_id), "accepted")
        elif event.choice == "reject":
            self._decide(card, lambda: self.engine.reject(proposal_id), "rejected")
        else:
            self.edit_proposal(card)

    def _decide(self, card: ProposalCard, call: Callable[[], str], state: str) -> None:
        try:
            note = call()
        except Exception as exc:  # noqa: BLE001 - e.g. a validation error: the proposal stays pending
            self.notify(
                one_line(str(exc) or type(exc).__name__, 300),
                title="Not applied",
                severity="error",
                markup=False,
            )
            return
        card.settle(state, str(note))
        self.refresh_bindings()
        self.query_one(PromptArea).focus()
        self.refresh_tracker()

    def edit_proposal(self, card: ProposalCard) -> None:
        """A new next step opens in the step editor; the edited version replaces the original card.
        Other kinds go back to the coach: the prompt is pre-filled so the user says what to change."""
        proposal = card.event.proposal
        payload = getattr(proposal, "payload", None)
        if self.tracker is None or getattr(proposal, "kind", "") != "add_step" or payload is None:
            self.query_one(PromptArea).restore(
                f"Change {card.event.proposal_id} ({one_line(card.event.summary, 80)}): "
            )
            return
        tracker = self.tracker

        def build(fields: dict[str, str]) -> Any:
            return tracker_actions.add_step_like(tracker, payload, fields, today=self.today)

        def edited(new: Any) -> None:
            if new is None:
                return
            if card.local:
                card.settle("rejected", "replaced by your edit")
            else:
                self._decide(card, lambda: self.engine.reject(card.event.proposal_id), "rejected")
                card.query_one(".proposal-outcome", Static).update(Content("replaced by your edit below"))
            replacement = ProposalCard(ProposedChange(new.id, new.summary, new.diff, new), local=True)
            self._chat.mount(replacement, after=card)
            replacement.focus()

        self.push_screen(
            EditStep(
                f"Edit the proposed step ({card.event.proposal_id})",
                tracker_actions.step_fields(payload),
                build,
            ),
            edited,
        )

    def action_toggle_citations(self) -> None:
        replies = [reply for reply in self.query(CoachReply) if reply.citations.items]
        if not replies:
            self.notify("No reply has cited guidance yet.", markup=False, timeout=3)
            return
        citations = replies[-1].citations
        citations.collapsed = not citations.collapsed
        citations.scroll_visible()

    def current_draft(self) -> str | None:
        """The draft in the latest reply that has one (a fenced block or quote), else the latest reply."""
        replies = [reply for reply in self.query(CoachReply) if reply.text.strip()]
        for reply in reversed(replies):
            draft = extract_draft(reply.text)
            if draft:
                return draft
        return replies[-1].text.strip() if replies else None

    def action_copy_draft(self) -> None:
        draft = self.current_draft()
        if not draft:
            self.notify("Nothing to copy yet.", markup=False, timeout=3)
            return
        self.copy_to_clipboard(draft)
        self.notify(f"Copied {len(draft)} characters to the clipboard.", markup=False, timeout=3)

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Choose a skill", "Clarify goals, outreach, session prep, ...", self.action_pick_skill
        )
        yield SystemCommand("Free conversation", "Leave the current skill", lambda: self.set_skill(None))
        for skill in Skill:
            yield SystemCommand(
                f"Skill: {skill.label}",
                f"Start {skill.label.lower()}",
                lambda s=skill: self.set_skill(s),
                discover=False,
            )
        yield SystemCommand(
            "Toggle tracker panel", "Goals, next steps and the next session", self.action_toggle_tracker
        )
        yield SystemCommand(
            "New conversation",
            "Start afresh; this one stays in Sessions",
            lambda: self.switch_conversation(None),
        )
        yield SystemCommand(
            "Sessions", "List, resume, rename, delete or export conversations", self.action_sessions
        )
        yield SystemCommand(
            "Review proposed change",
            "Accept, edit or reject the next proposed tracker change",
            self.action_review_proposal,
        )
        yield SystemCommand(
            "Show sources", "Expand the guidance passages of the latest reply", self.action_toggle_citations
        )
        yield SystemCommand("Copy draft", "Copy the current draft to the clipboard", self.action_copy_draft)
        yield SystemCommand(
            "Toggle light/dark theme",
            "Switch between textual-dark and textual-light",
            self.action_toggle_theme,
        )
        yield SystemCommand("Cancel reply", "Stop the reply in progress", self.action_cancel_reply)
        yield SystemCommand(
            "Restart the coach",
            "Reload the engine and guidance (after fixing a problem)",
            self.restart_engine,
        )
        yield SystemCommand("Retry last message", "Ask again after an error or a cut-off reply", self.retry)


_FENCED = re.compile(r"```[^\n]*\n(.*?)```", re.DOTALL)


def extract_draft(text: str) -> str | None:
    """The last fenced block, else the last run of quoted lines, of a reply."""
    blocks = _FENCED.findall(text)
    if blocks:
        return blocks[-1].strip() or None
    quote: list[str] = []
    runs: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith(">"):
            quote.append(line[1:].removeprefix(" "))
        elif quote:
            runs.append(quote)
            quote = []
    if quote:
        runs.append(quote)
    return "\n".join(runs[-1]).strip() or None if runs else None


def run_app() -> None:
    """Open the app. Bad settings (environment or config file) stop here with a readable message."""
    try:
        settings = load_settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        print(f"coach: the settings are invalid ({one_line(str(exc), 400)}).", file=sys.stderr)
        print("Check the COACH_* / OPENAI_* environment variables and the config file.", file=sys.stderr)
        raise SystemExit(2) from None
    CoachApp(settings).run()
