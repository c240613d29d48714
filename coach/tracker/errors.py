"""Errors the tracker raises. Messages are written for whoever must act: a person or a model."""

from __future__ import annotations


class ProposalError(ValueError):
    """A proposed change is invalid. The message says what is missing and what to ask the user."""


class DateQuestion(ProposalError):
    """A date that cannot be taken at face value (ambiguous, vague, past): ask `question` instead."""

    def __init__(self, question: str, *, candidates: tuple[object, ...] = ()) -> None:
        super().__init__(question)
        self.question = question
        self.candidates = candidates


class NotFound(ProposalError):
    """An id or name that does not exist in the tracker."""


class StaleProposal(ProposalError):
    """The record changed after the proposal was built; applying it would overwrite that change."""
