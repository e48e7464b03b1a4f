"""Document rules the probe found missing: duplicate supply links are 422 (like duplicate years
and months), and the OpenAPI schema declares a USCC's length and character set."""

from __future__ import annotations

import re

from industry_credit.uscc import ALPHABET
from tests.api.conftest import Api
from tests.factories.documents import application, uscc_for, with_uscc


def _duplicated_link(doc: dict[str, object]) -> list[dict[str, object]]:
    links = list(doc["supply_chain"])  # type: ignore[call-overload]
    return [*links, {**links[0], "share": 0.05, "counterparty_name": "同一家公司"}]


def test_duplicate_supply_links_are_refused_on_submission(api: Api) -> None:
    doc = with_uscc(application(), uscc_for(1701))
    doc["supply_chain"] = _duplicated_link(doc)
    response = api.client.post("/v1/applications", json=doc, headers=api.headers("rm_li"))
    assert response.status_code == 422, response.text
    [field] = response.json()["error"]["fields"]
    assert field["path"] == "$.supply_chain"
    assert "counterparty_uscc" in field["problem"]
    # The same counterparty in another role is a different link.
    other_role = with_uscc(application(), uscc_for(1702))
    first = dict(other_role["supply_chain"][0])
    first["role"] = "supplier" if first["role"] == "buyer" else "buyer"
    other_role["supply_chain"] = [*other_role["supply_chain"], first]
    ok = api.client.post("/v1/applications", json=other_role, headers=api.headers("rm_li"))
    assert ok.status_code == 201, ok.text


def test_duplicate_supply_links_are_refused_in_the_data_feed(api: Api) -> None:
    uscc = uscc_for(1703)
    doc = with_uscc(application(), uscc)
    assert (
        api.client.post("/v1/applications", json=doc, headers=api.headers("rm_li")).status_code
        == 201
    )
    response = api.client.post(
        f"/v1/enterprises/{uscc}/data",
        json={"supply_chain": _duplicated_link(doc)},
        headers=api.headers("rm_li"),
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["fields"][0]["path"] == "$.supply_chain"


def test_openapi_declares_the_uscc_length_and_alphabet(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    enterprise = next(v for k, v in components.items() if k.startswith("EnterpriseIn"))
    link = next(v for k, v in components.items() if k.startswith("SupplyLinkIn"))
    for declared in (enterprise["properties"]["uscc"], link["properties"]["counterparty_uscc"]):
        assert declared["minLength"] == 18
        assert declared["maxLength"] == 18
        pattern = re.compile(declared["pattern"])
        assert pattern.match(uscc_for(1))
        assert not pattern.match("I" * 18)
        assert not pattern.match(uscc_for(1).lower())
        assert all(pattern.match(ch * 18) for ch in ALPHABET)
    path_param = next(
        p
        for p in schema["paths"]["/v1/enterprises/{uscc}"]["get"]["parameters"]
        if p["name"] == "uscc"
    )
    assert path_param["schema"]["minLength"] == path_param["schema"]["maxLength"] == 18


def test_a_boolean_where_a_number_is_declared_is_refused(api: Api) -> None:
    """Schemathesis found `planned_sales_units: false` scored as 0."""
    doc = with_uscc(application(), uscc_for(1704))
    doc["market"] = {
        "break_even_units": 0,
        "annual_capacity_units": 0,
        "planned_sales_units": False,
    }
    response = api.client.post("/v1/score", json=doc, headers=api.headers("rm_li"))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["fields"][0]["path"] == "$.market.planned_sales_units"


def test_a_number_where_a_boolean_is_declared_is_refused(api: Api) -> None:
    doc = with_uscc(application(), uscc_for(1705))
    doc["green"] = {**doc.get("green", {}), "compliance_violation": 0}
    response = api.client.post("/v1/score", json=doc, headers=api.headers("rm_li"))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["fields"][0]["path"] == "$.green.compliance_violation"
