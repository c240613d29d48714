"""The tracker's SQLite store. Every write is one transaction that also records what changed
(who, when, before and after), so any change can be inspected in `coach history` and undone.

Writes happen only through `apply(proposal)` and `undo()`; proposals are built (and validated)
by coach.tracker.proposals.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar

from coach.db import DatabaseError, connect
from coach.tracker.errors import NotFound, ProposalError, StaleProposal
from coach.tracker.models import (
    MODELS,
    Agreement,
    Draft,
    Goal,
    NextStep,
    Owner,
    Partner,
    Record,
    Session,
    StepStatus,
)
from coach.tracker.rows import from_row, load_all, to_row
from coach.tracker.schema import MIGRATIONS

if TYPE_CHECKING:
    from coach.config import Settings
    from coach.tracker.proposals import Proposal

Actor = Literal["user", "coach"]
P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M", bound=Record)


@dataclass(frozen=True)
class Change:
    entity: str
    entity_id: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def action(self) -> str:
        if self.before is None:
            return "create"
        return "delete" if self.after is None else "update"


@dataclass(frozen=True)
class ChangeSet:
    id: int
    at: dt.datetime
    actor: str
    kind: str
    summary: str
    undo_of: int | None
    undone_by: int | None
    changes: list[Change] = field(default_factory=list)


def _guarded(method: Callable[P, R]) -> Callable[P, R]:
    """Serialise use of the connection across threads; turn SQLite corruption into a clear error."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        tracker: Tracker = args[0]  # type: ignore[assignment]
        with tracker._lock:
            try:
                return method(*args, **kwargs)
            except sqlite3.DatabaseError as exc:
                if isinstance(exc, sqlite3.IntegrityError):
                    raise ProposalError(f"the change conflicts with what is stored ({exc})") from exc
                raise DatabaseError(
                    f"the tracker database {tracker.path} could not be read or written ({exc}). "
                    "Nothing was changed; move the file aside or restore a backup."
                ) from exc

    return wrapper


class Tracker:
    """The user's mentoring record: goals, partners, agreements, sessions, next steps, drafts."""

    def __init__(self, path: Path | str, *, today: Callable[[], dt.date] | None = None) -> None:
        self.path = Path(path)
        self._today = today or dt.date.today
        self._lock = threading.RLock()
        # Models already built, by id, with the exact row they came from: an unchanged row is not
        # validated again (models are frozen, so sharing them is safe).
        self._models: dict[type[Record], dict[int, tuple[tuple[Any, ...], Record]]] = {}
        self._conn = connect(self.path, MIGRATIONS, name="tracker database", synchronous="FULL")
        try:
            problem = self._conn.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            problem = str(exc)
        if problem != "ok":
            self._conn.close()
            raise DatabaseError(
                f"the tracker database {self.path} is damaged ({problem}). It was left untouched; "
                "move it aside or restore a backup."
            )

    @classmethod
    def open(cls, settings: Settings | None = None) -> Tracker:
        if settings is None:
            from coach.config import Settings

            settings = Settings()
        return cls(settings.tracker_db)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def today(self) -> dt.date:
        return self._today()

    # ---- reads -------------------------------------------------------------------------
    @_guarded
    def get(self, cls: type[M], record_id: int) -> M:
        row = self._conn.execute(f"SELECT * FROM {cls.table} WHERE id = ?", (record_id,)).fetchone()
        if row is None:
            noun = cls.table.rstrip("s")
            raise NotFound(f"{noun} {record_id} does not exist: list the {cls.table} to find the right id")
        return from_row(cls, row)

    @_guarded
    def get_row(self, table: str, record_id: int) -> dict[str, Any] | None:
        if table not in MODELS:
            raise ValueError(f"unknown table {table!r}")
        row = self._conn.execute(f"SELECT * FROM {table} WHERE id = ?", (record_id,)).fetchone()
        return dict(row) if row else None

    @_guarded
    def list_steps(
        self,
        status: str | None = "open",
        overdue: bool = False,
        owner: str | Owner | None = None,
        partner_id: int | None = None,
        goal_id: int | None = None,
        session_id: int | None = None,
        today: dt.date | None = None,
    ) -> list[NextStep]:
        """Steps ordered by due date. status None or "all" = every status; overdue implies open."""
        where, params = [], []
        if overdue:
            status = "open"
            where.append("due < ?")
            params.append((today or self.today()).isoformat())
        if status not in (None, "all"):
            where.append("status = ?")
            params.append(StepStatus(status).value)
        if owner is not None:
            where.append("owner = ?")
            params.append(Owner(owner).value)
        if partner_id is not None:
            where.append("(partner_id = ? OR session_id IN (SELECT id FROM sessions WHERE partner_id = ?))")
            params += [partner_id, partner_id]
        if goal_id is not None:
            where.append("goal_id = ?")
            params.append(goal_id)
        if session_id is not None:
            where.append("session_id = ?")
            params.append(session_id)
        sql = "SELECT * FROM steps" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY due, id"
        return self._load(NextStep, sql, params)

    def _load(self, cls: type[M], sql: str, params: Sequence[Any] = ()) -> list[M]:
        cursor = self._conn.cursor()
        cursor.row_factory = None  # plain tuples: the hot path when listing thousands of steps
        try:
            return load_all(cls, cursor.execute(sql, params), self._models.setdefault(cls, {}))
        finally:
            cursor.close()

    @_guarded
    def _list(self, cls: type[M], order: str, where: str = "", params: tuple[Any, ...] = ()) -> list[M]:
        return self._load(cls, f"SELECT * FROM {cls.table} {where} ORDER BY {order}", params)

    def list_goals(self, status: str | None = None) -> list[Goal]:
        if status:
            return self._list(Goal, "id", "WHERE status = ?", (status,))
        return self._list(Goal, "id")

    def list_partners(self) -> list[Partner]:
        return self._list(Partner, "id")

    def list_agreements(self, partner_id: int | None = None) -> list[Agreement]:
        if partner_id is not None:
            return self._list(Agreement, "id", "WHERE partner_id = ?", (partner_id,))
        return self._list(Agreement, "id")

    def list_sessions(self, partner_id: int | None = None) -> list[Session]:
        if partner_id is not None:
            return self._list(Session, "date, id", "WHERE partner_id = ?", (partner_id,))
        return self._list(Session, "date, id")

    def list_drafts(self) -> list[Draft]:
        """The latest version of each draft."""
        return self._list(
            Draft, "name", "WHERE version = (SELECT MAX(version) FROM drafts d2 WHERE d2.name = drafts.name)"
        )

    def draft_versions(self, name: str) -> list[Draft]:
        return self._list(Draft, "version", "WHERE name = ?", (name,))

    def get_draft(self, name: str, version: int | None = None) -> Draft:
        versions = self.draft_versions(name)
        if not versions:
            raise NotFound(f"no draft named '{name}': see `coach drafts list`")
        if version is None:
            return versions[-1]
        for draft in versions:
            if draft.version == version:
                return draft
        raise NotFound(f"draft '{name}' has versions 1 to {versions[-1].version}, not {version}")

    def find_partner(self, ref: str | int) -> Partner:
        """A partner by id, or by name (case-insensitive, unique prefix)."""
        text = str(ref).strip()
        if text.isdigit():
            return self.get(Partner, int(text))
        partners = self.list_partners()
        exact = [p for p in partners if p.name.lower() == text.lower()]
        matches = exact or [p for p in partners if p.name.lower().startswith(text.lower())]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise NotFound(f"no partner called '{text}': add them with `coach partners add`")
        names = ", ".join(f"{p.id} {p.name}" for p in matches)
        raise NotFound(f"'{text}' matches several partners ({names}): use the id")

    @_guarded
    def history(self, limit: int | None = 50) -> list[ChangeSet]:
        sql = "SELECT * FROM changesets ORDER BY id DESC" + (" LIMIT ?" if limit else "")
        sets = self._conn.execute(sql, (limit,) if limit else ()).fetchall()
        result = []
        for cs in sets:
            changes = [
                Change(
                    r["entity"],
                    r["entity_id"],
                    json.loads(r["before"]) if r["before"] else None,
                    json.loads(r["after"]) if r["after"] else None,
                )
                for r in self._conn.execute(
                    "SELECT * FROM changes WHERE changeset_id = ? ORDER BY id", (cs["id"],)
                )
            ]
            result.append(
                ChangeSet(
                    cs["id"],
                    dt.datetime.fromisoformat(cs["at"]),
                    cs["actor"],
                    cs["kind"],
                    cs["summary"],
                    cs["undo_of"],
                    cs["undone_by"],
                    changes,
                )
            )
        return result

    @_guarded
    def counts(self) -> dict[str, int]:
        return {t: self._conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in MODELS}

    # ---- writes ------------------------------------------------------------------------
    @_guarded
    def apply(self, proposal: Proposal, actor: Actor = "user") -> str:
        """Write an accepted proposal in one transaction, with its change record. Returns a confirmation."""
        if actor not in ("user", "coach"):
            raise ValueError(f"actor must be 'user' or 'coach', not {actor!r}")
        if proposal.applied:
            raise ProposalError(f"{proposal.id} was already applied; nothing was written twice")
        model = proposal.payload
        with self._transaction(actor, proposal.kind, proposal.summary) as changeset_id:
            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            stamps: dict[str, Any] = {"updated_at": now}
            if model.id is None:
                stamps["created_at"] = now
                if isinstance(model, Draft):
                    # Recount inside the write lock: two saves at once still get distinct versions.
                    stamps["version"] = self._next_draft_version(model.name)
            model = model.model_copy(update=stamps)  # models are frozen
            if model.id is None:
                record_id = self._insert(changeset_id, model)
            else:
                self._update(changeset_id, model, proposal.before)
                record_id = model.id
        proposal.applied = True
        if isinstance(model, Draft):
            return f"saved draft '{model.name}' version {model.version}"
        return f"{proposal.summary} [{model.table.rstrip('s')} {record_id}]"

    @_guarded
    def undo(self, actor: Actor = "user") -> str:
        """Revert the newest change not yet undone (one accepted proposal). The undo is recorded too."""
        with self._transaction(actor, "undo", "") as changeset_id:
            target = self._conn.execute(
                "SELECT * FROM changesets WHERE kind != 'undo' AND undone_by IS NULL AND id < ? "
                "ORDER BY id DESC LIMIT 1",
                (changeset_id,),
            ).fetchone()
            if target is None:
                raise ProposalError("nothing to undo: the tracker has no changes left to revert")
            changes = self._conn.execute(
                "SELECT * FROM changes WHERE changeset_id = ? ORDER BY id DESC", (target["id"],)
            ).fetchall()
            for change in changes:
                before = json.loads(change["before"]) if change["before"] else None
                after = json.loads(change["after"]) if change["after"] else None
                self._revert(changeset_id, change["entity"], change["entity_id"], before, after)
            summary = f"undo #{target['id']}: {target['summary']}"
            self._conn.execute("UPDATE changesets SET summary = ? WHERE id = ?", (summary, changeset_id))
            self._conn.execute(
                "UPDATE changesets SET undone_by = ? WHERE id = ?", (changeset_id, target["id"])
            )
            self._conn.execute("UPDATE changesets SET undo_of = ? WHERE id = ?", (target["id"], changeset_id))
        return f"Undid #{target['id']} ({target['actor']}, {target['at']}): {target['summary']}"

    @contextmanager
    def _transaction(self, actor: str, kind: str, summary: str) -> Iterator[int]:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            cur = conn.execute(
                "INSERT INTO changesets (at, actor, kind, summary) VALUES (?, ?, ?, ?)",
                (at, actor, kind, summary),
            )
            yield int(cur.lastrowid or 0)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                # SQLite may have rolled back already (e.g. disk full); keep the original error.
                with suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise

    def _record(self, changeset_id: int, table: str, entity_id: int, before: Any, after: Any) -> None:
        self._conn.execute(
            "INSERT INTO changes (changeset_id, entity, entity_id, before, after) VALUES (?, ?, ?, ?, ?)",
            (
                changeset_id,
                table,
                entity_id,
                None if before is None else json.dumps(before, ensure_ascii=False),
                None if after is None else json.dumps(after, ensure_ascii=False),
            ),
        )

    def _insert(self, changeset_id: int, model: Record) -> int:
        row = to_row(model)
        row.pop("id")
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cur = self._conn.execute(f"INSERT INTO {model.table} ({cols}) VALUES ({marks})", tuple(row.values()))
        record_id = int(cur.lastrowid or 0)
        row = {"id": record_id, **row}
        self._record(changeset_id, model.table, record_id, None, row)
        return record_id

    def _update(self, changeset_id: int, model: Record, expected: dict[str, Any] | None) -> None:
        table = model.table
        current = self._conn.execute(f"SELECT * FROM {table} WHERE id = ?", (model.id,)).fetchone()
        noun = table.rstrip("s")
        if current is None:
            raise NotFound(f"{noun} {model.id} no longer exists (was its creation undone?)")
        current = dict(current)
        if expected is not None and current != expected:
            raise StaleProposal(
                f"{noun} {model.id} changed after this change was proposed; look at it again and "
                "propose the change afresh"
            )
        row = to_row(model)
        sets = ", ".join(f"{c} = ?" for c in row if c != "id")
        values = [v for c, v in row.items() if c != "id"]
        self._conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values, model.id))
        self._record(changeset_id, table, int(model.id or 0), current, row)

    def _revert(
        self, changeset_id: int, table: str, entity_id: int, before: dict | None, after: dict | None
    ) -> None:
        if table not in MODELS:
            raise DatabaseError(f"the change history names an unknown table {table!r}; nothing was undone")
        row = self._conn.execute(f"SELECT * FROM {table} WHERE id = ?", (entity_id,)).fetchone()
        current = dict(row) if row else None
        if current != after:
            raise ProposalError(
                f"cannot undo: {table.rstrip('s')} {entity_id} was changed outside the tracker's history"
            )
        if before is None:
            self._conn.execute(f"DELETE FROM {table} WHERE id = ?", (entity_id,))
        elif after is None:
            cols = ", ".join(before)
            marks = ", ".join("?" for _ in before)
            self._conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(before.values()))
        else:
            sets = ", ".join(f"{c} = ?" for c in before if c != "id")
            values = [v for c, v in before.items() if c != "id"]
            self._conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values, entity_id))
        self._record(changeset_id, table, entity_id, after, before)

    def _next_draft_version(self, name: str) -> int:
        row = self._conn.execute("SELECT MAX(version) FROM drafts WHERE name = ?", (name,)).fetchone()
        return int(row[0] or 0) + 1

    @_guarded
    def next_draft_version(self, name: str) -> int:
        return self._next_draft_version(name)

    @_guarded
    def count_steps(self, session_id: int, owner: Owner | None = None) -> int:
        sql = "SELECT COUNT(*) FROM steps WHERE session_id = ? AND status != 'dropped'"
        params: list[Any] = [session_id]
        if owner is not None:
            sql += " AND owner = ?"
            params.append(owner.value)
        return int(self._conn.execute(sql, params).fetchone()[0])


__all__ = ["Change", "ChangeSet", "Tracker", "Session"]
