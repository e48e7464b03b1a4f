"""``industry-credit ingest PATH``: bulk data feeds between applications."""

from __future__ import annotations

from pathlib import Path

import typer

from industry_credit.audit.service import Actor
from industry_credit.db.engine import session_scope
from industry_credit.enterprises.ingest import FEEDS, ingest_file, render_report


def ingest(
    paths: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="CSV or Parquet"),
    table: str | None = typer.Option(
        None, help=f"what the files hold ({', '.join(FEEDS)}); default: from the file name"
    ),
    actor: str = typer.Option("ingest", help="who is loading, for the audit trail"),
) -> None:
    """Load each file all or nothing; print a JSON report per file; exit 1 if any was refused."""
    failed = False
    for path in paths:
        try:
            with session_scope() as session:
                report = ingest_file(
                    session=session, path=path, actor=Actor(actor, "admin"), table=table
                )
                if not report.ok:
                    session.rollback()
        except ValueError as exc:
            typer.echo(f"industry-credit: {exc}", err=True)
            raise typer.Exit(2) from None
        typer.echo(render_report(report))
        failed = failed or not report.ok
    if failed:
        raise typer.Exit(1)
