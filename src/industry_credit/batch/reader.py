"""Read one chunk of enterprises out of PostgreSQL into the model's input frames.

Each table is read as CSV text (``COPY (SELECT ...) TO STDOUT``, or for the large tables without
text columns one aggregated value, see ``csvframes``) and parsed by Arrow's C++ reader: no
per-row Python in the parse. Every query filters on ``received_at`` (and statement years and
months) so that the batch sees the data as known on the as-of date, and orders its rows so that
the feature sums add up in the same order on every run (a resumed chunk gives identical floats).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
from psycopg.adapt import Dumper

from industry_credit.batch.csvframes import aggregated_frame, copy_frame
from industry_credit.batch.scope import Ids, Plan
from industry_credit.ml.frames import EnterpriseFrames
from industry_credit.tables import FEATURE_COLUMNS

# The loan a firm without an application is reviewed against: its exposure (or a nominal
# CNY 1M when it has none) as a 12-month working-capital line, so limits and tenor rules apply.
NOMINAL_AMOUNT = 1_000_000
NOMINAL_TENOR_MONTHS = 12
NOMINAL_PURPOSE = "working_capital"
BATCH_ENTERPRISE_COLUMNS = (
    ", ".join(FEATURE_COLUMNS["enterprises"]) + ", exposure::float8 AS exposure"
)


def _cols(columns: tuple[str, ...]) -> str:
    return ", ".join(columns)


# A chunk's ids lie between its first and last id. Saying so as well as listing them lets the
# planner estimate the rows from the range's histogram: from the list alone it multiplies the
# ids by a rows-per-id figure that ANALYZE's sample underestimates on the big child tables
# (3x on the monthly panel at 1M firms) and chose full scans and sorts over index scans.
_IN_CHUNK = "{col} BETWEEN %(lo)s AND %(hi)s AND {col} = ANY(%(ids)s)"


# Every chunk read is an index scan in id order over a few thousand to a few hundred thousand
# rows. For a list of 20k ids the planner costs one index descent per id and preferred bitmap
# scans with a sort, or (parallel) full scans, which were slower per chunk (docs/benchmarks.md);
# these settings last until the end of the read's transaction only.
_CHUNK_READ_SETTINGS = "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off"


def _child(table: str, columns: tuple[str, ...], where: str = "", order: str = "") -> str:
    return (
        f"SELECT {_cols(columns)} FROM {table}"
        f" WHERE {_IN_CHUNK.format(col='enterprise_id')} AND received_at < %(cutoff)s"
        f"{where} ORDER BY enterprise_id{order}"
    )


QUERIES: dict[str, str] = {
    "enterprises": f"SELECT {BATCH_ENTERPRISE_COLUMNS} FROM enterprises"
    f" WHERE {_IN_CHUNK.format(col='id')} ORDER BY id",
    "financial_statements": _child(
        "financial_statements",
        FEATURE_COLUMNS["financial_statements"],
        " AND fiscal_year <= %(year)s",
        ", fiscal_year",
    ),
    "supply_links": _child("supply_links", FEATURE_COLUMNS["supply_links"], order=", id"),
    "alternative_data_monthly": _child(
        "alternative_data_monthly",
        FEATURE_COLUMNS["alternative_data_monthly"],
        " AND month <= %(as_of)s",
        ", month",
    ),
    **{
        table: _child(table, FEATURE_COLUMNS[table])
        for table in ("intellectual_property", "policy_support", "green_data", "market_plans")
    },
    "loan_requests": f"""
SELECT e.id AS enterprise_id,
       COALESCE(a.amount::float8,
                CASE WHEN e.exposure > 0 THEN e.exposure::float8 ELSE %(nominal)s END) AS amount,
       COALESCE(a.tenor_months, %(tenor)s) AS tenor_months,
       COALESCE(a.purpose, %(purpose)s) AS purpose,
       COALESCE(a.collateral, '{{}}'::varchar[]) AS collateral,
       a.requested_product,
       -- Risk-sharing agreements live in the application document only; the nightly rescore
       -- does not credit them (documented in docs/rules.md).
       0.0::float8 AS risk_sharing_coverage,
       0.0::float8 AS government_risk_sharing_coverage,
       -- The nightly run reports the book against the portfolio limits instead of checking
       -- each firm already in it.
       NULL::float8 AS book_total_exposure,
       NULL::float8 AS book_sector_exposure,
       NULL::float8 AS book_district_exposure
FROM enterprises e
LEFT JOIN LATERAL (
    SELECT la.amount, la.tenor_months, la.purpose, la.collateral, la.requested_product
    FROM loan_applications la
    WHERE la.enterprise_id = e.id AND la.created_at < %(cutoff)s
    ORDER BY la.created_at DESC, la.id LIMIT 1
) a ON true
WHERE {_IN_CHUNK.format(col="e.id")} ORDER BY e.id
""",
}

# The latest rating the bank knew before this run: the previous run's result (dated at that
# run's data cut-off), an API decision, or (second pass only) this run's own standalone score.
KNOWN_SQL = """
known AS (
    SELECT r.enterprise_id, r.pd, r.grade, %(prev_cutoff)s::timestamptz AS ts, 2 AS src
    FROM targets t JOIN rescore_results r ON r.enterprise_id = t.id
    WHERE r.as_of = (SELECT b.as_of FROM batch_runs b WHERE b.id = %(prev_run)s::uuid)
      AND r.run_id = %(prev_run)s::uuid
    UNION ALL
    SELECT d.enterprise_id, d.pd, d.grade, d.decided_at, 1
    FROM targets t JOIN decisions d ON d.enterprise_id = t.id
    WHERE d.decided_at < %(cutoff)s
    UNION ALL
    SELECT r.enterprise_id, r.pd_standalone, r.grade_standalone, %(cutoff)s::timestamptz, 3
    FROM targets t JOIN rescore_results r ON r.enterprise_id = t.id
    WHERE r.as_of = %(as_of)s AND r.run_id = %(this_run)s::uuid AND r.pd_standalone IS NOT NULL
)"""

# The chunk's counterparties: the link's resolved id, or (a link written before its
# counterparty was known) the enterprise with that USCC, looked up one by one in the USCC index.
# A join on USCC would hash the whole enterprises table for every chunk.
COUNTERPARTY_RISK_SQL = f"""
WITH targets AS MATERIALIZED (
    SELECT DISTINCT ON (x.id) x.id, x.uscc FROM (
        SELECT COALESCE(l.counterparty_id,
                        (SELECT e.id FROM enterprises e WHERE e.uscc = l.counterparty_uscc))
                   AS id,
               l.counterparty_uscc AS uscc
        FROM supply_links l
        WHERE {_IN_CHUNK.format(col="l.enterprise_id")} AND l.received_at < %(cutoff)s
    ) x
    WHERE x.id IS NOT NULL
    ORDER BY x.id
), {KNOWN_SQL}
SELECT DISTINCT ON (k.enterprise_id) t.uscc AS counterparty_uscc, k.pd
FROM known k JOIN targets t ON t.id = k.enterprise_id
ORDER BY k.enterprise_id, k.ts DESC, k.src DESC, k.pd DESC
"""

PREVIOUS_SQL = f"""
WITH targets AS (SELECT unnest(%(ids)s) AS id), {KNOWN_SQL}
SELECT DISTINCT ON (k.enterprise_id) k.enterprise_id, k.grade AS previous_grade
FROM known k
ORDER BY k.enterprise_id, k.ts DESC, k.src DESC, k.pd DESC
"""


@dataclass(frozen=True)
class ChunkInput:
    """Everything one chunk's computation reads; the computation reads nothing else."""

    frames: EnterpriseFrames
    previous: pd.DataFrame  # enterprise_id, previous_grade: the latest rating before this run
    exposure: pd.DataFrame  # enterprise_id, exposure
    contagion: pd.DataFrame | None = None  # enterprise_id, contagion_score (second pass only)


def _pg_array(values: pd.Series) -> pd.Series:
    """PostgreSQL array text (``{a,b}``) of plain codes as an Arrow list column.

    Split in Arrow (C++): the codes are vocabulary words, never quoted or containing commas.
    """
    text = pa.array(values.astype(str).to_numpy(dtype=object), type=pa.string())
    inner = pc.utf8_slice_codeunits(text, 1, -1)
    lists = pc.split_pattern(pc.if_else(pc.equal(inner, ""), None, inner), ",")
    lists = pc.fill_null(lists, pa.scalar([], type=pa.list_(pa.string())))
    return pd.Series(lists, index=values.index, dtype=pd.ArrowDtype(lists.type))


# The chunk's largest reads of numbers and dates only (62 % and 10 % of its rows) come as one
# aggregated value each (see csvframes): their columns, and their ORDER BY, unique per row.
AGGREGATED_READS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "alternative_data_monthly": (
        FEATURE_COLUMNS["alternative_data_monthly"],
        ("enterprise_id", "month"),
    ),
    "financial_statements": (
        FEATURE_COLUMNS["financial_statements"],
        ("enterprise_id", "fiscal_year"),
    ),
}

# The chunk's reads in two groups of about equal server time, so the nightly batch can run them
# on two connections at once. The monthly panel, the largest read, is split into the halves of
# the chunk's ids ("name/0", "name/1"), one in each group (the reads' measured times, from which
# the groups were drawn, are in docs/benchmarks.md).
READ_GROUPS: tuple[tuple[str, ...], tuple[str, ...]] = (
    (
        "alternative_data_monthly/0",
        "enterprises",
        "loan_requests",
        "risk",
        "previous",
        "supply_links",
        "intellectual_property",
        "policy_support",
    ),
    (
        "alternative_data_monthly/1",
        "financial_statements",
        "green_data",
        "market_plans",
    ),
)
_EXTRA_QUERIES = {"risk": COUNTERPARTY_RISK_SQL, "previous": PREVIOUS_SQL}


class BigintArray(str):
    """Ids as the text of one PostgreSQL ``bigint[]`` (``{1,2,3}``), sent as a typed parameter.

    A chunk's 20k ids go with each of its queries; psycopg dumps a Python list element by
    element in Python, holding the GIL the computation needs (docs/benchmarks.md), whereas this
    text is built once per chunk. It is sent typed as ``bigint[]``: the server parses it once,
    and the planner sees the values, as it does for a list.
    """

    @classmethod
    def of(cls, ids: npt.ArrayLike) -> BigintArray:
        return cls("{" + ",".join(map(str, np.asarray(ids, dtype=np.int64).tolist())) + "}")


class _BigintArrayDumper(Dumper):
    oid = psycopg.postgres.types["int8"].array_oid

    def dump(self, obj: BigintArray) -> bytes:
        return obj.encode("ascii")


psycopg.adapters.register_dumper(BigintArray, _BigintArrayDumper)


def _id_params(ids: Ids) -> dict[str, Any]:
    # chunk_ids is not a query parameter: it lets a read take half of the chunk.
    return {
        "ids": BigintArray.of(ids),
        "lo": int(ids[0]) if len(ids) else 0,
        "hi": int(ids[-1]) if len(ids) else -1,
        "chunk_ids": ids,
    }


def chunk_params(ids: Ids, plan: Plan, this_run_id: str | None = None) -> dict[str, Any]:
    """The query parameters of a chunk of ``plan``; ``this_run_id`` only for the second pass."""
    return {
        **_id_params(ids),
        "cutoff": plan.cutoff,
        "as_of": plan.as_of,
        "year": plan.as_of.year,
        "nominal": float(NOMINAL_AMOUNT),
        "tenor": NOMINAL_TENOR_MONTHS,
        "purpose": NOMINAL_PURPOSE,
        "prev_run": plan.previous_run_id,
        "prev_cutoff": plan.previous_cutoff,
        "this_run": this_run_id,
    }


def read_tables(
    cur: psycopg.Cursor[Any], names: tuple[str, ...], params: Mapping[str, Any]
) -> dict[str, pd.DataFrame]:
    """Some of a chunk's reads (names from ``READ_GROUPS``), each parsed into a frame.

    Runs inside the caller's transaction, whose planner settings it changes (``SET LOCAL``).
    """
    cur.execute(_CHUNK_READ_SETTINGS)
    out = {}
    for name in names:
        table, _, half = name.partition("/")
        query = QUERIES.get(table) or _EXTRA_QUERIES[table]
        args = _half_params(params, int(half)) if half else params
        if table in AGGREGATED_READS:
            columns, key = AGGREGATED_READS[table]
            out[name] = aggregated_frame(cur, query, columns, key, args)
        else:
            out[name] = copy_frame(cur, query, args)
    return out


def _half_params(params: Mapping[str, Any], half: int) -> dict[str, Any]:
    """``params`` for the first (0) or second (1) half of the chunk's ids."""
    ids: Ids = params["chunk_ids"]
    part = ids[: len(ids) // 2] if half == 0 else ids[len(ids) // 2 :]
    return dict(params) | _id_params(part)


def join_halves(tables: Mapping[str, pd.DataFrame], table: str) -> pd.DataFrame:
    """A table read whole, or its two halves (in id order) as one frame."""
    if table in tables:
        return tables[table]
    first, second = tables[f"{table}/0"], tables[f"{table}/1"]
    if len(first) == 0 or len(second) == 0:
        return second if len(first) == 0 else first
    if first.dtypes.equals(second.dtypes):
        return pd.concat([first, second], ignore_index=True)
    # Types inferred differently in the two halves (integers in one, decimals in the other):
    # promote as one read of all the rows would have.
    whole = pa.concat_tables(
        [pa.Table.from_pandas(f, preserve_index=False) for f in (first, second)],
        promote_options="permissive",
    )
    frame: pd.DataFrame = whole.to_pandas(date_as_object=False)
    return frame


def assemble(tables: Mapping[str, pd.DataFrame]) -> ChunkInput:
    """The chunk's input from all of its reads."""
    frames = {name: join_halves(tables, name) for name in QUERIES}
    loans = frames["loan_requests"]
    loans["collateral"] = _pg_array(loans["collateral"])
    enterprises = frames["enterprises"]
    exposure = pd.DataFrame(
        {
            "enterprise_id": enterprises["id"].to_numpy(dtype=np.int64),
            "exposure": enterprises["exposure"].to_numpy(dtype=np.float64),
        }
    )
    return ChunkInput(
        frames=EnterpriseFrames.from_pandas(frames, counterparty_risk=tables["risk"]),
        previous=tables["previous"],
        exposure=exposure,
    )


def read_chunk(cur: psycopg.Cursor[Any], params: Mapping[str, Any]) -> ChunkInput:
    """A chunk's input (``chunk_params``) as known at the plan's cut-off, on one connection."""
    return assemble(read_tables(cur, READ_GROUPS[0] + READ_GROUPS[1], params))
