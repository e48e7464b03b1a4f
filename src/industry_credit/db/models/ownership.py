"""Which relationship manager owns an enterprise: the first RM to apply, or one an admin assigns.

A table of its own rather than a column of ``enterprises``: the enterprise row is the declared
input schema (``tables.py``) that the decision kernel and the batch read, and ownership is an
access rule of the API, not an input of any decision.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, func
from sqlalchemy.orm import Mapped, mapped_column

from industry_credit.db.base import Base


class EnterpriseOwner(Base):
    __tablename__ = "enterprise_owners"

    enterprise_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True
    )
    owner_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    assigned_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # NULL: claimed by the owner's own first application; otherwise the admin who assigned it.
    assigned_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="RESTRICT")
    )
