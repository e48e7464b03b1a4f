"""REST under /v1/reviews: the queue, a case, officers' actions, the RM's answer, reports.

Risk officers act; admins may read the queue, cases and reports but not act (the service
refuses); RMs reach only ``POST /{case_id}/answer``, and only for their own application.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from industry_credit.api.deps import DbSession, require_roles
from industry_credit.applications.schemas import District, Sector, Stage
from industry_credit.db.models import ReviewCase, User
from industry_credit.review import (
    claims,
    digest,
    override_terms,
    panorama,
    questions,
    repository,
    service,
)
from industry_credit.review.codes import OPEN_STATUSES
from industry_credit.review.presenters import case_out, summary_out
from industry_credit.review.reports import current_month, override_report
from industry_credit.review.schemas import (
    AnswerIn,
    AssignIn,
    CaseOut,
    DecisionActionIn,
    OverrideIn,
    OverrideReport,
    QuestionIn,
    QueuePage,
    SignalOut,
)
from industry_credit.review.service import ReviewPolicy

router = APIRouter(prefix="/v1/reviews", tags=["reviews"])

# Bounds keep absurd inputs a 422 rather than an overflow in the database (a case id is BIGINT).
CaseId = Annotated[int, Path(ge=1, le=2**63 - 1)]
MAX_AGE_HOURS = 24 * 366 * 50

Officer = Annotated[User, Depends(require_roles("risk_officer", "admin"))]
Submitter = Annotated[User, Depends(require_roles("rm"))]
CaseStatus = Literal["open", "awaiting_second", "info_requested", "closed"]
CaseSource = Literal["refer", "qc_sample", "batch_flag", "info_answered"]
SortKey = Literal["priority", "age", "amount", "pd", "grade", "enterprise", "expected_loss"]

FOUR_EYES_RESPONSES: dict[int | str, dict[str, str]] = {
    403: {"description": "role not allowed, or a four-eyes rule refuses this officer"},
    404: {"description": "no such case"},
    409: {"description": "the case is not in a state that allows this action"},
    422: {"description": "missing or too short reason, unknown codes, invalid terms"},
}


def policy_of(request: Request) -> ReviewPolicy:
    return ReviewPolicy.from_settings(request.app.state.settings)


def load_case_out(
    *, session: Session, case_id: int, policy: ReviewPolicy, now: datetime | None = None
) -> CaseOut:
    item = repository.queue_item(session=session, case_id=case_id)
    case = session.get(ReviewCase, case_id)
    assert case is not None  # queue_item found it
    file = repository.case_file(session=session, case=case)
    out = case_out(
        item,
        file,
        now=now or datetime.now(UTC),
        policy=policy,
        question=questions.pending_question(session=session, case_id=case_id),
    )
    signals = repository.case_signals(session=session, case_id=case_id)
    out.signals = [
        SignalOut(
            as_of=x.as_of,
            run_id=str(x.run_id),
            state=x.state,
            flags=list(x.flags or []),
            pd=x.pd,
            grade=x.grade,
            exposure=x.exposure,
            lgd=x.lgd,
            expected_loss=x.expected_loss,
            severity=x.severity,
            changes=list(x.changes or []),
        )
        for x in signals
    ]
    return out


def committed_case_out(*, session: Session, case_id: int, policy: ReviewPolicy) -> CaseOut:
    """Commit the action before answering. The request session would commit only after the
    response is sent, so a client reading the case right after a 200 could miss the action,
    and a failing commit would follow a 200 the client already believed."""
    out = load_case_out(session=session, case_id=case_id, policy=policy)
    session.commit()
    return out


@router.get("/reports/overrides", response_model=OverrideReport)
def overrides_report(
    session: DbSession,
    user: Officer,
    month: Annotated[str | None, Query(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$")] = None,
) -> OverrideReport:
    """Override rate by officer, by direction (up = more lenient than the engine, down =
    stricter) and by reason code, for one Shanghai calendar month (default: this month)."""
    del user
    return override_report(session=session, month=month or current_month(datetime.now(UTC)))


@router.get("/reports/panorama")
def panorama_report(
    session: DbSession, user: Officer, grade: Annotated[str | None, Query(max_length=8)] = None
) -> dict[str, Any]:
    """The industry-chain panorama as figures: exposure and average PD by district × sector ×
    grade, concentration on core enterprises, clusters of connected firms with rising risk and
    the contagion paths through them, and the firms the latest night deferred by capacity."""
    del user
    out = panorama.as_json(panorama.build(session=session, grade=grade))
    # The flagged firms the latest night deferred by capacity, as its report lists them.
    run = repository.latest_batch_run(session=session)
    report: dict[str, Any] = dict(run.report or {}) if run is not None else {}
    out["deferred"] = report.get("queue", {}).get("deferred")
    return out


@router.get("/digest")
def morning_digest(request: Request, session: DbSession, user: Officer) -> dict[str, Any]:
    """The morning digest: cases the latest nightly run opened (``new``), that worsened
    (with the changes), whose signals cleared (for an officer to close), the open cases at or
    past three quarters of the SLA (``sla_at_risk``) and the firms deferred by capacity."""
    del user
    return digest.build(
        session=session, now=datetime.now(UTC), sla_hours=policy_of(request).sla_hours
    )


@router.get("/questions")
def my_questions(session: DbSession, user: Submitter) -> list[dict[str, object]]:
    """For an RM: the officers' questions waiting on the caller's applications, oldest first.
    Answer each with ``POST /v1/reviews/{case_id}/answer``."""
    return questions.open_questions(session=session, user=user)


@router.get("", response_model=QueuePage)
def queue(
    request: Request,
    session: DbSession,
    user: Officer,
    status: Annotated[list[CaseStatus] | None, Query()] = None,
    source: CaseSource | None = None,
    district: District | None = None,
    sector: Sector | None = None,
    stage: Stage | None = None,
    grade: Annotated[str | None, Query(max_length=8)] = None,
    amount_min: Annotated[Decimal | None, Query(ge=0, le=10**13)] = None,
    amount_max: Annotated[Decimal | None, Query(ge=0, le=10**13)] = None,
    min_age_hours: Annotated[float | None, Query(ge=0, le=MAX_AGE_HOURS)] = None,
    max_age_hours: Annotated[float | None, Query(ge=0, le=MAX_AGE_HOURS)] = None,
    over_sla: bool = False,
    q: Annotated[
        str | None,
        # No control characters: PostgreSQL refuses a NUL in text, which would be a 500.
        Query(
            min_length=1,
            max_length=60,
            pattern=r"^[^\x00-\x1f\x7f]+$",
            description="Name part or USCC prefix.",
        ),
    ] = None,
    grade_band: Literal["investment", "speculative", "distressed"] | None = None,
    awaiting_my_second: Annotated[
        bool, Query(description="Only proposals the caller has not yet agreed to.")
    ] = False,
    holder: Annotated[
        str | None,
        Query(
            pattern=r"^[A-Za-z0-9_.\-]{1,64}$",
            description="`me`: cases the caller holds; `none`: free cases; else a username.",
        ),
    ] = None,
    sort: SortKey = "priority",
    order: Literal["asc", "desc"] = "asc",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> QueuePage:
    """Cases waiting for a risk officer: referrals, the QC sample of approvals, batch flags and
    answered questions. Default: open and awaiting a second officer, by priority (SLA breach,
    worsened tonight, expected loss, severity, age); each item says why in ``priority``."""
    policy = policy_of(request)
    filters = repository.QueueFilter(
        statuses=tuple(status) if status else OPEN_STATUSES,
        source=source,
        district=district,
        sector=sector,
        stage=stage,
        grade=grade,
        amount_min=amount_min,
        amount_max=amount_max,
        min_age_hours=min_age_hours,
        max_age_hours=max_age_hours,
        over_sla_only=over_sla,
        search=q.strip() if q else None,
        grade_band=grade_band,
        awaiting_second_for=user.id if awaiting_my_second else None,
        holder=user.username if holder == "me" else holder,
    )
    now = datetime.now(UTC)
    items, total = repository.list_queue(
        session=session,
        filters=filters,
        now=now,
        sla_hours=policy.sla_hours,
        sort=sort,
        descending=order == "desc",
        limit=limit,
        offset=offset,
    )
    return QueuePage(
        items=[summary_out(i, now=now, policy=policy) for i in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/{case_id}", response_model=CaseOut, responses={404: {"description": "no such case"}})
def get_case(case_id: CaseId, request: Request, session: DbSession, user: Officer) -> CaseOut:
    """The case with its decision document, pending proposal and every review action."""
    del user
    return load_case_out(session=session, case_id=case_id, policy=policy_of(request))


@router.post("/{case_id}/approve", response_model=CaseOut, responses=FOUR_EYES_RESPONSES)
def approve(
    case_id: CaseId, body: DecisionActionIn, request: Request, session: DbSession, user: Officer
) -> CaseOut:
    """Approve on the engine's terms, or agree with a pending approval. At or above the
    four-eyes threshold the first approval moves the case to 'awaiting_second'."""
    policy = policy_of(request)
    service.approve(
        session=session,
        user=user,
        case_id=case_id,
        reason=body.reason,
        reason_codes=tuple(body.reason_codes),
        policy=policy,
    )
    return committed_case_out(session=session, case_id=case_id, policy=policy)


@router.post("/{case_id}/decline", response_model=CaseOut, responses=FOUR_EYES_RESPONSES)
def decline(
    case_id: CaseId, body: DecisionActionIn, request: Request, session: DbSession, user: Officer
) -> CaseOut:
    """Decline, or agree with a pending decline."""
    policy = policy_of(request)
    service.decline(
        session=session,
        user=user,
        case_id=case_id,
        reason=body.reason,
        reason_codes=tuple(body.reason_codes),
        policy=policy,
    )
    return committed_case_out(session=session, case_id=case_id, policy=policy)


@router.post("/{case_id}/override", response_model=CaseOut, responses=FOUR_EYES_RESPONSES)
def override(
    case_id: CaseId, body: OverrideIn, request: Request, session: DbSession, user: Officer
) -> CaseOut:
    """Change outcome, limit, tenor or products, with a written reason and reason codes. An
    override always waits for a second, distinct officer to approve (or decline) it."""
    policy = policy_of(request)
    service.override(
        session=session,
        user=user,
        case_id=case_id,
        change=override_terms.checked(
            outcome=body.outcome,
            limit_amount=body.limit_amount,
            tenor_months=body.tenor_months,
            products=body.products,
        ),
        reason=body.reason,
        reason_codes=tuple(body.reason_codes),
        policy=policy,
    )
    return committed_case_out(session=session, case_id=case_id, policy=policy)


CLAIM_RESPONSES: dict[int | str, dict[str, str]] = {
    403: {"description": "role not allowed, or another officer holds the case"},
    404: {"description": "no such case"},
    409: {"description": "the case is closed, or the officer already signed its proposal"},
    422: {"description": "the officer named is not an active risk officer"},
}


@router.post("/{case_id}/claim", response_model=CaseOut, responses=CLAIM_RESPONSES)
def claim(case_id: CaseId, request: Request, session: DbSession, user: Officer) -> CaseOut:
    """Take a free case: while the caller holds it, no other officer decides it."""
    claims.claim(session=session, user=user, case_id=case_id)
    return committed_case_out(session=session, case_id=case_id, policy=policy_of(request))


@router.post("/{case_id}/release", response_model=CaseOut, responses=CLAIM_RESPONSES)
def release(case_id: CaseId, request: Request, session: DbSession, user: Officer) -> CaseOut:
    """Free a case the caller holds (an admin may free any case)."""
    claims.release(session=session, user=user, case_id=case_id)
    return committed_case_out(session=session, case_id=case_id, policy=policy_of(request))


@router.post("/{case_id}/assign", response_model=CaseOut, responses=CLAIM_RESPONSES)
def assign(
    case_id: CaseId, body: AssignIn, request: Request, session: DbSession, user: Officer
) -> CaseOut:
    """An admin (the team lead) gives the case to a risk officer, or frees it (null)."""
    claims.assign(session=session, user=user, case_id=case_id, officer=body.officer)
    return committed_case_out(session=session, case_id=case_id, policy=policy_of(request))


@router.post("/{case_id}/request_info", response_model=CaseOut, responses=FOUR_EYES_RESPONSES)
def request_info(
    case_id: CaseId, body: QuestionIn, request: Request, session: DbSession, user: Officer
) -> CaseOut:
    """Send the case back to the submitting RM with a question."""
    policy = policy_of(request)
    questions.request_info(
        session=session, user=user, case_id=case_id, question=body.question, policy=policy
    )
    return committed_case_out(session=session, case_id=case_id, policy=policy)


@router.post(
    "/{case_id}/answer",
    status_code=200,
    responses={
        404: {"description": "no such case among the caller's applications"},
        409: {"description": "no question is pending"},
    },
)
def answer(
    case_id: CaseId, body: AnswerIn, session: DbSession, user: Submitter
) -> dict[str, object]:
    """The submitting RM answers the officer's question; the case re-enters the queue."""
    case = questions.answer_info(session=session, user=user, case_id=case_id, answer=body.answer)
    answer = {"case_id": case.id, "status": case.status, "source": case.source}
    session.commit()
    return answer
