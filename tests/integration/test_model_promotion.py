"""Promotion of a new champion under four eyes: the service and the database both refuse one
admin proposing and approving, and the audit log names proposer, approver and report."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from industry_credit.auth.users import ensure_user
from industry_credit.db.models import AuditEntry, ModelPromotion, ModelVersion
from industry_credit.decisions.governance import promote, set_challenger, store_report, withdraw
from industry_credit.decisions.registry import (
    FourEyesRequiredError,
    activate_model,
    active_model_version,
)
from industry_credit.errors import ForbiddenError, UnprocessableError

VERSIONS = ("a" * 16, "b" * 16, "c" * 16)


@pytest.fixture
def session(fresh_database: Callable[[], str]) -> Iterator[Session]:
    """A database of its own: whether any model was ever active is what the tests are about."""
    engine = create_engine(fresh_database())
    with Session(engine) as s:
        for name, role in (("admin_a", "admin"), ("admin_b", "admin"), ("officer", "risk_officer")):
            ensure_user(session=s, username=name, role=role, display_name=name)
        for version in VERSIONS:
            blob = version.encode()
            s.add(
                ModelVersion(
                    version=version,
                    manifest={},
                    artifact=blob,
                    artifact_sha256=hashlib.sha256(blob).hexdigest(),
                )
            )
        s.commit()
        yield s
    engine.dispose()


def _report(session: Session, version: str) -> int:
    return store_report(
        session=session, kind="backtest", model_version=version, body={"ok": True}, params={}
    )


def test_the_first_activation_needs_one_admin_and_a_new_champion_two(session: Session) -> None:
    assert promote(session=session, version=VERSIONS[0], by="admin_a").status == "activated"
    session.commit()
    # Re-confirming the champion stays a no-op.
    assert promote(session=session, version=VERSIONS[0], by="admin_a").status == "activated"
    with pytest.raises(FourEyesRequiredError, match="two admins"):
        activate_model(session=session, version=VERSIONS[1], by="admin_a")
    session.rollback()

    report = _report(session, VERSIONS[1])
    proposed = promote(session=session, version=VERSIONS[1], by="admin_a", report_id=report)
    assert proposed.status == "proposed"
    session.commit()
    assert active_model_version(session) == VERSIONS[0]

    with pytest.raises(ForbiddenError, match="may not also approve"):
        promote(session=session, version=VERSIONS[1], by="admin_a")
    session.rollback()
    assert active_model_version(session) == VERSIONS[0]

    done = promote(session=session, version=VERSIONS[1], by="admin_b")
    session.commit()
    assert (done.status, done.previous) == ("activated", VERSIONS[0])
    assert active_model_version(session) == VERSIONS[1]
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "model.activate").order_by(AuditEntry.id)
    ).all()[-1]
    assert entry.entity_id == VERSIONS[1]
    assert entry.actor == "admin_b"
    assert entry.payload["proposed_by"] == "admin_a"
    assert entry.payload["approved_by"] == "admin_b"
    assert entry.payload["report_id"] == report
    produced = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "model.report.backtest")
    ).all()
    assert [e.entity_id for e in produced] == [str(report)]


def test_a_proposal_cites_a_report_about_the_model(session: Session) -> None:
    promote(session=session, version=VERSIONS[0], by="admin_a")
    session.commit()
    other = _report(session, VERSIONS[2])
    with pytest.raises(UnprocessableError, match="not about model"):
        promote(session=session, version=VERSIONS[1], by="admin_a", report_id=other)
    session.rollback()
    report = _report(session, VERSIONS[1])
    promote(session=session, version=VERSIONS[1], by="admin_a", report_id=report)
    assert withdraw(session=session, version=VERSIONS[1], by="admin_b") > 0
    session.commit()
    # A withdrawn proposal approves nothing: admin_b's activation is a new proposal's job.
    with pytest.raises(FourEyesRequiredError):
        promote(session=session, version=VERSIONS[1], by="admin_b")
    session.rollback()
    with pytest.raises(ForbiddenError):
        promote(session=session, version=VERSIONS[1], by="officer", report_id=report)


def test_the_database_refuses_what_the_service_refuses(session: Session) -> None:
    promote(session=session, version=VERSIONS[0], by="admin_a")
    session.commit()
    ids = {name: i for name, i in session.execute(text("SELECT username, id FROM users"))}
    report = _report(session, VERSIONS[1])
    session.commit()

    def refused(statement: str, **params: object) -> None:
        with pytest.raises(IntegrityError, match=r"four_eyes|approver_not_proposer"):
            session.execute(text(statement), params)
        session.rollback()

    # A direct activation, without a promotion approved in the same transaction.
    session.execute(text("UPDATE model_versions SET is_active = false"))
    refused(
        "UPDATE model_versions SET is_active = true, activated_at = now() WHERE version = :v",
        v=VERSIONS[1],
    )
    session.rollback()
    # One admin as proposer and approver.
    refused(
        "INSERT INTO model_promotions (model_version, report_id, proposed_by, status,"
        " approved_by, decided_at) VALUES (:v, :r, :a, 'approved', :a, now())",
        v=VERSIONS[1],
        r=report,
        a=ids["admin_a"],
    )
    # A risk officer as approver.
    refused(
        "INSERT INTO model_promotions (model_version, report_id, proposed_by, status,"
        " approved_by, decided_at) VALUES (:v, :r, :a, 'approved', :o, now())",
        v=VERSIONS[1],
        r=report,
        a=ids["admin_a"],
        o=ids["officer"],
    )
    # An approval of an earlier transaction cannot be reused for a later re-activation.
    promote(session=session, version=VERSIONS[1], by="admin_a", report_id=report)
    session.commit()
    promote(session=session, version=VERSIONS[1], by="admin_b")
    session.commit()
    assert session.scalars(select(ModelPromotion.status)).all() == ["approved"]
    session.execute(text("UPDATE model_versions SET is_active = false"))
    refused(
        "UPDATE model_versions SET is_active = true WHERE version = :v",
        v=VERSIONS[1],
    )


def test_one_challenger_which_is_never_the_champion(session: Session) -> None:
    promote(session=session, version=VERSIONS[0], by="admin_a")
    session.commit()
    with pytest.raises(UnprocessableError, match="champion"):
        set_challenger(session=session, version=VERSIONS[0], by="admin_a")
    session.rollback()
    assert set_challenger(session=session, version=VERSIONS[1], by="admin_a") == (VERSIONS[1], None)
    assert set_challenger(session=session, version=VERSIONS[2], by="admin_b") == (
        VERSIONS[2],
        VERSIONS[1],
    )
    session.commit()
    assert session.scalars(
        select(ModelVersion.version).where(ModelVersion.is_challenger)
    ).all() == [VERSIONS[2]]
    with pytest.raises(IntegrityError):
        session.execute(text("UPDATE model_versions SET is_challenger = true"))
    session.rollback()
    # Promoting the challenger makes it the champion and leaves no challenger behind.
    report = _report(session, VERSIONS[2])
    promote(session=session, version=VERSIONS[2], by="admin_a", report_id=report)
    promote(session=session, version=VERSIONS[2], by="admin_b")
    session.commit()
    assert active_model_version(session) == VERSIONS[2]
    assert set_challenger(session=session, version=None, by="admin_a") == (None, None)
    with pytest.raises(ForbiddenError):
        set_challenger(session=session, version=VERSIONS[1], by="officer")
