"""Request-scoped dependencies: the session (committed at the edge), the caller, role checks."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from industry_credit.auth.cache import UserCache
from industry_credit.auth.tokens import TokenError, verify_token
from industry_credit.db.models import User
from industry_credit.errors import DomainError, ForbiddenError

bearer = HTTPBearer(auto_error=False, description="JWT with claims sub, role, exp")


class UnauthorizedError(DomainError):
    status_code = 401
    code = "unauthorized"


class RateLimitedError(DomainError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too many requests; retry after {int(retry_after)} s")
        self.headers = {"Retry-After": str(int(retry_after))}


def observe_stage(request: Request, stage: str, seconds: float) -> None:
    """Charge ``seconds`` to ``stage`` of this request's route in request_stage_duration_seconds."""
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        path = getattr(request.scope.get("route"), "path", None) or "unmatched"
        metrics.request_stages.labels(path, stage).observe(seconds)


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: commit if the handler returns, roll back if it raises."""
    session: Session = request.app.state.sessionmaker()
    try:
        yield session
        started = time.perf_counter()
        session.commit()
        observe_stage(request, "commit", time.perf_counter() - started)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function": the transaction commits when the handler returns, before the response is
# sent, so a 201 always means the decision is durable (and a failed commit is the client's 5xx).
DbSession = Annotated[Session, Depends(get_session, scope="function")]


def current_user(
    request: Request,
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    if credentials is None:
        raise UnauthorizedError("missing bearer token")
    started = time.perf_counter()
    try:
        principal = verify_token(request.app.state.settings, credentials.credentials)
    except TokenError as exc:
        raise UnauthorizedError(str(exc)) from None
    retry_after = request.app.state.rate_limiter.acquire(principal.subject)
    if retry_after:
        raise RateLimitedError(retry_after)
    users: UserCache = request.app.state.users
    user = users.get(session, principal.subject)
    if user is None or not user.active:
        raise UnauthorizedError("unknown or inactive user")
    if user.role != principal.role:
        raise UnauthorizedError("token role does not match the user's role")
    request.state.user = user.username
    observe_stage(request, "auth", time.perf_counter() - started)
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_roles(*roles: str) -> Callable[[User], User]:
    """Deny by default: only the listed roles pass."""

    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise ForbiddenError(f"role {user.role!r} may not do this")
        return user

    return check
