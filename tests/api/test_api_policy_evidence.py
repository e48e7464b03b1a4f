"""Issue 22 over real HTTP and a real database: risk-sharing partners in the application and
the decision document, and unreported evidence stored as unknown and asked for."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api
from tests.factories.documents import healthy_industrial_maker, uscc_for, with_uscc

POLICY_BANK = {
    "partner_kind": "policy_bank",
    "partner_name": "国家开发银行上海市分行",
    "coverage_share": 0.3,
}
POOL = {
    "partner_kind": "risk_compensation_pool",
    "partner_name": "松江区科技信贷风险补偿资金池",
    "coverage_share": 0.2,
}


def _submit(api: Api, doc: dict[str, Any]) -> dict[str, Any]:
    response = api.client.post("/v1/applications", json=doc, headers=api.headers("rm_li"))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_risk_sharing_partners_change_limit_price_and_appear_in_the_decision(api: Api) -> None:
    """与政策性银行合作分担风险 [000 §(二)3(1)]; 风险补偿资金池 [DOMAIN.md "Risk-sharing partners"]."""
    alone = healthy_industrial_maker()
    alone["request"] = {**alone["request"], "amount": 900_000_000, "purpose": "working_capital"}
    shared = with_uscc(alone, uscc_for(2201))
    shared["request"] = {**alone["request"], "risk_sharing": [POLICY_BANK, POOL]}
    plain = _submit(api, alone)
    body = _submit(api, shared)
    assert body["risk_sharing"]["coverage"] == 0.5
    assert [p["partner_kind"] for p in body["risk_sharing"]["partners"]] == [
        "policy_bank",
        "risk_compensation_pool",
    ]
    assert plain["risk_sharing"] == {"coverage": 0.0, "partners": []}
    assert body["limit"]["amount"] > plain["limit"]["amount"]
    assert body["pricing"]["grade_premium"] <= plain["pricing"]["grade_premium"]
    assert any("风险分担协议" in c for c in body["conditions"])
    assert "COND-RISK-SHARING" in {h["rule_id"] for h in body["rule_hits"]}
    stored = api.client.get(
        f"/v1/decisions/{body['decision_id']}", headers=api.headers("rm_li")
    ).json()
    assert stored["risk_sharing"] == body["risk_sharing"]


def test_partners_covering_more_than_the_whole_loss_are_refused(api: Api) -> None:
    doc = with_uscc(healthy_industrial_maker(), uscc_for(2202))
    doc["request"] = {
        **doc["request"],
        "risk_sharing": [POLICY_BANK | {"coverage_share": 0.7}, POOL | {"coverage_share": 0.4}],
    }
    response = api.client.post("/v1/applications", json=doc, headers=api.headers("rm_li"))
    assert response.status_code == 422, response.text
    [field] = response.json()["error"]["fields"]
    assert field["path"] == "$.request.risk_sharing"
    assert "coverage_share" in field["problem"]


def test_unreported_evidence_is_stored_as_unknown_and_asked_for(api: Api) -> None:
    """应追溯其核心零部件供应渠道 ... 确保授信对象符合环保要求 [000 §(四)2, §(四)4]."""
    uscc = uscc_for(2203)
    doc = with_uscc(healthy_industrial_maker(), uscc)
    doc["green"] = {}
    doc["supply_chain"] = [
        {k: v for k, v in link.items() if k != "imported_component_share"}
        for link in doc["supply_chain"]
    ]
    body = _submit(api, doc)
    assert body["outcome"] == "refer"
    assert {"missing_supply_chain_evidence", "missing_green_compliance_evidence"} <= set(
        body["flags"]
    )
    assert any("imported share" in c for c in body["conditions"])
    assert any("environmental compliance" in c for c in body["conditions"])
    [green] = api.rows(
        "SELECT g.compliance_violation, g.carbon_intensity_vs_sector FROM green_data g"
        " JOIN enterprises e ON e.id = g.enterprise_id WHERE e.uscc = :uscc",
        uscc=uscc,
    )
    assert tuple(green) == (None, None)
    shares = api.rows(
        "SELECT l.imported_component_share FROM supply_links l"
        " JOIN enterprises e ON e.id = l.enterprise_id WHERE e.uscc = :uscc",
        uscc=uscc,
    )
    assert shares
    assert all(row[0] is None for row in shares)
