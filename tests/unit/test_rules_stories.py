"""The seed stories as cases: what the plan says the bank would offer these firms."""

from __future__ import annotations

from typing import Any

from industry_credit.rules import decision_fields, default_ruleset, evaluate
from industry_credit.rules.sample import application, scored_frame


def decide(**overrides: Any) -> dict[str, Any]:
    table = evaluate(default_ruleset(), scored_frame([application(**overrides)]))
    cutoffs = (round(float(table.cutoff_approve[0]), 6), round(float(table.cutoff_decline[0]), 6))
    return decision_fields(table, 0) | {"_cutoffs": cutoffs}


def codes(decision: dict[str, Any]) -> list[str]:
    return [p["code"] for p in decision["products"]]


# A start-up in the first years: no sales, no buyers, funded by equity.
PRE_REVENUE = {
    "revenue": 0.0,
    "revenue_growth_yoy": float("nan"),
    "net_profit": -60e6,
    "net_margin": float("nan"),
    "profit_net_of_subsidies": -62e6,
    "operating_cash_flow": -50e6,
    "ocf_net_of_subsidies": -52e6,
    "has_core_buyer": False,
    "core_buyer_share": 0.0,
    "core_buyer_receivables": 0.0,
    "top_buyer_share": float("nan"),
    "on_time_delivery_rate": float("nan"),
    "has_hard_collateral": False,
    "equity": 300e6,
}


def test_gpgpu_startup_with_guidance_fund_gets_investment_loan_linkage() -> None:
    # [002 §立足上海主场]: a GPGPU design house with no revenue yet got a CNY 100M line once its
    # technology was proven; the plan lends alongside guidance funds [000 §(三)1] and shares chip
    # risk with policy banks ("与政策性银行合作分担风险" [000 §(二)3(1)]): the start-up tolerance
    # (+2 points) needs both, linkage and government risk sharing [000 §(五)2].
    d = decide(
        **PRE_REVENUE,
        **POLICY_BANK,
        sector="edge_ai_chip",
        district="other_shanghai",
        tech_route="other",
        firm_age_years=2.5,
        guidance_fund_equity=True,
        vc_backed=True,
        patents=40.0,
        ip_valuation=300e6,
        purpose="rd",
        amount=100e6,
        tenor_months=36.0,
        core_product_tech_life_months=48.0,
        pd=0.045,
    )
    assert d["stage"] == "startup"
    assert d["outcome"] == "refer"  # a chip on a non-mainstream route goes to technical experts
    assert codes(d)[:2] == ["investment_loan_linkage", "guidance_fund_follow_loan"]
    assert "syndicated_loan" not in codes(d)
    assert d["limit"] == {"amount": 100e6, "binding": "requested"}
    assert d["flags"] == ["tech_route_review"]
    on_arm = decide(
        **PRE_REVENUE,
        **POLICY_BANK,
        sector="compute_terminal",
        firm_age_years=2.5,
        guidance_fund_equity=True,
        patents=40.0,
        ip_valuation=300e6,
        purpose="rd",
        amount=100e6,
        pd=0.05,  # above Songjiang's approve line of 3.5%, inside it once relaxed by 2 points
    )
    assert on_arm["outcome"] == "approve"
    assert codes(on_arm)[0] == "investment_loan_linkage"
    assert any("同步股权投资" in c for c in on_arm["conditions"])
    without_sharing = decide(
        **PRE_REVENUE,
        sector="compute_terminal",
        firm_age_years=2.5,
        guidance_fund_equity=True,
        patents=40.0,
        ip_valuation=300e6,
        purpose="rd",
        amount=100e6,
        pd=0.05,
    )
    assert without_sharing["outcome"] == "refer"  # the fund alone is counted by the model
    assert without_sharing["flags"] == ["pd_grey_zone"]


def test_humanoid_robot_startup_with_patents_gets_an_ip_pledge() -> None:
    # [002 §立足上海主场]: a humanoid-robot maker founded in 2022 borrowed CNY 5M two years later;
    # robot makers are asset-light and lend on IP [000 §(二)1(2)]. The maker shows its break-even
    # plan (the bank's own feasibility analysis needs it [000 §(四)3]) and the loan sits in a
    # district risk-compensation pool covering 30%, which moves the cut-offs by 1 point.
    d = decide(
        **PRE_REVENUE | {"revenue": 4e6, "equity": 20e6},
        **ROBOT_PLAN,
        risk_sharing_coverage=0.3,
        government_risk_sharing_coverage=0.3,
        sector="robot",
        firm_age_years=2.0,
        patents=16.0,
        software_copyrights=0.0,
        ip_valuation=12e6,
        has_guarantee=True,
        purpose="rd",
        amount=5e6,
        tenor_months=24.0,
        core_product_tech_life_months=36.0,
        pd=0.035,
    )
    assert d["outcome"] == "approve"
    assert d["stage"] == "startup"
    assert codes(d)[0] == "ip_pledge_loan"
    assert not {"investment_loan_linkage", "warrant_loan", "option_loan"} & set(codes(d))
    assert d["limit"] == {"amount": 5e6, "binding": "requested"}
    assert any("第三方评估" in c for c in d["conditions"])


def test_listed_industrial_robot_maker_gets_a_syndicated_loan() -> None:
    # [003 §差异化赋能路径]: a listed industrial-robot maker with CNY 400M+ of credit; mature
    # leaders get syndicated loans, bonds and M&A finance [000 §(五)2].
    d = decide(
        sector="robot",
        firm_age_years=18.0,
        employees=3000.0,
        revenue=3e9,
        net_profit=2e8,
        profit_net_of_subsidies=1.9e8,
        ocf_net_of_subsidies=2.5e8,
        purpose="capex",
        amount=450e6,
        tenor_months=60.0,
        core_product_tech_life_months=72.0,
        pd=0.008,
        declared_stage="mature",
    )
    assert d["outcome"] == "approve"
    assert d["stage"] == "mature"
    assert codes(d)[0] == "syndicated_loan"
    assert "bond_issuance" in codes(d)
    assert d["limit"] == {"amount": 450e6, "binding": "requested"}
    assert d["tenor"] == {"months": 60, "binding": "requested"}


def test_little_giant_in_growth_gets_supply_chain_and_ip_products() -> None:
    # [003 §金融活水精准滴灌]: a national "little giant" equipment maker got CNY 30M.
    d = decide(
        sector="industrial_terminal",
        little_giant=True,
        specialized_sme=True,
        declared_stage="growth",
        firm_age_years=12.0,
        revenue=250e6,
        revenue_growth_yoy=0.25,
        patents=60.0,
        amount=30e6,
        tenor_months=12.0,
        pd=0.015,
    )
    assert d["outcome"] == "approve"
    assert d["stage"] == "growth"
    assert {"working_capital_loan", "supply_chain_finance", "ip_pledge_loan"} <= set(codes(d))
    assert d["limit"] == {"amount": 30e6, "binding": "requested"}


POLICY_BANK = {"risk_sharing_coverage": 0.4, "government_risk_sharing_coverage": 0.4}
ROBOT_PLAN = {
    "break_even_units": 2000.0,
    "annual_capacity_units": 5000.0,
    "planned_sales_units": 3000.0,
    "break_even_coverage": 1.5,
    "sales_plan_coverage": 1.5,
}

QUANTUM = {
    **PRE_REVENUE,
    "sector": "future_terminal",
    "district": "lingang",
    "tech_route": "other",
    "firm_age_years": 3.5,
    "patents": 25.0,
    "ip_valuation": 80e6,
    "purpose": "rd",
    "amount": 20e6,
    "tenor_months": 36.0,
    "core_product_tech_life_months": 60.0,
    "pd": 0.04,  # future terminals: approve below 2.5%, plus 2 points with linkage and sharing
}


def test_quantum_startup_with_guidance_fund_gets_the_follow_on_loan_only() -> None:
    """未来终端研发则涉及"量子计算、光子计算等前沿技术"，技术风险较高，银行可优先选择与政府引导基金合作，
    采用跟贷模式介入 [000 §(二)2(2)]; 依赖特定技术路线的企业，银行应引入行业技术专家评审机制 [000 §(四)1]."""
    d = decide(**QUANTUM, **POLICY_BANK, guidance_fund_equity=True)
    assert d["outcome"] == "refer"
    assert d["flags"] == ["tech_route_review", "district_focus_sector"]
    assert codes(d) == ["guidance_fund_follow_loan"]
    assert any("co-investment" in c for c in d["conditions"])
    # The case: at a PD of 7% the start-up tolerance no longer approves it.
    riskier = decide(**QUANTUM | {"pd": 0.07}, **POLICY_BANK, guidance_fund_equity=True)
    assert "pd_grey_zone" in riskier["flags"]
    assert riskier["_cutoffs"] == (0.045, 0.10)


def test_quantum_startup_without_guidance_fund_is_declined() -> None:
    d = decide(**QUANTUM, vc_backed=True)
    assert d["outcome"] == "decline"
    assert d["products"] == []
    assert "future_terminal_without_guidance_fund" in d["flags"]
    assert "KO-FUTURE-NO-FUND" in {h["rule_id"] for h in d["rule_hits"]}
