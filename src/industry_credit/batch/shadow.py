"""Writing the challenger's shadow scores of a chunk beside the champion's results.

Same transaction as the chunk's results and checkpoint: COPY into a temporary staging table,
then one upsert keyed by (run, enterprise), so the contagion pass (which rescores some
enterprises of the same run) replaces its rows as it replaces the champion's.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv

from industry_credit.batch.runs import RunRow
from industry_credit.decisions.shadow import ShadowScores

COLUMNS = (
    "run_id",
    "as_of",
    "enterprise_id",
    "champion_version",
    "challenger_version",
    "ruleset_version",
    "champion_pd",
    "champion_grade",
    "champion_outcome",
    "challenger_pd",
    "challenger_grade",
    "challenger_outcome",
)
STAGING = "shadow_staging"
_CREATE = (
    f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} AS"
    f" SELECT {', '.join(COLUMNS)} FROM shadow_scores WITH NO DATA"
)
_COPY = f"COPY {STAGING} ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv)"
_UPSERT = (
    f"INSERT INTO shadow_scores ({', '.join(COLUMNS)}) SELECT {', '.join(COLUMNS)} FROM {STAGING}"
    " ON CONFLICT (run_id, enterprise_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[3:])
)


def write_shadow(
    cur: psycopg.Cursor[Any],
    results: pd.DataFrame,
    shadow: ShadowScores,
    run: RunRow,
    as_of: date,
) -> None:
    n = len(results)
    table = pa.table(
        {
            "run_id": pa.array([run.id] * n, type=pa.string()),
            "as_of": pa.array([as_of.isoformat()] * n, type=pa.string()),
            "enterprise_id": pa.array(results["enterprise_id"].to_numpy()),
            "champion_version": pa.array([run.model_version] * n, type=pa.string()),
            "challenger_version": pa.array([shadow.version] * n, type=pa.string()),
            "ruleset_version": pa.array([run.ruleset_version] * n, type=pa.string()),
            "champion_pd": pa.array(results["pd"].to_numpy()),
            "champion_grade": pa.array(results["grade"].to_numpy(), type=pa.string()),
            "champion_outcome": pa.array(results["outcome"].to_numpy(), type=pa.string()),
            "challenger_pd": pa.array(shadow.pd),
            "challenger_grade": pa.array(shadow.grade, type=pa.string()),
            "challenger_outcome": pa.array(shadow.outcome, type=pa.string()),
        }
    )
    buf = io.BytesIO()
    pa_csv.write_csv(table, buf, pa_csv.WriteOptions(include_header=False))
    cur.execute(_CREATE)
    with cur.copy(_COPY) as copy:
        copy.write(buf.getvalue())
    cur.execute(_UPSERT)
    cur.execute(f"TRUNCATE {STAGING}")
