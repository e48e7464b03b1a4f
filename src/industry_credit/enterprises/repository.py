"""Upserts of an enterprise and its data, by natural key. All SQL for enterprise data lives here.

Natural keys: the enterprise by USCC; statements by (enterprise, fiscal year); links by
(enterprise, counterparty USCC, role); monthly data by (enterprise, month); IP, policy support,
green data and market plan one row per enterprise. A later document replaces what an earlier one
said for the same key, and leaves other keys (older years, other months) alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
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
    """One statement, executed with a list of parameter sets: SQLAlchemy caches its compiled
    form and batches the rows into multi-row VALUES, instead of compiling anew per row count.
    The table, not the mapped class, keeps it a Core statement: no ORM bulk-insert bookkeeping."""
    if not rows:
        return
    stmt = _upsert_statement(model.__table__, tuple(rows[0]), tuple(keys), "received_at")
    session.execute(stmt, list(rows))


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
