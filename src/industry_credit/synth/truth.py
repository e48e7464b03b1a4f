"""Ground truth: the 12-month probability of default of every synthetic enterprise.

The PD is a function of quantities anyone can compute from the generated tables (the
*drivers*, ``DRIVER_DOCS``), plus a modest unobserved noise term, so a model trained on the
tables can learn it. With x the drivers of a firm:

    logit PD = a + SCALE * score(x) + eps,   SCALE = 0.3,  eps ~ N(0, 0.3) unobserved

    score(x) = sector[s] + route[r]
             + 1.2 (lev - 0.55) + 5 max(lev - 0.8, 0)                    leverage, convex
             - 0.6 ln(clip(cr, 0.2, 5)) + 1.5 max(1 - cr, 0)             liquidity
             - 3 clip(roa, -0.5, 0.3) + 3 max(-roa - 0.1, 0)              profitability
             - 1.5 clip(ocf_cov, -0.5, 0.5)                               cash-flow coverage
             - 0.6 clip(growth, -0.5, 1)                                  revenue growth
             + 12 max(0.97 - otd, 0)                                      on-time delivery
             + 0.015 (buyer_days - 60)                                    buyers' payment record
             + 1.5 max(top_buyer_share - 0.4, 0)                          buyer concentration
             + 0.012 (own_days - 50)                                      the firm's own paying
             + 6 max(downtime_jump, 0) + 8 cancel_6m                       order/operation stability
             - 1.8 clip(elec_yoy, -0.8, 0.5) - 1.0 clip(invoice_yoy, -0.8, 0.5)   activity trend
             + 0.6 [profit only thanks to subsidies] + 1.5 min(subsidy_ratio, 0.5)
             + 1.0 import_share                                           import dependence
             + 0.8 max(1 - plan_coverage, 0)                              sales plan below break-even
             + 0.6 compliance_violation - 0.3 guidance_fund_equity
             + 1.2 core_buyer_distress                                    contagion

SCALE shrinks the score (whose terms are correlated through the firm's latent health) to a
log-odds spread that gives an oracle AUC near 0.88 at a 3% default rate.

``core_buyer_distress`` is the share-weighted sum, over the firm's links to core buyers, of
the buyer's own log-odds minus the median core log-odds: a distressed core enterprise raises
the PD of every supplier in proportion to the share of sales it takes. Cores themselves have
no core buyers, so their log-odds are computed first and the contagion is acyclic.

The intercept ``a`` is set by bisection so that the mean PD over the population equals the
configured default rate; ``defaulted_12m`` is then a Bernoulli draw from each PD. Training must
never read ``true_pd``: it is the oracle against which models are judged.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from industry_credit import numerics as nm
from industry_credit.synth.config import SECTOR_PARAMS
from industry_credit.vocabulary import SECTORS, TECH_ROUTES

NOISE_SD: Final[float] = 0.3
SCALE: Final[float] = 0.3
SECTOR_EFFECT: Final[np.ndarray] = np.array([SECTOR_PARAMS[s].pd_effect for s in SECTORS])
# Technology-route risk [000 §(四)1]: RISC-V and exotic routes carry ecosystem risk.
ROUTE_EFFECT: Final[dict[str, float]] = {
    "x86": 0.0,
    "arm": -0.1,
    "risc_v": 0.25,
    "other": 0.3,
    "none": 0.0,
}
_ROUTE: Final[np.ndarray] = np.array([ROUTE_EFFECT[r] for r in TECH_ROUTES])

DRIVER_DOCS: Final[dict[str, str]] = {
    "sector": "sector code index (vocabulary order)",
    "tech_route": "technology route index (vocabulary order)",
    "leverage": "total_liabilities / total_assets, last fiscal year",
    "current_ratio": "current_assets / current_liabilities, last fiscal year",
    "roa": "net_profit / total_assets, last fiscal year",
    "ocf_coverage": "operating_cash_flow / total_liabilities, last fiscal year",
    "revenue_growth": "revenue last fiscal year / revenue the year before - 1",
    "subsidy_ratio": "sum of the five subsidy columns / revenue, last fiscal year",
    "subsidy_dependent": "net_profit >= 0 but net_profit - subsidies < 0, last fiscal year",
    "on_time_delivery": "share-weighted on_time_delivery_rate over role='buyer' links",
    "buyer_payment_days": "share-weighted avg_payment_days over role='buyer' links",
    "top_buyer_share": "largest share over role='buyer' links",
    "own_payment_days": "share-weighted avg_payment_days over role='supplier' links",
    "import_share": "share-weighted imported_component_share over role='supplier' links",
    "electricity_yoy": "electricity_kwh, last 6 months / same 6 months a year earlier - 1",
    "invoice_yoy": "tax_invoice_amount, last 6 months / same 6 months a year earlier - 1",
    "downtime_jump": "mean equipment_downtime_rate, last 3 months - the 12 months before",
    "cancellation_6m": "mean order_cancellation_rate, last 6 months",
    "plan_coverage": "planned_sales_units / break_even_units (NaN without a market plan)",
    "compliance_violation": "green_data.compliance_violation",
    "guidance_fund_equity": "policy_support.guidance_fund_equity",
    "core_buyer_distress": "sum over core-buyer links of share * (buyer log-odds - median core log-odds)",
}


def logit_without_intercept(x: pd.DataFrame) -> np.ndarray:
    """The systematic part of the default log-odds: SCALE * score (no intercept, no noise)."""
    lev = x["leverage"].to_numpy(float)
    cr = x["current_ratio"].to_numpy(float)
    roa = x["roa"].to_numpy(float)
    coverage = 1.0 - x["plan_coverage"].to_numpy(float)
    z = (
        SECTOR_EFFECT[x["sector"].to_numpy(np.int64)]
        + _ROUTE[x["tech_route"].to_numpy(np.int64)]
        + 1.2 * (lev - 0.55)
        + 5.0 * np.maximum(lev - 0.8, 0.0)
        - 0.6 * nm.log(np.clip(cr, 0.2, 5.0))
        + 1.5 * np.maximum(1.0 - cr, 0.0)
        - 3.0 * np.clip(roa, -0.5, 0.3)
        + 3.0 * np.maximum(-roa - 0.1, 0.0)
        - 1.5 * np.clip(x["ocf_coverage"].to_numpy(float), -0.5, 0.5)
        - 0.6 * np.clip(x["revenue_growth"].to_numpy(float), -0.5, 1.0)
        + 12.0 * np.maximum(0.97 - x["on_time_delivery"].to_numpy(float), 0.0)
        + 0.015 * (x["buyer_payment_days"].to_numpy(float) - 60.0)
        + 1.5 * np.maximum(x["top_buyer_share"].to_numpy(float) - 0.4, 0.0)
        + 0.012 * (x["own_payment_days"].to_numpy(float) - 50.0)
        + 6.0 * np.maximum(x["downtime_jump"].to_numpy(float), 0.0)
        + 8.0 * x["cancellation_6m"].to_numpy(float)
        - 1.8 * np.clip(x["electricity_yoy"].to_numpy(float), -0.8, 0.5)
        - 1.0 * np.clip(x["invoice_yoy"].to_numpy(float), -0.8, 0.5)
        + 0.6 * x["subsidy_dependent"].to_numpy(float)
        + 1.5 * np.minimum(x["subsidy_ratio"].to_numpy(float), 0.5)
        + 1.0 * x["import_share"].to_numpy(float)
        + 0.8 * np.where(np.isnan(coverage), 0.0, np.maximum(coverage, 0.0))
        + 0.6 * x["compliance_violation"].to_numpy(float)
        - 0.3 * x["guidance_fund_equity"].to_numpy(float)
        + 1.2 * x["core_buyer_distress"].to_numpy(float)
    )
    return np.asarray(SCALE * z, dtype=np.float64)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return nm.sigmoid(z)


def true_pd(x: pd.DataFrame, intercept: float, noise: np.ndarray | None = None) -> np.ndarray:
    """PD of drivers ``x`` given the calibrated intercept and the firms' unobserved noise."""
    z = logit_without_intercept(x) + intercept
    if noise is not None:
        z = z + noise
    return sigmoid(z)


def calibrate_intercept(logits: np.ndarray, target: float) -> float:
    """The intercept whose mean PD over ``logits`` equals ``target`` (bisection; PD is monotone)."""
    lo, hi = -30.0, 30.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if float(sigmoid(logits + mid).mean()) < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _per_owner(owner: np.ndarray, n: int, weights: np.ndarray, values: np.ndarray,
               default: float) -> np.ndarray:  # fmt: skip
    """Weighted mean of ``values`` per owner, ``default`` where an owner has no weight."""
    w = np.bincount(owner, weights=weights, minlength=n)
    s = np.bincount(owner, weights=weights * values, minlength=n)
    return np.where(w > 0, s / np.where(w > 0, w, 1.0), default)


def link_drivers(
    links: dict[str, np.ndarray], n: int, core_distress: np.ndarray
) -> dict[str, np.ndarray]:
    """Drivers from the supply_links rows of ``n`` firms (``owner`` = row within the block).

    ``core_distress`` is aligned with the rows: the counterparty core's distress, 0 elsewhere.
    """
    owner = links["owner"]
    buyer = links["role"] == 0
    share = links["share"]
    wb = np.where(buyer, share, 0.0)
    ws = np.where(buyer, 0.0, share)
    top = np.zeros(n)
    np.maximum.at(top, owner[buyer], share[buyer])
    core_rows = buyer & links["is_core_enterprise"]
    distress = np.bincount(
        owner[core_rows], weights=share[core_rows] * core_distress[core_rows], minlength=n
    )
    return {
        "on_time_delivery": _per_owner(owner, n, wb, links["on_time_delivery_rate"], 0.97),
        "buyer_payment_days": _per_owner(
            owner, n, wb, links["avg_payment_days"].astype(float), 60.0
        ),
        "top_buyer_share": top,
        "own_payment_days": _per_owner(owner, n, ws, links["avg_payment_days"].astype(float), 50.0),
        "import_share": _per_owner(owner, n, ws, links["imported_component_share"], 0.0),
        "core_buyer_distress": distress,
    }


def statement_drivers(fin: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Drivers from the last two fiscal years (columns -1 and -2, always present)."""
    last = {k: v[:, -1] for k, v in fin.items()}
    subsidies = sum(
        (last[k] for k in fin if k.startswith("subsidy_")), np.zeros(len(last["revenue"]))
    )
    revenue = np.maximum(last["revenue"], 1.0)
    return {
        "leverage": last["total_liabilities"] / np.maximum(last["total_assets"], 1.0),
        "current_ratio": last["current_assets"] / np.maximum(last["current_liabilities"], 1.0),
        "roa": last["net_profit"] / np.maximum(last["total_assets"], 1.0),
        "ocf_coverage": last["operating_cash_flow"] / np.maximum(last["total_liabilities"], 1.0),
        "revenue_growth": last["revenue"] / np.maximum(fin["revenue"][:, -2], 1.0) - 1.0,
        "subsidy_ratio": subsidies / revenue,
        "subsidy_dependent": (last["net_profit"] >= 0) & (last["net_profit"] - subsidies < 0),
    }


def activity_drivers(act: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Drivers from the monthly series (T >= 18 months)."""
    e, inv = act["electricity_kwh"], act["tax_invoice_amount"]
    t = e.shape[1]

    def yoy(a: np.ndarray) -> np.ndarray:
        now = a[:, t - 6 :].sum(axis=1)
        before = a[:, t - 18 : t - 12].sum(axis=1)
        return np.asarray(now / np.maximum(before, 1e-9) - 1.0)

    down = act["equipment_downtime_rate"]
    return {
        "electricity_yoy": yoy(e),
        "invoice_yoy": yoy(inv),
        "downtime_jump": down[:, t - 3 :].mean(axis=1) - down[:, t - 15 : t - 3].mean(axis=1),
        "cancellation_6m": act["order_cancellation_rate"][:, t - 6 :].mean(axis=1),
    }
