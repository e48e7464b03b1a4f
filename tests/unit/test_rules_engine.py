"""Every rule of the default ruleset, one case where it fires and one where it does not.

Each case is the baseline firm of ``rules.sample.application`` (a healthy growth-stage
industrial-terminal maker in Songjiang) with the few features that matter changed.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from industry_credit.rules import decision_fields, default_ruleset, evaluate
from industry_credit.rules.sample import application, scored_frame

FUTURE_TRANSITION = {
    "sector": "future_terminal",
    "guidance_fund_equity": True,
    "revenue_growth_yoy": -0.3,
    "net_margin": -0.1,
    "net_profit": -20_000_000.0,
    "profit_net_of_subsidies": -21_000_000.0,
}
NO_CAPACITY = {
    "revenue": 0.0,
    "ocf_net_of_subsidies": -1.0,
    "core_buyer_receivables": 0.0,
    "ip_valuation": 0.0,
}

GOV_SHARING = {"risk_sharing_coverage": 0.4, "government_risk_sharing_coverage": 0.4}

# rule id -> (overrides under which it fires, overrides under which it does not)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "STG-TRANSITION": (
        {"revenue_growth_yoy": -0.2},
        {"revenue_growth_yoy": -0.2, "firm_age_years": 5.0},
    ),
    "STG-MATURE": ({"revenue": 800e6}, {"revenue": 800e6, "revenue_growth_yoy": 0.35}),
    "STG-STARTUP": (
        {"firm_age_years": 4.0, "revenue": 8e6},
        {"firm_age_years": 7.0, "revenue": 8e6},
    ),
    "RLX-STARTUP-LINKAGE": (
        {"declared_stage": "startup", "guidance_fund_equity": True, **GOV_SHARING},
        {"declared_stage": "startup", "guidance_fund_equity": True},
    ),
    "RLX-RISK-SHARING": ({"risk_sharing_coverage": 0.3}, {"risk_sharing_coverage": 0.29}),
    "RLX-RISK-SHARING-HIGH": ({"risk_sharing_coverage": 0.5}, {"risk_sharing_coverage": 0.4}),
    "COND-STARTUP-LINKAGE": (
        {"declared_stage": "startup", "guidance_fund_equity": True, **GOV_SHARING},
        {"declared_stage": "growth", "guidance_fund_equity": True, **GOV_SHARING},
    ),
    "COND-RISK-SHARING": ({"risk_sharing_coverage": 0.2}, {}),
    "COND-RD-STAGED": ({"purpose": "rd"}, {"purpose": "capex"}),
    "REF-PORTFOLIO-SECTOR": ({"sector_book_share": 0.26}, {"sector_book_share": float("nan")}),
    "REF-PORTFOLIO-DISTRICT": (
        {"district": "outside_shanghai", "district_book_share": 0.11},
        {"district": "pudong", "district_book_share": 0.11},
    ),
    "FLG-SPECIALISED-SME-IP": (
        {"specialized_sme": True},
        {"specialized_sme": True, "patents": 0.0},
    ),
    "EVD-SUPPLY-CHAIN": (
        {"imported_component_share": float("nan")},
        {"imported_component_share": float("nan"), "sector": "edge_model"},
    ),
    "EVD-GREEN-COMPLIANCE": ({"compliance_reported": False}, {}),
    "EVD-MARKET-PLAN": (
        {"sector": "robot"},
        {"sector": "robot", "break_even_units": 1e5, "break_even_coverage": 2.0},
    ),
    "REF-NEGATIVE-EQUITY-PLEDGED": (
        {"equity": -1e6, "has_hard_collateral": False, "has_intangible_pledge": True},
        {"equity": -1e6, "has_hard_collateral": False, "has_intangible_pledge": False},
    ),
    "REF-CONTAGION-SUPPLIER": (
        {"distressed_supplier_share": 0.3},
        {"distressed_supplier_share": 0.2},
    ),
    "REF-SINGLE-SOURCE": ({"top_supplier_share": 0.7}, {"top_supplier_share": 0.69}),
    "REF-TECH-ROUTE-ANY": ({"tech_route": "other"}, {"tech_route": "none"}),
    "FLG-TRADE-IN-CHANNEL": (
        {"sector": "ai_phone", "trade_in_subsidy_eligible": True},
        {"sector": "industrial_terminal", "trade_in_subsidy_eligible": True},
    ),
    "FLG-SPECIAL-FUND-TARGET": ({"special_fund_grant": 2e6}, {}),
    "FLG-DISTRICT-FOCUS": (
        {"district": "pudong", "sector": "ai_pc"},
        {"district": "lingang", "sector": "ai_pc"},
    ),
    "KO-GREEN-COMPLIANCE": ({"compliance_violation": True}, {}),
    "KO-NEGATIVE-EQUITY": (
        {"equity": -1e6, "has_hard_collateral": False},
        {"equity": -1e6, "has_hard_collateral": True},
    ),
    "KO-FUTURE-NO-FUND": (
        {"sector": "future_terminal"},
        {"sector": "future_terminal", "guidance_fund_equity": True},
    ),
    "KO-TECH-OBSOLETE": (
        {"core_product_tech_life_months": 3.0},
        {"core_product_tech_life_months": 6.0},
    ),
    "KO-PD-CUTOFF": ({"pd": 0.2}, {"pd": 0.05}),
    "REF-PD-GREY-ZONE": ({"pd": 0.05}, {"pd": 0.2}),
    "REF-STAGE-DISAGREEMENT": ({"declared_stage": "startup"}, {"declared_stage": "growth"}),
    "REF-IMPORT-DEPENDENCY": ({"imported_component_share": 0.7}, {"imported_component_share": 0.5}),
    "REF-BUYER-CONCENTRATION": ({"top_buyer_share": 0.8}, {"top_buyer_share": 0.6}),
    "REF-CONTAGION": (
        {"distressed_core_buyer_share": 0.2},
        {"counterparty_distress_share": 0.3, "core_buyer_distress": 0.2},
    ),
    "REF-POLICY-DEPENDENCY": (
        {"profit_net_of_subsidies": -1e6},
        {"net_profit": -1e6, "profit_net_of_subsidies": -2e6},
    ),
    "REF-BREAK-EVEN": (
        {"sector": "robot", "break_even_coverage": 0.8},
        {"sector": "industrial_terminal", "break_even_coverage": 0.8},
    ),
    "REF-CIRCUIT-DOWNTIME": ({"downtime_jump": 0.25}, {"downtime_jump": 0.20}),
    "REF-CIRCUIT-CANCELLATION": ({"cancellation_jump": 0.15}, {"cancellation_jump": 0.12}),
    "REF-TECH-ROUTE": (
        {"sector": "edge_ai_chip", "tech_route": "other"},
        {"sector": "edge_ai_chip", "tech_route": "risc_v"},
    ),
    "REF-NO-DEBT-CAPACITY": (NO_CAPACITY, {**NO_CAPACITY, "ip_valuation": 1e6}),
    "FLG-TENOR-TECH-LIFE": ({"tenor_months": 60.0, "core_product_tech_life_months": 36.0}, {}),
    "ELIG-EQUITY-LINKED": ({}, {"vc_backed": True}),
    "ELIG-FOLLOW-LOAN": ({}, {"guidance_fund_equity": True}),
    "ELIG-IP-PLEDGE": ({"patents": 0.0, "ip_valuation": 0.0}, {"patents": 0.0}),
    "ELIG-TECH-COMMERCIALIZATION": ({"patents": 0.0, "software_copyrights": 0.0}, {"patents": 0.0}),
    "ELIG-SOFTWARE-COPYRIGHT": ({"software_copyrights": 0.0}, {}),
    "ELIG-SUPPLY-CHAIN": ({"has_core_buyer": False}, {}),
    "ELIG-SYNDICATED-SIZE": ({}, {"amount": 150e6}),
    "ELIG-CAPITAL-MARKETS": ({}, {"revenue": 400e6}),
    "ELIG-FIXED-ASSET-PURPOSE": ({}, {"purpose": "capex"}),
    "ELIG-M-AND-A-PURPOSE": ({}, {"purpose": "m_and_a"}),
    "OFR-NO-PRODUCT": (FUTURE_TRANSITION, {}),
    "OFR-FOLLOW-LOAN-CONDITION": ({"sector": "future_terminal", "guidance_fund_equity": True}, {}),
    "OFR-INVESTOR-SHARING": (
        {"sector": "edge_ai_chip", "vc_backed": True},
        {"sector": "edge_ai_chip"},
    ),
    "OFR-TRADE-VERIFICATION": ({"sector": "other"}, {}),
    "OFR-IP-VALUATION": ({"sector": "robot"}, {}),
    "PRC-GREEN-DISCOUNT": (
        {"carbon_intensity_vs_sector": 0.60},
        {"carbon_intensity_vs_sector": 0.75},
    ),
    "PRC-SILVER-SUBSIDY": (
        {"sector": "silver_economy"},
        {"sector": "silver_economy", **FUTURE_TRANSITION | {"sector": "silver_economy"}},
    ),
}


def decide(**overrides: Any) -> dict[str, Any]:
    table = evaluate(default_ruleset(), scored_frame([application(**overrides)]))
    return decision_fields(table, 0) | {"_row": table.to_pandas().iloc[0]}


def fired(decision: dict[str, Any]) -> set[str]:
    return {h["rule_id"] for h in decision["rule_hits"]}


def test_every_rule_has_cases() -> None:
    assert set(CASES) == {r.id for r in default_ruleset().rules}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires(rule_id: str) -> None:
    assert rule_id in fired(decide(**CASES[rule_id][0]))


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_does_not_fire(rule_id: str) -> None:
    assert rule_id not in fired(decide(**CASES[rule_id][1]))


def test_baseline_is_a_clean_approval() -> None:
    d = decide()
    assert d["outcome"] == "approve"
    assert d["flags"] == []
    assert d["stage"] == "growth"
    assert d["stage_declared"] is None
    assert [p["code"] for p in d["products"]][:2] == [
        "working_capital_loan",
        "supply_chain_finance",
    ]
    assert [p["rank"] for p in d["products"]] == list(range(1, len(d["products"]) + 1))
    assert d["limit"] == {"amount": 20_000_000.0, "binding": "requested"}
    assert d["tenor"] == {"months": 12, "binding": "requested"}


@pytest.mark.parametrize(
    "overrides",
    [
        {"compliance_violation": True},
        {"pd": 0.5},
        {"sector": "future_terminal"},
        {"core_product_tech_life_months": 2.0},
    ],
)
def test_decline_carries_no_products_and_no_limit(overrides: dict[str, Any]) -> None:
    d = decide(**overrides)
    assert d["outcome"] == "decline"
    assert d["products"] == []
    assert d["limit"] == {"amount": 0.0, "binding": "declined"}
    assert d["tenor"] == {"months": 0, "binding": "declined"}


@pytest.mark.parametrize(
    ("overrides", "flag"),
    [
        ({"imported_component_share": 0.9}, "import_dependency"),
        ({"top_buyer_share": 0.9}, "buyer_concentration"),
        ({"counterparty_distress_share": 0.5}, "counterparty_contagion"),
        ({"profit_net_of_subsidies": -1.0}, "policy_dependency"),
        ({"sector": "ai_pc", "break_even_coverage": 0.5}, "break_even_not_covered"),
        ({"downtime_jump": 0.3}, "circuit_breaker_downtime"),
        ({"cancellation_jump": 0.2}, "circuit_breaker_cancellation"),
        ({"pd": 0.06}, "pd_grey_zone"),
        ({"declared_stage": "mature"}, "stage_disagreement"),
    ],
)
def test_refer_flags(overrides: dict[str, Any], flag: str) -> None:
    d = decide(**overrides)
    assert d["outcome"] == "refer"
    assert flag in d["flags"]
    assert d["products"], "a referral still carries the proposed offer"


def test_circuit_breaker_pauses_disbursement() -> None:
    assert any("暂停新增放款" in c for c in decide(downtime_jump=0.3)["conditions"])


def test_declared_stage_is_used_and_disagreement_recorded() -> None:
    d = decide(declared_stage="startup")
    assert d["stage"] == "startup"
    assert d["stage_declared"] == "startup"
    assert d["_row"]["stage_derived"] == "growth"
    assert bool(d["_row"]["stage_disagreement"])


def test_relaxations_do_not_stack_and_are_recorded() -> None:
    # Songjiang industrial terminal: approve below 3.5%, decline from 11%.
    assert decide(pd=0.04)["outcome"] == "refer"
    both = decide(
        pd=0.04,
        declared_stage="startup",
        guidance_fund_equity=True,
        risk_sharing_coverage=0.5,
        government_risk_sharing_coverage=0.4,
    )
    assert both["outcome"] == "refer"  # only the declared stage differs from the derived one
    assert both["flags"] == ["stage_disagreement"]
    assert both["_row"]["cutoff_relaxation"] == pytest.approx(0.02)
    assert both["_row"]["cutoff_approve"] == pytest.approx(0.055)


def test_strictest_segment_wins() -> None:
    lingang_future = decide(sector="future_terminal", guidance_fund_equity=True, district="lingang")
    assert lingang_future["_row"]["cutoff_approve"] == pytest.approx(0.025)
    assert lingang_future["_row"]["cutoff_decline"] == pytest.approx(0.08)
    outside = decide(district="outside_shanghai", sector="industrial_terminal")
    assert outside["_row"]["cutoff_approve"] == pytest.approx(0.02)


def test_pricing_is_itemised() -> None:
    d = decide(carbon_intensity_vs_sector=0.4, pd=0.012)
    assert d["pricing"] == {
        "base_rate": 0.031,
        "grade_premium": 0.008,
        "green_discount": -0.005,
        "interest_subsidy": 0.0,
        "rate": 0.034,
    }
    silver = decide(sector="silver_economy", pd=0.012)
    assert silver["products"][0]["code"] == "social_benefit_loan"
    assert silver["pricing"]["interest_subsidy"] == -0.01
    assert silver["pricing"]["rate"] == pytest.approx(0.029)


@pytest.mark.parametrize(
    ("overrides", "amount", "binding"),
    [
        ({}, 20e6, "requested"),
        # Follow-on loans stop at CNY 100M, and a future terminal gets nothing else.
        (
            {
                "sector": "future_terminal",
                "guidance_fund_equity": True,
                "amount": 150e6,
                "ip_valuation": 400e6,
            },
            100e6,
            "product_max",
        ),
        ({"amount": 150e6, "purpose": "working_capital"}, 60e6, "revenue"),
        (
            {
                "revenue": 10e6,
                "ocf_net_of_subsidies": 5e6,
                "core_buyer_receivables": 0.0,
                "ip_valuation": 0.0,
            },
            15e6,
            "cash_flow",
        ),
        (
            {
                "revenue": 10e6,
                "ocf_net_of_subsidies": 0.0,
                "core_buyer_receivables": 10e6,
                "ip_valuation": 0.0,
            },
            8e6,
            "core_receivables",
        ),
        (
            {
                "revenue": 10e6,
                "ocf_net_of_subsidies": 0.0,
                "core_buyer_receivables": 0.0,
                "ip_valuation": 30e6,
            },
            15e6,
            "ip_valuation",
        ),
    ],
)
def test_limit_records_its_binding_bound(
    overrides: dict[str, Any], amount: float, binding: str
) -> None:
    assert decide(**overrides)["limit"] == {"amount": amount, "binding": binding}


@pytest.mark.parametrize(
    ("overrides", "months", "binding"),
    [
        ({"tenor_months": 24.0}, 12, "product_max"),  # working-capital loans run 12 months
        (
            {"tenor_months": 36.0, "core_product_tech_life_months": 18.0, "sector": "robot"},
            18,
            "core_product_tech_life",
        ),
        ({"tenor_months": 6.0}, 6, "requested"),
    ],
)
def test_tenor_records_its_binding_bound(
    overrides: dict[str, Any], months: int, binding: str
) -> None:
    assert decide(**overrides)["tenor"] == {"months": months, "binding": binding}


@pytest.mark.parametrize(
    ("overrides", "stage"),
    [
        ({"firm_age_years": 2.5, "revenue": 100e6}, "startup"),  # young, whatever its sales
        ({"firm_age_years": 5.0, "revenue": float("nan")}, "startup"),
        ({"revenue": 400e6, "revenue_growth_yoy": 0.05}, "mature"),
        ({"revenue": 400e6, "net_profit": -1.0, "profit_net_of_subsidies": -2.0}, "growth"),
        ({"firm_age_years": 20.0, "revenue": 400e6, "revenue_growth_yoy": -0.12}, "transition"),
        ({}, "growth"),
    ],
)
def test_stage_derivation(overrides: dict[str, Any], stage: str) -> None:
    assert decide(**overrides)["_row"]["stage_derived"] == stage


def test_requested_product_comes_first_when_policy_allows_it() -> None:
    assert decide()["products"][0]["code"] == "working_capital_loan"
    asked = decide(requested_product="ip_pledge_loan")
    assert [p["code"] for p in asked["products"]][:2] == ["ip_pledge_loan", "working_capital_loan"]
    # Not eligible (no equity investor): the request changes nothing.
    assert decide(requested_product="warrant_loan")["products"] == decide()["products"]


def test_rows_with_the_same_products_but_different_ranking_keep_their_own_order() -> None:
    records = [
        application(),
        application(requested_product="supply_chain_finance"),
        application(amount=250e6),
    ]
    out = evaluate(default_ruleset(), scored_frame(records))
    tops = [row[0]["code"] for row in out.products.rows()]
    # CNY 250M is beyond the working-capital and supply-chain maxima: the syndicated loan leads.
    assert tops == ["working_capital_loan", "supply_chain_finance", "syndicated_loan"]


def test_rule_hits_name_the_version() -> None:
    d = decide(compliance_violation=True)
    hit = next(h for h in d["rule_hits"] if h["rule_id"] == "KO-GREEN-COMPLIANCE")
    assert hit == {
        "rule_id": "KO-GREEN-COMPLIANCE",
        "effect": "decline=green_compliance_violation",
        "seed_ref": "000 §(四)4",
        "ruleset_version": default_ruleset().version,
    }


def test_one_row_equals_the_same_row_in_a_batch() -> None:
    records = [application(), application(pd=0.2), application(sector="robot", firm_age_years=1.0)]
    batch = evaluate(default_ruleset(), scored_frame(records))
    for i, record in enumerate(records):
        alone = evaluate(default_ruleset(), scored_frame([record]))
        assert decision_fields(alone, 0) == decision_fields(batch, i)


def test_output_has_a_row_per_input_and_handles_no_rows() -> None:
    frame = scored_frame([application(), application()]).set_axis(
        pd.Index([17, 42], name="enterprise_id")
    )
    out = evaluate(default_ruleset(), frame)
    assert len(out) == 2
    assert list(out.to_pandas(index=frame.index).index) == [17, 42]
    empty = evaluate(default_ruleset(), frame.iloc[:0])
    assert len(empty) == 0
    assert len(empty.rule_hits) == 0
    assert "rule_hits" in empty.to_pandas().columns
