"""Arrow schemas of the Parquet files: the database columns (minus created_at/updated_at).

Money and fractions are float64 (two and six decimals); integer columns are int32 or int64 as
in the database; ``received_at`` is a UTC timestamp in microseconds.
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa

_TS = pa.timestamp("us", tz="UTC")
_MONEY = pa.float64()

SCHEMAS: Final[dict[str, pa.Schema]] = {
    "enterprises": pa.schema(
        [
            ("id", pa.int64()),
            ("uscc", pa.string()),
            ("name", pa.string()),
            ("sector", pa.string()),
            ("district", pa.string()),
            ("founded_on", pa.date32()),
            ("employees", pa.int32()),
            ("declared_stage", pa.string()),
            ("tech_route", pa.string()),
            ("core_product_tech_life_months", pa.int16()),
            ("specialized_sme", pa.bool_()),
            ("little_giant", pa.bool_()),
            ("is_core_enterprise", pa.bool_()),
            ("in_portfolio", pa.bool_()),
            ("exposure", _MONEY),
            ("true_pd", pa.float64()),
            ("defaulted_12m", pa.bool_()),
        ]
    ),
    "financial_statements": pa.schema(
        [
            ("id", pa.int64()),
            ("enterprise_id", pa.int64()),
            ("fiscal_year", pa.int16()),
            *[
                (c, _MONEY)
                for c in (
                    "revenue",
                    "operating_cost",
                    "net_profit",
                    "total_assets",
                    "total_liabilities",
                    "current_assets",
                    "current_liabilities",
                    "operating_cash_flow",
                    "rd_expense",
                    "inventory",
                    "receivables",
                    "subsidy_compute_voucher",
                    "subsidy_model_voucher",
                    "subsidy_corpus_voucher",
                    "subsidy_special_fund",
                    "subsidy_other",
                )
            ],
            ("received_at", _TS),
        ]
    ),
    "supply_links": pa.schema(
        [
            ("id", pa.int64()),
            ("enterprise_id", pa.int64()),
            ("counterparty_uscc", pa.string()),
            ("counterparty_name", pa.string()),
            ("counterparty_id", pa.int64()),
            ("role", pa.string()),
            ("is_core_enterprise", pa.bool_()),
            ("share", pa.float64()),
            ("on_time_delivery_rate", pa.float64()),
            ("avg_payment_days", pa.int16()),
            ("imported_component_share", pa.float64()),
            ("received_at", _TS),
        ]
    ),
    "alternative_data_monthly": pa.schema(
        [
            ("enterprise_id", pa.int64()),
            ("month", pa.date32()),
            ("tax_invoice_amount", _MONEY),
            ("electricity_kwh", pa.float64()),
            ("social_insurance_headcount", pa.int32()),
            ("customs_export_amount", _MONEY),
            ("equipment_downtime_rate", pa.float64()),
            ("order_cancellation_rate", pa.float64()),
            ("received_at", _TS),
        ]
    ),
    "intellectual_property": pa.schema(
        [
            ("enterprise_id", pa.int64()),
            ("patents", pa.int32()),
            ("software_copyrights", pa.int32()),
            ("ip_valuation", _MONEY),
            ("received_at", _TS),
        ]
    ),
    "policy_support": pa.schema(
        [
            ("enterprise_id", pa.int64()),
            ("guidance_fund_equity", pa.bool_()),
            ("vc_backed", pa.bool_()),
            ("special_fund_grant", _MONEY),
            ("trade_in_subsidy_eligible", pa.bool_()),
            ("received_at", _TS),
        ]
    ),
    "green_data": pa.schema(
        [
            ("enterprise_id", pa.int64()),
            ("compliance_violation", pa.bool_()),
            ("carbon_intensity_vs_sector", pa.float64()),
            ("received_at", _TS),
        ]
    ),
    "market_plans": pa.schema(
        [
            ("enterprise_id", pa.int64()),
            ("break_even_units", pa.int64()),
            ("annual_capacity_units", pa.int64()),
            ("planned_sales_units", pa.int64()),
            ("received_at", _TS),
        ]
    ),
    "loan_requests": pa.schema(
        [
            ("enterprise_id", pa.int64()),
            ("amount", _MONEY),
            ("tenor_months", pa.int32()),
            ("purpose", pa.string()),
            ("collateral", pa.list_(pa.string())),
            ("requested_product", pa.string()),
        ]
    ),
}

# Database tables in load order (parents first); loan_requests is not a database table.
DB_TABLES: Final[tuple[str, ...]] = (
    "enterprises",
    "financial_statements",
    "supply_links",
    "alternative_data_monthly",
    "intellectual_property",
    "policy_support",
    "green_data",
    "market_plans",
)
ALL_TABLES: Final[tuple[str, ...]] = (*DB_TABLES, "loan_requests")
# Tables whose ``id`` is an identity column; its sequence is advanced after a bulk load.
IDENTITY_TABLES: Final[tuple[str, ...]] = ("enterprises", "financial_statements", "supply_links")
