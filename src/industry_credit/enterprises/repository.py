"""Upserts of an enterprise and its data, by natural key. All SQL for enterprise data lives here.

Natural keys: the enterprise by USCC; statements by (enterprise, fiscal year); links by
(enterprise, counterparty USCC, role); monthly data by (enterprise, month); IP, policy support,
green data and market plan one row per enterprise. A later document replaces what an earlier one
said for the same key, and leaves other keys (older years, other months) alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Float, Integer, Numeric, func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from industry_credit.applications.schemas import (
    AlternativeDataIn,
    ApplicationDocument,
    EnterpriseIn,
    FinancialsIn,
    GreenIn,
    IpIn,
    MarketPlanIn,
    PolicySupportIn,
    SupplyLinkIn,
)
from industry_credit.db.models import (
    AlternativeDataMonthly,
    Enterprise,
    FinancialStatement,
    GreenData,
    IntellectualProperty,
    MarketPlan,
    PolicySupport,
    SupplyLink,
)


@lru_cache(maxsize=64)
def _upsert_statement(
    table: Any, columns: tuple[str, ...], keys: tuple[str, ...], touched: str
) -> Any:
    # Building the statement (``excluded`` sets up a column collection per call) cost more
    # Python time than executing it; a statement is immutable, so one per shape serves all
    # requests and threads.
    stmt = insert(table)
    updates: dict[str, Any] = {c: stmt.excluded[c] for c in columns if c not in keys}
    updates[touched] = func.now()
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=updates)


def _upsert(
    session: Session, model: Any, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> None:
    """All rows in one statement and one query: each column travels as one array parameter and
    ``unnest`` turns the arrays back into rows (``INSERT … SELECT … FROM unnest(…)``). An
    executemany would send a query per row, so 24 months would cost 24 executions."""
    if not rows:
        return
    columns = tuple(rows[0])
    stmt, converters = _unnest_upsert(model.__table__, columns, tuple(keys), "received_at")
    params = {
        f"p{i}": [convert(row[c]) for row in rows]
        for i, (c, convert) in enumerate(zip(columns, converters, strict=True))
    }
    session.execute(stmt, params)


def _as_float(value: Any) -> Any:
    return None if value is None else float(value)


def _as_int(value: Any) -> Any:
    return None if value is None else int(value)


def _same(value: Any) -> Any:
    return value


@lru_cache(maxsize=64)
def _unnest_upsert(
    table: Any, columns: tuple[str, ...], keys: tuple[str, ...], touched: str
) -> tuple[Any, tuple[Callable[[Any], Any], ...]]:
    """The statement for one table and column set, and per column the conversion that gives its
    array one element type (the driver refuses a list mixing ints and floats)."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    quote = dialect.identifier_preparer.quote
    arrays = ", ".join(
        f"CAST(:p{i} AS {table.c[c].type.compile(dialect=dialect)}[])"
        for i, c in enumerate(columns)
    )
    updates = [f"{quote(c)} = EXCLUDED.{quote(c)}" for c in columns if c not in keys]
    updates.append(f"{quote(touched)} = now()")
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"SELECT * FROM unnest({arrays}) "
        f"ON CONFLICT ({', '.join(quote(k) for k in keys)}) DO UPDATE SET {', '.join(updates)}"
    )
    converters = tuple(_converter(table.c[c].type) for c in columns)
    return text(sql), converters


def _converter(column_type: Any) -> Callable[[Any], Any]:
    if isinstance(column_type, Float | Numeric):
        return _as_float
    if isinstance(column_type, Integer):
        return _as_int
    return _same


def upsert_enterprise(*, session: Session, enterprise: EnterpriseIn) -> int:
    values = enterprise.model_dump()
    stmt = _enterprise_upsert(tuple(values))
    return int(session.execute(stmt, values).scalar_one())


@lru_cache(maxsize=8)
def _enterprise_upsert(columns: tuple[str, ...]) -> Any:
    table = Enterprise.__table__
    return _upsert_statement(table, columns, ("uscc",), "updated_at").returning(table.c.id)


def financial_rows(enterprise_id: int, items: Sequence[FinancialsIn]) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        row = item.model_dump(exclude={"subsidies"})
        row.update({f"subsidy_{k}": v for k, v in item.subsidies.model_dump().items()})
        row["enterprise_id"] = enterprise_id
        rows.append(row)
    return rows


def upsert_financials(
    *, session: Session, enterprise_id: int, items: Sequence[FinancialsIn]
) -> None:
    _upsert(
        session,
        FinancialStatement,
        financial_rows(enterprise_id, items),
        ["enterprise_id", "fiscal_year"],
    )


def upsert_links(*, session: Session, enterprise_id: int, items: Sequence[SupplyLinkIn]) -> None:
    if not items:
        return
    usccs = {link.counterparty_uscc for link in items}
    known = {
        uscc: ident
        for uscc, ident in session.execute(
            select(Enterprise.uscc, Enterprise.id).where(Enterprise.uscc.in_(usccs))
        ).all()
    }
    rows = []
    for link in items:
        row = link.model_dump()
        row["enterprise_id"] = enterprise_id
        counterparty = known.get(link.counterparty_uscc)
        row["counterparty_id"] = counterparty if counterparty != enterprise_id else None
        rows.append(row)
    _upsert(session, SupplyLink, rows, ["enterprise_id", "counterparty_uscc", "role"])


def month_start(value: str) -> date:
    year, month = value.split("-")
    return date(int(year), int(month), 1)


def upsert_alternative_data(
    *, session: Session, enterprise_id: int, items: Sequence[AlternativeDataIn]
) -> None:
    rows = []
    for item in items:
        row = item.model_dump()
        row["month"] = month_start(item.month)
        row["enterprise_id"] = enterprise_id
        rows.append(row)
    _upsert(session, AlternativeDataMonthly, rows, ["enterprise_id", "month"])


def upsert_profile_data(
    *,
    session: Session,
    enterprise_id: int,
    ip: IpIn | None,
    policy: PolicySupportIn | None,
    green: GreenIn | None,
    market: MarketPlanIn | None,
) -> None:
    for model, item in (
        (IntellectualProperty, ip),
        (PolicySupport, policy),
        (GreenData, green),
        (MarketPlan, market),
    ):
        if item is not None:
            _upsert(
                session,
                model,
                [{"enterprise_id": enterprise_id, **item.model_dump()}],
                ["enterprise_id"],
            )


def upsert_document(*, session: Session, document: ApplicationDocument) -> int:
    """Store everything an application document says about the enterprise; return its id."""
    enterprise_id = upsert_enterprise(session=session, enterprise=document.enterprise)
    upsert_financials(session=session, enterprise_id=enterprise_id, items=document.financials)
    upsert_links(session=session, enterprise_id=enterprise_id, items=document.supply_chain)
    upsert_alternative_data(
        session=session, enterprise_id=enterprise_id, items=document.alternative_data
    )
    upsert_profile_data(
        session=session,
        enterprise_id=enterprise_id,
        ip=document.ip,
        policy=document.policy_support,
        green=document.green,
        market=document.market,
    )
    return enterprise_id
