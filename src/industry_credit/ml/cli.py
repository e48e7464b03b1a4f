"""``industry-credit train``: fit, evaluate and save the industry-credit model."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from industry_credit.memory import keep_freed_memory


def train(
    data: Path = typer.Option(
        ..., "--data", help="synthetic Parquet directory or a Parquet/CSV/ARFF table"
    ),
    target: str = typer.Option(..., "--target", help="binary target column (e.g. defaulted_12m)"),
    out: Path = typer.Option(..., "--out", help="directory for the artifact and report"),
    cv: int | None = typer.Option(
        None, "--cv", min=2, help="K-fold CV: out-of-fold metrics, refit on all"
    ),
    holdout_by: str | None = typer.Option(
        None, "--holdout-by", help="hold out whole groups of this column"
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="feature date YYYY-MM-DD (synthetic; default from the data)"
    ),
    trials: int = typer.Option(
        0, "--trials", min=0, help="optional optuna challengers per fit (one-SE rule applies)"
    ),
    tune_rows: int = typer.Option(
        60_000, "--tune-rows", help="max rows the inner model choice uses"
    ),
    threads: int = typer.Option(
        2, "--threads", min=1, max=2, help="LightGBM threads on large sets"
    ),
) -> None:
    """Train the PD model; write report.json, report.html and the versioned artifact to --out."""
    keep_freed_memory()  # many firms' features: see memory.py
    from industry_credit.ml.data import TrainingDataError
    from industry_credit.ml.fit import FitConfig
    from industry_credit.ml.train import train as run

    try:
        run(
            data,
            target,
            out,
            cv=cv,
            holdout_by=holdout_by,
            as_of=date.fromisoformat(as_of) if as_of else None,
            cfg=FitConfig(n_trials=trials, tune_rows=tune_rows, n_jobs=threads),
            progress=lambda msg: typer.echo(msg, err=True),
        )
    except TrainingDataError as exc:
        typer.echo(f"industry-credit train: {exc}", err=True)
        raise typer.Exit(2) from None
