"""Deal structuring, the grid: the loan structures of one request to decide.

An RM whose application is referred or declined goes back to the client with a smaller amount,
a shorter tenor, more security or another product. This module builds the grid of those
structures as one ``loan_requests`` table for the engine to decide in a single kernel call
(``DecisionEngine.decide_loans``), and turns any row back into an application document.
``alternatives_rank`` ranks the decided rows; ``alternatives_search`` runs the whole search.

What the grid may vary is read from the document's fields as they are today, here and nowhere
else: ``plausible_enhancements`` (security the firm can offer), ``amount_levels``,
``tenor_levels`` and ``product_options``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from industry_credit.applications.schemas import ApplicationDocument
from industry_credit.ml.columns import CodeCounts, Coded, ColumnTable
from industry_credit.rules.ruleset import Ruleset
from industry_credit.vocabulary import COLLATERAL, PRODUCT_CODES, PURPOSES

# Standard tenors an RM offers; the grid takes those inside the bounds, plus the bounds.
TENOR_POINTS = (3, 6, 9, 12, 18, 24, 36, 48, 60, 72, 84, 96, 120, 180, 240, 360)
MAX_GRID = 20_000  # the most variants one request may ask the engine to decide
GUARANTEES = ("guarantee_fund", "third_party_guarantee")


class BoundsError(ValueError):
    """A bound the caller gave cannot be met; ``field`` names it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"bounds.{field}: {problem}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class Bounds:
    amount_floor: float = 0.30  # the smallest amount tried, as a share of the requested one
    amount_steps: int = 8  # evenly spaced amounts from the request down to the floor
    tenor_min: int | None = None  # default: 6 months, or the request or tech life if shorter
    tenor_max: int | None = None  # default: the requested tenor
    max_variants: int = 5
    max_grid: int = 10_000
    vary_products: bool = True


@dataclass(frozen=True)
class Grid:
    """One row per variant: column arrays of the loan structure, indices into the options."""

    amount: npt.NDArray[np.float64]
    tenor: npt.NDArray[np.int64]
    added: npt.NDArray[np.int64]  # bit k set: ``enhancements[k]`` added
    product: npt.NDArray[np.int64]  # index into ``products`` (0: the request's own choice)
    amounts: tuple[Decimal, ...]
    enhancements: tuple[str, ...]
    products: tuple[str | None, ...]
    tenors_by_product: tuple[tuple[int, ...], ...]

    def __len__(self) -> int:
        return len(self.amount)


def plausible_enhancements(document: ApplicationDocument) -> tuple[str, ...]:
    """Security the firm can plausibly add, the firm's own assets before a third party's.

    An IP pledge if it holds patents or valued IP (a software-copyright pledge if it holds only
    copyrights); a pledge of receivables from a core enterprise if it sells to one (the
    collection account runs through the pledge); a guarantee from the guarantee fund. Hard
    collateral is never invented: what the request declares stays in every variant."""
    ip, held = document.ip, set(document.request.collateral)
    offer: list[str] = []
    if ip.patents > 0 or ip.ip_valuation > 0:
        offer.append("ip_pledge")
    elif ip.software_copyrights > 0:
        offer.append("software_copyright_pledge")
    if any(link.role == "buyer" and link.is_core_enterprise for link in document.supply_chain):
        offer.append("receivables_pledge")
    if not held.intersection(GUARANTEES):
        offer.append("guarantee_fund")
    return tuple(code for code in offer if code not in held)


def _round_amount(value: float, floor_amount: float) -> Decimal:
    """Whole 10,000 CNY (万元) below, whole yuan for small loans, never under the floor."""
    step = 10_000 if value >= 100_000 else 1
    rounded = math.floor(value / step) * step
    if rounded < floor_amount:
        rounded = math.ceil(floor_amount)
    return Decimal(int(rounded))


def amount_levels(
    requested: Decimal, bounds: Bounds, engine_bounds: Iterable[float]
) -> tuple[Decimal, ...]:
    """The requested amount, ``amount_steps`` even steps down to the floor, and the amounts at
    which the engine's own bounds bind (debt capacity, product maxima) inside that range:
    the largest amount the bank grants in full often sits exactly at one of them."""
    top = float(requested)
    floor_amount = top * bounds.amount_floor
    levels = {requested}
    if top >= 1:
        steps = bounds.amount_steps
        for k in range(1, steps):
            share = 1 - (1 - bounds.amount_floor) * k / (steps - 1)
            levels.add(_round_amount(top * share, floor_amount))
        for value in engine_bounds:
            if math.isfinite(value) and floor_amount <= math.floor(value) < top:
                levels.add(Decimal(math.floor(value)))
    return tuple(sorted((x for x in levels if x > 0 and x <= requested), reverse=True))


def tenor_window(document: ApplicationDocument, bounds: Bounds) -> tuple[int, int]:
    requested = document.request.tenor_months
    life = document.enterprise.core_product_tech_life_months
    low = bounds.tenor_min if bounds.tenor_min is not None else min(6, requested, life)
    high = bounds.tenor_max if bounds.tenor_max is not None else max(requested, low)
    if low > high:
        name = "tenor_min" if bounds.tenor_min is not None else "tenor_max"
        raise BoundsError(name, f"tenor_min {low} exceeds tenor_max {high}")
    return low, high


def tenor_levels(low: int, high: int, requested: int) -> tuple[int, ...]:
    """Standard tenors inside [low, high], the upper bound itself and the request if inside."""
    if high < low:
        return ()
    levels = {t for t in TENOR_POINTS if low <= t <= high} | {high}
    if low <= requested <= high:
        levels.add(requested)
    return tuple(sorted(levels, reverse=True))


def product_options(
    ruleset: Ruleset, document: ApplicationDocument, stage: str, vary: bool
) -> tuple[str | None, ...]:
    """The request's own product choice first, then every product of the sector's playbook
    that the firm's lifecycle stage may be offered (the engine applies the other exclusions)."""
    own = document.request.requested_product
    if not vary:
        return (own,)
    allowed = ruleset.stage_products.get(stage, frozenset())
    others = [p for p in ruleset.playbooks[document.enterprise.sector] if p in allowed]
    return (own, *(p for p in others if p != own))


def build_grid(
    document: ApplicationDocument,
    ruleset: Ruleset,
    bounds: Bounds,
    *,
    stage: str,
    debt_capacity: float,
) -> Grid:
    request = document.request
    low, high = tenor_window(document, bounds)
    products = product_options(ruleset, document, stage, bounds.vary_products)
    maxima = [ruleset.products[p].max_amount for p in products if p is not None]
    amounts = amount_levels(request.amount, bounds, [debt_capacity, *maxima])
    life = document.enterprise.core_product_tech_life_months
    tenors = tuple(
        tenor_levels(
            low,
            min(high, life, ruleset.products[p].max_tenor_months if p else high),
            request.tenor_months,
        )
        for p in products
    )
    enhancements = plausible_enhancements(document)
    subsets = 1 << len(enhancements)
    size = len(amounts) * subsets * sum(len(t) for t in tenors)
    if size == 0:
        raise BoundsError(
            "tenor_min",
            f"no tenor from tenor_min {low} is within the core product's technology life"
            f" ({life} months) and the products' maximum tenors",
        )
    if size > bounds.max_grid:
        raise BoundsError(
            "max_grid",
            f"the grid has {size} variants, more than max_grid {bounds.max_grid}; raise"
            " amount_floor, lower amount_steps, narrow the tenors or set vary_products false",
        )
    parts: list[tuple[npt.NDArray[Any], ...]] = []
    amount_values = np.array([float(a) for a in amounts])
    for index, levels in enumerate(tenors):
        if not levels:
            continue
        a, t, e = np.meshgrid(
            amount_values, np.array(levels, dtype=np.int64), np.arange(subsets), indexing="ij"
        )
        parts.append((a.ravel(), t.ravel(), e.ravel(), np.full(a.size, index)))
    columns = [np.concatenate(c) for c in zip(*parts, strict=True)] if parts else [np.zeros(0)] * 4
    return Grid(
        amount=columns[0].astype(np.float64),
        tenor=columns[1].astype(np.int64),
        added=columns[2].astype(np.int64),
        product=columns[3].astype(np.int64),
        amounts=amounts,
        enhancements=enhancements,
        products=products,
        tenors_by_product=tenors,
    )


def loan_table(document: ApplicationDocument, grid: Grid) -> ColumnTable:
    """The grid as the ``loan_requests`` table the kernel reads, built as ``from_documents``
    would build it from each variant document (see ``variant_document``)."""
    n = len(grid)
    request = document.request
    base = CodeCounts.from_lists([request.collateral], COLLATERAL).counts[0]
    counts = np.tile(base, (n, 1))
    counts[grid.added > 0, COLLATERAL.index("none")] = 0
    for k, code in enumerate(grid.enhancements):
        counts[:, COLLATERAL.index(code)] += ((grid.added >> k) & 1).astype(np.int16)
    product_codes = np.array(
        [PRODUCT_CODES.index(p) if p else -1 for p in grid.products], dtype=np.int16
    )
    return ColumnTable(
        {
            "amount": grid.amount,
            "tenor_months": grid.tenor,
            "purpose": Coded(np.full(n, PURPOSES.index(request.purpose), np.int16), PURPOSES),
            "collateral": CodeCounts(counts, COLLATERAL),
            "requested_product": Coded(product_codes[grid.product], PRODUCT_CODES),
        },
        n,
    )


def variant_document(document: ApplicationDocument, grid: Grid, row: int) -> ApplicationDocument:
    """Row ``row`` of the grid as an application document: the request changed, nothing else."""
    request = document.request
    added = [code for k, code in enumerate(grid.enhancements) if (int(grid.added[row]) >> k) & 1]
    collateral = [c for c in request.collateral if not (added and c == "none")] + added
    amount = next(a for a in grid.amounts if float(a) == grid.amount[row])
    changed = request.model_copy(
        update={
            "amount": amount,
            "tenor_months": int(grid.tenor[row]),
            "collateral": collateral,
            "requested_product": grid.products[int(grid.product[row])],
        }
    )
    return document.model_copy(update={"request": changed})


def request_row(document: ApplicationDocument) -> Grid:
    """The request itself as a one-row grid."""
    request = document.request
    return Grid(
        amount=np.array([float(request.amount)]),
        tenor=np.array([request.tenor_months], dtype=np.int64),
        added=np.zeros(1, dtype=np.int64),
        product=np.zeros(1, dtype=np.int64),
        amounts=(request.amount,),
        enhancements=(),
        products=(request.requested_product,),
        tenors_by_product=((request.tenor_months,),),
    )
