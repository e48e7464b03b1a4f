"""Upserts of an enterprise and its data, by natural key. All SQL for enterprise data lives here.

Natural keys: the enterprise by USCC; statements by (enterprise, fiscal year); links by
(enterprise, counterparty USCC, role); monthly data by (enterprise, month); IP, policy support,
green data and market plan one row per enterprise. A later document replaces what an earlier one
said for the same key, and leaves other keys (older years, other months) alone.

Each table's rows go in one statement, each column as one array parameter that ``unnest`` turns
back into rows (``INSERT … SELECT … FROM unnest(…)``): an executemany would send a query per
row. A document's statements go out together in one psycopg pipeline, one round trip whatever
the number of years, months and links: the children find their enterprise by USCC in the same
transaction, so none waits for the enterprise's id to come back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

import psycopg
from sqlalchemy import Float, Integer, Numeric, Table, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from industry_credit.applications.schemas import (
    AlternativeDataIn,
    ApplicationDocument,
    EnterpriseIn,
    FinancialsIn,
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
from industry_credit.db.pipeline import Write, fetch_one, run

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
_QUOTE = _DIALECT.identifier_preparer.quote
# How a child row names its enterprise: by id when the caller knows it, else by USCC (a later
# statement of the same transaction sees the enterprise the first one wrote).
_BY_ID = "%(enterprise_id)s::bigint"
_BY_USCC = "(SELECT id FROM enterprises WHERE uscc = %(enterprise_uscc)s)"
# A link's counterparty, when the bank knows it (never the enterprise itself).
_COUNTERPARTY = (
    "(SELECT c.id FROM enterprises c WHERE c.uscc = u.counterparty_uscc"
    " AND c.id IS DISTINCT FROM {owner})"
)


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _as_float(value: Any) -> Any:
    return None if value is None else float(value)


def _as_int(value: Any) -> Any:
    return None if value is None else int(value)


def _same(value: Any) -> Any:
    return value


def _converter(column_type: Any) -> Callable[[Any], Any]:
    """One element type per array: the driver refuses a list mixing ints and floats."""
    if isinstance(column_type, Float | Numeric):
        return _as_float
    if isinstance(column_type, Integer):
        return _as_int
    return _same


@lru_cache(maxsize=64)
def _upsert_sql(
    table: Table,
    columns: tuple[str, ...],
    keys: tuple[str, ...],
    touched: str,
    derived: tuple[tuple[str, str], ...] = (),
    returning: str | None = None,
) -> str:
    """``INSERT INTO table (derived…, columns…) SELECT derived expressions, u.* FROM
    unnest(one array per column) AS u ON CONFLICT (keys) DO UPDATE`` of everything else."""
    arrays = ", ".join(
        f"%(a{i})s::{table.c[c].type.compile(dialect=_DIALECT)}[]" for i, c in enumerate(columns)
    )
    names = [*(name for name, _ in derived), *columns]
    values = [*(expr for _, expr in derived), *(f"u.{_QUOTE(c)}" for c in columns)]
    updates = [f"{_QUOTE(c)} = EXCLUDED.{_QUOTE(c)}" for c in names if c not in keys]
    updates.append(f"{_QUOTE(touched)} = now()")
    sql = (
        f"INSERT INTO {_QUOTE(table.name)} ({', '.join(_QUOTE(c) for c in names)}) "
        f"SELECT {', '.join(values)} "
        f"FROM unnest({arrays}) AS u({', '.join(_QUOTE(c) for c in columns)}) "
        f"ON CONFLICT ({', '.join(_QUOTE(k) for k in keys)}) DO UPDATE SET {', '.join(updates)}"
    )
    return sql + (f" RETURNING {returning}" if returning else "")


def _upsert(
    model: Any,
    rows: Sequence[dict[str, Any]],
    keys: tuple[str, ...],
    *,
    owner: str | None,
    scalars: dict[str, Any],
    extra: tuple[tuple[str, str], ...] = (),
    touched: str = "received_at",
    returning: str | None = None,
) -> Write | None:
    if not rows:
        return None
    table = _table(model)
    columns = tuple(rows[0])
    derived = ((("enterprise_id", owner),) if owner else ()) + extra
    sql = _upsert_sql(table, columns, keys, touched, derived, returning)
    params = dict(scalars)
    for i, column in enumerate(columns):
        convert = _converter(table.c[column].type)
        params[f"a{i}"] = [convert(row[column]) for row in rows]
    return Write(sql, params)


def enterprise_write(enterprise: EnterpriseIn) -> Write:
    write = _upsert(
        Enterprise,
        [enterprise.model_dump()],
        ("uscc",),
        owner=None,
        scalars={},
        touched="updated_at",
        returning="id",
    )
    assert write is not None
    return write


def financial_rows(items: Sequence[FinancialsIn]) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        row = item.model_dump(exclude={"subsidies"})
        row.update({f"subsidy_{k}": v for k, v in item.subsidies.model_dump().items()})
        rows.append(row)
    return rows


def month_start(value: str) -> date:
    year, month = value.split("-")
    return date(int(year), int(month), 1)


def _child_writes(
    owner: str,
    scalars: dict[str, Any],
    *,
    financials: Sequence[FinancialsIn] = (),
    links: Sequence[SupplyLinkIn] = (),
    months: Sequence[AlternativeDataIn] = (),
    profile: Sequence[tuple[Any, Any]] = (),
) -> list[Write | None]:
    def upsert(
        model: Any, rows: Sequence[dict[str, Any]], keys: tuple[str, ...], **kw: Any
    ) -> Write | None:
        return _upsert(model, rows, keys, owner=owner, scalars=scalars, **kw)

    month_rows = [{**m.model_dump(), "month": month_start(m.month)} for m in months]
    writes = [
        upsert(FinancialStatement, financial_rows(financials), ("enterprise_id", "fiscal_year")),
        upsert(
            SupplyLink,
            [link.model_dump() for link in links],
            ("enterprise_id", "counterparty_uscc", "role"),
            extra=(("counterparty_id", _COUNTERPARTY.format(owner=owner)),),
        ),
        upsert(AlternativeDataMonthly, month_rows, ("enterprise_id", "month")),
    ]
    writes += [
        upsert(model, [item.model_dump()], ("enterprise_id",))
        for model, item in profile
        if item is not None
    ]
    return writes


def upsert_feed(
    *,
    session: Session,
    enterprise_id: int,
    financials: Sequence[FinancialsIn],
    links: Sequence[SupplyLinkIn],
    months: Sequence[AlternativeDataIn],
) -> None:
    """A data feed for a known enterprise: statements, links and months, one round trip."""
    writes = _child_writes(
        _BY_ID,
        {"enterprise_id": enterprise_id},
        financials=financials,
        links=links,
        months=months,
    )
    run(session, writes)


def document_writes(document: ApplicationDocument) -> list[Write | None]:
    """Everything an application document says about the enterprise, as statements for one
    pipeline; the first returns the enterprise's id (``enterprise_id``)."""
    children = _child_writes(
        _BY_USCC,
        {"enterprise_uscc": document.enterprise.uscc},
        financials=document.financials,
        links=document.supply_chain,
        months=document.alternative_data,
        profile=(
            (IntellectualProperty, document.ip),
            (PolicySupport, document.policy_support),
            (GreenData, document.green),
            (MarketPlan, document.market),
        ),
    )
    return [enterprise_write(document.enterprise), *children]


def enterprise_id(cursor: psycopg.Cursor[Any] | None) -> int:
    """The id the first of ``document_writes`` returned, once its round trip is done."""
    row = fetch_one(cursor)
    assert row is not None
    return int(row[0])


def data_rows(*, session: Session, model: Any, enterprise_id: int, order: Any) -> list[Any]:
    """An enterprise's rows of one of its data tables, in ``order``."""
    statement = select(model).where(model.enterprise_id == enterprise_id).order_by(order)
    return list(session.execute(statement).scalars().all())
