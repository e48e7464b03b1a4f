"""The features of a set of enterprises as column arrays, with their enterprise ids."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from industry_credit.ml.columns import Coded, ColumnTable, column_to_pandas


@dataclass(frozen=True)
class FeatureTable:
    """``columns`` holds every feature in ``FEATURE_DOCS`` order: float64 numbers (NaN:
    unknown), bool flags and ``Coded`` categories; row i belongs to enterprise ``ids[i]``."""

    ids: npt.NDArray[np.int64]
    columns: ColumnTable

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, name: str) -> Any:
        return self.columns[name]

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    def take(self, rows: npt.NDArray[np.intp]) -> FeatureTable:
        return FeatureTable(self.ids[rows], self.columns.take(rows))

    def with_columns(self, **columns: Any) -> FeatureTable:
        return FeatureTable(self.ids, self.columns.with_columns(**columns))

    def to_pandas(self) -> pd.DataFrame:
        """A DataFrame indexed by ``enterprise_id`` (training, reports): categories as pandas
        Categoricals over the vocabulary."""
        return self.columns.to_pandas(index=pd.Index(self.ids, name="enterprise_id"))

    def records(self) -> list[dict[str, Any]]:
        """Each row as a JSON-ready dict (NaN and inf as None, codes as text)."""
        names = self.names
        by_kind: dict[str, list[str]] = {"f": [], "b": []}
        plain: dict[str, list[Any]] = {}
        for name in names:
            column = self.columns[name]
            kind: str = "c" if isinstance(column, Coded) else str(np.asarray(column).dtype.kind)
            if kind in by_kind:
                by_kind[kind].append(name)
            else:
                plain[name] = plain_list(column)
        # Numbers and flags leave numpy in one conversion each, not one per column.
        for kind, group in by_kind.items():
            if group:
                stacked = np.vstack([np.asarray(self.columns[c]) for c in group]).tolist()
                for name, values in zip(group, stacked, strict=True):
                    plain[name] = (
                        [v if math.isfinite(v) else None for v in values] if kind == "f" else values
                    )
        columns = [plain[name] for name in names]
        return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]

    def iter_plain(self, name: str) -> Iterator[Any]:
        return iter(plain_list(self.columns[name]))


def plain_list(column: Any) -> list[Any]:
    """A column as JSON-ready Python values."""
    if isinstance(column, Coded):
        return column.labels()
    values = np.asarray(column).tolist()
    if np.asarray(column).dtype.kind == "f":
        return [v if math.isfinite(v) else None for v in values]
    return list(values)


def from_pandas(frame: pd.DataFrame) -> FeatureTable:
    """A feature DataFrame (tests, external callers) as a FeatureTable; pandas Categoricals and
    object columns of text become ``Coded`` over their categories."""
    columns: dict[str, Any] = {}
    for name in frame.columns:
        series = frame[name]
        if isinstance(series.dtype, pd.CategoricalDtype):
            categories = tuple(str(c) for c in series.cat.categories)
            columns[name] = Coded(series.cat.codes.to_numpy().astype(np.int16), categories)
        else:
            columns[name] = series.to_numpy()
    ids = np.asarray(frame.index.to_numpy(), dtype=np.int64)
    return FeatureTable(ids, ColumnTable(columns, len(frame)))


__all__ = ["FeatureTable", "column_to_pandas", "from_pandas", "plain_list"]
