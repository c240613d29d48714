"""Load the guidance cards and their sources. Cheap: no chromadb, no model."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from pydantic import BaseModel, Field, field_validator

from coach.resources import knowledge_dir
from coach.skills import AUDIENCES, Skill

FRONT_MATTER = "+++"


class CardFormatError(ValueError):
    pass


class Source(BaseModel):
    id: str
    title: str
    author: str | None = None
    publisher: str | None = None
    seed: str | None = None
    note: str | None = None

    @property
    def citation(self) -> str:
        by = self.author or self.publisher
        return f"{self.title} — {by}" if by else self.title


class Card(BaseModel):
    id: str
    title: str
    skills: list[Skill]
    audience: str
    sources: list[str] = Field(min_length=1)
    # How users tend to ask for this advice, in their own words; indexed alongside the body so that
    # messy, indirect questions find the card. Written from the card, never from the eval queries.
    asks: list[str] = Field(default_factory=list)
    body: str
    path: Path | None = None
    citations: list[str] = Field(default_factory=list)

    @field_validator("audience")
    @classmethod
    def _known_audience(cls, value: str) -> str:
        if value not in AUDIENCES:
            raise ValueError(f"audience must be one of {AUDIENCES}, not {value!r}")
        return value

    @property
    def citation(self) -> str:
        return "; ".join(self.citations) if self.citations else ", ".join(self.sources)


def parse_card(text: str, *, path: Path | None = None) -> tuple[dict, str]:
    """Split a card file into (front matter dict, body)."""
    where = str(path) if path else "card"
    parts = text.split(FRONT_MATTER, 2)
    if len(parts) < 3 or parts[0].strip():
        raise CardFormatError(f"{where}: must start with a TOML front matter block between '+++' lines")
    _, header, body = parts
    try:
        meta = tomllib.loads(header)
    except tomllib.TOMLDecodeError as exc:
        raise CardFormatError(f"{where}: front matter is not valid TOML ({exc})") from exc
    return meta, body.strip()


@cache
def load_sources(directory: Path | None = None) -> dict[str, Source]:
    path = (directory or knowledge_dir()) / "sources.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {entry["id"]: Source(**entry) for entry in data.get("source", [])}


@cache
def load_cards(directory: Path | None = None) -> tuple[Card, ...]:
    """All cards, sorted by id. Raises CardFormatError on a malformed card."""
    root = directory or knowledge_dir()
    sources = load_sources(root)
    cards = []
    for path in sorted((root / "cards").glob("*.md")):
        meta, body = parse_card(path.read_text(encoding="utf-8"), path=path)
        try:
            card = Card(**meta, body=body, path=path)
        except Exception as exc:  # pydantic's message names the field
            raise CardFormatError(f"{path}: {exc}") from exc
        if card.id != path.stem:
            raise CardFormatError(f"{path}: id {card.id!r} must equal the file name {path.stem!r}")
        unknown = [s for s in card.sources if s not in sources]
        if unknown:
            raise CardFormatError(f"{path}: unknown source id(s) {unknown}; see knowledge/sources.toml")
        card.citations = [sources[s].citation for s in card.sources]
        cards.append(card)
    return tuple(cards)


def cards_by_id(directory: Path | None = None) -> dict[str, Card]:
    return {card.id: card for card in load_cards(directory)}
