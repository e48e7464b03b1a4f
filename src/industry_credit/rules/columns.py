"""The columns a rule may look at: the feature contract, the scores and the engine's own.

This is the one list the ruleset validator checks names against. The feature names are the
contract with ``industry_credit.ml.features.build_features`` (DESIGN.md "Features"); the
engine-derived columns exist only inside an evaluation and are available from a given phase on.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final

from industry_credit.vocabulary import (
    DISTRICTS,
    PRODUCT_CODES,
    PURPOSES,
    SECTORS,
    STAGES,
    TECH_ROUTES,
)

# Categorical features with the code list their literals must come from (None: free text).
CATEGORICAL_FEATURES: Final[dict[str, tuple[str, ...] | None]] = {
    "sector": SECTORS,
    "district": DISTRICTS,
    "tech_route": TECH_ROUTES,
    "declared_stage": STAGES,
    "purpose": PURPOSES,
    "requested_product": PRODUCT_CODES,
    # Grade names belong to the ML master scale; rules key pricing on PD bands instead.
    "grade": None,
}

BOOLEAN_FEATURES: Final[tuple[str, ...]] = (
    "specialized_sme",
    "little_giant",
    "is_core_enterprise",
    "guidance_fund_equity",
    "vc_backed",
    "trade_in_subsidy_eligible",
    "compliance_violation",
    "has_core_buyer",
    "has_guarantee",
    "has_hard_collateral",
)

NUMERIC_FEATURES: Final[tuple[str, ...]] = (
    "firm_age_years",
    "employees",
    "revenue",
    "revenue_growth_yoy",
    "net_profit",
    "net_margin",
    "subsidy_total",
    "profit_net_of_subsidies",
    "margin_net_of_subsidies",
    "operating_cash_flow",
    "ocf_net_of_subsidies",
    "cash_flow_coverage",
    "total_assets",
    "total_liabilities",
    "equity",
    "leverage",
    "current_ratio",
    "rd_intensity",
    "receivables",
    "buyer_hhi",
    "top_buyer_share",
    "core_buyer_share",
    "core_buyer_receivables",
    "on_time_delivery_rate",
    "buyer_payment_days",
    "imported_component_share",
    "n_buyers",
    "n_suppliers",
    "electricity_yoy",
    "electricity_volatility",
    "tax_invoice_yoy",
    "tax_invoice_volatility",
    "headcount_yoy",
    "export_yoy",
    "downtime_recent",
    "downtime_jump",
    "cancellation_recent",
    "cancellation_jump",
    "patents",
    "software_copyrights",
    "ip_valuation",
    "ip_per_employee",
    "special_fund_grant",
    "carbon_intensity_vs_sector",
    "break_even_units",
    "annual_capacity_units",
    "planned_sales_units",
    "break_even_coverage",
    "amount",
    "tenor_months",
    "core_product_tech_life_months",
    "tenor_to_tech_life",
    "collateral_count",
    "counterparty_distress_share",
    "core_buyer_distress",
    # The model's score; ``grade`` above is its label on the master scale.
    "pd",
)

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
