"""Guided mode over the real retriever (MiniLM embeddings + chromadb + BM25), built once for the module."""

from __future__ import annotations

import pytest
from guided_support import TODAY, Chat, make_judge

from coach.config import Settings
from coach.engine.guided.engine import GuidedEngine
from coach.engine.services import Services
from coach.events import CitationEvent, ProposedChange
from coach.skills import Skill


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    from coach.knowledge.retrieval import Retriever

    return Retriever.open(Settings(home=tmp_path_factory.mktemp("kb")))


@pytest.fixture
def real_engine(retriever, tracker) -> GuidedEngine:  # noqa: ANN001
    services = Services(Settings(), retriever=retriever, tracker=tracker, judge=make_judge())
    return GuidedEngine(Settings(), services=services, conversation_id="real", today=lambda: TODAY)


@pytest.mark.parametrize(
    ("question", "card"),
    [
        ("is it ok to have more than one mentor?", "more-than-one-mentor"),
        ("should I just ask him to be my mentor in my first email?", "dont-lead-with-will-you-be-my-mentor"),
        ("my mentor said something harsh and I got upset; how should I react?",
         "receive-feedback-without-overreacting"),
    ],
)  # fmt: skip
def test_free_answers_cite_the_card_that_answers_the_question(
    real_engine: GuidedEngine, question: str, card: str
) -> None:
    events = Chat(real_engine).say(question)
    cited = [e.card_id for e in events if isinstance(e, CitationEvent)]
    assert card in cited, cited
    assert all(e.source for e in events if isinstance(e, CitationEvent))


def test_goal_summary_cites_guidance_found_from_the_users_own_words(real_engine: GuidedEngine) -> None:
    chat = Chat(real_engine)
    real_engine.set_skill(Skill.GOALS)
    chat.open()
    chat.say("I want to start my own design studio within two years and have never run a business")
    chat.say("launch the studio\nland three clients")
    chat.say("pricing work; finding clients")
    chat.say("dream")
    events = chat.say("Lena Ortiz — runs a three-person studio")
    cited = {e.card_id for e in events if isinstance(e, CitationEvent)}
    assert {"goals-and-gaps", "look-further-ahead-not-top"} <= cited
    assert len(cited) >= 3  # plus what retrieval found for this need
    assert [p.proposal.kind for p in events if isinstance(p, ProposedChange)] == [
        "record_goal",
        "record_partner",
    ]
