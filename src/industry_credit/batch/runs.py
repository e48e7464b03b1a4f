"""The lifecycle of a ``batch_runs`` row: lock, find, start, supersede, fail, finish.

One run per as-of date at a time: the runner holds a session-level advisory lock keyed by the
date for its whole life. The server releases it when the connection ends, including after
``kill -9``, so a crashed run never blocks the next attempt.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from industry_credit.audit.service import SYSTEM, record
from industry_credit.batch import partitions
from industry_credit.batch.scope import Plan

# pg_try_advisory_lock(int4, int4): a fixed class key ("resc" in ASCII) and the date's ordinal.
LOCK_CLASS = 0x72657363


class BatchLockedError(RuntimeError):
    """Another run for the same date holds the lock."""


class InterruptedRunError(RuntimeError):
    """An unfinished run exists for the date and neither --resume nor --force was given."""


@dataclass(frozen=True)
class RunRow:
    id: str
    status: str
    chunk_size: int
    model_version: str
    ruleset_version: str
    params: dict[str, Any]


def try_lock(conn: Connection, as_of: date) -> bool:
    got = conn.execute(
        text("SELECT pg_try_advisory_lock(:c, :o)"), {"c": LOCK_CLASS, "o": as_of.toordinal()}
    ).scalar_one()
    conn.commit()
    return bool(got)


def unlock(conn: Connection, as_of: date) -> None:
    conn.rollback()
    conn.execute(
        text("SELECT pg_advisory_unlock(:c, :o)"), {"c": LOCK_CLASS, "o": as_of.toordinal()}
    )
    conn.commit()


def latest_run(conn: Connection, as_of: date) -> RunRow | None:
    """The newest run for the date that has not been superseded."""
    row = conn.execute(
        text(
            "SELECT id::text, status, chunk_size, model_version, ruleset_version, params"
            " FROM batch_runs WHERE as_of = :d AND status <> 'superseded'"
            " ORDER BY started_at DESC LIMIT 1"
        ),
        {"d": as_of},
    ).one_or_none()
    conn.commit()
    return None if row is None else RunRow(*row)


def start_run(
    conn: Connection,
    *,
    plan: Plan,
    chunk_size: int,
    model_version: str,
    ruleset_version: str,
    supersede: bool,
) -> RunRow:
    """Insert the run (superseding older runs of the date if asked) and audit its start."""
    run_id = str(uuid.uuid4())
    params = plan.to_params()
    with conn.begin():
        if supersede:
            conn.execute(
                text(
                    "UPDATE batch_runs SET status = 'superseded',"
                    " finished_at = COALESCE(finished_at, now())"
                    " WHERE as_of = :d AND status <> 'superseded'"
                ),
                {"d": plan.as_of},
            )
        # The date's results start empty: a superseded run's partition is dropped here.
        partitions.prepare(conn, plan.as_of)
        conn.execute(
            text(
                "INSERT INTO batch_runs (id, as_of, status, chunk_size, total_chunks,"
                " model_version, ruleset_version, params)"
                " VALUES (:id, :d, 'running', :cs, :tc, :mv, :rv, CAST(:p AS jsonb))"
            ),
            {
                "id": run_id,
                "d": plan.as_of,
                "cs": chunk_size,
                "tc": len(plan.chunks),
                "mv": model_version,
                "rv": ruleset_version,
                "p": json.dumps(params),
            },
        )
        _audit(
            conn,
            "batch_run.start",
            run_id,
            {
                "as_of": plan.as_of.isoformat(),
                "enterprises": plan.total,
                "chunks": len(plan.chunks),
                "chunk_size": chunk_size,
                "model_version": model_version,
                "ruleset_version": ruleset_version,
                "supersedes": supersede,
            },
        )
    return RunRow(run_id, "running", chunk_size, model_version, ruleset_version, params)


def reopen_run(conn: Connection, run: RunRow) -> None:
    """A failed or interrupted run continues (``--resume``)."""
    with conn.begin():
        conn.execute(
            text(
                "UPDATE batch_runs SET status = 'running', finished_at = NULL, error = NULL"
                " WHERE id = :id"
            ),
            {"id": run.id},
        )


def update_params(conn: Connection, run_id: str, params: dict[str, Any], total_chunks: int) -> None:
    with conn.begin():
        conn.execute(
            text(
                "UPDATE batch_runs SET params = CAST(:p AS jsonb), total_chunks = :tc"
                " WHERE id = :id"
            ),
            {"p": json.dumps(params), "tc": total_chunks, "id": run_id},
        )


def fail_run(conn: Connection, run_id: str, error: str) -> None:
    conn.rollback()
    with conn.begin():
        conn.execute(
            text(
                "UPDATE batch_runs SET status = 'failed', finished_at = now(), error = :e"
                " WHERE id = :id AND status = 'running'"
            ),
            {"e": error[:4000], "id": run_id},
        )


# The circuit breaker acts on existing facilities too [004 §3.3]: a firm rescored with a
# breaker flag gets a hold on its undrawn amounts unless one is already active.
HOLD_FLAGS = ("circuit_breaker_cancellation", "circuit_breaker_downtime")
DRAWDOWN_HOLDS_SQL = """
INSERT INTO drawdown_holds (enterprise_id, run_id, as_of, flags)
SELECT r.enterprise_id, r.run_id, r.as_of,
       ARRAY(SELECT f FROM unnest(r.flags) f WHERE f = ANY(CAST(:flags AS varchar[])) ORDER BY f)
FROM rescore_results r
WHERE r.as_of = :as_of AND r.run_id = CAST(:run AS uuid) AND r.flags && CAST(:flags AS varchar[])
ORDER BY r.enterprise_id
ON CONFLICT (enterprise_id) WHERE lifted_at IS NULL DO NOTHING
"""


def place_drawdown_holds(conn: Connection, run_id: str, as_of: date) -> int:
    """Holds on the undrawn amounts of the run's circuit-breaker firms; how many are new."""
    params = {"run": run_id, "as_of": as_of, "flags": list(HOLD_FLAGS)}
    result = conn.execute(text(DRAWDOWN_HOLDS_SQL), params)
    return int(result.rowcount or 0)


def finish_run(
    conn: Connection,
    run_id: str,
    *,
    report: dict[str, Any],
    report_html: str,
    audit_payload: dict[str, Any],
) -> None:
    """Mark succeeded with the report and audit; the caller's transaction commits."""
    conn.execute(
        text(
            "UPDATE batch_runs SET status = 'succeeded', finished_at = now(),"
            " report = CAST(:r AS jsonb), report_html = :h WHERE id = :id"
        ),
        {"r": json.dumps(report, allow_nan=False), "h": report_html, "id": run_id},
    )
    _audit(conn, "batch_run.finish", run_id, audit_payload)


def _audit(conn: Connection, action: str, run_id: str, payload: dict[str, Any]) -> None:
    session = Session(bind=conn, join_transaction_mode="rollback_only")
    try:
        record(
            session=session,
            actor=SYSTEM,
            action=action,
            entity_type="batch_run",
            entity_id=run_id,
            payload=payload,
        )
    finally:
        session.close()
