"""The vectorized policy engine: scored applications in, one decision row per application out.

The input is column arrays (the features, ``pd`` and ``grade``; a pandas DataFrame is accepted
at the edge and converted once). Every step works on whole columns with boolean masks through
the ruleset's compiled form (``rules/compiled.py``); the loops run over rules, products,
segments and flags, never over rows, so one row and a million rows take the same code path.
The phases (see ``columns.Phase``) run in order: stage, cut-off relief, decision rules, the
offer (ranking, caps, pricing) and the offer rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from industry_credit.ml.columns import Coded
from industry_credit.ml.grades import MASTER_SCALE
from industry_credit.rules.assemble import ListColumn, hits_column, list_column, products_column
from industry_credit.rules.columns import BOOLEAN_FEATURES, CATEGORICAL_FEATURES, DERIVED_COLUMNS
from industry_credit.rules.compiled import CompiledRule, Mask
from industry_credit.rules.errors import EvaluationInputError
from industry_credit.rules.result import (
    LIMIT_BINDINGS,
    OUTCOME_CODES,
    TENOR_BINDINGS,
    RuleTable,
)
from industry_credit.rules.ruleset import Ruleset
from industry_credit.vocabulary import PRODUCT_CODES, SECTORS, STAGES

Floats = npt.NDArray[np.float64]

# Columns the engine itself reads, whatever the rules say.
ENGINE_COLUMNS = (
    "sector",
    "district",
    "declared_stage",
    "pd",
    "amount",
    "tenor_months",
    "core_product_tech_life_months",
    "revenue",
    "ocf_net_of_subsidies",
    "core_buyer_receivables",
    "ip_valuation",
    "carbon_intensity_vs_sector",  # the green discount scales with the carbon gap
    "requested_product",  # optional: absent means no product was asked for
    "risk_sharing_coverage",  # optional: absent means no risk-sharing partner
    "voucher_total",  # optional: absent means no vouchers
)
_OPTIONAL = ("requested_product", "risk_sharing_coverage", "voucher_total")
_OTHER = SECTORS.index("other")
_GRADES = tuple(name for name, _ in MASTER_SCALE)

__all__ = [
    "ENGINE_COLUMNS",
    "LIMIT_BINDINGS",
    "OUTCOME_CODES",
    "TENOR_BINDINGS",
    "evaluate",
    "evaluation_columns",
]


def evaluate(ruleset: Ruleset, scored: Mapping[str, Any] | pd.DataFrame) -> RuleTable:
    """Decide every row of ``scored`` (features + ``pd`` + ``grade``) under ``ruleset``."""
    compiled = ruleset.compiled
    frame, n = _prepare(compiled.reads, scored)
    hits: list[tuple[CompiledRule, Mask]] = []

    def fire(rule: CompiledRule) -> Mask:
        mask = rule.holds(frame, n)
        hits.append((rule, mask))
        return mask

    # Stage: the first derivation rule that holds wins; the declared stage, when given, is used.
    derived = np.full(n, -1, dtype=np.int16)
    for rule in compiled.phase(0):
        mask = rule.holds(frame, n) & (derived < 0)
        hits.append((rule, mask))
        derived[mask] = STAGES.index(rule.effects["derive_stage"])
    derived[derived < 0] = STAGES.index(ruleset.default_stage)
    declared = frame["declared_stage"].codes
    stage = np.where(declared >= 0, declared, derived).astype(np.int16)
    frame["stage_derived"] = Coded(derived, STAGES)
    frame["stage"] = Coded(stage, STAGES)
    coverage = np.clip(_missing_as(frame["risk_sharing_coverage"], 0.0), 0.0, 1.0)
    capacity, capacity_source = _debt_capacity(ruleset, frame, coverage)
    frame["debt_capacity"] = capacity

    # Relief: the largest relaxation that fires (they do not stack).
    relaxation = np.zeros(n)
    for rule in compiled.phase(1):
        relaxation = np.where(
            fire(rule), np.fmax(relaxation, rule.effects["relax_cutoff"]), relaxation
        )
    approve_below, decline_from = _cutoffs(ruleset, frame, stage)
    frame["cutoff_approve"] = approve_below + relaxation
    frame["cutoff_decline"] = decline_from + relaxation

    effects = _Effects(n)
    for rule in compiled.phase(2):
        effects.apply(rule, fire(rule))

    # The offer: playbook ∩ stage set − exclusions, nothing after a decline, ranked by playbook.
    sector = frame["sector"].codes
    sector = np.where(sector < 0, _OTHER, sector)
    requested = np.asarray(frame["amount"])
    asked = frame["requested_product"].codes
    eligible, position, order_keys = _eligibility(
        ruleset, sector, stage, requested, asked, effects.excluded, effects.declined
    )
    n_products = np.count_nonzero(eligible, axis=0)
    top = _first_ranked(eligible, position)
    frame["top_product"] = Coded(top, PRODUCT_CODES)
    frame["n_products"] = n_products.astype(np.float64)

    for rule in compiled.phase(3):
        effects.apply(rule, fire(rule))

    declined = effects.declined
    outcome = np.where(declined, 2, np.where(effects.referred, 1, 0)).astype(np.int16)
    limit, limit_binding = _limit(ruleset, frame, top, capacity, capacity_source, declined)
    tenor, tenor_binding = _tenor(ruleset, frame, top, declined)
    pricing = ruleset.pricing
    base = np.full(n, pricing.base_rate)
    band = np.searchsorted(
        np.asarray(pricing.band_upper), _missing_as(frame["pd"], 1.0), side="right"
    )
    premium = np.asarray(pricing.band_premium)[np.minimum(band, len(pricing.band_premium) - 1)]
    if pricing.risk_sharing_premium_relief > 0:
        # Expected loss is PD x LGD; a partner bearing a share of the loss lowers the LGD.
        premium = np.round(premium * (1.0 - pricing.risk_sharing_premium_relief * coverage), 6)
    green = effects.green
    if pricing.green_full_discount_ratio is not None:
        # "Up to" 50 bp [004 §2.3]: in proportion to how far carbon intensity is below the
        # sector, full at the policy's ratio; whole basis points.
        gap = 1.0 - _missing_as(frame["carbon_intensity_vs_sector"], 1.0)
        scale = np.clip(gap / (1.0 - pricing.green_full_discount_ratio), 0.0, 1.0)
        green = np.round(green * scale, 4)
    green_discount = 0.0 - np.round(green, 6)  # 0.0 - x: no negative zeros in documents
    interest_subsidy = 0.0 - np.round(effects.subsidy, 6)
    rate = np.round(base + premium + green_discount + interest_subsidy, 6)
    texts = [f"{ruleset.conditions[c][0]} / {ruleset.conditions[c][1]}" for c in effects.conditions]
    return RuleTable(
        stage=frame["stage"],
        stage_declared=Coded(declared, STAGES),
        stage_derived=frame["stage_derived"],
        stage_disagreement=(declared >= 0) & (declared != derived),
        outcome=Coded(outcome, OUTCOME_CODES),
        products=products_column(ruleset, eligible, position, order_keys, n),
        top_product=frame["top_product"],
        limit_amount=limit,
        limit_binding=Coded(limit_binding, LIMIT_BINDINGS),
        tenor_months=tenor,
        tenor_binding=Coded(tenor_binding, TENOR_BINDINGS),
        base_rate=base,
        grade_premium=premium,
        green_discount=green_discount,
        interest_subsidy=interest_subsidy,
        rate=rate,
        conditions=list_column(list(effects.conditions.values()), texts, n),
        flags=list_column(list(effects.flags.values()), list(effects.flags), n),
        rule_hits=hits_column(ruleset, hits, n),
        cutoff_approve=frame["cutoff_approve"],
        cutoff_decline=frame["cutoff_decline"],
        cutoff_relaxation=relaxation,
        debt_capacity=capacity,
    )


class _Effects:
    """What the decision and offer rules have done so far, as masks and numbers per row."""

    def __init__(self, n: int):
        self.n = n
        self.flags: dict[str, Mask] = {}
        self.conditions: dict[str, Mask] = {}
        self.declined = np.zeros(n, dtype=bool)
        self.referred = np.zeros(n, dtype=bool)
        self.excluded: dict[str, Mask] = {}
        self.green = np.zeros(n)
        self.subsidy = np.zeros(n)

    def apply(self, rule: CompiledRule, mask: Mask) -> None:
        eff = rule.effects
        for key in ("decline", "refer", "flag"):
            if key in eff:
                code = eff[key]
                self.flags[code] = self.flags[code] | mask if code in self.flags else mask
        if "decline" in eff:
            self.declined = self.declined | mask
        if "refer" in eff:
            self.referred = self.referred | mask
        if "add_condition" in eff:
            code = eff["add_condition"]
            self.conditions[code] = (
                self.conditions[code] | mask if code in self.conditions else mask
            )
        for product in eff.get("exclude_products", ()):
            self.excluded[product] = (
                self.excluded[product] | mask if product in self.excluded else mask
            )
        if "green_discount" in eff:
            self.green = np.where(mask, np.fmax(self.green, eff["green_discount"]), self.green)
        if "interest_subsidy" in eff:
            self.subsidy = np.where(
                mask, np.fmax(self.subsidy, eff["interest_subsidy"]), self.subsidy
            )


def evaluation_columns(ruleset: Ruleset, scored: pd.DataFrame) -> dict[str, Any]:
    """The column arrays ``evaluate`` works on, from a DataFrame (the pandas edge), so that a
    caller evaluating one frame many times converts it once."""
    return _prepare(ruleset.compiled.reads, scored)[0]


def _prepare(
    reads: frozenset[str], scored: Mapping[str, Any] | pd.DataFrame
) -> tuple[dict[str, Any], int]:
    """The columns an evaluation reads: float64 for numbers and booleans (1/0, NaN when
    unknown), ``Coded`` over the vocabulary for categories."""
    needed = (set(ENGINE_COLUMNS) | reads) - set(DERIVED_COLUMNS)
    n = len(scored.index) if isinstance(scored, pd.DataFrame) else len(scored["pd"])
    present = set(scored.columns) if isinstance(scored, pd.DataFrame) else set(scored)
    missing = sorted(c for c in needed if c not in present and c not in _OPTIONAL)
    if missing:
        raise EvaluationInputError(f"scored frame lacks columns {missing}")
    frame: dict[str, Any] = {}
    for name in needed:
        if name not in present:
            frame[name] = (
                Coded(np.full(n, -1, dtype=np.int16), PRODUCT_CODES)
                if name == "requested_product"
                else np.zeros(n)
            )
            continue
        value = scored[name]
        if name in CATEGORICAL_FEATURES:
            frame[name] = _coded(name, value, CATEGORICAL_FEATURES[name] or _GRADES)
        else:
            frame[name] = _floats(name, value)
    return frame, n


def _coded(name: str, value: Any, vocabulary: tuple[str, ...]) -> Coded:
    if isinstance(value, Coded):
        if value.categories != vocabulary and CATEGORICAL_FEATURES[name] is not None:
            return _coded(name, value.labels(), vocabulary)
        return value
    if isinstance(value, pd.Series):
        # The pandas edge: one look-up over the column, not a Python call per row.
        if isinstance(value.dtype, pd.StringDtype):
            return _coded(name, Coded.from_arrow(pa.array(value), vocabulary), vocabulary)
        codes = pd.Categorical(value, categories=vocabulary).codes
        if not ((codes < 0) & value.notna().to_numpy()).any():
            return Coded(codes.astype(np.int16), vocabulary)
        value = value.to_numpy(dtype=object)
    values = [None if not isinstance(v, str) else v for v in value]
    coded = Coded.from_values(values, vocabulary)
    if coded.categories != vocabulary and CATEGORICAL_FEATURES[name] is not None:
        bad = sorted(set(coded.categories) - set(vocabulary))[:5]
        raise EvaluationInputError(f"column {name!r} has unknown codes {bad}")
    return coded


def _floats(name: str, value: Any) -> Floats:
    if isinstance(value, pd.Series):
        if name in BOOLEAN_FEATURES and value.dtype == object:
            value = value.map({True: 1.0, False: 0.0}, na_action="ignore")
        floats: Floats = value.to_numpy(dtype=np.float64, na_value=np.nan)
        return floats
    array = np.asarray(value)
    if array.dtype == object:
        return np.array([np.nan if v is None else float(v) for v in array], dtype=np.float64)
    return array.astype(np.float64, copy=False)


def _pos(values: Floats) -> Floats:
    return _missing_as(np.clip(values, 0.0, None), 0.0)


def _missing_as(values: Any, value: float) -> Floats:
    """``values`` with NaN (unknown) replaced by ``value``. Inputs are finite or NaN (features
    divide safely; amounts are validated), so no infinity needs mapping as nan_to_num would."""
    array = np.asarray(values, dtype=np.float64)
    return np.where(np.isnan(array), value, array)


def _debt_capacity(
    ruleset: Ruleset, frame: Mapping[str, Any], coverage: Floats
) -> tuple[Floats, npt.NDArray[np.int16]]:
    pol = ruleset.limit
    cash_flow = np.asarray(frame["ocf_net_of_subsidies"], dtype=np.float64)
    if pol.voucher_haircut is not None:
        # Scheduled vouchers count in projected cash flow, after a haircut [000 §(三)2];
        # profitability is still judged net of them (REF-POLICY-DEPENDENCY).
        vouchers = _pos(np.asarray(frame["voucher_total"], dtype=np.float64))
        cash_flow = cash_flow + vouchers * (1.0 - pol.voucher_haircut)
    ip_value = _pos(np.asarray(frame["ip_valuation"])) * pol.ip_valuation_advance
    if pol.ip_full_value_tech_life_months is not None:
        # Collateral tied to the product's technology loses value with it [000 §(四)1].
        life = _missing_as(frame["core_product_tech_life_months"], np.inf)
        ip_value = ip_value * np.clip(life / pol.ip_full_value_tech_life_months, 0.0, 1.0)
    sources = [
        _pos(np.asarray(frame["revenue"])) * pol.revenue_share,
        _pos(cash_flow) * pol.cash_flow_multiple,
        _pos(np.asarray(frame["core_buyer_receivables"])) * pol.core_receivables_advance,
        ip_value,
    ]
    capacity, source = _arg_extreme(sources, np.greater)
    if pol.risk_sharing_cap > 0:
        # The bank's own share of a loss is (1 - coverage): the capacity bounds that share.
        capacity = capacity / (1.0 - np.minimum(coverage, pol.risk_sharing_cap))
    return capacity, source


def _cutoffs(
    ruleset: Ruleset, frame: Mapping[str, Any], stage: npt.NDArray[np.int16]
) -> tuple[Floats, Floats]:
    sector = frame["sector"].codes + 1
    district = frame["district"].codes + 1
    cutoffs = ruleset.compiled.cutoffs
    return cutoffs.approve_below[sector, stage + 1, district], cutoffs.decline_from[
        sector, stage + 1, district
    ]


def _eligibility(
    ruleset: Ruleset,
    sector: npt.NDArray[np.int16],
    stage: npt.NDArray[np.int16],
    requested: Floats,
    asked: npt.NDArray[np.int16],
    excluded: Mapping[str, Mask],
    declined: Mask,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int16], list[npt.NDArray[np.int64]]]:
    """(products x n) eligibility, each product's rank key, and the keys the order uses.

    The rank is the playbook order, except that (a) products whose maximum cannot carry the
    requested amount go after those that can: a CNY 450M request leads with the syndicated loan
    even where the playbook lists supply-chain finance first; and (b) the product the RM asked
    for, when policy allows it, comes first. The order depends on the sector, on the request's
    amount band (which products are too small) and on the product asked for, hence those three
    keys. Both matrices are gathered from tables compiled with the ruleset.
    """
    tables = ruleset.compiled.products
    band = tables.amount_band(requested)
    position = tables.position_of(sector, band)
    rows = np.flatnonzero(asked >= 0)
    position[asked[rows], rows] = asked[rows]  # rank -1: first, whatever the playbook says
    eligible = tables.eligible_at(sector, stage)
    eligible &= ~declined
    for product, mask in excluded.items():
        eligible[PRODUCT_CODES.index(product)] &= ~mask
    keys = [sector.astype(np.int64), band.astype(np.int64), asked.astype(np.int64)]
    return eligible, position, keys


def _first_ranked(
    eligible: npt.NDArray[np.bool_], position: npt.NDArray[np.int16]
) -> npt.NDArray[np.int16]:
    """Per row, the eligible product of lowest rank (-1: none): the smallest rank key, which
    names its product (``ProductTables``)."""
    n_p = eligible.shape[0]
    big = np.iinfo(np.int16).max
    lowest = np.where(eligible, position, np.int16(big)).min(axis=0, initial=big)
    return np.where(lowest < big, lowest % n_p, -1).astype(np.int16)


def _arg_extreme(rows: Any, better: Any) -> tuple[Any, npt.NDArray[np.int16]]:
    """Per column, the extreme of ``rows`` and the first row holding it (``better``: np.less for
    the minimum, np.greater for the maximum). A loop over the few rows: numpy's argmin across a
    short axis costs a call per column."""
    best = np.array(rows[0], copy=True)
    which = np.zeros(best.shape, dtype=np.int16)
    for k in range(1, len(rows)):
        wins = better(rows[k], best)
        best = np.where(wins, rows[k], best)
        which[wins] = k
    return best, which


def _limit(
    ruleset: Ruleset,
    frame: Mapping[str, Any],
    top: npt.NDArray[np.int16],
    capacity: Floats,
    source: npt.NDArray[np.int16],
    declined: Mask,
) -> tuple[Floats, npt.NDArray[np.int16]]:
    max_amount = ruleset.compiled.products.max_amount
    product_max = np.where(top >= 0, max_amount[np.maximum(top, 0)], np.inf)
    requested = _missing_as(frame["amount"], np.inf)
    # Ties go to the earlier bound: requested, product, capacity.
    lowest, which = _arg_extreme([requested, product_max, capacity], np.less)
    limit = np.floor(np.minimum(lowest, 1e13) * 100.0) / 100.0
    binding = np.where(which == 2, 2 + source, which).astype(np.int16)
    limit = np.where(declined, 0.0, limit)
    binding = np.where(declined, LIMIT_BINDINGS.index("declined"), binding).astype(np.int16)
    return limit, binding


def _tenor(
    ruleset: Ruleset, frame: Mapping[str, Any], top: npt.NDArray[np.int16], declined: Mask
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.int16]]:
    max_tenor = ruleset.compiled.products.max_tenor
    bounds = [
        _missing_as(frame["tenor_months"], np.inf),
        _missing_as(frame["core_product_tech_life_months"], np.inf),
        np.where(top >= 0, max_tenor[np.maximum(top, 0)], np.inf),
    ]
    lowest, which = _arg_extreme(bounds, np.less)
    binding = np.where(np.isfinite(lowest), which, TENOR_BINDINGS.index("none"))
    months = np.where(np.isfinite(lowest), np.floor(np.clip(lowest, 0, 360)), 0)
    months = np.where(declined, 0, months).astype(np.int16)
    binding = np.where(declined, TENOR_BINDINGS.index("declined"), binding).astype(np.int16)
    return months, binding


__all__ += ["ListColumn"]
