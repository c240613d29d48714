"""Tracker schema migrations. migrations[i] brings a database from version i to i+1; never edit a
released migration, append a new one."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    """
    CREATE TABLE goals (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        why TEXT NOT NULL DEFAULT '',
        gaps TEXT NOT NULL DEFAULT '[]',
        mentor_kinds TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL DEFAULT 'active',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE partners (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL DEFAULT 'mentor',
        why_them TEXT NOT NULL DEFAULT '',
        stage TEXT NOT NULL DEFAULT 'idea',
        mentor_kind TEXT,
        contact TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '',
        goal_id INTEGER REFERENCES goals(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE agreements (
        id INTEGER PRIMARY KEY,
        partner_id INTEGER NOT NULL REFERENCES partners(id),
        cadence TEXT NOT NULL,
        between_meetings TEXT NOT NULL DEFAULT '',
        confidentiality TEXT NOT NULL DEFAULT '',
        expectations TEXT NOT NULL DEFAULT '',
        next_meetings TEXT NOT NULL DEFAULT '[]',
        goal_id INTEGER REFERENCES goals(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        date TEXT NOT NULL,
        partner_id INTEGER REFERENCES partners(id),
        goal_id INTEGER REFERENCES goals(id),
        agenda TEXT NOT NULL DEFAULT '[]',
        questions TEXT NOT NULL DEFAULT '[]',
        notes TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'planned',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE steps (
        id INTEGER PRIMARY KEY,
        owner TEXT NOT NULL,
        what TEXT NOT NULL,
        due TEXT NOT NULL,
        done_when TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        goal_id INTEGER REFERENCES goals(id),
        session_id INTEGER REFERENCES sessions(id),
        partner_id INTEGER REFERENCES partners(id),
        note TEXT NOT NULL DEFAULT '',
        completed_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX steps_status_due ON steps(status, due);
    CREATE INDEX steps_session ON steps(session_id);
    CREATE INDEX steps_partner ON steps(partner_id);
    CREATE TABLE drafts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        body TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        partner_id INTEGER REFERENCES partners(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (name, version)
    );
    -- Every write is a changeset (one accepted proposal, or one undo) of row-level changes.
    CREATE TABLE changesets (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL CHECK (actor IN ('user', 'coach')),
        kind TEXT NOT NULL,
        summary TEXT NOT NULL,
        undo_of INTEGER REFERENCES changesets(id),
        undone_by INTEGER REFERENCES changesets(id)
    );
    CREATE TABLE changes (
        id INTEGER PRIMARY KEY,
        changeset_id INTEGER NOT NULL REFERENCES changesets(id),
        entity TEXT NOT NULL,
        entity_id INTEGER NOT NULL,
        before TEXT,
        after TEXT
    );
    CREATE INDEX changes_changeset ON changes(changeset_id);
    """,
]
