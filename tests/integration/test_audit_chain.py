"""The audit log is hash-chained: verification passes on honest rows and names the first tampered one."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from industry_credit.audit.service import (
    GENESIS_HASH,
    SYSTEM,
    Actor,
    Event,
    record,
    record_all,
    row_hash,
    verify_chain,
)
from industry_credit.db.models import AuditEntry


def test_chain_links_each_row_to_the_previous(db_session: Session) -> None:
    first = record(session=db_session, actor=SYSTEM, action="t.one", entity_type="t", entity_id="1")
    second = record(
        session=db_session,
        actor=Actor("alice", "risk_officer"),
        action="t.two",
        entity_type="t",
        entity_id="2",
        payload={"amount": "5000000.00", "zh": "批准"},
    )
    assert second.prev_hash == first.row_hash
    checked, broken = verify_chain(session=db_session)
    assert broken is None
    assert checked >= 2


def test_record_all_chains_like_successive_records(db_session: Session) -> None:
    first = record(
        session=db_session, actor=SYSTEM, action="t.before", entity_type="t", entity_id="0"
    )
    actor = Actor("li", "rm")
    events = [
        Event("t.a", "t", "a", {"amount": "1.50", "zh": "提交"}),
        Event("t.b", "t", "b", {"queued": True, "nested": {"z": 1, "a": [2, 1]}}),
        Event("t.c", "t", "c", {}),
    ]
    record_all(session=db_session, actor=actor, events=events)
    rows = (
        db_session.execute(
            select(AuditEntry).where(AuditEntry.id > first.id).order_by(AuditEntry.id)
        )
        .scalars()
        .all()
    )
    assert [r.action for r in rows] == ["t.a", "t.b", "t.c"]
    prev = first.row_hash
    for row, event in zip(rows, events, strict=True):
        assert (row.actor, row.actor_role, row.entity_id) == ("li", "rm", event.entity_id)
        assert row.payload == event.payload
        assert row.prev_hash == prev
        assert row.row_hash == row_hash(prev, row)
        prev = row.row_hash
    after = record(
        session=db_session, actor=SYSTEM, action="t.after", entity_type="t", entity_id="9"
    )
    assert after.prev_hash == rows[-1].row_hash
    checked, broken = verify_chain(session=db_session)
    assert broken is None
    assert checked >= 5


def _run_verify(url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "industry_credit.cli", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_verify_catches_a_superuser_edit(fresh_database: Callable[[], str]) -> None:
    url = fresh_database()
    engine = create_engine(url)
    try:
        with Session(engine) as session, session.begin():
            entries = [
                record(
                    session=session,
                    actor=SYSTEM,
                    action=f"t.{i}",
                    entity_type="t",
                    entity_id=str(i),
                )
                for i in range(5)
            ]
            target = entries[2].id
            assert entries[0].prev_hash == GENESIS_HASH
        ok = _run_verify(url)
        assert ok.returncode == 0, ok.stderr
        assert "intact: 5 entries" in ok.stdout
        # A superuser can bypass the append-only trigger; the chain must still betray the edit.
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(
                text("UPDATE audit_log SET actor = 'mallory' WHERE id = :id"), {"id": target}
            )
        broken = _run_verify(url)
        assert broken.returncode == 1
        assert f"BROKEN at entry {target}" in broken.stderr
    finally:
        engine.dispose()
