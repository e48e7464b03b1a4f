"""Who holds a case: an officer claims a free case, an admin (the team lead) assigns it.

While a case is held, only its holder decides it or questions the RM (``check_holder``, called
by every officer action under the case's row lock); anyone else is refused until the holder
releases it or an admin reassigns it. The first signature of a two-officer proposal hands the
case on: ``append_review`` releases the claim when the case turns 'awaiting_second', because
the holder may not sign twice and a second officer must be able to take it. Every change is one
audit entry (``review.claim``, ``review.release``, ``review.assign``). The triggers of migration
20261205_10 refuse the same rows on any other path.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from industry_credit.audit.service import Actor, record
from industry_credit.auth.users import get_user
from industry_credit.db.models import ReviewCase, User
from industry_credit.errors import ForbiddenError, UnprocessableError
from industry_credit.review import repository
from industry_credit.review.policy import CaseStateError, Proposal, check_not_submitter

CLAIMABLE_STATUSES = ("open", "awaiting_second", "info_requested")
USERNAME = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


class ClaimedError(ForbiddenError):
    code = "case_claimed"


def holder_name(session: Session, case: ReviewCase) -> str | None:
    if case.assigned_to is None:
        return None
    user = session.get(User, case.assigned_to)
    return user.username if user is not None else None


def check_holder(session: Session, *, case: ReviewCase, user: User) -> None:
    """Refuse an officer's action on a case another officer holds."""
    if case.assigned_to is not None and case.assigned_to != user.id:
        raise ClaimedError(
            f"case {case.id} is held by {holder_name(session, case)}; "
            "they must release it or an admin must reassign it"
        )


def _signed(case: ReviewCase, user_id: int) -> bool:
    proposal = Proposal.from_json(case.proposal)
    return proposal is not None and user_id in proposal.agreed_by


def _set_holder(
    session: Session, *, case: ReviewCase, holder: User | None, by: User, action: str
) -> ReviewCase:
    previous = holder_name(session, case)
    case.assigned_to = holder.id if holder is not None else None
    case.assigned_by = by.id
    case.assigned_at = datetime.now(UTC)
    session.flush()
    record(
        session=session,
        actor=Actor(by.username, by.role),
        action=f"review.{action}",
        entity_type="review_case",
        entity_id=str(case.id),
        payload={
            "from": previous,
            "to": holder.username if holder is not None else None,
            "status": case.status,
        },
    )
    return case


def _lock_open(session: Session, case_id: int) -> ReviewCase:
    case = repository.lock_case(session=session, case_id=case_id)
    if case.status not in CLAIMABLE_STATUSES:
        raise CaseStateError(f"case {case_id} is {case.status}; only a case in work is held")
    return case


def _check_may_hold(session: Session, case: ReviewCase, officer: User) -> None:
    if _signed(case, officer.id):
        raise CaseStateError(
            f"{officer.username} already signed the proposal of case {case.id}; "
            "a second officer must hold it"
        )
    application = repository.case_file(session=session, case=case).application
    check_not_submitter(
        actor_id=officer.id, submitted_by=application.submitted_by if application else None
    )


def claim(*, session: Session, user: User, case_id: int) -> ReviewCase:
    """The officer takes a free case (claiming one's own case again changes nothing)."""
    if user.role != "risk_officer":
        raise ForbiddenError(f"role {user.role!r} may not claim cases; admins assign them")
    case = _lock_open(session, case_id)
    if case.assigned_to == user.id:
        return case
    check_holder(session, case=case, user=user)
    _check_may_hold(session, case, user)
    return _set_holder(session, case=case, holder=user, by=user, action="claim")


def release(*, session: Session, user: User, case_id: int) -> ReviewCase:
    """The holder (or an admin) frees the case for any officer."""
    case = _lock_open(session, case_id)
    if case.assigned_to is None:
        return case
    if user.role != "admin":
        check_holder(session, case=case, user=user)
    return _set_holder(session, case=case, holder=None, by=user, action="release")


def assign(*, session: Session, user: User, case_id: int, officer: str | None) -> ReviewCase:
    """An admin gives the case to an active risk officer, or frees it (``officer`` None)."""
    if user.role != "admin":
        raise ForbiddenError("only an admin (the team lead) assigns cases")
    case = _lock_open(session, case_id)
    if officer is None:
        if case.assigned_to is None:
            return case
        return _set_holder(session, case=case, holder=None, by=user, action="assign")
    # A name that cannot be a username is refused before it reaches the database.
    target = get_user(session=session, username=officer) if USERNAME.fullmatch(officer) else None
    if target is None or not target.active or target.role != "risk_officer":
        raise UnprocessableError(
            f"{officer!r} is not an active risk officer",
            fields=[{"path": "$.officer", "problem": "not an active risk officer"}],
        )
    if case.assigned_to == target.id:
        return case
    _check_may_hold(session, case, target)
    return _set_holder(session, case=case, holder=target, by=user, action="assign")


def hand_on(case: ReviewCase, *, by: User) -> None:
    """The first signature of a two-officer proposal releases the claim (see the module note);
    the caller's review row and audit entry record the action that did it."""
    if case.assigned_to is not None:
        case.assigned_to = None
        case.assigned_by = by.id
        case.assigned_at = datetime.now(UTC)
