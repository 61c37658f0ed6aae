"""QA leads' decisions on script-library replies (审核): approve, edit the wording, or reject with a note.

The decisions live in their own small SQLite file beside the warehouse ([paths] reviews), not in DuckDB:
a night rewrites and swaps the warehouse file, so anything kept only there would be lost by a rerun, and a
review saved while a night runs must not wait for it. The night copies the decisions into the warehouse's
script_reviews table (for analysts) and the script-library export reads them from here, so a decision made
after a night's export shows in the next one. Every decision is also appended to review_log (who, when, what).

A decision is keyed by the reply itself (call_id, reply_turn): reruns recompute ranks and scores but keep
the call's utterances, so the key still names the same sentence. Edited wording and notes are masked through
the same rules as transcripts before they are stored: a QA lead cannot put a phone number into the library.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from callintel.settings import Settings
from callintel.speech.redact import RedactionRules, mask_text

ACTIONS = ("approve", "edit", "reject")
STATUS_ZH = {"approved": "已批准", "rejected": "已驳回", "candidate": "候选（待审核）"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reviews (
    call_id     TEXT NOT NULL,
    reply_turn  INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('approved', 'rejected')),
    wording     TEXT,
    note        TEXT,
    reply       TEXT NOT NULL,
    question    TEXT,
    topic       TEXT,
    objection   TEXT,
    reviewer    TEXT NOT NULL,
    reviewed_at TEXT NOT NULL,
    PRIMARY KEY (call_id, reply_turn)
);
CREATE TABLE IF NOT EXISTS review_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id     TEXT NOT NULL,
    reply_turn  INTEGER NOT NULL,
    action      TEXT NOT NULL,
    wording     TEXT,
    note        TEXT,
    reviewer    TEXT NOT NULL,
    reviewed_at TEXT NOT NULL
);
"""
_FIELDS = ("call_id", "reply_turn", "status", "wording", "note", "reply", "question", "topic", "objection",
           "reviewer", "reviewed_at")


class ReviewError(ValueError):
    """A decision that cannot be saved as given (the message says what to change)."""


class ReviewStoreError(RuntimeError):
    """The store cannot be read (not a SQLite file, damaged): the message names the file."""


@dataclass(frozen=True)
class Review:
    call_id: str
    reply_turn: int
    status: str              # approved | rejected
    wording: str | None      # the QA lead's wording (masked); None = the reply as the agent said it
    note: str | None
    reply: str               # the reply as the QA lead saw it (masked)
    question: str | None
    topic: str | None
    objection: str | None
    reviewer: str
    reviewed_at: datetime    # UTC

    @property
    def published(self) -> str:
        """The text the library publishes for this reply."""
        return self.wording or self.reply


def store_path(settings: Settings) -> Path:
    """[paths] reviews, or `<warehouse>.reviews.sqlite` beside the warehouse when empty."""
    if settings["paths"]["reviews"]:
        return settings.path("reviews")
    warehouse = settings.path("warehouse")
    return warehouse.with_name(f"{warehouse.stem}.reviews.sqlite")


@contextmanager
def open_store(path: Path) -> Iterator[sqlite3.Connection]:
    """The store, created on first use; WAL so a reader (the night's export) never blocks a QA lead's save."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=30)
    try:
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise ReviewStoreError(f"the review store {path} cannot be read ({exc}): restore it from a backup or "
                                   "move it aside ([paths] reviews); the QA leads' decisions are in it") from exc
        yield con
        con.commit()
    finally:
        con.close()


def decide(path: Path, *, call_id: str, reply_turn: int, action: str, reply: str, reviewer: str,
           wording: str = "", note: str = "", question: str | None = None, topic: str | None = None,
           objection: str | None = None, rules: RedactionRules | None = None,
           now: datetime | None = None) -> Review:
    """Save one decision (replacing the reply's earlier one) and log it.

    approve: publish the reply (keeping wording edited before); edit: publish `wording` instead (it approves);
    reject: never publish it, `note` says why (required, so the agent and the next lead can learn from it).
    """
    if action not in ACTIONS:
        raise ReviewError(f"unknown action {action!r}: one of {', '.join(ACTIONS)}")
    wording, note = (wording or "").strip(), (note or "").strip()
    if action == "edit" and not wording:
        raise ReviewError("修改后的话术不能为空 (edit needs the new wording)")
    if action == "reject" and not note:
        raise ReviewError("驳回需要填写原因 (reject needs a note saying why)")
    if not reviewer.strip():
        raise ReviewError("审核人不能为空 (reviewer is empty)")
    masked = mask_text(wording, rules) if wording else None
    note = mask_text(note, rules) if note else note  # a note may quote the customer too
    when = (now or datetime.now(UTC)).astimezone(UTC)
    with open_store(path) as con:
        before = con.execute("SELECT wording FROM reviews WHERE call_id = ? AND reply_turn = ?",
                             [call_id, reply_turn]).fetchone()
        if action == "approve" and before and before[0]:
            masked = before[0]  # approving again keeps the wording a lead wrote
        status = "rejected" if action == "reject" else "approved"
        kept_note = note or None
        con.execute("INSERT OR REPLACE INTO reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [call_id, int(reply_turn), status, masked if status == "approved" else None, kept_note, reply,
                     question, topic, objection, reviewer.strip(), when.isoformat()])
        con.execute("INSERT INTO review_log (call_id, reply_turn, action, wording, note, reviewer, reviewed_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [call_id, int(reply_turn), action, masked, kept_note, reviewer.strip(), when.isoformat()])
    return load(path)[(call_id, int(reply_turn))]


def load(path: Path) -> dict[tuple[str, int], Review]:
    """Every current decision by (call_id, reply_turn); {} when no review was ever saved."""
    if not path.exists():
        return {}
    with open_store(path) as con:
        rows = con.execute(f"SELECT {', '.join(_FIELDS)} FROM reviews").fetchall()
    out = {}
    for r in rows:
        d = dict(zip(_FIELDS, r, strict=True))
        d["reviewed_at"] = datetime.fromisoformat(d["reviewed_at"])
        out[(d["call_id"], int(d["reply_turn"]))] = Review(**d)
    return out


def history(path: Path, call_id: str, reply_turn: int) -> list[dict[str, Any]]:
    """The reply's decisions, oldest first."""
    if not path.exists():
        return []
    with open_store(path) as con:
        rows = con.execute("SELECT action, wording, note, reviewer, reviewed_at FROM review_log "
                           "WHERE call_id = ? AND reply_turn = ? ORDER BY id", [call_id, reply_turn]).fetchall()
    keys = ("action", "wording", "note", "reviewer", "reviewed_at")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def sync_to_warehouse(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Replace the warehouse's script_reviews with the store's decisions (the night calls this before its
    exports); returns the rows copied. The store stays the only place a decision is written."""
    reviews = list(load(path).values())
    con.execute("BEGIN")
    try:
        con.execute("DELETE FROM script_reviews")
        if reviews:
            con.executemany("INSERT INTO script_reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [[r.call_id, r.reply_turn, r.status, r.wording, r.note, r.reply, r.question, r.topic,
                              r.objection, r.reviewer, r.reviewed_at] for r in reviews])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return len(reviews)
