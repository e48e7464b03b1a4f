"""Properties of the engine over random inputs (hypothesis), checked row by row."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from industry_credit.rules import decision_fields, default_ruleset, evaluate
from industry_credit.rules.sample import application, random_scored_frame, scored_frame
from industry_credit.vocabulary import (
    DISTRICTS,
    PRODUCT_CODES,
    PURPOSES,
    SECTORS,
    STAGES,
    TECH_ROUTES,
)

money = st.one_of(st.just(0.0), st.floats(1e5, 5e9), st.just(float("nan")))
share = st.floats(0.0, 1.0)
record = st.fixed_dictionaries(
    {
        "sector": st.sampled_from(SECTORS),
        "district": st.sampled_from(DISTRICTS),
        "tech_route": st.sampled_from(TECH_ROUTES),
        "declared_stage": st.one_of(st.none(), st.sampled_from(STAGES)),
        "purpose": st.sampled_from(PURPOSES),
        "requested_product": st.one_of(st.none(), st.sampled_from(PRODUCT_CODES)),
        "guidance_fund_equity": st.booleans(),
        "vc_backed": st.booleans(),
        "trade_in_subsidy_eligible": st.booleans(),
        "compliance_violation": st.booleans(),
        "has_core_buyer": st.booleans(),
        "has_guarantee": st.booleans(),
        "has_hard_collateral": st.booleans(),
        "firm_age_years": st.floats(0.0, 40.0),
        "revenue": money,
        "revenue_growth_yoy": st.floats(-1.0, 3.0),
        "net_profit": st.floats(-1e8, 1e8),
        "net_margin": st.floats(-1.0, 0.5),
        "profit_net_of_subsidies": st.floats(-1e8, 1e8),
        "ocf_net_of_subsidies": st.floats(-1e8, 1e9),
        "equity": st.floats(-1e8, 1e9),
        "core_buyer_receivables": money,
        "ip_valuation": money,
        "patents": st.integers(0, 50).map(float),
        "software_copyrights": st.integers(0, 20).map(float),
        "special_fund_grant": st.one_of(st.just(0.0), st.floats(1e4, 1e7)),
        "imported_component_share": share,
        "top_buyer_share": share,
        "core_buyer_share": share,
        "counterparty_distress_share": share,
        "core_buyer_distress": share,
        "downtime_jump": st.floats(-0.2, 0.2),
        "cancellation_jump": st.floats(-0.2, 0.2),
        "carbon_intensity_vs_sector": st.floats(0.1, 2.0),
        "break_even_coverage": st.one_of(st.just(float("nan")), st.floats(0.0, 4.0)),
        "amount": st.floats(1e5, 3e9),
        "tenor_months": st.integers(1, 180).map(float),
        "core_product_tech_life_months": st.one_of(
            st.just(float("nan")), st.integers(1, 120).map(float)
        ),
        "pd": st.floats(0.0001, 0.9999),
    }
)
batches = st.lists(record, min_size=1, max_size=25)


def run(records: list[dict[str, Any]]) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    frame = scored_frame([application(**r) for r in records])
    out = evaluate(default_ruleset(), frame)
    rows = out.to_pandas()
    return frame, [decision_fields(out, i) | {"_row": rows.iloc[i]} for i in range(len(out))]


@settings(max_examples=60, deadline=None)
@given(batches)
def test_offer_respects_every_bound(records: list[dict[str, Any]]) -> None:
    rs = default_ruleset()
    frame, decisions = run(records)
    for i, d in enumerate(decisions):
        inp = frame.iloc[i]
        months = d["tenor"]["months"]
        assert months <= inp["tenor_months"]
        if not np.isnan(inp["core_product_tech_life_months"]):
            assert months <= inp["core_product_tech_life_months"]
        assert 0 <= d["limit"]["amount"] <= inp["amount"]
        if d["outcome"] == "decline":
            assert d["products"] == []
            assert d["limit"]["amount"] == 0
        assert [p["rank"] for p in d["products"]] == list(range(1, len(d["products"]) + 1))
        asked = inp["requested_product"]
        if isinstance(asked, str) and asked in {p["code"] for p in d["products"]}:
            assert d["products"][0]["code"] == asked
        for product in d["products"]:
            assert product["code"] in rs.playbooks[inp["sector"]]
            assert product["code"] in rs.stage_products[d["stage"]]
        assert -0.005 <= d["pricing"]["green_discount"] <= 0.0
        p = d["pricing"]
        assert p["rate"] == round(
            p["base_rate"] + p["grade_premium"] + p["green_discount"] + p["interest_subsidy"], 6
        )
        assert {h["ruleset_version"] for h in d["rule_hits"]} == {rs.version}


@settings(max_examples=30, deadline=None)
@given(batches)
def test_same_input_same_output(records: list[dict[str, Any]]) -> None:
    first = [{k: v for k, v in d.items() if k != "_row"} for d in run(records)[1]]
    second = [{k: v for k, v in d.items() if k != "_row"} for d in run(list(reversed(records)))[1]]
    assert first == list(reversed(second))


def test_large_random_population_keeps_the_invariants() -> None:
    rs = default_ruleset()
    frame = random_scored_frame(20_000, seed=7)
    out = evaluate(rs, frame).to_pandas(index=frame.index)
    declined = out["outcome"] == "decline"
    assert (out.loc[declined, "products"].map(len) == 0).all()
    assert (out["tenor_months"] <= frame["tenor_months"]).all()
    life = frame["core_product_tech_life_months"]
    assert (out["tenor_months"][life.notna()] <= life[life.notna()]).all()
    assert (out["limit_amount"] <= frame["amount"]).all()
    assert out["green_discount"].between(-0.005, 0).all()
    assert set(out["outcome"].unique()) == {"approve", "refer", "decline"}
    again = evaluate(rs, frame).to_pandas(index=frame.index)
    pd.testing.assert_frame_equal(out, again)
