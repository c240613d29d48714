"""TUI tests run their coroutines on asyncio through anyio's pytest plugin (pytestmark = anyio)."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
