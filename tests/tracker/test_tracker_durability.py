"""Durability with real processes: SIGKILL mid-write keeps every commit; concurrent writers lose nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from coach.tracker import Tracker

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

WRITER = r"""
import sys
from pathlib import Path
from coach.tracker import Tracker
from coach.tracker import proposals as P

path, tag, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
tracker = Tracker(path)
for n in range(count):
    proposal = P.propose_add_step(
        tracker, what=f"{tag} step {n}", due="2099-01-01", done_when=f"{n} messages sent"
    )
    message = tracker.apply(proposal, actor="coach")
    print(f"{tag} step {n}", flush=True)  # reported only after the commit returned
"""


def _writer(path: Path, tag: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), tag, str(count)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_sigkill_mid_loop_keeps_every_committed_step(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    Tracker(path).close()  # schema in place, so the kill lands in the write loop
    proc = _writer(path, "killed", 100_000)
    committed: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        committed.append(line.strip())
        if len(committed) >= 40:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    # Lines written after we stopped reading are commits too.
    committed += [line.strip() for line in proc.stdout.read().splitlines() if line.strip()]
    assert proc.returncode == -signal.SIGKILL

    assert _integrity(path) == "ok"
    with Tracker(path) as tracker:
        stored = [s.what for s in tracker.list_steps(status="all")]
        assert set(committed) <= set(stored)
        # At most the one transaction in flight was lost; no half-written step or orphan change record.
        assert len(stored) - len(committed) in (0, 1)
        changes = tracker._conn.execute("SELECT COUNT(*) FROM changes").fetchone()[0]
        changesets = tracker._conn.execute("SELECT COUNT(*) FROM changesets").fetchone()[0]
        assert changes == changesets == len(stored)
        # And the database is still writable afterwards.
        tracker.undo()
        assert len(tracker.list_steps(status="all")) == len(stored) - 1


def test_two_writer_processes_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    count = 40
    first, second = _writer(path, "alpha", count), _writer(path, "beta", count)
    outputs = [p.communicate(timeout=120) for p in (first, second)]
    for proc, (_, err) in zip((first, second), outputs, strict=True):
        assert proc.returncode == 0, err
    assert _integrity(path) == "ok"
    with Tracker(path) as tracker:
        stored = {s.what for s in tracker.list_steps(status="all")}
        expected = {f"{tag} step {n}" for tag in ("alpha", "beta") for n in range(count)}
        assert stored == expected
        assert len(tracker.history(limit=None)) == 2 * count
