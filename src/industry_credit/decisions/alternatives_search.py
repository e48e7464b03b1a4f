"""Deal structuring, the search: the original decision, the nearest structures the bank would
approve as application documents with their decisions, or the rules that block every one.

The grid (``alternatives``) is decided in one call of the kernel without reason codes; the
variants shown are then decided once more through ``DecisionEngine.decide``, the path of
``POST /v1/score``, reason codes included, and must come out as the grid said.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from industry_credit.applications.schemas import ApplicationDocument
from industry_credit.decisions.alternatives import (
    Bounds,
    Grid,
    build_grid,
    loan_table,
    request_row,
    variant_document,
)
from industry_credit.decisions.alternatives_rank import blocking_rules, rank
from industry_credit.decisions.alternatives_text import Change, changes_between
from industry_credit.decisions.types import DecisionEngine, DecisionInput, EngineResult
from industry_credit.vocabulary import STAGES


@dataclass(frozen=True)
class Alternative:
    document: ApplicationDocument
    decision: dict[str, Any]
    changes: list[Change]
    added: list[str]


@dataclass(frozen=True)
class Search:
    original: dict[str, Any]
    alternatives: list[Alternative]
    blocking_rules: list[dict[str, str]]
    grid: Grid
    approvable: int


def search(*, engine: DecisionEngine, item: DecisionInput, bounds: Bounds) -> Search:
    """The original decision, the nearest approvable variants and, when there is none, the
    rules that block them all."""
    document, ruleset = item.document, engine.ruleset
    probe = engine.decide_loans(item, loan_table(document, request_row(document)))
    stage = STAGES[int(probe.rules.stage.codes[0])]
    grid = build_grid(
        document,
        ruleset,
        bounds,
        stage=stage,
        debt_capacity=float(probe.rules.debt_capacity[0]),
    )
    decided = engine.decide_loans(item, loan_table(document, grid)) if len(grid) else None
    rows, approvable = rank(document, grid, decided, bounds.max_variants) if decided else ([], 0)
    variants = [variant_document(document, grid, row) for row in rows]
    results = engine.decide(
        [item, *(DecisionInput(v, item.as_of, item.counterparty_risk) for v in variants)]
    )
    original = results[0].decision
    found = [
        Alternative(
            document=v,
            decision=_confirmed(r, v),
            changes=changes_between(document, v),
            added=[c for c in v.request.collateral if c not in document.request.collateral],
        )
        for v, r in zip(variants, results[1:], strict=True)
    ]
    blocked = blocking_rules(ruleset, decided) if decided and not approvable else []
    return Search(original, found, blocked, grid, approvable)


def _confirmed(result: EngineResult, variant: ApplicationDocument) -> dict[str, Any]:
    """The decision of a variant as ``decide`` gives it; it must grant what the grid said."""
    d = result.decision
    if not (
        d["outcome"] == "approve"
        and d["limit"]["binding"] == "requested"
        and d["tenor"]["binding"] == "requested"
    ):
        raise RuntimeError(
            f"the grid approved amount {variant.request.amount}, tenor"
            f" {variant.request.tenor_months} but the engine decided {d['outcome']}"
        )
    return d
