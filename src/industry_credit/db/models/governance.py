"""Model governance: stored validation reports, four-eyes promotions, credit events and the
challenger's shadow scores beside the champion's."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Identity,
    Index,
    String,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from industry_credit.db.base import Base, created_at_column
from industry_credit.vocabulary import OUTCOMES, sql_in

REPORT_KINDS = ("backtest", "compare")
PROMOTION_STATUSES = ("proposed", "approved", "withdrawn")
# Credit events of the outcomes feed: a default, or 90 days past due.
EVENT_TYPES = ("default", "dpd90")


class ModelReport(Base):
    """A backtest or compare report as produced, so a promotion can cite it by id."""

    __tablename__ = "model_reports"
    __table_args__ = (
        CheckConstraint(sql_in("kind", REPORT_KINDS), name="kind"),
        CheckConstraint(
            "(kind = 'compare') = (challenger_version IS NOT NULL)", name="compare_has_challenger"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    model_version: Mapped[str] = mapped_column(
        String(64), ForeignKey("model_versions.version", ondelete="RESTRICT"), index=True
    )
    challenger_version: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("model_versions.version", ondelete="RESTRICT")
    )
    params: Mapped[dict[str, object]] = mapped_column(JSONB)
    body: Mapped[dict[str, object]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()
    # NULL when produced by the command line without a named user.
    created_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="RESTRICT")
    )


class ModelPromotion(Base):
    """Four eyes on a new champion: one admin proposes citing a report, another approves.

    The approval and the activation commit together; a trigger on ``model_versions`` refuses an
    activation without an approval of this transaction (migration 20261205_09)."""

    __tablename__ = "model_promotions"
    __table_args__ = (
        CheckConstraint(sql_in("status", PROMOTION_STATUSES), name="status"),
        CheckConstraint(
            "approved_by IS NULL OR approved_by <> proposed_by", name="approver_not_proposer"
        ),
        CheckConstraint("(status = 'approved') = (approved_by IS NOT NULL)", name="approved_by"),
        CheckConstraint("(status = 'proposed') = (decided_at IS NULL)", name="decided_at"),
        Index(
            "uq_model_promotions_one_pending",
            "model_version",
            unique=True,
            postgresql_where=text("status = 'proposed'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    model_version: Mapped[str] = mapped_column(
        String(64), ForeignKey("model_versions.version", ondelete="RESTRICT"), index=True
    )
    report_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("model_reports.id", ondelete="RESTRICT")
    )
    proposed_by: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="RESTRICT")
    )
    proposed_at: Mapped[datetime] = created_at_column()
    status: Mapped[str] = mapped_column(String(16), server_default=text("'proposed'"))
    approved_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="RESTRICT")
    )
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CreditEvent(Base):
    """An outcome from the credit-events feed; append-only (migration 20261205_09)."""

    __tablename__ = "credit_events"
    __table_args__ = (
        CheckConstraint(sql_in("event_type", EVENT_TYPES), name="event_type"),
        UniqueConstraint("enterprise_id", "event_type", "event_date"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(16))
    event_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = created_at_column()


class ShadowScore(Base):
    """The challenger's PD, grade and outcome for one decision or one nightly rating, beside the
    champion's. Never read by any decision."""

    __tablename__ = "shadow_scores"
    __table_args__ = (
        CheckConstraint("(decision_id IS NULL) <> (run_id IS NULL)", name="one_source"),
        CheckConstraint(sql_in("champion_outcome", OUTCOMES), name="champion_outcome"),
        CheckConstraint(sql_in("challenger_outcome", OUTCOMES), name="challenger_outcome"),
        CheckConstraint("challenger_pd >= 0 AND challenger_pd <= 1", name="challenger_pd_range"),
        UniqueConstraint("run_id", "enterprise_id"),
        Index("ix_shadow_scores_challenger_as_of", "challenger_version", "as_of"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    decision_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("decisions.id", ondelete="RESTRICT"), unique=True
    )
    run_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("batch_runs.id", ondelete="RESTRICT")
    )
    as_of: Mapped[date] = mapped_column(Date)
    # No index of its own: every reader selects by challenger and date, and the nightly write
    # of a chunk is the cost that must stay small.
    enterprise_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("enterprises.id", ondelete="RESTRICT")
    )
    champion_version: Mapped[str] = mapped_column(
        String(64), ForeignKey("model_versions.version", ondelete="RESTRICT")
    )
    challenger_version: Mapped[str] = mapped_column(
        String(64), ForeignKey("model_versions.version", ondelete="RESTRICT")
    )
    ruleset_version: Mapped[str] = mapped_column(
        String(64), ForeignKey("ruleset_versions.version", ondelete="RESTRICT")
    )
    champion_pd: Mapped[float] = mapped_column(Double)
    champion_grade: Mapped[str] = mapped_column(String(8))
    champion_outcome: Mapped[str] = mapped_column(String(8))
    challenger_pd: Mapped[float] = mapped_column(Double)
    challenger_grade: Mapped[str] = mapped_column(String(8))
    challenger_outcome: Mapped[str] = mapped_column(String(8))
    scored_at: Mapped[datetime] = created_at_column()
