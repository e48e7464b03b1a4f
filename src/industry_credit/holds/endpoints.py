"""``/v1/drawdown-holds``: the circuit breaker's holds on existing facilities [004 §3.3]."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from industry_credit.api.deps import DbSession, require_roles
from industry_credit.db.models import User
from industry_credit.holds import service

router = APIRouter(prefix="/v1/drawdown-holds", tags=["drawdown holds"])

AnyRole = Annotated[User, Depends(require_roles("rm", "risk_officer", "admin"))]
Officer = Annotated[User, Depends(require_roles("risk_officer", "admin"))]


class HoldOut(BaseModel):
    id: int
    enterprise_uscc: str
    as_of: str
    flags: list[str]
    placed_at: str
    active: bool
    lifted_at: str | None
    lifted_by: str | None
    lift_reason: str | None


class LiftIn(BaseModel):
    reason: str = Field(min_length=2, max_length=2000, description="why disbursement may resume")


@router.get("", response_model=list[HoldOut])
def list_holds(
    session: DbSession, user: AnyRole, active: bool = Query(True, description="active only")
) -> list[dict[str, Any]]:
    """Holds on undrawn amounts; an RM sees those on the enterprises they own."""
    return service.list_holds(session=session, user=user, active_only=active)


@router.post("/{hold_id}/lift", response_model=HoldOut)
def lift_hold(
    session: DbSession,
    officer: Officer,
    body: LiftIn,
    hold_id: int = Path(ge=1, le=2**62),
) -> dict[str, Any]:
    """A risk officer lifts a hold with a reason (audited); disbursement may resume."""
    return service.lift_hold(
        session=session, officer=officer, hold_id=hold_id, reason=body.reason.strip()
    )
