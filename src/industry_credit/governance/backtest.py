"""``models backtest``: a model's ratings in a cohort against the credit events that followed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from industry_credit.governance import stats
from industry_credit.governance.cohort import Cohort, load_cohort
from industry_credit.ml.grades import MASTER_SCALE


@dataclass(frozen=True)
class BacktestParams:
    model_version: str
    cohort_from: date
    cohort_to: date
    horizon_months: int
    as_of: date

    def to_json(self) -> dict[str, Any]:
        return {
            "model_version": self.model_version,
            "cohort_from": self.cohort_from.isoformat(),
            "cohort_to": self.cohort_to.isoformat(),
            "horizon_months": self.horizon_months,
            "as_of": self.as_of.isoformat(),
        }


def _overrides(cohort: Cohort) -> dict[str, Any]:
    decided = int(cohort.from_decision.sum())
    overridden = cohort.overridden & cohort.from_decision
    n = int(overridden.sum())
    defaults = int(cohort.defaulted[overridden].sum())
    return {
        "decisions": decided,
        "overridden": n,
        "override_rate": n / decided if decided else None,
        "overridden_defaults": defaults,
        "overridden_default_rate": defaults / n if n else None,
    }


def evaluate_cohort(cohort: Cohort) -> dict[str, Any]:
    """Every figure of the report from the observations alone (no database)."""
    y = cohort.defaulted.astype(np.int64)
    p = cohort.pd
    n = len(cohort)
    body: dict[str, Any] = {
        "observations": n,
        "defaults": int(y.sum()),
        "from_decisions": int(cohort.from_decision.sum()),
        "from_nightly": int(n - cohort.from_decision.sum()),
        "thresholds": {"red_p": stats.RED_P, "yellow_p": stats.YELLOW_P},
        "overrides": _overrides(cohort),
    }
    if n == 0:
        body.update(
            discrimination=None, grades=[], red_grades=[], portfolio=None, hosmer_lemeshow=None
        )
        return body
    grades = stats.grade_rows(y, p, cohort.grade, [name for name, _ in MASTER_SCALE])
    body.update(
        discrimination=stats.discrimination(y, p),
        grades=grades,
        red_grades=[row["grade"] for row in grades if row["light"] == "red"],
        portfolio=stats.binomial(n, int(y.sum()), float(p.mean())),
        hosmer_lemeshow=stats.hosmer_lemeshow(y, p),
    )
    return body


def backtest(session: Session, params: BacktestParams) -> dict[str, Any]:
    cohort = load_cohort(
        session,
        model=params.model_version,
        cohort_from=params.cohort_from,
        cohort_to=params.cohort_to,
        horizon_months=params.horizon_months,
        as_of=params.as_of,
    )
    return {"kind": "backtest", **params.to_json(), **evaluate_cohort(cohort)}


def run_backtest(
    session: Session, params: BacktestParams, created_by: int | None = None
) -> tuple[int, dict[str, Any]]:
    """Compute and store a backtest report; returns (report id, report)."""
    from industry_credit.decisions.governance import store_report

    body = backtest(session, params)
    report_id = store_report(
        session=session,
        kind="backtest",
        model_version=params.model_version,
        body=body,
        params=params.to_json(),
        created_by=created_by,
    )
    return report_id, body
