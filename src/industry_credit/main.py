"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from industry_credit import __version__
from industry_credit.config import get_settings
from industry_credit.db import migrate
from industry_credit.db.engine import build_engine, resolve_database_url
from industry_credit.errors import install_error_handlers
from industry_credit.health import router as health_router


def create_app(*, database_url: str | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the app on an explicit database (tests) or the configured one (serve, demo)."""
    if engine is None:
        engine = build_engine(database_url or resolve_database_url(get_settings()))
    app = FastAPI(
        title="industry-credit",
        version=__version__,
        description="Credit decisioning for Shanghai's smart-terminal industry.",
    )
    app.state.engine = engine
    app.state.head_revision = migrate.head_revision(engine.url.render_as_string(False))
    install_error_handlers(app)
    app.include_router(health_router)
    return app
