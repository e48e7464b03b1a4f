"""A firm's ratings over time, for a nightly flag's case: what the run found against what was
known before it (the previous run's rating, or the latest decision made before the run)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from industry_credit.db.models import Decision, RescoreResult


@dataclass(frozen=True)
class Rating:
    when: date
    pd: float
    grade: str
    source: str  # "batch" (a nightly run) or "decision"


def history(*, session: Session, enterprise_id: int, limit: int = 12) -> list[Rating]:
    """Every nightly rating and decision of the firm, newest first."""
    runs = session.execute(
        select(RescoreResult.as_of, RescoreResult.pd, RescoreResult.grade)
        .where(RescoreResult.enterprise_id == enterprise_id)
        .order_by(RescoreResult.as_of.desc())
        .limit(limit)
    ).all()
    decisions = session.execute(
        select(Decision.decided_at, Decision.pd, Decision.grade)
        .where(Decision.enterprise_id == enterprise_id)
        .order_by(Decision.decided_at.desc())
        .limit(limit)
    ).all()
    ratings = [Rating(r.as_of, float(r.pd), str(r.grade), "batch") for r in runs]
    ratings += [
        Rating(d.decided_at.date(), float(d.pd), str(d.grade), "decision") for d in decisions
    ]
    return sorted(ratings, key=lambda r: (r.when, r.source == "batch"), reverse=True)[:limit]


def previous(ratings: list[Rating], as_of: date) -> Rating | None:
    """The rating known before a run of ``as_of``: the newest one strictly earlier."""
    return next((r for r in ratings if r.when < as_of), None)


# A rescore is as of the end of its day, so it supersedes that day's decisions (as in the
# panorama, which ranks a firm's scorings the same way).
_CURRENT = text(
    """
    SELECT DISTINCT ON (enterprise_id) enterprise_id, pd, grade, day, source
    FROM (
        SELECT enterprise_id, pd, grade, decided_at AS at, decided_at::date AS day,
               'decision' AS source
        FROM decisions WHERE enterprise_id = ANY(:ids)
        UNION ALL
        SELECT enterprise_id, pd, grade, (as_of + 1)::timestamptz - interval '1 second',
               as_of, 'batch'
        FROM rescore_results WHERE enterprise_id = ANY(:ids)
    ) scored
    ORDER BY enterprise_id, at DESC
    """
)


def current(*, session: Session, enterprise_ids: list[int]) -> dict[int, Rating]:
    """Each firm's current risk: the newer of its latest decision and its latest nightly rating."""
    if not enterprise_ids:
        return {}
    rows = session.execute(_CURRENT, {"ids": sorted(set(enterprise_ids))}).all()
    return {
        int(r.enterprise_id): Rating(r.day, float(r.pd), str(r.grade), str(r.source)) for r in rows
    }
