"""The monthly override report: how often officers overrode the engine, which way, and why."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy.orm import Session

from industry_credit.errors import UnprocessableError
from industry_credit.review import report_queries
from industry_credit.review.codes import DIRECTIONS
from industry_credit.review.override_terms import decision_terms, review_terms
from industry_credit.review.schemas import (
    CountShare,
    OfficerOverrides,
    OverrideItem,
    OverrideReport,
)

# The bank books by Shanghai calendar months; China has no daylight saving time.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    match = _MONTH.match(month)
    if match is None:
        raise UnprocessableError(
            "month must be YYYY-MM", fields=[{"path": "query:month", "problem": "not YYYY-MM"}]
        )
    year, mon = int(match.group(1)), int(match.group(2))
    start = datetime(year, mon, 1, tzinfo=SHANGHAI)
    end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=SHANGHAI)
    return start, end


def current_month(now: datetime) -> str:
    return now.astimezone(SHANGHAI).strftime("%Y-%m")


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _shares(counts: Counter[str], order: tuple[str, ...] = ()) -> list[CountShare]:
    total = sum(counts.values())
    keys = [k for k in order if k in counts] + sorted(k for k in counts if k not in order)
    return [CountShare(key=k, count=counts[k], share=_rate(counts[k], total)) for k in keys]


def override_report(*, session: Session, month: str) -> OverrideReport:
    start, end = month_bounds(month)
    actions = report_queries.reviews_between(session=session, start=start, end=end)
    per_officer: dict[str, Counter[str]] = defaultdict(Counter)
    directions: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for row in actions:
        tally = per_officer[row.actor]
        tally["actions"] += 1
        if row.action != "override":
            continue
        # The direction is fixed when the override is made; it is in the proposal it created
        # or, when that override also closed the case, in the final terms.
        source = row.after.get("proposal") or row.after.get("final_terms") or {}
        direction = str(source.get("direction") or "neutral")
        tally["overrides"] += 1
        tally[direction] += 1
        directions[direction] += 1
        reasons.update(row.reason_codes or ["other"])
    items = _override_items(session=session, start=start, end=end)
    closed = report_queries.closed_between(session=session, start=start, end=end)
    closed_override = sum(1 for c in closed if (c.final_terms or {}).get("override"))
    overrides = sum(directions.values())
    return OverrideReport(
        month=month,
        decision_actions=len(actions),
        overrides=overrides,
        override_rate=_rate(overrides, len(actions)),
        cases_closed=len(closed),
        cases_closed_with_override=closed_override,
        closed_override_rate=_rate(closed_override, len(closed)),
        by_officer=[
            OfficerOverrides(
                officer=name,
                actions=t["actions"],
                overrides=t["overrides"],
                override_rate=_rate(t["overrides"], t["actions"]),
                by_direction={d: t[d] for d in DIRECTIONS if t[d]},
            )
            for name, t in sorted(per_officer.items())
        ],
        by_direction=_shares(directions, DIRECTIONS),
        by_reason=_shares(reasons),
        items=items,
    )


def _override_items(*, session: Session, start: datetime, end: datetime) -> list[OverrideItem]:
    """Each override with the terms it changed, so the report counts what was recorded."""
    items = []
    for review, officer, decision in report_queries.overrides_between(
        session=session, start=start, end=end
    ):
        before, after_terms = review_terms(review.before, review.after, decision_terms(decision))
        after: dict[str, Any] = dict(review.after)
        source = after.get("proposal") or after.get("final_terms") or {}
        outcome = source.get("outcome") or after.get("final_outcome")
        items.append(
            OverrideItem(
                review_id=review.id,
                case_id=review.case_id,
                officer=officer,
                created_at=review.created_at,
                outcome=outcome,
                direction=str(source.get("direction") or "neutral"),
                reason_codes=list(review.reason_codes or []),
                terms_before=before,
                terms_after=after_terms,
            )
        )
    return items
