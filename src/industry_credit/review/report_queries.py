"""Reads for the monthly review reports (``reports.py``): officers' actions, overrides and
closed cases in a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from industry_credit.db.models import Decision, Review, ReviewCase, User


@dataclass(frozen=True)
class ReviewRow:
    actor: str
    action: str
    reason_codes: list[str]
    after: dict[str, Any]
    case_id: int


def reviews_between(*, session: Session, start: datetime, end: datetime) -> list[ReviewRow]:
    """Decision actions (approve, decline, override) by officers in [start, end)."""
    rows = session.execute(
        select(User.username, Review.action, Review.reason_codes, Review.after, Review.case_id)
        .join(User, User.id == Review.actor_id)
        .where(
            Review.created_at >= start,
            Review.created_at < end,
            Review.action.in_(("approve", "decline", "override")),
        )
        .order_by(Review.id)
    ).all()
    return [ReviewRow(r[0], r[1], list(r[2] or []), dict(r[3]), r[4]) for r in rows]


def overrides_between(
    *, session: Session, start: datetime, end: datetime
) -> list[tuple[Review, str, Decision | None]]:
    """Override actions in [start, end) with their officer and the case's engine decision."""
    rows = session.execute(
        select(Review, User.username, Decision)
        .join(User, User.id == Review.actor_id)
        .join(ReviewCase, ReviewCase.id == Review.case_id)
        .outerjoin(Decision, Decision.id == ReviewCase.decision_id)
        .where(Review.created_at >= start, Review.created_at < end, Review.action == "override")
        .order_by(Review.id)
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def closed_between(*, session: Session, start: datetime, end: datetime) -> list[ReviewCase]:
    rows = session.execute(
        select(ReviewCase).where(
            ReviewCase.closed_at >= start,
            ReviewCase.closed_at < end,
        )
    ).scalars()
    return list(rows)
