"""Index and search through a real `chroma run` server on loopback (COACH_CHROMA_URL)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from coach.config import Settings
from coach.knowledge.errors import StoreError
from coach.knowledge.retrieval import Retriever

CHROMA = Path(sys.executable).with_name("chroma")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    executable = CHROMA if CHROMA.exists() else shutil.which("chroma")
    if executable is None:
        pytest.skip("the `chroma` executable (from the chromadb package) is not installed")
    port = free_port()
    log = (tmp_path / "chroma.log").open("wb")
    server = subprocess.Popen(
        [
            str(executable),
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--path",
            str(tmp_path / "server"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chroma server did not start: {(tmp_path / 'chroma.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.mark.slow
def test_index_and_search_through_a_chroma_server(chroma_url, monkeypatch, make_embedder, cards_dir) -> None:
    monkeypatch.setenv("COACH_CHROMA_URL", chroma_url)
    settings = Settings()
    retriever = Retriever.open(settings, embedder=make_embedder(), cards_dir=cards_dir)
    top = retriever.search("what should I send my mentor before our meeting?", k=2, skill="session_prep")
    assert top[0].card_id == "agenda-before-meeting"
    assert top[0].citation == "Alpha Article — Ada Author"
    assert not settings.chroma_dir.exists()  # nothing was written to the local index

    # A teammate on another machine opens the same library: nothing is embedded again.
    teammate = make_embedder()
    shared = Retriever.open(Settings(), embedder=teammate, cards_dir=cards_dir)
    assert teammate.texts == []
    assert shared.size == retriever.size

    import chromadb
    from chromadb.config import Settings as ChromaSettings

    port = int(chroma_url.rsplit(":", 1)[1])
    client = chromadb.HttpClient(
        host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False)
    )
    (collection,) = client.list_collections()
    assert collection.count() == retriever.size


@pytest.mark.slow
def test_documents_added_through_the_cli_land_on_the_server(chroma_url, monkeypatch, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from coach.cli import cli

    monkeypatch.setenv("COACH_CHROMA_URL", chroma_url)
    doc = tmp_path / "team-handbook.md"
    doc.write_text("# Team handbook\n\nMentors in our team meet their mentees on the first Monday.\n")
    runner = CliRunner()
    assert runner.invoke(cli, ["knowledge", "add", str(doc)]).exit_code == 0
    result = runner.invoke(cli, ["knowledge", "search", "first Monday mentee meeting", "-k", "1"])
    assert result.exit_code == 0 and "Team handbook (team-handbook.md)" in result.output


def test_unreachable_server_is_a_clear_error(monkeypatch, minilm, cards_dir) -> None:
    monkeypatch.setenv("COACH_CHROMA_URL", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StoreError, match="COACH_CHROMA_URL"):
        Retriever.open(Settings(), embedder=minilm, cards_dir=cards_dir)


def test_malformed_url_is_a_clear_error(monkeypatch, minilm, cards_dir) -> None:
    monkeypatch.setenv("COACH_CHROMA_URL", "ftp://example")
    with pytest.raises(StoreError, match="not an http"):
        Retriever.open(Settings(), embedder=minilm, cards_dir=cards_dir)
