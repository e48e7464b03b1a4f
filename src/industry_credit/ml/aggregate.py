"""Child tables to one value per enterprise, in numpy: the building blocks of ``features``.

Aggregations use ``np.bincount`` on each child row's enterprise position: it is O(rows), has no
per-group Python cost and keeps the single-application path cheap. Every ratio goes through :func:`safe_div` (NaN when the denominator is 0 or missing, never
inf); LightGBM routes NaN to the learned missing branch, so "unknown" is a value of its own.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from industry_credit.ml.columns import CodeCounts, Coded, ColumnTable, positions


def safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` as float64, NaN where ``den`` is 0 or NaN or the result is not finite."""
    n = np.asarray(num, dtype=np.float64)
    d = np.asarray(den, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = n / d
    out[~np.isfinite(out) | (d == 0)] = np.nan
    return out


def ratios(pairs: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, np.ndarray]:
    """Several ``safe_div`` in one stacked division: the same quotients, in a few numpy calls
    instead of a few per ratio (what one application's decision mostly pays for)."""
    names = list(pairs)
    if not names:
        return {}
    numerators = np.vstack([np.asarray(pairs[k][0], dtype=np.float64) for k in names])
    denominators = np.vstack([np.asarray(pairs[k][1], dtype=np.float64) for k in names])
    return dict(zip(names, safe_div(numerators, denominators), strict=True))


class Agg:
    """Per-enterprise sums of a child table via bincount on the parent row position."""

    def __init__(self, n: int, pos: np.ndarray, mask: np.ndarray | None = None):
        keep = pos >= 0 if mask is None else (pos >= 0) & mask
        self.pos = pos[keep]
        self.keep = keep
        self.n = n

    def sum(self, values: np.ndarray) -> np.ndarray:
        v = np.asarray(values, dtype=np.float64)[self.keep]
        # Missing values add nothing. An infinite input stays infinite, so the ratios built on
        # it come out NaN (unknown) through safe_div rather than as a huge finite number.
        return np.bincount(self.pos, weights=np.where(np.isnan(v), 0.0, v), minlength=self.n)

    def count(self) -> np.ndarray:
        return np.bincount(self.pos, minlength=self.n).astype(np.float64)

    def max(self, values: np.ndarray) -> np.ndarray:
        out = np.full(self.n, np.nan)
        v = np.asarray(values, dtype=np.float64)[self.keep]
        ok = ~np.isnan(v)
        np.fmax.at(out, self.pos[ok], v[ok])
        return out


class Aligned:
    """Columns of a one-row-per-enterprise selection of a table, aligned to the enterprise order.

    Plain numpy scatter: the same cost structure for one application and a million. If an
    enterprise has several rows, the last one counts.
    """

    def __init__(self, n: int, table: ColumnTable, pos: np.ndarray, rows: np.ndarray):
        self.n, self.table = n, table
        self.src: np.ndarray | slice
        self.dst: np.ndarray | slice
        if len(rows) == n == table.n and bool((pos[rows] == np.arange(n)).all()):
            # Row i is enterprise i (a one-row-per-firm table in the enterprises' order, as
            # documents, Parquet and the batch reader give it): columns are taken whole.
            self.src = self.dst = slice(None)
            return
        rows = rows[pos[rows] >= 0]
        dst = pos[rows]
        _, first_from_end = np.unique(dst[::-1], return_index=True)
        self.src = rows[len(rows) - 1 - first_from_end]
        self.dst = pos[self.src]

    @classmethod
    def table_of(cls, ids: np.ndarray, table: ColumnTable) -> Aligned:
        return cls(len(ids), table, positions(ids, table["enterprise_id"]), np.arange(table.n))

    def num(self, col: str, fill: float = np.nan) -> np.ndarray:
        out = np.full(self.n, fill)
        values = np.asarray(self.table[col], dtype=np.float64)[self.src]
        out[self.dst] = np.where(np.isnan(values), fill, values)
        return out

    def flag(self, col: str) -> np.ndarray:
        out = np.zeros(self.n, dtype=bool)
        out[self.dst] = np.asarray(self.table[col], dtype=bool)[self.src]
        return out

    def coded(self, col: str) -> Coded:
        column: Coded = self.table[col]
        codes = np.full(self.n, -1, dtype=np.int16)
        codes[self.dst] = column.codes[self.src]
        return Coded(codes, column.categories)

    def counts(self, col: str) -> CodeCounts:
        column: CodeCounts = self.table[col]
        out = np.zeros((self.n, len(column.vocabulary)), dtype=np.int16)
        out[self.dst] = column.counts[self.src]
        return CodeCounts(out, column.vocabulary)
