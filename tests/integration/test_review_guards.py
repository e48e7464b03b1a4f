"""The database refuses what the review service refuses, when rows arrive by raw SQL
(migration 20261121_02), and the application role cannot rewrite the audit log."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from industry_credit.db.models import User
from industry_credit.review import service
from industry_credit.review.service import ReviewPolicy
from tests.factories import review as f

POLICY = ReviewPolicy(four_eyes_threshold=Decimal(50_000_000), sla_hours=72)
LARGE = Decimal(50_000_000)
INSERT_REVIEW = (
    "INSERT INTO reviews (case_id, actor_id, actor_role, action, reason, before, after)"
    " VALUES (:case_id, :actor, :role, :action, '一个足够长的书面理由。', '{}'::jsonb,"
    " CAST(:after AS jsonb))"
)
CLOSE_CASE = (
    "UPDATE review_cases SET status = 'closed', final_outcome = :outcome, closed_at = now()"
    " WHERE id = :case_id"
)


@pytest.fixture
def people(db_session: Session) -> dict[str, User]:
    return {
        "rm": f.user(db_session, "guard_rm", "rm"),
        "rm2": f.user(db_session, "guard_rm2", "rm"),
        "a": f.user(db_session, "guard_officer_a", "risk_officer"),
        "b": f.user(db_session, "guard_officer_b", "risk_officer"),
    }


def insert_review(
    session: Session,
    case_id: int,
    actor: User,
    action: str,
    after: dict[str, Any] | None = None,
    role: str | None = None,
) -> None:
    session.execute(
        text(INSERT_REVIEW),
        {
            "case_id": case_id,
            "actor": actor.id,
            "role": role or actor.role,
            "action": action,
            "after": json.dumps(after or {}),
        },
    )


def refused(session: Session, fragment: str, action: Any) -> None:
    with pytest.raises(DBAPIError) as info, session.begin_nested():
        action()
    assert fragment in str(info.value)


def test_submitter_cannot_insert_a_review(db_session: Session, people: dict[str, User]) -> None:
    turncoat = f.user(db_session, "guard_turncoat", "risk_officer")
    case = f.referred_case(db_session, rm=turncoat).case
    refused(
        db_session,
        "may not review it",
        lambda: insert_review(db_session, case.id, turncoat, "approve"),
    )


def test_only_risk_officers_take_decision_actions(
    db_session: Session, people: dict[str, User]
) -> None:
    case = f.referred_case(db_session, rm=people["rm"]).case
    refused(
        db_session,
        "only risk officers",
        lambda: insert_review(db_session, case.id, people["rm2"], "decline"),
    )
    refused(
        db_session,
        "is not the role",
        lambda: insert_review(db_session, case.id, people["rm2"], "decline", role="risk_officer"),
    )


def test_only_the_submitting_rm_answers(db_session: Session, people: dict[str, User]) -> None:
    case = f.referred_case(db_session, rm=people["rm"]).case
    refused(
        db_session,
        "only the submitting RM",
        lambda: insert_review(db_session, case.id, people["rm2"], "answer_info"),
    )
    insert_review(db_session, case.id, people["rm"], "answer_info")


def test_officer_who_overrode_cannot_approve(db_session: Session, people: dict[str, User]) -> None:
    case = f.referred_case(db_session, rm=people["rm"]).case
    insert_review(db_session, case.id, people["a"], "override")
    refused(
        db_session,
        "may not approve it",
        lambda: insert_review(db_session, case.id, people["a"], "approve"),
    )
    insert_review(db_session, case.id, people["b"], "approve")


def test_final_large_approval_needs_a_distinct_prior_officer(
    db_session: Session, people: dict[str, User]
) -> None:
    case = f.referred_case(db_session, rm=people["rm"], amount=LARGE).case
    closing = {"status": "closed", "final_outcome": "approve"}
    refused(
        db_session,
        "second, distinct approving officer",
        lambda: insert_review(db_session, case.id, people["a"], "approve", closing),
    )
    # The service's first approval of a large case, then the same officer again by raw SQL.
    service.approve(
        session=db_session,
        user=people["a"],
        case_id=case.id,
        reason="同意，订单充足。现金流稳定。",
        policy=POLICY,
    )
    refused(
        db_session,
        "second, distinct approving officer",
        lambda: insert_review(db_session, case.id, people["a"], "approve", closing),
    )
    insert_review(db_session, case.id, people["b"], "approve", closing)


def test_closing_needs_enough_distinct_officers(
    db_session: Session, people: dict[str, User]
) -> None:
    large = f.referred_case(db_session, rm=people["rm"], amount=LARGE).case
    params = {"case_id": large.id, "outcome": "approve"}
    refused(
        db_session,
        "needs 2 distinct officers, found 0",
        lambda: db_session.execute(text(CLOSE_CASE), params),
    )
    insert_review(db_session, large.id, people["a"], "approve")
    insert_review(db_session, large.id, people["a"], "approve")
    refused(
        db_session,
        "needs 2 distinct officers, found 1",
        lambda: db_session.execute(text(CLOSE_CASE), params),
    )
    insert_review(db_session, large.id, people["b"], "approve")
    db_session.execute(text(CLOSE_CASE), params)

    small = f.referred_case(db_session, rm=people["rm"]).case
    insert_review(db_session, small.id, people["a"], "override")
    small_params = {"case_id": small.id, "outcome": "approve"}
    refused(db_session, "needs 2", lambda: db_session.execute(text(CLOSE_CASE), small_params))

    plain = f.referred_case(db_session, rm=people["rm"]).case
    plain_params = {"case_id": plain.id, "outcome": "decline"}
    insert_review(db_session, plain.id, people["a"], "approve")
    refused(db_session, "needs 1", lambda: db_session.execute(text(CLOSE_CASE), plain_params))
    insert_review(db_session, plain.id, people["a"], "decline")
    db_session.execute(text(CLOSE_CASE), plain_params)


def test_a_request_for_information_restarts_the_round(
    db_session: Session, people: dict[str, User]
) -> None:
    case = f.referred_case(db_session, rm=people["rm"], amount=LARGE).case
    insert_review(db_session, case.id, people["a"], "approve")
    insert_review(db_session, case.id, people["b"], "request_info")
    insert_review(db_session, case.id, people["b"], "approve")
    params = {"case_id": case.id, "outcome": "approve"}
    refused(db_session, "found 1", lambda: db_session.execute(text(CLOSE_CASE), params))


def test_the_service_threshold_reaches_the_database(
    db_session: Session, people: dict[str, User]
) -> None:
    case = f.referred_case(db_session, rm=people["rm"], amount=Decimal(1_000_000)).case
    insert_review(db_session, case.id, people["a"], "approve")
    with db_session.begin_nested():
        db_session.execute(
            text("SELECT set_config('industry_credit.four_eyes_threshold_cny', '1000000', true)")
        )
        refused(
            db_session,
            "needs 2",
            lambda: db_session.execute(
                text(CLOSE_CASE), {"case_id": case.id, "outcome": "approve"}
            ),
        )
        db_session.execute(
            text("SELECT set_config('industry_credit.four_eyes_threshold_cny', '', true)")
        )


def test_reviews_are_append_only(db_session: Session, people: dict[str, User]) -> None:
    case = f.referred_case(db_session, rm=people["rm"]).case
    insert_review(db_session, case.id, people["a"], "request_info")
    refused(
        db_session,
        "append-only",
        lambda: db_session.execute(text("UPDATE reviews SET reason = reason || '!'")),
    )
    refused(db_session, "append-only", lambda: db_session.execute(text("DELETE FROM reviews")))


def test_application_role_may_only_append_to_the_audit_log(db_session: Session) -> None:
    role = db_session.execute(
        text("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'industry_credit_app'")
    ).scalar_one()
    assert role is False

    def may(table: str, privilege: str) -> bool:
        return bool(
            db_session.execute(
                text("SELECT has_table_privilege('industry_credit_app', :t, :p)"),
                {"t": table, "p": privilege},
            ).scalar_one()
        )

    for table in ("audit_log", "reviews"):
        assert may(table, "INSERT")
        assert may(table, "SELECT")
        for privilege in ("UPDATE", "DELETE", "TRUNCATE"):
            assert not may(table, privilege), (table, privilege)
    assert may("review_cases", "UPDATE")
    assert may("enterprises", "INSERT")
    with db_session.begin_nested():
        db_session.execute(text("SET LOCAL ROLE industry_credit_app"))
        assert db_session.execute(
            text("SELECT has_table_privilege('audit_log', 'SELECT')")
        ).scalar()
        db_session.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
        refused(
            db_session,
            "permission denied",
            lambda: db_session.execute(text("UPDATE audit_log SET actor = actor")),
        )
        db_session.execute(text("RESET ROLE"))


def test_a_closed_case_cannot_change_its_outcome_around_the_guard(
    db_session: Session, people: dict[str, User]
) -> None:
    case = f.referred_case(db_session, rm=people["rm"], amount=LARGE).case
    db_session.execute(
        text("UPDATE review_cases SET status = 'closed', closed_at = now() WHERE id = :id"),
        {"id": case.id},
    )
    refused(
        db_session,
        "needs 2 distinct officers",
        lambda: db_session.execute(
            text("UPDATE review_cases SET final_outcome = 'approve' WHERE id = :id"),
            {"id": case.id},
        ),
    )


def test_applications_are_approved_only_through_a_closed_case(
    db_session: Session, people: dict[str, User]
) -> None:
    rows = f.referred_case(db_session, rm=people["rm"])
    approve = text("UPDATE loan_applications SET status = 'approved' WHERE id = :id")
    refused(
        db_session,
        "through a closed review case",
        lambda: db_session.execute(approve, {"id": rows.application.id}),
    )
    service.approve(
        session=db_session,
        user=people["a"],
        case_id=rows.case.id,
        reason="订单稳定，现金流覆盖本息。",
        policy=POLICY,
    )
    status = db_session.execute(
        text("SELECT status FROM loan_applications WHERE id = :id"), {"id": rows.application.id}
    ).scalar_one()
    assert status == "approved"
    declined = text("UPDATE loan_applications SET status = 'declined' WHERE id = :id")
    refused(
        db_session,
        "through a closed review case",
        lambda: db_session.execute(declined, {"id": rows.application.id}),
    )
