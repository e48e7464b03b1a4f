"""Issue 22: the default ruleset read as the seeds mean it, one firm per point.

Each test names the seed sentence it enforces. The firms are the rules' sample firm (a
growth-stage industrial-terminal maker in Songjiang) changed only where the point needs it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from industry_credit.ml.grades import DISTRESSED_PD, MASTER_SCALE
from industry_credit.ml.monotone import MONOTONE
from industry_credit.review.codes import DISTRESS_PD
from industry_credit.rules import decision_fields, default_ruleset, evaluate
from industry_credit.rules.columns import Phase
from industry_credit.rules.compiled import cutoff_tables
from industry_credit.rules.sample import application, scored_frame
from industry_credit.rules.sections import RiskAppetite, Segment
from industry_credit.vocabulary import DISTRICTS, SECTORS, STAGES

NAN = float("nan")


def decide(**overrides: Any) -> dict[str, Any]:
    table = evaluate(default_ruleset(), scored_frame([application(**overrides)]))
    row = {
        "cutoff_approve": round(float(table.cutoff_approve[0]), 6),
        "cutoff_decline": round(float(table.cutoff_decline[0]), 6),
    }
    return decision_fields(table, 0) | row


def codes(decision: dict[str, Any]) -> list[str]:
    return [p["code"] for p in decision["products"]]


def fired(decision: dict[str, Any]) -> set[str]:
    return {h["rule_id"] for h in decision["rule_hits"]}


# --- 1. Missing evidence fails closed -----------------------------------------------------------


def test_a_phone_maker_that_does_not_trace_its_components_is_asked_to() -> None:
    """对智能终端制造企业的授信，应追溯其核心零部件供应渠道，评估供应链的稳定性和替代可能性 [000 §(四)2]."""
    d = decide(sector="ai_phone", declared_stage="mature", imported_component_share=NAN)
    assert d["outcome"] == "refer"
    assert "missing_supply_chain_evidence" in d["flags"]
    assert any("核心零部件供应渠道" in c and "imported share" in c for c in d["conditions"])
    traced = decide(sector="ai_phone", declared_stage="mature", imported_component_share=0.2)
    assert "missing_supply_chain_evidence" not in traced["flags"]
    # An on-device model house makes no terminal: nothing to trace.
    software = decide(sector="edge_model", imported_component_share=NAN)
    assert "EVD-SUPPLY-CHAIN" not in fired(software)


def test_silence_on_green_compliance_is_a_condition_before_drawdown() -> None:
    """银行应引入绿色金融评估标准，确保授信对象符合环保要求，防范环境与社会风险 [000 §(四)4]."""
    d = decide(compliance_reported=False, carbon_intensity_vs_sector=NAN)
    assert d["outcome"] == "approve"  # by policy a pre-disbursement condition, not a referral
    assert "missing_green_compliance_evidence" in d["flags"]
    assert any("环保合规证明" in c for c in d["conditions"])
    assert d["pricing"]["green_discount"] == 0.0  # no carbon figure, no green discount


def test_a_companion_robot_without_a_market_plan_is_referred() -> None:
    """对于新型智能终端产品，如"陪伴机器人、家庭机器人等消费级机器人产品"，银行应独立进行市场可行性分析 [000 §(四)3]."""
    d = decide(sector="robot", firm_age_years=2.0, revenue=5e6)
    assert d["stage"] == "startup"
    assert d["outcome"] == "refer"
    assert "missing_market_feasibility" in d["flags"]
    assert any("market-feasibility" in c for c in d["conditions"])
    planned = decide(
        sector="robot",
        firm_age_years=2.0,
        revenue=5e6,
        break_even_units=1e4,
        break_even_coverage=1.4,
    )
    assert "missing_market_feasibility" not in planned["flags"]


def test_unreported_evidence_reaches_the_features_as_unknown() -> None:
    """Missing evidence is not clean evidence: the document's silence arrives as NaN / false."""
    from datetime import date

    from industry_credit.applications.examples import ROBOT_STARTUP
    from industry_credit.applications.schemas import ApplicationDocument
    from industry_credit.ml.features import build_features
    from industry_credit.ml.frames import EnterpriseFrames

    raw = {
        **ROBOT_STARTUP,
        "green": {},
        "supply_chain": [
            {**link, "role": "supplier", "imported_component_share": None}
            for link in ROBOT_STARTUP["supply_chain"]
        ],
    }
    document = ApplicationDocument.model_validate(raw)
    features = build_features(EnterpriseFrames.from_documents([document]), date(2026, 11, 30))
    assert np.isnan(features["imported_component_share"][0])
    assert not features["compliance_reported"][0]
    assert not features["compliance_violation"][0]
    assert np.isnan(features["carbon_intensity_vs_sector"][0])


# --- 2. Segments bound each other ----------------------------------------------------------------


def test_a_startup_outside_shanghai_keeps_the_outside_lines() -> None:
    """银行可根据各区域产业特色，制定差异化授信政策 [000 §(三)3]: a start-up's tolerance does not lift
    the lines for firms outside the plan's districts."""
    d = decide(district="outside_shanghai", declared_stage="startup", pd=0.03)
    assert (d["cutoff_approve"], d["cutoff_decline"]) == (0.02, 0.07)
    assert d["outcome"] == "refer"


def test_a_lingang_future_terminal_startup_is_not_approved_at_seven_percent() -> None:
    """未来终端研发则涉及"量子计算、光子计算等前沿技术"，技术风险较高 [000 §(二)2(2)]."""
    d = decide(
        sector="future_terminal",
        district="lingang",
        declared_stage="startup",
        guidance_fund_equity=True,
        risk_sharing_coverage=0.5,
        government_risk_sharing_coverage=0.5,
        pd=0.07,
    )
    assert (d["cutoff_approve"], d["cutoff_decline"]) == (0.045, 0.1)
    assert d["outcome"] == "refer"
    assert decide(sector="future_terminal", guidance_fund_equity=True, pd=0.09)["outcome"] == (
        "decline"
    )


def test_the_startup_relief_needs_linkage_and_government_risk_sharing() -> None:
    """初创期，可构建投贷联动+政府风险分担体系 [000 §(五)2]."""
    base = {"declared_stage": "startup", "firm_age_years": 2.0, "revenue": 5e6}
    fund_only = decide(**base, guidance_fund_equity=True)
    sharing_only = decide(**base, risk_sharing_coverage=0.4, government_risk_sharing_coverage=0.4)
    both = decide(
        **base,
        guidance_fund_equity=True,
        risk_sharing_coverage=0.4,
        government_risk_sharing_coverage=0.4,
    )
    assert "RLX-STARTUP-LINKAGE" not in fired(fund_only)
    assert fund_only["cutoff_approve"] == 0.035
    assert "RLX-STARTUP-LINKAGE" not in fired(sharing_only)
    assert "RLX-STARTUP-LINKAGE" in fired(both)
    assert both["cutoff_approve"] == 0.055
    assert any("guidance-fund co-investment" in c for c in both["conditions"])


SEGMENT = st.builds(
    lambda sectors, stages, districts, a, gap: Segment(sectors, stages, districts, a, a + gap),
    st.one_of(st.none(), st.frozensets(st.sampled_from(SECTORS), min_size=1, max_size=3)),
    st.one_of(st.none(), st.frozensets(st.sampled_from(STAGES), min_size=1, max_size=2)),
    st.one_of(st.none(), st.frozensets(st.sampled_from(DISTRICTS), min_size=1, max_size=3)),
    st.floats(0.005, 0.08),
    st.floats(0.0, 0.1),
)


def _matches(seg: Segment, sector: str, stage: str, district: str) -> bool:
    return all(
        wanted is None or code in wanted
        for wanted, code in ((seg.sectors, sector), (seg.stages, stage), (seg.districts, district))
    )


@settings(max_examples=60, deadline=None)
@given(
    segments=st.lists(SEGMENT, min_size=0, max_size=6),
    sector=st.sampled_from(SECTORS),
    stage=st.sampled_from(STAGES),
    district=st.sampled_from(DISTRICTS),
)
def test_the_strictest_matching_segment_wins(
    segments: list[Segment], sector: str, stage: str, district: str
) -> None:
    """Where segments overlap, the cut-offs are the strictest of those that match, in any order;
    with none matching, the default."""
    appetite = RiskAppetite(0.03, 0.10, tuple(segments))
    tables = cutoff_tables(appetite)
    at = (SECTORS.index(sector) + 1, STAGES.index(stage) + 1, DISTRICTS.index(district) + 1)
    matching = [s for s in segments if _matches(s, sector, stage, district)]
    approve = min((s.approve_below for s in matching), default=0.03)
    decline = min((s.decline_from for s in matching), default=0.10)
    assert tables.approve_below[at] == approve
    assert tables.decline_from[at] == decline
    # Order does not matter, and adding a segment never loosens a cut-off.
    reversed_tables = cutoff_tables(RiskAppetite(0.03, 0.10, tuple(reversed(segments))))
    assert reversed_tables.approve_below[at] == approve
    if matching:
        extra = Segment(None, None, None, 0.5, 0.9)
        looser = cutoff_tables(RiskAppetite(0.03, 0.10, (*segments, extra)))
        assert looser.approve_below[at] == approve
        assert looser.decline_from[at] == decline


@settings(max_examples=40, deadline=None)
@given(
    sector=st.sampled_from(SECTORS),
    stage=st.sampled_from(STAGES),
    district=st.sampled_from(DISTRICTS),
)
def test_no_default_segment_combination_is_looser_than_each_matching_segment(
    sector: str, stage: str, district: str
) -> None:
    appetite = default_ruleset().risk_appetite
    tables = default_ruleset().compiled.cutoffs
    at = (SECTORS.index(sector) + 1, STAGES.index(stage) + 1, DISTRICTS.index(district) + 1)
    for seg in appetite.segments:
        if _matches(seg, sector, stage, district):
            assert tables.approve_below[at] <= seg.approve_below
            assert tables.decline_from[at] <= seg.decline_from


# --- 3. The guidance fund counts once ---------------------------------------------------------


def test_no_relief_rests_only_on_a_signal_the_model_already_credits() -> None:
    """政府投资起到了风险缓释和信号引导作用，银行可适当提高风险容忍度 — in the 投贷联动 mode [000 §(三)1]:
    a cut-off relief may not rest only on features the model constrains to lower the PD."""
    credited = {name for name, (direction, _) in MONOTONE.items() if direction == -1}
    for rule in default_ruleset().rules_in(Phase.RELIEF):
        assert not rule.reads <= credited | {"stage"}, rule.id
    d = decide(guidance_fund_equity=True, pd=0.04)
    assert d["cutoff_approve"] == 0.035
    assert d["outcome"] == "refer"


# --- 4. Trade-in is consumer credit for the buyers --------------------------------------------


def test_trade_in_is_never_the_makers_facility() -> None:
    """银行可开发与"以旧换新"政策配套的消费信贷产品，如分期付款服务，并与政府部门合作争取风险补偿 [000 §(三)2]."""
    for sector in ("ai_phone", "ai_pc", "robot", "smart_glasses", "silver_economy"):
        d = decide(
            sector=sector,
            declared_stage="mature",
            trade_in_subsidy_eligible=True,
            requested_product="trade_in_installment",
            revenue=2e9,
            break_even_units=1e5,
        )
        assert "trade_in_installment" not in codes(d), sector
        assert "trade_in_consumer_credit_channel" in d["flags"]


# --- 5. Plant-setup finance for brands being brought in ---------------------------------------


def test_a_mature_phone_brand_building_a_plant_gets_plant_setup_finance() -> None:
    """银行业可关注两类机会：一是为引进的手机品牌提供设厂融资 [000 §(二)1(1)]."""
    d = decide(
        sector="ai_phone",
        district="songjiang",
        declared_stage="mature",
        firm_age_years=15.0,
        revenue=5e9,
        purpose="capex",
        amount=80e6,
        tenor_months=84.0,
        core_product_tech_life_months=120.0,
        pd=0.01,
    )
    assert codes(d)[0] == "plant_setup_loan"
    assert d["tenor"] == {"months": 84, "binding": "requested"}
    startup = decide(sector="ai_phone", declared_stage="startup", purpose="capex")
    assert "plant_setup_loan" not in codes(startup)


# --- 6. Pledges of intangibles secure an asset-light firm -------------------------------------


def test_an_equity_pledge_with_a_valuation_of_intangibles_is_security() -> None:
    """不仅采用股权质押作为担保，还引入第三方评估机构对企业的无形资产进行科学评估 [002 §金融引擎轰鸣]."""
    unsecured = decide(equity=-5e6, has_hard_collateral=False)
    assert unsecured["outcome"] == "decline"
    pledged = decide(
        equity=-5e6, has_hard_collateral=False, has_intangible_pledge=True, ip_valuation=40e6
    )
    assert pledged["outcome"] == "refer"
    assert "negative_equity_pledge_secured" in pledged["flags"]
    assert any("第三方评估" in c for c in pledged["conditions"])
    no_valuation = decide(
        equity=-5e6, has_hard_collateral=False, has_intangible_pledge=True, ip_valuation=0.0
    )
    assert no_valuation["outcome"] == "decline"


# --- 7. A grant to the firm is not loss-sharing for the bank ----------------------------------


def test_a_special_fund_grant_marks_a_target_customer_and_relaxes_nothing() -> None:
    """银行可跟踪这些专项资金的拨付路径，锁定目标客户群体，并提供配套资金支持 [000 §(三)2]."""
    d = decide(special_fund_grant=5e6, pd=0.04)
    assert d["cutoff_approve"] == 0.035
    assert "special_fund_target_customer" in d["flags"]
    sharing = decide(
        special_fund_grant=5e6,
        pd=0.04,
        risk_sharing_coverage=0.3,
        government_risk_sharing_coverage=0.3,
    )
    assert sharing["cutoff_approve"] == 0.045  # a loss-sharing fund is a partner


# --- 8. Contagion compares shares with shares; one "distressed" -------------------------------


def test_a_distressed_core_buyer_taking_35_percent_of_sales_is_contagion() -> None:
    """开发产业链全景风控模型，将同区域、同集群的企业纳入统一视图，识别产业链内部关联风险和传染路径 [000 §(四)2]."""
    # The old rule compared share x PD with 13.5%: this buyer at PD 20% gave 0.07 and passed.
    d = decide(core_buyer_distress=0.35 * 0.20, distressed_core_buyer_share=0.35)
    assert "counterparty_contagion" in d["flags"]
    supplier = decide(distressed_supplier_share=0.4)
    assert "supplier_contagion" in supplier["flags"]


def test_distressed_is_one_definition() -> None:
    assert dict(MASTER_SCALE)["B-"] == DISTRESSED_PD == DISTRESS_PD
    from industry_credit.ml.features import HIGH_RISK_PD

    assert HIGH_RISK_PD == DISTRESSED_PD


# --- 9. The green discount is "up to" 50 bp -----------------------------------------------------


def test_the_green_discount_scales_with_the_carbon_gap() -> None:
    """单位产值碳排放低于行业均值30%以上的企业，可获得最高50个基点的利率优惠 [004 §2.3]."""
    discounts = [
        decide(carbon_intensity_vs_sector=r)["pricing"]["green_discount"]
        for r in (0.75, 0.70, 0.60, 0.50, 0.40, 0.20)
    ]
    assert discounts == [0.0, -0.0025, -0.0033, -0.0042, -0.005, -0.005]


# --- Risk-sharing partners ----------------------------------------------------------------------


def test_a_policy_bank_sharing_chip_risk_lowers_price_and_raises_the_limit() -> None:
    """芯片制造业资本投入巨大，适合组织银团贷款或与政策性银行合作分担风险 [000 §(二)3(1)]."""
    base = {"sector": "edge_ai_chip", "pd": 0.02, "amount": 200e6}
    alone = decide(**base)
    shared = decide(**base, risk_sharing_coverage=0.5, government_risk_sharing_coverage=0.5)
    assert shared["pricing"]["grade_premium"] == alone["pricing"]["grade_premium"] / 2
    assert shared["limit"]["amount"] == 2 * alone["limit"]["amount"]
    assert shared["cutoff_approve"] == pytest.approx(alone["cutoff_approve"] + 0.02)
    assert any("风险分担协议" in c for c in shared["conditions"])


def test_supply_from_a_single_source_is_referred() -> None:
    """评估供应链的稳定性和替代可能性。特别是对于依赖进口的零部件，需关注地缘政治和贸易摩擦风险 [000 §(四)2]."""
    d = decide(sector="ai_pc", top_supplier_share=0.85)
    assert "single_source_supply" in d["flags"]
    assert any("替代供应商" in c for c in d["conditions"])
    spread = decide(sector="ai_pc", n_suppliers=1.0, top_supplier_share=0.4)
    assert "single_source_supply" not in spread["flags"]  # 60% bought elsewhere


def test_expert_review_for_a_particular_route_in_any_sector() -> None:
    """对于依赖特定技术路线的企业，银行应引入行业技术专家评审机制 [000 §(四)1]."""
    d = decide(sector="smart_glasses", tech_route="other")
    assert "tech_route_review" in d["flags"]


def test_pudong_ai_pc_makers_are_in_the_district_focus() -> None:
    """浦东新区可能侧重AI计算机和手机制造，临港新片区可能聚焦卫星互联网终端和未来终端研发 [000 §(三)3]."""
    assert "district_focus_sector" in decide(district="pudong", sector="ai_pc")["flags"]
    assert "district_focus_sector" not in decide(district="pudong", sector="robot")["flags"]


# --- Vouchers, technology life, R&D stages, specialised SMEs -----------------------------------


def test_vouchers_count_in_projected_cash_flow_after_a_haircut() -> None:
    """银行在评审相关企业贷款时，可考虑将这些补贴纳入未来现金流测算 [000 §(三)2]; 应分析扣除这些补贴后的真实
    盈利水平 [000 §(四)4]."""
    lean = {"revenue": 10e6, "ocf_net_of_subsidies": 2e6, "core_buyer_receivables": 0.0}
    lean |= {"ip_valuation": 0.0, "amount": 50e6}
    without = decide(**lean)
    with_vouchers = decide(**lean, voucher_total=4e6)
    assert without["limit"] == {"amount": 6e6, "binding": "cash_flow"}
    assert with_vouchers["limit"] == {"amount": 12e6, "binding": "cash_flow"}  # (2 + 4 x 0.5) x 3
    loss_without = decide(**lean, voucher_total=4e6, net_profit=1e6, profit_net_of_subsidies=-3e6)
    assert "policy_dependency" in loss_without["flags"]


def test_ip_on_a_product_near_the_end_of_its_technology_is_haircut() -> None:
    """确保贷款期限不超过技术生命周期，防止因技术淘汰导致抵押物价值大幅缩减或第一还款来源失效 [000 §(四)1]."""
    ip_only = {"revenue": 0.0, "ocf_net_of_subsidies": 0.0, "core_buyer_receivables": 0.0}
    ip_only |= {"ip_valuation": 40e6, "amount": 50e6, "tenor_months": 12.0}
    assert decide(**ip_only, core_product_tech_life_months=48.0)["limit"]["amount"] == 20e6
    assert decide(**ip_only, core_product_tech_life_months=18.0)["limit"]["amount"] == 10e6


def test_rd_loans_are_disbursed_in_stages_into_a_co_managed_account() -> None:
    """研发贷款分阶段放款，回款路径锁定至共管账户 [004 §3.2, DOMAIN.md "Careful readings"]."""
    d = decide(purpose="rd")
    assert any("co-managed account" in c for c in d["conditions"])
    assert not any("co-managed" in c for c in decide(purpose="capex")["conditions"])


def test_a_little_giant_with_patents_is_an_ip_pledge_target() -> None:
    """专精特新企业中仅有11.3%能够获得与其技术资产相匹配的知识产权质押融资 [004 §4.1]."""
    d = decide(specialized_sme=False, little_giant=True, patents=30.0, declared_stage="growth")
    assert "specialised_sme_ip_target" in d["flags"]
    assert "ip_pledge_loan" in codes(d)


def test_modules_and_boards_have_a_sector_of_their_own() -> None:
    """通过"高质量专项资金对核心芯片、端侧模型、模组、板卡等关键环节攻关给予支持" [000 §(三)2]."""
    d = decide(sector="module_board", special_fund_grant=3e6, declared_stage="growth")
    assert codes(d)[:2] == ["supply_chain_finance", "ip_pledge_loan"]
    assert "special_fund_target_customer" in d["flags"]
    untraced = decide(sector="module_board", imported_component_share=NAN)
    assert "missing_supply_chain_evidence" in untraced["flags"]


def test_sector_and_district_limits_are_checked_against_the_book() -> None:
    """这些量化指标为银行筛选目标客户、设定行业信贷增长目标提供了参考依据 [000 §(一)];
    银行可根据各区域产业特色，制定差异化授信政策 [000 §(三)3]."""
    full = decide(sector="ai_pc", sector_book_share=0.3)
    assert "sector_limit_reached" in full["flags"]
    assert full["outcome"] == "refer"
    assert "sector_limit_reached" not in decide(sector="ai_pc", sector_book_share=0.2)["flags"]
    outside = decide(district="outside_shanghai", district_book_share=0.12, pd=0.005)
    assert "district_limit_reached" in outside["flags"]
    unknown = decide(sector_book_share=NAN, district_book_share=NAN)
    assert not {"sector_limit_reached", "district_limit_reached"} & set(unknown["flags"])
    small_book = decide(sector="ai_pc", sector_book_share=0.9, book_exposure=2e8)
    assert "sector_limit_reached" not in small_book["flags"]  # a young book is not steered


def test_the_book_reaches_the_features_with_the_loan_added() -> None:
    from datetime import date

    from industry_credit.applications.examples import ROBOT_STARTUP
    from industry_credit.ml.features import build_features
    from industry_credit.ml.frames import EnterpriseFrames

    frames = EnterpriseFrames.from_documents(
        [ROBOT_STARTUP, ROBOT_STARTUP],
        books=[{"total": 95e6, "sector": 20e6, "district": 45e6}, {}],
    )
    features = build_features(frames, date(2026, 11, 30))
    # CNY 5M asked: (20 + 5) / (95 + 5) and (45 + 5) / (95 + 5).
    assert features["sector_book_share"][0] == pytest.approx(0.25)
    assert features["district_book_share"][0] == pytest.approx(0.5)
    assert np.isnan(features["sector_book_share"][1])
