"""The ground the rest stands on: settings, data dirs, the SQLite helper, packaging, the network guard."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from coach.cli import cli
from coach.config import load_settings
from coach.db import DatabaseError, connect

REPO = Path(__file__).resolve().parents[1]


def test_sockets_to_the_network_are_blocked() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(RuntimeError, match="network"):
        sock.connect(("93.184.216.34", 80))
    sock.close()
    with pytest.raises(RuntimeError, match="network"):
        socket.getaddrinfo("example.com", 443)


def test_loopback_is_allowed() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.socket()
    client.connect(server.getsockname())
    client.close()
    server.close()


def test_coach_home_overrides_data_dir(coach_home: Path) -> None:
    settings = load_settings()
    assert settings.data_dir == coach_home
    assert settings.tracker_db.parent == coach_home


def test_guided_mode_by_default() -> None:
    settings = load_settings()
    assert not settings.llm_enabled
    assert "guided" in settings.describe_mode()
    assert "OPENAI_API_KEY" in settings.describe_mode()


def test_env_beats_toml_and_key_is_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('model = "from-toml"\nbase_url = "http://127.0.0.1:11434/v1"\ntemperature = 0.1\n')
    monkeypatch.setenv("COACH_CONFIG", str(config))
    monkeypatch.setenv("COACH_MODEL", "from-env")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-123")
    settings = load_settings()
    assert settings.llm_model == "from-env"
    assert settings.base_url == "http://127.0.0.1:11434/v1"
    assert settings.temperature == 0.1
    assert settings.llm_enabled
    assert "sk-secret-123" not in repr(settings)
    assert "sk-secret-123" not in settings.describe_mode()
    assert settings.api_key_value == "sk-secret-123"


def test_custom_server_needs_a_model_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
    settings = load_settings()
    assert settings.llm_enabled and settings.llm_model is None
    assert "COACH_MODEL" in settings.describe_mode()


def test_config_show_never_prints_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-visible-if-leaked")
    result = CliRunner().invoke(cli, ["config", "show"])
    assert result.exit_code == 0, result.output
    assert "sk-visible-if-leaked" not in result.output
    assert "api_key: set" in result.output


MIGRATIONS = [
    "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL);",
    "ALTER TABLE t ADD COLUMN w TEXT;\nCREATE INDEX t_v ON t(v);",
]


def test_migrations_apply_once_and_in_order(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    conn = connect(path, MIGRATIONS[:1])
    conn.execute("INSERT INTO t (v) VALUES ('a')")
    conn.close()
    conn = connect(path, MIGRATIONS)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    assert conn.execute("SELECT v, w FROM t").fetchall()[0]["v"] == "a"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    conn.close()


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    connect(path, MIGRATIONS).close()
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="newer version"):
        connect(path, MIGRATIONS[:1])
    assert path.read_bytes() == before


def test_non_sqlite_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    path.write_bytes(b"this is my shopping list, not a database\n" * 10)
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="not a coach database"):
        connect(path, MIGRATIONS)
    assert path.read_bytes() == before


def test_truncated_database_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    conn = connect(path, MIGRATIONS)
    conn.executemany("INSERT INTO t (v) VALUES (?)", [("x" * 500,)] * 200)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = path.read_bytes()
    path.write_bytes(data[:100] + b"\x00" * 50 + data[150:4096])  # header kept, pages mangled
    before = path.read_bytes()
    with pytest.raises((DatabaseError, sqlite3.DatabaseError)):
        conn = connect(path, MIGRATIONS)
        conn.execute("SELECT count(*) FROM t").fetchone()
    assert path.read_bytes() == before


def test_failed_migration_rolls_back(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    connect(path, MIGRATIONS[:1]).close()
    broken = [MIGRATIONS[0], "ALTER TABLE t ADD COLUMN w TEXT;\nCREATE TABLE t (oops);"]
    with pytest.raises(sqlite3.OperationalError):
        connect(path, broken)
    conn = connect(path, MIGRATIONS)  # the half-applied step was rolled back, so the real one applies
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    conn.close()


def test_cli_lists_its_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "Run `coach` with no arguments" in result.output


@pytest.mark.slow
def test_plain_install_ships_prompts_knowledge_and_evals(tmp_path: Path) -> None:
    """`pip install .` (not editable) must find the data at run time."""
    wheel_dir = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
         "-w", str(wheel_dir), str(REPO)],
        check=True, capture_output=True, cwd=tmp_path,
    )
    wheel = next(wheel_dir.glob("mentoring_coach-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "knowledge/sources.toml" in names
    assert any(n.startswith("knowledge/cards/") and n.endswith(".md") for n in names)
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(target),
         str(wheel)],
        check=True, capture_output=True, cwd=tmp_path,
    )
    probe = (
        "import coach.resources as r, coach.knowledge.cards as c;"
        f"assert str(r.knowledge_dir()).startswith({str(target)!r}), r.knowledge_dir();"
        "print(len(c.load_cards()), len(c.load_sources()))"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r}); {probe}"],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    )
    n_cards, n_sources = map(int, out.stdout.split())
    assert n_sources == 5
    assert n_cards == len(list((REPO / "knowledge" / "cards").glob("*.md")))
