"""Enterprise attributes and financial statements for one block of firms.

Two latent variables drive everything observable about a firm:

* ``health`` h ~ N(0, 1): durable credit quality (margins, leverage, liquidity, delivery).
* ``deterioration`` d >= 0: a recent slide, heavy-tailed (most firms near 0). It raises leverage
  and cuts margins in the latest year, bends the alternative data down over the last twelve
  months and makes downtime and cancellations jump in the last three (see ``activity``).

Statements hold up to five fiscal years (the firm's age permits at least three). The accounts
satisfy, row by row and to the cent (components are rounded first, the total is derived):

    net_profit = revenue - operating_cost - rd_expense + sum(subsidies)

where ``operating_cost`` is every operating expense other than R&D (cost of sales, selling and
administrative expense, interest, tax). The balance sheet has ``total_assets = total_liabilities
+ equity`` with equity implied (negative when liabilities exceed assets), ``inventory +
receivables <= current_assets <= total_assets`` and ``current_liabilities <= total_liabilities``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from industry_credit import numerics as nm
from industry_credit.synth.config import (
    CONSUMER_SECTORS,
    FRONTIER,
    ROBOT_CONSUMER_SHARE,
    SECTOR_INDEX,
    STAGE_AGE,
    STAGE_GROWTH,
    SynthConfig,
    route_table,
    sector_table,
)

YEARS = 5
SUBSIDY_COLUMNS = (
    "subsidy_compute_voucher",
    "subsidy_model_voucher",
    "subsidy_corpus_voucher",
    "subsidy_special_fund",
    "subsidy_other",
)
_COMPUTE_VOUCHER = [SECTOR_INDEX[s] for s in ("compute_terminal", "edge_model", "edge_ai_chip")]
_MODEL_VOUCHER = [SECTOR_INDEX["edge_model"]]
# Special fund for core chips, edge models, modules and boards [000 §(三)].
_SPECIAL_FUND = [SECTOR_INDEX[s] for s in ("edge_ai_chip", "edge_model", "compute_terminal")]
_FRONTIER = [SECTOR_INDEX[s] for s in FRONTIER]
_CONSUMER = [SECTOR_INDEX[s] for s in CONSUMER_SECTORS]


@dataclass
class Firms:
    """One block of firms: attributes, latents and statements as (n, YEARS) arrays."""

    ids: np.ndarray
    sector: np.ndarray
    district: np.ndarray
    stage: np.ndarray
    health: np.ndarray
    deterioration: np.ndarray
    founded_days: np.ndarray  # days since 1970-01-01
    age_years: np.ndarray
    employees: np.ndarray
    declared_stage: np.ndarray  # -1 = not declared
    tech_route: np.ndarray
    tech_life: np.ndarray
    specialized_sme: np.ndarray
    little_giant: np.ndarray
    is_core: np.ndarray
    in_portfolio: np.ndarray
    exposure: np.ndarray
    consumer: np.ndarray
    exporter_share: np.ndarray
    import_dependence: np.ndarray
    growth: np.ndarray
    year_valid: np.ndarray  # bool (n, YEARS); column YEARS-1 is the last fiscal year
    fin: dict[str, np.ndarray] = field(default_factory=dict)


def _round2(x: np.ndarray) -> np.ndarray:
    return np.round(x, 2)


def draw_firms(
    cfg: SynthConfig,
    rng: np.random.Generator,
    ids: np.ndarray,
    sector: np.ndarray,
    district: np.ndarray,
    stage: np.ndarray,
    log_revenue: np.ndarray,
    is_core: np.ndarray,
) -> Firms:
    n = len(ids)
    sec = sector.astype(np.int64)
    stg = stage.astype(np.int64)
    health = rng.standard_normal(n)
    health[is_core] = 0.6 + 0.7 * health[is_core]
    # Deterioration: soft-plus of a shifted normal, so most firms sit near zero and a few slide.
    z = -1.1 * health + 0.9 * rng.standard_normal(n) - 2.2
    deterioration = nm.log1p(nm.exp(z)) * 1.6
    deterioration[stg == 3] *= 1.5

    lo = np.array([a for a, _ in STAGE_AGE])[stg]
    hi = np.array([b for _, b in STAGE_AGE])[stg]
    age = lo + (hi - lo) * rng.random(n)
    age[is_core] = 12.0 + 18.0 * rng.random(int(is_core.sum()))
    as_of = cfg.as_of_date
    epoch = date(1970, 1, 1)
    founded_days = ((as_of - epoch).days - np.floor(age * 365.25)).astype(np.int64)

    g_mean = np.array([m for m, _ in STAGE_GROWTH])[stg]
    g_sd = np.array([s for _, s in STAGE_GROWTH])[stg]
    growth = g_mean + g_sd * rng.standard_normal(n) + 0.04 * health - 0.25 * deterioration
    growth = np.clip(growth, -0.6, 2.5)

    revenue_latest = nm.exp(log_revenue)
    per_employee = np.where(stg == 0, 4e5, 1.2e6) * nm.exp(0.35 * rng.standard_normal(n))
    employees = np.maximum(3, np.round(revenue_latest / per_employee)).astype(np.int64)

    # The RM's declared stage: right ~80%, missing ~10%, wrong ~10% (DOMAIN: "the engine says
    # when the two disagree").
    u = rng.random(n)
    wrong = (stg + rng.integers(1, 4, size=n)) % 4
    declared = np.where(u < 0.10, -1, np.where(u < 0.20, wrong, stg))

    cdf = route_table()[sec]
    route = (rng.random(n)[:, None] > cdf).sum(axis=1).clip(0, 4)
    tech_life = np.maximum(
        6, np.round(sector_table("tech_life_months")[sec] * nm.exp(0.25 * rng.standard_normal(n)))
    ).astype(np.int64)

    rd_ratio = sector_table("rd_ratio")[sec] * np.array([2.0, 1.3, 1.0, 0.8])[stg]
    rd_ratio = np.minimum(rd_ratio * nm.exp(0.3 * rng.standard_normal(n)), 0.9)
    sme = (~is_core) & (stg >= 1) & (stg <= 2) & (rd_ratio > 0.04) & (employees < 2000)
    specialized = sme & (rng.random(n) < 0.40)
    little_giant = specialized & (rng.random(n) < 0.15)

    portfolio_p = cfg.portfolio_share * np.array([0.6, 1.0, 1.4, 1.2])[stg]
    in_portfolio = (rng.random(n) < portfolio_p) | (is_core & (rng.random(n) < 0.5))
    exposure = np.where(
        in_portfolio, np.round(revenue_latest * (0.03 + 0.2 * rng.random(n)), -4), 0.0
    )
    exposure = np.minimum(exposure, 5e9)

    consumer = np.isin(sec, _CONSUMER) | (
        (sec == SECTOR_INDEX["robot"]) & (rng.random(n) < ROBOT_CONSUMER_SHARE)
    )
    exporter = rng.random(n) < sector_table("export_prob")[sec]
    exporter_share = np.where(exporter, 0.05 + 0.5 * rng.beta(2, 4, size=n), 0.0)
    import_dep = np.clip(
        sector_table("import_dependence")[sec] * nm.exp(0.6 * rng.standard_normal(n)), 0.0, 0.95
    )

    last_fy = cfg.last_fiscal_year
    years = np.arange(last_fy - YEARS + 1, last_fy + 1)
    founded_year = (np.datetime64("1970-01-01") + founded_days.astype("timedelta64[D]")).astype(
        "datetime64[Y]"
    ).astype(np.int64) + 1970
    n_years = rng.integers(3, YEARS + 1, size=n)
    n_years = np.minimum(n_years, last_fy - founded_year + 1)
    year_valid = np.arange(YEARS)[None, :] >= (YEARS - n_years)[:, None]
    year_valid &= years[None, :] >= founded_year[:, None]

    firms = Firms(
        ids=ids,
        sector=sector,
        district=district,
        stage=stage,
        health=health,
        deterioration=deterioration,
        founded_days=founded_days,
        age_years=age,
        employees=employees,
        declared_stage=declared.astype(np.int64),
        tech_route=route.astype(np.int64),
        tech_life=tech_life,
        specialized_sme=specialized,
        little_giant=little_giant,
        is_core=is_core,
        in_portfolio=in_portfolio,
        exposure=exposure,
        consumer=consumer,
        exporter_share=exporter_share,
        import_dependence=import_dep,
        growth=growth,
        year_valid=year_valid,
    )
    firms.fin = _statements(rng, firms, revenue_latest, rd_ratio)
    return firms


def _statements(
    rng: np.random.Generator, f: Firms, revenue_latest: np.ndarray, rd_ratio: np.ndarray
) -> dict[str, np.ndarray]:
    n = len(f.ids)
    sec = f.sector.astype(np.int64)
    stg = f.stage.astype(np.int64)
    h, d = f.health[:, None], f.deterioration[:, None]
    # Revenue backwards from the latest year with noisy yearly growth.
    g_year = np.clip(f.growth[:, None] + 0.06 * rng.standard_normal((n, YEARS)), -0.6, 3.0)
    revenue = np.empty((n, YEARS))
    revenue[:, -1] = revenue_latest
    for j in range(YEARS - 2, -1, -1):
        revenue[:, j] = revenue[:, j + 1] / (1.0 + g_year[:, j + 1])
    latest = (np.arange(YEARS) == YEARS - 1)[None, :]

    stage_margin = np.array([-0.28, -0.05, 0.0, -0.06])[stg][:, None]
    margin = (
        sector_table("margin")[sec][:, None]
        + stage_margin
        + 0.07 * h
        - 0.10 * d * latest
        + 0.03 * rng.standard_normal((n, 1))
        + 0.025 * rng.standard_normal((n, YEARS))
    )
    margin = np.minimum(margin, 0.6)
    rd = _round2(revenue * rd_ratio[:, None] * nm.exp(0.1 * rng.standard_normal((n, YEARS))))
    revenue = _round2(revenue)
    operating_cost = _round2(np.maximum(revenue * (1.0 - margin), 0.0))

    # Subsidies by kind, concentrated where the plan puts them; start-ups lean on them most.
    stage_boost = np.array([2.5, 1.4, 0.7, 0.5])[stg][:, None]
    scale = revenue * stage_boost * nm.exp(0.5 * rng.standard_normal((n, 1)))
    yearly = nm.exp(0.2 * rng.standard_normal((n, YEARS)))

    def kind(sectors: list[int], prob: float, ratio: float) -> np.ndarray:
        gets = (np.isin(sec, sectors) & (rng.random(n) < prob))[:, None]
        return _round2(np.where(gets, scale * ratio * yearly, 0.0))

    subsidies = {
        "subsidy_compute_voucher": kind(_COMPUTE_VOUCHER, 0.6, 0.025),
        "subsidy_model_voucher": kind(_MODEL_VOUCHER, 0.55, 0.02),
        "subsidy_corpus_voucher": kind(_MODEL_VOUCHER, 0.4, 0.01),
        "subsidy_special_fund": kind(_SPECIAL_FUND, 0.35, 0.035),
        "subsidy_other": kind(list(range(len(SECTOR_INDEX))), 0.3, 0.006),
    }
    subsidy_total = sum(subsidies.values(), np.zeros((n, YEARS)))
    net_profit = _round2(revenue - operating_cost - rd + subsidy_total)

    heavy = sector_table("assets_to_revenue")[sec][:, None]
    startup_cash = np.where(stg == 0, 1.8, 1.0)[:, None]
    total_assets = _round2(
        np.maximum(revenue * heavy * startup_cash * nm.exp(0.25 * rng.standard_normal((n, 1))), 2e5)
        * nm.exp(0.05 * rng.standard_normal((n, YEARS)))
    )
    leverage = (
        sector_table("leverage")[sec][:, None]
        - np.where(stg == 0, 0.12, 0.0)[:, None]
        - 0.09 * h
        + 0.22 * d * np.linspace(0.2, 1.0, YEARS)[None, :]
        + 0.08 * rng.standard_normal((n, 1))
        + 0.03 * rng.standard_normal((n, YEARS))
    )
    leverage = np.clip(leverage, 0.03, 1.6)
    total_liabilities = _round2(total_assets * leverage)
    ca_frac = np.clip(
        0.62 - 0.12 * (heavy - 0.9) + 0.06 * h + 0.08 * rng.standard_normal((n, 1)), 0.12, 0.95
    )
    current_assets = _round2(total_assets * ca_frac)
    cl_frac = np.clip(0.6 + 0.12 * d + 0.1 * rng.standard_normal((n, 1)), 0.2, 1.0)
    current_liabilities = _round2(total_liabilities * cl_frac)
    inv_frac = 0.08 + 0.3 * rng.random((n, 1))
    rec_frac = 0.10 + 0.35 * rng.random((n, 1)) + 0.05 * d
    rec_frac = np.minimum(rec_frac, 0.9 - inv_frac)
    inventory = _round2(current_assets * inv_frac)
    receivables = _round2(current_assets * rec_frac)
    operating_cash_flow = _round2(
        net_profit
        + 0.05 * total_assets
        - revenue * (0.08 * d + 0.04 * rng.standard_normal((n, YEARS)))
    )
    fin = {
        "revenue": revenue,
        "operating_cost": operating_cost,
        "net_profit": net_profit,
        "total_assets": total_assets,
        "total_liabilities": total_liabilities,
        "current_assets": current_assets,
        "current_liabilities": current_liabilities,
        "operating_cash_flow": operating_cash_flow,
        "rd_expense": rd,
        "inventory": inventory,
        "receivables": receivables,
        **subsidies,
    }
    return fin


def frontier_mask(sector: np.ndarray) -> np.ndarray:
    return np.isin(sector.astype(np.int64), _FRONTIER)
