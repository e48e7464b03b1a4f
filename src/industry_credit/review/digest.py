"""The officers' morning digest: what the latest nightly run did to the queue (new tonight,
worsened, cleared for an officer to close) and which open cases are close to or past the SLA.

One JSON shape serves the REST endpoint and the page; both need a risk officer or an admin, as
the queue does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from industry_credit.db.models import BatchRun, Enterprise, ReviewCase
from industry_credit.review.codes import OPEN_STATUSES
from industry_credit.review.repository import latest_signal_changes

# A case is "at risk" once three quarters of the SLA have passed (the queue's "near SLA" badge).
SLA_AT_RISK_SHARE = 0.75
SHOWN = 50


@dataclass(frozen=True)
class DigestRun:
    run_id: str
    as_of: str


def _latest_run(session: Session) -> BatchRun | None:
    return session.execute(
        select(BatchRun)
        .where(BatchRun.status == "succeeded")
        .order_by(BatchRun.as_of.desc(), BatchRun.started_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def _item(case: ReviewCase, name: str, uscc: str, now: datetime, sla_hours: int) -> dict[str, Any]:
    age = max(0.0, (now - case.enqueued_at).total_seconds() / 3600)
    return {
        "case_id": case.id,
        "source": case.source,
        "status": case.status,
        "enterprise": {"id": case.enterprise_id, "name": name, "uscc": uscc},
        "flags": list(case.flags or []),
        "expected_loss": None if case.expected_loss is None else round(case.expected_loss, 2),
        "severity": case.severity,
        "age_hours": round(age, 1),
        "hours_left": round(sla_hours - age, 1),
    }


def _section(session: Session, stmt: Any, now: datetime, sla_hours: int) -> dict[str, Any]:
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(stmt.limit(SHOWN)).all()
    return {"count": int(total), "items": [_item(c, n, u, now, sla_hours) for c, n, u in rows]}


def build(*, session: Session, now: datetime, sla_hours: int) -> dict[str, Any]:
    run = _latest_run(session)
    base = (
        select(ReviewCase, Enterprise.name, Enterprise.uscc)
        .join(Enterprise, Enterprise.id == ReviewCase.enterprise_id)
        .where(ReviewCase.status.in_(OPEN_STATUSES))
    )
    by_el = (ReviewCase.expected_loss.desc().nulls_last(), ReviewCase.id)
    at_risk = _section(
        session,
        base.where(
            ReviewCase.enqueued_at < now - timedelta(hours=SLA_AT_RISK_SHARE * sla_hours)
        ).order_by(ReviewCase.enqueued_at, ReviewCase.id),
        now,
        sla_hours,
    )
    out: dict[str, Any] = {
        "generated_at": now.isoformat(timespec="seconds"),
        "sla_hours": sla_hours,
        "run": None,
        "new": {"count": 0, "items": []},
        "worsened": {"count": 0, "items": []},
        "cleared": {"count": 0, "items": []},
        "sla_at_risk": at_risk,
        "deferred": None,
    }
    if run is None:
        return out
    tonight = base.where(ReviewCase.source == "batch_flag", ReviewCase.batch_run_id == run.id)
    out["run"] = {"run_id": str(run.id), "as_of": run.as_of.isoformat()}
    out["new"] = _section(
        session, tonight.where(ReviewCase.signal_state == "new").order_by(*by_el), now, sla_hours
    )
    out["worsened"] = _section(
        session,
        tonight.where(ReviewCase.signal_state == "worsened").order_by(*by_el),
        now,
        sla_hours,
    )
    changes = latest_signal_changes(
        session=session, case_ids=[i["case_id"] for i in out["worsened"]["items"]]
    )
    for item in out["worsened"]["items"]:
        item["changes"] = changes.get(item["case_id"], [])
    out["cleared"] = _section(
        session,
        base.where(
            ReviewCase.source == "batch_flag", ReviewCase.signal_state == "cleared"
        ).order_by(ReviewCase.id),
        now,
        sla_hours,
    )
    report: dict[str, Any] = dict(run.report or {})
    deferred = report.get("queue", {}).get("deferred")
    if deferred is not None:
        out["deferred"] = {
            "count": deferred.get("count", 0),
            "expected_loss": deferred.get("expected_loss", 0.0),
        }
    return out
