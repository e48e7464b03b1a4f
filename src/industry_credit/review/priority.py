"""The queue's priority: SLA breach first, then a case that worsened tonight, then expected loss,
then signal severity, then age. Every item carries the reasons for its place.

Expected loss = PD × amount × LGD with the active ruleset's ``review_queue`` section
(``rules/review_queue.py``). A batch case stores the figure its latest night computed; for a
decision case it is computed here from the decision's PD, the application's amount, product and
collateral.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Float, String, any_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from industry_credit.db.models import LoanApplication, RulesetVersion
from industry_credit.rules.review_queue import QueuePolicy, queue_policy


def active_policy(session: Session) -> QueuePolicy:
    """The queue policy of the active ruleset (its defaults while none is active)."""
    content = session.execute(
        select(RulesetVersion.content).where(RulesetVersion.is_active)
    ).scalar_one_or_none()
    return queue_policy(content or {})


def lgd_sql(policy: QueuePolicy) -> ColumnElement[Any]:
    """The application's LGD as SQL: the product's (else the default), lowered by collateral."""
    product: ColumnElement[Any] = literal(policy.lgd_default, Float)
    if policy.lgd_by_product:
        product = case(
            {code: literal(v, Float) for code, v in policy.lgd_by_product.items()},
            value=LoanApplication.requested_product,
            else_=literal(policy.lgd_default, Float),
        )
    pledged = [
        case((literal(code, String) == any_(LoanApplication.collateral), literal(v, Float)))
        for code, v in policy.lgd_by_collateral.items()
    ]
    # LEAST ignores NULLs: a collateral kind not pledged does not count.
    return func.least(product, *pledged) if pledged else product


def expected_loss_sql(
    policy: QueuePolicy,
    stored: ColumnElement[Any],
    pd: ColumnElement[Any],
    amount: ColumnElement[Any],
) -> ColumnElement[Any]:
    return func.coalesce(stored, cast(pd, Float) * cast(amount, Float) * lgd_sql(policy))


def reasons(
    *,
    over_sla: bool,
    age_hours: float,
    sla_hours: int,
    signal_state: str | None,
    changes: list[str],
    expected_loss: float | None,
    severity: int | None,
    severity_flags: list[str],
) -> list[dict[str, Any]]:
    """Why an item sits where it does, in the order the queue sorts by (message keys + values)."""
    out: list[dict[str, Any]] = []
    if over_sla:
        out.append(
            {"key": "sla_breached", "age_hours": round(age_hours, 1), "sla_hours": sla_hours}
        )
    if signal_state == "worsened":
        out.append({"key": "worsened", "changes": changes})
    elif signal_state == "cleared":
        out.append({"key": "cleared"})
    if expected_loss is not None:
        out.append({"key": "expected_loss", "value": round(expected_loss, 2)})
    if severity:
        out.append({"key": "severity", "value": severity, "flags": severity_flags})
    return out
