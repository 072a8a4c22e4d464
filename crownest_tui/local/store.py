"""SQLite (WAL) persistence: runs, events, projects, artifacts, transfers, idempotency.

Resources are stored as their wire JSON (``doc``, from the typed records of
:mod:`.records`) with the few columns queries need.
Events are stored as their final JSON text, so replay streams them without building
anything. One connection, used from the event loop thread only: every statement is
short, and event batches arrive already grouped by :mod:`.hub`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .records import ArtifactRecord, ProjectRecord, RunRecord, RunSpec, TransferRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (
    rank INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    rank INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,
    project_id TEXT NOT NULL, status TEXT NOT NULL, doc TEXT NOT NULL,
    spec TEXT NOT NULL DEFAULT '{}', pgid INTEGER);
CREATE INDEX IF NOT EXISTS runs_by_project ON runs (project_id, rank);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status, rank);
CREATE TABLE IF NOT EXISTS run_metadata (
    key TEXT NOT NULL, value TEXT NOT NULL, rank INTEGER NOT NULL,
    PRIMARY KEY (key, value, rank)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    run_id TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS evidence (run_id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS artifacts (
    id TEXT PRIMARY KEY, run_id TEXT NOT NULL, doc TEXT NOT NULL, file TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS transfers (
    id TEXT PRIMARY KEY, run_id TEXT NOT NULL, doc TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency (
    principal TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL, body BLOB NOT NULL, media_type TEXT NOT NULL,
    PRIMARY KEY (principal, key));
"""


@dataclass(frozen=True, slots=True)
class RunRow:
    run: RunRecord
    spec: RunSpec
    rank: int


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    fingerprint: str
    status: int
    body: bytes
    media_type: str


@dataclass(frozen=True, slots=True)
class RunFilter:
    project_id: str | None = None
    status: str | None = None
    metadata: Sequence[tuple[str, str]] = ()


#: Pages of a new database: an output event (up to 8,192 characters) then fits in one
#: page of the events b-tree instead of a chain of 4 KB overflow pages, which halves
#: the cost of writing a noisy run. (A database keeps the page size it was made with.)
PAGE_BYTES = 65536
#: The WAL is checkpointed every 1,000 pages (SQLite's default, 64 MB here); this is
#: the size it is cut back to afterwards.
WAL_KEPT_BYTES = 16 * 1024 * 1024


def connect(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode (readers never wait for the writer)."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute(f"PRAGMA page_size={PAGE_BYTES}")  # before WAL mode makes the file
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA journal_size_limit={WAL_KEPT_BYTES}")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=10000")
    return db


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = connect(path)
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def _one(self, sql: str, *args: Any) -> Any:
        row = self.db.execute(sql, args).fetchone()
        return None if row is None else row[0]

    # -- projects ------------------------------------------------------------------

    def insert_project(self, project: ProjectRecord) -> None:
        self.db.execute(
            "INSERT INTO projects (id, doc) VALUES (?, ?)", (project.id, project.to_json())
        )

    def get_project(self, project_id: str) -> ProjectRecord | None:
        text = self._one("SELECT doc FROM projects WHERE id = ?", project_id)
        return None if text is None else ProjectRecord.from_json(text)

    def oldest_project_id(self) -> str | None:
        value = self._one("SELECT id FROM projects ORDER BY rank LIMIT 1")
        return None if value is None else str(value)

    def list_projects(self, limit: int, before: int | None) -> list[tuple[int, str]]:
        """Up to ``limit + 1`` (rank, doc text) rows, newest first, below ``before``."""
        rows = self.db.execute(
            "SELECT rank, doc FROM projects WHERE rank < ? ORDER BY rank DESC LIMIT ?",
            (before if before is not None else 2**62, limit + 1),
        ).fetchall()
        return [(int(r), str(d)) for r, d in rows]

    # -- runs --------------------------------------------------------------------------

    def insert_runs(self, runs: Iterable[tuple[RunRecord, RunSpec]]) -> None:
        """Insert (run, spec) pairs in one transaction."""
        with self.transaction():
            for run, spec in runs:
                cur = self.db.execute(
                    "INSERT INTO runs (id, project_id, status, doc, spec) VALUES (?, ?, ?, ?, ?)",
                    (run.id, run.project_id, run.status, run.to_json(), spec.to_json()),
                )
                rank = cur.lastrowid
                self.db.executemany(
                    "INSERT INTO run_metadata (key, value, rank) VALUES (?, ?, ?)",
                    [(k, v, rank) for k, v in run.metadata.items()],
                )

    def update_run(self, run: RunRecord) -> None:
        self.db.execute(
            "UPDATE runs SET status = ?, doc = ? WHERE id = ?",
            (run.status, run.to_json(), run.id),
        )

    def get_run(self, run_id: str) -> RunRow | None:
        row = self.db.execute("SELECT doc, spec, rank FROM runs WHERE id = ?", (run_id,)).fetchone()
        return None if row is None else _run_row(*row)

    def runs_with_status(self, statuses: Iterable[str]) -> list[RunRow]:
        wanted = list(statuses)
        marks = ",".join("?" * len(wanted))
        rows = self.db.execute(
            f"SELECT doc, spec, rank FROM runs WHERE status IN ({marks}) ORDER BY rank", wanted
        ).fetchall()
        return [_run_row(*row) for row in rows]

    def list_runs(self, where: RunFilter, limit: int, before: int | None) -> list[tuple[int, str]]:
        """Up to ``limit + 1`` (rank, doc text) rows matching ``where``, newest first."""
        sql = ["SELECT rank, doc FROM runs WHERE rank < ?"]
        args: list[Any] = [before if before is not None else 2**62]
        if where.project_id is not None:
            sql.append("AND project_id = ?")
            args.append(where.project_id)
        if where.status is not None:
            sql.append("AND status = ?")
            args.append(where.status)
        for key, value in where.metadata:
            sql.append("AND rank IN (SELECT rank FROM run_metadata WHERE key = ? AND value = ?)")
            args += [key, value]
        sql.append("ORDER BY rank DESC LIMIT ?")
        args.append(limit + 1)
        rows = self.db.execute(" ".join(sql), args).fetchall()
        return [(int(r), str(d)) for r, d in rows]

    def set_pgid(self, run_id: str, pgid: int | None) -> None:
        self.db.execute("UPDATE runs SET pgid = ? WHERE id = ?", (pgid, run_id))

    def get_pgid(self, run_id: str) -> int | None:
        value = self._one("SELECT pgid FROM runs WHERE id = ?", run_id)
        return None if value is None else int(value)

    # -- events ------------------------------------------------------------------------

    def insert_events(self, rows: Sequence[tuple[str, int, str]]) -> None:
        with self.transaction():
            self.db.executemany("INSERT INTO events (run_id, seq, body) VALUES (?, ?, ?)", rows)

    def last_seq(self, run_id: str) -> int:
        value = self._one("SELECT max(seq) FROM events WHERE run_id = ?", run_id)
        return int(value or 0)

    def event_bodies(self, run_id: str, after: int, limit: int) -> list[tuple[int, str]]:
        rows = self.db.execute(
            "SELECT seq, body FROM events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            (run_id, after, limit),
        ).fetchall()
        return [(int(s), str(b)) for s, b in rows]

    def event_frames(self, run_id: str, after: int, limit: int) -> tuple[str, int, int]:
        """SSE frames of up to ``limit`` stored events after ``after``: (text, last, count)."""
        rows = self.db.execute(
            "SELECT seq, 'id: ' || seq || char(10) || 'data: ' || body || char(10) || char(10)"
            " FROM events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            (run_id, after, limit),
        ).fetchall()
        if not rows:
            return "", after, 0
        return "".join([r[1] for r in rows]), int(rows[-1][0]), len(rows)

    # -- evidence, artifacts, transfers ---------------------------------------------------

    def put_evidence(self, run_id: str, text: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO evidence (run_id, doc) VALUES (?, ?)", (run_id, text)
        )

    def get_evidence(self, run_id: str) -> str | None:
        value = self._one("SELECT doc FROM evidence WHERE run_id = ?", run_id)
        return None if value is None else str(value)

    def insert_artifact(self, artifact: ArtifactRecord, run_id: str, file: str) -> None:
        self.db.execute(
            "INSERT INTO artifacts (id, run_id, doc, file) VALUES (?, ?, ?, ?)",
            (artifact.id, run_id, artifact.to_json(), file),
        )

    def get_artifact(self, artifact_id: str) -> tuple[str, str] | None:
        row = self.db.execute(
            "SELECT doc, file FROM artifacts WHERE id = ?", (artifact_id,)
        ).fetchone()
        return None if row is None else (str(row[0]), str(row[1]))

    def update_artifact(self, artifact: ArtifactRecord) -> None:
        self.db.execute(
            "UPDATE artifacts SET doc = ? WHERE id = ?", (artifact.to_json(), artifact.id)
        )

    def artifacts_expired_by(self, moment: str) -> list[tuple[ArtifactRecord, str]]:
        """(record, file) of every artifact not deleted whose retention ended by
        ``moment`` (ISO-8601 UTC as ``now_iso`` writes it: such strings sort by time)."""
        rows = self.db.execute(
            "SELECT doc, file FROM artifacts WHERE json_extract(doc, '$.deletedAt') IS NULL"
            " AND json_extract(doc, '$.retentionExpiresAt') <= ?",
            (moment,),
        ).fetchall()
        return [(ArtifactRecord.from_json(doc), str(file)) for doc, file in rows]

    def next_artifact_expiry(self) -> str | None:
        """The earliest ``retentionExpiresAt`` of the artifacts not deleted yet."""
        value = self._one(
            "SELECT min(json_extract(doc, '$.retentionExpiresAt')) FROM artifacts"
            " WHERE json_extract(doc, '$.deletedAt') IS NULL"
        )
        return None if value is None else str(value)

    def put_transfer(self, transfer: TransferRecord, expires: float) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO transfers (id, run_id, doc, expires) VALUES (?, ?, ?, ?)",
            (transfer.id, transfer.workspace_run_id, transfer.to_json(), expires),
        )

    def get_transfer(self, upload_id: str) -> tuple[TransferRecord, float] | None:
        row = self.db.execute(
            "SELECT doc, expires FROM transfers WHERE id = ?", (upload_id,)
        ).fetchone()
        return None if row is None else (TransferRecord.from_json(row[0]), float(row[1]))

    # -- idempotency -------------------------------------------------------------------------

    def get_answer(self, principal: str, key: str) -> StoredAnswer | None:
        row = self.db.execute(
            "SELECT fingerprint, status, body, media_type FROM idempotency"
            " WHERE principal = ? AND key = ?",
            (principal, key),
        ).fetchone()
        return None if row is None else StoredAnswer(row[0], int(row[1]), bytes(row[2]), row[3])

    def put_answer(self, principal: str, key: str, answer: StoredAnswer) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO idempotency VALUES (?, ?, ?, ?, ?, ?)",
            (principal, key, answer.fingerprint, answer.status, answer.body, answer.media_type),
        )

    # -- plumbing -------------------------------------------------------------------------------

    def transaction(self) -> _Transaction:
        return _Transaction(self.db)


def _run_row(doc: str, spec: str, rank: int) -> RunRow:
    return RunRow(RunRecord.from_json(doc), RunSpec.from_json(spec), int(rank))


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")
