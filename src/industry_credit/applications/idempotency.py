"""Idempotency keys for POST /v1/applications, scoped to the user and kept 24 hours.

The request first takes a transaction-scoped advisory lock on (user, key). A concurrent request
with the same key fails to take it and answers 409 at once, holding no connection while the
original runs. The lock holder inserts the key row, which holds the response when the
transaction commits; a later retry finds the committed row and replays it. Either way there is
never a second decision.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import Table, bindparam, null, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from industry_credit.db.models import IdempotencyKey
from industry_credit.db.pipeline import Write
from industry_credit.errors import ConflictError, UnprocessableError

KEY_TTL = timedelta(hours=24)

_TABLE = cast(Table, IdempotencyKey.__table__)
_INSERT = insert(_TABLE).values(
    user_id=bindparam("user_id"),
    key=bindparam("key"),
    request_sha256=bindparam("request_sha256"),
    created_at=bindparam("created_at"),
    expires_at=bindparam("expires_at"),
)
_CLAIM = _INSERT.on_conflict_do_update(
    index_elements=["user_id", "key"],
    set_={
        "request_sha256": _INSERT.excluded.request_sha256,
        "status_code": null(),
        "response": null(),
        "application_id": null(),
        "note": null(),
        "created_at": _INSERT.excluded.created_at,
        "expires_at": _INSERT.excluded.expires_at,
    },
    where=_TABLE.c.expires_at < bindparam("now"),
).returning(_TABLE.c.key)


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: dict[str, Any]


def _lock_key(user_id: int, key: str) -> int:
    digest = hashlib.sha256(f"idempotency:{user_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def claim(
    *, session: Session, user_id: int, key: str, request_sha256: str
) -> StoredResponse | None:
    """Claim ``key`` for this request, or return the response stored under it earlier."""
    locked = session.execute(
        text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _lock_key(user_id, key)}
    ).scalar_one()
    if not locked:
        busy = ConflictError("a request with this Idempotency-Key is still being processed")
        busy.headers = {"Retry-After": "1"}
        raise busy
    now = datetime.now(UTC)
    # An expired key is replaced in place, as if deleted and inserted afresh: one statement
    # instead of a DELETE and an INSERT. A live key is left alone and nothing is returned.
    inserted = session.execute(
        _CLAIM,
        {
            "user_id": user_id,
            "key": key,
            "request_sha256": request_sha256,
            "created_at": now,
            "expires_at": now + KEY_TTL,
            "now": now,
        },
    ).scalar_one_or_none()
    if inserted is not None:
        return None
    existing = session.execute(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    ).scalar_one()
    if existing.request_sha256 != request_sha256:
        raise UnprocessableError(
            "Idempotency-Key was already used with a different request body",
            fields=[{"path": "header:Idempotency-Key", "problem": "reused with a different body"}],
        )
    if existing.response is None or existing.status_code is None:
        raise ConflictError("a request with this Idempotency-Key is still being processed")
    return StoredResponse(existing.status_code, existing.response)


def store_write(*, user_id: int, key: str, status_code: int, body: dict[str, Any]) -> Write:
    """The response stored under the key claimed earlier in this transaction, as a statement
    for the submission's last pipeline; ``check_stored`` confirms it found the claimed row."""
    return Write(
        f"UPDATE {_TABLE.name} SET status_code = %(status_code)s, response = %(response)s"
        " WHERE user_id = %(user_id)s AND key = %(key)s",
        {"status_code": status_code, "response": Jsonb(body), "user_id": user_id, "key": key},
    )


def check_stored(cursor: psycopg.Cursor[Any] | None) -> None:
    assert cursor is None or cursor.rowcount == 1  # claimed earlier in this transaction
