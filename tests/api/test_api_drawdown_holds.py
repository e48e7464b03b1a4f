"""``/v1/drawdown-holds`` over real HTTP: who sees a hold, who lifts it, and the refusals."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from tests.api.conftest import Api
from tests.factories.documents import healthy_industrial_maker, uscc_for, with_uscc


def _held_enterprise(api: Api, n: int) -> tuple[str, int]:
    """An enterprise rm_li owns (through an application) with an active hold on it."""
    uscc = uscc_for(n)
    response = api.client.post(
        "/v1/applications",
        json=with_uscc(healthy_industrial_maker(), uscc),
        headers=api.headers("rm_li"),
    )
    assert response.status_code == 201, response.text
    engine = create_engine(api.database_url)
    try:
        with engine.begin() as conn:
            hold_id = conn.execute(
                text(
                    "INSERT INTO drawdown_holds (enterprise_id, as_of, flags)"
                    " SELECT id, DATE '2026-11-30', ARRAY['circuit_breaker_downtime']"
                    " FROM enterprises WHERE uscc = :u RETURNING id"
                ),
                {"u": uscc},
            ).scalar_one()
    finally:
        engine.dispose()
    return uscc, int(hold_id)


def test_owner_sees_an_officer_lifts_with_a_reason(api: Api) -> None:
    uscc, hold_id = _held_enterprise(api, 2221)
    mine = api.client.get("/v1/drawdown-holds", headers=api.headers("rm_li")).json()
    assert [h["id"] for h in mine if h["enterprise_uscc"] == uscc] == [hold_id]
    other = api.client.get("/v1/drawdown-holds", headers=api.headers("rm_wang")).json()
    assert all(h["enterprise_uscc"] != uscc for h in other)

    refused = api.client.post(
        f"/v1/drawdown-holds/{hold_id}/lift",
        json={"reason": "客户经理自行解除"},
        headers=api.headers("rm_li"),
    )
    assert refused.status_code == 403, refused.text
    no_reason = api.client.post(
        f"/v1/drawdown-holds/{hold_id}/lift", json={}, headers=api.headers("officer_zhao")
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["error"]["fields"][0]["path"] == "$.reason"

    lifted = api.client.post(
        f"/v1/drawdown-holds/{hold_id}/lift",
        json={"reason": "设备停机已修复，订单恢复正常"},
        headers=api.headers("officer_zhao"),
    )
    assert lifted.status_code == 200, lifted.text
    body = lifted.json()
    assert body["active"] is False
    assert body["lifted_by"] == "officer_zhao"
    again = api.client.post(
        f"/v1/drawdown-holds/{hold_id}/lift",
        json={"reason": "再次解除"},
        headers=api.headers("officer_zhao"),
    )
    assert again.status_code == 409
    missing = api.client.post(
        "/v1/drawdown-holds/999999999/lift",
        json={"reason": "无此冻结"},
        headers=api.headers("admin_sun"),
    )
    assert missing.status_code == 404
    active = api.client.get("/v1/drawdown-holds", headers=api.headers("officer_zhao")).json()
    assert hold_id not in {h["id"] for h in active}
    history = api.client.get(
        "/v1/drawdown-holds?active=false", headers=api.headers("officer_zhao")
    ).json()
    assert hold_id in {h["id"] for h in history}
    [audit] = api.rows(
        "SELECT actor, payload FROM audit_log WHERE action = 'drawdown_hold.lift'"
        " AND entity_id = :u",
        u=uscc,
    )
    assert audit[0] == "officer_zhao"
    assert audit[1]["hold_id"] == hold_id
