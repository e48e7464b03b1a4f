"""One block of enterprises from skeleton to Arrow tables, with each firm's default log-odds.

Block 0 holds the core enterprises (ids 1..n_core); it is generated first and fixes their
payment record and distress (``CoreState``), which every later block's suppliers see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa

from industry_credit.synth.activity import MONTHLY_COLUMNS, draw_activity
from industry_credit.synth.config import STREAM_DETAIL, STREAM_LINKS, SynthConfig, block_rng
from industry_credit.synth.extras import draw_extras, purpose_names
from industry_credit.synth.firms import YEARS, Firms, draw_firms
from industry_credit.synth.network import BUYER, CoreState, core_pay_days, draw_links
from industry_credit.synth.skeleton import Skeleton
from industry_credit.synth.tables import SCHEMAS
from industry_credit.synth.truth import (
    NOISE_SD,
    activity_drivers,
    link_drivers,
    logit_without_intercept,
    statement_drivers,
)
from industry_credit.vocabulary import SUPPLY_ROLES

_EPOCH = date(1970, 1, 1)


@dataclass
class Block:
    firms: Firms
    logit: np.ndarray  # systematic log-odds + unobserved noise, before the intercept
    drivers: pd.DataFrame
    tables: dict[str, pa.Table]


def _utc_us(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()) * 1_000_000


def _ts(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype(np.int64), type=pa.int64()).cast(pa.timestamp("us", tz="UTC"))


def _table(name: str, columns: dict[str, pa.Array | np.ndarray]) -> pa.Table:
    schema = SCHEMAS[name]
    arrays = [pa.array(columns[f.name], type=f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def generate_block(
    cfg: SynthConfig,
    sk: Skeleton,
    b: int,
    months: list[date],
    core: CoreState | None,
    first_statement_id: int,
    first_link_id: int,
) -> tuple[Block, CoreState]:
    rng = block_rng(cfg.seed, STREAM_DETAIL, b)
    lrng = block_rng(cfg.seed, STREAM_LINKS, b)
    sl = sk.block_slice(b)
    ids = np.arange(sl.start + 1, sl.stop + 1, dtype=np.int64)
    f = draw_firms(
        cfg,
        rng,
        ids,
        sk.sector[sl],
        sk.district[sl],
        sk.stage[sl],
        sk.log_revenue[sl],
        sk.is_core[sl],
    )
    act = draw_activity(rng, f, months, cfg.last_fiscal_year)
    has_core_buyer = sk.core_buyer[sl] > 0
    ex = draw_extras(rng, f, has_core_buyer)
    noise = NOISE_SD * rng.standard_normal(len(ids))
    if core is None:
        # Block 0: the cores are its first n_core rows.
        pay = np.zeros(sk.n_core + 1)
        pay[1:] = core_pay_days(lrng, f.health[: sk.n_core])
        core = CoreState(pay_days=pay, logit=np.zeros(sk.n_core + 1), reference=0.0)
        first_block = True
    else:
        first_block = False
    links = draw_links(lrng, f, sk, core)

    x = _drivers(f, act, ex, links, np.zeros(len(links["owner"])))
    if first_block:
        own = logit_without_intercept(x)[: sk.n_core]
        core.logit[1:] = own
        core.reference = float(np.median(own))
    cp = links["counterparty_id"]
    core_row = links["is_core_enterprise"] & (links["role"] == BUYER)
    distress = np.where(core_row, core.distress(np.where(core_row, cp, 0)), 0.0)
    x["core_buyer_distress"] = link_drivers(links, len(ids), distress)["core_buyer_distress"]
    logit = logit_without_intercept(x) + noise
    tables = _tables(cfg, sk, f, act, ex, links, months, first_statement_id, first_link_id)
    return Block(firms=f, logit=logit, drivers=x, tables=tables), core


def _drivers(
    f: Firms,
    act: dict[str, np.ndarray],
    ex: dict[str, dict[str, np.ndarray]],
    links: dict[str, np.ndarray],
    distress: np.ndarray,
) -> pd.DataFrame:
    n = len(f.ids)
    market = ex["market"]
    coverage = np.where(
        market["mask"],
        market["planned_sales_units"] / np.maximum(market["break_even_units"], 1),
        np.nan,
    )
    cols: dict[str, np.ndarray] = {
        "sector": f.sector.astype(np.int64),
        "tech_route": f.tech_route,
        **statement_drivers(f.fin),
        **activity_drivers(act),
        **link_drivers(links, n, distress),
        "plan_coverage": coverage,
        "compliance_violation": ex["green"]["compliance_violation"],
        "guidance_fund_equity": ex["policy"]["guidance_fund_equity"],
    }
    return pd.DataFrame(cols, index=pd.Index(f.ids, name="enterprise_id"))


def _tables(
    cfg: SynthConfig,
    sk: Skeleton,
    f: Firms,
    act: dict[str, np.ndarray],
    ex: dict[str, dict[str, np.ndarray]],
    links: dict[str, np.ndarray],
    months: list[date],
    first_statement_id: int,
    first_link_id: int,
) -> dict[str, pa.Table]:
    n, t_count = len(f.ids), len(months)
    as_of_us = _utc_us(cfg.as_of_date)
    const_ts = _ts(np.full(n, as_of_us))
    years = np.arange(cfg.last_fiscal_year - YEARS + 1, cfg.last_fiscal_year + 1)
    valid = f.year_valid
    rows = int(valid.sum())
    fy = np.broadcast_to(years, valid.shape)[valid]
    filed = np.array([_utc_us(date(int(y) + 1, 4, 30)) for y in years])
    statements: dict[str, pa.Array | np.ndarray] = {
        "id": np.arange(first_statement_id, first_statement_id + rows, dtype=np.int64),
        "enterprise_id": np.broadcast_to(f.ids[:, None], valid.shape)[valid],
        "fiscal_year": fy,
        **{k: v[valid] for k, v in f.fin.items()},
        "received_at": _ts(np.broadcast_to(filed, valid.shape)[valid]),
    }

    month_days = np.array([(m - _EPOCH).days for m in months], dtype=np.int32)
    # Monthly data arrive on the 10th of the following month, never after the as-of date.
    reported = np.minimum(
        np.array([_utc_us(date(m.year + m.month // 12, m.month % 12 + 1, 10)) for m in months]),
        as_of_us,
    )
    monthly: dict[str, pa.Array | np.ndarray] = {
        "enterprise_id": np.repeat(f.ids, t_count),
        "month": pa.array(np.tile(month_days, n), type=pa.int32()).cast(pa.date32()),
        **{c: act[c].ravel() for c in MONTHLY_COLUMNS},
        "received_at": _ts(np.tile(reported, n)),
    }

    cp = links["counterparty_id"]
    m = len(cp)
    link_cols: dict[str, pa.Array | np.ndarray] = {
        "id": np.arange(first_link_id, first_link_id + m, dtype=np.int64),
        "enterprise_id": links["enterprise_id"],
        "counterparty_uscc": sk.uscc.take(pa.array(cp - 1)),
        "counterparty_name": sk.name.take(pa.array(cp - 1)),
        "counterparty_id": cp,
        "role": pa.array(SUPPLY_ROLES).take(pa.array(links["role"])),
        "is_core_enterprise": links["is_core_enterprise"],
        "share": links["share"],
        "on_time_delivery_rate": links["on_time_delivery_rate"],
        "avg_payment_days": links["avg_payment_days"],
        "imported_component_share": links["imported_component_share"],
        "received_at": _ts(np.full(m, as_of_us)),
    }
    market = ex["market"]
    mm = market["mask"]
    req = ex["request"]
    return {
        "financial_statements": _table("financial_statements", statements),
        "supply_links": _table("supply_links", link_cols),
        "alternative_data_monthly": _table("alternative_data_monthly", monthly),
        "intellectual_property": _table(
            "intellectual_property", {"enterprise_id": f.ids, **ex["ip"], "received_at": const_ts}
        ),
        "policy_support": _table(
            "policy_support", {"enterprise_id": f.ids, **ex["policy"], "received_at": const_ts}
        ),
        "green_data": _table(
            "green_data", {"enterprise_id": f.ids, **ex["green"], "received_at": const_ts}
        ),
        "market_plans": _table(
            "market_plans",
            {
                "enterprise_id": f.ids[mm],
                **{k: v[mm] for k, v in market.items() if k != "mask"},
                "received_at": const_ts.filter(pa.array(mm)),
            },
        ),
        "loan_requests": _table(
            "loan_requests",
            {
                "enterprise_id": f.ids,
                "amount": req["amount"],
                "tenor_months": req["tenor_months"],
                "purpose": purpose_names(req["purpose"]),
                "collateral": req["collateral"],
                "requested_product": req["requested_product"],
                # The synthetic firms name no risk-sharing partner.
                "risk_sharing_coverage": np.zeros(len(f.ids)),
                "government_risk_sharing_coverage": np.zeros(len(f.ids)),
                # No bank book behind a synthetic request: the portfolio limits are not checked.
                "book_total_exposure": pa.nulls(len(f.ids), pa.float64()),
                "book_sector_exposure": pa.nulls(len(f.ids), pa.float64()),
                "book_district_exposure": pa.nulls(len(f.ids), pa.float64()),
            },
        ),
    }
