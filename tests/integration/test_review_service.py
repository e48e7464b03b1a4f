"""Four-eyes review service: every rule, the request_info round trip, and an intact audit chain
after every action."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from industry_credit.audit.service import verify_chain
from industry_credit.db.models import AuditEntry, LoanApplication, Review, ReviewCase, User
from industry_credit.errors import ForbiddenError, NotFoundError, UnprocessableError
from industry_credit.review import questions, service
from industry_credit.review.policy import CaseStateError, FourEyesError
from industry_credit.review.reports import current_month, override_report
from industry_credit.review.service import OverrideTerms, ReviewPolicy
from tests.factories import review as f

POLICY = ReviewPolicy(four_eyes_threshold=Decimal(50_000_000), sla_hours=72)
LARGE = Decimal(60_000_000)
REASON = "现金流稳定，核心企业订单充足。"


@pytest.fixture
def people(db_session: Session) -> dict[str, User]:
    return {
        "rm": f.user(db_session, "rm_wang", "rm"),
        "rm2": f.user(db_session, "rm_zhao", "rm"),
        "a": f.user(db_session, "officer_li", "risk_officer"),
        "b": f.user(db_session, "officer_chen", "risk_officer"),
        "admin": f.user(db_session, "admin_sun", "admin"),
    }


def chain_intact(session: Session) -> None:
    checked, broken = verify_chain(session=session)
    assert broken is None, broken
    assert checked > 0


def _case(session: Session, case_id: int) -> ReviewCase:
    found = session.get(ReviewCase, case_id)
    assert found is not None
    session.refresh(found)
    return found


def _app_status(session: Session, case: ReviewCase) -> str:
    app = session.get(LoanApplication, case.application_id)
    assert app is not None
    session.refresh(app)
    return app.status


def test_small_case_is_final_on_one_approval(db_session: Session, people: dict[str, User]) -> None:
    rows = f.referred_case(db_session, rm=people["rm"])
    service.approve(
        session=db_session, user=people["a"], case_id=rows.case.id, reason=REASON, policy=POLICY
    )
    case = _case(db_session, rows.case.id)
    assert case.status == "closed"
    assert case.final_outcome == "approve"
    assert case.closed_at is not None
    assert case.final_terms is not None
    assert case.final_terms["limit_amount"] == 5_000_000
    assert case.final_terms["products"] == ["supply_chain_finance", "ip_pledge_loan"]
    assert _app_status(db_session, case) == "approved"
    review = db_session.execute(select(Review).where(Review.case_id == case.id)).scalar_one()
    assert review.actor_role == "risk_officer"
    assert review.before["status"] == "open"
    assert review.after["status"] == "closed"
    assert review.after["application_status"] == "approved"
    entry = db_session.execute(
        select(AuditEntry).where(AuditEntry.entity_id == str(case.id))
    ).scalar_one()
    assert entry.action == "review.approve"
    assert entry.actor == "officer_li"
    chain_intact(db_session)


def test_submitter_never_reviews_own_case(db_session: Session, people: dict[str, User]) -> None:
    # A user who submitted as RM and later became a risk officer still may not review it.
    turncoat = f.user(db_session, "rm_became_officer", "risk_officer")
    rows = f.referred_case(db_session, rm=turncoat)
    for act in (service.approve, service.decline):
        with pytest.raises(FourEyesError):
            act(
                session=db_session,
                user=turncoat,
                case_id=rows.case.id,
                reason=REASON,
                policy=POLICY,
            )
    with pytest.raises(FourEyesError):
        questions.request_info(
            session=db_session, user=turncoat, case_id=rows.case.id, question=REASON, policy=POLICY
        )
    assert _case(db_session, rows.case.id).status == "open"


def test_rms_and_admins_cannot_act(db_session: Session, people: dict[str, User]) -> None:
    rows = f.referred_case(db_session, rm=people["rm"])
    for who in ("rm2", "admin"):
        with pytest.raises(ForbiddenError):
            service.approve(
                session=db_session,
                user=people[who],
                case_id=rows.case.id,
                reason=REASON,
                policy=POLICY,
            )


def test_large_case_needs_two_distinct_officers(
    db_session: Session, people: dict[str, User]
) -> None:
    rows = f.referred_case(db_session, rm=people["rm"], amount=LARGE)
    a, b = people["a"], people["b"]
    service.approve(session=db_session, user=a, case_id=rows.case.id, reason=REASON, policy=POLICY)
    case = _case(db_session, rows.case.id)
    assert case.status == "awaiting_second"
    assert case.proposal is not None
    assert case.proposal["agreed_by_names"] == ["officer_li"]
    assert _app_status(db_session, case) == "in_review"
    chain_intact(db_session)
    with pytest.raises(FourEyesError, match="second, different"):
        service.approve(
            session=db_session, user=a, case_id=rows.case.id, reason=REASON, policy=POLICY
        )
    service.approve(session=db_session, user=b, case_id=rows.case.id, reason=REASON, policy=POLICY)
    case = _case(db_session, rows.case.id)
    assert case.status == "closed"
    assert case.final_outcome == "approve"
    assert case.final_terms is not None
    assert case.final_terms["agreed_by"] == ["officer_li", "officer_chen"]
    assert _app_status(db_session, case) == "approved"
    chain_intact(db_session)


def test_threshold_is_inclusive_and_configurable(
    db_session: Session, people: dict[str, User]
) -> None:
    lower = ReviewPolicy(four_eyes_threshold=Decimal(5_000_000), sla_hours=72)
    rows = f.referred_case(db_session, rm=people["rm"], amount=Decimal(5_000_000))
    service.approve(
        session=db_session, user=people["a"], case_id=rows.case.id, reason=REASON, policy=lower
    )
    assert _case(db_session, rows.case.id).status == "awaiting_second"


def test_large_decline_also_needs_two(db_session: Session, people: dict[str, User]) -> None:
    rows = f.referred_case(db_session, rm=people["rm"], amount=LARGE)
    service.approve(
        session=db_session, user=people["a"], case_id=rows.case.id, reason=REASON, policy=POLICY
    )
    # The second officer disagrees: their decline is a new proposal, which the first may join.
    service.decline(
        session=db_session, user=people["b"], case_id=rows.case.id, reason=REASON, policy=POLICY
    )
    case = _case(db_session, rows.case.id)
    assert case.status == "awaiting_second"
    assert case.proposal is not None
    assert case.proposal["outcome"] == "decline"
    service.decline(
        session=db_session, user=people["a"], case_id=rows.case.id, reason=REASON, policy=POLICY
    )
    case = _case(db_session, rows.case.id)
    assert case.final_outcome == "decline"
    assert _app_status(db_session, case) == "declined"
    assert case.final_terms is not None
    assert case.final_terms["products"] == []
    chain_intact(db_session)


def test_override_needs_a_second_officer_and_never_its_author(
    db_session: Session, people: dict[str, User]
) -> None:
    rows = f.referred_case(db_session, rm=people["rm"])
    a, b = people["a"], people["b"]
    change = OverrideTerms(outcome="approve", limit_amount=Decimal(3_000_000), tenor_months=12)
    service.override(
        session=db_session,
        user=a,
        case_id=rows.case.id,
        change=change,
        reason=REASON,
        reason_codes=("weak_financials",),
        policy=POLICY,
    )
    case = _case(db_session, rows.case.id)
    assert case.status == "awaiting_second"
    assert case.proposal is not None
    assert case.proposal["direction"] == "down"
    with pytest.raises(FourEyesError, match="overrode"):
        service.approve(
            session=db_session, user=a, case_id=rows.case.id, reason=REASON, policy=POLICY
        )
    service.approve(session=db_session, user=b, case_id=rows.case.id, reason=REASON, policy=POLICY)
    case = _case(db_session, rows.case.id)
    assert case.final_outcome == "approve"
    assert case.final_terms is not None
    assert case.final_terms["limit_amount"] == 3_000_000
    assert case.final_terms["tenor_months"] == 12
    assert case.final_terms["override"] is True
    chain_intact(db_session)


def test_officer_who_overrode_cannot_approve_a_later_proposal(
    db_session: Session, people: dict[str, User]
) -> None:
    rows = f.referred_case(db_session, rm=people["rm"])
    a, b = people["a"], people["b"]
    up = OverrideTerms(outcome="approve", limit_amount=Decimal(8_000_000))
    service.override(
        session=db_session,
        user=a,
        case_id=rows.case.id,
        change=up,
        reason=REASON,
        reason_codes=("core_enterprise_orders",),
        policy=POLICY,
    )
    down = OverrideTerms(outcome="approve", limit_amount=Decimal(4_000_000))
    service.override(
        session=db_session,
        user=b,
        case_id=rows.case.id,
        change=down,
        reason=REASON,
        reason_codes=("concentration_limit",),
        policy=POLICY,
    )
    with pytest.raises(FourEyesError):
        service.approve(
            session=db_session, user=a, case_id=rows.case.id, reason=REASON, policy=POLICY
        )


def test_override_validation(db_session: Session, people: dict[str, User]) -> None:
    rows = f.referred_case(db_session, rm=people["rm"], outcome="approve", source="qc_sample")
    same = OverrideTerms(outcome="approve")
    with pytest.raises(UnprocessableError, match="nothing changed"):
        service.override(
            session=db_session,
            user=people["a"],
            case_id=rows.case.id,
            change=same,
            reason=REASON,
            reason_codes=("other",),
            policy=POLICY,
        )
    with pytest.raises(UnprocessableError, match="reason code"):
        service.override(
            session=db_session,
            user=people["a"],
            case_id=rows.case.id,
            change=OverrideTerms(outcome="decline"),
            reason=REASON,
            reason_codes=(),
            policy=POLICY,
        )
    with pytest.raises(UnprocessableError, match="10 characters"):
        service.decline(
            session=db_session,
            user=people["a"],
            case_id=rows.case.id,
            reason=" 太短了 ",
            policy=POLICY,
        )


def test_request_info_round_trip(db_session: Session, people: dict[str, User]) -> None:
    rows = f.referred_case(db_session, rm=people["rm"], amount=LARGE)
    a, b = people["a"], people["b"]
    service.approve(session=db_session, user=a, case_id=rows.case.id, reason=REASON, policy=POLICY)
    question = "请补充最近两个季度的用电量下降原因。"
    questions.request_info(
        session=db_session, user=b, case_id=rows.case.id, question=question, policy=POLICY
    )
    case = _case(db_session, rows.case.id)
    assert case.status == "info_requested"
    assert case.proposal is None
    assert _app_status(db_session, case) == "info_requested"
    assert questions.pending_question(session=db_session, case_id=case.id) == question
    with pytest.raises(CaseStateError):
        service.approve(session=db_session, user=b, case_id=case.id, reason=REASON, policy=POLICY)
    with pytest.raises(NotFoundError):
        questions.answer_info(
            session=db_session, user=people["rm2"], case_id=case.id, answer=REASON
        )
    questions.answer_info(
        session=db_session,
        user=people["rm"],
        case_id=case.id,
        answer="产线搬迁至临港新厂，十月已恢复。",
    )
    case = _case(db_session, rows.case.id)
    assert (case.status, case.source) == ("open", "info_answered")
    assert _app_status(db_session, case) == "in_review"
    with pytest.raises(CaseStateError):
        questions.answer_info(session=db_session, user=people["rm"], case_id=case.id, answer=REASON)
    # The answer restarts agreement: officer A's earlier approval no longer counts.
    service.approve(session=db_session, user=a, case_id=case.id, reason=REASON, policy=POLICY)
    assert _case(db_session, case.id).status == "awaiting_second"
    service.approve(session=db_session, user=b, case_id=case.id, reason=REASON, policy=POLICY)
    assert _case(db_session, case.id).final_outcome == "approve"
    actions = (
        db_session.execute(
            select(Review.action).where(Review.case_id == case.id).order_by(Review.id)
        )
        .scalars()
        .all()
    )
    assert actions == ["approve", "request_info", "answer_info", "approve", "approve"]
    chain_intact(db_session)


def test_closed_case_refuses_further_actions(db_session: Session, people: dict[str, User]) -> None:
    rows = f.referred_case(db_session, rm=people["rm"])
    service.decline(
        session=db_session, user=people["a"], case_id=rows.case.id, reason=REASON, policy=POLICY
    )
    with pytest.raises(CaseStateError):
        service.approve(
            session=db_session, user=people["b"], case_id=rows.case.id, reason=REASON, policy=POLICY
        )


def test_engine_decline_needs_an_override_to_approve(
    db_session: Session, people: dict[str, User]
) -> None:
    rows = f.referred_case(db_session, rm=people["rm"], outcome="decline", pd=0.2, grade="CCC")
    with pytest.raises(CaseStateError, match="override"):
        service.approve(
            session=db_session, user=people["a"], case_id=rows.case.id, reason=REASON, policy=POLICY
        )
    change = OverrideTerms(
        outcome="approve",
        limit_amount=Decimal(1_000_000),
        tenor_months=12,
        products=("ip_pledge_loan",),
    )
    service.override(
        session=db_session,
        user=people["a"],
        case_id=rows.case.id,
        change=change,
        reason=REASON,
        reason_codes=("guidance_fund_support", "ip_value"),
        policy=POLICY,
    )
    case = _case(db_session, rows.case.id)
    assert case.proposal is not None
    assert case.proposal["direction"] == "up"


def test_override_report_counts_by_officer_direction_and_reason(
    db_session: Session, people: dict[str, User]
) -> None:
    a, b = people["a"], people["b"]
    first = f.referred_case(db_session, rm=people["rm"])
    service.override(
        session=db_session,
        user=a,
        case_id=first.case.id,
        change=OverrideTerms(outcome="approve", limit_amount=Decimal(9_000_000)),
        reason=REASON,
        reason_codes=("core_enterprise_orders",),
        policy=POLICY,
    )
    service.approve(session=db_session, user=b, case_id=first.case.id, reason=REASON, policy=POLICY)
    second = f.referred_case(db_session, rm=people["rm"])
    service.override(
        session=db_session,
        user=b,
        case_id=second.case.id,
        change=OverrideTerms(outcome="decline"),
        reason=REASON,
        reason_codes=("counterparty_distress",),
        policy=POLICY,
    )
    from datetime import UTC, datetime

    report = override_report(session=db_session, month=current_month(datetime.now(UTC)))
    officers = {o.officer: o for o in report.by_officer}
    assert officers["officer_li"].overrides >= 1
    assert officers["officer_li"].by_direction.get("up", 0) >= 1
    assert officers["officer_chen"].by_direction.get("down", 0) >= 1
    directions = {d.key: d.count for d in report.by_direction}
    assert directions["up"] >= 1
    assert directions["down"] >= 1
    reasons = {r.key for r in report.by_reason}
    assert {"core_enterprise_orders", "counterparty_distress"} <= reasons
    assert report.cases_closed_with_override >= 1
    assert 0 < report.override_rate <= 1


def test_batch_flags_are_decided_on_the_exposure(
    db_session: Session, people: dict[str, User]
) -> None:
    small = f.enterprise(db_session, exposure=Decimal(20_000_000))
    case = f.batch_flag_case(db_session, ent=small)
    with pytest.raises(CaseStateError, match="no submitting RM"):
        questions.request_info(
            session=db_session, user=people["a"], case_id=case.id, question=REASON, policy=POLICY
        )
    with pytest.raises(CaseStateError, match="no engine terms"):
        service.override(
            session=db_session,
            user=people["a"],
            case_id=case.id,
            change=OverrideTerms(outcome="decline"),
            reason=REASON,
            reason_codes=("other",),
            policy=POLICY,
        )
    service.approve(
        session=db_session, user=people["a"], case_id=case.id, reason=REASON, policy=POLICY
    )
    closed = _case(db_session, case.id)
    assert closed.final_outcome == "approve"
    assert closed.final_terms is not None
    assert closed.final_terms["limit_amount"] == 20_000_000

    large = f.enterprise(db_session, exposure=Decimal(400_000_000))
    flagged = f.batch_flag_case(db_session, ent=large, pd=0.2, grade="CC")
    service.decline(
        session=db_session, user=people["a"], case_id=flagged.id, reason=REASON, policy=POLICY
    )
    assert _case(db_session, flagged.id).status == "awaiting_second"
    service.decline(
        session=db_session, user=people["b"], case_id=flagged.id, reason=REASON, policy=POLICY
    )
    assert _case(db_session, flagged.id).final_outcome == "decline"
    chain_intact(db_session)


def test_after_an_override_the_round_needs_two_officers(
    db_session: Session, people: dict[str, User]
) -> None:
    rows = f.referred_case(db_session, rm=people["rm"])
    a, b = people["a"], people["b"]
    c = f.user(db_session, "officer_wu", "risk_officer")
    service.override(
        session=db_session,
        user=a,
        case_id=rows.case.id,
        change=OverrideTerms(outcome="approve", limit_amount=Decimal(9_000_000)),
        reason=REASON,
        reason_codes=("core_enterprise_orders",),
        policy=POLICY,
    )
    # B prefers the engine's own terms: a counter-proposal, which still needs a second officer.
    service.override(
        session=db_session,
        user=b,
        case_id=rows.case.id,
        change=OverrideTerms(outcome="approve", limit_amount=Decimal(5_000_000)),
        reason=REASON,
        reason_codes=("concentration_limit",),
        policy=POLICY,
    )
    case = _case(db_session, rows.case.id)
    assert case.proposal is not None
    terms = case.proposal["terms"]
    assert isinstance(terms, dict)
    assert terms["limit_amount"] == 5_000_000
    with pytest.raises(FourEyesError):
        service.approve(session=db_session, user=a, case_id=case.id, reason=REASON, policy=POLICY)
    service.approve(session=db_session, user=c, case_id=case.id, reason=REASON, policy=POLICY)
    assert _case(db_session, case.id).final_outcome == "approve"

    # A decline after someone's override is not final on one signature either.
    other = f.referred_case(db_session, rm=people["rm"])
    service.override(
        session=db_session,
        user=a,
        case_id=other.case.id,
        change=OverrideTerms(outcome="approve", tenor_months=36),
        reason=REASON,
        reason_codes=("ip_value",),
        policy=POLICY,
    )
    service.decline(session=db_session, user=b, case_id=other.case.id, reason=REASON, policy=POLICY)
    declined = _case(db_session, other.case.id)
    assert declined.status == "awaiting_second"
    assert declined.proposal is not None
    assert declined.proposal["needed"] == 2
    service.decline(session=db_session, user=a, case_id=other.case.id, reason=REASON, policy=POLICY)
    assert _case(db_session, other.case.id).final_outcome == "decline"
    chain_intact(db_session)
