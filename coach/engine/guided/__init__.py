"""Guided mode: the offline, deterministic coach for all six skills (see engine.GuidedEngine)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coach.engine.guided.engine import GuidedEngine

__all__ = ["GuidedEngine"]


def __getattr__(name: str) -> Any:
    if name == "GuidedEngine":
        from coach.engine.guided.engine import GuidedEngine

        return GuidedEngine
    raise AttributeError(name)
