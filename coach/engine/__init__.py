"""The coach engine: takes a user message, yields typed events (coach.events). No UI code.

`create_engine()` is the one entry point the TUI and the CLIs use. Heavy modules (langchain, chromadb,
the embedding model) load lazily: creating a guided engine is cheap, the LLM engine imports langchain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from coach.config import Settings
    from coach.engine.recorder import RecordingEngine
    from coach.engine.services import Services

__all__ = ["create_engine"]


def create_engine(
    settings: Settings | None = None,
    *,
    conversation_id: str | None = None,
    services: Services | None = None,
    chat_model: Any = None,
) -> RecordingEngine:
    """Guided engine when no LLM is configured, else the LLM engine; wrapped in the conversation log.

    `conversation_id` (an id or unique prefix) resumes a logged conversation: the engine's saved state is
    restored, or, when it was recorded in the other mode, the LLM history is rebuilt from the messages.
    Raises ConversationNotFound for an unknown id, DatabaseError for an unreadable log, and
    EngineConfigError when the LLM is switched on without a usable model. `chat_model` (tests and
    benchmarks) replaces the ChatOpenAI client.
    """
    from coach.config import Settings
    from coach.conversations import ConversationLog
    from coach.engine.recorder import RecordingEngine
    from coach.engine.services import Services

    settings = settings or Settings()
    services = services or Services(settings)
    log = ConversationLog.open(settings)
    mode = "llm" if settings.llm_enabled or chat_model is not None else "guided"

    resumed_id = log.resolve(conversation_id) if conversation_id else None
    new_id = resumed_id or log.create(mode=mode)
    if mode == "llm":
        from coach.engine.llm import LLMEngine

        inner: Any = LLMEngine(settings, services=services, conversation_id=new_id, chat_model=chat_model)
    else:
        try:
            from coach.engine.guided import GuidedEngine
        except ImportError:  # the package may not re-export it
            from coach.engine.guided.engine import GuidedEngine

        inner = GuidedEngine(settings, services=services, conversation_id=new_id)

    if resumed_id is not None:
        _resume(inner, log, resumed_id, mode)
    return RecordingEngine(inner, log, new_id)


def _resume(inner: Any, log: Any, conversation_id: str, mode: str) -> None:
    from coach.engine.base import Resumable
    from coach.skills import Skill

    info = log.get(conversation_id)
    state = log.load_state(conversation_id)
    expired = log.expire_pending(conversation_id)
    if expired:
        log.add_message(
            conversation_id,
            "note",
            f"Proposal(s) {', '.join(expired)} from the earlier session were never accepted or rejected, so "
            "nothing was written; ask the coach to propose them again if you still want them.",
        )
    engine_state = state.get("engine") if isinstance(state.get("engine"), dict) else None
    if state.get("mode") == mode and engine_state and isinstance(inner, Resumable):
        inner.restore(engine_state)
    else:
        skill = info.skill if info.skill in {s.value for s in Skill} else None
        inner.set_skill(Skill(skill) if skill else None)
        if mode == "llm":
            inner.history = _history_from_log(log, conversation_id)
    if info.mode != mode:
        log.set_meta(conversation_id, mode=mode, skill=inner.skill.value if inner.skill else None)


def _history_from_log(log: Any, conversation_id: str) -> list[Any]:
    from langchain_core.messages import AIMessage, HumanMessage

    turns: list[tuple[str, str]] = []
    for message in log.messages(conversation_id):
        if message.role not in ("user", "assistant") or not message.content.strip():
            continue
        if turns and turns[-1][0] == message.role:  # keep roles alternating: merge neighbours
            turns[-1] = (message.role, f"{turns[-1][1]}\n\n{message.content}")
        else:
            turns.append((message.role, message.content))
    if turns and turns[0][0] == "assistant":
        turns.insert(0, ("user", "(Continuing an earlier conversation.)"))
    return [HumanMessage(text) if role == "user" else AIMessage(text) for role, text in turns]
