"""The input tables of the model as one immutable bundle of DataFrames.

Column names are the database column names (``db/models/enterprises.py``); the same frames come
from the synthetic population's Parquet files, from application documents (the API) or from the
database (the nightly batch), so one feature function serves all three.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from industry_credit.applications.schemas import ApplicationDocument
from industry_credit.vocabulary import SUBSIDY_KINDS

ENTERPRISE_COLUMNS = (
    "id",
    "uscc",
    "name",
    "sector",
    "district",
    "founded_on",
    "employees",
    "declared_stage",
    "tech_route",
    "core_product_tech_life_months",
    "specialized_sme",
    "little_giant",
    "is_core_enterprise",
)
FINANCIAL_COLUMNS = (
    "enterprise_id",
    "fiscal_year",
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
    *(f"subsidy_{kind}" for kind in SUBSIDY_KINDS),
)
SUPPLY_COLUMNS = (
    "enterprise_id",
    "counterparty_uscc",
    "counterparty_name",
    "role",
    "is_core_enterprise",
    "share",
    "on_time_delivery_rate",
    "avg_payment_days",
    "imported_component_share",
)
ALTERNATIVE_COLUMNS = (
    "enterprise_id",
    "month",
    "tax_invoice_amount",
    "electricity_kwh",
    "social_insurance_headcount",
    "customs_export_amount",
    "equipment_downtime_rate",
    "order_cancellation_rate",
)
IP_COLUMNS = ("enterprise_id", "patents", "software_copyrights", "ip_valuation")
POLICY_COLUMNS = (
    "enterprise_id",
    "guidance_fund_equity",
    "vc_backed",
    "special_fund_grant",
    "trade_in_subsidy_eligible",
)
GREEN_COLUMNS = ("enterprise_id", "compliance_violation", "carbon_intensity_vs_sector")
MARKET_COLUMNS = (
    "enterprise_id",
    "break_even_units",
    "annual_capacity_units",
    "planned_sales_units",
)
LOAN_COLUMNS = (
    "enterprise_id",
    "amount",
    "tenor_months",
    "purpose",
    "collateral",
    "requested_product",
)
COUNTERPARTY_RISK_COLUMNS = ("counterparty_uscc", "pd")

# Frame name -> the columns the feature function reads (more columns are allowed).
TABLES: Mapping[str, tuple[str, ...]] = {
    "enterprises": ENTERPRISE_COLUMNS,
    "financial_statements": FINANCIAL_COLUMNS,
    "supply_links": SUPPLY_COLUMNS,
    "alternative_data_monthly": ALTERNATIVE_COLUMNS,
    "intellectual_property": IP_COLUMNS,
    "policy_support": POLICY_COLUMNS,
    "green_data": GREEN_COLUMNS,
    "market_plans": MARKET_COLUMNS,
    "loan_requests": LOAN_COLUMNS,
}


class FramesError(ValueError):
    """A table is missing or lacks a column the feature function needs."""


@dataclass(frozen=True)
class EnterpriseFrames:
    enterprises: pd.DataFrame
    financial_statements: pd.DataFrame
    supply_links: pd.DataFrame
    alternative_data_monthly: pd.DataFrame
    intellectual_property: pd.DataFrame
    policy_support: pd.DataFrame
    green_data: pd.DataFrame
    market_plans: pd.DataFrame
    loan_requests: pd.DataFrame
    counterparty_risk: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        for name, columns in TABLES.items():
            frame: pd.DataFrame = getattr(self, name)
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise FramesError(f"table {name} lacks columns {missing}")
        if self.counterparty_risk is not None:
            missing = [c for c in COUNTERPARTY_RISK_COLUMNS if c not in self.counterparty_risk]
            if missing:
                raise FramesError(f"table counterparty_risk lacks columns {missing}")

    def with_counterparty_risk(self, risk: pd.DataFrame | None) -> EnterpriseFrames:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["counterparty_risk"] = risk
        return EnterpriseFrames(**values)

    @classmethod
    def from_parquet_dir(cls, path: str | Path) -> EnterpriseFrames:
        """Read ``<table>.parquet`` for every table (and ``counterparty_risk.parquet`` if present)."""
        root = Path(path)
        tables: dict[str, pd.DataFrame] = {}
        for name in TABLES:
            file = root / f"{name}.parquet"
            if not file.is_file():
                raise FramesError(f"{file} is missing")
            tables[name] = _with_datetimes(_read_parquet(file))
        risk_file = root / "counterparty_risk.parquet"
        risk = pd.read_parquet(risk_file) if risk_file.is_file() else None
        return cls(**tables, counterparty_risk=risk)

    @classmethod
    def from_documents(
        cls,
        docs: Sequence[ApplicationDocument | Mapping[str, Any]],
        enterprise_ids: Sequence[int] | None = None,
        counterparty_risk: pd.DataFrame | None = None,
    ) -> EnterpriseFrames:
        """Flatten N application documents into the frames; ids are 1..N unless given."""
        parsed = [
            d if isinstance(d, ApplicationDocument) else ApplicationDocument.model_validate(d)
            for d in docs
        ]
        ids = list(range(1, len(parsed) + 1)) if enterprise_ids is None else list(enterprise_ids)
        if len(ids) != len(parsed):
            raise FramesError("enterprise_ids must have one id per document")
        return cls(**_flatten(parsed, ids), counterparty_risk=counterparty_risk)


def _read_parquet(file: Path) -> pd.DataFrame:
    """List columns stay Arrow-backed: turning each row's list into a Python object costs more
    than everything the features then do with it."""

    def arrow_lists(kind: pa.DataType) -> pd.ArrowDtype | None:
        return pd.ArrowDtype(kind) if pa.types.is_list(kind) else None

    frame: pd.DataFrame = pq.read_table(file).to_pandas(types_mapper=arrow_lists)
    return frame


def _with_datetimes(frame: pd.DataFrame) -> pd.DataFrame:
    """Parquet DATE columns arrive as Python date objects: convert them once, at load."""
    for col in ("month", "founded_on"):
        if col in frame.columns and frame[col].dtype == object:
            frame[col] = pd.to_datetime(frame[col])
    return frame


def _frame(columns: tuple[str, ...], data: dict[str, Any]) -> pd.DataFrame:
    # One DataFrame per table from whole columns: never a DataFrame per row.
    return pd.DataFrame({c: data[c] for c in columns}, copy=False)


def _month_start(value: str) -> np.datetime64:
    return np.datetime64(value, "M").astype("datetime64[D]")  # type: ignore[no-any-return]


def _flatten(docs: list[ApplicationDocument], ids: list[int]) -> dict[str, pd.DataFrame]:
    ents = [d.enterprise for d in docs]
    enterprises = _frame(
        ENTERPRISE_COLUMNS,
        {
            "id": ids,
            "uscc": [e.uscc for e in ents],
            "name": [e.name for e in ents],
            "sector": [e.sector for e in ents],
            "district": [e.district for e in ents],
            "founded_on": np.array([e.founded_on for e in ents], dtype="datetime64[D]"),
            "employees": [e.employees for e in ents],
            "declared_stage": [e.declared_stage for e in ents],
            "tech_route": [e.tech_route for e in ents],
            "core_product_tech_life_months": [e.core_product_tech_life_months for e in ents],
            "specialized_sme": [e.specialized_sme for e in ents],
            "little_giant": [e.little_giant for e in ents],
            "is_core_enterprise": [e.is_core_enterprise for e in ents],
        },
    )
    fin = [(i, f) for i, d in zip(ids, docs, strict=True) for f in d.financials]
    money = [c for c in FINANCIAL_COLUMNS[2:] if not c.startswith("subsidy_")]
    fin_data: dict[str, Any] = {
        "enterprise_id": [i for i, _ in fin],
        "fiscal_year": [f.fiscal_year for _, f in fin],
    }
    for col in money:
        fin_data[col] = np.array([float(getattr(f, col)) for _, f in fin], dtype=np.float64)
    for kind in SUBSIDY_KINDS:
        fin_data[f"subsidy_{kind}"] = np.array(
            [float(getattr(f.subsidies, kind)) for _, f in fin], dtype=np.float64
        )
    links = [(i, s) for i, d in zip(ids, docs, strict=True) for s in d.supply_chain]
    supply = _frame(
        SUPPLY_COLUMNS,
        {
            "enterprise_id": [i for i, _ in links],
            "counterparty_uscc": [s.counterparty_uscc for _, s in links],
            "counterparty_name": [s.counterparty_name for _, s in links],
            "role": [s.role for _, s in links],
            "is_core_enterprise": np.array([s.is_core_enterprise for _, s in links], dtype=bool),
            "share": np.array([s.share for _, s in links], dtype=np.float64),
            "on_time_delivery_rate": np.array(
                [s.on_time_delivery_rate for _, s in links], dtype=np.float64
            ),
            "avg_payment_days": np.array([s.avg_payment_days for _, s in links], dtype=np.int64),
            "imported_component_share": np.array(
                [s.imported_component_share for _, s in links], dtype=np.float64
            ),
        },
    )
    alt = [(i, a) for i, d in zip(ids, docs, strict=True) for a in d.alternative_data]
    alternative = _frame(
        ALTERNATIVE_COLUMNS,
        {
            "enterprise_id": [i for i, _ in alt],
            "month": np.array([_month_start(a.month) for _, a in alt], dtype="datetime64[D]"),
            "tax_invoice_amount": np.array(
                [float(a.tax_invoice_amount) for _, a in alt], dtype=np.float64
            ),
            "electricity_kwh": np.array(
                [float(a.electricity_kwh) for _, a in alt], dtype=np.float64
            ),
            "social_insurance_headcount": np.array(
                [a.social_insurance_headcount for _, a in alt], dtype=np.int64
            ),
            "customs_export_amount": np.array(
                [float(a.customs_export_amount) for _, a in alt], dtype=np.float64
            ),
            "equipment_downtime_rate": np.array(
                [a.equipment_downtime_rate for _, a in alt], dtype=np.float64
            ),
            "order_cancellation_rate": np.array(
                [a.order_cancellation_rate for _, a in alt], dtype=np.float64
            ),
        },
    )
    ip = _frame(
        IP_COLUMNS,
        {
            "enterprise_id": ids,
            "patents": [d.ip.patents for d in docs],
            "software_copyrights": [d.ip.software_copyrights for d in docs],
            "ip_valuation": np.array([float(d.ip.ip_valuation) for d in docs], dtype=np.float64),
        },
    )
    policy = _frame(
        POLICY_COLUMNS,
        {
            "enterprise_id": ids,
            "guidance_fund_equity": [d.policy_support.guidance_fund_equity for d in docs],
            "vc_backed": [d.policy_support.vc_backed for d in docs],
            "special_fund_grant": np.array(
                [float(d.policy_support.special_fund_grant) for d in docs], dtype=np.float64
            ),
            "trade_in_subsidy_eligible": [d.policy_support.trade_in_subsidy_eligible for d in docs],
        },
    )
    green = _frame(
        GREEN_COLUMNS,
        {
            "enterprise_id": ids,
            "compliance_violation": [d.green.compliance_violation for d in docs],
            "carbon_intensity_vs_sector": np.array(
                [d.green.carbon_intensity_vs_sector for d in docs], dtype=np.float64
            ),
        },
    )
    plans = [(i, d.market) for i, d in zip(ids, docs, strict=True) if d.market is not None]
    market = _frame(
        MARKET_COLUMNS,
        {
            "enterprise_id": [i for i, _ in plans],
            "break_even_units": np.array([m.break_even_units for _, m in plans], dtype=np.int64),
            "annual_capacity_units": np.array(
                [m.annual_capacity_units for _, m in plans], dtype=np.int64
            ),
            "planned_sales_units": np.array(
                [m.planned_sales_units for _, m in plans], dtype=np.int64
            ),
        },
    )
    loans = _frame(
        LOAN_COLUMNS,
        {
            "enterprise_id": ids,
            "amount": np.array([float(d.request.amount) for d in docs], dtype=np.float64),
            "tenor_months": [d.request.tenor_months for d in docs],
            "purpose": [d.request.purpose for d in docs],
            "collateral": [list(d.request.collateral) for d in docs],
            "requested_product": [d.request.requested_product for d in docs],
        },
    )
    return {
        "enterprises": enterprises,
        "financial_statements": pd.DataFrame(fin_data, copy=False),
        "supply_links": supply,
        "alternative_data_monthly": alternative,
        "intellectual_property": ip,
        "policy_support": policy,
        "green_data": green,
        "market_plans": market,
        "loan_requests": loans,
    }


def months_between(as_of: date, months: pd.Series) -> np.ndarray:
    """Whole calendar months from each ``month`` to the month of ``as_of`` (0 = same month)."""
    if len(months) == 0:
        return np.zeros(0, dtype=np.int64)
    stamps = months.to_numpy()
    if stamps.dtype.kind != "M":
        stamps = pd.to_datetime(months).to_numpy()
    # Integer arithmetic on the stamps' own unit: no datetime conversion of every row, and
    # only two arrays of the feed's length allocated.
    unit, _ = np.datetime_data(stamps.dtype)
    per_day = int(np.timedelta64(1, "D").astype(f"timedelta64[{unit}]").astype(np.int64))
    days = np.floor_divide(stamps.view(np.int64), per_day)
    # A feed spans a few dozen months: convert each distinct day of that span to its month once
    # (a small table) and look every row up in it, instead of a calendar conversion per row.
    first = int(days.min())
    days -= first
    span = np.arange(first, first + int(days.max()) + 1).astype("datetime64[D]")
    ref = np.datetime64(as_of, "M").astype(np.int64)
    age_of_day = ref - span.astype("datetime64[M]").astype(np.int64)
    return np.asarray(age_of_day[days], dtype=np.int64)
