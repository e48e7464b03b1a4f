"""Nightly rescoring: end-to-end time against raw I/O + raw predict, and bounded memory.

Figures (each next to a baseline measured in the same run, on the same data):

* ``rescore_e2e_seconds``: ``rescore`` of ``size`` enterprises (all in the portfolio; chunked
  COPY out, features, score, rules, contagion pass, COPY in with upsert and checkpoints, review
  queue, report) against the sum of a raw ``COPY`` out of the same input tables, a raw
  ``Booster.predict`` on the feature matrix and a raw ``COPY`` in of the result rows.
* ``rescore_peak_rss_large``: peak RSS of a ``rescore`` process over ``size`` enterprises,
  against the same command over ``size // 10`` enterprises, at least two chunks' worth
  (``rescore_peak_rss_small``, itself against a
  process that only imports the command). With a fixed chunk size the two should be close.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import psycopg

from bench.database import population_database
from bench.report import figure
from industry_credit.batch.cli import _load
from industry_credit.batch.runner import Options, rescore
from industry_credit.batch.store import RESULT_COLUMNS
from industry_credit.config import get_settings
from industry_credit.db.admin import drop_database
from industry_credit.db.engine import resolve_database_url
from industry_credit.ml.artifact import (
    ArtifactError,
    ModelArtifact,
    load_artifact,
)
from industry_credit.ml.data import synthetic_schema
from industry_credit.ml.evaluate import psi_baseline
from industry_credit.ml.features import build_features
from industry_credit.ml.frames import EnterpriseFrames
from industry_credit.ml.grades import MASTER_SCALE
from industry_credit.ml.scorer import Scorer
from industry_credit.synth.config import SynthConfig
from industry_credit.synth.generate import generate
from industry_credit.synth.load import libpq_url
from industry_credit.tables import DB_TABLES

AS_OF = date(2026, 10, 31)
# The command's own default chunk size: what a nightly run uses.
CHUNK = Options(as_of=AS_OF).chunk_size
INPUT_TABLES = list(DB_TABLES)
# The child reports its own high-water mark: VmHWM belongs to the exec'd image, whereas the
# ru_maxrss that wait4 returns starts from the parent's peak at fork on Linux.
_CHILD = """
import sys
from industry_credit.cli import app
code = 0
if sys.argv[1:]:
    try:
        app(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code or 0
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
print("vmhwm_kb", hwm, flush=True)
sys.exit(code)
"""


def _artifact(frames: EnterpriseFrames) -> ModelArtifact:
    """The configured model artifact, or (none built yet) a small LightGBM on these frames."""
    try:
        return load_artifact(get_settings().model_dir)
    except ArtifactError:
        pass
    features = build_features(frames, AS_OF).to_pandas()
    schema = synthetic_schema(features)
    x = schema.encode(features).matrix
    enterprises = frames.to_pandas("enterprises")
    y = enterprises.set_index("id")["defaulted_12m"].reindex(features.index)
    params = {"objective": "binary", "num_leaves": 31, "verbose": -1, "seed": 1, "num_threads": 2}
    booster = lgb.train(params, lgb.Dataset(x, label=y.to_numpy(np.float64)), num_boost_round=200)
    raw = booster.predict(x)
    return ModelArtifact(
        model_text=booster.model_to_string(),
        schema=schema,
        calibration=(1.0, 0.0),
        grade_scale=[[n, u] for n, u in MASTER_SCALE],
        psi_baseline={"score": psi_baseline(np.asarray(raw, dtype=np.float64))},
    )


def _database(
    server: str, size: int, out: Path, artifact: ModelArtifact | None
) -> tuple[str, ModelArtifact]:
    generate(SynthConfig(enterprises=size, seed=20261031, portfolio_share=1.0), out)
    artifact = artifact or _artifact(EnterpriseFrames.from_parquet_dir(out))
    url = population_database(server, out, artifact)
    return url, artifact


def _copy_out_inputs(cur: psycopg.Cursor[Any]) -> float:
    started = time.perf_counter()
    for table in INPUT_TABLES:
        with cur.copy(f"COPY {table} TO STDOUT WITH (FORMAT csv)") as copy:
            for _ in copy:
                pass
    return time.perf_counter() - started


def _warm(url: str) -> None:
    """Read every input table once, so neither the run nor the baseline pays for a cold cache."""
    with psycopg.connect(libpq_url(url)) as conn, conn.cursor() as cur:
        _copy_out_inputs(cur)


def _stages(url: str, run_id: str | None) -> dict[str, Any]:
    """The run report's own per-stage timings (seconds), for the JSON detail."""
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute(
            "SELECT report->'timings' FROM batch_runs WHERE id = %s::uuid", (run_id,)
        ).fetchone()
    return dict(row[0]) if row and row[0] else {}


def _raw_baseline(url: str, population: Path, artifact: ModelArtifact) -> dict[str, float]:
    """Raw COPY out of the inputs + raw Booster.predict + raw COPY in of the results."""
    out: dict[str, float] = {}
    with psycopg.connect(libpq_url(url)) as conn, conn.cursor() as cur:
        out["copy_out"] = _copy_out_inputs(cur)
        buf = io.BytesIO()
        cols = ", ".join(RESULT_COLUMNS)
        with cur.copy(
            f"COPY (SELECT {cols} FROM rescore_results) TO STDOUT WITH (FORMAT csv)"
        ) as c:
            for data in c:
                buf.write(data)
        cur.execute("CREATE TEMP TABLE raw_results (LIKE rescore_results)")
        started = time.perf_counter()
        with cur.copy(f"COPY raw_results ({cols}) FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(buf.getvalue())
        out["copy_in"] = time.perf_counter() - started
        conn.rollback()
    scorer = Scorer.from_artifact(artifact)
    frames = EnterpriseFrames.from_parquet_dir(population)
    features = build_features(frames, AS_OF)
    x = scorer.schema.encode_columns(features.columns, len(features)).matrix
    started = time.perf_counter()
    scorer.booster.predict(x, num_threads=scorer.num_threads)
    out["predict"] = time.perf_counter() - started
    return out


def _child_peak_mb(args: list[str], url: str) -> float:
    """Peak resident memory of a fresh process running the CLI with ``args`` (none: imports)."""
    env = dict(os.environ, DATABASE_URL=url)
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("vmhwm_kb"))
    return int(line.split()[1]) / 1024.0


def _rescore_args() -> list[str]:
    return [
        "rescore",
        "--as-of",
        AS_OF.isoformat(),
        "--chunk-size",
        str(CHUNK),
        "--force",
    ]


def run(size: int) -> list[dict[str, Any]]:
    size = max(size, 500)
    # The smaller portfolio still spans two full chunks where the size allows, so both runs
    # hold the same chunk-sized working set and the comparison shows growth with the portfolio.
    small = max(size // 10, min(2 * CHUNK, size // 2))
    server = resolve_database_url(get_settings())
    urls: list[str] = []
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            big_url, artifact = _database(server, size, Path(tmp) / "big", None)
            urls.append(big_url)
            small_url, _ = _database(server, small, Path(tmp) / "small", artifact)
            urls.append(small_url)

            _warm(big_url)
            started = time.perf_counter()
            outcome = rescore(
                Options(as_of=AS_OF, chunk_size=CHUNK), database_url=big_url, load=_load
            )
            e2e = time.perf_counter() - started
            raw = _raw_baseline(big_url, Path(tmp) / "big", artifact)
            records.append(
                figure(
                    "rescore_e2e_seconds",
                    e2e,
                    "s",
                    "raw COPY out + predict + COPY in",
                    sum(raw.values()),
                    size=size,
                    enterprises=outcome.enterprises,
                    chunks=outcome.chunks,
                    chunk_size=CHUNK,
                    baseline_parts=raw,
                    stages=_stages(big_url, outcome.run_id),
                    rows_per_s=outcome.enterprises / e2e,
                )
            )
            rss_import = _child_peak_mb([], small_url)
            rss_small = _child_peak_mb(_rescore_args(), small_url)
            rss_large = _child_peak_mb(_rescore_args(), big_url)
            records.append(
                figure(
                    "rescore_peak_rss_small",
                    rss_small,
                    "MB",
                    "imports only",
                    rss_import,
                    size=small,
                    chunk_size=CHUNK,
                )
            )
            records.append(
                figure(
                    "rescore_peak_rss_large",
                    rss_large,
                    "MB",
                    f"rescore of {small}",
                    rss_small,
                    size=size,
                    chunk_size=CHUNK,
                )
            )
        finally:
            for url in urls:
                drop_database(url)
    return records
