"""Risk officers' actions on a review case, and the RM's answer to a question.

Every action runs under the case's row lock, checks the four-eyes policy (``policy.py``), appends
one ``reviews`` row (actor, role, before, after, time) and one audit entry, and moves the case
and its application. Services only flush; the caller's transaction commits.

The review row is flushed before the case is updated: the database's close guard counts the
officers in ``reviews`` when a case turns 'closed', so the closing action must already be there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from industry_credit.audit.service import Actor, record
from industry_credit.config import Settings
from industry_credit.db.models import Review, ReviewCase, User
from industry_credit.errors import ForbiddenError, UnprocessableError
from industry_credit.review import claims, repository
from industry_credit.review.codes import OPEN_STATUSES
from industry_credit.review.policy import (
    CaseStateError,
    Proposal,
    agree_or_propose,
    check_may_approve,
    check_not_submitter,
    declined_terms,
    override_direction,
    required_agreements,
)
from industry_credit.review.repository import CaseFile

MIN_REASON_CHARS = 10  # the same floor as the reviews.reason CHECK constraint


@dataclass(frozen=True)
class ReviewPolicy:
    four_eyes_threshold: Decimal
    sla_hours: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ReviewPolicy:
        return cls(Decimal(settings.four_eyes_threshold_cny), settings.review_sla_hours)


@dataclass(frozen=True)
class OverrideTerms:
    """What the officer changes; a field left None keeps the engine's value."""

    outcome: str
    limit_amount: Decimal | None = None
    tenor_months: int | None = None
    products: tuple[str, ...] | None = None


def engine_terms(file: CaseFile) -> dict[str, Any]:
    """The engine's proposal for the case; for a batch flag, the relationship as it stands."""
    if file.decision is None:
        exposure = float(file.enterprise.exposure)
        return {"limit_amount": exposure, "tenor_months": 0, "products": [], "rate": None}
    d = file.decision
    ranked = sorted(d.products, key=lambda p: int(str(p.get("rank", 0))))
    return {
        "limit_amount": float(d.limit_amount),
        "tenor_months": int(d.tenor_months),
        "products": [str(p["code"]) for p in ranked],
        "rate": float(d.rate),
    }


def case_amount(file: CaseFile) -> Decimal:
    """The amount the four-eyes threshold applies to: the loan asked for, or the exposure."""
    if file.application is not None:
        return Decimal(file.application.amount)
    return Decimal(file.enterprise.exposure)


def state_of(file: CaseFile) -> dict[str, Any]:
    case = file.case
    return {
        "status": case.status,
        "source": case.source,
        "proposal": case.proposal,
        "final_outcome": case.final_outcome,
        "final_terms": case.final_terms,
        "application_status": file.application.status if file.application else None,
    }


def overridden_this_round(file: CaseFile) -> bool:
    """Whether an override was made since the last question to the RM (the database's round)."""
    latest_question = max((r.id for r, _ in file.reviews if r.action == "request_info"), default=0)
    return any(r.action == "override" and r.id > latest_question for r, _ in file.reviews)


def checked_reason(reason: str) -> str:
    cleaned = reason.strip()
    if len(cleaned) < MIN_REASON_CHARS:
        raise UnprocessableError(
            f"a written reason of at least {MIN_REASON_CHARS} characters is required",
            fields=[{"path": "$.reason", "problem": "too short"}],
        )
    return cleaned


def require_officer(user: User) -> None:
    if user.role != "risk_officer":
        raise ForbiddenError(f"role {user.role!r} may not review cases")


def sync_db_threshold(session: Session, policy: ReviewPolicy) -> None:
    """Let the database guard use the same threshold as the service, for this transaction."""
    session.execute(
        text("SELECT set_config('industry_credit.four_eyes_threshold_cny', :v, true)"),
        {"v": str(policy.four_eyes_threshold)},
    )


def load_case(session: Session, case_id: int, statuses: tuple[str, ...]) -> CaseFile:
    case = repository.lock_case(session=session, case_id=case_id)
    if case.status not in statuses:
        raise CaseStateError(f"case {case_id} is {case.status}; expected {' or '.join(statuses)}")
    return repository.case_file(session=session, case=case)


def append_review(
    *,
    session: Session,
    user: User,
    file: CaseFile,
    action: str,
    reason: str,
    reason_codes: tuple[str, ...],
    after: dict[str, Any],
) -> None:
    """Write the review row and the audit entry, then move the case and its application."""
    before = state_of(file)
    review = Review(
        case_id=file.case.id,
        actor_id=user.id,
        actor_role=user.role,
        action=action,
        reason=reason,
        reason_codes=list(reason_codes),
        before=before,
        after=after,
    )
    session.add(review)
    session.flush()
    case = file.case
    now = datetime.now(UTC)
    if after["status"] == "awaiting_second":
        claims.hand_on(case, by=user)
    case.status = after["status"]
    case.source = after["source"]
    case.proposal = after["proposal"]
    if after["status"] == "closed":
        case.final_outcome = after["final_outcome"]
        case.final_terms = after["final_terms"]
        case.closed_at = now
    if action == "answer_info":
        case.enqueued_at = now  # back in the queue: the SLA clock restarts
    # The case first: the database lets an application become approved or declined only once
    # its case is closed with that outcome.
    session.flush()
    if file.application is not None and after["application_status"] is not None:
        file.application.status = after["application_status"]
        session.flush()
    record(
        session=session,
        actor=Actor(user.username, user.role),
        action=f"review.{action}",
        entity_type="review_case",
        entity_id=str(case.id),
        payload={
            "review_id": review.id,
            "application_id": str(case.application_id) if case.application_id else None,
            "decision_id": str(case.decision_id) if case.decision_id else None,
            "reason": reason,
            "reason_codes": list(reason_codes),
            "before": before,
            "after": after,
        },
    )


def _decide(
    *,
    session: Session,
    user: User,
    case_id: int,
    policy: ReviewPolicy,
    action: str,
    proposal_for: Callable[[CaseFile], Proposal],
    reason: str,
    reason_codes: tuple[str, ...],
) -> ReviewCase:
    require_officer(user)
    reason = checked_reason(reason)
    sync_db_threshold(session, policy)
    file = load_case(session, case_id, OPEN_STATUSES)
    claims.check_holder(session, case=file.case, user=user)
    check_not_submitter(
        actor_id=user.id,
        submitted_by=file.application.submitted_by if file.application else None,
    )
    if action == "approve":
        overriders = {r.actor_id for r, _ in file.reviews if r.action == "override"}
        check_may_approve(actor_id=user.id, overridden_by=overriders)
    proposal: Proposal = proposal_for(file)
    needed = required_agreements(
        amount=case_amount(file),
        threshold=policy.four_eyes_threshold,
        override=proposal.override or overridden_this_round(file),
    )
    after = state_of(file)
    if len(proposal.agreed_by) >= needed:
        engine_outcome = file.decision.outcome if file.decision else None
        after.update(
            status="closed",
            proposal=None,
            final_outcome=proposal.outcome,
            final_terms={
                **proposal.terms,
                "override": proposal.override,
                "direction": proposal.direction,
                "engine_outcome": engine_outcome,
                "agreed_by": proposal.agreed_by_names,
            },
            application_status="approved" if proposal.outcome == "approve" else "declined",
        )
        if file.application is None:
            after["application_status"] = None
    else:
        after.update(status="awaiting_second", proposal={**proposal.to_json(), "needed": needed})
    append_review(
        session=session,
        user=user,
        file=file,
        action=action,
        reason=reason,
        reason_codes=reason_codes,
        after=after,
    )
    return file.case


def approve(
    *,
    session: Session,
    user: User,
    case_id: int,
    reason: str,
    reason_codes: tuple[str, ...] = (),
    policy: ReviewPolicy,
) -> ReviewCase:
    """Agree with a pending approval, or propose approval on the engine's terms."""

    def proposal_for(file: CaseFile) -> Proposal:
        pending = Proposal.from_json(file.case.proposal)
        joins_pending = pending is not None and pending.outcome == "approve"
        if not joins_pending and file.decision is not None and file.decision.outcome == "decline":
            raise CaseStateError("the engine declined: approving needs an override with terms")
        return agree_or_propose(
            pending=pending,
            outcome="approve",
            terms=engine_terms(file),
            actor_id=user.id,
            actor_name=user.username,
        )

    return _decide(
        session=session,
        user=user,
        case_id=case_id,
        policy=policy,
        action="approve",
        proposal_for=proposal_for,
        reason=reason,
        reason_codes=reason_codes,
    )


def decline(
    *,
    session: Session,
    user: User,
    case_id: int,
    reason: str,
    reason_codes: tuple[str, ...] = (),
    policy: ReviewPolicy,
) -> ReviewCase:
    """Agree with a pending decline, or propose declining."""

    def proposal_for(file: CaseFile) -> Proposal:
        return agree_or_propose(
            pending=Proposal.from_json(file.case.proposal),
            outcome="decline",
            terms=declined_terms(),
            actor_id=user.id,
            actor_name=user.username,
        )

    return _decide(
        session=session,
        user=user,
        case_id=case_id,
        policy=policy,
        action="decline",
        proposal_for=proposal_for,
        reason=reason,
        reason_codes=reason_codes,
    )


def _override_terms(file: CaseFile, change: OverrideTerms) -> dict[str, Any]:
    if change.outcome == "decline":
        return declined_terms()
    base = engine_terms(file)
    terms = {
        "limit_amount": float(change.limit_amount)
        if change.limit_amount is not None
        else base["limit_amount"],
        "tenor_months": change.tenor_months
        if change.tenor_months is not None
        else base["tenor_months"],
        "products": list(change.products) if change.products is not None else base["products"],
        "rate": base["rate"],
    }
    if terms["limit_amount"] <= 0 or terms["tenor_months"] < 1 or not terms["products"]:
        raise UnprocessableError(
            "an approving override needs a positive limit, a tenor and at least one product"
        )
    return terms


def override(
    *,
    session: Session,
    user: User,
    case_id: int,
    change: OverrideTerms,
    reason: str,
    reason_codes: tuple[str, ...],
    policy: ReviewPolicy,
) -> ReviewCase:
    """Propose other terms than the engine's; a second, distinct officer must agree."""
    if not reason_codes:
        raise UnprocessableError(
            "an override needs at least one reason code",
            fields=[{"path": "$.reason_codes", "problem": "empty"}],
        )

    def proposal_for(file: CaseFile) -> Proposal:
        if file.decision is None:
            raise CaseStateError("a batch flag has no engine terms to override")
        base = engine_terms(file)
        terms = _override_terms(file, change)
        same_terms = {k: terms[k] for k in ("limit_amount", "tenor_months", "products")} == {
            k: base[k] for k in ("limit_amount", "tenor_months", "products")
        }
        pending = Proposal.from_json(file.case.proposal)
        # Proposing the engine's own terms is an override only as an answer to another
        # officer's pending override; otherwise it is simply an approval or a decline.
        reverting = pending is not None and pending.override
        # Keeping the engine's terms changes nothing, whatever the outcome says: approving a
        # refer at the engine's terms (direction "neutral") is an approval, not an override.
        if same_terms and not reverting:
            raise UnprocessableError(
                "nothing changed: the engine's own terms; use approve or decline instead",
                fields=[{"path": "$", "problem": "the override keeps the engine's terms"}],
            )
        return Proposal(
            outcome=change.outcome,
            terms=terms,
            override=True,
            direction=override_direction(
                engine_outcome=file.decision.outcome,
                engine=base,
                outcome=change.outcome,
                terms=terms,
            ),
            proposed_by=user.id,
            agreed_by=[user.id],
            agreed_by_names=[user.username],
        )

    return _decide(
        session=session,
        user=user,
        case_id=case_id,
        policy=policy,
        action="override",
        proposal_for=proposal_for,
        reason=reason,
        reason_codes=reason_codes,
    )
