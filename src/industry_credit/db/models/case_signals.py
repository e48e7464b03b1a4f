"""The nightly signals of a batch review case: one row per run that flagged (or cleared) the firm
while its case was open. The case page shows them as the case's history."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    Date,
    Double,
    ForeignKey,
    Identity,
    SmallInteger,
    String,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from industry_credit.db.base import Base, created_at_column
from industry_credit.db.models.review import SIGNAL_STATES
from industry_credit.vocabulary import sql_in


class ReviewCaseSignal(Base):
    __tablename__ = "review_case_signals"
    __table_args__ = (
        # A resumed or repeated finish of the same run never records a signal twice.
        UniqueConstraint("case_id", "run_id"),
        CheckConstraint(sql_in("state", SIGNAL_STATES), name="state"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("review_cases.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("batch_runs.id", ondelete="RESTRICT")
    )
    as_of: Mapped[date] = mapped_column(Date)
    flags: Mapped[list[str]] = mapped_column(ARRAY(String(64)), server_default=text("'{}'"))
    pd: Mapped[float | None] = mapped_column(Double)
    grade: Mapped[str | None] = mapped_column(String(8))
    exposure: Mapped[float | None] = mapped_column(Double)
    lgd: Mapped[float | None] = mapped_column(Double)
    expected_loss: Mapped[float | None] = mapped_column(Double)
    severity: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    state: Mapped[str] = mapped_column(String(16))
    # Why the state is 'worsened': new_flag:<code>, downgrade, expected_loss_up.
    changes: Mapped[list[str]] = mapped_column(ARRAY(String(64)), server_default=text("'{}'"))
    recorded_at: Mapped[datetime] = created_at_column()
