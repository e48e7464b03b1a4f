"""Query results as CSV text parsed into DataFrames by Arrow's C++ reader.

Two ways to get the text out of PostgreSQL, both giving the same bytes for the same rows:

* ``COPY (query) TO STDOUT (FORMAT csv, HEADER)``, which the server sends one message per row;
  psycopg hands each message to Python, about half a microsecond a row.
* One ``string_agg`` of the rows formatted by the same output functions, fetched as a single
  value. The client's share of the reading thread (which holds the GIL while it handles rows,
  stalling the computation it is meant to overlap) drops to a fifth, for a little more work on
  the server (figures in docs/benchmarks.md, "Why the batch reads as it does"). It is only used for tables of
  numbers and dates: they never need CSV quoting, and their text casts are the output
  functions COPY uses, so the text is what COPY would have sent (text would need quoting, and
  a boolean's cast gives ``true`` where COPY gives ``t``).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv

# Codes that may look like numbers but must stay text (a USCC can be all digits).
_TEXT_COLUMNS = ("uscc", "counterparty_uscc", "grade", "previous_grade")
_CSV_CONVERT = pa_csv.ConvertOptions(
    true_values=["t"],
    false_values=["f"],
    null_values=[""],
    strings_can_be_null=True,
    quoted_strings_can_be_null=False,
    column_types=dict.fromkeys(_TEXT_COLUMNS, pa.string()),
)


def parse_csv(data: bytes | memoryview, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """CSV as a DataFrame: dates and timestamps as datetime64 columns, booleans from
    PostgreSQL's t/f, empty fields as missing. The first line names the columns unless
    ``columns`` does. Arrow releases the GIL."""
    names = pa_csv.ReadOptions(column_names=list(columns)) if columns is not None else None
    table = pa_csv.read_csv(pa.BufferReader(data), read_options=names, convert_options=_CSV_CONVERT)
    frame: pd.DataFrame = table.to_pandas(date_as_object=False)
    return frame


def copy_frame(
    cur: psycopg.Cursor[Any], query: str, params: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Run ``COPY (query) TO STDOUT`` as CSV and parse it into a DataFrame."""
    buf = io.BytesIO()
    with cur.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)", params) as copy:
        for data in copy:
            buf.write(data)
    return parse_csv(buf.getbuffer())


def aggregated_frame(
    cur: psycopg.Cursor[Any],
    query: str,
    columns: Sequence[str],
    key: Sequence[str],
    params: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """The rows of ``query`` (selecting ``columns``: numbers and dates) fetched as one value.

    ``key`` is the query's ORDER BY, unique per row. An aggregate's input order is not
    guaranteed by SQL, so the frame is checked against the key and sorted if it arrived out
    of order: the result is the query's order whatever the plan did.
    """
    fields = ", ".join(f"COALESCE(({c})::text, '')" for c in columns)
    cur.execute(
        f"SELECT convert_to(string_agg(concat_ws(',', {fields}), E'\\n'), 'UTF8')"
        f" FROM ({query}) AS chunk_rows",
        params,
        binary=True,
    )
    row = cur.fetchone()
    if row is None or row[0] is None:  # no rows: the frame COPY gives, a header alone
        return parse_csv(",".join(columns).encode("ascii") + b"\n")
    return in_key_order(parse_csv(row[0], columns), key)


def in_key_order(frame: pd.DataFrame, key: Sequence[str]) -> pd.DataFrame:
    """``frame`` ordered by the unique ``key`` columns (unchanged when already in order)."""
    if len(frame) < 2:
        return frame
    values = [frame[c].to_numpy() for c in key]
    # Row i+1 follows row i when some key column is greater and every earlier one is equal.
    ahead = np.zeros(len(frame) - 1, dtype=bool)
    tied = np.ones(len(frame) - 1, dtype=bool)
    for v in values:
        ahead |= tied & (v[1:] > v[:-1])
        tied &= v[1:] == v[:-1]
    if bool(ahead.all()):
        return frame
    order = np.lexsort(values[::-1])
    return frame.take(order).reset_index(drop=True)
