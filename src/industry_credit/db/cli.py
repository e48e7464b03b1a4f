"""``db upgrade|downgrade``, ``serve`` and ``demo``."""

from __future__ import annotations

import sys

import typer
from sqlalchemy import text

from industry_credit.config import get_settings
from industry_credit.db import migrate
from industry_credit.db.engine import build_engine, resolve_database_url
from industry_credit.errors import DomainError

db_app = typer.Typer(no_args_is_help=True, help="Database schema management.")


def _database_url_or_exit() -> str:
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
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        typer.echo(f"industry-credit: database unreachable: {first_line}", err=True)
        raise typer.Exit(2) from None
    return url


@db_app.command("upgrade")
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Migrate the database up to REVISION (default: head)."""
    migrate.upgrade(_database_url_or_exit(), revision)
    typer.echo(f"database at {revision}")


@db_app.command("downgrade")
def downgrade(revision: str = typer.Argument(..., help="target revision, e.g. -1 or base")) -> None:
    """Migrate the database down to REVISION."""
    migrate.downgrade(_database_url_or_exit(), revision)
    typer.echo(f"database at {revision}")


def serve(
    host: str | None = typer.Option(None, help="bind address (default from settings)"),
    port: int | None = typer.Option(None, help="port (default from settings)"),
) -> None:
    """Serve the API and the web UI (the database must be migrated)."""
    import uvicorn

    from industry_credit.main import create_app
    from industry_credit.ml.artifact import ArtifactError

    settings = get_settings()
    url = _database_url_or_exit()
    engine = build_engine(url, role=settings.database_role or None)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # the login may not become the role: say so in one line
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        typer.echo(
            f"industry-credit: refusing to start: cannot act as database role"
            f" {settings.database_role!r} (INDUSTRY_CREDIT_DATABASE_ROLE): {first_line}",
            err=True,
        )
        raise typer.Exit(2) from None
    app = create_app(engine=engine, settings=settings)
    # The active model and ruleset are the database's; without them nothing can be decided.
    try:
        app.state.engine_registry.active()
    except DomainError as exc:
        typer.echo(f"industry-credit: refusing to start: {exc.message}", err=True)
        raise typer.Exit(2) from None
    except ArtifactError as exc:
        typer.echo(f"industry-credit: refusing to start: stored model unusable: {exc}", err=True)
        raise typer.Exit(2) from None
    uvicorn.run(
        app,
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,
        access_log=False,
    )


def demo(
    port: int = typer.Option(8000, help="port to serve on"),
) -> None:
    """Set up the embedded (or configured) database with demo data and serve on PORT."""
    import os

    from industry_credit.demo import prepare_demo

    # The demo runs with demo settings (marked demo secret, demo login) unless told otherwise
    # (the command line's callback has set it already; this covers a direct call).
    os.environ.setdefault("INDUSTRY_CREDIT_ENV", "demo")
    get_settings.cache_clear()

    url = _database_url_or_exit()
    migrate.upgrade(url)
    prepare_demo(url)
    sys.stdout.flush()
    serve(host="127.0.0.1", port=port)
