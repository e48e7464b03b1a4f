"""The model's explicit input schema, validated before every score.

Each feature is ``numeric`` (float64; NaN = unknown), ``bool`` (0/1) or ``category`` (a fixed,
ordered list of codes seen in training, encoded as 0..k-1 floats). Bad input raises
:class:`FeatureSchemaError` naming the column and the offending rows. A category never seen in
training is *not* an error (a new district code must not stop lending): it is encoded as NaN,
which LightGBM routes down the same branch as a missing value, and it is reported back to the
caller per row (``unseen``) so that the decision can show it. ``strict=True`` makes it an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from industry_credit.ml.columns import Coded

Kind = Literal["numeric", "bool", "category"]
_MAX_ROWS_IN_MESSAGE = 10
# Small inputs (the API) encode categories through a dict; large ones through a pandas Index.
_DICT_LOOKUP_MAX_ROWS = 64


class FeatureSchemaError(ValueError):
    def __init__(self, column: str, rows: Sequence[Any], problem: str):
        self.column = column
        self.rows = list(rows)
        shown = ", ".join(str(r) for r in self.rows[:_MAX_ROWS_IN_MESSAGE])
        more = f" and {len(self.rows) - _MAX_ROWS_IN_MESSAGE} more" if len(self.rows) > 10 else ""
        super().__init__(f"column {column!r}: {problem} (rows: {shown}{more})")


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    kind: Kind
    categories: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.kind == "category":
            out["categories"] = list(self.categories)
        return out


@dataclass
class Encoded:
    """The float64 model matrix and, per column, the row positions with an unseen category."""

    matrix: np.ndarray
    unseen: dict[str, dict[int, str]] = field(default_factory=dict)

    def unseen_by_row(self, n: int) -> np.ndarray:
        """Per row, ``"column=value; ..."`` for the unseen categories it carried ('' if none)."""
        notes = np.full(n, "", dtype=object)
        for column, rows in self.unseen.items():
            for pos, value in rows.items():
                sep = "; " if notes[pos] else ""
                notes[pos] = f"{notes[pos]}{sep}{column}={value}"
        return notes


class FeatureSchema:
    def __init__(self, specs: Sequence[FeatureSpec]):
        self.specs = tuple(specs)
        self.names = [s.name for s in self.specs]
        # Precomputed once: serving never re-derives a category map.
        self._code_maps = {
            s.name: {c: float(i) for i, c in enumerate(s.categories)}
            for s in self.specs
            if s.kind == "category"
        }
        self._code_index = {
            s.name: pd.Index(list(s.categories), dtype=object)
            for s in self.specs
            if s.kind == "category"
        }
        # (feature, categories of the input) -> model code of each input code (+ missing).
        self._code_tables: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}

    @property
    def categorical_indices(self) -> list[int]:
        return [i for i, s in enumerate(self.specs) if s.kind == "category"]

    @classmethod
    def infer(
        cls,
        frame: pd.DataFrame,
        categorical: Iterable[str] = (),
        boolean: Iterable[str] = (),
        categories: Mapping[str, Sequence[str]] | None = None,
    ) -> FeatureSchema:
        """Schema of a training frame; category lists are given or taken as sorted values seen."""
        cats, bools = set(categorical), set(boolean)
        specs = []
        for name in frame.columns:
            if name in cats:
                given = (categories or {}).get(name)
                values = given if given is not None else sorted(frame[name].dropna().unique())
                specs.append(FeatureSpec(name, "category", tuple(str(v) for v in values)))
            elif name in bools:
                specs.append(FeatureSpec(name, "bool"))
            else:
                specs.append(FeatureSpec(name, "numeric"))
        return cls(specs)

    def to_json(self) -> list[dict[str, Any]]:
        return [s.to_json() for s in self.specs]

    @classmethod
    def from_json(cls, data: list[dict[str, Any]]) -> FeatureSchema:
        return cls(
            [FeatureSpec(d["name"], d["kind"], tuple(d.get("categories", ()))) for d in data]
        )

    def encode(self, frame: pd.DataFrame, strict: bool = False) -> Encoded:
        """Validate ``frame`` and build the float64 model matrix in schema column order."""
        missing = [n for n in self.names if n not in frame.columns]
        if missing:
            raise FeatureSchemaError(missing[0], list(frame.index), "column is missing")
        result = Encoded(np.empty((len(frame), len(self.specs)), dtype=np.float64))
        columns = []
        for spec in self.specs:
            col = frame[spec.name]
            if spec.kind == "numeric":
                columns.append(_encode_numeric(spec.name, col))
            elif spec.kind == "bool":
                columns.append(_encode_bool(spec.name, col))
            else:
                columns.append(self._encode_category(spec.name, col, result, strict))
        _fill_rows(result.matrix, columns)
        return result

    def encode_columns(self, columns: Mapping[str, Any], n: int, strict: bool = False) -> Encoded:
        """The float64 model matrix from column arrays (``FeatureTable``): numbers and flags
        are copied; ``Coded`` categories map through a table built once per model and vocabulary,
        so no value is hashed per row."""
        missing = [name for name in self.names if name not in columns]
        if missing:
            raise FeatureSchemaError(missing[0], list(range(n)), "column is missing")
        result = Encoded(np.empty((n, len(self.specs)), dtype=np.float64))
        parts = []
        for spec in self.specs:
            value = columns[spec.name]
            if spec.kind == "category":
                parts.append(self._encode_coded(spec.name, value, result, strict))
            else:
                parts.append(np.asarray(value, dtype=np.float64))
        _fill_rows(result.matrix, parts)
        inf = np.isinf(result.matrix)
        if inf.any():
            column = self.names[int(np.flatnonzero(inf.any(axis=0))[0])]
            rows = np.flatnonzero(inf[:, self.names.index(column)]).tolist()
            raise FeatureSchemaError(column, rows, "value is infinite")
        return result

    def _encode_coded(self, name: str, value: Coded, result: Encoded, strict: bool) -> np.ndarray:
        key = (name, value.categories)
        table = self._code_tables.get(key)
        if table is None:
            lookup = self._code_maps[name]
            # The appended -1.0 is what code -1 (missing) picks up.
            table = np.array(
                [lookup.get(c, -1.0) for c in value.categories] + [-1.0], dtype=np.float64
            )
            self._code_tables[key] = table
        raw = value.codes
        codes = table[raw]
        unseen = (raw >= 0) & (codes < 0)
        names = np.asarray(value.categories, dtype=object)
        rows = np.arange(len(raw))
        return _unseen_as_missing(
            name, rows, codes, unseen, lambda m: names[raw[m]], result, strict
        )

    def _encode_category(
        self, name: str, col: pd.Series, result: Encoded, strict: bool
    ) -> np.ndarray:
        if isinstance(col.dtype, pd.CategoricalDtype):
            return self._encode_categorical_dtype(name, col, result, strict)
        values = col.to_numpy(dtype=object)
        present = pd.notna(values)
        # infer_dtype scans in C; the per-value check only runs when something is off.
        if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
            bad = present & np.array([not isinstance(v, str) for v in values], dtype=bool)
        else:
            bad = np.zeros(len(values), dtype=bool)
        if bad.any():
            raise FeatureSchemaError(name, list(col.index[bad]), "category codes must be strings")
        if len(values) <= _DICT_LOOKUP_MAX_ROWS:
            lookup = self._code_maps[name]
            codes = np.array([lookup.get(v, -1.0) for v in values], dtype=np.float64)
        else:
            codes = self._code_index[name].get_indexer(pd.Index(values)).astype(np.float64)
        unseen = present & (codes < 0)
        return _unseen_as_missing(
            name, col.index, codes, unseen, lambda m: values[m], result, strict
        )

    def _encode_categorical_dtype(
        self, name: str, col: pd.Series, result: Encoded, strict: bool
    ) -> np.ndarray:
        """A pandas Categorical maps its few categories, not its rows: no per-row hashing."""
        categories = col.cat.categories
        raw = col.cat.codes.to_numpy()
        not_text = np.flatnonzero([not isinstance(c, str) for c in categories])
        if len(not_text):
            bad = np.isin(raw, not_text)
            raise FeatureSchemaError(name, list(col.index[bad]), "category codes must be strings")
        lookup = self._code_maps[name]
        # The appended -1.0 is what code -1 (missing) picks up.
        table = np.array([lookup.get(c, -1.0) for c in categories] + [-1.0], dtype=np.float64)
        codes = table[raw]
        names = np.asarray(categories, dtype=object)
        unseen = (raw >= 0) & (codes < 0)
        return _unseen_as_missing(
            name, col.index, codes, unseen, lambda m: names[raw[m]], result, strict
        )


def _unseen_as_missing(
    name: str,
    index: Any,
    codes: np.ndarray,
    unseen: np.ndarray,
    labels: Callable[[np.ndarray], np.ndarray],
    result: Encoded,
    strict: bool,
) -> np.ndarray:
    """Categories not seen in training: an error when ``strict``; otherwise NaN (LightGBM's
    missing branch), with each row's value (``labels`` of the unseen mask) in ``result.unseen``."""
    if unseen.any():
        if strict:
            raise FeatureSchemaError(name, list(index[unseen]), "category not seen in training")
        positions = np.flatnonzero(unseen).tolist()
        result.unseen[name] = dict(zip(positions, labels(unseen), strict=True))
    codes[codes < 0] = np.nan
    return codes


# (2048 rows x ~80 features) float64 is ~1.3 MB: a band fits a core's 2 MB L2 cache.
_ROW_BAND = 2048
_FEW_ROWS = 64


def _fill_rows(matrix: np.ndarray, columns: list[np.ndarray]) -> None:
    """Column j of ``matrix`` (row-major, as LightGBM takes it) := ``columns[j]``, a band of
    rows at a time. Writing whole columns strides across the full matrix once per column, so
    each cache line is fetched once per column; a band of rows stays in cache while every
    column is written into it. A few rows are stacked in one call instead of one per column."""
    if len(matrix) <= _FEW_ROWS:
        if len(matrix):
            np.copyto(matrix, np.vstack(columns).T)
        return
    for start in range(0, len(matrix), _ROW_BAND):
        band = matrix[start : start + _ROW_BAND]
        for j, values in enumerate(columns):
            band[:, j] = values[start : start + _ROW_BAND]


def _encode_numeric(name: str, col: pd.Series) -> np.ndarray:
    if col.dtype == np.float64:
        values = col.to_numpy()  # no copy: only read, and NaN already marks missing
    elif col.dtype.kind in "fiub":
        values = col.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.isnan(values) & col.notna().to_numpy()
        if bad.any():
            raise FeatureSchemaError(name, list(col.index[bad]), "value is not a number")
    inf = np.isinf(values)
    if inf.any():
        raise FeatureSchemaError(name, list(col.index[inf]), "value is infinite")
    return values


def _encode_bool(name: str, col: pd.Series) -> np.ndarray:
    if col.dtype.kind == "b":
        return col.to_numpy(dtype=np.float64)
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isin(values, (0.0, 1.0))
    if bad.any():
        raise FeatureSchemaError(name, list(col.index[bad]), "value is not a boolean")
    return values
