"""Alternative-data features from the monthly panel: trends, volatility and jumps over windows.

Electricity, tax invoices, headcount, exports, downtime and order cancellations arrive one row
per enterprise and month; the features compare windows of the 24 months before the as-of date.

The panel is the biggest input (24 rows a firm, 24M rows for a million firms). When its rows
come grouped by enterprise in the enterprises' order (Parquet, the batch reader, a document),
it is worked through in blocks of ``BLOCK_FIRMS`` enterprises: a block's matrices stay in cache
and within the TLB's reach, where one (24, n) matrix for a million firms would take a TLB miss
on almost every scattered write. Any other order is worked as one block. Either way each firm's
features are computed by the same operations in the same order, so they have the same bits.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import numpy as np

from industry_credit.ml.aggregate import ratios
from industry_credit.ml.columns import ColumnTable, positions
from industry_credit.ml.frames import months_between

_WINDOW = 24  # months of alternative data the features look at
# (24 x 8192) float64 is 1.5 MB: a block's handful of live matrices fit the 2 MB L2 of a core.
BLOCK_FIRMS = 8192
_FEW_FIRMS = 64
_COLUMNS = (
    "electricity_kwh",
    "tax_invoice_amount",
    "social_insurance_headcount",
    "customs_export_amount",
    "equipment_downtime_rate",
    "order_cancellation_rate",
)


class _Monthly:
    """A block's monthly series as (24, n) matrices: row k is month k+1 before as_of.

    Month-major, so that a window (last 3/6/12, prior 9/12, a year earlier) is a block of
    contiguous rows and its sum adds whole rows. A complete feed grouped by firm is transposed
    into place; any other is scattered, one scatter per column, with the presence matrix
    (which cells hold a row) shared by every column without missing values.
    """

    def __init__(self, n: int, pos: np.ndarray, age: np.ndarray, values: dict[str, np.ndarray]):
        self.n, self.values = n, values
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._window_rows: dict[tuple[int, int], np.ndarray] = {}
        self.month_columns = _regular_layout(n, pos, age)
        if self.month_columns is not None:
            # Every cell holds a row: presence is all ones, no scatter at all.
            self.rows = np.ones((_WINDOW, n))
            return
        # Flat cell index, computed once: 1-D scatters are much cheaper than 2-D ones.
        self.cell = (age - 1) * n + pos
        rows = np.zeros(_WINDOW * n)
        rows[self.cell] = 1.0
        self.rows = rows.reshape(_WINDOW, n)

    def series(self, col: str) -> tuple[np.ndarray, np.ndarray]:
        """Values (0 where absent) and presence (1/0) matrices."""
        if col not in self._cache:
            if self.month_columns is None:
                self._cache[col] = self._scattered(self.values[col])
            else:
                self._cache[col] = self._transposed(self.values[col], self.month_columns)
        return self._cache[col]

    def _scattered(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        values = np.zeros(_WINDOW * self.n)
        missing = np.isnan(x)
        if not missing.any():
            values[self.cell] = x
            return values.reshape(_WINDOW, self.n), self.rows
        present = ~missing
        values[self.cell[present]] = x[present]
        counts = np.zeros(_WINDOW * self.n)
        counts[self.cell[present]] = 1.0
        return values.reshape(_WINDOW, self.n), counts.reshape(_WINDOW, self.n)

    def _transposed(
        self, x: np.ndarray, month_columns: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        # A transposing copy costs a fifth of a scatter and puts the same values in the cells.
        values = x.reshape(self.n, _WINDOW).T[month_columns]
        missing = np.isnan(values)
        if not missing.any():
            return values, self.rows
        values[missing] = 0.0
        return values, (~missing).astype(np.float64)

    def window_sum(
        self, col: str, first: int, last: int, squared: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Sum and count of the observed values over months ``first``..``last`` (1-based)."""
        values, presence = self.series(col)
        window = values[first - 1 : last]
        total = _sum_months(window * window if squared else window)
        return total, self._count(presence, first, last)

    def _count(self, presence: np.ndarray, first: int, last: int) -> np.ndarray:
        if presence is not self.rows:
            return _sum_months(presence[first - 1 : last])
        key = (first, last)
        if key not in self._window_rows:
            self._window_rows[key] = _sum_months(presence[first - 1 : last])
        return self._window_rows[key]


def _regular_layout(n: int, pos: np.ndarray, age: np.ndarray) -> np.ndarray | None:
    """Where each month sits when every firm has 24 consecutive rows, one per month, all in the
    same month order (a complete feed, grouped by firm): column ``month_columns[k]`` of the
    firm's rows is month k+1. None for any other layout."""
    if n == 0 or len(pos) != _WINDOW * n:
        return None
    pattern = age[:_WINDOW]
    if not np.array_equal(np.sort(pattern), np.arange(1, _WINDOW + 1)):
        return None
    if not (age.reshape(n, _WINDOW) == pattern).all():
        return None
    if not (pos.reshape(n, _WINDOW) == np.arange(n)[:, None]).all():
        return None
    return np.argsort(pattern)


def _sum_months(window: np.ndarray) -> np.ndarray:
    """Month rows added one after the other. Not ``sum(axis=0)``: numpy sums a one-column
    block pairwise but a wide one row by row, and a firm's features must have the same bits
    whether it is scored alone (the API) or among a million (the batch)."""
    # Both ways add row k to the sum of rows 0..k-1, in order, so they give the same bits. For a
    # few firms one accumulate call beats a Python loop; for a block of thousands it walks each
    # firm's column down the rows, where a row-by-row loop reads contiguous rows (docs/benchmarks.md).
    if window.shape[1] < _FEW_FIRMS:
        few: np.ndarray = np.add.accumulate(window, axis=0, dtype=np.float64)[-1]
        return few
    total: np.ndarray = np.array(window[0], dtype=np.float64, copy=True)
    for row in window[1:]:
        np.add(total, row, out=total)
    return total


# Each mean the features use: name -> (column, first month, last month, squared).
_MEANS: dict[str, tuple[str, int, int, bool]] = {}
for _col, _short in (
    ("electricity_kwh", "electricity"),
    ("tax_invoice_amount", "tax_invoice"),
    ("social_insurance_headcount", "headcount"),
    ("customs_export_amount", "export"),
):
    _MEANS[f"{_short}_12"] = (_col, 1, 12, False)
    _MEANS[f"{_short}_prior_12"] = (_col, 13, 24, False)
for _col, _short in (("electricity_kwh", "electricity"), ("tax_invoice_amount", "tax_invoice")):
    _MEANS[f"{_short}_12_squares"] = (_col, 1, 12, True)
    _MEANS[f"{_short}_6"] = (_col, 1, 6, False)
    _MEANS[f"{_short}_prior_6"] = (_col, 13, 18, False)
for _col, _short in (
    ("equipment_downtime_rate", "downtime"),
    ("order_cancellation_rate", "cancellation"),
):
    _MEANS[f"{_short}_3"] = (_col, 1, 3, False)
    _MEANS[f"{_short}_4_12"] = (_col, 4, 12, False)
_MEANS["cancellation_6"] = ("order_cancellation_rate", 1, 6, False)


def _window_features(monthly: _Monthly) -> dict[str, np.ndarray]:
    mean = ratios({name: monthly.window_sum(*spec) for name, spec in _MEANS.items()})
    variance = {
        short: mean[f"{short}_12_squares"] - mean[f"{short}_12"] ** 2
        for short in ("electricity", "tax_invoice")
    }
    pairs = {
        f"{short}_yoy": (mean[f"{short}_12"], mean[f"{short}_prior_12"])
        for short in ("electricity", "tax_invoice", "headcount", "export")
    }
    for short in ("electricity", "tax_invoice"):
        pairs[f"{short}_volatility"] = (
            np.sqrt(np.clip(variance[short], 0.0, None)),
            mean[f"{short}_12"],
        )
        # Same six calendar months a year apart: seasonality (Chinese New Year, Q4) cancels.
        pairs[f"{short}_yoy_6m"] = (mean[f"{short}_6"], mean[f"{short}_prior_6"])
    ratio = ratios(pairs)
    out = {
        name: ratio[name] - 1.0 if name.endswith(("_yoy", "_yoy_6m")) else ratio[name]
        for name in ratio
    }
    for short in ("downtime", "cancellation"):
        out[f"{short}_recent"] = mean[f"{short}_3"]
        out[f"{short}_jump"] = mean[f"{short}_3"] - mean[f"{short}_4_12"]
    out["cancellation_6m"] = mean["cancellation_6"]
    return out


def _float_column(alt: ColumnTable, col: str, rows: np.ndarray | None) -> np.ndarray:
    # No copy for a float64 column: NaN already marks what is missing.
    values = np.asarray(alt[col], dtype=np.float64)
    return values if rows is None else values[rows]


def _blocks(pos: np.ndarray, n: int) -> Iterator[tuple[int, int, int, int]]:
    """(first firm, end firm, first row, end row) of each block of enterprises."""
    grouped = len(pos) < 2 or bool((pos[1:] >= pos[:-1]).all())
    if not grouped or n <= BLOCK_FIRMS:
        yield 0, n, 0, len(pos)
        return
    firm_bounds = np.r_[np.arange(0, n, BLOCK_FIRMS), n]
    row_bounds = np.asarray(np.searchsorted(pos, firm_bounds, side="left"))
    for i in range(len(firm_bounds) - 1):
        yield (
            int(firm_bounds[i]),
            int(firm_bounds[i + 1]),
            int(row_bounds[i]),
            int(row_bounds[i + 1]),
        )


def alternative_features(
    out: dict[str, Any], ids: np.ndarray, alt: ColumnTable, as_of: date
) -> None:
    n = len(ids)
    # Month 0 is the month of as_of, possibly still being reported: windows start at month 1.
    age = months_between(as_of, alt["month"])
    pos = positions(ids, alt["enterprise_id"])
    rows = None
    # Two reductions settle the usual case (every row in the window, every firm known) without
    # building a mask over the whole panel.
    if len(age) and (pos.min() < 0 or age.min() < 1 or age.max() > _WINDOW):
        rows = np.flatnonzero((pos >= 0) & (age >= 1) & (age <= _WINDOW))
        pos, age = pos[rows], age[rows]
    columns = {col: _float_column(alt, col, rows) for col in _COLUMNS}
    results: dict[str, np.ndarray] = {}
    for lo, hi, start, end in _blocks(pos, n):
        block = {col: values[start:end] for col, values in columns.items()}
        monthly = _Monthly(hi - lo, pos[start:end] - lo, age[start:end], block)
        for name, values in _window_features(monthly).items():
            if lo == 0 and hi == n:
                results[name] = values
            else:
                results.setdefault(name, np.empty(n))[lo:hi] = values
    out.update(results)
