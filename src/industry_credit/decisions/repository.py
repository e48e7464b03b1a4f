"""Decision persistence and the look-ups the pipeline needs. All SQL for decisions lives here."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

import psycopg
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from industry_credit.db.models import Decision
from industry_credit.db.pipeline import Write, fetch_one, insert_row, run

_COUNTERPARTY_RISK = """
    SELECT DISTINCT ON (uscc) uscc, pd FROM (
        SELECT e.uscc, r.pd, r.as_of::timestamptz AS at
        FROM rescore_results r JOIN enterprises e ON e.id = r.enterprise_id
        WHERE e.uscc = ANY(%(usccs)s)
        UNION ALL
        SELECT e.uscc, d.pd, d.decided_at AS at
        FROM decisions d JOIN enterprises e ON e.id = d.enterprise_id
        WHERE e.uscc = ANY(%(usccs)s)
    ) known
    ORDER BY uscc, at DESC
"""


def counterparty_risk(*, session: Session, usccs: Sequence[str]) -> tuple[tuple[str, float], ...]:
    """Latest PD of each counterparty the bank knows, from the newest decision or batch result."""
    return counterparty_risk_rows(run(session, [counterparty_risk_write(usccs)])[0])


def counterparty_risk_write(usccs: Sequence[str]) -> Write | None:
    """``counterparty_risk`` as a statement for a pipeline (``None`` when there is nothing to
    look up); ``counterparty_risk_rows`` reads its answer."""
    return Write(_COUNTERPARTY_RISK, {"usccs": sorted(set(usccs))}) if usccs else None


def counterparty_risk_rows(cursor: psycopg.Cursor[Any] | None) -> tuple[tuple[str, float], ...]:
    rows = [] if cursor is None else cursor.fetchall()
    return tuple((str(uscc), float(pd)) for uscc, pd in rows)


_BOOK = (
    "SELECT COALESCE(sum(exposure), 0)::float8,"
    " COALESCE(sum(exposure) FILTER (WHERE sector = %(sector)s), 0)::float8,"
    " COALESCE(sum(exposure) FILTER (WHERE district = %(district)s), 0)::float8"
    " FROM enterprises WHERE exposure > 0"
)


def book_exposure(*, session: Session, sector: str, district: str) -> tuple[tuple[str, float], ...]:
    """The bank's outstanding exposure in total, in ``sector`` and in ``district``."""
    return book_exposure_rows(run(session, [book_exposure_write(sector, district)])[0])


def book_exposure_write(sector: str, district: str) -> Write:
    """``book_exposure`` as a statement for a pipeline; ``book_exposure_rows`` reads it."""
    return Write(_BOOK, {"sector": sector, "district": district})


def book_exposure_rows(cursor: psycopg.Cursor[Any] | None) -> tuple[tuple[str, float], ...]:
    row = fetch_one(cursor)
    assert row is not None  # an aggregate always returns its row
    total, in_sector, in_district = row
    return (("total", float(total)), ("sector", float(in_sector)), ("district", float(in_district)))


def decision_write(
    *,
    decision_id: uuid.UUID,
    application_id: uuid.UUID,
    enterprise_id: int,
    document: dict[str, Any],
    snapshot: dict[str, Any],
    decided_at: datetime,
) -> Write:
    """The decision's INSERT, for the submission's last pipeline: nothing in the request reads
    the row back, so the ORM's unit of work and RETURNING of defaults would be pure overhead."""
    return insert_row(
        _DECISIONS,
        {
            "id": decision_id,
            "application_id": application_id,
            "enterprise_id": enterprise_id,
            "pd": document["pd"],
            "grade": document["grade"],
            "outcome": document["outcome"],
            "stage": document["stage"],
            "stage_declared": document.get("stage_declared"),
            "products": document["products"],
            "limit_amount": Decimal(str(document["limit"]["amount"])),
            "limit_binding": document["limit"]["binding"],
            "tenor_months": document["tenor"]["months"],
            "tenor_binding": document["tenor"]["binding"],
            "pricing": document["pricing"],
            "rate": Decimal(str(document["pricing"]["rate"])),
            "conditions": document["conditions"],
            "reasons": document["reasons"],
            "rule_hits": document["rule_hits"],
            "flags": list(document.get("flags", [])),
            "model_version": document["model_version"],
            "ruleset_version": document["ruleset_version"],
            "input_snapshot": snapshot,
            "input_sha256": document["input_sha256"],
            "document": document,
            "decided_at": decided_at,
        },
    )


_DECISIONS = cast(Table, Decision.__table__)


def get_decision(*, session: Session, decision_id: uuid.UUID) -> Decision | None:
    return session.get(Decision, decision_id)


def decision_for_application(*, session: Session, application_id: uuid.UUID) -> Decision | None:
    return session.execute(
        select(Decision).where(Decision.application_id == application_id)
    ).scalar_one_or_none()
