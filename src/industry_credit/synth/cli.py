"""``industry-credit seed``: generate a synthetic population, optionally load it."""

from __future__ import annotations

from pathlib import Path

import typer

from industry_credit.synth.config import SynthConfig


def seed(
    enterprises: int = typer.Option(2000, "--enterprises", "-n", help="number of enterprises"),
    seed: int = typer.Option(20261031, "--seed", "-s", help="random seed (same seed, same bytes)"),
    out: Path = typer.Option(Path("data/synth"), "--out", help="directory for the Parquet files"),
    load: bool = typer.Option(False, "--load", help="bulk-load into the configured database"),
    default_rate: float = typer.Option(
        0.03, "--default-rate", help="target portfolio default rate"
    ),
    as_of: str = typer.Option("2026-10-31", "--as-of", help="as-of date (YYYY-MM-DD)"),
    chunk_blocks: int = typer.Option(4, "--chunk-blocks", help="blocks of 8192 firms per write"),
    config: Path | None = typer.Option(
        None, "--config", help="a synth_config.json; overrides the options above"
    ),
) -> None:
    """Generate a synthetic smart-terminal population with ground-truth PD as Parquet, and its
    defaults as a credit-events feed (credit_events.csv) dated inside the 12 months after as-of."""
    from industry_credit.synth.generate import generate
    from industry_credit.synth.outcomes import write_outcomes

    try:
        cfg = (
            SynthConfig.from_file(config)
            if config is not None
            else SynthConfig(
                enterprises=enterprises,
                seed=seed,
                default_rate=default_rate,
                as_of=as_of,
                chunk_blocks=chunk_blocks,
            )
        )
    except ValueError as exc:
        typer.echo(f"industry-credit seed: {exc}", err=True)
        raise typer.Exit(2) from None
    population = generate(cfg, out)
    events = write_outcomes(out)
    total = sum(population.rows.values())
    typer.echo(
        f"generated {cfg.enterprises} enterprises ({total} rows) in {population.seconds:.1f}s"
        f" into {out}; default rate {population.default_rate:.4f}"
        f" (target {cfg.default_rate:.4f}), intercept {population.intercept:.4f};"
        f" outcomes feed {events.name} (load it with `industry-credit ingest`)"
    )
    if load:
        from industry_credit.config import get_settings
        from industry_credit.db.engine import resolve_database_url
        from industry_credit.synth.load import load_population

        report = load_population(out, resolve_database_url(get_settings()))
        if report.loaded:
            typer.echo(f"loaded {report.total_rows} rows in {report.seconds:.1f}s")
        else:
            typer.echo("population already present in the database; nothing loaded")
