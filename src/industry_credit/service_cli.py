"""``industry-credit serve`` and ``demo``: the service itself, on a migrated database."""

from __future__ import annotations

import os
import sys

import typer
import uvicorn
from sqlalchemy import text

from industry_credit.config import get_settings
from industry_credit.db import migrate
from industry_credit.db.cli import database_url_or_exit, first_line
from industry_credit.db.engine import build_engine
from industry_credit.demo import prepare_demo
from industry_credit.errors import DomainError
from industry_credit.main import create_app
from industry_credit.ml.artifact import ArtifactError


def serve(
    host: str | None = typer.Option(None, help="bind address (default from settings)"),
    port: int | None = typer.Option(None, help="port (default from settings)"),
) -> None:
    """Serve the API and the web UI (the database must be migrated)."""
    settings = get_settings()
    url = database_url_or_exit()
    engine = build_engine(url, role=settings.database_role or None)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # the login may not become the role: say so in one line
        typer.echo(
            f"industry-credit: refusing to start: cannot act as database role"
            f" {settings.database_role!r} (INDUSTRY_CREDIT_DATABASE_ROLE): {first_line(exc)}",
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
    # The demo runs with demo settings (marked demo secret, demo login) unless told otherwise
    # (the command line's callback has set it already; this covers a direct call).
    os.environ.setdefault("INDUSTRY_CREDIT_ENV", "demo")
    get_settings.cache_clear()

    url = database_url_or_exit()
    migrate.upgrade(url)
    prepare_demo(url)
    sys.stdout.flush()
    serve(host="127.0.0.1", port=port)
