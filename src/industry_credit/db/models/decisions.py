"""Decisions with full provenance, and the model and ruleset versions they point to."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from industry_credit.db.base import Base, created_at_column
from industry_credit.db.models.types import MONEY, RATE
from industry_credit.vocabulary import OUTCOMES, STAGES, sql_in


class ModelVersion(Base):
    """A trained model artifact, kept addressable by version so old decisions replay."""

    __tablename__ = "model_versions"
    __table_args__ = (
        CheckConstraint("artifact_sha256 ~ '^[0-9a-f]{64}$'", name="artifact_sha256_hex"),
        Index(
            "uq_model_versions_one_active",
            "is_active",
            unique=True,
            postgresql_where=text("is_active"),
        ),
        # One challenger at a time, and never the champion itself.
        Index(
            "uq_model_versions_one_challenger",
            "is_challenger",
            unique=True,
            postgresql_where=text("is_challenger"),
        ),
        CheckConstraint("NOT (is_active AND is_challenger)", name="champion_not_challenger"),
    )

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    manifest: Mapped[dict[str, object]] = mapped_column(JSONB)
    # The artifact as a tar archive; a few MB, stored so that replay never depends on a file path.
    artifact: Mapped[bytes] = mapped_column(LargeBinary)
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(server_default=text("false"))
    is_challenger: Mapped[bool] = mapped_column(server_default=text("false"))
    registered_at: Mapped[datetime] = created_at_column()
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    activated_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id"))


class RulesetVersion(Base):
    """An immutable ruleset, identified by the SHA-256 of its canonical content."""

    __tablename__ = "ruleset_versions"
    __table_args__ = (
        CheckConstraint("version ~ '^[0-9a-f]{64}$'", name="version_is_sha256"),
        CheckConstraint(
            "(activated_at IS NULL) = (activated_by IS NULL)", name="activation_has_actor"
        ),
        Index(
            "uq_ruleset_versions_one_active",
            "is_active",
            unique=True,
            postgresql_where=text("is_active"),
        ),
    )

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    content: Mapped[dict[str, object]] = mapped_column(JSONB)
    source_text: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(server_default=text("false"))
    loaded_at: Mapped[datetime] = created_at_column()
    loaded_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id"))
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    activated_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id"))


class Decision(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        CheckConstraint("pd >= 0 AND pd <= 1", name="pd_range"),
        CheckConstraint(sql_in("outcome", OUTCOMES), name="outcome"),
        CheckConstraint(sql_in("stage", STAGES), name="stage"),
        CheckConstraint(
            f"stage_declared IS NULL OR {sql_in('stage_declared', STAGES)}", name="stage_declared"
        ),
        CheckConstraint("limit_amount >= 0", name="limit_nonneg"),
        CheckConstraint("tenor_months >= 0 AND tenor_months <= 360", name="tenor_range"),
        CheckConstraint(
            "outcome <> 'decline' OR jsonb_array_length(products) = 0", name="decline_no_products"
        ),
        CheckConstraint("jsonb_array_length(reasons) <= 4", name="at_most_four_reasons"),
        CheckConstraint("input_sha256 ~ '^[0-9a-f]{64}$'", name="input_sha256_hex"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("loan_applications.id", ondelete="RESTRICT"), unique=True
    )
    enterprise_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    pd: Mapped[float] = mapped_column(Double)
    grade: Mapped[str] = mapped_column(String(8), index=True)
    outcome: Mapped[str] = mapped_column(String(8), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    stage_declared: Mapped[str | None] = mapped_column(String(16))
    products: Mapped[list[dict[str, object]]] = mapped_column(JSONB)
    limit_amount: Mapped[Decimal] = mapped_column(MONEY)
    limit_binding: Mapped[str] = mapped_column(String(64))
    tenor_months: Mapped[int] = mapped_column(SmallInteger)
    tenor_binding: Mapped[str] = mapped_column(String(64))
    pricing: Mapped[dict[str, object]] = mapped_column(JSONB)
    rate: Mapped[Decimal] = mapped_column(RATE)
    conditions: Mapped[list[str]] = mapped_column(JSONB)
    reasons: Mapped[list[dict[str, object]]] = mapped_column(JSONB)
    rule_hits: Mapped[list[dict[str, object]]] = mapped_column(JSONB)
    flags: Mapped[list[str]] = mapped_column(ARRAY(String(64)), server_default=text("'{}'"))
    model_version: Mapped[str] = mapped_column(
        String(64), ForeignKey("model_versions.version", ondelete="RESTRICT"), index=True
    )
    ruleset_version: Mapped[str] = mapped_column(
        String(64), ForeignKey("ruleset_versions.version", ondelete="RESTRICT"), index=True
    )
    # The canonical input the engine saw; replay recomputes from it alone.
    input_snapshot: Mapped[dict[str, object]] = mapped_column(JSONB)
    input_sha256: Mapped[str] = mapped_column(String(64))
    # The decision document exactly as answered, to compare a replay against.
    document: Mapped[dict[str, object]] = mapped_column(JSONB)
    decided_at: Mapped[datetime] = created_at_column()
