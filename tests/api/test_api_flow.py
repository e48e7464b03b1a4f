"""The full flow through real HTTP and a real database, for each outcome."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api
from tests.factories.documents import application, healthy_industrial_maker, uscc_for, with_uscc


def _submit(api: Api, doc: dict[str, Any], user: str = "rm_li") -> dict[str, Any]:
    response = api.client.post("/v1/applications", json=doc, headers=api.headers(user))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_decision_document_has_every_field(api: Api) -> None:
    body = _submit(api, with_uscc(application(), uscc_for(101)))
    for key in (
        "decision_id", "application_id", "enterprise_uscc", "pd", "grade", "outcome", "stage",
        "stage_declared", "products", "limit", "tenor", "pricing", "conditions", "reasons",
        "rule_hits", "flags", "model_version", "ruleset_version", "input_sha256", "decided_at",
    ):  # fmt: skip
        assert key in body, key
    assert 0 < body["pd"] < 1
    assert len(body["reasons"]) <= 4
    for reason in body["reasons"]:
        assert reason["zh"]
        assert reason["en"]
        assert reason["feature"]
    assert {"binding", "amount"} <= set(body["limit"])
    assert body["tenor"]["months"] <= 24  # never above the request
    for hit in body["rule_hits"]:
        assert hit["rule_id"]
        assert hit["seed_ref"]


def test_approve_flow_is_persisted_with_provenance(api: Api) -> None:
    body = _submit(api, healthy_industrial_maker())
    assert body["outcome"] == "approve", body
    assert body["products"], "an approval offers products"
    rows = api.rows(
        "SELECT d.outcome, d.input_sha256, d.model_version, d.ruleset_version, a.status"
        " FROM decisions d JOIN loan_applications a ON a.id = d.application_id WHERE d.id = :id",
        id=body["decision_id"],
    )
    assert rows == [
        (
            "approve",
            body["input_sha256"],
            body["model_version"],
            body["ruleset_version"],
            rows[0][4],
        )
    ]
    got = api.client.get(f"/v1/decisions/{body['decision_id']}", headers=api.headers("rm_li"))
    assert got.json() == body


def test_decline_flow_carries_no_products(api: Api) -> None:
    doc = with_uscc(application(green={"compliance_violation": True}), uscc_for(102))
    body = _submit(api, doc)
    assert body["outcome"] == "decline"
    assert body["products"] == []
    assert any(
        "green" in hit["rule_id"].lower() or "GREEN" in hit["rule_id"] for hit in body["rule_hits"]
    )


def test_refer_flow_enters_the_review_queue(api: Api) -> None:
    doc = with_uscc(application(), uscc_for(103))
    doc["supply_chain"].append(
        {
            "counterparty_uscc": uscc_for(9103),
            "counterparty_name": "境外芯片供应商",
            "role": "supplier",
            "share": 0.9,
            "on_time_delivery_rate": 0.95,
            "avg_payment_days": 60,
            "imported_component_share": 0.95,
        }
    )
    body = _submit(api, doc)
    assert body["outcome"] == "refer", body
    assert body["flags"]
    queued = api.rows(
        "SELECT source, status FROM review_cases WHERE decision_id = :id",
        id=body["decision_id"],
    )
    assert queued == [("refer", "open")]
    status = api.rows(
        "SELECT status FROM loan_applications WHERE id = :id", id=body["application_id"]
    )
    assert status == [("in_review",)]


def test_every_submission_is_audited(api: Api) -> None:
    body = _submit(api, with_uscc(application(), uscc_for(104)))
    actions = api.rows(
        "SELECT action FROM audit_log WHERE entity_id IN (:a, :d) ORDER BY id",
        a=body["application_id"],
        d=body["decision_id"],
    )
    assert [a for (a,) in actions] == ["application.submit", "decision.create"]


def test_what_if_scoring_stores_nothing(api: Api) -> None:
    doc = with_uscc(application(), uscc_for(105))
    before = api.rows("SELECT count(*) FROM decisions")[0][0]
    response = api.client.post("/v1/score", json=doc, headers=api.headers("rm_li"))
    assert response.status_code == 200, response.text
    cheaper = dict(doc, request={**doc["request"], "amount": 1_000_000})
    second = api.client.post("/v1/score", json=cheaper, headers=api.headers("rm_li")).json()
    assert second["limit"]["amount"] <= 1_000_000
    assert api.rows("SELECT count(*) FROM decisions")[0][0] == before
    assert api.rows("SELECT count(*) FROM enterprises WHERE uscc = :u", u=uscc_for(105)) == [(0,)]


def test_list_filters_and_cursor_pagination(api: Api) -> None:
    for n in range(110, 115):
        _submit(api, with_uscc(application(), uscc_for(n)), user="rm_wang")
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2, "sector": "robot"}
        if cursor:
            params["cursor"] = cursor
        page = api.client.get("/v1/applications", params=params, headers=api.headers("rm_wang"))
        assert page.status_code == 200, page.text
        data = page.json()
        seen += [item["application_id"] for item in data["items"]]
        cursor = data["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) >= 5
    others = api.client.get(
        "/v1/applications", params={"district": "pudong"}, headers=api.headers("rm_wang")
    )
    assert all(item["district"] == "pudong" for item in others.json()["items"])


def test_data_feed_upserts_by_month(api: Api) -> None:
    uscc = uscc_for(120)
    _submit(api, with_uscc(application(), uscc))
    month = {
        "month": "2025-11",
        "tax_invoice_amount": 1_000_000,
        "electricity_kwh": 30_000,
        "social_insurance_headcount": 70,
    }
    for amount in (1_000_000, 2_000_000):
        month["tax_invoice_amount"] = amount
        response = api.client.post(
            f"/v1/enterprises/{uscc}/data",
            json={"alternative_data": [month]},
            headers=api.headers("rm_li"),
        )
        assert response.status_code == 200, response.text
    stored = api.rows(
        "SELECT a.tax_invoice_amount FROM alternative_data_monthly a JOIN enterprises e"
        " ON e.id = a.enterprise_id WHERE e.uscc = :u AND a.month = '2025-11-01'",
        u=uscc,
    )
    assert [float(v) for (v,) in stored] == [2_000_000.0]
    profile = api.client.get(f"/v1/enterprises/{uscc}", headers=api.headers("rm_li")).json()
    assert profile["decisions"]
    assert profile["alternative_data"]
