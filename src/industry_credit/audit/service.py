"""Write and verify the hash-chained audit log.

Each row stores ``prev_hash`` (the previous row's ``row_hash``; 64 zeros for the first) and
``row_hash = SHA-256(prev_hash || canonical JSON of the row's content)``. Editing, deleting or
reordering any row breaks every later link, and ``verify_chain`` names the first broken one.
Writers take a transaction-scoped advisory lock so that concurrent transactions cannot both
chain onto the same predecessor; it is held only from the audit insert to commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from industry_credit.audit.checkpoints import WROTE_AUDIT
from industry_credit.canonical import canonical_json, sha256_hex
from industry_credit.db.models import AuditEntry
from industry_credit.db.pipeline import Write, connection, fetch_one, send

GENESIS_HASH = "0" * 64
# Arbitrary but fixed key for pg_advisory_xact_lock: "audit" in ASCII.
AUDIT_LOCK_KEY = 0x6175646974


@dataclass(frozen=True)
class Actor:
    name: str
    role: str


SYSTEM = Actor(name="system", role="admin")


def _row_content(entry: AuditEntry) -> dict[str, Any]:
    return {
        "occurred_at": entry.occurred_at.astimezone(UTC).isoformat(),
        "actor": entry.actor,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "payload": entry.payload,
    }


def row_hash(prev_hash: str, entry: AuditEntry) -> str:
    return sha256_hex(prev_hash + canonical_json(_row_content(entry)))


def record(
    *,
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: str,
    payload: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (the caller commits)."""
    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK_KEY})
    prev = session.execute(
        select(AuditEntry.row_hash).order_by(AuditEntry.id.desc()).limit(1)
    ).scalar_one_or_none()
    entry = AuditEntry(
        occurred_at=datetime.now(UTC).replace(microsecond=0),
        actor=actor.name,
        actor_role=actor.role,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        # Round-trip through canonical JSON so the stored JSONB equals what was hashed.
        payload=_normalise(payload or {}),
        prev_hash=prev or GENESIS_HASH,
        row_hash="",
    )
    entry.row_hash = row_hash(entry.prev_hash, entry)
    session.add(entry)
    session.flush()
    session.info[WROTE_AUDIT] = True  # checkpoints.py looks after the commit
    return entry


@dataclass(frozen=True)
class Event:
    action: str
    entity_type: str
    entity_id: str
    payload: dict[str, Any]


def record_all(
    *,
    session: Session,
    actor: Actor,
    events: Sequence[Event],
    commit: bool = False,
    before: Sequence[Write | None] = (),
) -> list[psycopg.Cursor[Any] | None]:
    """Append ``events`` in order in the caller's transaction, chained exactly as the same
    ``record`` calls would chain them, in one round trip.

    The lock is held until commit and every writer waits for it, so what happens while holding
    it decides how many submissions a second the database can chain. ``record`` spends three
    round trips there (lock, read the tail, insert), and under load each return from the
    database waits for the GIL. Here the lock and one INSERT per entry go out together in a
    psycopg pipeline; each INSERT reads the tail itself (a later statement of the transaction,
    so after the lock and after the entry before it) and hashes it in SQL: the tail's hex
    digest followed by the UTF-8 bytes of the content canonicalised in Python, so the database
    hashes exactly the bytes Python would, whatever its own encoding.

    With ``commit``, the transaction's COMMIT goes out in the same pipeline: the lock is then
    held only while the database works, never while a Python thread waits for the GIL to send
    the next statement. The caller must have nothing left to write; its own commit afterwards
    finds no transaction open and does nothing.

    ``before``: the caller's last statements, sent first in the same round trip, before the lock
    is taken; their cursors are returned (in ``run``'s manner).
    """
    if not events:
        return send(connection(session), before, then=("COMMIT",) if commit else ())
    session.info[WROTE_AUDIT] = True  # checkpoints.py looks after the commit
    contents = []
    for event in events:
        entry = AuditEntry(
            occurred_at=datetime.now(UTC).replace(microsecond=0),
            actor=actor.name,
            actor_role=actor.role,
            action=event.action,
            entity_type=event.entity_type,
            entity_id=event.entity_id,
            # Round-trip through canonical JSON so the stored JSONB equals what was hashed.
            payload=_normalise(event.payload),
        )
        contents.append((entry, canonical_json(_row_content(entry))))
    appends = [
        Write(
            _APPEND,
            {
                "occurred_at": entry.occurred_at,
                "actor": entry.actor,
                "actor_role": entry.actor_role,
                "action": entry.action,
                "entity_type": entry.entity_type,
                "entity_id": entry.entity_id,
                "payload": canonical_json(entry.payload),
                "content": content.encode("utf-8"),
                "genesis": GENESIS_HASH,
            },
        )
        for entry, content in contents
    ]
    cursors = send(
        connection(session),
        [*before, Write(_LOCK, {"key": AUDIT_LOCK_KEY}), *appends],
        then=("COMMIT",) if commit else (),
    )
    for cursor, (_, content) in zip(cursors[-len(appends) :], contents, strict=True):
        prev, stored = fetch_one(cursor) or ("", "")
        # By construction equal; kept as a guard against a change to the statement.
        assert stored == sha256_hex(prev + content), "audit row hash differs from Python's"
    return cursors[: len(before)]


_LOCK = "SELECT pg_advisory_xact_lock(%(key)s)"
# The tail is read inside the statement: it runs after the lock statement of the same pipeline,
# so its snapshot includes every entry committed by the previous holder of the lock.
_APPEND = """
INSERT INTO audit_log
    (occurred_at, actor, actor_role, action, entity_type, entity_id, payload, prev_hash, row_hash)
SELECT %(occurred_at)s, %(actor)s, %(actor_role)s, %(action)s, %(entity_type)s, %(entity_id)s,
       %(payload)s::jsonb, tail.h,
       encode(sha256(convert_to(tail.h, 'UTF8') || %(content)s::bytea), 'hex')
FROM (
    SELECT coalesce(
        (SELECT row_hash FROM audit_log ORDER BY id DESC LIMIT 1), %(genesis)s::text
    ) AS h
) AS tail
RETURNING prev_hash, row_hash
"""


def _normalise(payload: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(canonical_json(payload))
    return result


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int
    problem: str


def _entries(session: Session, batch: int = 5000) -> Iterator[AuditEntry]:
    last_id = 0
    while True:
        rows = (
            session.execute(
                select(AuditEntry)
                .where(AuditEntry.id > last_id)
                .order_by(AuditEntry.id)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        session.expunge_all()


def verify_chain(*, session: Session) -> tuple[int, ChainBreak | None]:
    """Check every link in id order; return the rows checked and the first break, if any."""
    expected_prev = GENESIS_HASH
    checked = 0
    for entry in _entries(session):
        if entry.prev_hash != expected_prev:
            return checked, ChainBreak(entry.id, "prev_hash does not match the previous row")
        if row_hash(entry.prev_hash, entry) != entry.row_hash:
            return checked, ChainBreak(entry.id, "row content does not match its row_hash")
        expected_prev = entry.row_hash
        checked += 1
    return checked, None
