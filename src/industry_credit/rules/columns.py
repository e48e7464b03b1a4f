"""The columns a rule may look at: the feature contract, the scores and the engine's own.

This is the one list the ruleset validator checks names against. The feature columns are
derived from the feature declaration that ``build_features`` produces, so the two cannot drift;
the engine-derived columns exist only inside an evaluation and are available from a given phase
on.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final

from industry_credit.ml.feature_docs import BOOL_FEATURES, CATEGORY_VOCABULARY
from industry_credit.ml.feature_docs import NUMERIC_FEATURES as MODEL_NUMERIC_FEATURES
from industry_credit.vocabulary import PRODUCT_CODES, STAGES

# Derived from the feature declaration (``ml/feature_docs.py``): every model feature may be
# named by a rule, with the score, its grade and the product the RM asked for.
# Categorical columns with the code list their literals must come from (None: free text).
CATEGORICAL_FEATURES: Final[dict[str, tuple[str, ...] | None]] = {
    **CATEGORY_VOCABULARY,
    "requested_product": PRODUCT_CODES,
    # Grade names belong to the ML master scale; rules key pricing on PD bands instead.
    "grade": None,
}
BOOLEAN_FEATURES: Final[tuple[str, ...]] = BOOL_FEATURES
# The model's score is a rule input too; ``grade`` above is its label on the master scale.
NUMERIC_FEATURES: Final[tuple[str, ...]] = (*MODEL_NUMERIC_FEATURES, "pd")

# Input columns the engine needs to find in the scored frame (requested_product is optional).
REQUIRED_INPUT_COLUMNS: Final[tuple[str, ...]] = tuple(
    [c for c in CATEGORICAL_FEATURES if c != "requested_product"]
    + list(BOOLEAN_FEATURES)
    + list(NUMERIC_FEATURES)
)
OPTIONAL_INPUT_COLUMNS: Final[tuple[str, ...]] = ("requested_product",)


class Phase(IntEnum):
    """Evaluation order; a rule may only read columns that exist by its phase."""

    STAGE = 0  # deriving the lifecycle stage: features and scores only
    RELIEF = 1  # cut-off relaxations: + the stage
    DECISION = 2  # knock-outs, refer flags, product exclusions: + cut-offs and debt capacity
    OFFER = 3  # pricing and checks on the offer: + the ranked products


# Engine-derived columns: name -> (phase from which readable, kind, code list).
DERIVED_COLUMNS: Final[dict[str, tuple[Phase, str, tuple[str, ...] | None]]] = {
    "stage_derived": (Phase.RELIEF, "categorical", STAGES),
    "stage": (Phase.RELIEF, "categorical", STAGES),
    "debt_capacity": (Phase.RELIEF, "numeric", None),
    "cutoff_approve": (Phase.DECISION, "numeric", None),
    "cutoff_decline": (Phase.DECISION, "numeric", None),
    "top_product": (Phase.OFFER, "categorical", PRODUCT_CODES),
    "n_products": (Phase.OFFER, "numeric", None),
}


def column_kind(name: str) -> str | None:
    """'categorical', 'boolean' or 'numeric' for a readable column; None if unknown."""
    if name in CATEGORICAL_FEATURES:
        return "categorical"
    if name in BOOLEAN_FEATURES:
        return "boolean"
    if name in NUMERIC_FEATURES:
        return "numeric"
    if name in DERIVED_COLUMNS:
        return DERIVED_COLUMNS[name][1]
    return None


def column_codes(name: str) -> tuple[str, ...] | None:
    """The code list a categorical column's literals must come from, if it has one."""
    if name in CATEGORICAL_FEATURES:
        return CATEGORICAL_FEATURES[name]
    if name in DERIVED_COLUMNS:
        return DERIVED_COLUMNS[name][2]
    return None


def column_phase(name: str) -> Phase:
    """The first phase in which ``name`` can be read (inputs: from the start)."""
    return DERIVED_COLUMNS[name][0] if name in DERIVED_COLUMNS else Phase.STAGE
