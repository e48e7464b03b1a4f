"""The vectorized policy engine: scored applications in, one decision row per application out.

Every step works on whole columns with boolean masks; the loops run over rules, products,
segments and flags, never over rows, so one row and a million rows take the same code path.
The phases (see ``columns.Phase``) run in order: stage, cut-off relief, decision rules, the
offer (ranking, caps, pricing) and the offer rules.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from industry_credit.rules.assemble import hits_column, list_column, products_column, texts_column
from industry_credit.rules.columns import (
    BOOLEAN_FEATURES,
    CATEGORICAL_FEATURES,
    Phase,
)
from industry_credit.rules.conditions import Column, evaluate_condition
from industry_credit.rules.errors import EvaluationInputError
from industry_credit.rules.ruleset import Rule, Ruleset
from industry_credit.vocabulary import PRODUCT_CODES, SECTORS, STAGES

Mask = npt.NDArray[np.bool_]
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
    "requested_product",  # optional: absent means no product was asked for
)
CAPACITY_SOURCES = ("revenue", "cash_flow", "core_receivables", "ip_valuation")
LIMIT_BINDINGS = ("requested", "product_max", *CAPACITY_SOURCES, "declined")
TENOR_BINDINGS = ("requested", "core_product_tech_life", "product_max", "none", "declined")
OUTCOME_CODES = ("approve", "refer", "decline")
_OTHER = SECTORS.index("other")


def evaluate(ruleset: Ruleset, scored: pd.DataFrame) -> pd.DataFrame:
    """Decide every row of ``scored`` (features + ``pd`` + ``grade``) under ``ruleset``."""
    n = len(scored)
    frame = _prepare(ruleset, scored)
    hits: list[tuple[Rule, Mask]] = []

    def fire(rule: Rule) -> Mask:
        mask = evaluate_condition(rule.condition, frame, n)
        hits.append((rule, mask))
        return mask

    # Stage: the first derivation rule that holds wins; the declared stage, when given, is used.
    derived = np.full(n, -1, dtype=np.int8)
    for rule in ruleset.rules_in(Phase.STAGE):
        mask = evaluate_condition(rule.condition, frame, n) & (derived < 0)
        hits.append((rule, mask))
        derived[mask] = STAGES.index(rule.effects["derive_stage"])
    derived[derived < 0] = STAGES.index(ruleset.default_stage)
    declared = np.asarray(_cat(frame["declared_stage"]).codes, dtype=np.int8)
    stage = np.where(declared >= 0, declared, derived)
    frame["stage_derived"] = _coded(derived, STAGES)
    frame["stage"] = _coded(stage, STAGES)
    capacity, capacity_source = _debt_capacity(ruleset, frame)
    frame["debt_capacity"] = capacity

    # Relief: the largest relaxation that fires (they do not stack).
    relaxation = np.zeros(n)
    for rule in ruleset.rules_in(Phase.RELIEF):
        relaxation = np.where(
            fire(rule), np.fmax(relaxation, rule.effects["relax_cutoff"]), relaxation
        )
    approve_below, decline_from = _cutoffs(ruleset, frame, stage)
    frame["cutoff_approve"] = approve_below + relaxation
    frame["cutoff_decline"] = decline_from + relaxation

    flags: dict[str, Mask] = {}
    conditions: dict[str, Mask] = {}
    declined = np.zeros(n, dtype=bool)
    referred = np.zeros(n, dtype=bool)
    excluded = {p: np.zeros(n, dtype=bool) for p in PRODUCT_CODES}
    green = np.zeros(n)
    subsidy = np.zeros(n)

    def apply(rule: Rule, mask: Mask) -> None:
        nonlocal declined, referred, green, subsidy
        eff = rule.effects
        for key in ("decline", "refer", "flag"):
            if key in eff:
                flags[eff[key]] = flags.get(eff[key], np.zeros(n, dtype=bool)) | mask
        if "decline" in eff:
            declined = declined | mask
        if "refer" in eff:
            referred = referred | mask
        if "add_condition" in eff:
            code = eff["add_condition"]
            conditions[code] = conditions.get(code, np.zeros(n, dtype=bool)) | mask
        for product in eff.get("exclude_products", ()):
            excluded[product] |= mask
        if "green_discount" in eff:
            green = np.where(mask, np.fmax(green, eff["green_discount"]), green)
        if "interest_subsidy" in eff:
            subsidy = np.where(mask, np.fmax(subsidy, eff["interest_subsidy"]), subsidy)

    for rule in ruleset.rules_in(Phase.DECISION):
        apply(rule, fire(rule))

    # The offer: playbook ∩ stage set − exclusions, nothing after a decline, ranked by playbook.
    sector = np.asarray(_cat(frame["sector"]).codes, dtype=np.int16)
    sector = np.where(sector < 0, _OTHER, sector)
    requested = np.asarray(frame["amount"])
    asked = np.asarray(_cat(frame["requested_product"]).codes, dtype=np.int16)
    eligible, position, order_keys = _eligibility(
        ruleset, sector, stage, requested, asked, excluded, declined
    )
    n_products = eligible.sum(axis=1) if n else np.zeros(0, dtype=np.int64)
    ranked_pos = np.where(eligible, position, np.iinfo(np.int16).max)
    top = np.where(n_products > 0, ranked_pos.argmin(axis=1) if n else 0, -1).astype(np.int16)
    frame["top_product"] = _coded(top, PRODUCT_CODES)
    frame["n_products"] = n_products.astype(np.float64)

    for rule in ruleset.rules_in(Phase.OFFER):
        apply(rule, fire(rule))

    outcome = np.where(declined, 2, np.where(referred, 1, 0)).astype(np.int8)
    limit, limit_binding = _limit(ruleset, frame, top, capacity, capacity_source, declined)
    tenor, tenor_binding = _tenor(ruleset, frame, top, declined)
    base = np.full(n, ruleset.pricing.base_rate)
    band = np.searchsorted(
        np.asarray(ruleset.pricing.band_upper), np.nan_to_num(frame["pd"], nan=1.0), side="right"
    )
    premium = np.asarray(ruleset.pricing.band_premium)[
        np.minimum(band, len(ruleset.pricing.band_premium) - 1)
    ]
    green_discount = 0.0 - np.round(green, 6)  # 0.0 - x, not -x: no negative zeros in documents
    interest_subsidy = 0.0 - np.round(subsidy, 6)
    rate = np.round(base + premium + green_discount + interest_subsidy, 6)

    result = pd.DataFrame(
        {
            "stage": frame["stage"],
            "stage_declared": _coded(declared, STAGES),
            "stage_derived": frame["stage_derived"],
            "stage_disagreement": (declared >= 0) & (declared != derived),
            "outcome": _coded(outcome, OUTCOME_CODES),
            "products": products_column(ruleset, eligible, position, order_keys, n),
            "top_product": frame["top_product"],
            "limit_amount": limit,
            "limit_binding": _coded(limit_binding, LIMIT_BINDINGS),
            "tenor_months": tenor,
            "tenor_binding": _coded(tenor_binding, TENOR_BINDINGS),
            "base_rate": base,
            "grade_premium": premium,
            "green_discount": green_discount,
            "interest_subsidy": interest_subsidy,
            "rate": rate,
            "conditions": texts_column(ruleset, conditions, n),
            "flags": list_column(list(flags.values()), list(flags), n),
            "rule_hits": hits_column(ruleset, hits, n),
            "cutoff_approve": frame["cutoff_approve"],
            "cutoff_decline": frame["cutoff_decline"],
            "cutoff_relaxation": relaxation,
            "debt_capacity": capacity,
        },
        index=scored.index,
    )
    return result


def _coded(codes: npt.NDArray[np.integer[Any]], categories: tuple[str, ...]) -> pd.Categorical:
    coded = pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(list(categories)))
    return cast(pd.Categorical, coded)


def _cat(col: Column) -> pd.Categorical:
    assert isinstance(col, pd.Categorical)
    return col


def _prepare(ruleset: Ruleset, scored: pd.DataFrame) -> dict[str, Column]:
    """Columns as the condition evaluator wants them: floats (booleans as 1/0/NaN) or codes."""
    read = {c for r in ruleset.rules for c in r.reads}
    needed = (set(ENGINE_COLUMNS) | read) - {
        "stage",
        "stage_derived",
        "debt_capacity",
        "cutoff_approve",
        "cutoff_decline",
        "top_product",
        "n_products",
    }
    missing = sorted(c for c in needed if c not in scored.columns and c != "requested_product")
    if missing:
        raise EvaluationInputError(f"scored frame lacks columns {missing}")
    frame: dict[str, Column] = {}
    for name in needed:
        series = (
            scored[name]
            if name in scored.columns
            else pd.Series([None] * len(scored), dtype=object)
        )
        if name in CATEGORICAL_FEATURES:
            frame[name] = _categorical(name, series, CATEGORICAL_FEATURES[name])
        else:
            if name in BOOLEAN_FEATURES and series.dtype == object:
                series = series.map({True: 1.0, False: 0.0}, na_action="ignore")
            frame[name] = series.to_numpy(dtype=np.float64, na_value=np.nan)
    return frame


def _categorical(name: str, series: pd.Series, codes: tuple[str, ...] | None) -> pd.Categorical:
    """Codes against the vocabulary; factorising first keeps the string work to the few uniques."""
    if codes is None:
        return pd.Categorical(series)
    raw_codes, uniques = pd.factorize(series, use_na_sentinel=True)
    lookup = np.array(
        [codes.index(u) if u in codes else -2 for u in uniques] + [-1], dtype=np.int16
    )
    mapped = lookup[raw_codes]  # the sentinel -1 picks the appended -1: missing stays missing
    if (mapped == -2).any():
        bad = sorted({str(u) for u in uniques if u not in codes})[:5]
        raise EvaluationInputError(f"column {name!r} has unknown codes {bad}")
    return _coded(mapped, codes)


def _pos(values: Floats) -> Floats:
    return np.nan_to_num(np.clip(values, 0.0, None), nan=0.0)


def _debt_capacity(
    ruleset: Ruleset, frame: dict[str, Column]
) -> tuple[Floats, npt.NDArray[np.int8]]:
    pol = ruleset.limit
    sources = np.vstack(
        [
            _pos(np.asarray(frame["revenue"])) * pol.revenue_share,
            _pos(np.asarray(frame["ocf_net_of_subsidies"])) * pol.cash_flow_multiple,
            _pos(np.asarray(frame["core_buyer_receivables"])) * pol.core_receivables_advance,
            _pos(np.asarray(frame["ip_valuation"])) * pol.ip_valuation_advance,
        ]
    )
    return sources.max(axis=0), sources.argmax(axis=0).astype(np.int8)


def _cutoffs(
    ruleset: Ruleset, frame: dict[str, Column], stage: npt.NDArray[np.int8]
) -> tuple[Floats, Floats]:
    ra = ruleset.risk_appetite
    n = len(stage)
    approve = np.full(n, ra.approve_below)
    decline = np.full(n, ra.decline_from)
    keys = {
        "sectors": (np.asarray(_cat(frame["sector"]).codes), SECTORS),
        "stages": (stage, STAGES),
        "districts": (np.asarray(_cat(frame["district"]).codes), None),
    }
    district_cats = list(_cat(frame["district"]).categories)
    for seg in ra.segments:  # least specific first: the most specific segment is applied last
        mask = np.ones(n, dtype=bool)
        for attr, (codes, vocab) in keys.items():
            wanted = getattr(seg, attr)
            if wanted is not None:
                cats = list(vocab) if vocab is not None else district_cats
                mask &= np.isin(codes, [cats.index(w) for w in wanted])
        approve = np.where(mask, seg.approve_below, approve)
        decline = np.where(mask, seg.decline_from, decline)
    return approve, decline


def _eligibility(
    ruleset: Ruleset,
    sector: npt.NDArray[np.int16],
    stage: npt.NDArray[np.int8],
    requested: Floats,
    asked: npt.NDArray[np.int16],
    excluded: dict[str, Mask],
    declined: Mask,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int16], list[npt.NDArray[np.int64]]]:
    """(n x products) eligibility, each product's rank position, and the keys the order uses.

    The rank is the playbook order, except that (a) products whose maximum cannot carry the
    requested amount go after those that can: a CNY 450M request leads with the syndicated loan
    even where the playbook lists supply-chain finance first; and (b) the product the RM asked
    for, when policy allows it, comes first. The order depends on the sector, on which
    products are too small and on the product asked for, hence those three keys.
    """
    n_p = len(PRODUCT_CODES)
    big = np.iinfo(np.int16).max
    pos_table = np.full((len(SECTORS), n_p), big, dtype=np.int16)
    for s, sector_code in enumerate(SECTORS):
        for rank, product in enumerate(ruleset.playbooks[sector_code]):
            pos_table[s, PRODUCT_CODES.index(product)] = rank
    stage_table = np.zeros((len(STAGES), n_p), dtype=bool)
    for t, stage_code in enumerate(STAGES):
        for product in ruleset.stage_products[stage_code]:
            stage_table[t, PRODUCT_CODES.index(product)] = True
    max_amount = np.array(
        [ruleset.products[p].max_amount if p in ruleset.products else np.inf for p in PRODUCT_CODES]
    )
    in_playbook = pos_table[sector] < big
    too_small = requested[:, None] > max_amount[None, :]  # NaN requests compare False
    position = np.where(in_playbook, pos_table[sector] + too_small * n_p, big).astype(np.int16)
    rows = np.flatnonzero(asked >= 0)
    position[rows, asked[rows]] = -1
    eligible = in_playbook & stage_table[stage]
    for j, product in enumerate(PRODUCT_CODES):
        eligible[:, j] &= ~excluded[product] & ~declined
    small_word = np.zeros(len(sector), dtype=np.int64)
    for j in range(n_p):
        small_word |= (too_small[:, j] & eligible[:, j]).astype(np.int64) << j
    keys = [sector.astype(np.int64), small_word, np.where(asked >= 0, asked, -1).astype(np.int64)]
    return eligible, position, keys


def _limit(
    ruleset: Ruleset,
    frame: dict[str, Column],
    top: npt.NDArray[np.int16],
    capacity: Floats,
    source: npt.NDArray[np.int8],
    declined: Mask,
) -> tuple[Floats, npt.NDArray[np.int8]]:
    max_amount = np.array(
        [ruleset.products[p].max_amount if p in ruleset.products else np.inf for p in PRODUCT_CODES]
    )
    product_max = np.where(top >= 0, max_amount[np.maximum(top, 0)], np.inf)
    requested = np.nan_to_num(np.asarray(frame["amount"]), nan=np.inf)
    bounds = np.vstack([requested, product_max, capacity])
    which = bounds.argmin(axis=0)  # ties go to the earlier bound: requested, product, capacity
    limit = np.floor(np.minimum(bounds.min(axis=0), 1e13) * 100.0) / 100.0
    binding = np.where(which == 2, 2 + source, which).astype(np.int8)
    limit = np.where(declined, 0.0, limit)
    binding = np.where(declined, LIMIT_BINDINGS.index("declined"), binding).astype(np.int8)
    return limit, binding


def _tenor(
    ruleset: Ruleset, frame: dict[str, Column], top: npt.NDArray[np.int16], declined: Mask
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.int8]]:
    max_tenor = np.array(
        [
            ruleset.products[p].max_tenor_months if p in ruleset.products else np.inf
            for p in PRODUCT_CODES
        ],
        dtype=np.float64,
    )
    bounds = np.vstack(
        [
            np.nan_to_num(np.asarray(frame["tenor_months"]), nan=np.inf),
            np.nan_to_num(np.asarray(frame["core_product_tech_life_months"]), nan=np.inf),
            np.where(top >= 0, max_tenor[np.maximum(top, 0)], np.inf),
        ]
    )
    lowest = bounds.min(axis=0)
    binding = np.where(np.isfinite(lowest), bounds.argmin(axis=0), TENOR_BINDINGS.index("none"))
    months = np.where(np.isfinite(lowest), np.floor(np.clip(lowest, 0, 360)), 0)
    months = np.where(declined, 0, months).astype(np.int16)
    binding = np.where(declined, TENOR_BINDINGS.index("declined"), binding).astype(np.int8)
    return months, binding
