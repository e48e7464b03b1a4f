"""Liveness and readiness. Readiness checks the database on every call, so it recovers by itself."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from industry_credit.db import migrate
from industry_credit.db.engine import get_engine

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database is reachable and migrated to head")
def readyz() -> JSONResponse:
    engine = get_engine()
    try:
        current = migrate.current_revision(engine)
    except SQLAlchemyError as exc:
        return JSONResponse(
            {"status": "unavailable", "database": type(exc).__name__},
            status_code=503,
            headers={"Retry-After": "5"},
        )
    head = migrate.head_revision(engine.url.render_as_string(hide_password=False))
    if current != head:
        return JSONResponse(
            {"status": "not_migrated", "current": current, "head": head}, status_code=503
        )
    return JSONResponse({"status": "ready", "revision": current})
