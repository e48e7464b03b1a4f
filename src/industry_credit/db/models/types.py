"""Column types shared by the models: money is NUMERIC, rates are bounded NUMERIC."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Numeric
from sqlalchemy.orm import Mapped, mapped_column

MONEY = Numeric(18, 2)
RATE = Numeric(7, 6)


def money(nullable: bool = False, default: int | None = 0) -> Mapped[Decimal]:
    if default is None:
        return mapped_column(MONEY, nullable=nullable)
    return mapped_column(MONEY, nullable=nullable, server_default=str(default))


def fraction(nullable: bool = False) -> Mapped[Decimal]:
    return mapped_column(RATE, nullable=nullable)
