from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Identity, String, text
from sqlalchemy.orm import Mapped, mapped_column

from industry_credit.db.base import Base, created_at_column
from industry_credit.vocabulary import ROLES, sql_in


class User(Base):
    """A person who acts in the system; the role decides what they may do."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(sql_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(server_default=text("true"))
    created_at: Mapped[datetime] = created_at_column()
