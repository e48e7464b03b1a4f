"""The risk officers' queue and their actions (审贷分离, four-eyes)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    Identity,
    Index,
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

CASE_SOURCES = ("refer", "qc_sample", "batch_flag", "info_answered")
CASE_STATUSES = ("open", "awaiting_second", "info_requested", "closed")
REVIEW_ACTIONS = ("approve", "decline", "override", "request_info", "answer_info")
# What the latest nightly run said about an open batch case (``batch/enqueue.py``).
SIGNAL_STATES = ("new", "unchanged", "worsened", "cleared")


class ReviewCase(Base):
    """One item in the queue: a referred or sampled decision, or a batch-flagged enterprise."""

    __tablename__ = "review_cases"
    __table_args__ = (
        CheckConstraint(sql_in("source", CASE_SOURCES), name="source"),
        CheckConstraint(sql_in("status", CASE_STATUSES), name="status"),
        CheckConstraint(
            f"final_outcome IS NULL OR {sql_in('final_outcome', OUTCOMES)}", name="final_outcome"
        ),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_has_time"),
        CheckConstraint(
            "source = 'batch_flag' OR decision_id IS NOT NULL", name="decision_unless_batch"
        ),
        CheckConstraint(
            "(status = 'awaiting_second') = (proposal IS NOT NULL)", name="awaiting_has_proposal"
        ),
        CheckConstraint(
            "assigned_to IS NULL OR (assigned_by IS NOT NULL AND assigned_at IS NOT NULL)",
            name="claim_recorded",
        ),
        CheckConstraint(
            f"signal_state IS NULL OR {sql_in('signal_state', SIGNAL_STATES)}",
            name="signal_state",
        ),
        # One open batch case per firm: later runs append their signals to it (batch/enqueue.py).
        Index(
            "uq_review_cases_open_batch_firm",
            "enterprise_id",
            unique=True,
            postgresql_where=text("source = 'batch_flag' AND status <> 'closed'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    application_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("loan_applications.id", ondelete="RESTRICT"), index=True
    )
    decision_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("decisions.id", ondelete="RESTRICT"), index=True
    )
    # A batch case: the run of its latest signal (the run that opened it is its first signal).
    batch_run_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("batch_runs.id", ondelete="RESTRICT")
    )
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    flags: Mapped[list[str]] = mapped_column(ARRAY(String(64)), server_default=text("'{}'"))
    # The outcome and terms waiting for a second officer's agreement (four-eyes, see
    # review/policy.py): present exactly while the case is 'awaiting_second'.
    proposal: Mapped[dict[str, object] | None] = mapped_column(JSONB(none_as_null=True))
    final_outcome: Mapped[str | None] = mapped_column(String(8))
    final_terms: Mapped[dict[str, object] | None] = mapped_column(JSONB)
    enqueued_at: Mapped[datetime] = created_at_column()
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Migration 20261205_10: the officer who holds the case (claimed, or assigned by an admin);
    # no other officer decides it while held (review/claims.py, enforced by triggers too).
    assigned_to: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    assigned_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="RESTRICT")
    )
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Batch cases: PD x exposure x LGD of the latest signal, its severity, and what that
    # signal did to the case (new, unchanged, worsened, cleared) and when.
    expected_loss: Mapped[float | None] = mapped_column(Double)
    severity: Mapped[int | None] = mapped_column(SmallInteger)
    signal_state: Mapped[str | None] = mapped_column(String(16))
    signal_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Review(Base):
    """One action by a person on a case; never updated, only appended."""

    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint(sql_in("action", REVIEW_ACTIONS), name="action"),
        CheckConstraint("length(btrim(reason)) >= 10", name="reason_written"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("review_cases.id", ondelete="RESTRICT"), index=True
    )
    actor_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="RESTRICT"))
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    reason_codes: Mapped[list[str]] = mapped_column(ARRAY(String(64)), server_default=text("'{}'"))
    before: Mapped[dict[str, object]] = mapped_column(JSONB)
    after: Mapped[dict[str, object]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()
