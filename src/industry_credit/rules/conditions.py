"""The condition language: clauses over columns, combined with all / any / not.

A condition is data, never code. The grammar, as written in the ruleset YAML:

    condition := {all: [condition, ...]} | {any: [condition, ...]} | {not: condition}
               | {always: true} | clause
    clause    := {feature: NAME, op: OP, value: VALUE}      (no value for the unary ops)
    VALUE     := literal | [literal, ...] | {param: NAME} | {column: NAME}

Operators: lt le gt ge (numbers), eq ne (any kind), in not_in (a list), is_null not_null,
is_true is_false (booleans). A clause on a missing value is false, whatever the operator
(``ne`` and ``not_in`` included), except ``is_null``; ask for missing values explicitly.

Parameter references are resolved when the ruleset is parsed; column references are compared
element-wise at evaluation. Evaluation works on whole columns (NumPy arrays) and returns one
boolean mask: the cost is per clause, never per row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from industry_credit.rules.columns import Phase, column_codes, column_kind, column_phase
from industry_credit.rules.errors import RulesetError

Mask: TypeAlias = npt.NDArray[np.bool_]
# A column inside an evaluation: float64 for numbers and booleans (1/0/NaN), Categorical for codes.
Column: TypeAlias = "npt.NDArray[np.float64] | pd.Categorical"

COMPARISON_OPS = frozenset({"lt", "le", "gt", "ge"})
EQUALITY_OPS = frozenset({"eq", "ne"})
MEMBERSHIP_OPS = frozenset({"in", "not_in"})
NULL_OPS = frozenset({"is_null", "not_null"})
TRUTH_OPS = frozenset({"is_true", "is_false"})
OPERATORS = COMPARISON_OPS | EQUALITY_OPS | MEMBERSHIP_OPS | NULL_OPS | TRUTH_OPS
_UNARY = NULL_OPS | TRUTH_OPS
_OPS_BY_KIND = {
    "numeric": COMPARISON_OPS | EQUALITY_OPS | MEMBERSHIP_OPS | NULL_OPS,
    "boolean": EQUALITY_OPS | NULL_OPS | TRUTH_OPS,
    "categorical": EQUALITY_OPS | MEMBERSHIP_OPS | NULL_OPS,
}


@dataclass(frozen=True)
class ColumnRef:
    name: str


@dataclass(frozen=True)
class Clause:
    feature: str
    op: str
    value: Any  # a literal, a tuple of literals (in/not_in), a ColumnRef, or None (unary)


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


@dataclass(frozen=True)
class Always:
    value: bool


Condition: TypeAlias = "Clause | AllOf | AnyOf | Not | Always"


def parse_condition(
    raw: object, *, params: Mapping[str, object], where: str, phase: Phase
) -> tuple[Condition, set[str]]:
    """Parse and validate one condition; return it with the set of columns it reads.

    ``phase`` is the phase the owning rule runs in: reading a column that the engine only
    derives later is an error, because the rule would silently see nothing.
    """
    columns: set[str] = set()
    cond = _parse(raw, params=params, where=where, phase=phase, columns=columns)
    return cond, columns


def _parse(
    raw: object, *, params: Mapping[str, object], where: str, phase: Phase, columns: set[str]
) -> Condition:
    if not isinstance(raw, dict) or not raw:
        raise RulesetError(where, f"a condition must be a non-empty mapping, got {raw!r}")
    keys = set(raw)
    if keys & {"all", "any"}:
        if len(keys) != 1:
            raise RulesetError(where, f"'all'/'any' must stand alone, got keys {sorted(keys)}")
        (key,) = keys
        items = raw[key]
        if not isinstance(items, list) or not items:
            raise RulesetError(where, f"'{key}' needs a non-empty list of conditions")
        parsed = tuple(
            _parse(i, params=params, where=where, phase=phase, columns=columns) for i in items
        )
        return AllOf(parsed) if key == "all" else AnyOf(parsed)
    if "not" in keys:
        if len(keys) != 1:
            raise RulesetError(where, "'not' must stand alone")
        return Not(_parse(raw["not"], params=params, where=where, phase=phase, columns=columns))
    if "always" in keys:
        if keys != {"always"} or not isinstance(raw["always"], bool):
            raise RulesetError(where, "'always' takes true or false and nothing else")
        return Always(raw["always"])
    return _parse_clause(raw, params=params, where=where, phase=phase, columns=columns)


def _check_column(name: object, *, where: str, phase: Phase, columns: set[str]) -> str:
    if not isinstance(name, str) or column_kind(name) is None:
        raise RulesetError(where, f"unknown feature {name!r}")
    if column_phase(name) > phase:
        raise RulesetError(
            where,
            f"feature {name!r} is only known from phase {column_phase(name).name.lower()}, "
            f"after this rule's phase {phase.name.lower()}",
        )
    columns.add(name)
    return name


def _parse_clause(
    raw: dict[Any, Any],
    *,
    params: Mapping[str, object],
    where: str,
    phase: Phase,
    columns: set[str],
) -> Clause:
    unknown_keys = set(raw) - {"feature", "op", "value"}
    if unknown_keys or "feature" not in raw or "op" not in raw:
        raise RulesetError(
            where, f"a clause is {{feature, op, value}}; got keys {sorted(map(str, raw))}"
        )
    feature = _check_column(raw["feature"], where=where, phase=phase, columns=columns)
    op = raw["op"]
    kind = column_kind(feature)
    assert kind is not None  # checked above
    if op not in OPERATORS:
        raise RulesetError(where, f"unknown operator {op!r} (allowed: {sorted(OPERATORS)})")
    if op not in _OPS_BY_KIND[kind]:
        raise RulesetError(where, f"operator {op!r} does not apply to {kind} feature {feature!r}")
    if op in _UNARY:
        if "value" in raw:
            raise RulesetError(where, f"operator {op!r} takes no value")
        return Clause(feature, op, None)
    if "value" not in raw:
        raise RulesetError(where, f"operator {op!r} on {feature!r} needs a value")
    value = _resolve(raw["value"], params=params, where=where)
    if isinstance(value, ColumnRef):
        if op in MEMBERSHIP_OPS:
            raise RulesetError(where, f"operator {op!r} needs a list, not a column")
        other = _check_column(value.name, where=where, phase=phase, columns=columns)
        if column_kind(other) != kind:
            raise RulesetError(where, f"cannot compare {kind} {feature!r} with {other!r}")
        return Clause(feature, op, value)
    if op in MEMBERSHIP_OPS:
        if not isinstance(value, list) or not value:
            raise RulesetError(where, f"operator {op!r} needs a non-empty list")
        items = tuple(_resolve(v, params=params, where=where) for v in value)
        for item in items:
            _check_literal(feature, kind, item, where=where)
        return Clause(feature, op, items)
    _check_literal(feature, kind, value, where=where)
    return Clause(feature, op, value)


def _resolve(value: object, *, params: Mapping[str, object], where: str) -> Any:
    if isinstance(value, dict):
        if set(value) == {"param"}:
            name = value["param"]
            if name not in params:
                raise RulesetError(where, f"unknown parameter {name!r}")
            return params[name]
        if set(value) == {"column"}:
            return ColumnRef(str(value["column"]))
        raise RulesetError(
            where, f"a value reference is {{param: NAME}} or {{column: NAME}}: {value!r}"
        )
    return value


def _check_literal(feature: str, kind: str, value: object, *, where: str) -> None:
    if kind == "numeric":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RulesetError(where, f"{feature!r} is numeric; {value!r} is not a number")
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise RulesetError(where, f"{feature!r} is boolean; {value!r} is not true/false")
    else:
        codes = column_codes(feature)
        if not isinstance(value, str):
            raise RulesetError(where, f"{feature!r} takes codes; {value!r} is not a string")
        if codes is not None and value not in codes:
            raise RulesetError(where, f"unknown {feature} code {value!r} (allowed: {list(codes)})")


# --- evaluation -------------------------------------------------------------------------------


def evaluate_condition(cond: Condition, frame: Mapping[str, Column], n: int) -> Mask:
    """The rows where ``cond`` holds, as a boolean array of length ``n``."""
    if isinstance(cond, Clause):
        return _clause_mask(cond, frame)
    if isinstance(cond, AllOf):
        mask = np.ones(n, dtype=bool)
        for item in cond.items:
            mask &= evaluate_condition(item, frame, n)
        return mask
    if isinstance(cond, AnyOf):
        mask = np.zeros(n, dtype=bool)
        for item in cond.items:
            mask |= evaluate_condition(item, frame, n)
        return mask
    if isinstance(cond, Not):
        return ~evaluate_condition(cond.item, frame, n)
    return np.full(n, cond.value, dtype=bool)


def _clause_mask(clause: Clause, frame: Mapping[str, Column]) -> Mask:
    col = frame[clause.feature]
    if isinstance(col, pd.Categorical):
        return _categorical_mask(col, clause, frame)
    values = np.asarray(col, dtype=np.float64)
    present = ~np.isnan(values)
    op = clause.op
    if op == "is_null":
        return ~present
    if op == "not_null":
        return present
    if op in TRUTH_OPS:
        truth: Mask = np.equal(values, 1.0 if op == "is_true" else 0.0)
        return truth
    if op in MEMBERSHIP_OPS:
        member = np.isin(values, np.asarray(clause.value, dtype=np.float64))
        return (member if op == "in" else ~member) & present
    if isinstance(clause.value, ColumnRef):
        other = np.asarray(frame[clause.value.name], dtype=np.float64)
        present = present & ~np.isnan(other)
    else:
        other = np.full(1, float(clause.value))
    with np.errstate(invalid="ignore"):
        result: Mask = {
            "lt": np.less,
            "le": np.less_equal,
            "gt": np.greater,
            "ge": np.greater_equal,
            "eq": np.equal,
            "ne": np.not_equal,
        }[op](values, other)
    return result & present


def _categorical_mask(col: pd.Categorical, clause: Clause, frame: Mapping[str, Column]) -> Mask:
    codes = np.asarray(col.codes)
    present = codes >= 0
    op = clause.op
    if op == "is_null":
        return ~present
    if op == "not_null":
        return present
    if isinstance(clause.value, ColumnRef):
        other = frame[clause.value.name]
        assert isinstance(other, pd.Categorical)
        both = present & (np.asarray(other.codes) >= 0)
        same: Mask
        if list(other.categories) == list(col.categories):
            same = np.equal(codes, np.asarray(other.codes))
        else:
            same = np.equal(np.asarray(col.astype(object)), np.asarray(other.astype(object)))
        return (same if op == "eq" else ~same) & both
    wanted = clause.value if op in MEMBERSHIP_OPS else (clause.value,)
    cats = col.categories
    idx = np.array([cats.get_loc(v) for v in wanted if v in cats], dtype=codes.dtype)
    member = np.isin(codes, idx)
    positive = op in ("eq", "in")
    return (member if positive else ~member) & present
