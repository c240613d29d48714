"""The advice judge: one rubric (knowledge/rubric.toml), a rule judge and an LLM judge behind one interface.

rubric = load_rubric()
judge = RuleJudge(rubric)                 # offline, deterministic
judge = LLMJudge(rubric, settings)        # when an LLM is configured
judgement = judge.judge(advice, skill, user="")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from coach.judge.models import Judgement, PrincipleResult
from coach.judge.rubric import Principle, Rubric, RubricError, load_rubric
from coach.judge.rules import JudgeInputError, RuleJudge

if TYPE_CHECKING:  # pragma: no cover
    from coach.config import Settings
    from coach.judge.llm import LLMJudge

__all__ = [
    "Judgement",
    "JudgeInputError",
    "LLMJudge",
    "Principle",
    "PrincipleResult",
    "Rubric",
    "RubricError",
    "RuleJudge",
    "load_rubric",
    "make_judge",
]


def __getattr__(name: str) -> Any:
    # The LLM judge pulls in httpx/openai; import it only when asked for.
    if name == "LLMJudge":
        from coach.judge.llm import LLMJudge

        return LLMJudge
    raise AttributeError(name)


def make_judge(kind: str = "rule", settings: Settings | None = None) -> Any:
    """`rule` (default) or `llm`; the LLM judge needs an LLM configured in settings."""
    if kind == "rule":
        return RuleJudge(load_rubric())
    if kind == "llm":
        from coach.config import Settings
        from coach.judge.llm import LLMJudge

        return LLMJudge(load_rubric(), settings or Settings())
    raise ValueError(f"unknown judge {kind!r}; choose rule or llm")
