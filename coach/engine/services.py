"""Lazily built services the engines share: retriever, tracker, judge and the pending proposals.

Nothing heavy is imported or opened until an engine first asks for it, so creating an engine (and
starting the TUI or `coach chat`) stays fast. Tests inject fakes or tmp paths through the constructor.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from coach.config import Settings

if TYPE_CHECKING:  # pragma: no cover - typing only
    from coach.judge import RuleJudge
    from coach.knowledge.retrieval import Retriever
    from coach.tracker import Tracker


class ProposalNotFound(KeyError):
    """accept/reject named a proposal that is not pending (unknown, or already decided)."""

    def __str__(self) -> str:  # KeyError quotes its message; this one is shown to users as is
        return str(self.args[0]) if self.args else "no such proposal"


@dataclass
class PendingProposals:
    """Tracker proposals emitted in a conversation and not yet decided.

    Both engines register each proposal they show (as a ProposedChange event) here; `accept` applies it
    through the tracker (the only way anything is written) and `reject` drops it.
    """

    pending: dict[str, Any] = field(default_factory=dict)
    decided: dict[str, str] = field(default_factory=dict)  # proposal id -> "accepted" | "rejected"

    def add(self, proposal: Any) -> None:
        self.pending[str(proposal.id)] = proposal

    def get(self, proposal_id: str) -> Any:
        key = _normalise_id(proposal_id)
        if key in self.pending:
            return self.pending[key]
        if key in self.decided:
            raise ProposalNotFound(f"{key} was already {self.decided[key]}")
        known = ", ".join(self.pending) or "none"
        raise ProposalNotFound(f"no pending proposal {proposal_id!r} (pending: {known})")

    def accept(self, proposal_id: str, tracker: Any, *, actor: str = "coach") -> str:
        proposal = self.get(proposal_id)
        message = tracker.apply(proposal, actor=actor)  # raises on invalid/conflicting data; stays pending
        key = str(proposal.id)
        self.pending.pop(key, None)
        self.decided[key] = "accepted"
        return str(message) if message else f"{key} accepted: {proposal.summary}"

    def reject(self, proposal_id: str) -> str:
        proposal = self.get(proposal_id)
        key = str(proposal.id)
        self.pending.pop(key, None)
        self.decided[key] = "rejected"
        return f"{key} rejected: {proposal.summary} (nothing was written)"


def _normalise_id(proposal_id: str) -> str:
    return proposal_id.strip().upper()


class Services:
    """What an engine needs from the rest of coach, each built on first use (thread-safe).

    Pass ready objects (or factories) to override: `Services(settings, tracker=Tracker(tmp_path/"t.db"))`.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        retriever: Retriever | None = None,
        tracker: Tracker | None = None,
        judge: RuleJudge | Any | None = None,
        retriever_factory: Callable[[Settings], Any] | None = None,
        tracker_factory: Callable[[Settings], Any] | None = None,
        judge_factory: Callable[[Settings], Any] | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self._retriever = retriever
        self._tracker = tracker
        self._judge = judge
        self._retriever_factory = retriever_factory or _open_retriever
        self._tracker_factory = tracker_factory or _open_tracker
        self._judge_factory = judge_factory or _open_judge
        self._lock = threading.RLock()
        self.proposals = PendingProposals()

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            with self._lock:
                if self._retriever is None:
                    self._retriever = self._retriever_factory(self.settings)
        return self._retriever

    @property
    def tracker(self) -> Tracker:
        if self._tracker is None:
            with self._lock:
                if self._tracker is None:
                    self._tracker = self._tracker_factory(self.settings)
        return self._tracker

    @property
    def judge(self) -> RuleJudge:
        if self._judge is None:
            with self._lock:
                if self._judge is None:
                    self._judge = self._judge_factory(self.settings)
        return self._judge

    def warm_up(self) -> None:
        """Build everything now (the TUI calls this in a worker so the first turn is fast)."""
        _ = self.retriever, self.tracker, self.judge


def _open_retriever(settings: Settings) -> Any:
    from coach.knowledge.retrieval import Retriever

    return Retriever.open(settings)


def _open_tracker(settings: Settings) -> Any:
    from coach.tracker import Tracker

    return Tracker.open(settings)


def _open_judge(settings: Settings) -> Any:
    from coach.judge import RuleJudge, load_rubric

    return RuleJudge(load_rubric())
