"""``build_features``: the one pure, vectorized feature function for one application or a million.

The child-table tools (per-enterprise sums, alignment, safe division) are in ``aggregate``; the
monthly alternative-data panel is in ``monthly``. No Python loop runs over rows.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from industry_credit.ml.aggregate import Agg, Aligned, ratios, safe_div
from industry_credit.ml.columns import Coded, ColumnTable, positions
from industry_credit.ml.feature_docs import (
    BOOL_FEATURES,
    CATEGORICAL_FEATURES,
    CATEGORY_VOCABULARY,
    FEATURE_DOCS,
    NUMERIC_FEATURES,
)
from industry_credit.ml.feature_table import FeatureTable
from industry_credit.ml.frames import CounterpartyRisk, EnterpriseFrames
from industry_credit.ml.grades import DISTRESSED_PD
from industry_credit.ml.monthly import alternative_features
from industry_credit.vocabulary import SUBSIDY_KINDS, SUPPLY_ROLES

__all__ = [
    "BOOL_FEATURES",
    "CATEGORICAL_FEATURES",
    "CATEGORY_VOCABULARY",
    "FEATURE_DOCS",
    "HIGH_RISK_PD",
    "NUMERIC_FEATURES",
    "FeatureTable",
    "build_features",
    "safe_div",
]

# From this many firms on, build_features runs on two threads; below it, a thread costs more
# than it saves (and the API's decisions, a few firms each, already run on several threads).
PARALLEL_FIRMS = 50_000
# A counterparty whose latest PD is at least this is "distressed": the one definition, shared
# with the rules, the nightly batch and the panorama (``grades.DISTRESSED_PD``).
HIGH_RISK_PD = DISTRESSED_PD
HARD_COLLATERAL = ("real_estate_mortgage", "equipment_mortgage", "receivables_pledge")
GUARANTEES = ("guarantee_fund", "third_party_guarantee")
# Compute, model and corpus vouchers (算力券、模型券、语料券): scheduled support that may count in
# projected cash flow with a haircut [000 §(三)2], unlike a one-off grant.
VOUCHER_KINDS = ("compute_voucher", "model_voucher", "corpus_voucher")
# Pledges of intangibles: seed 002 secured an asset-light firm with an equity pledge and a
# third-party valuation of its intangible assets (质押担保模式 ... 股权质押 ... 无形资产评估).
INTANGIBLE_PLEDGES = ("equity_pledge", "ip_pledge", "software_copyright_pledge")


def _sorted_by(first: np.ndarray, second: np.ndarray) -> bool:
    """Whether rows are already in (first, second) order: the sort is then skipped."""
    if len(first) < 2:
        return True
    step, tie = first[1:] - first[:-1], second[1:] >= second[:-1]
    return bool(((step > 0) | ((step == 0) & tie)).all())


def _financials(out: dict[str, Any], ids: np.ndarray, fs: ColumnTable, as_of: date) -> None:
    year = np.asarray(fs["fiscal_year"], dtype=np.int64)
    pos = positions(ids, fs["enterprise_id"])
    valid = np.flatnonzero((year <= as_of.year) & (pos >= 0))
    # Sort by enterprise, then year: the last row of each enterprise is its latest FY and the
    # row before it (same enterprise) the prior FY.
    order = (
        valid
        if _sorted_by(pos[valid], year[valid])
        else valid[np.lexsort((year[valid], pos[valid]))]
    )
    p = pos[order]
    last = np.r_[p[1:] != p[:-1], True] if len(p) else np.zeros(0, dtype=bool)
    latest_rows = order[last]
    before = np.flatnonzero(last) - 1
    has_prior = (before >= 0) & (p[np.maximum(before, 0)] == p[last])
    prior_rows = order[before[has_prior]]
    cols = [
        "revenue",
        "net_profit",
        "total_assets",
        "total_liabilities",
        "current_assets",
        "current_liabilities",
        "operating_cash_flow",
        "rd_expense",
        "receivables",
    ]
    latest = Aligned(len(ids), fs, pos, latest_rows)
    prior_rev = Aligned(len(ids), fs, pos, prior_rows).num("revenue")
    v = {c: latest.num(c) for c in cols}
    subsidy = np.sum([latest.num(f"subsidy_{k}") for k in SUBSIDY_KINDS], axis=0)
    vouchers = np.sum([latest.num(f"subsidy_{k}") for k in VOUCHER_KINDS], axis=0)
    profit_net = v["net_profit"] - subsidy
    out.update(
        revenue=v["revenue"],
        net_profit=v["net_profit"],
        subsidy_total=subsidy,
        voucher_total=vouchers,
        profit_net_of_subsidies=profit_net,
        operating_cash_flow=v["operating_cash_flow"],
        ocf_net_of_subsidies=v["operating_cash_flow"] - subsidy,
        total_assets=v["total_assets"],
        total_liabilities=v["total_liabilities"],
        equity=v["total_assets"] - v["total_liabilities"],
        receivables=v["receivables"],
    )
    out.update(
        ratios(
            {
                "revenue_growth_yoy": (v["revenue"] - prior_rev, prior_rev),
                "net_margin": (v["net_profit"], v["revenue"]),
                "roa": (v["net_profit"], v["total_assets"]),
                "subsidy_ratio": (subsidy, v["revenue"]),
                "ocf_to_liabilities": (v["operating_cash_flow"], v["total_liabilities"]),
                "margin_net_of_subsidies": (profit_net, v["revenue"]),
                "cash_flow_coverage": (v["operating_cash_flow"], v["current_liabilities"]),
                "leverage": (v["total_liabilities"], v["total_assets"]),
                "current_ratio": (v["current_assets"], v["current_liabilities"]),
                "rd_intensity": (v["rd_expense"], v["revenue"]),
            }
        )
    )


def _supply(
    out: dict[str, Any], ids: np.ndarray, links: ColumnTable, risk: CounterpartyRisk | None
) -> None:
    role: Coded = links["role"]
    is_buyer = role.codes == SUPPLY_ROLES.index("buyer")
    is_supplier = role.codes == SUPPLY_ROLES.index("supplier")
    share = np.asarray(links["share"], dtype=np.float64)
    core = np.asarray(links["is_core_enterprise"], dtype=bool)
    n, pos = len(ids), positions(ids, links["enterprise_id"])
    buyers = Agg(n, pos, is_buyer)
    suppliers = Agg(n, pos, is_supplier)
    b_share = buyers.sum(share)
    core_share = buyers.sum(share * core)
    out["n_buyers"] = buyers.count()
    out["n_suppliers"] = suppliers.count()
    out["buyer_hhi"] = np.where(out["n_buyers"] > 0, buyers.sum(share**2), np.nan)
    out["top_buyer_share"] = buyers.max(share)
    out["core_buyer_share"] = np.where(out["n_buyers"] > 0, core_share, np.nan)
    out["has_core_buyer"] = buyers.sum(core.astype(np.float64)) > 0
    out["core_buyer_receivables"] = out["receivables"] * out["core_buyer_share"]
    delivery = np.asarray(links["on_time_delivery_rate"], dtype=np.float64)
    days = np.asarray(links["avg_payment_days"], dtype=np.float64)
    imported = np.asarray(links["imported_component_share"], dtype=np.float64)
    s_share = suppliers.sum(share)
    out["top_supplier_share"] = suppliers.max(share)
    # A supplier link that does not report its imported share makes the firm's figure unknown
    # (NaN), never 0: missing evidence is not clean evidence [000 §(四)2].
    unreported = Agg(n, pos, is_supplier & np.isnan(imported)).count() > 0
    out.update(
        ratios(
            {
                "on_time_delivery_rate": (buyers.sum(share * delivery), b_share),
                "buyer_payment_days": (buyers.sum(share * days), b_share),
                "supplier_payment_days": (suppliers.sum(share * days), s_share),
                "imported_component_share": (suppliers.sum(share * imported), s_share),
            }
        )
    )
    out["imported_component_share"] = np.where(unreported, np.nan, out["imported_component_share"])
    if risk is None or len(risk) == 0:
        # Without counterparty PDs the contagion features are unknown, not zero.
        for name in (
            "counterparty_distress_share",
            "core_buyer_distress",
            "distressed_core_buyer_share",
            "distressed_supplier_share",
        ):
            out[name] = np.full(len(ids), np.nan)
        return
    cp_pd = _counterparty_pd(links["counterparty_uscc"], risk)
    known = ~np.isnan(cp_pd)
    both = Agg(n, pos, known)
    distressed = (cp_pd >= HIGH_RISK_PD).astype(np.float64)
    out["counterparty_distress_share"] = safe_div(both.sum(share * distressed), both.sum(share))
    core_buyers = Agg(n, pos, is_buyer & core & known)
    out["core_buyer_distress"] = np.where(
        core_buyers.count() > 0, core_buyers.sum(share * cp_pd), np.nan
    )
    # Contagion both ways [000 §(四)2]: the share of sales going to distressed core buyers, and
    # the share of supply coming from distressed suppliers (a failing key supplier hurts its
    # buyers). Shares, so that a rule compares a share with a share.
    out["distressed_core_buyer_share"] = np.where(
        core_buyers.count() > 0, core_buyers.sum(share * distressed), np.nan
    )
    known_suppliers = Agg(n, pos, is_supplier & known)
    out["distressed_supplier_share"] = np.where(
        known_suppliers.count() > 0, known_suppliers.sum(share * distressed), np.nan
    )


def _counterparty_pd(uscc: Any, risk: CounterpartyRisk) -> np.ndarray:
    """Each link's counterparty PD (NaN: not known), matched by USCC in C++ (Arrow)."""
    codes = uscc if isinstance(uscc, pa.Array | pa.ChunkedArray) else pa.array(uscc, pa.string())
    found = pc.index_in(codes, value_set=risk.uscc)
    at = np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    return np.where(at >= 0, risk.pd_values[np.maximum(at, 0)], np.nan)


def _loan(out: dict[str, Any], ids: np.ndarray, loans: ColumnTable) -> None:
    loan = Aligned.table_of(ids, loans)
    out["purpose"] = loan.coded("purpose")
    out["amount"] = loan.num("amount")
    out["tenor_months"] = loan.num("tenor_months")
    collateral = loan.counts("collateral")
    offered = collateral.of([c for c in collateral.vocabulary if c != "none"])
    out["collateral_count"] = offered.astype(np.float64)
    out["has_guarantee"] = collateral.of(GUARANTEES) > 0
    out["has_hard_collateral"] = collateral.of(HARD_COLLATERAL) > 0
    out["has_intangible_pledge"] = collateral.of(INTANGIBLE_PLEDGES) > 0
    # The book's share in the firm's sector and district once this loan is added (portfolio
    # limits); NaN where the book is not known.
    amount = np.fmax(out["amount"], 0.0)
    book = {
        name: loan.num(f"book_{name}_exposure")
        if f"book_{name}_exposure" in loans
        else np.full(len(ids), np.nan)
        for name in ("total", "sector", "district")
    }
    out["book_exposure"] = book["total"]
    after = book["total"] + amount
    for name in ("sector", "district"):
        share = safe_div(book[name] + amount, after)
        # An empty book has no shares to steer (the first loan would be 100% of it).
        out[f"{name}_book_share"] = np.where(book["total"] > 0, share, np.nan)
    # Risk-sharing partners (application documents only; a request without them shares none).
    for name in ("risk_sharing_coverage", "government_risk_sharing_coverage"):
        out[name] = np.clip(loan.num(name, 0.0), 0.0, 1.0) if name in loans else np.zeros(len(ids))


def _column(name: str, values: Any) -> Any:
    if name in CATEGORICAL_FEATURES:
        return values
    return np.asarray(values, dtype=bool if name in BOOL_FEATURES else np.float64)


def _side_features(frames: EnterpriseFrames, ids: np.ndarray, as_of: date) -> dict[str, Any]:
    """The monthly panel and the loan request: the half of the work run on a second thread."""
    out: dict[str, Any] = {}
    alternative_features(out, ids, frames.alternative_data_monthly, as_of)
    _loan(out, ids, frames.loan_requests)
    return out


def build_features(frames: EnterpriseFrames, as_of: date) -> FeatureTable:
    """One row per enterprise (``ids``) with every column of ``FEATURE_DOCS``."""
    ent = frames.enterprises
    ids = np.asarray(ent["id"], dtype=np.int64)
    if len(ids) < PARALLEL_FIRMS:
        return _frame(ids, _main_features(frames, ids, as_of) | _side_features(frames, ids, as_of))
    # Two halves on two threads: numpy and Arrow release the GIL in their loops, so the
    # monthly panel and the rest overlap. Each feature is computed by the same code either
    # way, so the bits do not depend on the batch size.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="features") as pool:
        job = pool.submit(_side_features, frames, ids, as_of)
        main = _main_features(frames, ids, as_of)
        side = job.result()
    return _frame(ids, main | side)


def _main_features(frames: EnterpriseFrames, ids: np.ndarray, as_of: date) -> dict[str, Any]:
    ent = frames.enterprises
    out: dict[str, Any] = {}
    for col in ("sector", "district", "tech_route", "declared_stage"):
        out[col] = ent[col]
    for col in ("specialized_sme", "little_giant", "is_core_enterprise"):
        out[col] = np.asarray(ent[col], dtype=bool)
    founded = np.asarray(ent["founded_on"]).astype("datetime64[D]")
    age_days = (np.datetime64(as_of, "D") - founded).astype(np.float64)
    out["firm_age_years"] = age_days / 365.25
    employees = np.asarray(ent["employees"], dtype=np.float64)
    out["employees"] = employees

    _financials(out, ids, frames.financial_statements, as_of)
    _supply(out, ids, frames.supply_links, frames.counterparty_risk)

    ip = Aligned.table_of(ids, frames.intellectual_property)
    out["patents"] = ip.num("patents", 0.0)
    out["software_copyrights"] = ip.num("software_copyrights", 0.0)
    out["ip_valuation"] = ip.num("ip_valuation", 0.0)

    pol_cols = ["guidance_fund_equity", "vc_backed", "trade_in_subsidy_eligible"]
    pol = Aligned.table_of(ids, frames.policy_support)
    for col in pol_cols:
        out[col] = pol.flag(col)
    out["special_fund_grant"] = pol.num("special_fund_grant", 0.0)

    green = Aligned.table_of(ids, frames.green_data)
    violation = green.num("compliance_violation")  # NaN: not reported
    out["compliance_violation"] = violation == 1.0
    out["compliance_reported"] = ~np.isnan(violation)
    out["carbon_intensity_vs_sector"] = green.num("carbon_intensity_vs_sector")

    plan_cols = ["break_even_units", "annual_capacity_units", "planned_sales_units"]
    plan = Aligned.table_of(ids, frames.market_plans)
    for col in plan_cols:
        out[col] = plan.num(col)
    out["core_product_tech_life_months"] = np.asarray(
        ent["core_product_tech_life_months"], dtype=np.float64
    )
    return out


def _frame(ids: np.ndarray, out: dict[str, Any]) -> FeatureTable:
    # The remaining ratios, the loan request's (side) with the rest (main) among them.
    sellable = np.fmin(out["annual_capacity_units"], out["planned_sales_units"])
    out.update(
        ratios(
            {
                "ip_per_employee": (out["ip_valuation"], out["employees"]),
                "break_even_coverage": (sellable, out["break_even_units"]),
                "sales_plan_coverage": (out["planned_sales_units"], out["break_even_units"]),
                "tenor_to_tech_life": (out["tenor_months"], out["core_product_tech_life_months"]),
                "loan_to_revenue": (out["amount"], out["revenue"]),
                "loan_to_equity": (out["amount"], np.fmax(out["equity"], 0.0)),
            }
        )
    )
    columns = {c: _column(c, out[c]) for c in FEATURE_DOCS}
    return FeatureTable(ids, ColumnTable(columns, len(ids)))
