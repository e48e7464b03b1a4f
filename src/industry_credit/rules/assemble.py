"""Turning boolean matrices into list columns, and a decision row into document fields.

The engine decides with one boolean mask per rule, flag, condition and product. Rows that share
the same pattern of masks share the same list, so the lists are built once per distinct pattern
(there are few: thousands at most, whatever the number of rows) and handed out by index. The
patterns are found by packing the masks into 64-bit words and factorising the words.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from industry_credit.rules.ruleset import Rule, Ruleset
from industry_credit.vocabulary import PRODUCT_CODES

Mask = npt.NDArray[np.bool_]
_WORD_BITS = 63  # keep the sign bit clear so the words factorise as plain int64


def pattern_codes(
    masks: Sequence[Mask], n: int, extra: Sequence[npt.NDArray[np.integer[Any]]] = ()
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per-row pattern ids over ``masks`` (and extra integer keys), and one row per pattern.

    Returns (codes, first_rows): ``codes[i]`` numbers the distinct pattern of row ``i`` and
    ``first_rows[k]`` is a row that shows pattern ``k``.
    """
    keys: list[npt.NDArray[np.int64]] = [np.asarray(e, dtype=np.int64) for e in extra]
    for start in range(0, len(masks), _WORD_BITS):
        word = np.zeros(n, dtype=np.int64)
        for bit, mask in enumerate(masks[start : start + _WORD_BITS]):
            word |= mask.astype(np.int64) << bit
        keys.append(word)
    codes = np.zeros(n, dtype=np.int64)
    for key in keys:
        key_codes, uniques = pd.factorize(key, sort=False)
        codes, _ = pd.factorize(codes * len(uniques) + key_codes, sort=False)
        codes = codes.astype(np.int64)
    if n == 0:
        return codes, np.zeros(0, dtype=np.int64)
    # factorize numbers patterns in order of first appearance, so a row is a pattern's first
    # exactly where its code exceeds every code before it (no sort needed).
    running_max = np.maximum.accumulate(codes)
    first = np.empty(n, dtype=bool)
    first[0] = True
    first[1:] = codes[1:] > running_max[:-1]
    return codes, np.flatnonzero(first).astype(np.int64)


def _pattern_rows(
    masks: Sequence[Mask], n: int, extra: Sequence[npt.NDArray[np.integer[Any]]]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.intp], list[int]]:
    """Pattern codes, a row per pattern, and the set masks of all patterns, flattened.

    The third value lists, pattern after pattern, the indices of the masks set in it; the
    fourth gives where each pattern's run ends in that list.
    """
    codes, first_rows = pattern_codes(masks, n, extra)
    if not masks:
        return codes, first_rows, np.zeros(0, dtype=np.intp), [0] * len(first_rows)
    matrix = np.column_stack([m[first_rows] for m in masks])
    pattern, column = np.nonzero(matrix)  # row-major: grouped by pattern, columns ascending
    ends = np.cumsum(np.bincount(pattern, minlength=len(first_rows))).tolist()
    return codes, first_rows, column, ends


def _slices(flat: list[Any], ends: list[int]) -> list[list[Any]]:
    # Millions of small lists would trigger the cyclic garbage collector over and over (they
    # cannot form cycles); pausing it here halves the time of a million-row evaluation.
    if not ends:
        return []
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return [flat[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]
    finally:
        if was_enabled:
            gc.enable()


def list_column(masks: Sequence[Mask], items: Sequence[Any], n: int) -> npt.NDArray[np.object_]:
    """An object array of lists: row ``i`` lists ``items[j]`` for every mask ``j`` set at ``i``.

    The lists are built once per distinct pattern by slicing one flat Python list (no per-row
    NumPy calls) and shared by the rows showing that pattern; ``decision_fields`` copies them.
    """
    codes, _, column, ends = _pattern_rows(masks, n, ())
    item_array = np.empty(len(items), dtype=object)
    item_array[:] = list(items)
    per_pattern = np.empty(len(ends), dtype=object)
    per_pattern[:] = _slices(item_array[column].tolist(), ends)
    out: npt.NDArray[np.object_] = per_pattern[codes] if n else np.empty(0, dtype=object)
    return out


def built_list_column(
    masks: Sequence[Mask],
    n: int,
    build: Callable[[int, list[int]], list[Any]],
    extra: Sequence[npt.NDArray[np.integer[Any]]] = (),
) -> npt.NDArray[np.object_]:
    """Like ``list_column``, but ``build(row, indices)`` makes each pattern's list (for lists
    that also depend on the ``extra`` keys, such as products ranked by the row's sector)."""
    codes, first_rows, column, ends = _pattern_rows(masks, n, extra)
    per_pattern_idx = _slices(column.tolist(), ends)
    per_pattern = np.empty(len(first_rows), dtype=object)
    per_pattern[:] = [
        build(int(r), idx) for r, idx in zip(first_rows, per_pattern_idx, strict=True)
    ]
    out: npt.NDArray[np.object_] = per_pattern[codes] if n else np.empty(0, dtype=object)
    return out


def products_column(
    ruleset: Ruleset,
    eligible: npt.NDArray[np.bool_],
    position: npt.NDArray[np.int16],
    order_keys: Sequence[npt.NDArray[np.int64]],
    n: int,
) -> npt.NDArray[np.object_]:
    """Ranked products with their rationale; rows share a list when they share the eligible
    set and every key the ranking depends on (``order_keys``)."""

    def build(row: int, idx: list[int]) -> list[dict[str, Any]]:
        ordered = sorted(idx, key=lambda j: int(position[row, j]))
        specs = [ruleset.products[PRODUCT_CODES[j]] for j in ordered]
        return [
            {
                "code": s.code,
                "rank": k,
                "rationale_zh": s.rationale_zh,
                "rationale_en": s.rationale_en,
            }
            for k, s in enumerate(specs, start=1)
        ]

    masks = [eligible[:, j] for j in range(eligible.shape[1])]
    return built_list_column(masks, n, build, extra=order_keys)


def texts_column(ruleset: Ruleset, conditions: dict[str, Mask], n: int) -> npt.NDArray[np.object_]:
    texts = [f"{ruleset.conditions[c][0]} / {ruleset.conditions[c][1]}" for c in conditions]
    return list_column(list(conditions.values()), texts, n)


def hits_column(ruleset: Ruleset, hits: list[tuple[Rule, Mask]], n: int) -> npt.NDArray[np.object_]:
    items = [
        {
            "rule_id": r.id,
            "effect": r.effect_text,
            "seed_ref": r.seed_ref,
            "ruleset_version": ruleset.version,
        }
        for r, _ in hits
    ]
    return list_column([m for _, m in hits], items, n)


def _plain(value: Any) -> Any:
    """A JSON-ready Python value (NumPy scalars and NaN made plain)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def decision_fields(row: Mapping[str, Any] | pd.Series) -> dict[str, Any]:
    """The rules' part of DOMAIN.md's decision document, from one row of ``evaluate``.

    Keys: outcome, stage, stage_declared, products, limit, tenor, pricing, conditions,
    rule_hits, flags. The caller adds pd, grade, reasons, versions and ids.
    """
    declared = _plain(row["stage_declared"])
    return {
        "outcome": str(row["outcome"]),
        "stage": str(row["stage"]),
        "stage_declared": None if declared is None or pd.isna(declared) else str(declared),
        "products": [dict(p) for p in row["products"]],
        "limit": {"amount": _plain(row["limit_amount"]), "binding": str(row["limit_binding"])},
        "tenor": {"months": int(row["tenor_months"]), "binding": str(row["tenor_binding"])},
        "pricing": {
            key: _plain(row[key])
            for key in ("base_rate", "grade_premium", "green_discount", "interest_subsidy", "rate")
        },
        "conditions": list(row["conditions"]),
        "rule_hits": [dict(h) for h in row["rule_hits"]],
        "flags": list(row["flags"]),
    }
