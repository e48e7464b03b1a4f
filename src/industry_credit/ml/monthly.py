"""Alternative-data features from the monthly panel: trends, volatility and jumps over windows.

Electricity, tax invoices, headcount, exports, downtime and order cancellations arrive one row
per enterprise and month; the features compare windows of the 24 months before the as-of date.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from industry_credit.ml.aggregate import positions, safe_div
from industry_credit.ml.frames import months_between

_WINDOW = 24  # months of alternative data the features look at


class _Monthly:
    """Each enterprise's monthly series as a (24, n) matrix: row k is month k+1 before as_of.

    Month-major, so that a window (last 3/6/12, prior 9/12, a year earlier) is a block of
    contiguous rows and its sum adds whole rows: several times faster than summing a strided
    slice of every enterprise's row, and each sum runs in the same order whatever the number of
    enterprises, so one firm's features do not depend on its batch. One scatter per column; the
    presence matrix (which cells hold a row) is shared by every column without missing values,
    which is every column of a complete feed, so a column costs one scatter, not two.
    """

    def __init__(self, n: int, pos: np.ndarray, age: np.ndarray, alt: pd.DataFrame):
        keep = (pos >= 0) & (age >= 1) & (age <= _WINDOW)
        self.n, self.alt = n, alt
        self.keep = None if keep.all() else keep
        # Flat cell index, computed once: 1-D scatters are much cheaper than 2-D ones.
        cell = (age - 1) * n + pos
        self.cell = cell if self.keep is None else cell[keep]
        rows = np.zeros(_WINDOW * n)
        rows[self.cell] = 1.0
        self.rows = rows.reshape(_WINDOW, n)
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._window_rows: dict[tuple[int, int], np.ndarray] = {}

    def series(self, col: str) -> tuple[np.ndarray, np.ndarray]:
        """Values (0 where absent) and presence (1/0) matrices."""
        if col not in self._cache:
            x = self.alt[col].to_numpy(dtype=np.float64, na_value=np.nan)
            if self.keep is not None:
                x = x[self.keep]
            values = np.zeros(_WINDOW * self.n)
            missing = np.isnan(x)
            if missing.any():
                present = ~missing
                values[self.cell[present]] = x[present]
                counts = np.zeros(_WINDOW * self.n)
                counts[self.cell[present]] = 1.0
                presence = counts.reshape(_WINDOW, self.n)
            else:
                values[self.cell] = x
                presence = self.rows
            self._cache[col] = values.reshape(_WINDOW, self.n), presence
        return self._cache[col]

    def mean(self, col: str, first: int, last: int, squared: bool = False) -> np.ndarray:
        """Mean over months ``first``..``last`` (1-based, inclusive) of the observed values."""
        values, presence = self.series(col)
        window = values[first - 1 : last]
        total = _sum_months(window * window if squared else window)
        return safe_div(total, self._count(presence, first, last))

    def _count(self, presence: np.ndarray, first: int, last: int) -> np.ndarray:
        if presence is not self.rows:
            return _sum_months(presence[first - 1 : last])
        key = (first, last)
        if key not in self._window_rows:
            self._window_rows[key] = _sum_months(presence[first - 1 : last])
        return self._window_rows[key]


def _sum_months(window: np.ndarray) -> np.ndarray:
    """Month rows added one after the other. Not ``sum(axis=0)``: numpy sums a one-column
    block pairwise but a wide one row by row, and a firm's features must have the same bits
    whether it is scored alone (the API) or among a million (the batch)."""
    total = np.array(window[0], dtype=np.float64)
    for month in window[1:]:
        total += month
    return total


def alternative_features(
    out: dict[str, Any], ids: pd.Index, alt: pd.DataFrame, as_of: date
) -> None:
    # Month 0 is the month of as_of, possibly still being reported: windows start at month 1.
    age = months_between(as_of, alt["month"]) if len(alt) else np.zeros(0, dtype=np.int64)
    monthly = _Monthly(len(ids), positions(ids, alt["enterprise_id"]), age, alt)
    mean = monthly.mean

    def trend(col: str) -> tuple[np.ndarray, np.ndarray]:
        mean_rec = mean(col, 1, 12)
        yoy = safe_div(mean_rec, mean(col, 13, 24)) - 1.0
        var = mean(col, 1, 12, squared=True) - mean_rec**2
        vol = safe_div(np.sqrt(np.clip(var, 0.0, None)), mean_rec)
        return yoy, vol

    for col, name in (("electricity_kwh", "electricity"), ("tax_invoice_amount", "tax_invoice")):
        out[f"{name}_yoy"], out[f"{name}_volatility"] = trend(col)
        # Same six calendar months a year apart: seasonality (Chinese New Year, Q4) cancels.
        out[f"{name}_yoy_6m"] = safe_div(mean(col, 1, 6), mean(col, 13, 18)) - 1.0
    out["headcount_yoy"] = trend("social_insurance_headcount")[0]
    out["export_yoy"] = trend("customs_export_amount")[0]
    for col, name in (
        ("equipment_downtime_rate", "downtime"),
        ("order_cancellation_rate", "cancellation"),
    ):
        rec = mean(col, 1, 3)
        out[f"{name}_recent"] = rec
        out[f"{name}_jump"] = rec - mean(col, 4, 12)
        if name == "cancellation":
            out["cancellation_6m"] = mean(col, 1, 6)
