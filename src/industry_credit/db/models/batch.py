"""Nightly rescoring runs, their chunk checkpoints and per-enterprise results."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from industry_credit.db.base import Base, created_at_column
from industry_credit.vocabulary import OUTCOMES, sql_in

RUN_STATUSES = ("running", "succeeded", "failed", "superseded")


class BatchRun(Base):
    __tablename__ = "batch_runs"
    __table_args__ = (
        CheckConstraint(sql_in("status", RUN_STATUSES), name="status"),
        CheckConstraint("chunk_size > 0", name="chunk_size_positive"),
        CheckConstraint(
            "(status = 'running') = (finished_at IS NULL)", name="finished_unless_running"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16))
    chunk_size: Mapped[int] = mapped_column(Integer)
    total_chunks: Mapped[int | None] = mapped_column(Integer)
    model_version: Mapped[str] = mapped_column(String(64), ForeignKey("model_versions.version"))
    ruleset_version: Mapped[str] = mapped_column(String(64), ForeignKey("ruleset_versions.version"))
    params: Mapped[dict[str, object]] = mapped_column(JSONB, server_default=text("'{}'"))
    report: Mapped[dict[str, object] | None] = mapped_column(JSONB)
    report_html: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = created_at_column()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BatchCheckpoint(Base):
    """A chunk is done exactly when its checkpoint row exists (same transaction as its results)."""

    __tablename__ = "batch_checkpoints"
    __table_args__ = (CheckConstraint("rows_scored >= 0", name="rows_nonneg"),)

    run_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("batch_runs.id", ondelete="CASCADE"), primary_key=True
    )
    chunk_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    rows_scored: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Double)
    # Migration 20261121_03 (issue 8): the chunk's additive report aggregates (timings, PSI bin
    # counts, early warnings), committed with its results.
    stats: Mapped[dict[str, object]] = mapped_column(JSONB, server_default=text("'{}'"))
    done_at: Mapped[datetime] = created_at_column()


class RescoreResult(Base):
    __tablename__ = "rescore_results"
    __table_args__ = (
        CheckConstraint("pd >= 0 AND pd <= 1", name="pd_range"),
        CheckConstraint(sql_in("outcome", OUTCOMES), name="outcome"),
        CheckConstraint(
            "pd_standalone IS NULL OR (pd_standalone >= 0 AND pd_standalone <= 1)",
            name="pd_standalone_range",
        ),
        # Migration 20261122_04: one partition per as-of date, made by the run that fills it
        # (industry_credit.batch.partitions).
        {"postgresql_partition_by": "LIST (as_of)"},
    )

    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True
    )
    run_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("batch_runs.id", ondelete="CASCADE"), index=True
    )
    pd: Mapped[float] = mapped_column(Double)
    grade: Mapped[str] = mapped_column(String(8))
    outcome: Mapped[str] = mapped_column(String(8))
    stage: Mapped[str | None] = mapped_column(String(16))
    flags: Mapped[list[str]] = mapped_column(ARRAY(String(64)), server_default=text("'{}'"))
    contagion_score: Mapped[float] = mapped_column(Double, server_default="0")
    # Migration 20261121_03 (issue 8): the first-pass score on the firm's own data, before any
    # contagion re-evaluation, so that a resumed run recomputes the contagion sources exactly.
    pd_standalone: Mapped[float | None] = mapped_column(Double)
    grade_standalone: Mapped[str | None] = mapped_column(String(8))
    # The latest rating known before this run (previous run or decision) and the change in
    # notches on the master scale (positive = downgrade).
    previous_grade: Mapped[str | None] = mapped_column(String(8))
    notches: Mapped[int | None] = mapped_column(SmallInteger)
    # Severity in [0, 1] of a core enterprise as a contagion source (0: not a source).
    distress: Mapped[float] = mapped_column(Double, server_default="0")
    # Migration 20261205_10: the TreeSHAP reason codes of a firm the run sent to the officers'
    # queue (feature, contribution, value, zh, en, as in a decision); NULL for the others.
    reasons: Mapped[list[dict[str, object]] | None] = mapped_column(JSONB)
    # ... and the rules that fired for it with the values they read: {"rule_hits", "values"}.
    flag_evidence: Mapped[dict[str, object] | None] = mapped_column(JSONB)
