"""``industry-credit rescore``: the nightly batch entry point for cron, systemd and Kubernetes."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import typer
from sqlalchemy.orm import Session

from industry_credit.api.logs import configure_logging
from industry_credit.batch.engine import BatchEngine, load_engine
from industry_credit.batch.runner import Options
from industry_credit.batch.runner import rescore as run_rescore
from industry_credit.batch.runs import BatchLockedError, InterruptedRunError
from industry_credit.config import get_settings
from industry_credit.db.engine import resolve_database_url
from industry_credit.memory import keep_freed_memory

# Exit codes: 0 done (or nothing to do), 1 failed, 3 another run holds the date's lock,
# 4 an interrupted run exists and neither --resume nor --force was given.
EXIT_FAILED = 1
EXIT_LOCKED = 3
EXIT_INTERRUPTED = 4

log = logging.getLogger("industry_credit.batch")


def _load(session: Session, model_version: str | None, ruleset_version: str | None) -> BatchEngine:
    return load_engine(session, model_version=model_version, ruleset_version=ruleset_version)


def rescore(
    as_of: str = typer.Option(..., "--as-of", help="rescore as known on this date (YYYY-MM-DD)"),
    # At most 200k: a chunk's monthly panel is fetched as one text value, which PostgreSQL caps
    # at 1 GB (about 1.4 KB a firm).
    chunk_size: int = typer.Option(
        20_000, "--chunk-size", min=1, max=200_000, help="enterprises per chunk (at most 200000)"
    ),
    resume: bool = typer.Option(False, "--resume", help="finish an interrupted run of the date"),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="plan and score one chunk; write nothing"
    ),
    force: bool = typer.Option(False, "--force", help="supersede any run of the date and redo it"),
    report_dir: Path | None = typer.Option(
        None, "--report-dir", help="also write the run report as JSON and HTML here"
    ),
    compiled_trees: bool = typer.Option(
        False,
        "--compiled-trees",
        help="predict with the model's trees compiled by lleaves (within 1e-9 of LightGBM)",
    ),
) -> None:
    """Rescore the portfolio as of a date (nightly batch); prints one summary line."""
    keep_freed_memory()  # a million firms' features: see memory.py
    configure_logging()
    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        typer.echo(f"rescore {as_of}: failed error=invalid date")
        raise typer.Exit(EXIT_FAILED) from None
    options = Options(
        as_of=day,
        chunk_size=chunk_size,
        resume=resume,
        dry_run=dry_run,
        force=force,
        report_dir=report_dir,
        compiled_trees=compiled_trees,
        review_capacity=get_settings().nightly_review_capacity,
        compiled_cache=get_settings().data_dir / "compiled",
    )
    try:
        url = resolve_database_url(get_settings())
        outcome = run_rescore(options, database_url=url, load=_load)
    except BatchLockedError as exc:
        typer.echo(f"rescore {day}: refused error={exc}")
        raise typer.Exit(EXIT_LOCKED) from None
    except InterruptedRunError as exc:
        typer.echo(f"rescore {day}: refused error={exc}")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Exception as exc:
        log.exception("rescore failed", extra={"as_of": day.isoformat()})
        typer.echo(f"rescore {day}: failed error={type(exc).__name__}: {exc}")
        raise typer.Exit(EXIT_FAILED) from None
    log.info("rescore finished", extra={"as_of": day.isoformat(), "status": outcome.status})
    # Anchor the chain at every batch finish (its entries went in on the batch's own connection).
    from industry_credit.audit.checkpoints import write_checkpoint
    from industry_credit.db.engine import build_engine

    engine = build_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            write_checkpoint(conn, get_settings())
    finally:
        engine.dispose()
    typer.echo(outcome.summary(day))
