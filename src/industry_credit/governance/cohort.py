"""The observations of a backtest: one rating per enterprise in the cohort, with its outcome.

A rating is a decision of the API or a nightly rescore result whose PD the model produced:
as the champion (``decisions``, ``rescore_results`` of succeeded runs) or in shadow as the
challenger (``shadow_scores``). Per enterprise the earliest rating in the cohort counts (a
decision before a nightly rating of the same day), so that an enterprise rated every night
is one observation, as in a cohort default-rate study. A rating counts only when its horizon
has matured by ``as_of``; an enterprise with a credit event on or before the rating date is
already in default and left out. It defaulted when a credit event (default or 90 days past due)
falls after the rating date and within the horizon.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

_COHORT = text(
    """
WITH ratings AS (
    SELECT d.enterprise_id, (d.decided_at AT TIME ZONE 'UTC')::date AS rated_on, d.pd, d.grade,
           d.id AS decision_id, 0 AS priority
    FROM decisions d
    WHERE d.model_version = :model
      AND (d.decided_at AT TIME ZONE 'UTC')::date BETWEEN :cohort_from AND :cohort_to
    UNION ALL
    SELECT s.enterprise_id, s.as_of, s.challenger_pd, s.challenger_grade, s.decision_id,
           CASE WHEN s.decision_id IS NULL THEN 1 ELSE 0 END
    FROM shadow_scores s LEFT JOIN batch_runs b ON b.id = s.run_id
    WHERE s.challenger_version = :model AND s.as_of BETWEEN :cohort_from AND :cohort_to
      AND (s.run_id IS NULL OR b.status = 'succeeded')
    UNION ALL
    SELECT r.enterprise_id, r.as_of, r.pd, r.grade, NULL, 1
    FROM rescore_results r
    JOIN batch_runs b ON b.id = r.run_id AND b.status = 'succeeded' AND b.model_version = :model
    WHERE r.as_of BETWEEN :cohort_from AND :cohort_to
), first_rating AS (
    SELECT DISTINCT ON (enterprise_id) *
    FROM ratings
    WHERE rated_on + make_interval(months => :horizon) <= :as_of
    ORDER BY enterprise_id, rated_on, priority
)
SELECT f.enterprise_id, f.pd, f.grade, f.decision_id IS NOT NULL AS from_decision,
       EXISTS (
           SELECT 1 FROM credit_events e
           WHERE e.enterprise_id = f.enterprise_id AND e.event_date > f.rated_on
             AND e.event_date <= f.rated_on + make_interval(months => :horizon)
             AND e.event_date <= :as_of
       ) AS defaulted,
       EXISTS (
           SELECT 1 FROM review_cases c JOIN reviews v ON v.case_id = c.id
           WHERE c.decision_id = f.decision_id AND v.action = 'override'
       ) AS overridden
FROM first_rating f
WHERE NOT EXISTS (
    SELECT 1 FROM credit_events e
    WHERE e.enterprise_id = f.enterprise_id AND e.event_date <= f.rated_on
)
ORDER BY f.enterprise_id
"""
)


@dataclass(frozen=True)
class Cohort:
    enterprise_id: np.ndarray
    pd: np.ndarray
    grade: np.ndarray
    from_decision: np.ndarray
    defaulted: np.ndarray
    overridden: np.ndarray

    def __len__(self) -> int:
        return len(self.pd)


def load_cohort(
    session: Session,
    *,
    model: str,
    cohort_from: date,
    cohort_to: date,
    horizon_months: int,
    as_of: date,
) -> Cohort:
    rows = session.execute(
        _COHORT,
        {
            "model": model,
            "cohort_from": cohort_from,
            "cohort_to": cohort_to,
            "horizon": horizon_months,
            "as_of": as_of,
        },
    ).all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * 6
    return Cohort(
        enterprise_id=np.asarray(columns[0], dtype=np.int64),
        pd=np.asarray(columns[1], dtype=np.float64),
        grade=np.asarray(columns[2], dtype=object),
        from_decision=np.asarray(columns[3], dtype=bool),
        defaulted=np.asarray(columns[4], dtype=bool),
        overridden=np.asarray(columns[5], dtype=bool),
    )
