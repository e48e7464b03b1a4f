"""Storing the challenger's shadow score of a decision beside the champion's."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from industry_credit.db.models import ShadowScore

_INSERT = insert(cast(Table, ShadowScore.__table__))


def insert_decision_shadow(
    *,
    session: Session,
    decision_id: uuid.UUID,
    enterprise_id: int,
    as_of: date,
    body: dict[str, Any],
    shadow: dict[str, Any],
) -> None:
    """One Core INSERT in the request's transaction; ``body`` is the stored decision document."""
    session.execute(
        _INSERT,
        {
            "decision_id": decision_id,
            "as_of": as_of,
            "enterprise_id": enterprise_id,
            "champion_version": body["model_version"],
            "challenger_version": shadow["challenger_version"],
            "ruleset_version": body["ruleset_version"],
            "champion_pd": body["pd"],
            "champion_grade": body["grade"],
            "champion_outcome": body["outcome"],
            "challenger_pd": shadow["pd"],
            "challenger_grade": shadow["grade"],
            "challenger_outcome": shadow["outcome"],
        },
    )
