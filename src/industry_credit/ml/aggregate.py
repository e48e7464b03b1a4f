"""Child tables to one value per enterprise, in numpy: the building blocks of ``features``.

Aggregations use ``np.bincount`` on each child row's enterprise position rather than
``groupby``: it is O(rows), has no per-group Python cost and keeps the single-application path
cheap. Every ratio goes through :func:`safe_div` (NaN when the denominator is 0 or missing, never
inf); LightGBM routes NaN to the learned missing branch, so "unknown" is a value of its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def safe_div(num: np.ndarray | pd.Series, den: np.ndarray | pd.Series) -> np.ndarray:
    """``num / den`` as float64, NaN where ``den`` is 0 or NaN or the result is not finite."""
    n = np.asarray(num, dtype=np.float64)
    d = np.asarray(den, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = n / d
    out[~np.isfinite(out) | (d == 0)] = np.nan
    return out


def flag(values: pd.Series) -> np.ndarray:
    return values.fillna(False).to_numpy(dtype=bool)


class Agg:
    """Per-enterprise sums of a child table via bincount on the parent row position."""

    def __init__(self, n: int, pos: np.ndarray, mask: np.ndarray | None = None):
        keep = pos >= 0 if mask is None else (pos >= 0) & mask
        self.pos = pos[keep]
        self.keep = keep
        self.n = n

    def sum(self, values: np.ndarray | pd.Series) -> np.ndarray:
        v = np.asarray(values, dtype=np.float64)[self.keep]
        # Missing values add nothing. An infinite input stays infinite, so the ratios built on
        # it come out NaN (unknown) through safe_div rather than as a huge finite number.
        return np.bincount(self.pos, weights=np.where(np.isnan(v), 0.0, v), minlength=self.n)

    def count(self) -> np.ndarray:
        return np.bincount(self.pos, minlength=self.n).astype(np.float64)

    def max(self, values: np.ndarray | pd.Series) -> np.ndarray:
        out = np.full(self.n, np.nan)
        v = np.asarray(values, dtype=np.float64)[self.keep]
        ok = ~np.isnan(v)
        np.fmax.at(out, self.pos[ok], v[ok])
        return out


def positions(ids: pd.Index, child_ids: pd.Series) -> np.ndarray:
    """Row position of each child row's enterprise in ``ids`` (-1 for unknown enterprises)."""
    values = child_ids.to_numpy()
    if len(values) > 1 and values.dtype.kind in "iu" and bool((values[1:] >= values[:-1]).all()):
        # Rows grouped by enterprise (Parquet, the batch reader): look each run up once and
        # repeat it, instead of hashing every row (24 rows a firm in the monthly panel).
        starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
        runs = np.diff(np.r_[starts, len(values)])
        return np.repeat(np.asarray(ids.get_indexer(pd.Index(values[starts]))), runs)
    return np.asarray(ids.get_indexer(pd.Index(child_ids)))


class Aligned:
    """Columns of a one-row-per-enterprise selection of a table, aligned to the enterprise order.

    Plain numpy scatter instead of ``set_index().reindex()``: a fraction of the cost for one
    application and for a million. If an enterprise has several rows, the last one counts.
    """

    def __init__(self, n: int, frame: pd.DataFrame, pos: np.ndarray, rows: np.ndarray):
        self.n, self.frame = n, frame
        self.src: np.ndarray | slice
        self.dst: np.ndarray | slice
        if len(rows) == n == len(frame) and bool((pos[rows] == np.arange(n)).all()):
            # Row i is enterprise i (a one-row-per-firm table in the enterprises' order, as
            # Parquet and the batch reader give it): columns are taken whole, nothing is sorted.
            self.src = self.dst = slice(None)
            return
        rows = rows[pos[rows] >= 0]
        dst = pos[rows]
        _, first_from_end = np.unique(dst[::-1], return_index=True)
        self.src = rows[len(rows) - 1 - first_from_end]
        self.dst = pos[self.src]

    @classmethod
    def table(cls, ids: pd.Index, frame: pd.DataFrame) -> Aligned:
        return cls(len(ids), frame, positions(ids, frame["enterprise_id"]), np.arange(len(frame)))

    def num(self, col: str, fill: float = np.nan) -> np.ndarray:
        out = np.full(self.n, fill)
        values = self.frame[col].to_numpy(dtype=np.float64, na_value=np.nan)[self.src]
        out[self.dst] = np.where(np.isnan(values), fill, values)
        return out

    def flag(self, col: str) -> np.ndarray:
        out = np.zeros(self.n, dtype=bool)
        out[self.dst] = flag(self.frame[col])[self.src]
        return out

    def lists(self, col: str) -> pa.ListArray:
        """A list-of-strings column as an Arrow list array in enterprise order (null: no row).

        Arrow-backed list columns (Parquet, the batch reader) are taken without ever becoming
        Python objects; a column of Python lists (documents) is converted once.
        """
        column = self.frame[col]
        if isinstance(column.dtype, pd.ArrowDtype):
            source = pa.chunked_array(pa.array(column.array)).combine_chunks()
        else:
            source = pa.array(
                column.to_numpy(dtype=object), type=pa.list_(pa.string()), from_pandas=True
            )
        if isinstance(self.src, slice):
            taken = source
        else:
            index = np.full(self.n, -1, dtype=np.int64)
            index[self.dst] = self.src
            taken = pc.take(source, pa.array(index, mask=index < 0))
        return taken.cast(pa.list_(pa.string()))

    def obj(self, col: str) -> np.ndarray:
        out = np.full(self.n, None, dtype=object)
        out[self.dst] = self.frame[col].to_numpy(dtype=object)[self.src]
        return out
