"""Column arrays: the decision kernel's data, one plain array per column and no pandas.

A ``ColumnTable`` maps column names to equal-length arrays:
- numbers as float64 or integer arrays (NaN marks a missing float);
- booleans as bool arrays;
- codes from a vocabulary as ``Coded`` (int16 positions in the vocabulary, -1 = missing);
- lists of codes (a loan's collateral) as ``CodeCounts`` (how often each code occurs per row);
- text (USCCs, names) as object arrays (documents) or Arrow string arrays (Parquet, the batch);
- dates as ``datetime64[D]``.

One row and a million rows take the same arrays through the same functions. pandas and Arrow
stay at the edges: ``from_arrow`` and ``from_pandas`` convert whole columns once, and
``to_pandas`` serves training and reports.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from industry_credit.tables import Column, Table

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Coded:
    """Codes of a vocabulary column: ``codes[i]`` is the position of row i's value in
    ``categories`` (-1: missing). The vocabulary comes first; values outside it, which only a
    pandas edge can bring, follow it in sorted order so that the scorer can still name them."""

    codes: npt.NDArray[np.int16]
    categories: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, rows: npt.NDArray[np.intp] | slice) -> Coded:
        return Coded(self.codes[rows], self.categories)

    def labels(self) -> list[str | None]:
        """Each row's value as text (None where missing)."""
        table = [*self.categories, None]
        return [table[c] for c in self.codes.tolist()]

    @classmethod
    def from_values(cls, values: Sequence[Any], vocabulary: tuple[str, ...]) -> Coded:
        """Codes of Python values (None and NaN: missing), through a dict: a few values cost
        microseconds."""
        lookup = _lookup(vocabulary)
        codes = [lookup.get(v, -2) if isinstance(v, str) else -1 for v in values]
        if -2 in codes:
            return cls._with_extras(values, vocabulary)
        return cls(np.array(codes, dtype=np.int16), vocabulary)

    @classmethod
    def _with_extras(cls, values: Sequence[Any], vocabulary: tuple[str, ...]) -> Coded:
        extras = sorted({v for v in values if isinstance(v, str) and v not in vocabulary})
        categories = (*vocabulary, *extras)
        lookup = {c: i for i, c in enumerate(categories)}
        codes = [lookup[v] if isinstance(v, str) else -1 for v in values]
        return cls(np.array(codes, dtype=np.int16), categories)

    @classmethod
    def from_arrow(cls, values: pa.Array | pa.ChunkedArray, vocabulary: tuple[str, ...]) -> Coded:
        """Codes of an Arrow string column, looked up in C++ (no Python object per row)."""
        found = pc.index_in(values, value_set=pa.array(vocabulary, type=pa.string()))
        codes = np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int16)
        unknown = (codes < 0) & ~np.asarray(
            pc.is_null(values).to_numpy(zero_copy_only=False), dtype=bool
        )
        if unknown.any():
            return cls._with_extras(values.to_pylist(), vocabulary)
        return cls(codes, vocabulary)


_LOOKUPS: dict[tuple[str, ...], dict[str, int]] = {}


def _lookup(vocabulary: tuple[str, ...]) -> dict[str, int]:
    table = _LOOKUPS.get(vocabulary)
    if table is None:
        table = {c: i for i, c in enumerate(vocabulary)}
        _LOOKUPS[vocabulary] = table
    return table


@dataclass(frozen=True)
class CodeCounts:
    """A list-of-codes column: ``counts[i, j]`` is how often ``vocabulary[j]`` occurs in row i."""

    counts: npt.NDArray[np.int16]
    vocabulary: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.counts)

    def take(self, rows: npt.NDArray[np.intp] | slice) -> CodeCounts:
        return CodeCounts(self.counts[rows], self.vocabulary)

    def of(self, codes: Sequence[str]) -> npt.NDArray[np.int64]:
        """Per row, the number of items among ``codes``."""
        columns = [self.vocabulary.index(c) for c in codes]
        return np.asarray(self.counts[:, columns].sum(axis=1), dtype=np.int64)

    def lists(self) -> list[list[str]]:
        """Each row's codes in vocabulary order (for the pandas edge)."""
        return [
            [code for code, k in zip(self.vocabulary, row, strict=True) for _ in range(k)]
            for row in self.counts.tolist()
        ]

    @classmethod
    def from_lists(cls, rows: Sequence[Sequence[str]], vocabulary: tuple[str, ...]) -> CodeCounts:
        lookup = _lookup(vocabulary)
        counts = np.zeros((len(rows), len(vocabulary)), dtype=np.int16)
        for i, row in enumerate(rows):
            for code in row:
                counts[i, lookup[code]] += 1
        return cls(counts, vocabulary)

    @classmethod
    def from_arrow(
        cls, lists: pa.ListArray | pa.ChunkedArray, vocabulary: tuple[str, ...]
    ) -> CodeCounts:
        """Counts of an Arrow list column, flattened and looked up in C++."""
        if isinstance(lists, pa.ChunkedArray):
            lists = lists.combine_chunks()
        n = len(lists)
        values = pc.list_flatten(lists)
        parents = np.asarray(pc.list_parent_indices(lists).to_numpy(), dtype=np.int64)
        found = pc.index_in(values, value_set=pa.array(vocabulary, type=pa.string()))
        codes = np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
        if (codes < 0).any():
            bad = sorted({v for v in values.to_pylist() if v not in vocabulary})
            raise ValueError(f"codes outside the vocabulary: {bad[:5]}")
        flat = np.bincount(parents * len(vocabulary) + codes, minlength=n * len(vocabulary))
        return cls(flat.reshape(n, len(vocabulary)).astype(np.int16), vocabulary)


class ColumnTable(Mapping[str, Any]):
    """Named, equal-length column arrays (see the module docstring for the kinds)."""

    __slots__ = ("_columns", "n")

    def __init__(self, columns: Mapping[str, Any], n: int | None = None):
        self._columns = dict(columns)
        if n is None:
            n = len(next(iter(self._columns.values()))) if self._columns else 0
        self.n = n

    def __getitem__(self, name: str) -> Any:
        return self._columns[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    def take(self, rows: npt.NDArray[np.intp]) -> ColumnTable:
        return ColumnTable({k: _take(v, rows) for k, v in self._columns.items()}, len(rows))

    def with_columns(self, **columns: Any) -> ColumnTable:
        return ColumnTable({**self._columns, **columns}, self.n)

    def to_pandas(self, index: Any = None) -> pd.DataFrame:
        """A DataFrame for training and reports: codes become pandas Categoricals."""
        data = {name: column_to_pandas(value) for name, value in self._columns.items()}
        return pd.DataFrame(data, index=index, copy=False)


def _take(value: Any, rows: npt.NDArray[np.intp]) -> Any:
    if isinstance(value, Coded | CodeCounts):
        return value.take(rows)
    if isinstance(value, pa.Array):
        return value.take(pa.array(rows))
    return value[rows]


def column_to_pandas(value: Any) -> Any:
    if isinstance(value, pa.Array):
        return value.to_numpy(zero_copy_only=False)
    if isinstance(value, Coded):
        return pd.Categorical.from_codes(
            value.codes, categories=pd.Index(list(value.categories), dtype=str)
        )
    if isinstance(value, CodeCounts):
        out = np.empty(len(value), dtype=object)
        out[:] = value.lists()
        return out
    return value


def positions(ids: npt.NDArray[np.int64], child_ids: npt.NDArray[np.integer[Any]]) -> Ints:
    """Row position in ``ids`` of each child row's enterprise id (-1: not among ``ids``).

    ``ids`` are unique. A binary search over the sorted ids serves one firm and a million alike
    with no hash table to build."""
    child = np.asarray(child_ids, dtype=np.int64)
    if len(ids) == 0 or len(child) == 0:
        return np.full(len(child), -1, dtype=np.int64)
    ordered = bool((ids[1:] > ids[:-1]).all()) if len(ids) > 1 else True
    if ordered and int(ids[-1]) - int(ids[0]) == len(ids) - 1:
        # Consecutive ids (a population or a document batch numbered 1..N): an offset, no search.
        offset = child - ids[0]
        inside = (offset >= 0) & (offset < len(ids))
        return np.where(inside, offset, -1).astype(np.int64)
    order = None if ordered else np.argsort(ids, kind="stable")
    sorted_ids = ids if order is None else ids[order]
    at = np.searchsorted(sorted_ids, child)
    at_clipped = np.minimum(at, len(ids) - 1)
    found = sorted_ids[at_clipped] == child
    pos = at_clipped if order is None else order[at_clipped]
    return np.where(found, pos, -1).astype(np.int64)


def column_from_arrow(column: Column, values: pa.Array | pa.ChunkedArray) -> Any:
    """One Arrow column as the kernel's array for its declared kind."""
    kind = column.kind
    if pa.types.is_dictionary(values.type):  # pandas Categoricals arrive dictionary-encoded
        values = values.cast(values.type.value_type)
    if pa.types.is_null(values.type):  # a column of nulls only has no type of its own in CSV
        values = values.cast(column.arrow_type)
    if kind == "code":
        assert column.vocabulary is not None
        return Coded.from_arrow(values, column.vocabulary)
    if kind == "codes":
        assert column.vocabulary is not None
        return CodeCounts.from_arrow(values, column.vocabulary)
    if kind == "text":
        # Kept in Arrow: a million USCCs as Python objects would cost more than their use.
        return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if kind == "date":
        return np.asarray(values.to_numpy(zero_copy_only=False)).astype("datetime64[D]")
    if kind == "bool" and column.nullable:
        # 1 / 0 / NaN: a nullable flag's NULL means "not reported", which is not false.
        return np.asarray(
            values.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64
        )
    if kind == "bool":
        return np.asarray(values.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    if kind in ("money", "float"):
        return np.asarray(
            values.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64
        )
    if values.null_count:
        return np.asarray(values.cast(pa.float64()).to_numpy(zero_copy_only=False))
    return np.asarray(values.to_numpy(zero_copy_only=False))


def table_from_arrow(table: Table, data: pa.Table, columns: Sequence[str]) -> ColumnTable:
    """The named columns of an Arrow table, converted by their declared kinds."""
    out = {name: column_from_arrow(table.column(name), data.column(name)) for name in columns}
    return ColumnTable(out, data.num_rows)


def table_from_pandas(table: Table, frame: pd.DataFrame, columns: Sequence[str]) -> ColumnTable:
    """The named columns of a DataFrame (tests, training data), through Arrow."""
    data = pa.Table.from_pandas(frame[list(columns)], preserve_index=False)
    return table_from_arrow(table, data, columns)
