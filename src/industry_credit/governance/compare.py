"""``models compare``: the challenger against the champion on the same cases (its shadow rows).

* swap set: champion outcome × challenger outcome, with counts, exposure (the application's
  amount for a decision, the enterprise's exposure for a nightly rating) and, where the outcome
  is known, the default rate of each cell;
* grade migration: champion grade × challenger grade;
* PSI of the challenger's PDs against the champion's (champion deciles as the bins);
* where outcomes are known: each model's AUC and their difference with DeLong's paired test,
  and calibration per grade of each model (the backtest's Jeffreys test).

Every shadow row is a case for the swap set, the migration and the PSI. A case's outcome is
known when its 12-month horizon (``horizon_months``) has matured by ``as_of``; the AUCs and the
calibration then take one case per enterprise (its first), as the backtest does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm
from sqlalchemy import text
from sqlalchemy.orm import Session

from industry_credit.governance import stats
from industry_credit.ml.evaluate import auc_difference, psi, psi_baseline
from industry_credit.ml.grades import MASTER_SCALE
from industry_credit.vocabulary import OUTCOMES

_ROWS = text(
    """
SELECT s.enterprise_id, s.as_of, s.champion_version, s.champion_pd, s.champion_grade,
       s.champion_outcome, s.challenger_pd, s.challenger_grade, s.challenger_outcome,
       COALESCE(la.amount, e.exposure, 0)::float8 AS exposure,
       CASE WHEN s.as_of + make_interval(months => :horizon) <= :as_of THEN EXISTS (
           SELECT 1 FROM credit_events ev
           WHERE ev.enterprise_id = s.enterprise_id AND ev.event_date > s.as_of
             AND ev.event_date <= s.as_of + make_interval(months => :horizon)
       ) END AS defaulted
FROM shadow_scores s
JOIN enterprises e ON e.id = s.enterprise_id
LEFT JOIN batch_runs b ON b.id = s.run_id
LEFT JOIN decisions d ON d.id = s.decision_id
LEFT JOIN loan_applications la ON la.id = d.application_id
WHERE s.challenger_version = :challenger
  AND (s.run_id IS NULL OR b.status = 'succeeded')
  AND s.as_of BETWEEN :date_from AND :date_to
  AND NOT EXISTS (
      SELECT 1 FROM credit_events ev
      WHERE ev.enterprise_id = s.enterprise_id AND ev.event_date <= s.as_of
  )
ORDER BY s.enterprise_id, s.as_of, s.id
"""
)
GRADES = [name for name, _ in MASTER_SCALE]


@dataclass(frozen=True)
class CompareParams:
    challenger_version: str
    date_from: date
    date_to: date
    as_of: date
    horizon_months: int = 12

    def to_json(self) -> dict[str, Any]:
        return {
            "challenger_version": self.challenger_version,
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "as_of": self.as_of.isoformat(),
            "horizon_months": self.horizon_months,
        }


def load_rows(session: Session, params: CompareParams) -> pd.DataFrame:
    rows = session.execute(
        _ROWS,
        {
            "challenger": params.challenger_version,
            "date_from": params.date_from,
            "date_to": params.date_to,
            "as_of": params.as_of,
            "horizon": params.horizon_months,
        },
    ).all()
    columns = [
        "enterprise_id",
        "as_of",
        "champion_version",
        "champion_pd",
        "champion_grade",
        "champion_outcome",
        "challenger_pd",
        "challenger_grade",
        "challenger_outcome",
        "exposure",
        "defaulted",
    ]
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def _rate(defaults: int, known: int) -> float | None:
    return defaults / known if known else None


def swap_set(frame: pd.DataFrame) -> list[dict[str, Any]]:
    cells = []
    for champion in OUTCOMES:
        for challenger in OUTCOMES:
            part = frame[
                (frame["champion_outcome"] == champion)
                & (frame["challenger_outcome"] == challenger)
            ]
            known = part["defaulted"].notna()
            defaults = int(part.loc[known, "defaulted"].astype(bool).sum())
            cells.append(
                {
                    "champion": champion,
                    "challenger": challenger,
                    "count": len(part),
                    "exposure": float(part["exposure"].sum()),
                    "known": int(known.sum()),
                    "defaults": defaults,
                    "default_rate": _rate(defaults, int(known.sum())),
                }
            )
    return cells


def grade_migration(frame: pd.DataFrame) -> dict[str, Any]:
    present = [
        g for g in GRADES if g in set(frame["champion_grade"]) | set(frame["challenger_grade"])
    ]
    counts = pd.crosstab(frame["champion_grade"], frame["challenger_grade"]).reindex(
        index=present, columns=present, fill_value=0
    )
    index = {g: i for i, g in enumerate(GRADES)}
    notches = frame["challenger_grade"].map(index) - frame["champion_grade"].map(index)
    return {
        "grades": present,
        "matrix": [[int(v) for v in row] for row in counts.to_numpy()],
        "same": int((notches == 0).sum()),
        "worse": int((notches > 0).sum()),
        "better": int((notches < 0).sum()),
    }


def _discrimination(y: np.ndarray, champion: np.ndarray, challenger: np.ndarray) -> dict[str, Any]:
    if y.sum() == 0 or y.sum() == len(y):
        return {"champion_auc": None, "challenger_auc": None, "diff": None}
    test = auc_difference(y, challenger, champion)
    z = test["diff"] / test["se"] if test["se"] > 0 else 0.0
    return {
        "champion_auc": test["other_auc"],
        "challenger_auc": test["auc"],
        "diff": test["diff"],
        "diff_lo": test["lo"],
        "diff_hi": test["hi"],
        "se": test["se"],
        "z": z,
        "p_value": float(2 * norm.sf(abs(z))),
    }


def with_outcomes(frame: pd.DataFrame) -> dict[str, Any]:
    known = frame[frame["defaulted"].notna()].drop_duplicates("enterprise_id", keep="first")
    y = known["defaulted"].astype(bool).to_numpy(dtype=np.int64)
    out: dict[str, Any] = {"observations": len(known), "defaults": int(y.sum())}
    if len(known) == 0:
        return out | {"discrimination": None, "calibration": None}
    champion = known["champion_pd"].to_numpy(dtype=np.float64)
    challenger = known["challenger_pd"].to_numpy(dtype=np.float64)
    out["discrimination"] = _discrimination(y, champion, challenger)
    out["calibration"] = {
        "champion": stats.grade_rows(y, champion, known["champion_grade"].to_numpy(), GRADES),
        "challenger": stats.grade_rows(y, challenger, known["challenger_grade"].to_numpy(), GRADES),
    }
    return out


def compare_frame(frame: pd.DataFrame) -> dict[str, Any]:
    body: dict[str, Any] = {
        "cases": len(frame),
        "champion_versions": sorted(set(frame["champion_version"])),
        "swap_set": swap_set(frame),
        "outcome_changes": int((frame["champion_outcome"] != frame["challenger_outcome"]).sum()),
        "thresholds": {"red_p": stats.RED_P, "yellow_p": stats.YELLOW_P},
    }
    if len(frame) == 0:
        return body | {"grade_migration": None, "psi": None, "outcomes": with_outcomes(frame)}
    champion_pd = frame["champion_pd"].to_numpy(dtype=np.float64)
    body["grade_migration"] = grade_migration(frame)
    body["psi"] = psi(psi_baseline(champion_pd), frame["challenger_pd"].to_numpy(np.float64))
    body["outcomes"] = with_outcomes(frame)
    return body


def compare(session: Session, params: CompareParams) -> dict[str, Any]:
    frame = load_rows(session, params)
    body = compare_frame(frame)
    champions = body["champion_versions"]
    return {
        "kind": "compare",
        **params.to_json(),
        "model_version": champions[0] if len(champions) == 1 else None,
        **body,
    }


def run_compare(
    session: Session, params: CompareParams, champion: str, created_by: int | None = None
) -> tuple[int, dict[str, Any]]:
    """Compute and store a compare report; ``champion`` names the model it is stored under
    (the cases' champion when they have one, else the active model)."""
    from industry_credit.decisions.governance import store_report

    body = compare(session, params)
    body["model_version"] = body["model_version"] or champion
    report_id = store_report(
        session=session,
        kind="compare",
        model_version=body["model_version"],
        challenger=params.challenger_version,
        body=body,
        params=params.to_json(),
        created_by=created_by,
    )
    return report_id, body
