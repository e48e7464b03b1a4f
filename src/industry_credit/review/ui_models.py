"""Model governance in the workbench, for risk officers and admins: the champion and the
challenger, the stored reports, and forms that produce a compare or a backtest report (stored,
so a promotion can cite it). A report opens as the same self-contained page the command line
writes, served as a sandboxed document like the batch's own report."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from industry_credit.api.deps import DbSession
from industry_credit.db.models import ModelReport, ModelVersion
from industry_credit.decisions.registry import active_model_version, challenger_model_version
from industry_credit.governance.backtest import BacktestParams, run_backtest
from industry_credit.governance.compare import CompareParams, run_compare
from industry_credit.governance.report_html import render as render_report
from industry_credit.review import repository, uiauth
from industry_credit.review.templating import render
from industry_credit.review.ui import guarded
from industry_credit.review.ui_panorama import REPORT_HEADERS
from industry_credit.review.uiauth import UiSession

router = APIRouter(prefix="/ui", include_in_schema=False)
REPORTS_SHOWN = 50


def _page(request: Request, session: Session, ui: UiSession, error: str | None = None) -> Response:
    today = date.today()
    context: dict[str, Any] = {
        "champion": active_model_version(session),
        "challenger": challenger_model_version(session),
        "versions": session.scalars(
            select(ModelVersion).order_by(ModelVersion.registered_at, ModelVersion.version)
        ).all(),
        "reports": session.scalars(
            select(ModelReport).order_by(ModelReport.id.desc()).limit(REPORTS_SHOWN)
        ).all(),
        "defaults": {
            "today": today.isoformat(),
            "date_from": (today - timedelta(days=90)).isoformat(),
            "cohort_from": (today - timedelta(days=730)).isoformat(),
            "cohort_to": (today - timedelta(days=365)).isoformat(),
        },
        "error": error,
        "latest_batch": repository.latest_batch_run(session=session),
    }
    return render(request, "models.html", context, ui=ui, status_code=422 if error else 200)


@router.get("/models")
def models_page(request: Request, session: DbSession) -> Response:
    return guarded(request, session, lambda ui: _page(request, session, ui))


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{field}: {value!r} is not a date (YYYY-MM-DD)") from None


def _produce(request: Request, session: Session, ui: UiSession, csrf: str, make: Any) -> Response:
    if not uiauth.csrf_ok(ui, csrf):
        return render(
            request, "error.html", {"message_key": "error.code.csrf"}, ui=ui, status_code=403
        )
    try:
        report_id = make()
    except ValueError as exc:
        session.rollback()
        return _page(request, session, ui, error=str(exc))
    session.commit()
    return RedirectResponse(f"/ui/models/reports/{report_id}", status_code=303)


@router.post("/models/compare")
def compare_form(
    request: Request,
    session: DbSession,
    challenger: Annotated[str, Form(max_length=64)] = "",
    date_from: Annotated[str, Form(max_length=10)] = "",
    date_to: Annotated[str, Form(max_length=10)] = "",
    as_of: Annotated[str, Form(max_length=10)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    def page(ui: UiSession) -> Response:
        def make() -> int:
            version = session.get(ModelVersion, challenger)
            if version is None:
                raise ValueError(f"challenger: model {challenger!r} is not registered")
            params = CompareParams(
                version.version,
                _day(date_from, "from"),
                _day(date_to, "to"),
                _day(as_of, "outcomes known to"),
            )
            champion = active_model_version(session) or version.version
            report_id, _ = run_compare(session, params, champion, created_by=ui.user.id)
            return report_id

        return _produce(request, session, ui, csrf, make)

    return guarded(request, session, page)


@router.post("/models/backtest")
def backtest_form(
    request: Request,
    session: DbSession,
    model: Annotated[str, Form(max_length=64)] = "",
    cohort_from: Annotated[str, Form(max_length=10)] = "",
    cohort_to: Annotated[str, Form(max_length=10)] = "",
    horizon_months: Annotated[int, Form(ge=1, le=60)] = 12,
    as_of: Annotated[str, Form(max_length=10)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    def page(ui: UiSession) -> Response:
        def make() -> int:
            if session.get(ModelVersion, model) is None:
                raise ValueError(f"model: {model!r} is not registered")
            params = BacktestParams(
                model,
                _day(cohort_from, "cohort from"),
                _day(cohort_to, "cohort to"),
                horizon_months,
                _day(as_of, "outcomes known to"),
            )
            report_id, _ = run_backtest(session, params, created_by=ui.user.id)
            return report_id

        return _produce(request, session, ui, csrf, make)

    return guarded(request, session, page)


@router.get("/models/reports/{report_id}")
def report_page(report_id: int, request: Request, session: DbSession) -> Response:
    def page(ui: UiSession) -> Response:
        report = session.get(ModelReport, report_id)
        if report is None:
            return render(
                request, "error.html", {"message_key": "error.not_found"}, ui=ui, status_code=404
            )
        return HTMLResponse(render_report(report.body, report.id), headers=REPORT_HEADERS)

    return guarded(request, session, page)
