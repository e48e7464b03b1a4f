from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    DateTime,
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

from industry_credit.db.base import Base, created_at_column, updated_at_column
from industry_credit.db.models.types import MONEY
from industry_credit.vocabulary import COLLATERAL, PRODUCT_CODES, PURPOSES, sql_in

APPLICATION_STATUSES = (
    "decided",  # the engine approved or declined; final unless sampled for QC
    "in_review",  # referred (or sampled) and waiting for risk officers
    "info_requested",  # a risk officer asked the RM a question
    "approved",
    "declined",
)


def _array_literal(values: tuple[str, ...]) -> str:
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]::varchar[]"


class LoanApplication(Base):
    __tablename__ = "loan_applications"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("tenor_months BETWEEN 1 AND 360", name="tenor_range"),
        CheckConstraint(sql_in("purpose", PURPOSES), name="purpose"),
        CheckConstraint(f"collateral <@ {_array_literal(COLLATERAL)}", name="collateral"),
        CheckConstraint(
            f"requested_product IS NULL OR {sql_in('requested_product', PRODUCT_CODES)}",
            name="requested_product",
        ),
        CheckConstraint(sql_in("status", APPLICATION_STATUSES), name="status"),
        CheckConstraint("document_sha256 ~ '^[0-9a-f]{64}$'", name="document_sha256_hex"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    submitted_by: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(MONEY)
    tenor_months: Mapped[int] = mapped_column(SmallInteger)
    purpose: Mapped[str] = mapped_column(String(32))
    collateral: Mapped[list[str]] = mapped_column(
        ARRAY(String(32)), server_default=text("'{}'::varchar[]")
    )
    requested_product: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), index=True)
    # The document exactly as the RM sent it, for replay and audit.
    document: Mapped[dict[str, object]] = mapped_column(JSONB)
    document_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class IdempotencyKey(Base):
    """A client's retry key, scoped to the user, holding the original response."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        CheckConstraint("request_sha256 ~ '^[0-9a-f]{64}$'", name="request_sha256_hex"),
        CheckConstraint("expires_at > created_at", name="expiry_after_creation"),
    )

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, object] | None] = mapped_column(JSONB)
    application_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("loan_applications.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    note: Mapped[str | None] = mapped_column(Text)
