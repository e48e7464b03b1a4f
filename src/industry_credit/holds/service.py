"""Listing and lifting drawdown holds (the batch places them: ``batch.runs``).

Lifting is a risk officer's decision (审贷分离: an RM may see the holds on the firms they own,
never lift one), taken with a written reason and audited in the same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from industry_credit.audit.service import Actor, record
from industry_credit.db.models import DrawdownHold, Enterprise, EnterpriseOwner, User
from industry_credit.errors import ConflictError, NotFoundError

SEES_ALL = ("risk_officer", "admin")


def hold_document(hold: DrawdownHold, uscc: str, lifted_by: str | None) -> dict[str, Any]:
    return {
        "id": hold.id,
        "enterprise_uscc": uscc,
        "as_of": hold.as_of.isoformat(),
        "flags": list(hold.flags),
        "placed_at": hold.placed_at.isoformat(),
        "active": hold.lifted_at is None,
        "lifted_at": hold.lifted_at.isoformat() if hold.lifted_at else None,
        "lifted_by": lifted_by,
        "lift_reason": hold.lift_reason,
    }


def list_holds(*, session: Session, user: User, active_only: bool) -> list[dict[str, Any]]:
    """The holds the user may see: all for risk officers and admins, an RM's own firms'."""
    lifter = User.__table__.alias("lifter")
    query = (
        select(DrawdownHold, Enterprise.uscc, lifter.c.username)
        .join(Enterprise, Enterprise.id == DrawdownHold.enterprise_id)
        .outerjoin(lifter, lifter.c.id == DrawdownHold.lifted_by)
        .order_by(DrawdownHold.placed_at.desc(), DrawdownHold.id.desc())
    )
    if active_only:
        query = query.where(DrawdownHold.lifted_at.is_(None))
    if user.role not in SEES_ALL:
        query = query.join(
            EnterpriseOwner, EnterpriseOwner.enterprise_id == DrawdownHold.enterprise_id
        ).where(EnterpriseOwner.owner_id == user.id)
    return [hold_document(h, uscc, name) for h, uscc, name in session.execute(query).all()]


def lift_hold(*, session: Session, officer: User, hold_id: int, reason: str) -> dict[str, Any]:
    """Lift an active hold (risk officer or admin; the caller checks the role). 404 for an
    unknown hold, 409 for one already lifted."""
    row = session.execute(
        select(DrawdownHold, Enterprise.uscc)
        .join(Enterprise, Enterprise.id == DrawdownHold.enterprise_id)
        .where(DrawdownHold.id == hold_id)
        .with_for_update(of=DrawdownHold)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"drawdown hold {hold_id} not found")
    hold, uscc = row
    if hold.lifted_at is not None:
        raise ConflictError(f"drawdown hold {hold_id} was already lifted")
    hold.lifted_at = session.execute(select(func.now())).scalar_one()
    hold.lifted_by = officer.id
    hold.lift_reason = reason
    session.flush()
    record(
        session=session,
        actor=Actor(officer.username, officer.role),
        action="drawdown_hold.lift",
        entity_type="enterprise",
        entity_id=uscc,
        payload={"hold_id": hold.id, "flags": list(hold.flags), "reason": reason},
    )
    return hold_document(hold, uscc, officer.username)
