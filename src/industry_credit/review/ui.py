"""The web workbench under /ui: sign-in, language, static files and the queue page.

Pages are server-rendered; htmx (vendored under ``static/``) refreshes the queue table as the
filters change. The case page and the panorama live in ``ui_case.py`` and ``ui_panorama.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from industry_credit.api.deps import DbSession
from industry_credit.db.models import User
from industry_credit.review import repository, uiauth
from industry_credit.review.codes import GRADE_BANDS, OPEN_STATUSES
from industry_credit.review.presenters import summary_out
from industry_credit.review.service import ReviewPolicy
from industry_credit.review.templating import render
from industry_credit.review.uiauth import (
    LoginRequiredError,
    RoleRefusedError,
    TooManyRequestsError,
    UiSession,
)
from industry_credit.vocabulary import DISTRICTS, SECTORS, STAGES

router = APIRouter(prefix="/ui", include_in_schema=False)

STATIC = Path(__file__).parent / "static"
STATIC_FILES = {p.name: p for p in STATIC.iterdir() if p.is_file()}
MEDIA = {".js": "text/javascript", ".css": "text/css", ".txt": "text/plain; charset=utf-8"}
PAGE_SIZE = 25
SORTS = repository.SORT_KEYS
SOURCES = ("refer", "qc_sample", "batch_flag", "info_answered")
STATUSES = ("open", "awaiting_second", "info_requested", "closed")
HOLDER_FILTERS = ("me", "none")  # cases I hold; free cases


def guarded(request: Request, session: Session, page: Callable[[UiSession], Response]) -> Response:
    """Run a page for a signed-in officer; otherwise sign-in redirect or a refusal page."""
    try:
        ui = uiauth.current(request, session)
    except LoginRequiredError:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/ui/login?next={target}", status_code=303)
    except RoleRefusedError:
        return render(request, "error.html", {"message_key": "login.rm_refused"}, status_code=403)
    except TooManyRequestsError:
        return render(request, "error.html", {"message_key": "error.rate_limited"}, status_code=429)
    return page(ui)


def policy_of(request: Request) -> ReviewPolicy:
    return ReviewPolicy.from_settings(request.app.state.settings)


@router.get("/static/{name}")
def static(name: str) -> Response:
    path = STATIC_FILES.get(name)
    if path is None:
        return Response(status_code=404)
    media = MEDIA.get(path.suffix, "application/octet-stream")
    return FileResponse(path, media_type=media, headers={"Cache-Control": "max-age=3600"})


@router.get("")
@router.get("/")
def home() -> Response:
    return RedirectResponse("/ui/queue", status_code=303)


@router.get("/lang")
def switch_language(to: str = "zh", next: str | None = None) -> Response:
    response = RedirectResponse(uiauth.safe_next(next), status_code=303)
    response.set_cookie(
        uiauth.LANG_COOKIE, to if to in ("zh", "en") else "zh", path="/ui", samesite="lax"
    )
    return response


def _login_page(
    request: Request, session: Session, error: str | None, target: str | None, status: int = 200
) -> Response:
    settings = request.app.state.settings
    demo_users: list[str] = []
    if uiauth.demo_login_enabled(settings):
        demo_users = list(
            session.execute(
                select(User.username)
                .where(User.active, User.role.in_(uiauth.UI_ROLES))
                .order_by(User.username)
                .limit(20)
            ).scalars()
        )
    csrf = uiauth.login_csrf(request)
    context = {
        "error": error,
        "next": uiauth.safe_next(target),
        "demo_users": demo_users,
        "demo": uiauth.demo_login_enabled(settings),
        "csrf": csrf,
    }
    response = render(request, "login.html", context, status_code=status)
    uiauth.set_login_csrf(response, csrf, secure=request.url.scheme == "https")
    return response


@router.get("/login")
def login_form(request: Request, session: DbSession, next: str | None = None) -> Response:
    return _login_page(request, session, None, next)


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form()] = "",
    token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    settings = request.app.state.settings
    if not uiauth.login_csrf_ok(request, csrf):
        return _login_page(request, session, "error.code.csrf", next, 403)
    if token.strip():
        try:
            user = uiauth.user_for_token(session=session, settings=settings, token=token.strip())
        except LoginRequiredError:
            return _login_page(request, session, "login.bad_token", next, 401)
        issued = token.strip()
    elif username.strip():
        if not uiauth.demo_login_enabled(settings):
            return _login_page(request, session, "login.demo_disabled", next, 403)
        found = uiauth.demo_token(session=session, settings=settings, username=username)
        if found is None:
            return _login_page(request, session, "login.unknown_user", next, 401)
        user, issued = found
    else:
        return _login_page(request, session, "login.unknown_user", next, 401)
    if user.role not in uiauth.UI_ROLES:
        return _login_page(request, session, "login.rm_refused", next, 403)
    return uiauth.signed_in(request, issued, next)


@router.post("/logout")
def logout(request: Request, session: DbSession, csrf: Annotated[str, Form()] = "") -> Response:
    """Signing out needs the session's CSRF token too: another site may not end a session."""
    try:
        ui = uiauth.current(request, session)
    except (LoginRequiredError, RoleRefusedError, TooManyRequestsError):
        return uiauth.signed_out()
    if not uiauth.csrf_ok(ui, csrf):
        return render(request, "error.html", {"message_key": "error.code.csrf"}, status_code=403)
    return uiauth.signed_out()


def _decimal(value: str | None, scale: int = 1) -> Decimal | None:
    try:
        return Decimal(value) * scale if value not in (None, "") else None
    except InvalidOperation:
        return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def queue_params(request: Request) -> dict[str, Any]:
    """The filter form's values, leniently parsed: a bad value is ignored, not an error page."""
    q = request.query_params

    def pick(name: str, allowed: tuple[str, ...]) -> str | None:
        value = q.get(name)
        return value if value in allowed else None

    try:
        offset = max(0, int(q.get("offset", "0")))
    except ValueError:
        offset = 0
    return {
        "district": pick("district", DISTRICTS),
        "sector": pick("sector", SECTORS),
        "stage": pick("stage", STAGES),
        "source": pick("source", SOURCES),
        "status": pick("status", STATUSES),
        "grade": (q.get("grade") or "").strip()[:8] or None,
        "amount_min": q.get("amount_min") or "",
        "amount_max": q.get("amount_max") or "",
        "min_age": q.get("min_age") or "",
        "over_sla": q.get("over_sla") == "1",
        # Control characters dropped: PostgreSQL refuses a NUL in text.
        "q": "".join(ch for ch in (q.get("q") or "") if ch.isprintable()).strip()[:60],
        "band": pick("band", tuple(GRADE_BANDS)),
        "mine_second": q.get("mine") == "second",
        "holder": pick("holder", HOLDER_FILTERS),
        "sort": q.get("sort") if q.get("sort") in SORTS else "priority",
        "order": "desc" if q.get("order") == "desc" else "asc",
        "offset": offset,
    }


def queue_context(request: Request, session: Session, ui: UiSession) -> dict[str, Any]:
    params = queue_params(request)
    policy = policy_of(request)
    filters = repository.QueueFilter(
        statuses=(params["status"],) if params["status"] else OPEN_STATUSES,
        source=params["source"],
        district=params["district"],
        sector=params["sector"],
        stage=params["stage"],
        grade=params["grade"],
        # The form asks for 万元 (CNY 10,000), the unit Chinese credit staff think in.
        amount_min=_decimal(params["amount_min"], 10_000),
        amount_max=_decimal(params["amount_max"], 10_000),
        min_age_hours=_float(params["min_age"]),
        over_sla_only=params["over_sla"],
        search=params["q"] or None,
        grade_band=params["band"],
        awaiting_second_for=ui.user.id if params["mine_second"] else None,
        holder=ui.user.username if params["holder"] == "me" else params["holder"],
    )
    now = datetime.now(UTC)
    items, total = repository.list_queue(
        session=session,
        filters=filters,
        now=now,
        sla_hours=policy.sla_hours,
        sort=params["sort"],
        descending=params["order"] == "desc",
        limit=PAGE_SIZE,
        offset=params["offset"],
    )
    query = {k: v for k, v in request.query_params.items() if k != "offset"}
    return {
        "params": params,
        "items": [summary_out(i, now=now, policy=policy) for i in items],
        "total": total,
        "page_size": PAGE_SIZE,
        "query": query,
        "sla_hours": policy.sla_hours,
        "districts": DISTRICTS,
        "sectors": SECTORS,
        "stages": STAGES,
        "sources": SOURCES,
        "statuses": STATUSES,
        "sorts": SORTS,
        "bands": tuple(GRADE_BANDS),
        "holders": HOLDER_FILTERS,
        "latest_batch": repository.latest_batch_run(session=session),
    }


@router.get("/queue")
def queue_page(request: Request, session: DbSession) -> Response:
    return guarded(
        request,
        session,
        lambda ui: render(request, "queue.html", queue_context(request, session, ui), ui=ui),
    )


@router.get("/queue/rows")
def queue_rows(request: Request, session: DbSession) -> Response:
    """The table alone, for htmx to swap in when a filter changes; the address bar follows."""

    def page(ui: UiSession) -> Response:
        response = render(request, "_queue_rows.html", queue_context(request, session, ui), ui=ui)
        response.headers["HX-Push-Url"] = "/ui/queue?" + request.url.query
        return response

    return guarded(request, session, page)
