"""Signed checkpoints anchor the audit chain outside the database: cutting the tail or
re-sealing an edited chain with plain SHA-256 no longer verifies as intact."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from industry_credit.audit.service import GENESIS_HASH, row_hash
from industry_credit.db.models import AuditEntry


def _env(url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "INDUSTRY_CREDIT_AUDIT_CHECKPOINT_PATH": str(tmp_path / "worm" / "audit.checkpoints"),
        "INDUSTRY_CREDIT_AUDIT_CHECKPOINT_KEY": "checkpoint-key-held-outside-the-database",
        "INDUSTRY_CREDIT_AUDIT_CHECKPOINT_EVERY": "3",
    }


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "industry_credit.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _chain_with_checkpoints(url: str, tmp_path: Path) -> dict[str, str]:
    env = _env(url, tmp_path)
    for n in range(4):
        assert _cli(env, "users", "create", "--username", f"cp_{n}", "--role", "rm").returncode == 0
    points = tmp_path / "worm" / "audit.checkpoints"
    # Written by the commit that brought the chain to 3 entries, not by the others.
    assert [json.loads(line)["entry"] for line in points.read_text().splitlines()] == [3]
    made = _cli(env, "audit", "checkpoint")
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("checkpoint: entry 4 ")
    assert _cli(env, "audit", "checkpoint").stdout.strip() == (
        "no new audit entries since the last checkpoint"
    )
    intact = _cli(env, "audit", "verify")
    assert intact.returncode == 0, intact.stderr
    assert "matching the latest signed checkpoint" in intact.stdout
    return env


def _as_superuser(url: str, sql: str) -> None:
    """What an attacker with the owner's credentials can do: bypass the append-only triggers."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(sql))
    finally:
        engine.dispose()


def test_a_cut_tail_is_reported_by_entry(fresh_database: Callable[[], str], tmp_path: Path) -> None:
    url = fresh_database()
    env = _chain_with_checkpoints(url, tmp_path)
    _as_superuser(url, "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
    verdict = _cli(env, "audit", "verify")
    assert verdict.returncode == 1
    assert "TRUNCATED" in verdict.stderr
    assert "entry 4" in verdict.stderr
    assert "chain ends at entry 3" in verdict.stderr


def test_an_edited_and_rehashed_chain_is_reported_by_entry(
    fresh_database: Callable[[], str], tmp_path: Path
) -> None:
    url = fresh_database()
    env = _chain_with_checkpoints(url, tmp_path)
    engine = create_engine(url)
    try:
        with Session(engine) as session, session.begin():
            session.execute(text("SET LOCAL session_replication_role = replica"))
            entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
            entries[1].payload = {"role": "admin"}
            prev = GENESIS_HASH
            # Re-seal: every hash recomputed with plain SHA-256, as the probe did.
            for entry in entries:
                entry.prev_hash = prev
                entry.row_hash = f"{entry.id:064x}"  # unique placeholders first
            session.flush()
            for entry in entries:
                entry.prev_hash = prev
                entry.row_hash = row_hash(prev, entry)
                prev = entry.row_hash
    finally:
        engine.dispose()
    verdict = _cli(env, "audit", "verify")
    assert verdict.returncode == 1, verdict.stdout
    assert "RE-SEALED" in verdict.stderr
    assert "entry 4" in verdict.stderr
