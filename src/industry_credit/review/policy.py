"""The four-eyes policy as pure functions: who may act, how many officers must agree, and which
way an override moved the terms. The service applies them under a row lock; the database
triggers of migration 20261121_02 re-check the same rules on the rows themselves.

A case carries at most one *proposal* (outcome + terms) while it waits for agreement. An
``approve`` or ``decline`` agrees with a pending proposal of the same outcome, or else proposes
that outcome on the engine's terms; an ``override`` always proposes new terms. A proposal is
final once enough distinct officers agree: two for amounts at or above the threshold and for
every override (an override is the officer disagreeing with the model, so it is never final on
one signature), one otherwise. Once an override was made in a round (the reviews since the last question to the
RM), every final outcome of that round needs two officers, as the database guard counts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from industry_credit.errors import ConflictError, ForbiddenError


class FourEyesError(ForbiddenError):
    code = "four_eyes_violation"


class CaseStateError(ConflictError):
    code = "case_state"


@dataclass
class Proposal:
    outcome: str
    terms: dict[str, Any]
    override: bool
    direction: str | None
    proposed_by: int
    agreed_by: list[int] = field(default_factory=list)
    agreed_by_names: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "terms": self.terms,
            "override": self.override,
            "direction": self.direction,
            "proposed_by": self.proposed_by,
            "agreed_by": list(self.agreed_by),
            "agreed_by_names": list(self.agreed_by_names),
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None) -> Proposal | None:
        if raw is None:
            return None
        return cls(
            outcome=str(raw["outcome"]),
            terms=dict(raw["terms"]),
            override=bool(raw["override"]),
            direction=raw.get("direction"),
            proposed_by=int(raw["proposed_by"]),
            agreed_by=[int(i) for i in raw["agreed_by"]],
            agreed_by_names=[str(n) for n in raw.get("agreed_by_names", [])],
        )


def declined_terms() -> dict[str, Any]:
    return {"limit_amount": 0.0, "tenor_months": 0, "products": [], "rate": None}


def required_agreements(*, amount: Decimal, threshold: Decimal, override: bool) -> int:
    """``override``: an override was made in the current round (since the last question to
    the RM). Once someone disagreed with the model, no single officer closes the case."""
    return 2 if override or amount >= threshold else 1


def check_not_submitter(*, actor_id: int, submitted_by: int | None) -> None:
    """审贷分离: the RM who submitted an application never reviews it."""
    if submitted_by is not None and actor_id == submitted_by:
        raise FourEyesError("you submitted this application and may not review it")


def check_may_approve(*, actor_id: int, overridden_by: set[int]) -> None:
    """An officer who overrode the case may not also approve it: the override needs another."""
    if actor_id in overridden_by:
        raise FourEyesError(
            "you overrode this case; another risk officer must approve it (four-eyes)"
        )


def agree_or_propose(
    *,
    pending: Proposal | None,
    outcome: str,
    terms: dict[str, Any],
    actor_id: int,
    actor_name: str,
) -> Proposal:
    """Add the actor's agreement to a pending proposal of this outcome, or start a new one."""
    if pending is not None and pending.outcome == outcome:
        if actor_id in pending.agreed_by:
            raise FourEyesError(
                "you already agreed to this proposal; a second, different risk officer must decide"
            )
        return Proposal(
            outcome=pending.outcome,
            terms=pending.terms,
            override=pending.override,
            direction=pending.direction,
            proposed_by=pending.proposed_by,
            agreed_by=[*pending.agreed_by, actor_id],
            agreed_by_names=[*pending.agreed_by_names, actor_name],
        )
    return Proposal(
        outcome=outcome,
        terms=terms,
        override=False,
        direction=None,
        proposed_by=actor_id,
        agreed_by=[actor_id],
        agreed_by_names=[actor_name],
    )


def _sign(value: float) -> int:
    return (value > 0) - (value < 0)


def override_direction(
    *, engine_outcome: str, engine: dict[str, Any], outcome: str, terms: dict[str, Any]
) -> str:
    """``up`` = more lenient than the engine, ``down`` = stricter.

    A refer is the engine abstaining, so approving a refer is judged on the terms alone;
    declining anything the engine did not decline is ``down``; approving a decline is ``up``.
    """
    if outcome == "decline":
        return "neutral" if engine_outcome == "decline" else "down"
    if engine_outcome == "decline":
        return "up"
    limit_move = _sign(float(terms["limit_amount"]) - float(engine.get("limit_amount") or 0))
    tenor_move = _sign(int(terms["tenor_months"]) - int(engine.get("tenor_months") or 0))
    moves = {limit_move, tenor_move} - {0}
    if not moves:
        return "neutral"
    if moves == {1}:
        return "up"
    if moves == {-1}:
        return "down"
    return "mixed"
