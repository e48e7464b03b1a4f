"""The outcomes feed: `seed` writes the population's ground-truth defaults as credit events,
`ingest` loads them append-only with received_at, and refuses bad rows naming the field."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from industry_credit.synth.load import load_population

SYNTH_AS_OF = date(2026, 10, 31)


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "industry_credit.cli", *args],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_seeded_outcomes_are_ingested_append_only(
    fresh_database: Callable[[], str], tmp_path: Path
) -> None:
    url = fresh_database()
    out = tmp_path / "population"
    seeded = _cli(
        url, "seed", "-n", "400", "--seed", "77", "--default-rate", "0.08", "--out", str(out)
    )
    assert seeded.returncode == 0, seeded.stderr
    assert "credit_events.csv" in seeded.stdout
    load_population(out, url)
    events = pd.read_csv(out / "credit_events.csv", dtype=str)
    truth = pq.read_table(
        out / "enterprises.parquet", columns=["uscc", "defaulted_12m"]
    ).to_pandas()
    defaulted = set(truth.loc[truth["defaulted_12m"], "uscc"])
    assert defaulted
    assert set(events["uscc"]) == defaulted
    assert sorted(events["event_type"].unique()) == ["default", "dpd90"]
    days = pd.to_datetime(events["event_date"]).dt.date
    assert days.min() > SYNTH_AS_OF
    assert days.max() <= SYNTH_AS_OF + timedelta(days=365)

    first = _cli(url, "ingest", str(out / "credit_events.csv"))
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["loaded"] == len(events)
    again = _cli(url, "ingest", str(out / "credit_events.csv"))
    assert json.loads(again.stdout)["loaded"] == 0  # what was received stays as received

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM credit_events")).scalar_one() == len(
                events
            )
            assert (
                conn.execute(
                    text("SELECT count(*) FROM credit_events WHERE received_at IS NULL")
                ).scalar_one()
                == 0
            )
        with engine.begin() as conn, pytest.raises(ProgrammingError, match="append-only"):
            conn.execute(text("UPDATE credit_events SET event_date = event_date + 1"))
        with engine.begin() as conn, pytest.raises(ProgrammingError, match="append-only"):
            conn.execute(text("DELETE FROM credit_events"))
    finally:
        engine.dispose()


def test_bad_event_rows_are_refused_by_field(
    fresh_database: Callable[[], str], tmp_path: Path
) -> None:
    url = fresh_database()
    out = tmp_path / "population"
    assert _cli(url, "seed", "-n", "200", "--out", str(out)).returncode == 0
    load_population(out, url)
    uscc = pq.read_table(out / "enterprises.parquet", columns=["uscc"]).column(0)[0].as_py()
    path = tmp_path / "credit_events.csv"
    pd.DataFrame(
        {
            "uscc": [uscc, uscc, uscc, "91310000MA1FL0000X"],
            "event_type": ["90dpd", "bankrupt", "default", "default"],
            "event_date": ["2027-01-05", "2027-01-06", "2027-02-30", "2027-01-07"],
        }
    ).to_csv(path, index=False)
    refused = _cli(url, "ingest", str(path))
    assert refused.returncode == 1
    report = json.loads(refused.stdout)
    assert report["loaded"] == 0
    problems = {(r["row"], r["field"]) for r in report["rejected"]}
    assert problems == {(2, "$.event_type"), (3, "$.event_date"), (4, "uscc")}, report
