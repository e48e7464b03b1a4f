"""Reads for the review queue and the case file. All SQL of the review module lives here
(the panorama's aggregates in ``panorama_queries.py``, the monthly reports' in
``report_queries.py``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session, aliased

from industry_credit.db.models import (
    AuditEntry,
    BatchRun,
    Decision,
    Enterprise,
    LoanApplication,
    RescoreResult,
    Review,
    ReviewCase,
    ReviewCaseSignal,
    User,
)
from industry_credit.errors import NotFoundError
from industry_credit.review.codes import GRADE_BANDS, OPEN_STATUSES
from industry_credit.review.priority import active_policy, expected_loss_sql
from industry_credit.review.ratings import Rating
from industry_credit.review.ratings import current as current_ratings
from industry_credit.rules.review_queue import QueuePolicy

# What the queue can be sorted by; "grade" sorts by PD because grades are ordered by PD;
# "priority" is SLA breach, worsened tonight, expected loss, severity, age (review/priority.py).
SORT_KEYS = ("priority", "age", "amount", "pd", "grade", "enterprise", "expected_loss")


@dataclass(frozen=True)
class QueueFilter:
    statuses: tuple[str, ...] = OPEN_STATUSES
    source: str | None = None
    district: str | None = None
    sector: str | None = None
    stage: str | None = None
    grade: str | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    min_age_hours: float | None = None
    max_age_hours: float | None = None
    over_sla_only: bool = False
    search: str | None = None  # part of the firm's name, or the start of its USCC
    grade_band: str | None = None  # a key of ``codes.GRADE_BANDS``
    awaiting_second_for: int | None = None  # a user id: proposals this officer may still sign
    holder: str | None = None  # "none": free cases; otherwise a holder's username


@dataclass(frozen=True)
class QueueItem:
    case_id: int
    source: str
    status: str
    flags: list[str]
    enqueued_at: datetime
    enterprise_id: int
    enterprise_uscc: str
    enterprise_name: str
    district: str
    sector: str
    application_id: uuid.UUID | None
    decision_id: uuid.UUID | None
    amount: Decimal
    pd: float | None
    grade: str | None
    stage: str | None
    engine_outcome: str | None
    proposal: dict[str, Any] | None
    current: Rating | None = None  # the firm's newest rating: this decision or a later run
    holder: str | None = None  # the officer who holds the case (claims.py)
    expected_loss: float | None = None
    severity: int | None = None
    signal_state: str | None = None
    signal_changes: list[str] = field(default_factory=list)  # why the latest night worsened it
    severity_flags: list[str] = field(default_factory=list)  # the flags that set the severity


def _columns(policy: QueuePolicy) -> dict[str, ColumnElement[Any]]:
    cols: dict[str, ColumnElement[Any]] = {
        "amount": func.coalesce(LoanApplication.amount, Enterprise.exposure),
        "pd": func.coalesce(Decision.pd, RescoreResult.pd),
        "grade": func.coalesce(Decision.grade, RescoreResult.grade),
        "stage": func.coalesce(Decision.stage, RescoreResult.stage),
        "outcome": func.coalesce(Decision.outcome, RescoreResult.outcome),
    }
    stored: ColumnElement[Any] = ReviewCase.expected_loss.expression
    cols["el"] = expected_loss_sql(policy, stored, cols["pd"], cols["amount"])
    return cols


# The officer holding a case (a second join of ``users``).
Holder = aliased(User, name="holder")


def _base_query(cols: dict[str, ColumnElement[Any]]) -> Any:
    return (
        select(
            ReviewCase,
            Holder.username.label("holder"),
            Enterprise.uscc,
            Enterprise.name,
            Enterprise.district,
            Enterprise.sector,
            cols["amount"].label("amount"),
            cols["pd"].label("pd"),
            cols["grade"].label("grade"),
            cols["stage"].label("stage"),
            cols["outcome"].label("outcome"),
            cols["el"].label("el"),
        )
        .join(Enterprise, Enterprise.id == ReviewCase.enterprise_id)
        .outerjoin(Holder, Holder.id == ReviewCase.assigned_to)
        .outerjoin(LoanApplication, LoanApplication.id == ReviewCase.application_id)
        .outerjoin(Decision, Decision.id == ReviewCase.decision_id)
        # A batch flag carries the run's rescore of the enterprise instead of a decision.
        .outerjoin(
            RescoreResult,
            and_(
                RescoreResult.run_id == ReviewCase.batch_run_id,
                RescoreResult.enterprise_id == ReviewCase.enterprise_id,
            ),
        )
    )


def _filtered(
    stmt: Any, cols: dict[str, ColumnElement[Any]], f: QueueFilter, now: datetime, sla_hours: int
) -> Any:
    stmt = stmt.where(ReviewCase.status.in_(f.statuses))
    exact = {
        ReviewCase.source: f.source,
        Enterprise.district: f.district,
        Enterprise.sector: f.sector,
        cols["stage"]: f.stage,
        cols["grade"]: f.grade,
    }
    for column, value in exact.items():
        if value:
            stmt = stmt.where(column == value)
    if f.amount_min is not None:
        stmt = stmt.where(cols["amount"] >= f.amount_min)
    if f.amount_max is not None:
        stmt = stmt.where(cols["amount"] <= f.amount_max)
    if f.min_age_hours is not None:
        stmt = stmt.where(ReviewCase.enqueued_at <= now - timedelta(hours=f.min_age_hours))
    if f.max_age_hours is not None:
        stmt = stmt.where(ReviewCase.enqueued_at >= now - timedelta(hours=f.max_age_hours))
    if f.over_sla_only:
        stmt = stmt.where(ReviewCase.enqueued_at < now - timedelta(hours=sla_hours))
    if f.search:
        # The officer's text is matched literally: LIKE's wildcards in it are escaped.
        text = f.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(
            or_(
                Enterprise.name.ilike(f"%{text}%", escape="\\"),
                Enterprise.uscc.ilike(f"{text.upper()}%", escape="\\"),
            )
        )
    if f.grade_band in GRADE_BANDS:
        stmt = stmt.where(cols["grade"].in_(GRADE_BANDS[f.grade_band]))
    if f.awaiting_second_for is not None:
        # A proposal this officer has not yet agreed to: the second signature is theirs to give.
        agreed = ReviewCase.proposal["agreed_by"]
        stmt = stmt.where(
            ReviewCase.status == "awaiting_second",
            ~agreed.contains(func.jsonb_build_array(f.awaiting_second_for)),
        )
    if f.holder == "none":
        stmt = stmt.where(ReviewCase.assigned_to.is_(None))
    elif f.holder:
        stmt = stmt.where(Holder.username == f.holder)
    return stmt


def list_queue(
    *,
    session: Session,
    filters: QueueFilter,
    now: datetime,
    sla_hours: int,
    sort: str = "age",
    descending: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[QueueItem], int]:
    """One page of the queue and the total matching, in ``sort`` order (see ``SORT_KEYS``)."""
    policy = active_policy(session)
    cols = _columns(policy)
    stmt = _filtered(_base_query(cols), cols, filters, now, sla_hours)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    if sort == "priority":
        # Descending priority is the point of this order; ``descending`` reverses it.
        breached = case(
            (
                and_(
                    ReviewCase.status.in_(OPEN_STATUSES),
                    ReviewCase.enqueued_at < now - timedelta(hours=sla_hours),
                ),
                0,
            ),
            else_=1,
        )
        worsened = case((ReviewCase.signal_state == "worsened", 0), else_=1)
        keys: list[Any] = [
            breached.desc() if descending else breached.asc(),
            worsened.desc() if descending else worsened.asc(),
            cols["el"].asc().nulls_first() if descending else cols["el"].desc().nulls_last(),
            ReviewCase.severity.asc().nulls_first()
            if descending
            else ReviewCase.severity.desc().nulls_last(),
            ReviewCase.enqueued_at.desc() if descending else ReviewCase.enqueued_at.asc(),
        ]
        rows = session.execute(
            stmt.order_by(*keys, ReviewCase.id).limit(limit).offset(offset)
        ).all()
        return _with_current(session, [_item(row) for row in rows], policy), int(total)
    key: Any = {
        "expected_loss": cols["el"].desc().nulls_last()
        if descending
        else cols["el"].asc().nulls_last(),
        # Oldest first is "ascending age", i.e. ascending enqueue time.
        "age": ReviewCase.enqueued_at.desc() if descending else ReviewCase.enqueued_at.asc(),
        "amount": cols["amount"].desc() if descending else cols["amount"].asc(),
        "pd": cols["pd"].desc().nulls_last() if descending else cols["pd"].asc().nulls_last(),
        "grade": cols["pd"].desc().nulls_last() if descending else cols["pd"].asc().nulls_last(),
        "enterprise": Enterprise.name.desc() if descending else Enterprise.name.asc(),
    }[sort]
    rows = session.execute(stmt.order_by(key, ReviewCase.id).limit(limit).offset(offset)).all()
    return _with_current(session, [_item(row) for row in rows], policy), int(total)


def _with_current(session: Session, items: list[QueueItem], policy: QueuePolicy) -> list[QueueItem]:
    ratings = current_ratings(session=session, enterprise_ids=[i.enterprise_id for i in items])
    changes = latest_signal_changes(
        session=session, case_ids=[i.case_id for i in items if i.signal_state == "worsened"]
    )
    return [
        replace(
            i,
            current=ratings.get(i.enterprise_id),
            signal_changes=changes.get(i.case_id, []),
            severity_flags=[
                f for f in i.flags if i.severity and policy.severity.get(f, 0) == i.severity
            ],
        )
        for i in items
    ]


def latest_signal_changes(*, session: Session, case_ids: list[int]) -> dict[int, list[str]]:
    """Each case's changes in its latest nightly signal (why it worsened)."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(ReviewCaseSignal.case_id, ReviewCaseSignal.changes)
        .where(ReviewCaseSignal.case_id.in_(case_ids))
        .ext(distinct_on(ReviewCaseSignal.case_id))
        .order_by(
            ReviewCaseSignal.case_id, ReviewCaseSignal.as_of.desc(), ReviewCaseSignal.id.desc()
        )
    ).all()
    return {int(c): list(ch or []) for c, ch in rows}


def case_signals(*, session: Session, case_id: int) -> list[ReviewCaseSignal]:
    """The case's nightly signals, oldest first: its history in the queue."""
    rows = session.execute(
        select(ReviewCaseSignal)
        .where(ReviewCaseSignal.case_id == case_id)
        .order_by(ReviewCaseSignal.as_of, ReviewCaseSignal.id)
    ).scalars()
    return list(rows)


def _item(row: Any) -> QueueItem:
    case: ReviewCase = row[0]
    return QueueItem(
        case_id=case.id,
        source=case.source,
        status=case.status,
        flags=list(case.flags or []),
        enqueued_at=case.enqueued_at,
        enterprise_id=case.enterprise_id,
        enterprise_uscc=row.uscc,
        enterprise_name=row.name,
        district=row.district,
        sector=row.sector,
        application_id=case.application_id,
        decision_id=case.decision_id,
        amount=Decimal(row.amount or 0),
        pd=None if row.pd is None else float(row.pd),
        grade=row.grade,
        stage=row.stage,
        engine_outcome=row.outcome,
        proposal=case.proposal,
        holder=row.holder,
        expected_loss=None if row.el is None else float(row.el),
        severity=case.severity,
        signal_state=case.signal_state,
    )


def queue_item(*, session: Session, case_id: int) -> QueueItem:
    policy = active_policy(session)
    cols = _columns(policy)
    row = session.execute(_base_query(cols).where(ReviewCase.id == case_id)).first()
    if row is None:
        raise NotFoundError(f"review case {case_id} not found")
    return _with_current(session, [_item(row)], policy)[0]


@dataclass
class CaseFile:
    """Everything about one case that the API and the case page show."""

    case: ReviewCase
    enterprise: Enterprise
    application: LoanApplication | None
    decision: Decision | None
    rescore: RescoreResult | None
    submitted_by: User | None
    reviews: list[tuple[Review, User]] = field(default_factory=list)


def lock_case(*, session: Session, case_id: int) -> ReviewCase:
    """Take the case row lock, so that two officers acting at once are serialised."""
    case = session.execute(
        select(ReviewCase).where(ReviewCase.id == case_id).with_for_update()
    ).scalar_one_or_none()
    if case is None:
        raise NotFoundError(f"review case {case_id} not found")
    return case


def case_file(*, session: Session, case: ReviewCase) -> CaseFile:
    enterprise = session.get(Enterprise, case.enterprise_id)
    assert enterprise is not None  # foreign key
    application = session.get(LoanApplication, case.application_id) if case.application_id else None
    decision = session.get(Decision, case.decision_id) if case.decision_id else None
    rescore = None
    if case.batch_run_id is not None:
        rescore = session.execute(
            select(RescoreResult).where(
                RescoreResult.run_id == case.batch_run_id,
                RescoreResult.enterprise_id == case.enterprise_id,
            )
        ).scalar_one_or_none()
    submitter = session.get(User, application.submitted_by) if application else None
    return CaseFile(
        case=case,
        enterprise=enterprise,
        application=application,
        decision=decision,
        rescore=rescore,
        submitted_by=submitter,
        reviews=case_reviews(session=session, case_id=case.id),
    )


def case_reviews(*, session: Session, case_id: int) -> list[tuple[Review, User]]:
    rows = session.execute(
        select(Review, User)
        .join(User, User.id == Review.actor_id)
        .where(Review.case_id == case_id)
        .order_by(Review.id)
    ).all()
    return [(r, u) for r, u in rows]


def audit_entries(*, session: Session, entity_ids: list[str], limit: int = 200) -> list[AuditEntry]:
    """Audit rows about the case, its application and its decision, oldest first."""
    rows = session.execute(
        select(AuditEntry)
        .where(AuditEntry.entity_id.in_(entity_ids))
        .order_by(AuditEntry.id)
        .limit(limit)
    ).scalars()
    return list(rows)


def enterprise_decisions(*, session: Session, enterprise_id: int) -> list[Decision]:
    """The enterprise's earlier decisions, newest first: its decision history."""
    rows = session.execute(
        select(Decision)
        .where(Decision.enterprise_id == enterprise_id)
        .order_by(Decision.decided_at.desc())
        .limit(20)
    ).scalars()
    return list(rows)


def latest_batch_run(*, session: Session) -> BatchRun | None:
    """The newest finished run that produced an HTML report."""
    return session.execute(
        select(BatchRun)
        .where(BatchRun.report_html.is_not(None))
        .order_by(BatchRun.started_at.desc())
        .limit(1)
    ).scalar_one_or_none()
