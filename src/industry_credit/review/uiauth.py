"""Sign-in for the web workbench: the bearer JWT kept in an HttpOnly cookie.

The cookie holds the same token the REST API accepts, so a page sees exactly what the API would
let that user see. It is ``SameSite=Strict`` and scoped to ``/ui``; forms also carry a CSRF
token, an HMAC of the session token under the server's JWT key, so that a request from another
site cannot act even through a browser that ignores SameSite. The sign-in form, before any
session exists, carries a random token that must equal its ``SameSite=Strict`` cookie (double
submit), so another site cannot sign a browser in as someone else. Sign-in by username alone
exists only in the demo (``settings.env == "demo"``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from industry_credit.auth.tokens import TokenError, issue_token, verify_token
from industry_credit.auth.users import get_user
from industry_credit.config import Settings
from industry_credit.db.models import User
from industry_credit.review.messages import language

SESSION_COOKIE = "ic_session"
LANG_COOKIE = "ic_lang"
LOGIN_CSRF_COOKIE = "ic_login_csrf"
DEMO_ENVIRONMENTS = ("demo",)
UI_ROLES = ("risk_officer", "admin")


@dataclass(frozen=True)
class UiSession:
    user: User
    token: str
    csrf: str
    lang: str


class LoginRequiredError(Exception):
    """No valid session: the page answers with a redirect to the sign-in form."""


class RoleRefusedError(Exception):
    """Signed in, but the role may not use the workbench (RMs: separation of duties)."""


class TooManyRequestsError(Exception):
    """Over the per-user request rate, the same limit the REST API applies."""


def demo_login_enabled(settings: Settings) -> bool:
    return settings.env in DEMO_ENVIRONMENTS and settings.jwt_secret is not None


def csrf_for(settings: Settings, token: str) -> str:
    key = (settings.jwt_secret or settings.jwt_public_key or "").encode()
    return hmac.new(key, b"csrf:" + token.encode(), hashlib.sha256).hexdigest()


def csrf_ok(ui: UiSession, submitted: str | None) -> bool:
    return submitted is not None and hmac.compare_digest(ui.csrf, submitted)


def login_csrf(request: Request) -> str:
    """The sign-in form's token: the browser's cookie if it has one, else a new random one."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)


def login_csrf_ok(request: Request, submitted: str) -> bool:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), submitted.encode())


def set_login_csrf(response: Response, value: str, secure: bool) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE, value, path="/ui", httponly=True, samesite="strict", secure=secure
    )


def lang_of(request: Request) -> str:
    return language(request.cookies.get(LANG_COOKIE))


def user_for_token(*, session: Session, settings: Settings, token: str) -> User:
    """The active user a token names, with the role it claims; raises LoginRequiredError."""
    try:
        principal = verify_token(settings, token)
    except TokenError as exc:
        raise LoginRequiredError(str(exc)) from None
    user = get_user(session=session, username=principal.subject)
    if user is None or not user.active or user.role != principal.role:
        raise LoginRequiredError("unknown or inactive user, or a stale role")
    return user


def current(request: Request, session: Session) -> UiSession:
    """The signed-in officer; raises LoginRequiredError or RoleRefusedError."""
    settings: Settings = request.app.state.settings
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequiredError("not signed in")
    user = user_for_token(session=session, settings=settings, token=token)
    if request.app.state.rate_limiter.acquire(user.username):
        raise TooManyRequestsError(user.username)
    if user.role not in UI_ROLES:
        raise RoleRefusedError(f"role {user.role} may not use the review workbench")
    return UiSession(user, token, csrf_for(settings, token), lang_of(request))


def demo_token(*, session: Session, settings: Settings, username: str) -> tuple[User, str] | None:
    user = get_user(session=session, username=username.strip())
    if user is None or not user.active:
        return None
    return user, issue_token(settings, subject=user.username, role=user.role)


def safe_next(target: str | None) -> str:
    """Only redirect within the workbench (no open redirect to another site)."""
    if target and target.startswith("/ui/") and not target.startswith("//"):
        return target
    return "/ui/queue"


def signed_in(request: Request, token: str, target: str | None) -> Response:
    settings: Settings = request.app.state.settings
    response = RedirectResponse(safe_next(target), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.jwt_ttl_minutes * 60,
        path="/ui",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


def signed_out(target: str = "/ui/login") -> Response:
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/ui")
    return response
