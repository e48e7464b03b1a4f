"""The one list of monotone constraints of the industry-credit model, each with its reason.

+1: a higher value may never lower the PD; -1: a higher value may never raise it. Only features
whose direction credit practice or the seeds settle are constrained; everything else (size,
sector, IP counts, growth that can mean either scaling or burning cash) is left free. External
tables (a bank's own book) get no constraints: their columns' directions are unknown here.
"""

from __future__ import annotations

from typing import Final

MONOTONE: Final[dict[str, tuple[int, str]]] = {
    "leverage": (1, "More debt per unit of assets leaves less buffer against losses."),
    "cash_flow_coverage": (-1, "Operating cash flow is what services short-term debt."),
    "current_ratio": (-1, "Liquid assets against short-term liabilities."),
    "margin_net_of_subsidies": (
        -1,
        "Profitability without policy dividends; lending must not rest on subsidies [000 §(四)4].",
    ),
    "on_time_delivery_rate": (
        -1,
        "Delivery reliability to buyers is a core industry-credit signal [004 §3.2].",
    ),
    "buyer_payment_days": (1, "Slower-paying buyers stretch the firm's working capital."),
    "imported_component_share": (
        1,
        "Dependence on imported components: geopolitics and trade friction [000 §(四)2].",
    ),
    "electricity_yoy": (-1, "Falling electricity use means falling production."),
    "tax_invoice_yoy": (-1, "Falling invoiced sales seen by the tax authority."),
    "headcount_yoy": (-1, "Shrinking social-insurance headcount signals retrenchment."),
    "electricity_yoy_6m": (-1, "Falling electricity use, seasonality removed."),
    "tax_invoice_yoy_6m": (-1, "Falling invoiced sales, seasonality removed."),
    "cancellation_6m": (1, "Sustained order cancellations [004 §3.3]."),
    "roa": (-1, "Profit per unit of assets is the first buffer against losses."),
    "ocf_to_liabilities": (-1, "Operating cash flow against all debt."),
    "supplier_payment_days": (1, "A firm that pays its suppliers late is short of cash."),
    "sales_plan_coverage": (-1, "Planned sales against break-even volume [000 §(四)3]."),
    "electricity_volatility": (1, "Erratic production is less predictable cash flow."),
    "tax_invoice_volatility": (1, "Erratic invoiced sales are less predictable cash flow."),
    "downtime_recent": (1, "Equipment downtime is a circuit-breaker signal [004 §3.3]."),
    "downtime_jump": (1, "A jump in downtime triggers the circuit breaker [004 §3.3]."),
    "cancellation_recent": (1, "Order cancellations are a circuit-breaker signal [004 §3.3]."),
    "cancellation_jump": (1, "A jump in cancellations triggers the circuit breaker [004 §3.3]."),
    "compliance_violation": (
        1,
        "Green-compliance breaches bring fines and stoppages [000 §(四)4].",
    ),
    "break_even_coverage": (
        -1,
        "Sellable volume against break-even volume: market acceptance [000 §(四)3].",
    ),
    "tenor_to_tech_life": (
        1,
        "A tenor outliving the core product's technology life [000 §(四)1].",
    ),
    "counterparty_distress_share": (1, "Distressed buyers and suppliers spread contagion."),
    "core_buyer_distress": (1, "A distressed core enterprise endangers the whole chain."),
    "guidance_fund_equity": (-1, "A government guidance-fund stake is a mitigant [000 §(三)]."),
    "loan_to_revenue": (1, "A larger loan relative to the business is harder to service."),
}


def build_monotone(features: list[str]) -> list[int]:
    """The LightGBM ``monotone_constraints`` vector for a feature order (0 = unconstrained)."""
    return [MONOTONE[f][0] if f in MONOTONE else 0 for f in features]


def constraint_table(features: list[str]) -> dict[str, dict[str, object]]:
    """The constraints in force for ``features`` with their reasons (for manifest and report)."""
    return {
        f: {"direction": MONOTONE[f][0], "reason": MONOTONE[f][1]}
        for f in features
        if f in MONOTONE and MONOTONE[f][0] != 0
    }
