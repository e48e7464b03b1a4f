"""POST /v1/score/alternatives: seed stories, variants that decide as shown, bounds, access."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import Api
from tests.factories.deal_stories import (
    compliance_violation,
    tenor_beyond_tech_life,
    unsecured_startup,
)
from tests.factories.documents import application, uscc_for, with_uscc

PATH = "/v1/score/alternatives"
# What a stored decision adds to the what-if document: its ids, its input hash and its time.
STORED_ONLY = {"decision_id", "application_id", "enterprise_uscc", "input_sha256", "decided_at"}


def alternatives(api: Api, doc: dict[str, Any], **bounds: Any) -> dict[str, Any]:
    body = {**doc, "bounds": bounds} if bounds else doc
    response = api.client.post(PATH, json=body, headers=api.headers("rm_li"))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def score(api: Api, doc: dict[str, Any]) -> dict[str, Any]:
    response = api.client.post("/v1/score", json=doc, headers=api.headers("rm_li"))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_unsecured_startup_becomes_approvable_by_adding_security(api: Api) -> None:
    found = alternatives(api, unsecured_startup(2001))
    original = found["original"]
    assert original["outcome"] == "decline"
    assert "KO-NEGATIVE-EQUITY" in {h["rule_id"] for h in original["rule_hits"]}
    assert found["grid"]["collateral_added"] == ["ip_pledge", "guarantee_fund"]
    best = found["alternatives"][0]
    # The full amount and tenor stay; one item of security is added, and nothing else changes.
    assert best["document"]["request"]["amount"] == 5_000_000
    assert best["document"]["request"]["tenor_months"] == 24
    assert len(best["added_collateral"]) == 1
    assert [c["field"] for c in best["changes"]] == ["request.collateral"]
    assert best["decision"]["outcome"] == "approve"
    assert best["decision"]["limit"] == {"amount": 5_000_000, "binding": "requested"}
    # No structure without security is approvable: every alternative adds some.
    assert all(a["added_collateral"] for a in found["alternatives"])
    assert found["blocking_rules"] == []


def test_an_ip_pledge_of_a_firm_in_negative_equity_goes_to_a_risk_officer(api: Api) -> None:
    """Seed 002: "不仅采用股权质押作为担保，还引入第三方评估机构对企业的无形资产进行科学评估"
    — a pledge with a valuation of the intangibles as the second source of repayment. Under the
    ruleset such a pledge
    turns the knock-out into a referral (REF-NEGATIVE-EQUITY-PLEDGED): a risk officer decides,
    so the structure is not approvable by the engine alone and the search offers a guarantee
    first; the IP-pledged variant itself is referred, not declined."""
    doc = unsecured_startup(2002)
    found = alternatives(api, doc)
    assert found["alternatives"][0]["added_collateral"] == ["guarantee_fund"]
    assert all(a["added_collateral"] != ["ip_pledge"] for a in found["alternatives"])
    pledged = score(api, {**doc, "request": {**doc["request"], "collateral": ["ip_pledge"]}})
    assert pledged["outcome"] == "refer"
    assert "REF-NEGATIVE-EQUITY-PLEDGED" in {h["rule_id"] for h in pledged["rule_hits"]}


def test_tenor_beyond_the_tech_life_is_approved_at_a_shorter_tenor(api: Api) -> None:
    found = alternatives(api, tenor_beyond_tech_life(2003))
    original = found["original"]
    assert original["tenor"] == {"months": 36, "binding": "core_product_tech_life"}
    assert "tenor_exceeds_tech_life" in original["flags"]
    best = found["alternatives"][0]
    assert best["document"]["request"]["tenor_months"] == 36
    assert best["document"]["request"]["amount"] == 5_000_000
    assert best["changes"] == [
        {
            "field": "request.tenor_months",
            "before": 60,
            "after": 36,
            "zh": "期限 60个月 → 36个月",
            "en": "tenor 60 → 36 months",
        }
    ]
    assert best["decision"]["outcome"] == "approve"
    assert best["decision"]["tenor"] == {"months": 36, "binding": "requested"}
    assert max(found["grid"]["tenors"]) == 36  # never beyond the technology life


def test_a_compliance_violation_has_no_approvable_variant_and_names_the_rule(api: Api) -> None:
    found = alternatives(api, compliance_violation(2004))
    assert found["original"]["outcome"] == "decline"
    assert found["alternatives"] == []
    assert found["grid"]["approvable"] == 0
    assert found["grid"]["variants"] > 100
    blocking = {r["rule_id"]: r for r in found["blocking_rules"]}
    # The knock-out is the cause; the empty offer it leaves (OFR-NO-PRODUCT) is not named.
    assert list(blocking) == ["KO-GREEN-COMPLIANCE"]
    assert blocking["KO-GREEN-COMPLIANCE"]["seed_ref"] == "000 §(四)4"
    assert blocking["KO-GREEN-COMPLIANCE"]["effect"] == "decline=green_compliance_violation"


def test_an_obsolete_core_product_is_named_rather_than_searched_past(api: Api) -> None:
    doc = with_uscc(application(), uscc_for(2011))
    doc["enterprise"]["core_product_tech_life_months"] = 4  # [000 §(四)1]
    found = alternatives(api, doc)
    assert found["grid"]["tenors"] == [4]  # the four months left
    assert found["alternatives"] == []
    assert [r["rule_id"] for r in found["blocking_rules"]] == ["KO-TECH-OBSOLETE"]


def test_the_largest_amount_comes_first_and_dominated_variants_are_left_out(api: Api) -> None:
    doc = tenor_beyond_tech_life(2005)
    doc["request"]["amount"] = 15_000_000  # the debt capacity (CNY 5.4M) is above the floor
    found = alternatives(api, doc)
    assert found["original"]["limit"]["binding"] == "revenue"
    capacity = found["original"]["limit"]["amount"]
    assert capacity in found["grid"]["amounts"]  # the engine's own bound is one of the amounts
    shown = [
        (
            a["document"]["request"]["amount"],
            abs(a["document"]["request"]["tenor_months"] - 60),
            set(a["added_collateral"]),
            a["decision"]["products"][0]["code"],
        )
        for a in found["alternatives"]
    ]
    assert shown[0][:3] == (capacity, 24, set())  # 36 months: the technology life
    assert [s[:2] for s in shown] == sorted((s[:2] for s in shown), key=lambda k: (-k[0], k[1]))
    # None asks for more than an earlier one: less or as much money, a tenor no nearer the
    # request, and more security on the same product.
    for i, later in enumerate(shown):
        for earlier in shown[:i]:
            assert not (
                earlier[0] >= later[0]
                and earlier[1] <= later[1]
                and earlier[2] <= later[2]
                and earlier[3] == later[3]
            ), (earlier, later)
    # Many variants are approvable; smaller amounts and shorter tenors at the same terms
    # are no alternative to the one shown.
    assert found["grid"]["approvable"] > 10 * len(shown)
    three = alternatives(api, doc, max_variants=3)
    assert three["alternatives"] == found["alternatives"][:3]


def test_a_variant_submitted_as_an_application_gets_exactly_the_decision_shown(api: Api) -> None:
    found = alternatives(api, unsecured_startup(2006))
    shown = found["alternatives"][0]
    response = api.client.post(
        "/v1/applications", json=shown["document"], headers=api.headers("rm_li")
    )
    assert response.status_code == 201, response.text
    stored = response.json()
    assert {k: v for k, v in stored.items() if k not in STORED_ONLY} == shown["decision"]


def _documents() -> st.SearchStrategy[dict[str, Any]]:
    def build(
        amount: int, tenor: int, security: list[str], negative: bool, violation: bool, life: int
    ) -> dict[str, Any]:
        doc = with_uscc(application(), uscc_for(2100))
        doc["request"] = {
            **doc["request"],
            "amount": amount,
            "tenor_months": tenor,
            "collateral": security,
        }
        doc["enterprise"]["core_product_tech_life_months"] = life
        doc["green"]["compliance_violation"] = violation
        if negative:
            for statement in doc["financials"]:
                statement["total_liabilities"] = statement["total_assets"] + 1_000_000
        return doc

    return st.builds(
        build,
        st.integers(500_000, 60_000_000),
        st.sampled_from([6, 12, 24, 36, 60]),
        st.sampled_from([[], ["ip_pledge"], ["real_estate_mortgage"], ["none"]]),
        st.booleans(),
        st.booleans(),
        st.sampled_from([12, 24, 36, 48]),
    )


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=_documents())
def test_every_variant_decides_as_a_fresh_score_of_it(api: Api, doc: dict[str, Any]) -> None:
    found = alternatives(api, copy.deepcopy(doc), max_variants=3)
    assert found["original"] == score(api, doc)
    for shown in found["alternatives"]:
        assert score(api, shown["document"]) == shown["decision"]
        assert shown["decision"]["outcome"] == "approve"
        assert shown["decision"]["limit"]["binding"] == "requested"
        assert shown["decision"]["tenor"]["binding"] == "requested"


@pytest.mark.parametrize(
    ("bounds", "field"),
    [
        ({"amount_floor": 0}, "$.bounds.amount_floor"),
        ({"amount_floor": 1.5}, "$.bounds.amount_floor"),
        ({"amount_steps": 0}, "$.bounds.amount_steps"),
        ({"tenor_min": 0}, "$.bounds.tenor_min"),
        ({"tenor_min": 30, "tenor_max": 12}, "$.bounds.tenor_min"),
        ({"tenor_min": 48, "tenor_max": 60}, "$.bounds.tenor_min"),  # past the 36-month life
        ({"max_variants": 0}, "$.bounds.max_variants"),
        ({"max_grid": 10**9}, "$.bounds.max_grid"),
        ({"amount_flor": 0.5}, "$.bounds.amount_flor"),
        ({"vary_products": 1}, "$.bounds.vary_products"),
    ],
)
def test_bad_bounds_are_refused_naming_the_field(
    api: Api, bounds: dict[str, Any], field: str
) -> None:
    doc = {**with_uscc(application(), uscc_for(2007)), "bounds": bounds}
    response = api.client.post(PATH, json=doc, headers=api.headers("rm_li"))
    assert response.status_code == 422, response.text
    assert [f["path"] for f in response.json()["error"]["fields"]] == [field]


def test_a_grid_over_the_cap_is_refused(api: Api) -> None:
    doc = with_uscc(application(), uscc_for(2008))
    within = alternatives(api, doc)
    size = within["grid"]["variants"]
    body = {**doc, "bounds": {"max_grid": size - 1}}
    response = api.client.post(PATH, json=body, headers=api.headers("rm_li"))
    assert response.status_code == 422, response.text
    [problem] = response.json()["error"]["fields"]
    assert problem["path"] == "$.bounds.max_grid"
    assert str(size) in problem["problem"]
    assert alternatives(api, doc, max_grid=size)["grid"]["variants"] == size


def test_an_invalid_document_is_refused_like_score(api: Api) -> None:
    doc = with_uscc(application(), uscc_for(2009))
    doc["request"]["tenor_months"] = 0
    for path in (PATH, "/v1/score"):
        response = api.client.post(path, json=doc, headers=api.headers("rm_li"))
        assert response.status_code == 422
        assert response.json()["error"]["fields"][0]["path"] == "$.request.tenor_months"


@pytest.mark.parametrize("user", ["rm_li", "officer_zhao", "admin_sun", None, "bad-token"])
def test_access_is_that_of_score_and_nothing_is_stored(api: Api, user: str | None) -> None:
    doc = with_uscc(application(), uscc_for(2010))
    if user is None:
        headers: dict[str, str] = {}
    elif user == "bad-token":
        headers = {"Authorization": "Bearer not-a-token"}
    else:
        headers = api.headers(user)
    counts = "SELECT (SELECT count(*) FROM decisions), (SELECT count(*) FROM enterprises)"
    before = api.rows(counts)
    scored = api.client.post("/v1/score", json=doc, headers=headers)
    searched = api.client.post(PATH, json=doc, headers=headers)
    assert searched.status_code == scored.status_code
    assert searched.status_code == (200 if user in ("rm_li", "officer_zhao", "admin_sun") else 401)
    assert api.rows(counts) == before
