"""build_features on hand-computed cases: windows, ratios, safe division, weighting, contagion."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest

from industry_credit.ml.features import FEATURE_DOCS, HIGH_RISK_PD, build_features, safe_div
from industry_credit.ml.frames import INPUT_TABLES, EnterpriseFrames

AS_OF = date(2026, 1, 15)
BUYER_A = "91310000MA1FL0000N"
BUYER_B = "91310115008WYMQ1Q6"
SUPPLIER = "9131011700HTJF9LQU"


def _months(values: list[float], key: str) -> list[dict[str, Any]]:
    """24 monthly rows ending with 2025-12 (month 1 before AS_OF); values[0] is 2025-12."""
    rows = []
    for k, v in enumerate(values):
        y, m = divmod(2025 * 12 + 11 - k, 12)
        rows.append({"month": f"{y:04d}-{m + 1:02d}", key: v})
    return rows


def _doc(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "enterprise": {
            "uscc": "91310000MA1FL0001R",
            "name": "上海示例智能科技有限公司",
            "sector": "robot",
            "district": "lingang",
            "founded_on": "2021-01-15",
            "employees": 50,
            "declared_stage": "growth",
            "tech_route": "arm",
            "core_product_tech_life_months": 36,
            "specialized_sme": True,
        },
        "financials": [
            {
                "fiscal_year": 2024,
                "revenue": 800,
                "operating_cost": 600,
                "net_profit": 40,
                "total_assets": 1000,
                "total_liabilities": 500,
                "current_assets": 400,
                "current_liabilities": 200,
                "operating_cash_flow": 50,
            },
            {
                "fiscal_year": 2025,
                "revenue": 1000,
                "operating_cost": 700,
                "net_profit": 100,
                "total_assets": 2000,
                "total_liabilities": 1500,
                "current_assets": 600,
                "current_liabilities": 300,
                "operating_cash_flow": 90,
                "rd_expense": 150,
                "receivables": 400,
                "subsidies": {"compute_voucher": 30, "special_fund": 20},
            },
        ],
        "supply_chain": [
            {"counterparty_uscc": BUYER_A, "counterparty_name": "A", "role": "buyer",
             "is_core_enterprise": True, "share": 0.6, "on_time_delivery_rate": 1.0,
             "avg_payment_days": 30},
            {"counterparty_uscc": BUYER_B, "counterparty_name": "B", "role": "buyer",
             "share": 0.2, "on_time_delivery_rate": 0.8, "avg_payment_days": 90},
            {"counterparty_uscc": SUPPLIER, "counterparty_name": "S", "role": "supplier",
             "share": 0.5, "on_time_delivery_rate": 1.0, "avg_payment_days": 60,
             "imported_component_share": 0.4},
        ],
        "alternative_data": _months([100.0] * 12 + [200.0] * 12, "electricity_kwh"),
        "ip": {"patents": 10, "software_copyrights": 2, "ip_valuation": 5000},
        "market": {"break_even_units": 1000, "annual_capacity_units": 3000,
                   "planned_sales_units": 2000},
        "request": {"amount": 600, "tenor_months": 48, "purpose": "rd",
                    "collateral": ["ip_pledge", "third_party_guarantee", "none"]},
    }  # fmt: skip
    doc.update(overrides)
    return doc


def _features(*docs: dict[str, Any], risk: pd.DataFrame | None = None) -> pd.DataFrame:
    frames = EnterpriseFrames.from_documents(docs, counterparty_risk=risk)
    return build_features(frames, AS_OF).to_pandas()


def test_columns_are_the_documented_ones_in_order() -> None:
    f = _features(_doc())
    assert list(f.columns) == list(FEATURE_DOCS)
    assert f.index.name == "enterprise_id"
    assert list(f.index) == [1]


def test_statement_ratios_use_latest_fiscal_year() -> None:
    f = _features(_doc()).iloc[0]
    assert f["revenue"] == 1000
    assert f["revenue_growth_yoy"] == pytest.approx(0.25)
    assert f["net_margin"] == pytest.approx(0.1)
    assert f["subsidy_total"] == 50
    assert f["profit_net_of_subsidies"] == 50
    assert f["margin_net_of_subsidies"] == pytest.approx(0.05)
    assert f["ocf_net_of_subsidies"] == 40
    assert f["cash_flow_coverage"] == pytest.approx(0.3)
    assert f["leverage"] == pytest.approx(0.75)
    assert f["equity"] == 500
    assert f["current_ratio"] == pytest.approx(2.0)
    assert f["rd_intensity"] == pytest.approx(0.15)
    assert f["firm_age_years"] == pytest.approx(
        (date(2026, 1, 15) - date(2021, 1, 15)).days / 365.25
    )


def test_supply_chain_weighting() -> None:
    f = _features(_doc()).iloc[0]
    assert f["n_buyers"] == 2
    assert f["n_suppliers"] == 1
    assert f["buyer_hhi"] == pytest.approx(0.36 + 0.04)
    assert f["top_buyer_share"] == pytest.approx(0.6)
    assert f["core_buyer_share"] == pytest.approx(0.6)
    assert bool(f["has_core_buyer"]) is True
    assert f["core_buyer_receivables"] == pytest.approx(240)
    assert f["on_time_delivery_rate"] == pytest.approx((0.6 * 1.0 + 0.2 * 0.8) / 0.8)
    assert f["buyer_payment_days"] == pytest.approx((0.6 * 30 + 0.2 * 90) / 0.8)
    assert f["imported_component_share"] == pytest.approx(0.4)
    assert f["supplier_payment_days"] == pytest.approx(60)


def test_alternative_data_windows_relative_to_as_of() -> None:
    f = _features(_doc()).iloc[0]
    assert f["electricity_yoy"] == pytest.approx(-0.5)
    assert f["electricity_volatility"] == pytest.approx(0.0)
    # A month at or after the as-of month (incomplete) is ignored.
    doc = _doc()
    doc["alternative_data"] = [
        *doc["alternative_data"],
        {"month": "2026-01", "electricity_kwh": 1e9},
    ]
    assert _features(doc).iloc[0]["electricity_yoy"] == pytest.approx(-0.5)


def test_downtime_jump_and_recent() -> None:
    doc = _doc(
        alternative_data=_months([0.3] * 3 + [0.1] * 9 + [0.0] * 12, "equipment_downtime_rate")
    )
    f = _features(doc).iloc[0]
    assert f["downtime_recent"] == pytest.approx(0.3)
    assert f["downtime_jump"] == pytest.approx(0.2)


def test_loan_and_collateral() -> None:
    f = _features(_doc()).iloc[0]
    assert f["purpose"] == "rd"
    assert f["tenor_to_tech_life"] == pytest.approx(48 / 36)
    assert f["collateral_count"] == 2
    assert bool(f["has_guarantee"])
    assert not bool(f["has_hard_collateral"])
    assert f["break_even_coverage"] == pytest.approx(2.0)
    assert f["ip_per_employee"] == pytest.approx(100.0)


def test_safe_division_never_inf() -> None:
    out = safe_div(np.array([1.0, 0.0, -1.0, np.nan, 1.0]), np.array([0.0, 0.0, 0.0, 1.0, 2.0]))
    assert np.isnan(out[:4]).all()
    assert out[4] == 0.5
    doc = _doc()
    latest = doc["financials"][1]
    latest.update(revenue=0, current_liabilities=0, total_assets=0, total_liabilities=0,
                  current_assets=0)  # fmt: skip
    doc["financials"][0]["revenue"] = 0
    doc["enterprise"]["employees"] = 0
    doc["market"] = {"break_even_units": 0, "annual_capacity_units": 5, "planned_sales_units": 5}
    doc["supply_chain"] = []
    doc["alternative_data"] = []
    f = _features(doc)
    numeric = f.select_dtypes("number").to_numpy(dtype=float)
    assert not np.isinf(numeric).any()
    row = f.iloc[0]
    for col in (
        "net_margin",
        "leverage",
        "current_ratio",
        "revenue_growth_yoy",
        "break_even_coverage",
        "buyer_hhi",
        "electricity_yoy",
        "on_time_delivery_rate",
    ):
        assert np.isnan(row[col]), col  # fmt: skip
    assert row["n_buyers"] == 0


def test_no_market_plan_gives_nan_coverage() -> None:
    doc = _doc()
    del doc["market"]
    assert np.isnan(_features(doc).iloc[0]["break_even_coverage"])


def test_counterparty_distress() -> None:
    risk = pd.DataFrame({"counterparty_uscc": [BUYER_A, SUPPLIER], "pd": [HIGH_RISK_PD, 0.01]})
    f = _features(_doc(), risk=risk).iloc[0]
    # Known PDs: buyer A (0.6, distressed) and the supplier (0.5, healthy); B is unknown.
    assert f["counterparty_distress_share"] == pytest.approx(0.6 / 1.1)
    assert f["core_buyer_distress"] == pytest.approx(0.6 * HIGH_RISK_PD)
    assert np.isnan(_features(_doc()).iloc[0]["counterparty_distress_share"])


def test_many_documents_match_one_by_one() -> None:
    docs = [_doc(), copy.deepcopy(_doc())]
    docs[1]["enterprise"]["uscc"] = "91310000MA1FL0002W"
    docs[1]["financials"][1]["revenue"] = 3000
    both = _features(*docs)
    alone = _features(docs[1])
    pd.testing.assert_series_equal(
        both.iloc[1], alone.iloc[0], check_names=False, check_dtype=False
    )
    assert both.iloc[0]["revenue"] == 1000


def test_unrelated_rows_change_nothing() -> None:
    frames = EnterpriseFrames.from_documents([_doc()])
    base = build_features(frames, AS_OF).to_pandas()
    tables = {name: frames.to_pandas(name) for name in INPUT_TABLES}
    links = tables["supply_links"]
    tables["supply_links"] = pd.concat([links, links.assign(enterprise_id=999)], ignore_index=True)
    other = EnterpriseFrames.from_pandas(tables)
    pd.testing.assert_frame_equal(build_features(other, AS_OF).to_pandas(), base)
