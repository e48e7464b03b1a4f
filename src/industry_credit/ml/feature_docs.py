"""The feature declaration: every feature's name, meaning and kind, declared once.

``build_features`` produces exactly these columns, the model's schema is inferred from their
kinds and vocabularies, and the columns rules may name are derived from them
(``rules/columns.py``). Order matters: it is the column order of ``build_features`` and of the
model matrix.
"Latest FY" is the newest fiscal year not after ``as_of``; alternative-data windows count whole
calendar months back from the month of ``as_of`` (month 0, possibly incomplete, is excluded).
Ratios are NaN when the denominator is 0 or unknown, never inf.
"""

from __future__ import annotations

from typing import Final, Literal

from industry_credit.vocabulary import DISTRICTS, PURPOSES, SECTORS, STAGES, TECH_ROUTES

FeatureKind = Literal["category", "bool", "numeric"]

FEATURE_DOCS: Final[dict[str, str]] = {
    # enterprise master data
    "sector": "Sector code (vocabulary.SECTORS).",
    "district": "District code (vocabulary.DISTRICTS).",
    "tech_route": "Technology route of the core product: x86 / arm / risc_v / other / none.",
    "declared_stage": "Lifecycle stage declared by the RM; None when not declared.",
    "specialized_sme": "Certified specialised-and-sophisticated SME (专精特新).",
    "little_giant": "Certified 'little giant' (小巨人).",
    "is_core_enterprise": "The firm itself is a certified core enterprise (链主).",
    "firm_age_years": "Years from founding to as_of (days / 365.25).",
    "employees": "Employees on the enterprise record.",
    # financial statements, latest FY
    "revenue": "Revenue of the latest FY (CNY).",
    "revenue_growth_yoy": "Revenue growth of the latest FY over the previous one; NaN without a positive prior-year revenue.",
    "net_profit": "Net profit of the latest FY (CNY), subsidies included.",
    "net_margin": "net_profit / revenue.",
    "roa": "net_profit / total_assets (return on assets).",
    "subsidy_ratio": "subsidy_total / revenue: dependence on policy money.",
    "ocf_to_liabilities": "operating_cash_flow / total_liabilities.",
    "subsidy_total": "All subsidies of the latest FY: compute, model, corpus vouchers, special fund, other.",
    "voucher_total": "Compute, model and corpus vouchers of the latest FY (CNY): the scheduled part of subsidy_total.",
    "profit_net_of_subsidies": "net_profit - subsidy_total: profit without policy dividends [000 §(四)4].",
    "margin_net_of_subsidies": "profit_net_of_subsidies / revenue.",
    "operating_cash_flow": "Operating cash flow of the latest FY (CNY).",
    "ocf_net_of_subsidies": "operating_cash_flow - subsidy_total.",
    "cash_flow_coverage": "operating_cash_flow / current_liabilities.",
    "total_assets": "Total assets, latest FY.",
    "total_liabilities": "Total liabilities, latest FY.",
    "equity": "total_assets - total_liabilities (may be negative).",
    "leverage": "total_liabilities / total_assets.",
    "current_ratio": "current_assets / current_liabilities.",
    "rd_intensity": "rd_expense / revenue.",
    "receivables": "Accounts receivable, latest FY.",
    # supply chain (industry credit)
    "has_core_buyer": "At least one buyer is a certified core enterprise.",
    "buyer_hhi": "Herfindahl index of buyer shares (sum of share^2); NaN without buyers.",
    "top_buyer_share": "Largest single buyer share; NaN without buyers.",
    "core_buyer_share": "Sum of shares of core-enterprise buyers; NaN without buyers.",
    "core_buyer_receivables": "receivables x core_buyer_share: receivables owed by core enterprises.",
    "on_time_delivery_rate": "The firm's on-time delivery rate to its buyers, buyer-share-weighted.",
    "buyer_payment_days": "Buyers' average payment days, buyer-share-weighted.",
    "supplier_payment_days": "The firm's own average payment days to its suppliers, supplier-share-weighted.",
    "imported_component_share": "Imported share of supplied components, supplier-share-weighted; NaN when any supplier link does not report it.",
    "top_supplier_share": "Largest single supplier share; NaN without suppliers (single-source check).",
    "n_buyers": "Number of buyer links.",
    "n_suppliers": "Number of supplier links.",
    "counterparty_distress_share": "Share-weighted fraction of buyers and suppliers with a known PD whose PD >= DISTRESSED_PD (grade CCC and worse); NaN when no counterparty PD is known.",
    "core_buyer_distress": "Sum over core-enterprise buyers with a known PD of share x PD: expected loss of sales to defaulting core buyers; NaN when none known.",
    "distressed_core_buyer_share": "Sum of shares of core-enterprise buyers whose PD >= DISTRESSED_PD (CCC and worse); NaN when no core buyer's PD is known.",
    "distressed_supplier_share": "Sum of shares of suppliers whose PD >= DISTRESSED_PD; NaN when no supplier's PD is known.",
    # alternative data
    "electricity_yoy": "Mean monthly electricity use, months 1-12 before as_of over months 13-24, minus 1.",
    "electricity_volatility": "Coefficient of variation of monthly electricity use over months 1-12.",
    "tax_invoice_yoy": "Tax-invoice amount, last 12 over prior 12 months (monthly means), minus 1.",
    "tax_invoice_volatility": "Coefficient of variation of monthly tax invoices over months 1-12.",
    "electricity_yoy_6m": "Electricity use, months 1-6 over months 13-18 (same months a year earlier), minus 1.",
    "tax_invoice_yoy_6m": "Tax invoices, months 1-6 over months 13-18, minus 1.",
    "cancellation_6m": "Mean order cancellation rate over the last 6 months.",
    "headcount_yoy": "Social-insurance headcount, last 12 over prior 12 months (means), minus 1.",
    "export_yoy": "Customs exports, last 12 over prior 12 months (monthly means), minus 1.",
    "downtime_recent": "Mean equipment downtime rate over the last 3 months.",
    "downtime_jump": "downtime_recent minus the mean over months 4-12 (circuit breaker [004 §3.3]).",
    "cancellation_recent": "Mean order cancellation rate over the last 3 months.",
    "cancellation_jump": "cancellation_recent minus the mean over months 4-12.",
    # IP, policy, green, market
    "patents": "Granted patents (0 when unknown).",
    "software_copyrights": "Registered software copyrights (0 when unknown).",
    "ip_valuation": "Appraised IP value (CNY, 0 when unknown).",
    "ip_per_employee": "ip_valuation / employees.",
    "guidance_fund_equity": "A government guidance fund holds equity (跟贷 / 投贷联动 signal).",
    "vc_backed": "Venture-capital backed.",
    "special_fund_grant": "High-quality special fund grant (CNY).",
    "trade_in_subsidy_eligible": "Own-brand terminals eligible for trade-in subsidies (以旧换新).",
    "compliance_violation": "Green / chemicals / e-waste compliance violation on record.",
    "compliance_reported": "The application states the green-compliance record (false: evidence missing).",
    "carbon_intensity_vs_sector": "Carbon intensity relative to the sector average (1 = average); NaN when not reported.",
    "break_even_units": "Break-even annual volume of the market plan; NaN without a plan.",
    "annual_capacity_units": "Annual production capacity; NaN without a plan.",
    "planned_sales_units": "Planned annual sales; NaN without a plan.",
    "break_even_coverage": "min(capacity, planned sales) / break_even_units; NaN without a plan or with zero break-even.",
    "sales_plan_coverage": "planned_sales_units / break_even_units; NaN without a plan.",
    # requested loan
    "purpose": "Loan purpose code (vocabulary.PURPOSES).",
    "amount": "Requested amount (CNY).",
    "tenor_months": "Requested tenor in months.",
    "core_product_tech_life_months": "Technology life cycle of the core product, months.",
    "tenor_to_tech_life": "tenor_months / core_product_tech_life_months (> 1: tenor outlives the technology [000 §(四)1]).",
    "collateral_count": "Number of collateral items other than 'none'.",
    "has_guarantee": "Guarantee fund or third-party guarantee offered.",
    "has_hard_collateral": "Real-estate or equipment mortgage or receivables pledge offered.",
    "has_intangible_pledge": "Equity, IP or software-copyright pledge offered.",
    "risk_sharing_coverage": "Share of a loss borne by the request's risk-sharing partners (sum of coverage_share, at most 1; 0 without partners).",
    "government_risk_sharing_coverage": "The part of risk_sharing_coverage borne by policy banks, guarantee funds, risk-compensation pools and loss-sharing special funds.",
    "book_exposure": "The bank's outstanding exposure when the decision is taken (CNY); NaN when not known.",
    "sector_book_share": "Share of the bank's outstanding exposure in the firm's sector once this loan is added; NaN when the book is not known or empty.",
    "district_book_share": "Share of the bank's outstanding exposure in the firm's district once this loan is added; NaN when the book is not known or empty.",
    "loan_to_revenue": "amount / revenue.",
    "loan_to_equity": "amount / max(equity, 0); NaN when equity <= 0.",
}

# Categorical features and the vocabulary their codes come from.
CATEGORY_VOCABULARY: Final[dict[str, tuple[str, ...]]] = {
    "sector": SECTORS,
    "district": DISTRICTS,
    "tech_route": TECH_ROUTES,
    "declared_stage": STAGES,
    "purpose": PURPOSES,
}
CATEGORICAL_FEATURES: Final[tuple[str, ...]] = tuple(CATEGORY_VOCABULARY)
BOOL_FEATURES: Final[tuple[str, ...]] = (
    "specialized_sme",
    "little_giant",
    "is_core_enterprise",
    "guidance_fund_equity",
    "vc_backed",
    "trade_in_subsidy_eligible",
    "compliance_violation",
    "compliance_reported",
    "has_core_buyer",
    "has_guarantee",
    "has_hard_collateral",
    "has_intangible_pledge",
)
NUMERIC_FEATURES: Final[tuple[str, ...]] = tuple(
    name for name in FEATURE_DOCS if name not in CATEGORY_VOCABULARY and name not in BOOL_FEATURES
)


def feature_kind(name: str) -> FeatureKind:
    if name in CATEGORY_VOCABULARY:
        return "category"
    return "bool" if name in BOOL_FEATURES else "numeric"
