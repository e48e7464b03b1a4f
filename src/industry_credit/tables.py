"""The declared schema of the input tables: each table, its columns, dtypes and vocabularies.

This is the one place where an input column is spelled out. The rest is derived from it:
- the columns the decision kernel reads (``feature_columns``: ``ml/frames.py``);
- the Arrow schemas of the synthetic population's Parquet files (``arrow_schema``);
- the batch's SELECT lists (``batch/reader.py``);
- the API's vocabularies (``vocabulary_type`` in ``applications/schemas.py``).

The database models (``db/models/enterprises.py``) declare the same tables for SQLAlchemy, with
constraints; ``tests/unit/test_schema_contract.py`` fails on any drift between the two, and on
any drift between the features and the columns rules may name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

import pyarrow as pa

from industry_credit.vocabulary import (
    COLLATERAL,
    DISTRICTS,
    PRODUCT_CODES,
    PURPOSES,
    SECTORS,
    STAGES,
    SUBSIDY_KINDS,
    SUPPLY_ROLES,
    TECH_ROUTES,
)

Kind = Literal["id", "int", "money", "float", "bool", "code", "codes", "text", "date", "timestamp"]

_ARROW: Final[dict[str, pa.DataType]] = {
    "id": pa.int64(),
    "money": pa.float64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "code": pa.string(),
    "codes": pa.list_(pa.string()),
    "text": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    # For "code" and "codes": the values allowed. For "int": the Arrow width in bits.
    vocabulary: tuple[str, ...] | None = None
    bits: int = 64
    nullable: bool = False
    # Read by the decision kernel (features); other columns are stored, not decided on.
    feature: bool = True

    @property
    def arrow_type(self) -> pa.DataType:
        if self.kind == "int":
            return {16: pa.int16(), 32: pa.int32(), 64: pa.int64()}[self.bits]
        return _ARROW[self.kind]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    # False: exchanged as a file only (the loan each synthetic firm asks for).
    in_database: bool = True

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name}.{name}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def feature_columns(self) -> tuple[str, ...]:
        """The columns the decision kernel reads, in declared order."""
        return tuple(c.name for c in self.columns if c.feature)

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([(c.name, c.arrow_type) for c in self.columns])


def _c(name: str, kind: Kind, **kw: Any) -> Column:
    return Column(name, kind, **kw)


def _stored(name: str, kind: Kind, **kw: Any) -> Column:
    return Column(name, kind, feature=False, **kw)


_RECEIVED = _stored("received_at", "timestamp")
_ENTERPRISE_ID = _c("enterprise_id", "id")
STATEMENT_AMOUNTS: Final[tuple[str, ...]] = (
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
)

TABLES: Final[Mapping[str, Table]] = {
    t.name: t
    for t in (
        Table(
            "enterprises",
            (
                _c("id", "id"),
                _c("uscc", "text"),
                _c("name", "text"),
                _c("sector", "code", vocabulary=SECTORS),
                _c("district", "code", vocabulary=DISTRICTS),
                _c("founded_on", "date"),
                _c("employees", "int", bits=32),
                _c("declared_stage", "code", vocabulary=STAGES, nullable=True),
                _c("tech_route", "code", vocabulary=TECH_ROUTES),
                _c("core_product_tech_life_months", "int", bits=16),
                _c("specialized_sme", "bool"),
                _c("little_giant", "bool"),
                _c("is_core_enterprise", "bool"),
                _stored("in_portfolio", "bool"),
                _stored("exposure", "money"),
                _stored("true_pd", "float", nullable=True),
                _stored("defaulted_12m", "bool", nullable=True),
            ),
        ),
        Table(
            "financial_statements",
            (
                _stored("id", "id"),
                _ENTERPRISE_ID,
                _c("fiscal_year", "int", bits=16),
                *(_c(name, "money") for name in STATEMENT_AMOUNTS),
                *(_c(f"subsidy_{kind}", "money") for kind in SUBSIDY_KINDS),
                _RECEIVED,
            ),
        ),
        Table(
            "supply_links",
            (
                _stored("id", "id"),
                _ENTERPRISE_ID,
                _c("counterparty_uscc", "text"),
                _c("counterparty_name", "text"),
                _stored("counterparty_id", "id", nullable=True),
                _c("role", "code", vocabulary=SUPPLY_ROLES),
                _c("is_core_enterprise", "bool"),
                _c("share", "float"),
                _c("on_time_delivery_rate", "float"),
                _c("avg_payment_days", "int", bits=16),
                _c("imported_component_share", "float", nullable=True),
                _RECEIVED,
            ),
        ),
        Table(
            "alternative_data_monthly",
            (
                _ENTERPRISE_ID,
                _c("month", "date"),
                _c("tax_invoice_amount", "money"),
                _c("electricity_kwh", "float"),
                _c("social_insurance_headcount", "int", bits=32),
                _c("customs_export_amount", "money"),
                _c("equipment_downtime_rate", "float"),
                _c("order_cancellation_rate", "float"),
                _RECEIVED,
            ),
        ),
        Table(
            "intellectual_property",
            (
                _ENTERPRISE_ID,
                _c("patents", "int", bits=32),
                _c("software_copyrights", "int", bits=32),
                _c("ip_valuation", "money"),
                _RECEIVED,
            ),
        ),
        Table(
            "policy_support",
            (
                _ENTERPRISE_ID,
                _c("guidance_fund_equity", "bool"),
                _c("vc_backed", "bool"),
                _c("special_fund_grant", "money"),
                _c("trade_in_subsidy_eligible", "bool"),
                _RECEIVED,
            ),
        ),
        Table(
            "green_data",
            (
                _ENTERPRISE_ID,
                _c("compliance_violation", "bool", nullable=True),
                _c("carbon_intensity_vs_sector", "float", nullable=True),
                _RECEIVED,
            ),
        ),
        Table(
            "market_plans",
            (
                _ENTERPRISE_ID,
                _c("break_even_units", "int"),
                _c("annual_capacity_units", "int"),
                _c("planned_sales_units", "int"),
                _RECEIVED,
            ),
        ),
        Table(
            "loan_requests",
            (
                _ENTERPRISE_ID,
                _c("amount", "money"),
                _c("tenor_months", "int", bits=32),
                _c("purpose", "code", vocabulary=PURPOSES),
                _c("collateral", "codes", vocabulary=COLLATERAL),
                _c("requested_product", "code", vocabulary=PRODUCT_CODES, nullable=True),
                # From request.risk_sharing: the loss share partners bear (0: none).
                _c("risk_sharing_coverage", "float", nullable=True),
                _c("government_risk_sharing_coverage", "float", nullable=True),
                # The bank's outstanding exposure when the decision is taken: in total, in the
                # firm's sector and district (portfolio limits; NULL: not known, not checked).
                _c("book_total_exposure", "float", nullable=True),
                _c("book_sector_exposure", "float", nullable=True),
                _c("book_district_exposure", "float", nullable=True),
            ),
            in_database=False,
        ),
    )
}

# Database tables in load order (parents first).
DB_TABLES: Final[tuple[str, ...]] = tuple(name for name, t in TABLES.items() if t.in_database)
ALL_TABLES: Final[tuple[str, ...]] = tuple(TABLES)
FEATURE_COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    name: table.feature_columns for name, table in TABLES.items()
}
# The optional frame of counterparties' latest PDs the contagion features read.
COUNTERPARTY_RISK_COLUMNS: Final[tuple[str, ...]] = ("counterparty_uscc", "pd")
