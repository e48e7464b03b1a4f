"""Signed checkpoints of the audit chain's head, kept outside the database.

The hash chain proves that no entry was edited or removed *between* others, but whoever can
write the database can cut its tail, or edit an entry and re-hash everything after it with plain
SHA-256, and the chain still verifies. A checkpoint records ``(entry id, row hash)`` of the head,
signed with HMAC-SHA-256 under a key the database never holds, in an append-only file outside
it (``INDUSTRY_CREDIT_AUDIT_CHECKPOINT_PATH``; on a WORM volume or shipped to one in
production). ``audit verify`` then finds a cut tail (the chain ends before a checkpointed entry)
and a re-sealed chain (a checkpointed entry's hash differs), naming the entry.

Checkpoints are written when at least ``audit_checkpoint_every`` entries were committed since
the last one (after the committing transaction, so a checkpoint never names a rolled-back
entry), at the end of every batch run, and on demand (``industry-credit audit checkpoint``).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.orm import Session

from industry_credit.config import Settings, get_settings

WROTE_AUDIT = "audit_written"


@dataclass(frozen=True)
class Checkpoint:
    entry: int
    row_hash: str
    at: str
    mac: str

    def line(self) -> str:
        return json.dumps(
            {"entry": self.entry, "row_hash": self.row_hash, "at": self.at, "hmac": self.mac},
            sort_keys=True,
        )


@dataclass(frozen=True)
class CheckpointProblem:
    entry: int
    problem: str


def enabled(settings: Settings) -> bool:
    return settings.audit_checkpoint_path is not None and settings.audit_checkpoint_key is not None


def _mac(key: str, entry: int, row_hash: str, at: str) -> str:
    message = f"industry-credit audit checkpoint\n{entry}\n{row_hash}\n{at}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def _head(conn: Connection) -> tuple[int, str] | None:
    row = conn.execute(text("SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1")).first()
    return (int(row[0]), str(row[1])) if row is not None else None


def read_checkpoints(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _last_entry(path: Path) -> int:
    """The entry of the last checkpoint, from the file's tail only (it only ever grows)."""
    if not path.exists():
        return 0
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        handle.seek(max(0, handle.tell() - 4096))
        lines = [line for line in handle.read().splitlines() if line.strip()]
    with contextlib.suppress(ValueError, KeyError, IndexError):
        return int(json.loads(lines[-1])["entry"])
    return 0


def write_checkpoint(
    conn: Connection, settings: Settings, *, only_if_due: bool = False
) -> Checkpoint | None:
    """Append a signed checkpoint of the committed head; None when disabled, empty or not due."""
    if not enabled(settings):
        return None
    assert settings.audit_checkpoint_path is not None
    assert settings.audit_checkpoint_key is not None
    path = settings.audit_checkpoint_path
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND and an exclusive lock: concurrent writers each append whole lines.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        head = _head(conn)
        if head is None:
            return None
        last = _last_entry(path)
        if head[0] == last or (only_if_due and head[0] - last < settings.audit_checkpoint_every):
            return None
        at = datetime.now(UTC).isoformat(timespec="seconds")
        point = Checkpoint(head[0], head[1], at, _mac(settings.audit_checkpoint_key, *head, at))
        os.write(fd, (point.line() + "\n").encode())
        os.fsync(fd)
        return point
    finally:
        os.close(fd)


def check_against(conn: Connection, settings: Settings) -> CheckpointProblem | None:
    """Compare the chain with the signed checkpoints; the problem found, if any."""
    assert settings.audit_checkpoint_path is not None
    assert settings.audit_checkpoint_key is not None
    points = read_checkpoints(settings.audit_checkpoint_path)
    head = _head(conn)
    for point in points:
        entry, row_hash, at = int(point["entry"]), str(point["row_hash"]), str(point["at"])
        expected = _mac(settings.audit_checkpoint_key, entry, row_hash, at)
        if not hmac.compare_digest(expected, str(point.get("hmac", ""))):
            return CheckpointProblem(entry, "checkpoint signature invalid (file tampered?)")
    for point in reversed(points):
        entry, row_hash = int(point["entry"]), str(point["row_hash"])
        if head is None or head[0] < entry:
            last = head[0] if head else 0
            return CheckpointProblem(
                entry,
                f"TRUNCATED: a signed checkpoint names entry {entry}, the chain ends at entry {last}",
            )
        stored = conn.execute(
            text("SELECT row_hash FROM audit_log WHERE id = :id"), {"id": entry}
        ).scalar_one_or_none()
        if stored is None:
            return CheckpointProblem(entry, f"entry {entry} of a signed checkpoint is missing")
        if stored != row_hash:
            return CheckpointProblem(
                entry,
                f"RE-SEALED: entry {entry}'s hash differs from its signed checkpoint"
                " (entries up to it were edited and re-hashed)",
            )
        # The newest checkpoint that matches vouches for everything before it (the chain's
        # own links), so one comparison suffices.
        return None
    return None


@event.listens_for(Session, "after_commit")
def _checkpoint_when_due(session: Session) -> None:
    """After a commit that wrote audit entries, checkpoint if enough have accumulated."""
    if not session.info.pop(WROTE_AUDIT, False):
        return
    settings = get_settings()
    bind = session.get_bind()
    if not enabled(settings) or not isinstance(bind, Engine):
        return
    with bind.connect() as conn:
        write_checkpoint(conn, settings, only_if_due=True)
