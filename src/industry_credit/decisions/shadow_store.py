"""Storing the challenger's shadow score of a decision beside the champion's."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, cast

from sqlalchemy import Table

from industry_credit.db.models import ShadowScore
from industry_credit.db.pipeline import Write, insert_row

_SHADOW_SCORES = cast(Table, ShadowScore.__table__)


def decision_shadow_write(
    *,
    decision_id: uuid.UUID,
    enterprise_id: int,
    as_of: date,
    body: dict[str, Any],
    shadow: dict[str, Any],
) -> Write:
    """The shadow row's INSERT, for the submission's last pipeline; ``body`` is the stored
    decision document."""
    return insert_row(
        _SHADOW_SCORES,
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
