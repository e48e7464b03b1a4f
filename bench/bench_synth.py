"""Synthetic population: generation speed and peak memory, and the COPY load against raw COPY.

Figures (each next to a baseline measured in the same run):

* ``synth_generate_rows_per_s``: rows of all tables generated and written per second, against
  rewriting the very same tables from memory with the same Parquet writer (pure I/O floor).
* ``synth_generate_peak_rss``: peak resident memory of a process that generates the
  population, against the same process that only imports the generator.
* ``synth_load_rows_per_s``: ``load_population`` (constrained tables, foreign keys, indexes,
  sequences) against a raw ``COPY`` of the same CSV-rendered Parquet into bare temporary tables
  (``LIKE`` the target with its defaults, no constraints or indexes), in the same process and connection. The load
  uses at most ``LOAD_CAP`` enterprises so a million-firm run stays within minutes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
import pyarrow.parquet as pq
from psycopg import sql

from bench.report import figure
from industry_credit.config import get_settings
from industry_credit.db import migrate
from industry_credit.db.admin import create_fresh_database, drop_database
from industry_credit.db.engine import resolve_database_url
from industry_credit.synth.config import SynthConfig
from industry_credit.synth.generate import generate, parquet_writer
from industry_credit.synth.load import copy_table, libpq_url, load_population
from industry_credit.synth.tables import ALL_TABLES, DB_TABLES

LOAD_CAP = 100_000

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from industry_credit.synth.config import SynthConfig
from industry_credit.synth.generate import generate
n, out = int(sys.argv[1]), Path(sys.argv[2])
started = time.perf_counter()
rows = 0
if n > 0:
    rows = sum(generate(SynthConfig(enterprises=n, seed=20261031), out).rows.values())
print(json.dumps({"seconds": time.perf_counter() - started, "rows": rows,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _child(n: int, out: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(n), str(out)], capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _rewrite_rate(src: Path, dst: Path) -> float:
    """Rows per second of writing the generated tables again from memory (I/O floor)."""
    tables = {t: pq.read_table(src / f"{t}.parquet") for t in ALL_TABLES}
    started = time.perf_counter()
    rows = 0
    for name, table in tables.items():
        with parquet_writer(dst / f"{name}.parquet", table.schema) as w:
            w.write_table(table)
        rows += table.num_rows
    return rows / (time.perf_counter() - started)


def _raw_copy_rate(src: Path, url: str) -> float:
    """Rows per second of COPY into bare temporary tables, rolled back afterwards."""
    with psycopg.connect(libpq_url(url)) as conn, conn.cursor() as cur:
        started = time.perf_counter()
        rows = 0
        for table in DB_TABLES:
            cur.execute(
                sql.SQL("CREATE TEMP TABLE {} (LIKE {} INCLUDING DEFAULTS)").format(
                    sql.Identifier(f"raw_{table}"), sql.Identifier(table)
                )
            )
            rows += copy_table(cur, table, src / f"{table}.parquet", target=f"raw_{table}")
        elapsed = time.perf_counter() - started
        conn.rollback()
    return rows / elapsed


def run(size: int) -> list[dict[str, Any]]:
    figures: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench_synth_") as tmp:
        root = Path(tmp)
        gen = _child(size, root / "pop")
        idle = _child(0, root / "idle")
        rate = gen["rows"] / gen["seconds"]
        floor = _rewrite_rate(root / "pop", _mkdir(root / "rewrite"))
        extra = {"enterprises": size, "rows": gen["rows"], "seconds": gen["seconds"]}
        figures.append(
            figure("synth_generate_rows_per_s", rate, "rows/s", "parquet rewrite", floor, **extra)
        )
        peak, base = gen["maxrss_kb"] / 1024, idle["maxrss_kb"] / 1024
        figures.append(
            figure("synth_generate_peak_rss", peak, "MB", "import-only process", base, **extra)
        )

        n_load = min(size, LOAD_CAP)
        src = root / "pop" if n_load == size else root / "load"
        if src != root / "pop":
            generate(SynthConfig(enterprises=n_load, seed=20261031), src)
        url = create_fresh_database(resolve_database_url(get_settings()), prefix="ic_bench")
        try:
            migrate.upgrade(url)
            raw = _raw_copy_rate(src, url)
            report = load_population(src, url)
            loaded = report.total_rows / report.seconds
        finally:
            drop_database(url)
        figures.append(
            figure(
                "synth_load_rows_per_s",
                loaded,
                "rows/s",
                "raw COPY",
                raw,
                enterprises=n_load,
                rows=report.total_rows,
                seconds=report.seconds,
            )
        )
    return figures


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
