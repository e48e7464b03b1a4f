"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from industry_credit import __version__
from industry_credit.health import router as health_router


def create_app() -> FastAPI:
    app = FastAPI(
        title="industry-credit",
        version=__version__,
        description="Credit decisioning for Shanghai's smart-terminal industry.",
    )
    app.include_router(health_router)
    return app
