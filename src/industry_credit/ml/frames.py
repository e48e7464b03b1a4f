"""The input tables of the decision kernel as one immutable bundle of column tables.

Each table holds the columns the declared schema (``industry_credit.tables``) marks as read by
the kernel, as column arrays (``ml/columns.py``). The same bundle comes from application
documents (the API: arrays built straight from the validated documents), from Parquet (the
synthetic population) or from the database (the nightly batch, through Arrow), so one feature
function serves all three.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from industry_credit.applications.schemas import ApplicationDocument
from industry_credit.ml.columns import (
    CodeCounts,
    Coded,
    ColumnTable,
    table_from_arrow,
    table_from_pandas,
)
from industry_credit.tables import (
    COUNTERPARTY_RISK_COLUMNS,
    FEATURE_COLUMNS,
    STATEMENT_AMOUNTS,
    TABLES,
)
from industry_credit.vocabulary import (
    COLLATERAL,
    DISTRICTS,
    GOVERNMENT_RISK_SHARING,
    PRODUCT_CODES,
    PURPOSES,
    SECTORS,
    STAGES,
    SUBSIDY_KINDS,
    SUPPLY_ROLES,
    TECH_ROUTES,
)

INPUT_TABLES: tuple[str, ...] = tuple(FEATURE_COLUMNS)


class FramesError(ValueError):
    """A table is missing or lacks a column the feature function needs."""


@dataclass(frozen=True)
class CounterpartyRisk:
    """The latest known PD of counterparties, by USCC (unique: the last of a repeated USCC)."""

    uscc: pa.Array
    pd_values: np.ndarray

    @classmethod
    def from_pairs(cls, pairs: Mapping[str, float]) -> CounterpartyRisk:
        return cls(pa.array(list(pairs), type=pa.string()), np.array(list(pairs.values()), float))

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> CounterpartyRisk:
        missing = [c for c in COUNTERPARTY_RISK_COLUMNS if c not in frame.columns]
        if missing:
            raise FramesError(f"table counterparty_risk lacks columns {missing}")
        last = frame.drop_duplicates("counterparty_uscc", keep="last")
        return cls(
            pa.array(last["counterparty_uscc"].astype(str).tolist(), type=pa.string()),
            last["pd"].to_numpy(np.float64),
        )

    def __len__(self) -> int:
        return len(self.pd_values)


@dataclass(frozen=True)
class EnterpriseFrames:
    enterprises: ColumnTable
    financial_statements: ColumnTable
    supply_links: ColumnTable
    alternative_data_monthly: ColumnTable
    intellectual_property: ColumnTable
    policy_support: ColumnTable
    green_data: ColumnTable
    market_plans: ColumnTable
    loan_requests: ColumnTable
    counterparty_risk: CounterpartyRisk | None = None

    def __post_init__(self) -> None:
        for name in INPUT_TABLES:
            table: ColumnTable = getattr(self, name)
            missing = [c for c in FEATURE_COLUMNS[name] if c not in table]
            if missing:
                raise FramesError(f"table {name} lacks columns {missing}")

    def with_counterparty_risk(
        self, risk: CounterpartyRisk | pd.DataFrame | None
    ) -> EnterpriseFrames:
        return replace(self, counterparty_risk=_risk(risk))

    def repeated(self, loans: ColumnTable) -> EnterpriseFrames:
        """The one enterprise of these frames once per row of ``loans``, each row its own
        enterprise (ids 1..n) asking for that loan.

        Equal, table by table, to ``from_documents`` of n copies of the firm's document that
        differ only in their request (the deal-structuring grid), without flattening n
        documents: every child table's rows are repeated in document order."""
        if self.enterprises.n != 1:
            raise FramesError("repeated() needs frames of exactly one enterprise")
        n = loans.n
        ids = np.arange(1, n + 1, dtype=np.int64)
        tables: dict[str, ColumnTable] = {
            "enterprises": self.enterprises.take(np.zeros(n, dtype=np.intp)).with_columns(id=ids)
        }
        for name in INPUT_TABLES:
            if name in ("enterprises", "loan_requests"):
                continue
            table = self.table(name)
            rows = np.tile(np.arange(table.n, dtype=np.intp), n)
            tables[name] = table.take(rows).with_columns(enterprise_id=np.repeat(ids, table.n))
        # The grid's columns replace the request's; the rest of the row (risk sharing, the bank's
        # book) is the firm's own and stays as the document gave it.
        firm = self.loan_requests.take(np.zeros(n, dtype=np.intp))
        tables["loan_requests"] = firm.with_columns(
            **{k: loans[k] for k in loans}, enterprise_id=ids
        )
        return EnterpriseFrames(**tables, counterparty_risk=self.counterparty_risk)

    def table(self, name: str) -> ColumnTable:
        value: ColumnTable = getattr(self, name)
        return value

    def to_pandas(self, name: str) -> pd.DataFrame:
        """One table as a DataFrame (training, reports)."""
        return self.table(name).to_pandas()

    @classmethod
    def from_arrow(
        cls, tables: Mapping[str, pa.Table], counterparty_risk: CounterpartyRisk | None = None
    ) -> EnterpriseFrames:
        """From Arrow tables (Parquet, the batch reader): every declared column present."""
        converted = {}
        for name in INPUT_TABLES:
            data = tables[name]
            present = [c for c in TABLES[name].names if c in data.column_names]
            missing = [c for c in FEATURE_COLUMNS[name] if c not in present]
            if missing:
                raise FramesError(f"table {name} lacks columns {missing}")
            converted[name] = table_from_arrow(TABLES[name], data, present)
        return cls(**converted, counterparty_risk=counterparty_risk)

    @classmethod
    def from_pandas(
        cls, tables: Mapping[str, pd.DataFrame], counterparty_risk: pd.DataFrame | None = None
    ) -> EnterpriseFrames:
        """From DataFrames named like the tables (tests and external callers)."""
        converted = {}
        for name in INPUT_TABLES:
            frame = tables[name]
            present = [c for c in TABLES[name].names if c in frame.columns]
            missing = [c for c in FEATURE_COLUMNS[name] if c not in present]
            if missing:
                raise FramesError(f"table {name} lacks columns {missing}")
            converted[name] = table_from_pandas(TABLES[name], frame, present)
        return cls(**converted, counterparty_risk=_risk(counterparty_risk))

    @classmethod
    def from_parquet_dir(cls, path: str | Path) -> EnterpriseFrames:
        """Read ``<table>.parquet`` for every table (and ``counterparty_risk.parquet`` if present)."""
        root = Path(path)
        tables: dict[str, pa.Table] = {}
        for name in INPUT_TABLES:
            file = root / f"{name}.parquet"
            if not file.is_file():
                raise FramesError(f"{file} is missing")
            tables[name] = pq.read_table(file)
        risk_file = root / "counterparty_risk.parquet"
        risk = (
            CounterpartyRisk.from_frame(pd.read_parquet(risk_file)) if risk_file.is_file() else None
        )
        return cls.from_arrow(tables, risk)

    @classmethod
    def from_documents(
        cls,
        docs: Sequence[ApplicationDocument | Mapping[str, Any]],
        enterprise_ids: Sequence[int] | None = None,
        counterparty_risk: CounterpartyRisk | pd.DataFrame | None = None,
        books: Sequence[Mapping[str, float]] | None = None,
    ) -> EnterpriseFrames:
        """Flatten N application documents into the tables; ids are 1..N unless given.
        ``books``: per document, the bank's exposure ``total``/``sector``/``district`` (the
        portfolio limits' input; unknown when not given)."""
        parsed = [
            d if isinstance(d, ApplicationDocument) else ApplicationDocument.model_validate(d)
            for d in docs
        ]
        ids = list(range(1, len(parsed) + 1)) if enterprise_ids is None else list(enterprise_ids)
        if len(ids) != len(parsed):
            raise FramesError("enterprise_ids must have one id per document")
        tables = _flatten(parsed, ids, books)
        return cls(**tables, counterparty_risk=_risk(counterparty_risk))


def _risk(risk: CounterpartyRisk | pd.DataFrame | None) -> CounterpartyRisk | None:
    return CounterpartyRisk.from_frame(risk) if isinstance(risk, pd.DataFrame) else risk


def _floats(values: list[Any]) -> np.ndarray:
    return np.array(values, dtype=np.float64)


def _month_start(value: str) -> np.datetime64:
    return np.datetime64(value, "M").astype("datetime64[D]")  # type: ignore[no-any-return]


def _flatten(
    docs: list[ApplicationDocument],
    ids: list[int],
    books: Sequence[Mapping[str, float]] | None = None,
) -> dict[str, ColumnTable]:
    book = list(books) if books is not None else [{} for _ in docs]
    """Column arrays straight from the documents: one Python pass per table, no DataFrame."""
    n = len(docs)
    id_array = np.array(ids, dtype=np.int64)
    ents = [d.enterprise for d in docs]
    enterprises = ColumnTable(
        {
            "id": id_array,
            "uscc": np.array([e.uscc for e in ents], dtype=object),
            "name": np.array([e.name for e in ents], dtype=object),
            "sector": Coded.from_values([e.sector for e in ents], SECTORS),
            "district": Coded.from_values([e.district for e in ents], DISTRICTS),
            "founded_on": np.array([e.founded_on for e in ents], dtype="datetime64[D]"),
            "employees": np.array([e.employees for e in ents], dtype=np.int64),
            "declared_stage": Coded.from_values([e.declared_stage for e in ents], STAGES),
            "tech_route": Coded.from_values([e.tech_route for e in ents], TECH_ROUTES),
            "core_product_tech_life_months": np.array(
                [e.core_product_tech_life_months for e in ents], dtype=np.int64
            ),
            "specialized_sme": np.array([e.specialized_sme for e in ents], dtype=bool),
            "little_giant": np.array([e.little_giant for e in ents], dtype=bool),
            "is_core_enterprise": np.array([e.is_core_enterprise for e in ents], dtype=bool),
        },
        n,
    )
    fin = [(i, f) for i, d in zip(ids, docs, strict=True) for f in d.financials]
    statements: dict[str, Any] = {
        "enterprise_id": np.array([i for i, _ in fin], dtype=np.int64),
        "fiscal_year": np.array([f.fiscal_year for _, f in fin], dtype=np.int64),
    }
    for col in STATEMENT_AMOUNTS:
        statements[col] = _floats([float(getattr(f, col)) for _, f in fin])
    for kind in SUBSIDY_KINDS:
        statements[f"subsidy_{kind}"] = _floats([float(getattr(f.subsidies, kind)) for _, f in fin])
    links = [(i, s) for i, d in zip(ids, docs, strict=True) for s in d.supply_chain]
    supply = ColumnTable(
        {
            "enterprise_id": np.array([i for i, _ in links], dtype=np.int64),
            "counterparty_uscc": np.array([s.counterparty_uscc for _, s in links], dtype=object),
            "counterparty_name": np.array([s.counterparty_name for _, s in links], dtype=object),
            "role": Coded.from_values([s.role for _, s in links], SUPPLY_ROLES),
            "is_core_enterprise": np.array([s.is_core_enterprise for _, s in links], dtype=bool),
            "share": _floats([s.share for _, s in links]),
            "on_time_delivery_rate": _floats([s.on_time_delivery_rate for _, s in links]),
            "avg_payment_days": np.array([s.avg_payment_days for _, s in links], dtype=np.int64),
            "imported_component_share": _floats([s.imported_component_share for _, s in links]),
        },
        len(links),
    )
    alt = [(i, a) for i, d in zip(ids, docs, strict=True) for a in d.alternative_data]
    alternative = ColumnTable(
        {
            "enterprise_id": np.array([i for i, _ in alt], dtype=np.int64),
            "month": np.array([_month_start(a.month) for _, a in alt], dtype="datetime64[D]"),
            "tax_invoice_amount": _floats([float(a.tax_invoice_amount) for _, a in alt]),
            "electricity_kwh": _floats([float(a.electricity_kwh) for _, a in alt]),
            "social_insurance_headcount": np.array(
                [a.social_insurance_headcount for _, a in alt], dtype=np.int64
            ),
            "customs_export_amount": _floats([float(a.customs_export_amount) for _, a in alt]),
            "equipment_downtime_rate": _floats([a.equipment_downtime_rate for _, a in alt]),
            "order_cancellation_rate": _floats([a.order_cancellation_rate for _, a in alt]),
        },
        len(alt),
    )
    ip = ColumnTable(
        {
            "enterprise_id": id_array,
            "patents": np.array([d.ip.patents for d in docs], dtype=np.int64),
            "software_copyrights": np.array([d.ip.software_copyrights for d in docs], np.int64),
            "ip_valuation": _floats([float(d.ip.ip_valuation) for d in docs]),
        },
        n,
    )
    policy = ColumnTable(
        {
            "enterprise_id": id_array,
            "guidance_fund_equity": np.array(
                [d.policy_support.guidance_fund_equity for d in docs], dtype=bool
            ),
            "vc_backed": np.array([d.policy_support.vc_backed for d in docs], dtype=bool),
            "special_fund_grant": _floats(
                [float(d.policy_support.special_fund_grant) for d in docs]
            ),
            "trade_in_subsidy_eligible": np.array(
                [d.policy_support.trade_in_subsidy_eligible for d in docs], dtype=bool
            ),
        },
        n,
    )
    green = ColumnTable(
        {
            "enterprise_id": id_array,
            # 1 / 0 / NaN: NaN when the application does not report it.
            "compliance_violation": _floats([d.green.compliance_violation for d in docs]),
            "carbon_intensity_vs_sector": _floats(
                [d.green.carbon_intensity_vs_sector for d in docs]
            ),
        },
        n,
    )
    plans = [(i, d.market) for i, d in zip(ids, docs, strict=True) if d.market is not None]
    market = ColumnTable(
        {
            "enterprise_id": np.array([i for i, _ in plans], dtype=np.int64),
            "break_even_units": np.array([m.break_even_units for _, m in plans], dtype=np.int64),
            "annual_capacity_units": np.array(
                [m.annual_capacity_units for _, m in plans], dtype=np.int64
            ),
            "planned_sales_units": np.array(
                [m.planned_sales_units for _, m in plans], dtype=np.int64
            ),
        },
        len(plans),
    )
    loans = ColumnTable(
        {
            "enterprise_id": id_array,
            "amount": _floats([float(d.request.amount) for d in docs]),
            "tenor_months": np.array([d.request.tenor_months for d in docs], dtype=np.int64),
            "purpose": Coded.from_values([d.request.purpose for d in docs], PURPOSES),
            "collateral": CodeCounts.from_lists([d.request.collateral for d in docs], COLLATERAL),
            "requested_product": Coded.from_values(
                [d.request.requested_product for d in docs], PRODUCT_CODES
            ),
            "risk_sharing_coverage": _floats(
                [sum(p.coverage_share for p in d.request.risk_sharing) for d in docs]
            ),
            "government_risk_sharing_coverage": _floats(
                [
                    sum(
                        p.coverage_share
                        for p in d.request.risk_sharing
                        if p.partner_kind in GOVERNMENT_RISK_SHARING
                    )
                    for d in docs
                ]
            ),
            "book_total_exposure": _floats([b.get("total") for b in book]),
            "book_sector_exposure": _floats([b.get("sector") for b in book]),
            "book_district_exposure": _floats([b.get("district") for b in book]),
        },
        n,
    )
    return {
        "enterprises": enterprises,
        "financial_statements": ColumnTable(statements, len(fin)),
        "supply_links": supply,
        "alternative_data_monthly": alternative,
        "intellectual_property": ip,
        "policy_support": policy,
        "green_data": green,
        "market_plans": market,
        "loan_requests": loans,
    }


def months_between(as_of: Any, months: np.ndarray) -> np.ndarray:
    """Whole calendar months from each ``month`` to the month of ``as_of`` (0 = same month)."""
    if len(months) == 0:
        return np.zeros(0, dtype=np.int64)
    stamps = np.asarray(months)
    if stamps.dtype.kind != "M":
        stamps = stamps.astype("datetime64[D]")
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
