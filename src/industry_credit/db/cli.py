"""``db upgrade|downgrade``, ``serve`` and ``demo``."""

from __future__ import annotations

import typer
from sqlalchemy import text

from industry_credit.config import get_settings
from industry_credit.db import migrate
from industry_credit.db.engine import build_engine, resolve_database_url

db_app = typer.Typer(no_args_is_help=True, help="Database schema management.")


def first_line(exc: BaseException) -> str:
    """An exception in one line, for a command's refusal message."""
    text_ = str(exc).strip()
    return text_.splitlines()[0] if text_ else type(exc).__name__


def database_url_or_exit() -> str:
    """Resolve the database and prove it answers; one readable line and exit 2 if not."""
    try:
        url = resolve_database_url(get_settings())
        engine = build_engine(url, pool_size=1)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    except Exception as exc:  # any failure to reach the server ends the same way
        typer.echo(f"industry-credit: database unreachable: {first_line(exc)}", err=True)
        raise typer.Exit(2) from None
    return url


@db_app.command("upgrade")
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Migrate the database up to REVISION (default: head)."""
    migrate.upgrade(database_url_or_exit(), revision)
    typer.echo(f"database at {revision}")


@db_app.command("downgrade")
def downgrade(revision: str = typer.Argument(..., help="target revision, e.g. -1 or base")) -> None:
    """Migrate the database down to REVISION."""
    migrate.downgrade(database_url_or_exit(), revision)
    typer.echo(f"database at {revision}")
