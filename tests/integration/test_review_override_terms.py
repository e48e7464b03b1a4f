"""Overrides recorded as meant, over real HTTP: the page takes the limit in 万元, echoes the
parsed terms before anything is recorded, refuses what it cannot read, and the history, the
REST API and the overrides report all show the recorded terms as before → after."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from industry_credit.db.models import Review
from tests.factories import review as f


@pytest.fixture(scope="module")
def url(fresh_database: Any) -> str:
    value: str = fresh_database()
    return value


@pytest.fixture(scope="module")
def case_id(url: str) -> int:
    engine = create_engine(url)
    with Session(engine) as s, s.begin():
        rm = f.user(s, "ot_rm", "rm")
        f.user(s, "ot_officer", "risk_officer")
        rows = f.referred_case(s, rm=rm, amount=Decimal(76_060_000))
        value = rows.case.id
    engine.dispose()
    return value


@pytest.fixture
def client(url: str, case_id: int) -> Iterator[TestClient]:
    with TestClient(f.review_app(url, env="demo"), follow_redirects=False) as c:
        answer = f.ui_sign_in(c, **{"username": "ot_officer", "next": "/ui/queue"})
        assert answer.status_code == 303
        yield c


def _reviews(url: str, case_id: int) -> int:
    engine = create_engine(url)
    with Session(engine) as s:
        n = s.execute(
            select(func.count()).select_from(Review).where(Review.case_id == case_id)
        ).scalar_one()
    engine.dispose()
    return int(n)


def _form(client: TestClient, case_id: int, limit: str) -> dict[str, Any]:
    page = client.get(f"/ui/cases/{case_id}").text
    match = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert match is not None
    return {
        "csrf": match.group(1),
        "action": "override",
        "reason": "链主订单稳定，但额度按五千万元控制。",
        "reason_codes": ["concentration_limit"],
        "outcome": "approve",
        "limit_amount": limit,
        "tenor_months": "",
    }


def test_an_unreadable_limit_is_refused_and_nothing_is_recorded(
    client: TestClient, url: str, case_id: int
) -> None:
    for typed in ("5000元", "五千万", "5,00"):
        answer = client.post(f"/ui/cases/{case_id}/act", data=_form(client, case_id, typed))
        assert answer.status_code == 422, typed
        assert 'data-field="limit_amount"' in answer.text
        assert "额度无法识别" in answer.text
        assert f'value="{typed}"' in answer.text  # the officer's input is kept to correct
    assert _reviews(url, case_id) == 0


def test_a_limit_typed_in_wan_is_echoed_then_recorded_exactly(
    client: TestClient, url: str, case_id: int
) -> None:
    form = _form(client, case_id, "5000万")
    echo = client.post(f"/ui/cases/{case_id}/act", data=form)
    assert echo.status_code == 200
    assert 'id="override-echo"' in echo.text
    assert 'data-limit="50000000.00"' in echo.text
    assert "7,606.00 万元 → <strong>5,000.00 万元</strong>" in echo.text
    assert _reviews(url, case_id) == 0  # echoed, not yet recorded

    done = client.post(f"/ui/cases/{case_id}/act", data={**form, "confirmed": "1"})
    assert done.status_code == 303, done.text
    assert _reviews(url, case_id) == 1

    api = client.get(
        f"/v1/reviews/{case_id}", headers=f.bearer(client.app, "ot_officer", "risk_officer")
    ).json()
    review = api["reviews"][-1]
    assert review["action"] == "override"
    assert review["terms_after"]["limit_amount"] == 50_000_000.0
    assert review["terms_before"]["limit_amount"] == 76_060_000.0
    assert review["terms_after"]["tenor_months"] == review["terms_before"]["tenor_months"] == 24
    assert api["proposal"]["terms"]["limit_amount"] == 50_000_000.0
    assert api["proposal"]["direction"] == "down"

    page = client.get(f"/ui/cases/{case_id}").text
    history = page[page.index('id="history"') :]
    assert 'data-term="limit_amount" data-before="76060000.0" data-after="50000000.0"' in history
    assert "7,606.00 万元 → 5,000.00 万元" in history

    month = api["reviews"][-1]["created_at"][:7]
    report = client.get(
        f"/v1/reviews/reports/overrides?month={month}",
        headers=f.bearer(client.app, "ot_officer", "risk_officer"),
    ).json()
    (item,) = [i for i in report["items"] if i["case_id"] == case_id]
    assert item["terms_after"]["limit_amount"] == 50_000_000.0
    assert item["terms_before"]["limit_amount"] == 76_060_000.0
    assert item["direction"] == "down"
    html = client.get(f"/ui/reports/overrides?month={month}").text
    assert "7,606.00 万元 → 5,000.00 万元" in html


def test_the_api_refuses_bad_terms_naming_the_field(client: TestClient, case_id: int) -> None:
    headers = f.bearer(client.app, "ot_officer", "risk_officer")
    body = {
        "outcome": "approve",
        "reason": "额度按五千万元控制，期限不变。",
        "reason_codes": ["concentration_limit"],
    }
    for field, value in (("limit_amount", "5000万"), ("tenor_months", 0), ("products", [])):
        answer = client.post(
            f"/v1/reviews/{case_id}/override", json={**body, field: value}, headers=headers
        )
        assert answer.status_code == 422, (field, answer.text)
        paths = [x["path"] for x in answer.json()["error"]["fields"]]
        assert any(p.startswith(f"$.{field}") for p in paths), (field, paths)


def test_the_echo_refuses_what_the_override_would_refuse(
    client: TestClient, url: str, case_id: int
) -> None:
    before = _reviews(url, case_id)
    form = _form(client, case_id, "4000")
    for change, field in (({"reason": "太短"}, "reason"), ({"reason_codes": []}, "reason_codes")):
        answer = client.post(f"/ui/cases/{case_id}/act", data={**form, **change})
        assert answer.status_code == 422
        assert f'data-field="{field}"' in answer.text
        assert 'id="override-echo"' not in answer.text
    assert _reviews(url, case_id) == before
