"""Liveness and readiness. Readiness checks the database on every call, so it recovers by itself."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from industry_credit.db import migrate

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The database is reachable and migrated to head",
    responses={503: {"description": "database down or not migrated"}},
)
def readyz(request: Request) -> JSONResponse:
    engine: Engine = request.app.state.engine
    try:
        current = migrate.current_revision(engine)
    except SQLAlchemyError as exc:
        return JSONResponse(
            {"status": "unavailable", "database": type(exc).__name__},
            status_code=503,
            headers={"Retry-After": "5"},
        )
    head = request.app.state.head_revision
    if current != head:
        return JSONResponse(
            {"status": "not_migrated", "current": current, "head": head}, status_code=503
        )
    return JSONResponse({"status": "ready", "revision": current})
