"""Monthly alternative data: tax invoices, electricity, social insurance, customs, downtime, cancellations.

The series for firm i and month t is ``level_i * growth_i(t) * season(t) * slide_i(t) * noise``:

* season: a dip in the Chinese New Year month (0.72) and the month after (0.92), and a fourth-
  quarter peak (Oct 1.08, Nov 1.14, Dec 1.20); electricity swings half as much as invoices.
* slide: ``exp(-1.2 d ramp(t))`` with the deterioration d of ``firms`` and a ramp from 0 twelve
  months before the last month to 1 at the last month, so firms heading for default show falling
  invoices and electricity; headcount erodes more slowly.
* downtime and cancellation rates sit on a firm-specific base and jump by ``0.25 d`` and
  ``0.12 d`` over the last three months (the circuit-breaker signals of [004 §3.3]).

The months are the ``months`` calendar months ending with the month before the as-of date.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import numpy as np

from industry_credit import numerics as nm
from industry_credit.synth.firms import Firms

# Month (1-12) of the Chinese New Year by year.
CNY_MONTH: Final[dict[int, int]] = {
    2019: 2, 2020: 1, 2021: 2, 2022: 2, 2023: 1, 2024: 2, 2025: 1, 2026: 2, 2027: 2, 2028: 1,
    2029: 2, 2030: 2,
}  # fmt: skip
_Q4: Final[dict[int, float]] = {10: 1.08, 11: 1.14, 12: 1.20}
MONTHLY_COLUMNS: Final[tuple[str, ...]] = (
    "tax_invoice_amount",
    "electricity_kwh",
    "social_insurance_headcount",
    "customs_export_amount",
    "equipment_downtime_rate",
    "order_cancellation_rate",
)


def month_starts(as_of: date, months: int) -> list[date]:
    """First days of the ``months`` months ending with the month before ``as_of``'s month."""
    index = as_of.year * 12 + as_of.month - 1 - 1  # the month before, as a month count
    return [date((k) // 12, k % 12 + 1, 1) for k in range(index - months + 1, index + 1)]


def seasonality(months: list[date]) -> np.ndarray:
    """Calendar factor per month: Chinese New Year dip, fourth-quarter peak."""
    out = np.ones(len(months))
    for t, m in enumerate(months):
        cny = CNY_MONTH.get(m.year, 2)
        if m.month == cny:
            out[t] = 0.72
        elif m.month == cny + 1:
            out[t] = 0.92
        out[t] *= _Q4.get(m.month, 1.0)
    return out


def draw_activity(
    rng: np.random.Generator, f: Firms, months: list[date], last_fiscal_year: int
) -> dict[str, np.ndarray]:
    """Arrays of shape (n, T) for each monthly column, already rounded as stored."""
    n, t_count = len(f.ids), len(months)
    season = seasonality(months)[None, :]
    # Months after the middle of the last fiscal year, for the growth path.
    mid = date(last_fiscal_year, 7, 1)
    rel = np.array([(m.year - mid.year) * 12 + m.month - mid.month for m in months], dtype=float)
    g = np.clip(f.growth, -0.5, 1.5)[:, None]
    path = nm.power(1.0 + g, rel[None, :] / 12.0)
    ramp = np.clip((np.arange(t_count) - (t_count - 13)) / 12.0, 0.0, 1.0)[None, :]
    jump = np.clip((np.arange(t_count) - (t_count - 4)) / 3.0, 0.0, 1.0)[None, :]
    d = f.deterioration[:, None]
    slide = nm.exp(-1.2 * d * ramp)
    revenue = f.fin["revenue"][:, -1][:, None]

    invoices = (
        revenue / 12.0 * path * season * slide * nm.exp(0.08 * rng.standard_normal((n, t_count)))
    )
    kwh_per_cny = 0.04 * nm.exp(0.5 * rng.standard_normal((n, 1)))
    electricity = (
        revenue / 12.0 * kwh_per_cny * path * (1.0 + 0.5 * (season - 1.0))
        * nm.power(slide, 1.1) * nm.exp(0.06 * rng.standard_normal((n, t_count)))
    )  # fmt: skip
    headcount = np.round(
        f.employees[:, None] * (1.0 + 0.3 * g * rel[None, :] / 12.0).clip(0.5, 2.0)
        * (1.0 - 0.25 * np.minimum(d, 2.0) * ramp)
        * nm.exp(0.02 * rng.standard_normal((n, t_count)))
    ).clip(0)  # fmt: skip
    exports = invoices * f.exporter_share[:, None] * nm.exp(0.2 * rng.standard_normal((n, t_count)))
    base_down = 0.015 * nm.exp(0.4 * rng.standard_normal((n, 1)))
    downtime = base_down + 0.25 * d * jump + 0.004 * np.abs(rng.standard_normal((n, t_count)))
    base_cancel = 0.012 * nm.exp(0.4 * rng.standard_normal((n, 1)))
    cancel = (
        base_cancel + 0.12 * d * jump + 0.03 * d * ramp
        + 0.003 * np.abs(rng.standard_normal((n, t_count)))
    )  # fmt: skip
    return {
        "tax_invoice_amount": np.round(invoices, 2),
        "electricity_kwh": np.round(electricity, 2),
        "social_insurance_headcount": headcount.astype(np.int64),
        "customs_export_amount": np.round(exports, 2),
        "equipment_downtime_rate": np.round(np.clip(downtime, 0.0, 1.0), 6),
        "order_cancellation_rate": np.round(np.clip(cancel, 0.0, 1.0), 6),
    }
