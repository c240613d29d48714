"""The user's added documents (SQLite in the data dir): what `coach knowledge reindex` re-scans."""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from coach.db import connect

MIGRATIONS = [
    """
    CREATE TABLE documents (
        source_id TEXT PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        chunks INTEGER NOT NULL DEFAULT 0,
        added_at TEXT NOT NULL,
        indexed_at TEXT NOT NULL
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
]


@dataclass(frozen=True)
class RegisteredDocument:
    source_id: str
    path: Path
    title: str
    chunks: int
    added_at: str
    indexed_at: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Registry:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = connect(path, MIGRATIONS, name="knowledge registry")

    def close(self) -> None:
        self._conn.close()

    def origin(self) -> str:
        """A random id for this data directory: on a shared Chroma server, our documents are the ones
        carrying it, so a reindex here never removes a teammate's documents."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'origin'").fetchone()
        if row:
            return str(row[0])
        value = uuid.uuid4().hex[:16]
        self._conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('origin', ?)", (value,))
        return str(self._conn.execute("SELECT value FROM meta WHERE key = 'origin'").fetchone()[0])

    def documents(self) -> list[RegisteredDocument]:
        rows = self._conn.execute("SELECT * FROM documents ORDER BY path").fetchall()
        return [_row(r) for r in rows]

    def find(self, path: Path) -> RegisteredDocument | None:
        row = self._conn.execute("SELECT * FROM documents WHERE path = ?", (str(path),)).fetchone()
        return _row(row) if row else None

    def replace(self, documents: list[tuple[str, Path, str, int]], removed: list[str]) -> None:
        """Record (source_id, path, title, chunks) rows and drop `removed` source ids, in one transaction."""
        now = _now()
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            for source_id in removed:
                self._conn.execute("DELETE FROM documents WHERE source_id = ?", (source_id,))
            for source_id, path, title, chunks in documents:
                self._conn.execute(
                    """INSERT INTO documents(source_id, path, title, chunks, added_at, indexed_at)
                       VALUES (?, ?, ?, ?, ?, ?)
                       ON CONFLICT(source_id) DO UPDATE SET title = excluded.title, chunks = excluded.chunks,
                       indexed_at = excluded.indexed_at""",
                    (source_id, str(path), title, chunks, now, now),
                )
            self._conn.execute("COMMIT")
        except sqlite3.Error:
            self._conn.execute("ROLLBACK")
            raise


def _row(row: sqlite3.Row) -> RegisteredDocument:
    return RegisteredDocument(
        source_id=row["source_id"],
        path=Path(row["path"]),
        title=row["title"],
        chunks=row["chunks"],
        added_at=row["added_at"],
        indexed_at=row["indexed_at"],
    )
