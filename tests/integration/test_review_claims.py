"""Claim and assign: an officer claims a free case or an admin (the lead) assigns it; while held
no other officer decides it; the first signature of a two-officer proposal hands it on; every
change is audited; the database refuses the same rows by raw SQL (migration 20261205_10)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from industry_credit.audit.service import verify_chain
from industry_credit.db.models import AuditEntry, ReviewCase, User
from industry_credit.errors import ForbiddenError, UnprocessableError
from industry_credit.review import claims, questions, service
from industry_credit.review.policy import CaseStateError
from industry_credit.review.service import ReviewPolicy
from tests.factories import review as f

POLICY = ReviewPolicy(four_eyes_threshold=Decimal(50_000_000), sla_hours=72)
REASON = "现金流稳定，核心企业订单充足。"


@pytest.fixture
def people(db_session: Session) -> dict[str, User]:
    return {
        "rm": f.user(db_session, "claim_rm", "rm"),
        "a": f.user(db_session, "claim_officer_a", "risk_officer"),
        "b": f.user(db_session, "claim_officer_b", "risk_officer"),
        "c": f.user(db_session, "claim_officer_c", "risk_officer"),
        "lead": f.user(db_session, "claim_lead", "admin"),
    }


def _fresh(session: Session, case_id: int) -> ReviewCase:
    case = session.get(ReviewCase, case_id)
    assert case is not None
    session.refresh(case)
    return case


def _audit(session: Session, case_id: int) -> list[tuple[str, str, dict[str, Any]]]:
    rows = session.execute(
        select(AuditEntry.action, AuditEntry.actor, AuditEntry.payload)
        .where(AuditEntry.entity_type == "review_case", AuditEntry.entity_id == str(case_id))
        .order_by(AuditEntry.id)
    ).all()
    return [(a, who, dict(p)) for a, who, p in rows]


def test_a_claimed_case_is_decided_only_by_its_holder(
    db_session: Session, people: dict[str, User]
) -> None:
    case_id = f.referred_case(db_session, rm=people["rm"]).case.id
    claims.claim(session=db_session, user=people["a"], case_id=case_id)
    case = _fresh(db_session, case_id)
    assert case.assigned_to == people["a"].id
    assert case.assigned_by == people["a"].id
    assert case.assigned_at is not None
    for act in (service.approve, service.decline):
        with pytest.raises(claims.ClaimedError, match="held by claim_officer_a"):
            act(session=db_session, user=people["b"], case_id=case_id, reason=REASON, policy=POLICY)
    with pytest.raises(claims.ClaimedError):
        questions.request_info(
            session=db_session, user=people["b"], case_id=case_id, question=REASON, policy=POLICY
        )
    with pytest.raises(claims.ClaimedError):
        claims.claim(session=db_session, user=people["b"], case_id=case_id)
    with pytest.raises(claims.ClaimedError):
        claims.release(session=db_session, user=people["b"], case_id=case_id)
    service.approve(
        session=db_session, user=people["a"], case_id=case_id, reason=REASON, policy=POLICY
    )
    case = _fresh(db_session, case_id)
    assert case.status == "closed"
    assert case.assigned_to == people["a"].id  # the closed case keeps who held it
    with pytest.raises(CaseStateError):
        claims.release(session=db_session, user=people["a"], case_id=case_id)
    assert [a for a, _, _ in _audit(db_session, case_id)] == ["review.claim", "review.approve"]
    verify = verify_chain(session=db_session)
    assert verify[1] is None


def test_the_lead_reassigns_and_frees(db_session: Session, people: dict[str, User]) -> None:
    case_id = f.referred_case(db_session, rm=people["rm"]).case.id
    claims.claim(session=db_session, user=people["a"], case_id=case_id)
    with pytest.raises(ForbiddenError, match="only an admin"):
        claims.assign(
            session=db_session, user=people["a"], case_id=case_id, officer="claim_officer_b"
        )
    with pytest.raises(ForbiddenError, match="admins assign"):
        claims.claim(session=db_session, user=people["lead"], case_id=case_id)
    with pytest.raises(UnprocessableError) as refused:
        claims.assign(session=db_session, user=people["lead"], case_id=case_id, officer="claim_rm")
    assert refused.value.fields[0]["path"] == "$.officer"
    with pytest.raises(UnprocessableError):
        claims.assign(session=db_session, user=people["lead"], case_id=case_id, officer="a\x00b")
    claims.assign(
        session=db_session, user=people["lead"], case_id=case_id, officer="claim_officer_b"
    )
    assert _fresh(db_session, case_id).assigned_to == people["b"].id
    with pytest.raises(claims.ClaimedError):
        service.approve(
            session=db_session, user=people["a"], case_id=case_id, reason=REASON, policy=POLICY
        )
    claims.assign(session=db_session, user=people["lead"], case_id=case_id, officer=None)
    assert _fresh(db_session, case_id).assigned_to is None
    claims.claim(session=db_session, user=people["c"], case_id=case_id)
    claims.release(session=db_session, user=people["c"], case_id=case_id)
    assert _fresh(db_session, case_id).assigned_to is None
    trail = _audit(db_session, case_id)
    assert [(a, who, p["from"], p["to"]) for a, who, p in trail] == [
        ("review.claim", "claim_officer_a", None, "claim_officer_a"),
        ("review.assign", "claim_lead", "claim_officer_a", "claim_officer_b"),
        ("review.assign", "claim_lead", "claim_officer_b", None),
        ("review.claim", "claim_officer_c", None, "claim_officer_c"),
        ("review.release", "claim_officer_c", "claim_officer_c", None),
    ]


def test_the_first_signature_hands_the_case_on(
    db_session: Session, people: dict[str, User]
) -> None:
    case_id = f.referred_case(db_session, rm=people["rm"], amount=Decimal(60_000_000)).case.id
    claims.claim(session=db_session, user=people["a"], case_id=case_id)
    service.approve(
        session=db_session, user=people["a"], case_id=case_id, reason=REASON, policy=POLICY
    )
    case = _fresh(db_session, case_id)
    assert case.status == "awaiting_second"
    assert case.assigned_to is None
    # The first signer may not take it back: a second officer must hold it.
    with pytest.raises(CaseStateError, match="already signed"):
        claims.claim(session=db_session, user=people["a"], case_id=case_id)
    with pytest.raises(CaseStateError, match="already signed"):
        claims.assign(
            session=db_session, user=people["lead"], case_id=case_id, officer="claim_officer_a"
        )
    claims.claim(session=db_session, user=people["b"], case_id=case_id)
    with pytest.raises(claims.ClaimedError):
        service.approve(
            session=db_session, user=people["c"], case_id=case_id, reason=REASON, policy=POLICY
        )
    service.approve(
        session=db_session, user=people["b"], case_id=case_id, reason=REASON, policy=POLICY
    )
    case = _fresh(db_session, case_id)
    assert case.status == "closed"
    assert case.final_terms is not None
    assert case.final_terms["agreed_by"] == ["claim_officer_a", "claim_officer_b"]


# --- the database refuses the same rows -------------------------------------------------------


def _refused(session: Session, fragment: str, sql: str, **params: Any) -> None:
    with pytest.raises(DBAPIError) as info, session.begin_nested():
        session.execute(text(sql), params)
    assert fragment in str(info.value)


SET_HOLDER = (
    "UPDATE review_cases SET assigned_to = :to, assigned_by = :by, assigned_at = now()"
    " WHERE id = :id"
)
INSERT_REVIEW = (
    "INSERT INTO reviews (case_id, actor_id, actor_role, action, reason, before, after)"
    " VALUES (:id, :actor, 'risk_officer', :action, '一个足够长的书面理由。', '{}', '{}')"
)


def test_the_database_refuses_acting_on_or_taking_a_held_case(
    db_session: Session, people: dict[str, User]
) -> None:
    a, b, lead, rm = people["a"], people["b"], people["lead"], people["rm"]
    case_id = f.referred_case(db_session, rm=rm).case.id
    _refused(db_session, "not an active risk officer", SET_HOLDER, to=rm.id, by=rm.id, id=case_id)
    db_session.execute(text(SET_HOLDER), {"to": a.id, "by": a.id, "id": case_id})
    for action in ("approve", "decline", "override", "request_info"):
        _refused(
            db_session, "is held by user", INSERT_REVIEW, id=case_id, actor=b.id, action=action
        )
    # Another officer cannot take it over, nor free it; the lead can.
    _refused(db_session, "only an admin reassigns", SET_HOLDER, to=b.id, by=b.id, id=case_id)
    _refused(db_session, "only an admin reassigns", SET_HOLDER, to=None, by=b.id, id=case_id)
    db_session.execute(text(SET_HOLDER), {"to": b.id, "by": lead.id, "id": case_id})
    db_session.execute(text(INSERT_REVIEW), {"id": case_id, "actor": b.id, "action": "decline"})
    # The holder releases; a deactivated officer cannot be given a case.
    db_session.execute(text(SET_HOLDER), {"to": None, "by": b.id, "id": case_id})
    db_session.execute(text("UPDATE users SET active = false WHERE id = :id"), {"id": a.id})
    _refused(db_session, "not an active risk officer", SET_HOLDER, to=a.id, by=lead.id, id=case_id)


def test_the_database_refuses_a_holder_who_signed_and_a_closed_case(
    db_session: Session, people: dict[str, User]
) -> None:
    a, b = people["a"], people["b"]
    case_id = f.referred_case(db_session, rm=people["rm"], amount=Decimal(60_000_000)).case.id
    service.approve(session=db_session, user=a, case_id=case_id, reason=REASON, policy=POLICY)
    _refused(db_session, "already signed", SET_HOLDER, to=a.id, by=a.id, id=case_id)
    service.approve(session=db_session, user=b, case_id=case_id, reason=REASON, policy=POLICY)
    _refused(db_session, "is closed", SET_HOLDER, to=b.id, by=b.id, id=case_id)


# --- over HTTP: the REST API and the case page ------------------------------------------------


@pytest.fixture(scope="module")
def api_url(fresh_database: Any) -> str:
    url: str = fresh_database()
    return url


@pytest.fixture(scope="module")
def api_engine(api_url: str) -> Iterator[Any]:
    eng = create_engine(api_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def client(api_url: str, api_engine: Any) -> Iterator[TestClient]:
    with Session(api_engine) as s, s.begin():
        f.user(s, "rm_he", "rm")
        f.user(s, "officer_gao", "risk_officer")
        f.user(s, "officer_ma", "risk_officer")
        f.user(s, "lead_qian", "admin")
    with TestClient(f.review_app(api_url, env="demo")) as c:
        yield c


def _new_case(api_engine: Any) -> int:
    with Session(api_engine) as s, s.begin():
        rm = s.execute(select(User).where(User.username == "rm_he")).scalar_one()
        return f.referred_case(s, rm=rm).case.id


def _as(client: TestClient, who: str) -> dict[str, str]:
    role = "admin" if who.startswith("lead") else "risk_officer"
    return f.bearer(client.app, who, role)  # type: ignore[arg-type]


def test_claim_and_assign_over_rest(client: TestClient, api_engine: Any) -> None:
    case_id = _new_case(api_engine)
    gao, ma, lead = _as(client, "officer_gao"), _as(client, "officer_ma"), _as(client, "lead_qian")
    got = client.post(f"/v1/reviews/{case_id}/claim", headers=gao)
    assert got.status_code == 200, got.text
    assert got.json()["holder"] == "officer_gao"
    page = client.get("/v1/reviews", params={"holder": "me"}, headers=gao).json()
    assert [i["case_id"] for i in page["items"]] == [case_id]
    assert page["items"][0]["holder"] == "officer_gao"
    free = client.get("/v1/reviews", params={"holder": "none"}, headers=ma).json()
    assert case_id not in [i["case_id"] for i in free["items"]]
    refused = client.post(f"/v1/reviews/{case_id}/approve", json={"reason": REASON}, headers=ma)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "case_claimed"
    assert client.post(f"/v1/reviews/{case_id}/claim", headers=ma).status_code == 403
    assert client.post(f"/v1/reviews/{case_id}/claim", headers=lead).status_code == 403
    bad = client.post(f"/v1/reviews/{case_id}/assign", json={"officer": "rm_he"}, headers=lead)
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"][0]["path"] == "$.officer"
    assert client.post(f"/v1/reviews/{case_id}/assign", json={}, headers=lead).status_code == 422
    nul = client.post(f"/v1/reviews/{case_id}/assign", json={"officer": "a\u0000b"}, headers=lead)
    assert nul.status_code == 422
    moved = client.post(
        f"/v1/reviews/{case_id}/assign", json={"officer": "officer_ma"}, headers=lead
    )
    assert moved.status_code == 200
    assert moved.json()["holder"] == "officer_ma"
    assert (
        client.post(f"/v1/reviews/{case_id}/approve", json={"reason": REASON}, headers=gao)
    ).status_code == 403
    done = client.post(f"/v1/reviews/{case_id}/approve", json={"reason": REASON}, headers=ma)
    assert done.status_code == 200
    assert done.json()["status"] == "closed"
    with Session(api_engine) as s:
        assert verify_chain(session=s)[1] is None


def test_claim_and_assign_on_the_pages(client: TestClient, api_engine: Any) -> None:
    case_id = _new_case(api_engine)
    client.cookies.clear()
    f.ui_sign_in(client, username="officer_gao")
    page = client.get(f"/ui/cases/{case_id}")
    assert 'id="claim-button"' in page.text
    csrf = _csrf(page.text)
    claimed = client.post(
        f"/ui/cases/{case_id}/claim", data={"op": "claim", "csrf": csrf}, follow_redirects=True
    )
    assert 'data-holder="officer_gao"' in claimed.text
    assert 'id="release-button"' in claimed.text
    queue = client.get("/ui/queue", params={"holder": "me"})
    assert f'data-case-id="{case_id}"' in queue.text
    assert 'data-holder="officer_gao"' in queue.text

    client.cookies.clear()
    f.ui_sign_in(client, username="officer_ma")
    other = client.get(f"/ui/cases/{case_id}")
    assert 'id="held-by-other"' in other.text
    assert 'id="action-form"' not in other.text
    forced = client.post(
        f"/ui/cases/{case_id}/act",
        data={"action": "approve", "reason": REASON, "csrf": _csrf(other.text)},
    )
    assert forced.status_code == 403
    assert "此案已由其他风险经理经办" in forced.text

    client.cookies.clear()
    f.ui_sign_in(client, username="lead_qian")
    lead_page = client.get(f"/ui/cases/{case_id}")
    assert 'id="assign-officer"' in lead_page.text
    client.post(
        f"/ui/cases/{case_id}/claim",
        data={"op": "assign", "officer": "officer_ma", "csrf": _csrf(lead_page.text)},
    )
    with Session(api_engine) as s:
        holder = s.execute(
            select(User.username)
            .join(ReviewCase, ReviewCase.assigned_to == User.id)
            .where(ReviewCase.id == case_id)
        ).scalar_one()
    assert holder == "officer_ma"


def _csrf(html: str) -> str:
    import re

    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_two_officers_claiming_at_once_one_holds_it(fresh_database: Any) -> None:
    """The case row lock serialises two claims: one officer holds the case, the other is told
    it is held, and one audit entry is written."""
    import threading

    url: str = fresh_database()
    engine = create_engine(url)
    with Session(engine) as s, s.begin():
        rm = f.user(s, "race_claim_rm", "rm")
        for name in ("race_claim_a", "race_claim_b"):
            f.user(s, name, "risk_officer")
        case_id = f.referred_case(s, rm=rm).case.id
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def claim_as(name: str) -> None:
        with Session(engine) as session:
            user = session.execute(select(User).where(User.username == name)).scalar_one()
            barrier.wait()
            try:
                claims.claim(session=session, user=user, case_id=case_id)
                session.commit()
                outcomes[name] = "ok"
            except claims.ClaimedError:
                session.rollback()
                outcomes[name] = "claimed"

    threads = [
        threading.Thread(target=claim_as, args=(n,)) for n in ("race_claim_a", "race_claim_b")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes.values()) == ["claimed", "ok"]
    winner = next(n for n, o in outcomes.items() if o == "ok")
    with Session(engine) as s:
        holder = s.execute(
            select(User.username)
            .join(ReviewCase, ReviewCase.assigned_to == User.id)
            .where(ReviewCase.id == case_id)
        ).scalar_one()
        assert holder == winner
        assert [a for a, _, _ in _audit(s, case_id)] == ["review.claim"]
    engine.dispose()
