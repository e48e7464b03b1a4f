"""Deal structuring, the ranking: which decided variants are approvable, which are nearest to
the request, and, when none is approvable, which rules block them all.

A variant is *approvable* when the engine approves it and grants it in full: the limit is bound
by the requested amount and the tenor by the requested tenor, so the structure shown is the
structure the bank would sign.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from industry_credit.applications.schemas import ApplicationDocument
from industry_credit.decisions.alternatives import Grid
from industry_credit.decisions.pipeline import FrameDecisions
from industry_credit.rules.result import LIMIT_BINDINGS, OUTCOME_CODES, TENOR_BINDINGS
from industry_credit.rules.ruleset import Ruleset
from industry_credit.vocabulary import PRODUCT_CODES

BLOCKING_EFFECTS = ("decline", "refer")

_APPROVE = OUTCOME_CODES.index("approve")
_LIMIT_REQUESTED = LIMIT_BINDINGS.index("requested")
_TENOR_REQUESTED = TENOR_BINDINGS.index("requested")


def approvable(decided: FrameDecisions, grid: Grid) -> npt.NDArray[np.bool_]:
    rules = decided.rules
    granted = (
        (rules.outcome.codes == _APPROVE)
        & (rules.limit_binding.codes == _LIMIT_REQUESTED)
        & (rules.tenor_binding.codes == _TENOR_REQUESTED)
    )
    # A product asked for but not ranked first changes nothing: that variant is another's twin.
    asked = np.array([PRODUCT_CODES.index(p) if p else -1 for p in grid.products])[grid.product]
    honoured = (grid.product == 0) | (rules.top_product.codes == asked)
    return np.asarray(granted & honoured)


def _popcount(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    bits = np.zeros_like(values)
    for k in range(int(values.max(initial=0)).bit_length()):
        bits += (values >> k) & 1
    return bits


def rank(
    document: ApplicationDocument, grid: Grid, decided: FrameDecisions, limit: int
) -> tuple[list[int], int]:
    """The rows of the ``limit`` nearest approvable variants, and how many were approvable.

    Nearest: the largest amount first, then the tenor closest to the request (the shorter of
    two equally close), then the fewest added enhancements (the firm's own assets before a
    guarantee), then the request's own product before another. A variant is left out when one
    already shown dominates it (``_dominates``): it would only ask the client for more."""
    request = document.request
    ok = approvable(decided, grid)
    ok &= ~(
        (grid.amount == float(request.amount))
        & (grid.tenor == request.tenor_months)
        & (grid.added == 0)
        & (grid.product == 0)
    )
    rows = np.flatnonzero(ok)
    order = np.lexsort(
        (
            rows,
            grid.product[rows],
            grid.added[rows],
            _popcount(grid.added[rows]),
            grid.tenor[rows],
            np.abs(grid.tenor[rows] - request.tenor_months),
            -grid.amount[rows],
        )
    )
    top = decided.rules.top_product.codes
    distance = np.abs(grid.tenor - request.tenor_months)
    chosen: list[int] = []
    for row in rows[order].tolist():
        if not any(_dominates(grid, distance, top, shown, row) for shown in chosen):
            chosen.append(row)
        if len(chosen) == limit:
            break
    return chosen, len(rows)


def _dominates(
    grid: Grid,
    distance: npt.NDArray[np.int64],
    top: npt.NDArray[np.int16],
    shown: int,
    row: int,
) -> bool:
    """``shown`` grants at least the amount of ``row``, at a tenor at least as close to the
    request, with a subset of its security and the same first product: ``row`` is no
    alternative to it (a twin, which only asks for a product ranked first anyway, included)."""
    added, other = int(grid.added[shown]), int(grid.added[row])
    return bool(
        grid.amount[shown] >= grid.amount[row]
        and distance[shown] <= distance[row]
        and added & other == added
        and top[shown] == top[row]
    )


def blocking_rules(ruleset: Ruleset, decided: FrameDecisions) -> list[dict[str, str]]:
    """The decline (else refer) rules that fired on every variant: what no structure fixes."""
    hits = decided.rules.rule_hits
    if len(hits) == 0:
        return []
    blocking = {r.id for r in ruleset.rules if any(e in r.effects for e in BLOCKING_EFFECTS)}
    present = np.unique(hits.codes)
    common: set[str] | None = None
    for pattern in present.tolist():
        fired = {h["rule_id"] for h in hits.lists[pattern]} & blocking
        common = fired if common is None else common & fired
    # A knock-out empties the offer, so offer-phase referrals (no eligible product) follow it:
    # name the knock-outs, the cause, and referrals only where nothing is declined.
    declines = {r.id for r in ruleset.rules if "decline" in r.effects} & (common or set())
    common = declines or common
    return [
        {
            "rule_id": r.id,
            "effect": r.effect_text,
            "seed_ref": r.seed_ref,
            "description_zh": r.description_zh,
            "description_en": r.description_en,
        }
        for r in ruleset.rules
        if r.id in (common or set())
    ]
