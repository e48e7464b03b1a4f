"""The nightly run's report inside the workbench, in Chinese or English: the counts, the
downgrades and early warnings with each firm's name and a link to its case, the contagion
clusters, exposure in 万元/亿元 and the drift status. The batch's own HTML stays available as a
sandboxed document (``/ui/batch/latest``); this page reads the same JSON the batch stored."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from industry_credit.api.deps import DbSession
from industry_credit.db.models import BatchRun, Enterprise, ReviewCase
from industry_credit.review import repository
from industry_credit.review.codes import OPEN_STATUSES
from industry_credit.review.templating import render
from industry_credit.review.ui import guarded
from industry_credit.review.uiauth import UiSession

router = APIRouter(prefix="/ui", include_in_schema=False)

MEMBERS_SHOWN = 12


def _ids(report: dict[str, Any]) -> set[int]:
    ids = {int(r["enterprise_id"]) for r in report.get("downgrades", {}).get("top", [])}
    ids |= {int(r["enterprise_id"]) for r in report.get("early_warnings", {}).get("top", [])}
    for cluster in report.get("contagion", {}).get("clusters", []):
        ids |= {int(m) for m in cluster.get("members", [])[:MEMBERS_SHOWN]}
    return ids


def firms(session: Session, run: BatchRun, ids: set[int]) -> dict[int, dict[str, Any]]:
    """Name, USCC and the open case (this run's first) of each firm the report lists."""
    if not ids:
        return {}
    rows = session.execute(
        select(Enterprise.id, Enterprise.name, Enterprise.uscc).where(Enterprise.id.in_(ids))
    ).all()
    out: dict[int, dict[str, Any]] = {
        int(i): {"name": n, "uscc": u, "case_id": None} for i, n, u in rows
    }
    cases = session.execute(
        select(ReviewCase.enterprise_id, ReviewCase.id, ReviewCase.batch_run_id)
        .where(ReviewCase.enterprise_id.in_(ids), ReviewCase.status.in_(OPEN_STATUSES))
        .order_by(ReviewCase.id)
    ).all()
    for enterprise_id, case_id, run_id in cases:
        firm = out.get(int(enterprise_id))
        if firm is not None and (firm["case_id"] is None or run_id == run.id):
            firm["case_id"] = case_id
    return out


def report_page(request: Request, session: Session, ui: UiSession) -> Response:
    run = repository.latest_batch_run(session=session)
    if run is None:
        return render(
            request, "error.html", {"message_key": "batch.no_run"}, ui=ui, status_code=404
        )
    report: dict[str, Any] = dict(run.report or {})
    context = {
        "run": run,
        "report": report,
        "firms": firms(session, run, _ids(report)),
        "members_shown": MEMBERS_SHOWN,
        "latest_batch": run,
    }
    return render(request, "batch_report.html", context, ui=ui)


@router.get("/batch/report")
def batch_report(request: Request, session: DbSession) -> Response:
    return guarded(request, session, lambda ui: report_page(request, session, ui))
