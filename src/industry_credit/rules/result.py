"""What the rules engine returns: one decision row per input row, as column arrays."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from industry_credit.ml.columns import Coded, column_to_pandas
from industry_credit.rules.assemble import ListColumn

CAPACITY_SOURCES = ("revenue", "cash_flow", "core_receivables", "ip_valuation")
LIMIT_BINDINGS = ("requested", "product_max", *CAPACITY_SOURCES, "declined")
TENOR_BINDINGS = ("requested", "core_product_tech_life", "product_max", "none", "declined")
OUTCOME_CODES = ("approve", "refer", "decline")

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class RuleTable:
    """The rules' part of each decision. Lists (products, conditions, flags, rule hits) are
    ``ListColumn``: rows showing the same pattern share one list, and the pattern's number is
    the key to group rows by (``codes``)."""

    stage: Coded
    stage_declared: Coded
    stage_derived: Coded
    stage_disagreement: npt.NDArray[np.bool_]
    outcome: Coded
    products: ListColumn
    top_product: Coded
    limit_amount: Floats
    limit_binding: Coded
    tenor_months: npt.NDArray[np.int16]
    tenor_binding: Coded
    base_rate: Floats
    grade_premium: Floats
    green_discount: Floats
    interest_subsidy: Floats
    rate: Floats
    conditions: ListColumn
    flags: ListColumn
    rule_hits: ListColumn
    cutoff_approve: Floats
    cutoff_decline: Floats
    cutoff_relaxation: Floats
    debt_capacity: Floats

    def __len__(self) -> int:
        return len(self.limit_amount)

    def column(self, name: str) -> Any:
        return getattr(self, name)

    def to_pandas(self, index: Any = None) -> pd.DataFrame:
        """A DataFrame (reports, simulation, tests): codes as Categoricals, lists per row."""
        data: dict[str, Any] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            data[field.name] = value.rows() if isinstance(value, ListColumn) else value
            data[field.name] = column_to_pandas(data[field.name])
        return pd.DataFrame(data, index=index)

    def decision_fields(self, i: int) -> dict[str, Any]:
        """The rules' part of DOMAIN.md's decision document for row ``i``.

        Keys: outcome, stage, stage_declared, products, limit, tenor, pricing, conditions,
        rule_hits, flags. The caller adds pd, grade, reasons, versions and ids.
        """
        declared = self.stage_declared.codes[i]
        return {
            "outcome": self.outcome.categories[self.outcome.codes[i]],
            "stage": self.stage.categories[self.stage.codes[i]],
            "stage_declared": None if declared < 0 else self.stage_declared.categories[declared],
            "products": [dict(p) for p in self.products.row(i)],
            "limit": {
                "amount": _plain_float(self.limit_amount[i]),
                "binding": self.limit_binding.categories[self.limit_binding.codes[i]],
            },
            "tenor": {
                "months": int(self.tenor_months[i]),
                "binding": self.tenor_binding.categories[self.tenor_binding.codes[i]],
            },
            "pricing": {
                "base_rate": _plain_float(self.base_rate[i]),
                "grade_premium": _plain_float(self.grade_premium[i]),
                "green_discount": _plain_float(self.green_discount[i]),
                "interest_subsidy": _plain_float(self.interest_subsidy[i]),
                "rate": _plain_float(self.rate[i]),
            },
            "conditions": list(self.conditions.row(i)),
            "rule_hits": [dict(h) for h in self.rule_hits.row(i)],
            "flags": list(self.flags.row(i)),
        }


def _plain_float(value: Any) -> float | None:
    v = float(value)
    return None if np.isnan(v) else v
