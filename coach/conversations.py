"""The conversation log: every message, event, citation, proposal and decision, in SQLite.

`coach chat --resume`, the TUI's history and `coach conversations` read it. Secrets never reach it:
everything stored passes through `redact` with the configured API key.
"""

from __future__ import annotations

import json
import secrets as _secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coach.config import Settings
from coach.db import connect
from coach.engine.sanitize import redact, strip_control
from coach.events import Event, event_to_dict

MIGRATIONS: list[str] = [
    """
    CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        mode TEXT NOT NULL,
        skill TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'summary', 'note')),
        content TEXT NOT NULL,
        skill TEXT,
        status TEXT NOT NULL DEFAULT 'complete',
        created_at TEXT NOT NULL
    );
    CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX events_by_conversation ON events(conversation_id, id);
    CREATE TABLE proposals (
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        proposal_id TEXT NOT NULL,
        kind TEXT,
        summary TEXT NOT NULL,
        diff TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
        decision_note TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        decided_at TEXT,
        PRIMARY KEY (conversation_id, proposal_id)
    );
    """,
    # Proposal ids (P1, P2...) restart in every process, so a resumed conversation can see the same id
    # twice: key rows by rowid, and let undecided proposals of an earlier session expire.
    """
    CREATE TABLE proposals_v2 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        proposal_id TEXT NOT NULL,
        kind TEXT,
        summary TEXT NOT NULL,
        diff TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'accepted', 'rejected', 'expired')),
        decision_note TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        decided_at TEXT
    );
    INSERT INTO proposals_v2 (conversation_id, proposal_id, kind, summary, diff, status, decision_note,
                              created_at, decided_at)
        SELECT conversation_id, proposal_id, kind, summary, diff, status, decision_note,
               created_at, decided_at
        FROM proposals ORDER BY rowid;
    DROP TABLE proposals;
    ALTER TABLE proposals_v2 RENAME TO proposals;
    CREATE INDEX proposals_by_conversation ON proposals(conversation_id, proposal_id);
    """,
]


class ConversationNotFound(LookupError):
    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "no such conversation"


@dataclass(frozen=True)
class ConversationInfo:
    id: str
    title: str
    mode: str
    skill: str | None
    created_at: str
    updated_at: str
    messages: int = 0

    @property
    def label(self) -> str:
        return self.title or "(untitled)"


@dataclass(frozen=True)
class MessageRecord:
    id: int
    role: str
    content: str
    skill: str | None
    status: str
    created_at: str


@dataclass(frozen=True)
class ProposalRecord:
    proposal_id: str
    kind: str | None
    summary: str
    diff: str
    status: str
    decision_note: str
    created_at: str
    decided_at: str | None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


TITLE_LENGTH = 60


class ConversationLog:
    """One SQLite file, one connection (WAL + busy timeout keep a TUI and a CLI writing at once safe).

    A connection per call cost 15-30 ms on a busy disk, several times per turn; this one is opened once.
    """

    def __init__(self, path: Path, *, secrets: tuple[str, ...] = ()) -> None:
        self.path = path
        self._secrets = tuple(s for s in secrets if s)
        self._lock = threading.RLock()
        # Created and migrated now, so a bad file is reported at once.
        self._conn: sqlite3.Connection | None = connect(self.path, MIGRATIONS, name="conversation log")

    @classmethod
    def open(cls, settings: Settings | None = None) -> ConversationLog:
        settings = settings or Settings()
        key = settings.api_key.get_secret_value() if settings.api_key else ""
        return cls(settings.conversations_db, secrets=(key,))

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn is None:
                self._conn = connect(self.path, MIGRATIONS, name="conversation log")
            yield self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _clean(self, text: str) -> str:
        return redact(text, self._secrets)

    # ---- conversations ---------------------------------------------------------------------
    def create(self, *, mode: str, skill: str | None = None, title: str = "") -> str:
        with self._db() as db:
            for _ in range(5):
                conversation_id = _secrets.token_hex(4)
                try:
                    db.execute(
                        "INSERT INTO conversations (id, title, mode, skill, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        (conversation_id, self._clean(title), mode, skill, _now(), _now()),
                    )
                    return conversation_id
                except sqlite3.IntegrityError:
                    continue
        raise RuntimeError("could not allocate a conversation id")

    def resolve(self, conversation_id: str) -> str:
        """Full id from an id or a unique prefix (like git); clear error otherwise."""
        key = conversation_id.strip().lower()
        if not key:
            raise ConversationNotFound("no conversation id given")
        with self._db() as db:
            rows = db.execute(
                "SELECT id FROM conversations WHERE id = ? OR id LIKE ? ORDER BY id",
                (key, key.replace("%", "").replace("_", "") + "%"),
            ).fetchall()
        ids = [row["id"] for row in rows]
        if key in ids:
            return key
        if len(ids) == 1:
            return ids[0]
        if not ids:
            raise ConversationNotFound(
                f"no conversation {conversation_id!r}; `coach conversations list` shows the ids"
            )
        raise ConversationNotFound(f"{conversation_id!r} is ambiguous: {', '.join(ids[:5])}")

    def get(self, conversation_id: str) -> ConversationInfo:
        full = self.resolve(conversation_id)
        with self._db() as db:
            row = db.execute(
                "SELECT c.*, (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id"
                " AND m.role IN ('user','assistant')) AS n FROM conversations c WHERE id = ?",
                (full,),
            ).fetchone()
        return _info(row)

    def list(self, limit: int | None = None) -> list[ConversationInfo]:
        sql = (
            "SELECT c.*, (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id"
            " AND m.role IN ('user','assistant')) AS n FROM conversations c"
            " ORDER BY updated_at DESC, rowid DESC"
        )
        params: tuple[Any, ...] = ()
        if limit:
            sql += " LIMIT ?"
            params = (limit,)
        with self._db() as db:
            return [_info(row) for row in db.execute(sql, params)]

    def rename(self, conversation_id: str, title: str) -> ConversationInfo:
        title = strip_control(title).strip()
        if not title:
            raise ValueError("the new name is empty")
        full = self.resolve(conversation_id)
        with self._db() as db:
            db.execute(
                "UPDATE conversations SET title = ?, updated_at = ? WHERE id = ?",
                (self._clean(title)[:200], _now(), full),
            )
        return self.get(full)

    def delete(self, conversation_id: str) -> str:
        full = self.resolve(conversation_id)
        with self._db() as db:
            db.execute("DELETE FROM conversations WHERE id = ?", (full,))
        return full

    def set_meta(self, conversation_id: str, *, mode: str | None = None, skill: str | None = None) -> None:
        with self._db() as db:
            if mode is not None:
                db.execute("UPDATE conversations SET mode = ? WHERE id = ?", (mode, conversation_id))
            db.execute(
                "UPDATE conversations SET skill = ?, updated_at = ? WHERE id = ?",
                (skill, _now(), conversation_id),
            )

    def save_state(self, conversation_id: str, state: dict[str, Any]) -> None:
        text = self._clean(json.dumps(state, default=str, ensure_ascii=False))
        with self._db() as db:
            db.execute("UPDATE conversations SET state = ? WHERE id = ?", (text, conversation_id))

    def load_state(self, conversation_id: str) -> dict[str, Any]:
        with self._db() as db:
            row = db.execute("SELECT state FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
        if row is None:
            raise ConversationNotFound(f"no conversation {conversation_id!r}")
        try:
            state = json.loads(row["state"] or "{}")
        except json.JSONDecodeError:
            return {}  # a damaged snapshot only loses engine state; the messages are still there
        return state if isinstance(state, dict) else {}

    # ---- messages and events ---------------------------------------------------------------
    def add_message(
        self,
        conversation_id: str,
        role: str,
        content: str,
        *,
        skill: str | None = None,
        status: str = "complete",
    ) -> int:
        with self._db() as db:
            cursor = db.execute(
                "INSERT INTO messages (conversation_id, role, content, skill, status, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (conversation_id, role, self._clean(content), skill, status, _now()),
            )
            if role == "user":
                db.execute(
                    "UPDATE conversations SET updated_at = ?,"
                    " title = CASE WHEN title = '' THEN ? ELSE title END WHERE id = ?",
                    (_now(), _title_from(self._clean(content)), conversation_id),
                )
            else:
                db.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (_now(), conversation_id))
            return int(cursor.lastrowid or 0)

    def update_message(self, message_id: int, content: str, *, status: str = "complete") -> None:
        with self._db() as db:
            db.execute(
                "UPDATE messages SET content = ?, status = ? WHERE id = ?",
                (self._clean(content), status, message_id),
            )

    def messages(self, conversation_id: str) -> list[MessageRecord]:
        full = self.resolve(conversation_id)
        with self._db() as db:
            rows = db.execute(
                "SELECT id, role, content, skill, status, created_at FROM messages"
                " WHERE conversation_id = ? ORDER BY id",
                (full,),
            ).fetchall()
        return [MessageRecord(**dict(row)) for row in rows]

    def add_events(self, conversation_id: str, events: list[Event], *, message_id: int | None = None) -> None:
        if not events:
            return
        rows = []
        for event in events:
            data = self._clean(json.dumps(event_to_dict(event), default=str, ensure_ascii=False))
            rows.append((conversation_id, message_id, type(event).__name__, data, _now()))
        with self._db() as db:
            db.executemany(
                "INSERT INTO events (conversation_id, message_id, type, data, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                rows,
            )

    def events(self, conversation_id: str, *, types: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        full = self.resolve(conversation_id)
        sql = "SELECT message_id, type, data, created_at FROM events WHERE conversation_id = ?"
        params: list[Any] = [full]
        if types:
            sql += f" AND type IN ({','.join('?' * len(types))})"
            params.extend(types)
        with self._db() as db:
            rows = db.execute(sql + " ORDER BY id", params).fetchall()
        out = []
        for row in rows:
            data = json.loads(row["data"])
            data["message_id"] = row["message_id"]
            data["created_at"] = row["created_at"]
            out.append(data)
        return out

    # ---- proposals -------------------------------------------------------------------------
    def add_proposal(
        self, conversation_id: str, *, proposal_id: str, summary: str, diff: str, kind: str | None
    ) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO proposals"
                " (conversation_id, proposal_id, kind, summary, diff, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (conversation_id, proposal_id, kind, self._clean(summary), self._clean(diff), _now()),
            )

    def decide_proposal(self, conversation_id: str, proposal_id: str, status: str, note: str) -> None:
        with self._db() as db:
            db.execute(
                "UPDATE proposals SET status = ?, decision_note = ?, decided_at = ? WHERE id = ("
                " SELECT MAX(id) FROM proposals WHERE conversation_id = ? AND proposal_id = ?"
                " AND status = 'pending')",
                (status, self._clean(note), _now(), conversation_id, proposal_id),
            )

    def expire_pending(self, conversation_id: str) -> list[str]:
        """Mark proposals left undecided by an earlier session as expired; return their ids.

        Their objects lived in that session's memory, so they can no longer be applied.
        """
        with self._db() as db:
            rows = db.execute(
                "SELECT proposal_id FROM proposals WHERE conversation_id = ? AND status = 'pending'"
                " ORDER BY id",
                (conversation_id,),
            ).fetchall()
            db.execute(
                "UPDATE proposals SET status = 'expired', decided_at = ? WHERE conversation_id = ?"
                " AND status = 'pending'",
                (_now(), conversation_id),
            )
        return [row["proposal_id"] for row in rows]

    def proposals(self, conversation_id: str) -> list[ProposalRecord]:
        full = self.resolve(conversation_id)
        with self._db() as db:
            rows = db.execute(
                "SELECT proposal_id, kind, summary, diff, status, decision_note, created_at, decided_at"
                " FROM proposals WHERE conversation_id = ? ORDER BY id",
                (full,),
            ).fetchall()
        return [ProposalRecord(**dict(row)) for row in rows]

    # ---- export ----------------------------------------------------------------------------
    def export_markdown(self, conversation_id: str) -> str:
        info = self.get(conversation_id)
        citations_by_message: dict[int | None, list[dict[str, Any]]] = {}
        critiques_by_message: dict[int | None, list[dict[str, Any]]] = {}
        for event in self.events(info.id, types=("CitationEvent", "CritiqueEvent")):
            target = citations_by_message if event["type"] == "CitationEvent" else critiques_by_message
            target.setdefault(event["message_id"], []).append(event)
        lines = [
            f"# {info.label}",
            "",
            f"- Conversation: `{info.id}`",
            f"- Mode: {info.mode}" + (f", skill: {info.skill}" if info.skill else ""),
            f"- Started: {info.created_at}; last activity: {info.updated_at}",
            "",
        ]
        headings = {
            "user": "You",
            "assistant": "Coach",
            "summary": "Summary of earlier turns",
            "note": "Note",
        }
        for message in self.messages(info.id):
            heading = headings.get(message.role, message.role)
            if message.status != "complete":
                heading += f" ({message.status})"
            lines += [f"## {heading}", "", strip_control(message.content).strip() or "_(empty)_", ""]
            for critique in critiques_by_message.get(message.id, []):
                if critique.get("summary"):
                    lines += [
                        f"> Critique ({critique.get('subject')}): {strip_control(critique['summary'])}",
                        "",
                    ]
            seen: set[str] = set()
            cites = []
            for citation in citations_by_message.get(message.id, []):
                key = citation.get("card_id", "")
                if key in seen:
                    continue
                seen.add(key)
                title = strip_control(citation.get("title", ""))
                cites.append(f"- {title} — {strip_control(citation.get('source', ''))}")
            if cites:
                lines += ["Sources:", "", *cites, ""]
        proposals = self.proposals(info.id)
        if proposals:
            lines += ["## Proposed tracker changes", ""]
            for proposal in proposals:
                decided = f" ({proposal.decided_at})" if proposal.decided_at else ""
                summary = strip_control(proposal.summary)
                lines.append(f"- **{proposal.proposal_id}** {summary}: {proposal.status}{decided}")
                if proposal.diff:
                    lines += [
                        "",
                        "  ```diff",
                        *[f"  {line}" for line in strip_control(proposal.diff).splitlines()],
                        "  ```",
                    ]
            lines.append("")
        return self._clean("\n".join(lines).rstrip() + "\n")


def _info(row: sqlite3.Row) -> ConversationInfo:
    return ConversationInfo(
        id=row["id"],
        title=row["title"],
        mode=row["mode"],
        skill=row["skill"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        messages=row["n"],
    )


def _title_from(text: str) -> str:
    line = " ".join(strip_control(text).split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"
