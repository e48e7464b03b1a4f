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


enterprises_app = typer.Typer(no_args_is_help=True, help="Enterprises and their owning RM.")


@enterprises_app.command("assign")
def assign(
    uscc: str = typer.Argument(..., help="the enterprise's USCC"),
    owner: str = typer.Option(..., "--owner", help="username of an active rm"),
    actor: str = typer.Option(..., "--actor", help="username of an active admin"),
) -> None:
    """Make OWNER the relationship manager who owns the enterprise (admins only; audited)."""
    from industry_credit.auth.users import get_user
    from industry_credit.enterprises.ownership import assign_owner
    from industry_credit.errors import DomainError

    try:
        with session_scope() as session:
            admin = get_user(session=session, username=actor)
            if admin is None or not admin.active or admin.role != "admin":
                typer.echo(f"industry-credit: {actor!r} is not an active admin", err=True)
                raise typer.Exit(3)
            previous = assign_owner(session=session, admin=admin, uscc=uscc, owner_username=owner)
    except DomainError as exc:
        typer.echo(f"industry-credit: {exc.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{uscc}: owner {owner}" + (f" (was {previous})" if previous else ""))
