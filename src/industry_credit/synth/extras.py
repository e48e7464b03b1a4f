"""Per-firm tables beside the accounts: IP, policy support, green data, market plans, loan requests.

* Patents and software copyrights are Poisson counts scaling with cumulative R&D spend
  (software copyrights weigh heavier for edge models); IP valuation follows the counts.
* Guidance-fund and VC equity are far more common for start-ups in frontier sectors.
* ``special_fund_grant`` is the sum of the special-fund subsidies in the statements.
* Compliance violations are rare (about 2%); carbon intensity against the sector is lognormal
  around 1, a little higher for sliding firms.
* Consumer terminals carry a market plan; weak firms plan to sell below break-even.
* The loan request follows the lifecycle stage: start-ups ask CNY 2-6M for R&D, mature firms
  ask for capex, projects and M&A, transition firms refinance.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from industry_credit import numerics as nm
from industry_credit.synth.config import SECTOR_INDEX
from industry_credit.synth.firms import Firms, frontier_mask
from industry_credit.vocabulary import COLLATERAL, PURPOSES

_UNIT_PRICE: Final[dict[str, float]] = {
    "ai_phone": 3000.0,
    "ai_pc": 5500.0,
    "smart_glasses": 2500.0,
    "silver_economy": 1800.0,
    "robot": 9000.0,
}
# Purpose probabilities by stage, in PURPOSES order
# (working_capital, capex, rd, project, m_and_a, refinance).
_PURPOSE_P: Final[np.ndarray] = np.array(
    [
        [0.25, 0.15, 0.60, 0.00, 0.00, 0.00],
        [0.45, 0.30, 0.15, 0.10, 0.00, 0.00],
        [0.30, 0.35, 0.00, 0.15, 0.10, 0.10],
        [0.35, 0.10, 0.00, 0.00, 0.15, 0.40],
    ]
)
_TENOR: Final[np.ndarray] = np.array([[12, 12], [36, 60], [24, 36], [60, 84], [60, 60], [36, 48]])
_STAGE_PRODUCTS: Final[tuple[tuple[str, str], ...]] = (
    ("investment_loan_linkage", "warrant_loan"),
    ("supply_chain_finance", "ip_pledge_loan"),
    ("syndicated_loan", "capacity_upgrade_loan"),
    ("restructuring", "green_transformation_loan"),
)
_IP_SECTORS = [
    SECTOR_INDEX[s]
    for s in ("robot", "edge_ai_chip", "future_terminal", "smart_glasses", "satellite_terminal")
]


def draw_extras(
    rng: np.random.Generator, f: Firms, has_core_buyer: np.ndarray
) -> dict[str, dict[str, np.ndarray]]:
    n = len(f.ids)
    sec, stg = f.sector.astype(np.int64), f.stage.astype(np.int64)
    frontier = frontier_mask(f.sector)
    rd_total = np.where(f.year_valid, f.fin["rd_expense"], 0.0).sum(axis=1)
    software = np.where(sec == SECTOR_INDEX["edge_model"], 3.0, 1.0)
    patents = rng.poisson(np.minimum(rd_total / 2.5e6, 5e4))
    copyrights = rng.poisson(np.minimum(rd_total / 6e6 * software, 5e4))
    valuation = np.round(
        patents * 3e5 * nm.exp(0.5 * rng.standard_normal(n))
        + copyrights * 1e5 * nm.exp(0.5 * rng.standard_normal(n)),
        2,
    )
    ip = {"patents": patents, "software_copyrights": copyrights, "ip_valuation": valuation}

    guidance_p = np.where(
        frontier, np.array([0.35, 0.15, 0.04, 0.02])[stg], np.array([0.08, 0.04, 0.01, 0.01])[stg]
    )
    vc_p = np.where(
        frontier, np.array([0.55, 0.30, 0.06, 0.02])[stg], np.array([0.30, 0.12, 0.03, 0.01])[stg]
    )
    special = np.where(f.year_valid, f.fin["subsidy_special_fund"], 0.0).sum(axis=1)
    policy = {
        "guidance_fund_equity": rng.random(n) < guidance_p,
        "vc_backed": rng.random(n) < vc_p,
        "special_fund_grant": np.round(special, 2),
        "trade_in_subsidy_eligible": f.consumer & (rng.random(n) < 0.6),
    }

    violation_p = 0.012 + 0.02 * (stg == 3) + 0.01 * (sec == SECTOR_INDEX["industrial_terminal"])
    green = {
        "compliance_violation": rng.random(n) < violation_p,
        "carbon_intensity_vs_sector": np.round(
            np.clip(nm.exp(0.35 * rng.standard_normal(n) + 0.08 * f.deterioration), 0.05, 10.0), 4
        ),
    }

    price = np.ones(n)
    for code, p in _UNIT_PRICE.items():
        price[sec == SECTOR_INDEX[code]] = p
    revenue = f.fin["revenue"][:, -1]
    capacity = np.floor(revenue * (1.2 + 0.8 * rng.random(n)) / price)
    planned = np.floor(capacity * (0.5 + 0.45 * rng.random(n)))
    ratio = nm.exp(-0.25 + 0.25 * f.deterioration - 0.1 * f.health + 0.25 * rng.standard_normal(n))
    market = {
        "mask": f.consumer,
        "break_even_units": np.floor(planned * ratio).astype(np.int64),
        "annual_capacity_units": capacity.astype(np.int64),
        "planned_sales_units": planned.astype(np.int64),
    }

    purpose = (rng.random(n)[:, None] > np.cumsum(_PURPOSE_P, axis=1)[stg]).sum(axis=1).clip(0, 5)
    amount = np.clip(revenue * (0.06 + 0.3 * rng.random(n)), 1e6, 3e9)
    amount = np.where(stg == 0, 2e6 + 4e6 * rng.random(n), amount)
    tenor = _TENOR[purpose, rng.integers(0, 2, size=n)]
    request = {
        "amount": np.round(amount, -4),
        "tenor_months": tenor.astype(np.int64),
        "purpose": purpose,
        "collateral": _collateral(rng, f, patents, has_core_buyer),
        "requested_product": _requested_product(rng, stg),
    }
    return {"ip": ip, "policy": policy, "green": green, "market": market, "request": request}


def _collateral(
    rng: np.random.Generator, f: Firms, patents: np.ndarray, has_core_buyer: np.ndarray
) -> pa.Array:
    """A list of one or two collateral codes per firm, as an Arrow list<string>."""
    n = len(f.ids)
    sec, stg = f.sector.astype(np.int64), f.stage.astype(np.int64)
    c = {code: i for i, code in enumerate(COLLATERAL)}
    primary = np.select(
        [
            np.isin(sec, _IP_SECTORS) & (patents > 0),
            sec == SECTOR_INDEX["edge_model"],
            has_core_buyer,
            sec == SECTOR_INDEX["compute_terminal"],
            stg == 2,
            rng.random(n) < 0.5,
        ],
        [
            c["ip_pledge"],
            c["software_copyright_pledge"],
            c["receivables_pledge"],
            c["equipment_mortgage"],
            c["real_estate_mortgage"],
            c["third_party_guarantee"],
        ],
        default=c["none"],
    )
    u = rng.random(n)
    second = np.where(
        (primary != c["none"]) & (stg <= 1) & (u < 0.2),
        c["guarantee_fund"],
        np.where((primary != c["none"]) & (u > 0.9), c["equity_pledge"], -1),
    )
    second = np.where(second == primary, -1, second)
    counts = 1 + (second >= 0)
    values = np.empty(int(counts.sum()), dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    values[offsets[:-1]] = primary
    values[offsets[:-1][second >= 0] + 1] = second[second >= 0]
    names = pa.array(COLLATERAL).take(pa.array(values))
    return pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), names)


def _requested_product(rng: np.random.Generator, stage: np.ndarray) -> pa.Array:
    """About 30% of firms name the product they want; it fits their stage."""
    n = len(stage)
    choice = rng.integers(0, 2, size=n)
    wants = rng.random(n) < 0.3
    table = pa.array([p for pair in _STAGE_PRODUCTS for p in pair])
    picked = table.take(pa.array(stage * 2 + choice))
    return pc.if_else(pa.array(wants), picked, pa.nulls(n, pa.string()))


def purpose_names(index: np.ndarray) -> pa.Array:
    return pa.array(PURPOSES).take(pa.array(index))
