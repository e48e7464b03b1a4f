"""Drawdown holds: the circuit breaker acting on existing facilities [004 §3.3].

When the nightly batch sees a circuit breaker (equipment downtime or order cancellations
jumping), the firm's undrawn amounts are frozen: one active hold per enterprise, recorded by the
run, until a risk officer lifts it with a written reason (audited).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    String,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from industry_credit.db.base import Base


class DrawdownHold(Base):
    __tablename__ = "drawdown_holds"
    __table_args__ = (
        CheckConstraint(
            "(lifted_at IS NULL) = (lifted_by IS NULL)"
            " AND (lifted_at IS NULL) = (lift_reason IS NULL)",
            name="lift_complete",
        ),
        CheckConstraint("lift_reason IS NULL OR length(trim(lift_reason)) > 0", name="lift_reason"),
        # One active hold per enterprise: a second breaker night keeps the first hold.
        Index(
            "uq_drawdown_holds_active",
            "enterprise_id",
            unique=True,
            postgresql_where=text("lifted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("batch_runs.id", ondelete="SET NULL")
    )
    as_of: Mapped[date] = mapped_column(Date)
    flags: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lifted_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id"))
    lift_reason: Mapped[str | None] = mapped_column(Text)
