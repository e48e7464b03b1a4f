"""A ruleset compiled once, at load, into operations over column arrays.

Each condition becomes a tree of small functions over the evaluation's columns: a comparison
with a constant, a look-up table indexed by a category's codes (one array operation for
``eq``/``in``/``ne``/``not_in`` on a category), and ``&``/``|``/``~`` for all/any/not. The
product tables (playbook positions, stage sets, maximum amounts and tenors) and the cut-off
segments are arrays built here too. Evaluation then parses nothing and looks nothing up by
name in a table library.

Columns inside an evaluation: float64 arrays for numbers and booleans (1/0, NaN when unknown),
and ``Coded`` for categories.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

from industry_credit.ml.columns import Coded
from industry_credit.rules.columns import Phase
from industry_credit.rules.conditions import (
    AllOf,
    Always,
    AnyOf,
    Clause,
    ColumnRef,
    Condition,
    Not,
)
from industry_credit.rules.sections import RiskAppetite
from industry_credit.vocabulary import DISTRICTS, PRODUCT_CODES, SECTORS, STAGES

Mask: TypeAlias = npt.NDArray[np.bool_]
Columns: TypeAlias = Mapping[str, Any]
Predicate: TypeAlias = Callable[[Columns, int], Mask]

_COMPARE: dict[str, Callable[[Any, Any], Mask]] = {
    "lt": np.less,
    "le": np.less_equal,
    "gt": np.greater,
    "ge": np.greater_equal,
    "eq": np.equal,
    "ne": np.not_equal,
}
_BIG = np.iinfo(np.int16).max


def compile_condition(cond: Condition) -> Predicate:
    """The condition as a function of (columns, rows) returning the rows where it holds."""
    if isinstance(cond, Clause):
        return _compile_clause(cond)
    if isinstance(cond, AllOf | AnyOf):
        parts = [compile_condition(c) for c in cond.items]
        combine = np.logical_and if isinstance(cond, AllOf) else np.logical_or

        def joined(cols: Columns, n: int) -> Mask:
            mask = parts[0](cols, n)
            for part in parts[1:]:
                mask = combine(mask, part(cols, n))
            return mask

        return joined
    if isinstance(cond, Not):
        inner = compile_condition(cond.item)
        return lambda cols, n: ~inner(cols, n)
    assert isinstance(cond, Always)
    value = cond.value
    return lambda cols, n: np.full(n, value, dtype=bool)


def _compile_clause(clause: Clause) -> Predicate:
    name, op, value = clause.feature, clause.op, clause.value
    categorical = _CategoricalClause(clause)

    def numeric(cols: Columns, n: int) -> Mask:
        col = cols[name]
        if isinstance(col, Coded):
            return categorical(col, cols)
        return _numeric_mask(col, op, value, cols)

    return numeric


def _numeric_mask(values: npt.NDArray[np.float64], op: str, value: Any, cols: Columns) -> Mask:
    if op == "is_null":
        return np.isnan(values)
    if op == "not_null":
        return ~np.isnan(values)
    if op == "is_true":
        return np.equal(values, 1.0)
    if op == "is_false":
        return np.equal(values, 0.0)
    if op in ("in", "not_in"):
        member = np.isin(values, np.asarray(value, dtype=np.float64))
        # A clause on a missing value is false whatever the operator (NaN is never a member).
        return member if op == "in" else ~member & ~np.isnan(values)
    if isinstance(value, ColumnRef):
        other = np.asarray(cols[value.name], dtype=np.float64)
        with np.errstate(invalid="ignore"):
            result = _COMPARE[op](values, other)
        return result & ~np.isnan(values) & ~np.isnan(other)
    # Comparisons with NaN are quiet (no warning) and false, except "ne".
    result = _COMPARE[op](values, float(value))
    return result & ~np.isnan(values) if op == "ne" else result


class _CategoricalClause:
    """A clause on a category: one boolean table per set of categories, indexed by code + 1
    (index 0 is a missing value), so a clause costs one array look-up."""

    def __init__(self, clause: Clause):
        self.clause = clause
        self._tables: dict[tuple[str, ...], Mask] = {}

    def _table(self, categories: tuple[str, ...]) -> Mask:
        table = self._tables.get(categories)
        if table is None:
            op, value = self.clause.op, self.clause.value
            present = np.ones(len(categories) + 1, dtype=bool)
            present[0] = False
            if op == "is_null":
                table = ~present
            elif op == "not_null":
                table = present
            else:
                wanted = value if op in ("in", "not_in") else (value,)
                member = np.zeros(len(categories) + 1, dtype=bool)
                for item in wanted:
                    if item in categories:
                        member[categories.index(item) + 1] = True
                table = member if op in ("eq", "in") else ~member & present
            self._tables[categories] = table
        return table

    def __call__(self, col: Coded, cols: Columns) -> Mask:
        value = self.clause.value
        if isinstance(value, ColumnRef):
            other = cols[value.name]
            assert isinstance(other, Coded)
            both = (col.codes >= 0) & (other.codes >= 0)
            if other.categories == col.categories:
                same = np.equal(col.codes, other.codes)
            else:
                same = np.equal(
                    np.asarray(col.labels(), dtype=object), np.asarray(other.labels(), dtype=object)
                )
            return (same if self.clause.op == "eq" else ~same) & both
        mask: Mask = self._table(col.categories)[col.codes + 1]
        return mask


@dataclass(frozen=True)
class CompiledRule:
    id: str
    phase: Phase
    effects: Mapping[str, Any]
    holds: Predicate


@dataclass(frozen=True)
class ProductTables:
    """Look-up tables for the offer.

    A requested amount falls in a band between the products' distinct maximum amounts
    (``amount_band``: ``band`` is how many of them it exceeds). Which products are too small for
    the request depends only on that band, so each product's rank is a table over (sector,
    band): the playbook position, moved after every product that can carry the amount when it
    cannot. ``position`` holds it as a key that also names the product, ``(rank + 1) *
    products + product`` (``_BIG``: not in the sector's playbook): keys sort in rank order and
    ``key % products`` is the product. Eligibility before the rules' exclusions is a table over
    (sector, stage): in the playbook and allowed at the stage."""

    # Products first, so that gathering by each row's keys gives (products x rows): one
    # contiguous row per product, which the engine combines row by row.
    position: npt.NDArray[np.int16]  # (products, sectors, bands)
    eligible: npt.NDArray[np.bool_]  # (products, sectors, stages)
    band_edges: npt.NDArray[np.float64]  # the distinct maximum amounts, ascending
    max_amount: npt.NDArray[np.float64]  # (products,)
    max_tenor: npt.NDArray[np.float64]  # (products,)

    def position_of(
        self, sector: npt.NDArray[np.integer[Any]], band: npt.NDArray[np.intp]
    ) -> npt.NDArray[np.int16]:
        """(products x rows) rank positions, a fresh array the caller may change."""
        flat = self.position.reshape(self.position.shape[0], -1)
        out: npt.NDArray[np.int16] = np.take(flat, sector * self.position.shape[2] + band, axis=1)
        return out

    def eligible_at(
        self, sector: npt.NDArray[np.integer[Any]], stage: npt.NDArray[np.integer[Any]]
    ) -> npt.NDArray[np.bool_]:
        """(products x rows) eligibility before exclusions, a fresh array."""
        flat = self.eligible.reshape(self.eligible.shape[0], -1)
        index = sector.astype(np.intp) * self.eligible.shape[2] + stage
        out: npt.NDArray[np.bool_] = np.take(flat, index, axis=1)
        return out

    def amount_band(self, requested: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
        """How many distinct product maximums each request exceeds (NaN: none)."""
        band: npt.NDArray[np.intp] = np.searchsorted(self.band_edges, requested, side="left")
        return np.where(np.isnan(requested), 0, band)


@dataclass(frozen=True)
class SegmentTable:
    """A cut-off segment as membership tables over sector, stage and district codes."""

    sectors: Mask
    stages: Mask
    districts: Mask
    approve_below: float
    decline_from: float


def product_tables(
    playbooks: Mapping[str, tuple[str, ...]],
    stage_products: Mapping[str, frozenset[str]],
    products: Mapping[str, Any],
) -> ProductTables:
    n_p = len(PRODUCT_CODES)
    playbook = np.full((len(SECTORS), n_p), _BIG, dtype=np.int16)
    for s, sector in enumerate(SECTORS):
        for rank, product in enumerate(playbooks[sector]):
            playbook[s, PRODUCT_CODES.index(product)] = rank
    allows = np.zeros((len(STAGES), n_p), dtype=bool)
    for t, stage in enumerate(STAGES):
        for product in stage_products[stage]:
            allows[t, PRODUCT_CODES.index(product)] = True
    max_amount = np.array(
        [products[p].max_amount if p in products else np.inf for p in PRODUCT_CODES]
    )
    max_tenor = np.array(
        [products[p].max_tenor_months if p in products else np.inf for p in PRODUCT_CODES],
        dtype=np.float64,
    )
    edges = np.unique(max_amount[np.isfinite(max_amount)])
    # In band b a request exceeds the b smallest distinct maximums, so product j is too small
    # there when its maximum's rank among them is below b (an unbounded product never is).
    edge_rank = np.searchsorted(edges, max_amount)
    too_small = edge_rank[None, :] < np.arange(len(edges) + 1)[:, None]
    ranks = playbook[:, None, :] + too_small[None, :, :] * n_p
    # The rank and the product packed in one key, so that one minimum finds the top product:
    # key = (rank + 1) * products + product (rank -1, the product asked for, packs to the bare
    # product number).
    position = np.where(
        playbook[:, None, :] < _BIG, (ranks + 1) * n_p + np.arange(n_p), _BIG
    ).astype(np.int16)
    eligible = (playbook < _BIG)[:, None, :] & allows[None, :, :]
    return ProductTables(
        np.ascontiguousarray(position.transpose(2, 0, 1)),
        np.ascontiguousarray(eligible.transpose(2, 0, 1)),
        edges,
        max_amount,
        max_tenor,
    )


@dataclass(frozen=True)
class CutoffTables:
    """The cut-offs in force for every (sector, stage, district), indexed by code + 1 (index 0:
    missing): the segments resolved once, at compile time."""

    approve_below: npt.NDArray[np.float64]
    decline_from: npt.NDArray[np.float64]


def cutoff_tables(appetite: RiskAppetite) -> CutoffTables:
    """Segments bound each other: where several match, the strictest cut-off of each kind
    applies (the lowest approve line and the lowest decline line), so that a relief for one
    trait never lifts a restriction for another (a start-up outside Shanghai keeps the
    outside-Shanghai lines). The default applies only where no segment matches."""
    shape = (len(SECTORS) + 1, len(STAGES) + 1, len(DISTRICTS) + 1)
    approve = np.full(shape, np.inf)
    decline = np.full(shape, np.inf)
    for seg in segment_tables(appetite):
        inside = np.ix_(seg.sectors, seg.stages, seg.districts)
        approve[inside] = np.fmin(approve[inside], seg.approve_below)
        decline[inside] = np.fmin(decline[inside], seg.decline_from)
    approve[np.isinf(approve)] = appetite.approve_below
    decline[np.isinf(decline)] = appetite.decline_from
    return CutoffTables(approve, decline)


def segment_tables(appetite: RiskAppetite) -> tuple[SegmentTable, ...]:
    """In file order (the strictest matching segment wins, whatever the order)."""

    def member(wanted: frozenset[str] | None, vocabulary: tuple[str, ...]) -> Mask:
        table = np.ones(len(vocabulary) + 1, dtype=bool)
        if wanted is not None:
            table[:] = False
            for code in wanted:
                table[vocabulary.index(code) + 1] = True
        return table

    return tuple(
        SegmentTable(
            member(seg.sectors, SECTORS),
            member(seg.stages, STAGES),
            member(seg.districts, DISTRICTS),
            seg.approve_below,
            seg.decline_from,
        )
        for seg in appetite.segments
    )


class CompiledRuleset:
    """The rules by phase with their predicates, the product tables and the segment tables."""

    def __init__(
        self,
        rules: tuple[Any, ...],
        appetite: RiskAppetite,
        playbooks: Mapping[str, tuple[str, ...]],
        stage_products: Mapping[str, frozenset[str]],
        products: Mapping[str, Any],
    ):
        compiled = [
            CompiledRule(rule.id, rule.phase, rule.effects, compile_condition(rule.condition))
            for rule in rules
        ]
        self._by_phase = {phase: tuple(r for r in compiled if r.phase == phase) for phase in Phase}
        self.reads: frozenset[str] = frozenset(c for rule in rules for c in rule.reads)
        self.cutoffs = cutoff_tables(appetite)
        self.products = product_tables(playbooks, stage_products, products)
        # Rule id -> position, for the rule-hit lists.
        self.rule_index = {rule.id: i for i, rule in enumerate(rules)}

    def phase(self, number: int) -> tuple[CompiledRule, ...]:
        return self._by_phase[Phase(number)]
