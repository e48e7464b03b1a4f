"""Readable scored records for tests, examples and benchmarks of the rules engine.

``application(**overrides)`` is one healthy, unremarkable firm (a growth-stage industrial-terminal
maker in Songjiang) with every feature of the contract filled in; a case changes only what
matters to it. ``random_scored_frame`` draws a population of such rows with wide, independent
variation, for property tests and timing; it is not a model of the market (that is ``synth``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from industry_credit import numerics as nm
from industry_credit.rules.columns import BOOLEAN_FEATURES, NUMERIC_FEATURES
from industry_credit.vocabulary import (
    DISTRICTS,
    PRODUCT_CODES,
    PURPOSES,
    SECTORS,
    STAGES,
    TECH_ROUTES,
)

BASELINE: dict[str, Any] = {
    "sector": "industrial_terminal",
    "district": "songjiang",
    "tech_route": "arm",
    "declared_stage": None,
    "purpose": "working_capital",
    "requested_product": None,
    "specialized_sme": False,
    "little_giant": False,
    "is_core_enterprise": False,
    "guidance_fund_equity": False,
    "vc_backed": False,
    "trade_in_subsidy_eligible": False,
    "compliance_violation": False,
    "compliance_reported": True,
    "has_core_buyer": True,
    "has_guarantee": False,
    "has_hard_collateral": True,
    "has_intangible_pledge": False,
    "firm_age_years": 9.0,
    "employees": 300.0,
    "revenue": 200_000_000.0,
    "revenue_growth_yoy": 0.15,
    "net_profit": 14_000_000.0,
    "net_margin": 0.07,
    "subsidy_total": 1_000_000.0,
    "voucher_total": 0.0,
    "profit_net_of_subsidies": 13_000_000.0,
    "margin_net_of_subsidies": 0.065,
    "operating_cash_flow": 20_000_000.0,
    "ocf_net_of_subsidies": 19_000_000.0,
    "cash_flow_coverage": 2.0,
    "total_assets": 250_000_000.0,
    "total_liabilities": 130_000_000.0,
    "equity": 120_000_000.0,
    "leverage": 0.52,
    "current_ratio": 1.5,
    "rd_intensity": 0.06,
    "receivables": 40_000_000.0,
    "buyer_hhi": 0.18,
    "top_buyer_share": 0.30,
    "core_buyer_share": 0.30,
    "core_buyer_receivables": 15_000_000.0,
    "on_time_delivery_rate": 0.98,
    "buyer_payment_days": 60.0,
    "imported_component_share": 0.15,
    "top_supplier_share": 0.25,
    "n_buyers": 8.0,
    "n_suppliers": 12.0,
    "electricity_yoy": 0.08,
    "electricity_volatility": 0.10,
    "tax_invoice_yoy": 0.12,
    "tax_invoice_volatility": 0.12,
    "headcount_yoy": 0.05,
    "export_yoy": 0.03,
    "downtime_recent": 0.02,
    "downtime_jump": 0.0,
    "cancellation_recent": 0.01,
    "cancellation_jump": 0.0,
    "patents": 25.0,
    "software_copyrights": 6.0,
    "ip_valuation": 20_000_000.0,
    "ip_per_employee": 66_666.67,
    "special_fund_grant": 0.0,
    "carbon_intensity_vs_sector": 0.95,
    "break_even_units": np.nan,
    "annual_capacity_units": np.nan,
    "planned_sales_units": np.nan,
    "break_even_coverage": np.nan,
    "amount": 20_000_000.0,
    "tenor_months": 12.0,
    "core_product_tech_life_months": 48.0,
    "tenor_to_tech_life": 0.25,
    "collateral_count": 1.0,
    "counterparty_distress_share": 0.0,
    "core_buyer_distress": 0.01,
    "distressed_core_buyer_share": 0.0,
    "distressed_supplier_share": 0.0,
    "risk_sharing_coverage": 0.0,
    "government_risk_sharing_coverage": 0.0,
    "book_exposure": 20e9,
    "sector_book_share": 0.10,
    "district_book_share": 0.15,
    "roa": 0.056,
    "subsidy_ratio": 0.005,
    "ocf_to_liabilities": 0.154,
    "supplier_payment_days": 55.0,
    "electricity_yoy_6m": 0.08,
    "tax_invoice_yoy_6m": 0.12,
    "cancellation_6m": 0.01,
    "sales_plan_coverage": np.nan,
    "loan_to_revenue": 0.1,
    "loan_to_equity": 0.167,
    "pd": 0.01,
    "grade": "BBB",
}


def application(**overrides: Any) -> dict[str, Any]:
    """The baseline firm with ``overrides``; unknown keys are refused to catch typos."""
    unknown = set(overrides) - set(BASELINE)
    if unknown:
        raise KeyError(f"not features: {sorted(unknown)}")
    record = {**BASELINE, **overrides}
    tenor, life = record["tenor_months"], record["core_product_tech_life_months"]
    if "tenor_to_tech_life" not in overrides and life and life == life:
        record["tenor_to_tech_life"] = tenor / life
    return record


def scored_frame(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """A scored frame (one row per record) with the contract's dtypes."""
    frame = pd.DataFrame(list(records))
    for col in BOOLEAN_FEATURES:
        frame[col] = frame[col].astype(bool)
    for col in NUMERIC_FEATURES:
        frame[col] = frame[col].astype(np.float64)
    return frame


def random_scored_frame(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` random scored rows covering every code and every threshold of the default ruleset."""
    rng = np.random.default_rng(seed)

    def pick(codes: tuple[str, ...], p_null: float = 0.0) -> np.ndarray:
        values = rng.choice(np.array(codes, dtype=object), size=n)
        if p_null:
            values[rng.random(n) < p_null] = None
        return values

    revenue = np.where(rng.random(n) < 0.15, 0.0, nm.exp(rng.uniform(nm.log(1e6), nm.log(5e9), n)))
    margin = rng.normal(0.03, 0.12, n)
    subsidy = revenue * rng.uniform(0, 0.05, n)
    ocf = revenue * rng.normal(0.06, 0.1, n)
    assets = np.fmax(revenue * rng.uniform(0.5, 2.0, n), 5e6)
    liabilities = assets * rng.uniform(0.1, 1.2, n)
    tech_life = rng.choice([3.0, 12.0, 24.0, 36.0, 60.0, np.nan], size=n)
    tenor = rng.choice([6.0, 12.0, 24.0, 36.0, 60.0, 120.0], size=n)
    coverage = np.where(rng.random(n) < 0.3, rng.uniform(0.1, 0.8, n), 0.0)
    be_units = np.where(rng.random(n) < 0.6, np.nan, rng.uniform(1e4, 1e6, n))
    capacity = be_units * rng.uniform(0.5, 3, n)
    planned = be_units * rng.uniform(0.5, 3, n)
    data: dict[str, Any] = {
        "sector": pick(SECTORS),
        "district": pick(DISTRICTS),
        "tech_route": pick(TECH_ROUTES),
        "declared_stage": pick(STAGES, p_null=0.5),
        "purpose": pick(PURPOSES),
        "requested_product": pick(PRODUCT_CODES, p_null=0.8),
        "firm_age_years": rng.uniform(0.2, 30, n),
        "employees": rng.integers(3, 5000, n).astype(np.float64),
        "revenue": revenue,
        "revenue_growth_yoy": rng.normal(0.1, 0.3, n),
        "net_profit": revenue * margin,
        "net_margin": margin,
        "subsidy_total": subsidy,
        "profit_net_of_subsidies": revenue * margin - subsidy,
        "margin_net_of_subsidies": margin - subsidy / np.fmax(revenue, 1.0),
        "operating_cash_flow": ocf,
        "ocf_net_of_subsidies": ocf - subsidy,
        "total_assets": assets,
        "total_liabilities": liabilities,
        "equity": assets - liabilities,
        "leverage": liabilities / assets,
        "core_buyer_receivables": revenue * rng.uniform(0, 0.3, n),
        "ip_valuation": np.where(rng.random(n) < 0.4, 0.0, rng.uniform(1e6, 5e8, n)),
        "patents": rng.poisson(5, n).astype(np.float64) * (rng.random(n) < 0.7),
        "software_copyrights": rng.poisson(3, n).astype(np.float64) * (rng.random(n) < 0.6),
        "special_fund_grant": np.where(rng.random(n) < 0.2, rng.uniform(1e5, 1e7, n), 0.0),
        "carbon_intensity_vs_sector": rng.uniform(0.4, 1.5, n),
        "break_even_units": be_units,
        "annual_capacity_units": capacity,
        "planned_sales_units": planned,
        "break_even_coverage": np.fmin(capacity, planned) / be_units,
        "amount": nm.exp(rng.uniform(nm.log(1e6), nm.log(1e9), n)),
        "tenor_months": tenor,
        "core_product_tech_life_months": tech_life,
        "tenor_to_tech_life": tenor / tech_life,
        "imported_component_share": np.where(rng.random(n) < 0.1, np.nan, rng.uniform(0, 1, n)),
        "top_buyer_share": rng.uniform(0, 1, n),
        "core_buyer_share": rng.uniform(0, 1, n) * (rng.random(n) < 0.6),
        "on_time_delivery_rate": np.where(rng.random(n) < 0.2, np.nan, rng.uniform(0.7, 1, n)),
        "counterparty_distress_share": rng.uniform(0, 0.6, n),
        "core_buyer_distress": rng.uniform(0, 0.3, n),
        "distressed_core_buyer_share": rng.uniform(0, 0.4, n) * (rng.random(n) < 0.3),
        "distressed_supplier_share": rng.uniform(0, 0.6, n) * (rng.random(n) < 0.3),
        "top_supplier_share": np.where(rng.random(n) < 0.1, np.nan, rng.uniform(0.05, 1, n)),
        "risk_sharing_coverage": coverage,
        "government_risk_sharing_coverage": coverage * rng.choice([0.0, 0.5, 1.0], size=n),
        "downtime_jump": rng.normal(0, 0.04, n),
        "cancellation_jump": rng.normal(0, 0.04, n),
        "pd": np.clip(rng.lognormal(nm.log(0.03), 1.0, n), 1e-4, 0.99),
    }
    for col in BOOLEAN_FEATURES:
        data[col] = rng.random(n) < 0.25
    for col in NUMERIC_FEATURES:
        if col not in data:
            data[col] = rng.normal(BASELINE[col] if BASELINE[col] == BASELINE[col] else 0.0, 1.0, n)
    data["grade"] = np.where(data["pd"] < 0.03, "A", np.where(data["pd"] < 0.1, "B", "C"))
    return pd.DataFrame(data)
