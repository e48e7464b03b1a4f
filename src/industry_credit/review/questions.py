"""The questions loop: an officer asks the submitting RM, the RM answers, the case re-enters
the queue. Same row lock, review row and audit entry as every other action (``service.py``)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from industry_credit.db.models import LoanApplication, Review, ReviewCase, User
from industry_credit.errors import NotFoundError
from industry_credit.review import claims
from industry_credit.review.codes import OPEN_STATUSES
from industry_credit.review.policy import CaseStateError, check_not_submitter
from industry_credit.review.service import (
    ReviewPolicy,
    append_review,
    checked_reason,
    load_case,
    require_officer,
    state_of,
    sync_db_threshold,
)


def request_info(
    *, session: Session, user: User, case_id: int, question: str, policy: ReviewPolicy
) -> ReviewCase:
    """Send the case back to the submitting RM with a question; any pending proposal lapses,
    because the answer may change what the officers agree to."""
    require_officer(user)
    question = checked_reason(question)
    sync_db_threshold(session, policy)
    file = load_case(session, case_id, OPEN_STATUSES)
    if file.application is None:
        raise CaseStateError("a batch flag has no submitting RM to ask")
    claims.check_holder(session, case=file.case, user=user)
    check_not_submitter(actor_id=user.id, submitted_by=file.application.submitted_by)
    after = {**state_of(file), "status": "info_requested", "proposal": None}
    after["application_status"] = "info_requested"
    append_review(
        session=session,
        user=user,
        file=file,
        action="request_info",
        reason=question,
        reason_codes=(),
        after=after,
    )
    return file.case


def answer_info(*, session: Session, user: User, case_id: int, answer: str) -> ReviewCase:
    """The submitting RM answers; the case re-enters the queue as 'info_answered'."""
    answer = checked_reason(answer)
    file = load_case(session, case_id, ("open", "awaiting_second", "info_requested", "closed"))
    # Someone else's case answers as unknown, so that RMs cannot probe other RMs' cases.
    if file.application is None or user.id != file.application.submitted_by:
        raise NotFoundError(f"review case {case_id} not found")
    if file.case.status != "info_requested":
        raise CaseStateError(f"case {case_id} is {file.case.status}; no question is pending")
    after = {**state_of(file), "status": "open", "source": "info_answered"}
    after["application_status"] = "in_review"
    append_review(
        session=session,
        user=user,
        file=file,
        action="answer_info",
        reason=answer,
        reason_codes=(),
        after=after,
    )
    return file.case


def pending_question(*, session: Session, case_id: int) -> str | None:
    """The latest question asked on the case, for the RM."""
    row = session.execute(
        select(Review.reason)
        .where(Review.case_id == case_id, Review.action == "request_info")
        .order_by(Review.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return row


def open_questions(*, session: Session, user: User) -> list[dict[str, object]]:
    """The questions waiting on this RM: their applications whose case is 'info_requested'."""
    asked = (
        select(Review.case_id, func.max(Review.id).label("review_id"))
        .where(Review.action == "request_info")
        .group_by(Review.case_id)
        .subquery()
    )
    rows = session.execute(
        select(
            ReviewCase.id,
            ReviewCase.application_id,
            Review.reason,
            User.username,
            Review.created_at,
        )
        .join(LoanApplication, LoanApplication.id == ReviewCase.application_id)
        .join(asked, asked.c.case_id == ReviewCase.id)
        .join(Review, Review.id == asked.c.review_id)
        .join(User, User.id == Review.actor_id)
        .where(ReviewCase.status == "info_requested", LoanApplication.submitted_by == user.id)
        .order_by(Review.created_at)
    ).all()
    return [
        {
            "case_id": case_id,
            "application_id": str(application_id),
            "question": question,
            "asked_by": asked_by,
            "asked_at": asked_at.isoformat(),
        }
        for case_id, application_id, question, asked_by, asked_at in rows
    ]
