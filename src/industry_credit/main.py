"""The FastAPI application factory: routers, middleware, and the decision engine loaded once."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from industry_credit import __version__
from industry_credit.api.body import RequestBodyMiddleware
from industry_credit.api.logs import configure_logging
from industry_credit.api.metrics import Metrics
from industry_credit.api.middleware import RepeatedQueryMiddleware, RequestContextMiddleware
from industry_credit.api.ratelimit import RateLimiter
from industry_credit.applications.endpoints import router as applications_router
from industry_credit.auth.cache import UserCache
from industry_credit.config import Settings, get_settings
from industry_credit.db import migrate
from industry_credit.db.engine import build_engine, resolve_database_url
from industry_credit.decisions.batcher import MicroBatcher
from industry_credit.decisions.endpoints import router as decisions_router
from industry_credit.decisions.registry import VersionedEngines
from industry_credit.enterprises.endpoints import router as enterprises_router
from industry_credit.errors import API_ERROR_RESPONSES, install_error_handlers
from industry_credit.health import router as health_router
from industry_credit.holds.endpoints import router as holds_router
from industry_credit.review.endpoints import router as review_router
from industry_credit.review.web import router as web_router


def create_app(
    *,
    database_url: str | None = None,
    engine: Engine | None = None,
    settings: Settings | None = None,
) -> FastAPI:
    """Build the app on an explicit database (tests) or the configured one (serve, demo).

    The engine (active model and ruleset) is read from the database on first use; ``serve``
    asks for it before listening, so that it refuses to start without one.
    """
    settings = settings or get_settings()
    if engine is None:
        engine = build_engine(database_url or resolve_database_url(settings))
    configure_logging()
    app = FastAPI(
        title="industry-credit",
        version=__version__,
        description=(
            "Credit decisioning for Shanghai's smart-terminal industry: relationship managers "
            "submit applications and get a persisted, explainable, replayable decision; risk "
            "officers review referred cases. Authenticate with a bearer JWT (claims sub, role, exp)."
        ),
    )
    metrics = Metrics()
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker(bind=engine, expire_on_commit=False)
    app.state.head_revision = migrate.head_revision(engine.url.render_as_string(False))
    app.state.metrics = metrics
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute)
    app.state.engine_registry = VersionedEngines(sessions=app.state.sessionmaker)
    app.state.users = UserCache(settings.auth_cache_seconds)
    app.state.batcher = MicroBatcher(
        max_batch=settings.batch_max_size,
        max_wait_s=settings.batch_max_wait_ms / 1000,
        on_batch=metrics.observe_batch,
    )
    install_error_handlers(app)
    app.include_router(health_router)
    app.include_router(review_router, responses=API_ERROR_RESPONSES)
    app.include_router(applications_router, responses=API_ERROR_RESPONSES)
    app.include_router(decisions_router, responses=API_ERROR_RESPONSES)
    app.include_router(enterprises_router, responses=API_ERROR_RESPONSES)
    app.include_router(holds_router, responses=API_ERROR_RESPONSES)
    app.include_router(web_router)

    @app.get("/metrics", include_in_schema=False)
    def prometheus(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(RequestBodyMiddleware, max_bytes=settings.max_request_bytes)
    # The review queue's `status` filter is the one query parameter declared as a list.
    app.add_middleware(RepeatedQueryMiddleware, list_parameters=frozenset({"status"}))
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    return app
