"""Write one chunk's results: COPY into a temporary staging table, then upsert into the date's
partition of ``rescore_results``, then checkpoint.

The caller runs all three in one transaction, so a chunk is either fully written with its
checkpoint row or not at all; a crash anywhere leaves the database as if the chunk never ran.
The upsert (``ON CONFLICT (as_of, enterprise_id) DO UPDATE``) keeps one row per enterprise and
date even if a chunk were written twice.
"""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv

from industry_credit.batch.partitions import partition_name

RESULT_COLUMNS = (
    "as_of",
    "enterprise_id",
    "run_id",
    "pd",
    "grade",
    "outcome",
    "stage",
    "flags",
    "contagion_score",
    "pd_standalone",
    "grade_standalone",
    "previous_grade",
    "notches",
    "distress",
    "reasons",
    "flag_evidence",
)
# The second (contagion) pass replaces the decision and keeps the standalone figures.
SECOND_PASS_COLUMNS = (
    "pd",
    "grade",
    "outcome",
    "stage",
    "flags",
    "contagion_score",
    "notches",
    "reasons",
    "flag_evidence",
)
STAGING = "rescore_staging"

_CREATE_STAGING = (
    f"CREATE TEMP TABLE IF NOT EXISTS {STAGING}"
    " (LIKE rescore_results INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
)
_COPY = f"COPY {STAGING} ({', '.join(RESULT_COLUMNS)}) FROM STDIN WITH (FORMAT csv)"


def _upsert(table: str) -> str:
    return (
        f"INSERT INTO {table} ({', '.join(RESULT_COLUMNS)})"
        f" SELECT {', '.join(RESULT_COLUMNS)} FROM {STAGING}"
        " ON CONFLICT (as_of, enterprise_id) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in RESULT_COLUMNS[2:])
    )


_UPDATE = (
    "UPDATE rescore_results r SET "
    + ", ".join(f"{c} = s.{c}" for c in SECOND_PASS_COLUMNS)
    + f" FROM {STAGING} s"
    " WHERE r.as_of = s.as_of AND r.enterprise_id = s.enterprise_id AND r.run_id = s.run_id"
)


def _pg_text_array(results: pd.DataFrame) -> npt.NDArray[np.object_]:
    """Each row's flags as a PostgreSQL array literal, formatted once per flag set.

    ``flag_set`` numbers the distinct flag lists (``compute.score_chunk``). Flag codes are
    identifiers ([a-z0-9_]), so they need no quoting inside the literal."""
    flag_set = results["flag_set"].to_numpy(dtype=np.int64)
    _, first, codes = np.unique(flag_set, return_index=True, return_inverse=True)
    flags = results["flags"].to_numpy(dtype=object)
    texts = np.array(["{" + ",".join(flags[row]) + "}" for row in first], dtype=object)
    out: npt.NDArray[np.object_] = texts[codes.reshape(-1)]
    return out


def to_csv(results: pd.DataFrame, *, as_of: date, run_id: str) -> bytes:
    """The result frame as CSV in ``RESULT_COLUMNS`` order (floats round-trip exactly).

    Written by Arrow's C++ CSV writer (shortest round-trip float text; NaN and None as empty,
    i.e. NULL): pandas' writer formats each value in Python and cost more than the upsert.
    """
    n = len(results)
    columns = {
        "as_of": pa.array([as_of.isoformat()] * n, type=pa.string()),
        "run_id": pa.array([run_id] * n, type=pa.string()),
        "flags": pa.array(_pg_text_array(results), type=pa.string()),
        "notches": pa.array(
            results["notches"].round().to_numpy(), type=pa.int64(), from_pandas=True
        ),
    }
    for name in RESULT_COLUMNS:
        if name not in columns:
            columns[name] = pa.array(results[name].to_numpy(), from_pandas=True)
    table = pa.table({name: columns[name] for name in RESULT_COLUMNS})
    buf = io.BytesIO()
    pa_csv.write_csv(table, buf, pa_csv.WriteOptions(include_header=False))
    return buf.getvalue()


def write_chunk(
    cur: psycopg.Cursor[Any],
    results: pd.DataFrame,
    *,
    as_of: date,
    run_id: str,
    chunk_no: int,
    seconds: float,
    stats: dict[str, Any],
    second_pass: bool,
) -> None:
    """Stage, upsert and checkpoint one chunk; the caller commits."""
    cur.execute(_CREATE_STAGING)
    with cur.copy(_COPY) as copy:
        copy.write(to_csv(results, as_of=as_of, run_id=run_id))
    # First pass: into the date's partition, still detached (see partitions.py). Second pass:
    # through the parent, once the partition is attached.
    cur.execute(_UPDATE if second_pass else _upsert(partition_name(as_of)))
    cur.execute(
        "INSERT INTO batch_checkpoints (run_id, chunk_no, rows_scored, seconds, stats)"
        " VALUES (%s, %s, %s, %s, %s::jsonb)",
        (run_id, chunk_no, len(results), seconds, json.dumps(stats, allow_nan=False)),
    )
    cur.execute(f"TRUNCATE {STAGING}")


def done_chunks(cur: psycopg.Cursor[Any], run_id: str) -> set[int]:
    cur.execute("SELECT chunk_no FROM batch_checkpoints WHERE run_id = %s", (run_id,))
    return {int(row[0]) for row in cur.fetchall()}
