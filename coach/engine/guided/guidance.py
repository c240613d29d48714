"""Retrieval for guided mode: the shared retriever, with a lexical fallback over the cards.

If the retriever cannot be opened (missing model weights, a broken index), guided mode keeps working from the
card files alone and says so once; advice is still cited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from coach.engine.guided.text import clean, one_line

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Cited:
    """A passage the coach draws on (the fields of a retrieval Passage that guided mode uses)."""

    card_id: str
    title: str
    citation: str
    text: str
    score: float = 0.0
    skills: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_passage(cls, passage: Any) -> Cited:
        return cls(
            card_id=str(getattr(passage, "card_id", "")),
            title=clean(str(getattr(passage, "title", ""))),
            citation=clean(str(getattr(passage, "citation", ""))),
            text=clean(str(getattr(passage, "text", ""))),
            score=float(getattr(passage, "score", 0.0) or 0.0),
            skills=tuple(str(s) for s in (getattr(passage, "skills", None) or ())),
        )

    @property
    def gist(self) -> str:
        return one_line(self.text, 220)


@cache
def _card_index() -> tuple[tuple[Any, ...], Any]:
    """BM25 over the cards (title counted twice: it states the advice), built once per process."""
    from coach.knowledge.cards import load_cards
    from coach.knowledge.lexical import BM25

    cards = tuple(load_cards())
    return cards, BM25([f"{c.title} {c.title} {c.body}" for c in cards])


def lexical_search(query: str, k: int, skill: str | None, audience: str | None) -> list[Cited]:
    """Rank cards with BM25 (used only when the retriever is unavailable)."""
    cards, index = _card_index()
    scores = index.scores(query)
    ranked: list[Cited] = []
    for i in sorted(range(len(cards)), key=lambda i: (-float(scores[i]), cards[i].id)):
        card = cards[i]
        if float(scores[i]) <= 0 or len(ranked) >= k:
            break
        if skill and skill not in [str(s) for s in card.skills]:
            continue
        if audience and card.audience not in (audience, "both"):
            continue
        skills = tuple(str(s) for s in card.skills)
        ranked.append(Cited(card.id, card.title, card.citation, card.body, float(scores[i]), skills))
    return ranked


class Guidance:
    """Search the guidance; never raises (falls back to the card files)."""

    def __init__(self, services: Any) -> None:
        self._services = services
        self.degraded: str | None = None  # why the fallback is in use, reported once
        self.degraded_reported = False

    def cards(self, card_ids: list[str] | tuple[str, ...]) -> list[Cited]:
        """The named cards (unknown ids are skipped: a renamed card must not break a flow)."""
        try:
            from coach.knowledge.cards import cards_by_id

            known = cards_by_id()
        except Exception as exc:
            log.warning("cards unavailable: %s", exc)
            return []
        return [
            Cited(c.id, c.title, c.citation, c.body, 1.0, tuple(str(s) for s in c.skills))
            for c in (known.get(cid) for cid in card_ids)
            if c is not None
        ]

    def search(
        self, query: str, *, k: int = 3, skill: str | None = None, audience: str | None = None
    ) -> list[Cited]:
        if self.degraded is None:
            try:
                passages = self._services.retriever.search(query, k=k, skill=skill, audience=audience)
                return _dedupe([Cited.from_passage(p) for p in passages])[:k]
            except Exception as exc:  # any retriever failure: keep coaching from the cards
                log.warning("retriever unavailable, using the card files: %s", exc)
                self.degraded = one_line(str(exc) or type(exc).__name__, 200)
        try:
            return lexical_search(query, k, skill, audience)
        except Exception as exc:
            log.warning("cards unavailable: %s", exc)
            return []


def _dedupe(items: list[Cited]) -> list[Cited]:
    seen: set[str] = set()
    unique = []
    for item in items:
        key = item.card_id or item.title
        if key in seen:
            continue
        seen.add(key)
        unique.append(item)
    return unique
