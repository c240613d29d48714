"""Retriever over a real chromadb and the real MiniLM embedder, with a small card set in a tmp dir."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CARDS, write_card  # type: ignore[import-not-found]

from coach.knowledge.errors import IndexingError, QueryError
from coach.knowledge.retrieval import MAX_QUERY_CHARS, Retriever


def open_retriever(settings, embedder, cards_dir: Path) -> Retriever:  # type: ignore[no-untyped-def]
    return Retriever.open(settings, embedder=embedder, cards_dir=cards_dir)


def snapshot(retriever: Retriever) -> dict[str, str]:
    stored = retriever.store.load()
    return dict(zip(stored.ids, stored.documents, strict=True))


def test_open_builds_the_card_index_and_search_cites_the_card(settings, counting, cards_dir) -> None:
    retriever = open_retriever(settings, counting, cards_dir)
    assert retriever.size == len(CARDS)
    assert len(counting.texts) == len(CARDS)

    top = retriever.search("what should I send my mentor before our meeting?", k=3)[0]
    assert top.card_id == "agenda-before-meeting"
    assert top.title == "Send an agenda before each meeting"
    assert top.citation == "Alpha Article — Ada Author"
    assert "agenda" in top.text and not top.text.startswith("Send an agenda")  # passage, not the header
    assert top.skills == ("session_prep",)
    assert top.audience == "protege"
    assert top.score > 0


def test_citation_lists_every_source_of_a_card(settings, counting, cards_dir) -> None:
    retriever = open_retriever(settings, counting, cards_dir)
    hit = retriever.search("how do I approach someone I would like as a mentor", k=1)[0]
    assert hit.card_id == "start-small-approach"
    assert hit.citation == "Alpha Article — Ada Author; Beta Article — Beta Press"


def test_scores_descend_and_k_is_respected(settings, counting, cards_dir) -> None:
    hits = open_retriever(settings, counting, cards_dir).search("mentor meeting", k=3)
    assert len(hits) == 3
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_reopen_does_not_embed_again_and_answers_identically(settings, make_embedder, cards_dir) -> None:
    first = make_embedder()
    before = open_retriever(settings, first, cards_dir).search("questions for a protege", k=4)
    second = make_embedder()
    after = open_retriever(settings, second, cards_dir).search("questions for a protege", k=4)
    assert second.texts == ["questions for a protege"]  # only the query; no card re-embedded
    assert after == before


def test_skill_filter(settings, counting, cards_dir) -> None:
    retriever = open_retriever(settings, counting, cards_dir)
    hits = retriever.search("agenda for the meeting", k=5, skill="next_steps")
    assert [h.card_id for h in hits] == ["three-next-steps"]
    assert all("outreach" in h.skills for h in retriever.search("mentor", k=5, skill="outreach"))


def test_audience_filter_includes_both(settings, counting, cards_dir) -> None:
    retriever = open_retriever(settings, counting, cards_dir)
    ids = {h.card_id for h in retriever.search("mentoring session", k=10, audience="mentor")}
    assert ids == {"ask-questions-not-answers", "three-next-steps"}
    protege = {h.card_id for h in retriever.search("mentoring session", k=10, audience="protege")}
    assert "ask-questions-not-answers" not in protege and "three-next-steps" in protege


def test_lexical_side_finds_an_exact_rare_word(settings, counting, cards_dir) -> None:
    retriever = open_retriever(settings, counting, cards_dir)
    assert retriever.search("chemistry", k=1)[0].card_id == "start-small-approach"


def test_edited_card_is_re_embedded_alone_and_removed_card_drops_out(
    settings, make_embedder, cards_dir
) -> None:
    open_retriever(settings, make_embedder(), cards_dir)
    title, skills, audience, sources, body = CARDS["three-next-steps"]
    write_card(cards_dir, "three-next-steps", title, skills, audience, sources, body + " Write them down.")
    (cards_dir / "cards" / "ask-questions-not-answers.md").unlink()
    from coach.knowledge.cards import load_cards

    load_cards.cache_clear()
    again = make_embedder()
    retriever = open_retriever(settings, again, cards_dir)
    assert len(again.texts) == 1 and "Write them down." in again.texts[0]
    ids = {h.card_id for h in retriever.search("questions for my protege", k=10)}
    assert "ask-questions-not-answers" not in ids
    assert retriever.size == len(CARDS) - 1


def test_failure_while_embedding_keeps_the_previous_index(settings, make_embedder, cards_dir) -> None:
    retriever = open_retriever(settings, make_embedder(), cards_dir)
    before = snapshot(retriever)
    answers = retriever.search("next steps with deadlines", k=4)
    for card_id in ("three-next-steps", "agenda-before-meeting"):
        title, skills, audience, sources, body = CARDS[card_id]
        write_card(cards_dir, card_id, title, skills, audience, sources, body + " Changed.")
    from coach.knowledge.cards import load_cards

    load_cards.cache_clear()
    failing = make_embedder(fail_after=1)  # the second changed card fails
    with pytest.raises(IndexingError, match="nothing was changed"):
        open_retriever(settings, failing, cards_dir)
    reopened = Retriever(retriever.store)
    assert snapshot(reopened) == before
    assert reopened.search("next steps with deadlines", k=4) == answers


class _FailingCollection:
    """A real collection whose upsert writes, then fails (as a full disk or a dropped connection would)."""

    def __init__(self, real) -> None:  # type: ignore[no-untyped-def]
        self.real = real

    def upsert(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.real.upsert(**kwargs)
        raise RuntimeError("injected failure after a write")

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.real, name)


def test_failure_while_writing_removes_what_this_run_added(settings, counting, cards_dir) -> None:
    retriever = open_retriever(settings, counting, cards_dir)
    before = snapshot(retriever)
    store = retriever.store
    store.collection = _FailingCollection(store.collection)
    from coach.knowledge.documents import Chunk

    new = Chunk("card:x:1", "card:x", "card", "x", "X", "cite", "text", ("goals",), "both")
    with pytest.raises(IndexingError, match="previous index was kept"):
        store.sync([new], lambda m: m.get("source_id") == "card:x")
    store.collection = store.collection.real
    assert snapshot(Retriever(store)) == before


@pytest.mark.parametrize(
    ("query", "message"),
    [("", "empty"), ("   \n\t ", "empty"), ("x" * (MAX_QUERY_CHARS + 1), "limit"), ("\x1b[2J", "empty")],
)
def test_bad_queries_are_refused(settings, counting, cards_dir, query: str, message: str) -> None:
    retriever = open_retriever(settings, counting, cards_dir)
    with pytest.raises(QueryError, match=message):
        retriever.search(query)


def test_unknown_skill_and_audience_are_refused(settings, counting, cards_dir) -> None:
    retriever = open_retriever(settings, counting, cards_dir)
    with pytest.raises(QueryError, match="unknown skill"):
        retriever.search("mentor", skill="juggling")
    with pytest.raises(QueryError, match="unknown audience"):
        retriever.search("mentor", audience="everyone")


def test_terminal_escapes_in_a_query_are_ignored(settings, counting, cards_dir) -> None:
    retriever = open_retriever(settings, counting, cards_dir)
    plain = retriever.search("agenda before the meeting", k=2)
    assert retriever.search("\x1b[31magenda before the meeting\x1b[0m", k=2) == plain


def test_reopen_uses_persistent_chroma_with_no_embedding_function(settings, counting, cards_dir) -> None:
    open_retriever(settings, counting, cards_dir)
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(
        str(settings.chroma_dir), settings=ChromaSettings(anonymized_telemetry=False)
    )
    (collection,) = client.list_collections()
    assert collection.count() == len(CARDS)
    assert collection.metadata["embedder"] == "all-MiniLM-L6-v2"


def test_openai_embeddings_get_their_own_collection(monkeypatch, settings, minilm, cards_dir) -> None:
    """With COACH_EMBEDDINGS=openai the same pipeline runs on vectors from the (mocked) HTTP API."""
    import json

    import httpx
    import numpy as np
    import respx

    from coach.config import Settings
    from coach.knowledge.embeddings import get_embedder

    def fake_vector(text: str) -> list[float]:
        # Deterministic stand-in for the server: MiniLM's vector, so ranking is meaningful.
        return minilm.embed([text])[0].astype(float).tolist()

    def reply(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        data = [
            {"object": "embedding", "index": i, "embedding": fake_vector(t)}
            for i, t in enumerate(body["input"])
        ]
        return httpx.Response(200, json={"object": "list", "data": data, "model": body["model"],
                                         "usage": {"prompt_tokens": 1, "total_tokens": 1}})  # fmt: skip

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://embeddings.test/v1")
    monkeypatch.setenv("COACH_EMBEDDINGS", "openai")
    with respx.mock:
        route = respx.post("http://embeddings.test/v1/embeddings").mock(side_effect=reply)
        openai_settings = Settings()
        retriever = Retriever.open(openai_settings, cards_dir=cards_dir)
        assert route.called
        assert retriever.store.name == "coach-openai-text-embedding-3-small"
        top = retriever.search("what should I send my mentor before our meeting?", k=1)
        assert top[0].card_id == "agenda-before-meeting"
        vectors = get_embedder(openai_settings).embed(["x"])
        assert vectors.shape == (1, 384) and np.isclose(np.linalg.norm(vectors[0]), 1.0)


def test_chunks_added_elsewhere_are_found_before_a_refresh(settings, counting, cards_dir) -> None:
    """The TUI's retriever stays open while `coach knowledge add` runs in another process."""
    from coach.knowledge.documents import Chunk

    long_lived = open_retriever(settings, counting, cards_dir)
    other = open_retriever(settings, counting, cards_dir)
    chunk = Chunk(
        "doc-x:1", "doc-x", "document", "", "Team handbook", "Team handbook (handbook.md)",
        "Our mentoring circle meets on the first Monday of every month in the library.",
        ("goals", "outreach", "session_prep", "feedback", "mentor_practice", "next_steps"), "both",
    )  # fmt: skip
    other.store.sync([chunk], lambda m: m.get("source_id") == "doc-x", origin="o")
    query = "when does the mentoring circle meet each month"
    # Before a refresh only the dense side knows the new chunk, so it is found but may rank lower.
    (hit,) = [h for h in long_lived.search(query, k=3) if h.chunk_id == "doc-x:1"]
    assert hit.citation == "Team handbook (handbook.md)" and hit.text.startswith("Our mentoring circle")
    long_lived.refresh()
    assert long_lived.size == len(CARDS) + 1
    assert long_lived.search(query, k=1)[0].chunk_id == "doc-x:1"


def test_a_cards_asks_are_extra_vectors_that_lead_to_its_passage(settings, make_embedder, cards_dir) -> None:
    title, skills, audience, sources, body = CARDS["three-next-steps"]
    path = write_card(cards_dir, "three-next-steps", title, skills, audience, sources, body)
    text = (
        path.read_text(encoding="utf-8")
        .replace("+++\nClose", "+++\nClose")
        .replace(
            'sources = ["alpha"]\n',
            'sources = ["alpha"]\nasks = ["we chat for an hour and then nothing happens"]\n',
        )
    )
    path.write_text(text, encoding="utf-8")
    from coach.knowledge.cards import load_cards

    load_cards.cache_clear()
    embedder = make_embedder()
    retriever = open_retriever(settings, embedder, cards_dir)
    assert "we chat for an hour and then nothing happens" in embedder.texts  # embedded as its own vector
    hits = retriever.search("we talk for an hour and nothing ever happens afterwards", k=4)
    assert hits[0].card_id == "three-next-steps"
    assert hits[0].text == body  # the card's passage is shown, never the ask
    assert len({h.card_id for h in hits}) == len(hits)  # one passage per card
    assert not any(re.search(r":ask\d+$", h.chunk_id) for h in hits), [h.chunk_id for h in hits]
