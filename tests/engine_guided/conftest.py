"""Fixtures for guided-mode tests (helpers and fakes live in guided_support.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from guided_support import TODAY, CardRetriever, Chat, make_judge

from coach.config import Settings
from coach.engine.guided.engine import GuidedEngine
from coach.engine.services import Services
from coach.tracker import Tracker


@pytest.fixture
def tracker(coach_home: Path) -> Tracker:
    t = Tracker(coach_home / "tracker.db", today=lambda: TODAY)
    yield t
    t.close()


@pytest.fixture
def services(tracker: Tracker) -> Services:
    return Services(Settings(), retriever=CardRetriever(), tracker=tracker, judge=make_judge())


@pytest.fixture
def engine(services: Services) -> GuidedEngine:
    return GuidedEngine(Settings(), services=services, conversation_id="test", today=lambda: TODAY)


@pytest.fixture
def chat(engine: GuidedEngine) -> Chat:
    return Chat(engine)
