"""Portfolio pages: the industry-chain panorama, the override report and the batch report."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from industry_credit.api.deps import DbSession
from industry_credit.errors import UnprocessableError
from industry_credit.review import panorama, repository
from industry_credit.review.reports import current_month, month_bounds, override_report
from industry_credit.review.svg import Graph, circle_graph
from industry_credit.review.templating import render
from industry_credit.review.ui import guarded
from industry_credit.review.uiauth import UiSession
from industry_credit.vocabulary import DISTRICTS, SECTORS

router = APIRouter(prefix="/ui", include_in_schema=False)

# The batch report is HTML written by our own batch, but it is shown as a document, never as
# part of the workbench: no script runs and it cannot reach the session.
REPORT_HEADERS = {
    "Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def _cluster_graphs(p: panorama.Panorama) -> list[Graph]:
    graphs = []
    for cluster in p.clusters:
        nodes = [
            (
                str(m.id),
                m.name,
                "distress" if m.distressed else "rising",
                f"{m.name} · PD {m.pd:.2%}"
                + (f" ← {m.prev_pd:.2%}" if m.prev_pd is not None else ""),
                m.pd,
            )
            for m in cluster.members[:12]
        ]
        links = [(str(a), str(b)) for a, b in cluster.links]
        graphs.append(circle_graph(nodes, links, size=300))
    return graphs


def _panorama_context(request: Request, session: Session) -> dict[str, object]:
    grade = request.query_params.get("grade") or None
    p = panorama.build(session=session, grade=grade)
    used_districts = [d for d in DISTRICTS if any(k[0] == d for k in p.grid)]
    used_sectors = [s for s in SECTORS if any(k[1] == s for k in p.grid)]
    highest = max((c.exposure for c in p.by_grade.values()), default=0.0) or 1.0
    return {
        "p": p,
        "grade": grade if grade in p.grades else None,
        "districts": used_districts,
        "sectors": used_sectors,
        "grade_max": highest,
        "core_max": max((c.exposure for c in p.core), default=0.0) or 1.0,
        "cluster_graphs": _cluster_graphs(p),
        "latest_batch": repository.latest_batch_run(session=session),
        # Flagged firms the latest night deferred by capacity (from its report), largest first.
        "deferred_shown": 20,
    }


@router.get("/panorama")
def panorama_page(request: Request, session: DbSession) -> Response:
    return guarded(
        request,
        session,
        lambda ui: render(request, "panorama.html", _panorama_context(request, session), ui=ui),
    )


@router.get("/panorama/grid")
def panorama_grid(request: Request, session: DbSession) -> Response:
    """The district × sector grid for one grade, for htmx to swap in."""
    return guarded(
        request,
        session,
        lambda ui: render(
            request, "_panorama_grid.html", _panorama_context(request, session), ui=ui
        ),
    )


@router.get("/reports/overrides")
def overrides_page(request: Request, session: DbSession) -> Response:
    def page(ui: UiSession) -> Response:
        month = request.query_params.get("month") or current_month(datetime.now(UTC))
        try:
            month_bounds(month)
        except UnprocessableError:
            month = current_month(datetime.now(UTC))
        context = {
            "report": override_report(session=session, month=month),
            "latest_batch": repository.latest_batch_run(session=session),
        }
        return render(request, "overrides.html", context, ui=ui)

    return guarded(request, session, page)


@router.get("/batch/latest")
def latest_batch_report(request: Request, session: DbSession) -> Response:
    def page(ui: UiSession) -> Response:
        run = repository.latest_batch_run(session=session)
        if run is None or run.report_html is None:
            return render(
                request, "error.html", {"message_key": "error.not_found"}, ui=ui, status_code=404
            )
        return HTMLResponse(run.report_html, headers=REPORT_HEADERS)

    return guarded(request, session, page)
