"""The welcome shows at once; the guidance index builds behind it (a first run takes a while)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from tui_fakes import FakeEngine, factory_for
from tui_helpers import wait_until

from coach.events import Done, TextDelta
from coach.skills import Skill
from tui.app import CoachApp
from tui.widgets.chat import CoachReply

pytestmark = pytest.mark.anyio


class SlowServices:
    """Stands in for coach.engine.services.Services: warm_up blocks until the test lets it finish."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.release = threading.Event()
        self.fail = fail
        self.tracker: Any = None

    def warm_up(self) -> None:
        self.release.wait(10)
        if self.fail is not None:
            raise self.fail


def status(app: CoachApp) -> str:
    return str(app.query_one("#status").render())


def engine_with(services: SlowServices) -> FakeEngine:
    welcome = [TextDelta("I'm your mentoring coach."), Done("I'm your mentoring coach.")]
    return FakeEngine(openings={None: welcome}, services=services)


async def test_welcome_shows_before_the_index_is_built() -> None:
    services = SlowServices()
    app = CoachApp(engine_factory=factory_for(engine_with(services)))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: any("mentoring coach" in r.text for r in app.query(CoachReply)))
        assert "loading guidance" in status(app)
        services.release.set()
        await wait_until(pilot, lambda: "loading guidance" not in status(app))


async def test_a_failed_index_warns_but_the_chat_stays_usable() -> None:
    services = SlowServices(fail=RuntimeError("embedding weights missing: pip install --no-deps ..."))
    engine = engine_with(services)
    app = CoachApp(engine_factory=factory_for(engine))
    async with app.run_test(size=(100, 30)) as pilot:
        services.release.set()
        await wait_until(pilot, lambda: "guidance index unavailable" in status(app))
        assert any("embedding weights missing" in str(n.message) for n in app._notifications)
        assert app.engine is engine
        app.set_skill(Skill.OUTREACH)
        await wait_until(pilot, lambda: engine.skill is Skill.OUTREACH)
