"""Reads of applications with ownership: an RM sees only their own; others' ids are 404."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from industry_credit.db.models import Decision, Enterprise, EnterpriseOwner, LoanApplication, User
from industry_credit.errors import NotFoundError, UnprocessableError

SEES_ALL = ("risk_officer", "admin")
AnySelect = Select[*tuple[Any, ...]]


def _visible(stmt: AnySelect, user: User) -> AnySelect:
    if user.role in SEES_ALL:
        return stmt
    return stmt.where(LoanApplication.submitted_by == user.id)


def get_application(*, session: Session, user: User, application_id: uuid.UUID) -> LoanApplication:
    stmt = _visible(select(LoanApplication).where(LoanApplication.id == application_id), user)
    found: LoanApplication | None = session.execute(stmt).scalar_one_or_none()
    if found is None:
        raise NotFoundError(f"application {application_id} not found")
    return found


def application_with_decision(
    *, session: Session, user: User, application_id: uuid.UUID
) -> tuple[LoanApplication, Decision | None, Enterprise]:
    """One visible application (``get_application``'s rule), its decision and its enterprise."""
    app = get_application(session=session, user=user, application_id=application_id)
    decision = session.execute(
        select(Decision).where(Decision.application_id == app.id)
    ).scalar_one_or_none()
    enterprise = session.get(Enterprise, app.enterprise_id)
    assert enterprise is not None  # a foreign key
    return app, decision, enterprise


def get_visible_decision(*, session: Session, user: User, decision_id: uuid.UUID) -> Decision:
    stmt = select(Decision).join(LoanApplication, LoanApplication.id == Decision.application_id)
    found: Decision | None = session.execute(
        _visible(stmt.where(Decision.id == decision_id), user)
    ).scalar_one_or_none()
    if found is None:
        raise NotFoundError(f"decision {decision_id} not found")
    return found


@dataclass(frozen=True)
class ApplicationFilter:
    status: str | None = None
    outcome: str | None = None
    sector: str | None = None
    district: str | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None


def encode_cursor(created_at: datetime, application_id: uuid.UUID) -> str:
    raw = f"{created_at.isoformat()}|{application_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, ident = raw.split("|")
        return datetime.fromisoformat(stamp), uuid.UUID(ident)
    except (ValueError, UnicodeDecodeError):
        raise UnprocessableError(
            "invalid cursor", fields=[{"path": "query:cursor", "problem": "not a cursor we issued"}]
        ) from None


def list_applications(
    *, session: Session, user: User, filters: ApplicationFilter, limit: int, cursor: str | None
) -> tuple[list[tuple[LoanApplication, Decision | None, Enterprise]], str | None]:
    """Newest first, keyset-paginated on (created_at, id) so pages never skip or repeat."""
    stmt: AnySelect = (
        select(LoanApplication, Decision, Enterprise)
        .join(Enterprise, Enterprise.id == LoanApplication.enterprise_id)
        .outerjoin(Decision, Decision.application_id == LoanApplication.id)
    )
    stmt = _visible(stmt, user)
    if filters.status:
        stmt = stmt.where(LoanApplication.status == filters.status)
    if filters.outcome:
        stmt = stmt.where(Decision.outcome == filters.outcome)
    if filters.sector:
        stmt = stmt.where(Enterprise.sector == filters.sector)
    if filters.district:
        stmt = stmt.where(Enterprise.district == filters.district)
    if filters.submitted_from:
        stmt = stmt.where(
            LoanApplication.created_at >= datetime.combine(filters.submitted_from, time.min)
        )
    if filters.submitted_to:
        stmt = stmt.where(
            LoanApplication.created_at < datetime.combine(filters.submitted_to, time.max)
        )
    if cursor:
        at, ident = decode_cursor(cursor)
        stmt = stmt.where(
            or_(
                LoanApplication.created_at < at,
                and_(LoanApplication.created_at == at, LoanApplication.id < ident),
            )
        )
    stmt = stmt.order_by(LoanApplication.created_at.desc(), LoanApplication.id.desc()).limit(
        limit + 1
    )
    rows: list[tuple[LoanApplication, Decision | None, Enterprise]] = [
        (row[0], row[1], row[2]) for row in session.execute(stmt).all()
    ]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last: LoanApplication = rows[-1][0]
        next_cursor = encode_cursor(last.created_at, last.id)
    return rows, next_cursor


def enterprise_visible(*, session: Session, user: User, uscc: str) -> Enterprise:
    enterprise = session.execute(
        select(Enterprise).where(Enterprise.uscc == uscc)
    ).scalar_one_or_none()
    if enterprise is None:
        raise NotFoundError(f"enterprise {uscc} not found")
    if user.role in SEES_ALL:
        return enterprise
    owner = session.execute(
        select(EnterpriseOwner.owner_id).where(EnterpriseOwner.enterprise_id == enterprise.id)
    ).scalar_one_or_none()
    if owner != user.id:
        raise NotFoundError(f"enterprise {uscc} not found")
    return enterprise
