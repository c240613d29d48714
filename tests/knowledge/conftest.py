"""Fixtures for the knowledge tests: a small card set in a tmp dir, the real embedder, wrappers that count
or fail embedding calls."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from coach.config import Settings
from coach.knowledge.embeddings import EmbeddingError, MiniLMEmbedder, load_minilm

SOURCES = """
[[source]]
id = "alpha"
title = "Alpha Article"
author = "Ada Author"

[[source]]
id = "beta"
title = "Beta Article"
publisher = "Beta Press"
"""

CARDS = {
    "agenda-before-meeting": (
        "Send an agenda before each meeting",
        ["session_prep"],
        "protege",
        ["alpha"],
        "Write a short agenda for your next mentoring session and email it to your mentor a day ahead, "
        "so both of you arrive prepared and the hour is spent on what matters to you.",
    ),
    "ask-questions-not-answers": (
        "Mentors: lead with questions",
        ["mentor_practice"],
        "mentor",
        ["beta"],
        "As a mentor, ask open questions and let your protege discover the answer. Resist handing over "
        "your own solution; thought-provoking questions teach more than ready-made advice.",
    ),
    "start-small-approach": (
        "Start small when approaching a possible mentor",
        ["outreach"],
        "protege",
        ["alpha", "beta"],
        "Do not open with a request to be your mentor. Ask one specific question, comment on their talk or "
        "ask for twenty minutes of advice, then see whether the conversation has chemistry.",
    ),
    "three-next-steps": (
        "End every meeting with three next steps",
        ["next_steps", "session_prep"],
        "both",
        ["alpha"],
        "Close each session by naming at least three next steps, each with a deadline and a result you can "
        "measure, and check them at the start of the following meeting.",
    ),
}


def write_card(
    root: Path, card_id: str, title: str, skills: list[str], audience: str, sources: list[str], body: str
) -> Path:
    path = root / "cards" / f"{card_id}.md"
    path.write_text(
        f'+++\nid = "{card_id}"\ntitle = "{title}"\nskills = {skills!r}\naudience = "{audience}"\n'
        f"sources = {sources!r}\n+++\n{body}\n".replace("'", '"'),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def cards_dir(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    (root / "cards").mkdir(parents=True)
    (root / "sources.toml").write_text(SOURCES, encoding="utf-8")
    for card_id, spec in CARDS.items():
        write_card(root, card_id, *spec)
    return root


@pytest.fixture(scope="session")
def minilm() -> MiniLMEmbedder:
    return load_minilm()


class CountingEmbedder:
    """Delegates to a real embedder and records every text it was asked to embed."""

    def __init__(self, inner: MiniLMEmbedder, *, fail_after: int | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.texts: list[str] = []
        self.fail_after = fail_after

    def embed(self, texts: list[str]) -> np.ndarray:
        if self.fail_after is not None and len(self.texts) + len(texts) > self.fail_after:
            raise EmbeddingError("injected failure while embedding")
        self.texts.extend(texts)
        return self.inner.embed(texts)


@pytest.fixture
def counting(minilm: MiniLMEmbedder) -> CountingEmbedder:
    return CountingEmbedder(minilm)


@pytest.fixture
def settings(coach_home: Path) -> Settings:
    return Settings()


@pytest.fixture
def make_embedder(minilm: MiniLMEmbedder):  # type: ignore[no-untyped-def]
    """Factory: CountingEmbedder(fail_after=N) fails once N texts have been embedded."""

    def make(fail_after: int | None = None) -> CountingEmbedder:
        return CountingEmbedder(minilm, fail_after=fail_after)

    return make
