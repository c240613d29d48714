"""SQLite helpers shared by the tracker and the conversation log.

One connection per use, WAL, foreign keys on, migrations keyed on PRAGMA user_version.
A file that is not a SQLite database, or a database written by a newer coach, is refused
with a clear message and left untouched.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

SQLITE_MAGIC = b"SQLite format 3\x00"


class DatabaseError(Exception):
    """A database problem the user can act on; the message says what and how."""


def _check_file(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise DatabaseError(f"{path} could not be read ({exc.strerror}); check its permissions.") from exc
    if head != SQLITE_MAGIC:
        raise DatabaseError(
            f"{path} is not a coach database (not SQLite). It was left untouched; "
            "move it aside or set COACH_HOME to another directory."
        )


def connect(
    path: Path,
    migrations: Sequence[str],
    *,
    name: str = "database",
    synchronous: Literal["NORMAL", "FULL"] = "NORMAL",
) -> sqlite3.Connection:
    """Open (creating if needed) and migrate a database. `migrations[i]` brings version i to i+1.

    synchronous="FULL" also makes each commit survive a power cut (NORMAL: survives a process crash).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    _check_file(path)
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout=30000")
        # Read the version before anything writes: switching to WAL rewrites the file header, and a
        # database we refuse must be left exactly as it was.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        raise DatabaseError(
            f"{path} could not be opened as the {name} ({exc}). It was left untouched; "
            "move it aside or restore a backup."
        ) from exc
    latest = len(migrations)
    if version > latest:
        conn.close()
        raise DatabaseError(
            f"{path} was written by a newer version of coach (schema {version}, this version knows "
            f"up to {latest}). Upgrade coach to open it; the file was left untouched."
        )
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA synchronous={synchronous}")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseError(
            f"{path} could not be opened as the {name} ({exc}). Move it aside or restore a backup."
        ) from exc
    for target in range(version, latest):
        # BEGIN IMMEDIATE serialises concurrent first runs; re-check the version inside the lock.
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            if current == target:
                for statement in _split_sql(migrations[target]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version={target + 1}")
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
    return conn


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit our transaction)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
