"""Decisions: read, explain, replay."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from industry_credit.api.deps import DbSession, require_roles
from industry_credit.applications.queries import get_visible_decision
from industry_credit.audit.service import Actor, record
from industry_credit.db.models import User
from industry_credit.decisions.replay import replay_decision
from industry_credit.decisions.schemas import DecisionOut, ExplanationOut, ReplayOut
from industry_credit.decisions.types import DecisionInput, EngineRegistry

router = APIRouter(prefix="/v1/decisions", tags=["decisions"])

AnyRole = Annotated[User, Depends(require_roles("rm", "risk_officer", "admin"))]
Reviewer = Annotated[User, Depends(require_roles("risk_officer", "admin"))]


@router.get("/{decision_id}", response_model=DecisionOut)
def get_decision(decision_id: uuid.UUID, session: DbSession, user: AnyRole) -> dict[str, Any]:
    """The decision document as it was answered."""
    return get_visible_decision(session=session, user=user, decision_id=decision_id).document


@router.get("/{decision_id}/explanation", response_model=ExplanationOut)
def explain_decision(
    decision_id: uuid.UUID, request: Request, session: DbSession, user: AnyRole
) -> dict[str, Any]:
    """All SHAP contributions, the feature values and every rule evaluation, recomputed from the
    stored input with the decision's own model and ruleset versions."""
    decision = get_visible_decision(session=session, user=user, decision_id=decision_id)
    registry: EngineRegistry = request.app.state.engine_registry
    engine = registry.for_versions(
        model_version=decision.model_version, ruleset_version=decision.ruleset_version
    )
    explanation = engine.explain(DecisionInput.from_snapshot(decision.input_snapshot))
    return {"decision_id": str(decision.id), **explanation}


@router.post("/{decision_id}/replay", response_model=ReplayOut)
def replay(
    decision_id: uuid.UUID, request: Request, session: DbSession, user: Reviewer
) -> dict[str, Any]:
    """Recompute from the stored input snapshot with the stored model and ruleset versions and
    report whether the result is identical, field by field."""
    decision = get_visible_decision(session=session, user=user, decision_id=decision_id)
    differences = replay_decision(decision=decision, registry=request.app.state.engine_registry)
    record(
        session=session,
        actor=Actor(user.username, user.role),
        action="decision.replay",
        entity_type="decision",
        entity_id=str(decision.id),
        payload={"identical": not differences, "fields": [d["field"] for d in differences]},
    )
    return {
        "decision_id": str(decision.id),
        "identical": not differences,
        "differences": differences,
        "model_version": decision.model_version,
        "ruleset_version": decision.ruleset_version,
    }
