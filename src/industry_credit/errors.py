"""One error hierarchy with an HTTP status, and one stable error body for every 4xx/5xx.

Body: ``{"error": {"code": str, "message": str, "fields": [{"path": str, "problem": str}]}}``
where ``path`` is the JSON path of the offending field (``$.financials[0].revenue``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: Sequence[dict[str, str]] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.fields = list(fields)
        self.headers: dict[str, str] = {}


class NotFoundError(DomainError):
    status_code = 404
    code = "not_found"


class ForbiddenError(DomainError):
    status_code = 403
    code = "forbidden"


class ConflictError(DomainError):
    status_code = 409
    code = "conflict"


class UnprocessableError(DomainError):
    status_code = 422
    code = "unprocessable"


def json_path(location: Sequence[Any]) -> str:
    """``("body", "financials", 0, "revenue")`` -> ``$.financials[0].revenue``."""
    parts = list(location)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def error_body(code: str, message: str, fields: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": list(fields)}}


def validation_fields(errors: Sequence[Any]) -> list[dict[str, str]]:
    fields = []
    for err in errors:
        message = str(err.get("msg", "invalid"))
        message = message.removeprefix("Value error, ")
        fields.append({"path": json_path(err.get("loc", ())), "problem": message})
    return fields


def _allowed_methods(request: Request) -> str:
    """Every method any route serves on this path (several routes may share one path)."""
    methods: set[str] = set()
    for route in request.app.routes:
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(request.url.path):
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message, exc.fields),
            status_code=exc.status_code,
            headers=exc.headers or None,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Framework errors (malformed JSON, unknown route, method not allowed) in the same body;
        # their headers (e.g. Allow on a 405) are kept.
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}.get(
            exc.status_code, "http_error"
        )
        headers = dict(exc.headers) if exc.headers else {}
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request)
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=headers or None
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = validation_fields(exc.errors())
        summary = "; ".join(f"{f['path']}: {f['problem']}" for f in fields[:5])
        return JSONResponse(
            error_body("validation_failed", summary or "invalid request", fields), status_code=422
        )

    @app.exception_handler(OperationalError)
    async def _database_down(_: Request, exc: OperationalError) -> JSONResponse:
        return JSONResponse(
            error_body("database_unavailable", "the database is unavailable; retry shortly"),
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(PoolTimeoutError)
    async def _pool_exhausted(_: Request, exc: PoolTimeoutError) -> JSONResponse:
        return JSONResponse(
            error_body("overloaded", "all database connections are busy; retry shortly"),
            status_code=503,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(DBAPIError)
    async def _database_error(_: Request, exc: DBAPIError) -> JSONResponse:
        if exc.connection_invalidated:
            return JSONResponse(
                error_body("database_unavailable", "the database connection was lost; retry"),
                status_code=503,
                headers={"Retry-After": "5"},
            )
        raise exc


class ErrorField(BaseModel):
    path: str
    problem: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: list[ErrorField]
    # Set on 500s: the X-Request-ID to quote to the operators.
    request_id: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


def _documented(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


# Every /v1 route can answer these; documenting them keeps the OpenAPI honest for clients.
API_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _documented("malformed request"),
    401: _documented("missing, invalid or expired bearer token"),
    403: _documented("the caller's role may not do this"),
    404: _documented("not found, or not visible to the caller"),
    409: _documented("conflict with the current state"),
    413: _documented("request body too large"),
    422: _documented("invalid input; each failing field is named by its JSON path"),
    429: _documented("rate limit exceeded; see Retry-After"),
    500: _documented("unexpected error; the body carries the request id"),
    503: _documented("database or engine unavailable; see Retry-After"),
}
