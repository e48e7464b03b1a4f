"""REST under /v1/reviews: authorization, the queue's filters, four-eyes over HTTP, the
request_info round trip, the override report; the audit chain verifies after every action."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from industry_credit.audit.service import verify_chain
from industry_credit.db.models import User
from industry_credit.review.reports import current_month
from tests.factories import review as f

REASON = {"reason": "财务与订单数据支持该结论，同意。"}


@pytest.fixture(scope="module")
def api_url(fresh_database: Any) -> str:
    url: str = fresh_database()
    return url


@pytest.fixture(scope="module")
def client(api_url: str) -> Iterator[TestClient]:
    with TestClient(f.review_app(api_url)) as c:
        yield c


@pytest.fixture(scope="module")
def api_engine(api_url: str) -> Any:
    eng = create_engine(api_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def people(api_engine: Any) -> dict[str, int]:
    with Session(api_engine) as s, s.begin():
        rows = {
            "rm_wang": f.user(s, "rm_wang", "rm"),
            "rm_zhao": f.user(s, "rm_zhao", "rm"),
            "officer_li": f.user(s, "officer_li", "risk_officer"),
            "officer_chen": f.user(s, "officer_chen", "risk_officer"),
            "admin_sun": f.user(s, "admin_sun", "admin"),
        }
        return {name: u.id for name, u in rows.items()}


def as_(client: TestClient, who: str) -> dict[str, str]:
    role = "rm" if who.startswith("rm") else "admin" if who.startswith("admin") else "risk_officer"
    return f.bearer(client.app, who, role)  # type: ignore[arg-type]


def new_case(api_engine: Any, people: dict[str, int], **kw: Any) -> int:
    with Session(api_engine) as s, s.begin():
        rm = s.get(User, people["rm_wang"])
        assert rm is not None
        return f.referred_case(s, rm=rm, **kw).case.id


def chain_intact(api_engine: Any) -> None:
    with Session(api_engine) as s:
        _, broken = verify_chain(session=s)
    assert broken is None, broken


def test_rm_cannot_reach_review_endpoints(
    client: TestClient, api_engine: Any, people: dict[str, int]
) -> None:
    case_id = new_case(api_engine, people)
    rm = as_(client, "rm_zhao")
    for method, path, body in [
        ("GET", "/v1/reviews", None),
        ("GET", f"/v1/reviews/{case_id}", None),
        ("GET", "/v1/reviews/reports/overrides", None),
        ("POST", f"/v1/reviews/{case_id}/approve", REASON),
        ("POST", f"/v1/reviews/{case_id}/decline", REASON),
        ("POST", f"/v1/reviews/{case_id}/request_info", {"question": "请说明用电量下降的原因。"}),
    ]:
        answer = client.request(method, path, json=body, headers=rm)
        assert answer.status_code == 403, (path, answer.text)
        assert answer.json()["error"]["code"] == "forbidden"
    assert client.get("/v1/reviews").status_code == 401


def test_admin_reads_but_cannot_act(
    client: TestClient, api_engine: Any, people: dict[str, int]
) -> None:
    case_id = new_case(api_engine, people)
    admin = as_(client, "admin_sun")
    assert client.get(f"/v1/reviews/{case_id}", headers=admin).status_code == 200
    refused = client.post(f"/v1/reviews/{case_id}/approve", json=REASON, headers=admin)
    assert refused.status_code == 403


def test_queue_filters_sorting_pagination_and_sla(
    client: TestClient, api_engine: Any, people: dict[str, int]
) -> None:
    old = datetime.now(UTC) - timedelta(hours=100)
    stale = new_case(
        api_engine,
        people,
        district="songjiang",
        sector="ai_pc",
        amount=Decimal(80_000_000),
        enqueued_at=old,
        grade="BBB",
        pd=0.006,
    )
    fresh = new_case(
        api_engine, people, district="songjiang", sector="robot", amount=Decimal(2_000_000)
    )
    sampled = new_case(
        api_engine, people, district="qingpu", sector="robot", outcome="approve", source="qc_sample"
    )
    officer = as_(client, "officer_li")

    page = client.get("/v1/reviews", params={"district": "songjiang"}, headers=officer).json()
    ids = [i["case_id"] for i in page["items"]]
    assert ids[:2] == [stale, fresh]  # oldest first by default
    assert all(i["enterprise"]["district"] == "songjiang" for i in page["items"])
    first = page["items"][0]
    assert first["over_sla"] is True
    assert first["age_hours"] >= 99
    assert first["needs_two_officers"] is True
    assert page["items"][1]["over_sla"] is False

    def ids_for(**params: Any) -> list[int]:
        body = client.get("/v1/reviews", params=params, headers=officer).json()
        return [i["case_id"] for i in body["items"]]

    assert ids_for(sector="ai_pc", district="songjiang") == [stale]
    assert ids_for(district="songjiang", amount_min=50_000_000) == [stale]
    assert fresh in ids_for(district="songjiang", amount_max=3_000_000)
    assert stale not in ids_for(district="songjiang", amount_max=3_000_000)
    assert ids_for(district="songjiang", grade="BBB") == [stale]
    assert ids_for(district="songjiang", stage="growth")[:2] == [stale, fresh]
    assert stale in ids_for(over_sla=True)
    assert fresh not in ids_for(over_sla=True)
    assert ids_for(district="songjiang", min_age_hours=50) == [stale]
    assert stale not in ids_for(district="songjiang", max_age_hours=50)
    assert ids_for(source="qc_sample", district="qingpu") == [sampled]
    assert ids_for(district="songjiang", sort="amount", order="desc")[0] == stale
    one = client.get(
        "/v1/reviews", params={"district": "songjiang", "limit": 1, "offset": 1}, headers=officer
    ).json()
    assert [i["case_id"] for i in one["items"]] == [fresh]
    assert one["total"] >= 2
    bad = client.get("/v1/reviews", params={"district": "mars"}, headers=officer)
    assert bad.status_code == 422


def test_large_case_needs_two_officers_over_http(
    client: TestClient, api_engine: Any, people: dict[str, int]
) -> None:
    case_id = new_case(api_engine, people, amount=Decimal(50_000_000))
    li, chen = as_(client, "officer_li"), as_(client, "officer_chen")
    first = client.post(f"/v1/reviews/{case_id}/approve", json=REASON, headers=li)
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "awaiting_second"
    assert first.json()["proposal"]["agreed_by"] == ["officer_li"]
    chain_intact(api_engine)
    again = client.post(f"/v1/reviews/{case_id}/approve", json=REASON, headers=li)
    assert again.status_code == 403
    assert again.json()["error"]["code"] == "four_eyes_violation"
    final = client.post(f"/v1/reviews/{case_id}/approve", json=REASON, headers=chen)
    assert final.status_code == 200
    body = final.json()
    assert body["status"] == "closed"
    assert body["final_outcome"] == "approve"
    assert [r["actor"] for r in body["reviews"]] == ["officer_li", "officer_chen"]
    assert body["reviews"][1]["before"]["status"] == "awaiting_second"
    chain_intact(api_engine)
    closed = client.post(f"/v1/reviews/{case_id}/decline", json=REASON, headers=li)
    assert closed.status_code == 409


def test_an_override_that_changes_nothing_is_refused(
    client: TestClient, api_engine: Any, people: dict[str, int]
) -> None:
    """Approving a refer at the engine's own terms is a neutral 'override': an approval."""
    case_id = new_case(api_engine, people)
    li = as_(client, "officer_li")
    case = client.get(f"/v1/reviews/{case_id}", headers=li).json()
    # No limit, tenor or products given: the engine's own terms.
    neutral = client.post(
        f"/v1/reviews/{case_id}/override",
        json={**REASON, "reason_codes": ["other"], "outcome": "approve"},
        headers=li,
    )
    assert neutral.status_code == 422, neutral.text
    assert "nothing changed" in neutral.json()["error"]["message"]
    after = client.get(f"/v1/reviews/{case_id}", headers=li).json()
    assert after["status"] == case["status"]
    assert after["proposal"] is None


def test_override_validation_and_report(
    client: TestClient, api_engine: Any, people: dict[str, int]
) -> None:
    case_id = new_case(api_engine, people)
    li, chen = as_(client, "officer_li"), as_(client, "officer_chen")
    url = f"/v1/reviews/{case_id}/override"
    no_codes = client.post(
        url, json={**REASON, "outcome": "approve", "limit_amount": 7e6}, headers=li
    )
    assert no_codes.status_code == 422
    short = client.post(
        url, json={"reason": "太少", "reason_codes": ["other"], "outcome": "decline"}, headers=li
    )
    assert short.status_code == 422
    assert short.json()["error"]["fields"][0]["path"] == "$.reason"
    bad_code = client.post(
        url, json={**REASON, "reason_codes": ["because"], "outcome": "decline"}, headers=li
    )
    assert bad_code.status_code == 422
    ok = client.post(
        url,
        json={
            **REASON,
            "reason_codes": ["core_enterprise_orders", "guidance_fund_support"],
            "outcome": "approve",
            "limit_amount": 7_000_000,
            "tenor_months": 36,
            "products": ["supply_chain_finance"],
        },
        headers=li,
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["proposal"]["direction"] == "up"
    assert client.post(f"/v1/reviews/{case_id}/approve", json=REASON, headers=li).status_code == 403
    done = client.post(f"/v1/reviews/{case_id}/approve", json=REASON, headers=chen).json()
    assert done["final_terms"]["limit_amount"] == 7_000_000
    assert done["final_terms"]["products"] == ["supply_chain_finance"]
    chain_intact(api_engine)

    month = current_month(datetime.now(UTC))
    report = client.get("/v1/reviews/reports/overrides", params={"month": month}, headers=chen)
    assert report.status_code == 200
    data = report.json()
    assert data["overrides"] >= 1
    assert any(o["officer"] == "officer_li" and o["overrides"] >= 1 for o in data["by_officer"])
    assert any(d["key"] == "up" for d in data["by_direction"])
    assert {"core_enterprise_orders", "guidance_fund_support"} <= {
        r["key"] for r in data["by_reason"]
    }
    bad = client.get("/v1/reviews/reports/overrides", params={"month": "2025-13"}, headers=chen)
    assert bad.status_code == 422


def test_request_info_round_trip_over_http(
    client: TestClient, api_engine: Any, people: dict[str, int]
) -> None:
    case_id = new_case(api_engine, people)
    li = as_(client, "officer_li")
    question = {"question": "请补充核心企业最近六个月的回款记录。"}
    asked = client.post(f"/v1/reviews/{case_id}/request_info", json=question, headers=li)
    assert asked.status_code == 200
    assert asked.json()["status"] == "info_requested"
    assert asked.json()["question"] == question["question"]
    chain_intact(api_engine)
    pending = client.get("/v1/reviews/questions", headers=as_(client, "rm_wang")).json()
    mine = [q for q in pending if q["case_id"] == case_id]
    assert mine[0]["question"] == question["question"]
    assert mine[0]["asked_by"] == "officer_li"
    others = client.get("/v1/reviews/questions", headers=as_(client, "rm_zhao")).json()
    assert case_id not in [q["case_id"] for q in others]
    assert client.get("/v1/reviews/questions", headers=li).status_code == 403
    answer = {"answer": "已上传回款流水，六个月均按期回款。"}
    assert client.post(f"/v1/reviews/{case_id}/answer", json=answer, headers=li).status_code == 403
    other_rm = client.post(
        f"/v1/reviews/{case_id}/answer", json=answer, headers=as_(client, "rm_zhao")
    )
    assert other_rm.status_code == 404
    ok = client.post(f"/v1/reviews/{case_id}/answer", json=answer, headers=as_(client, "rm_wang"))
    assert ok.status_code == 200
    assert ok.json() == {"case_id": case_id, "status": "open", "source": "info_answered"}
    chain_intact(api_engine)
    queued = client.get("/v1/reviews", params={"source": "info_answered"}, headers=li).json()
    assert case_id in [i["case_id"] for i in queued["items"]]
    again = client.post(
        f"/v1/reviews/{case_id}/answer", json=answer, headers=as_(client, "rm_wang")
    )
    assert again.status_code == 409
