"""Bulk data feeds: a CSV or Parquet file of monthly data, statements, supply-chain links or
credit events (the outcomes feed).

Each file is all or nothing. Every row is validated with the same models as the API (the wire
field names, plus ``uscc`` naming the enterprise); if any row is refused, nothing is loaded and
the report lists each refused row with its field and problem. Otherwise the rows are COPYed into
a temporary staging table and upserted by natural key in one transaction, with one audit entry.
Credit events are append-only: a row already received (same enterprise, type and date) is kept
as first received and the repeat is skipped.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
import psycopg
from psycopg import sql
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from industry_credit.api.body import NUL_PROBLEM, nul_paths
from industry_credit.applications.schemas import AlternativeDataIn, FinancialsIn, SupplyLinkIn
from industry_credit.audit.service import Actor, record
from industry_credit.db.models import Enterprise
from industry_credit.errors import validation_fields
from industry_credit.uscc import uscc_problem


@dataclass(frozen=True)
class Feed:
    table: str
    model: type[BaseModel]
    keys: tuple[str, ...]
    nested: dict[str, str] = field(default_factory=dict)  # flat CSV column -> nested path
    append_only: bool = False


def _event_type(value: object) -> object:
    # Servicing systems write 90 days past due either way round.
    return "dpd90" if isinstance(value, str) and value.strip().lower() == "90dpd" else value


class CreditEventIn(BaseModel):
    """One credit event of the outcomes feed: a default or 90 days past due, on a date."""

    model_config = ConfigDict(extra="forbid")

    event_type: Annotated[Literal["default", "dpd90"], BeforeValidator(_event_type)]
    event_date: Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]


SUBSIDY_COLUMNS = {
    f"subsidy_{k}": f"subsidies.{k}"
    for k in ("compute_voucher", "model_voucher", "corpus_voucher", "special_fund", "other")
}
FEEDS = {
    "alternative_data_monthly": Feed(
        "alternative_data_monthly", AlternativeDataIn, ("enterprise_id", "month")
    ),
    "financial_statements": Feed(
        "financial_statements", FinancialsIn, ("enterprise_id", "fiscal_year"), SUBSIDY_COLUMNS
    ),
    "supply_links": Feed(
        "supply_links", SupplyLinkIn, ("enterprise_id", "counterparty_uscc", "role")
    ),
    "credit_events": Feed(
        "credit_events",
        CreditEventIn,
        ("enterprise_id", "event_type", "event_date"),
        append_only=True,
    ),
}


@dataclass
class IngestReport:
    path: str
    table: str
    rows: int = 0
    loaded: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "table": self.table,
            "rows": self.rows,
            "loaded": self.loaded,
            "rejected": self.rejected,
        }


def feed_for(path: Path, table: str | None) -> Feed:
    name = table or path.name.split(".")[0]
    if name not in FEEDS:
        raise ValueError(
            f"cannot tell what {path.name} holds: name it after one of {', '.join(FEEDS)}"
            " or pass --table"
        )
    return FEEDS[name]


def read_table(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".csv":
        return pd.read_csv(
            path, dtype={"uscc": str, "counterparty_uscc": str, "month": str, "event_date": str}
        )
    raise ValueError(f"{path.name}: only .csv and .parquet files are ingested")


def _document(row: dict[Any, Any], feed: Feed) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for key, value in row.items():
        column = str(key)
        if column == "uscc" or (isinstance(value, float) and math.isnan(value)):
            continue
        target = feed.nested.get(column)
        if target:
            outer, inner = target.split(".")
            doc.setdefault(outer, {})[inner] = value
        else:
            doc[column] = value
    return doc


def _validate(
    frame: pd.DataFrame, feed: Feed, known: dict[str, int], report: IngestReport
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for number, raw in enumerate(frame.to_dict(orient="records"), start=1):
        uscc = str(raw.get("uscc") or "")
        problem = uscc_problem(uscc) or (None if uscc in known else "no such enterprise")
        if problem:
            report.rejected.append({"row": number, "field": "uscc", "problem": problem})
            continue
        document = _document(raw, feed)
        # PostgreSQL text cannot hold NUL; name the field rather than fail the COPY.
        nul = [path.removeprefix("$.") for path in nul_paths(document)]
        if nul:
            report.rejected += [{"row": number, "field": f, "problem": NUL_PROBLEM} for f in nul]
            continue
        try:
            item = feed.model.model_validate(document)
        except ValidationError as exc:
            for f in validation_fields(exc.errors()):
                report.rejected.append({"row": number, "field": f["path"], "problem": f["problem"]})
            continue
        values = item.model_dump(mode="json")
        subsidies = values.pop("subsidies", None) or {}
        values.update({f"subsidy_{k}": v for k, v in subsidies.items()})
        if feed.table == "alternative_data_monthly":
            values["month"] = f"{values['month']}-01"
        if feed.table == "supply_links" and values["counterparty_uscc"] == uscc:
            report.rejected.append(
                {
                    "row": number,
                    "field": "counterparty_uscc",
                    "problem": "links the enterprise to itself",
                }
            )
            continue
        values["enterprise_id"] = known[uscc]
        if feed.append_only:
            values["source"] = report.path.rsplit("/", 1)[-1][:200]
        rows.append(values)
    return rows


def ingest_file(
    *, session: Session, path: Path, actor: Actor, table: str | None = None
) -> IngestReport:
    """Validate and load one file in the session's transaction (the caller commits); nothing
    is written if any row is refused."""
    feed = feed_for(path, table)
    frame = read_table(path)
    report = IngestReport(path=str(path), table=feed.table, rows=len(frame))
    if "uscc" not in frame.columns:
        report.rejected.append({"row": 0, "field": "uscc", "problem": "column missing"})
        return report
    usccs = sorted({str(u) for u in frame["uscc"].dropna()})
    known = {
        str(u): int(i)
        for u, i in session.execute(
            select(Enterprise.uscc, Enterprise.id).where(Enterprise.uscc.in_(usccs))
        ).all()
    }
    rows = _validate(frame, feed, known, report)
    if report.rejected or not rows:
        return report
    columns = list(rows[0])
    # COPY needs the driver connection; it is the session's own, inside the same transaction.
    raw: psycopg.Connection[Any] = session.connection().connection.driver_connection  # type: ignore[assignment]
    with raw.cursor() as cur:
        # Only the loaded columns, with their types: the target's identity and defaults stay out.
        cur.execute(
            sql.SQL(
                "CREATE TEMP TABLE ingest_stage ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA"
            ).format(sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(feed.table))
        )
        with cur.copy(
            sql.SQL("COPY ingest_stage ({}) FROM STDIN").format(
                sql.SQL(", ").join(map(sql.Identifier, columns))
            )
        ) as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        cur.execute(_write_statement(feed, columns))
        report.loaded = cur.rowcount
        cur.execute("DROP TABLE ingest_stage")
    record(
        session=session,
        actor=actor,
        action="ingest.file",
        entity_type="feed",
        entity_id=path.name[:64],
        payload={"table": report.table, "rows": report.rows, "loaded": report.loaded},
    )
    return report


def _write_statement(feed: Feed, columns: list[str]) -> sql.Composed:
    """Upsert by natural key (a new ``received_at``), or for an append-only feed insert what is
    new and keep what was received before."""
    cols = sql.SQL(", ").join(map(sql.Identifier, columns))
    keys = sql.SQL(", ").join(map(sql.Identifier, feed.keys))
    if feed.append_only:
        return sql.SQL(
            "INSERT INTO {t} ({cols}) SELECT {cols} FROM ingest_stage"
            " ON CONFLICT ({keys}) DO NOTHING"
        ).format(t=sql.Identifier(feed.table), cols=cols, keys=keys)
    updates = [c for c in columns if c not in feed.keys]
    return sql.SQL(
        "INSERT INTO {t} ({cols}) SELECT {cols} FROM ingest_stage"
        " ON CONFLICT ({keys}) DO UPDATE SET {sets}, received_at = now()"
    ).format(
        t=sql.Identifier(feed.table),
        cols=cols,
        keys=keys,
        sets=sql.SQL(", ").join(
            sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in updates
        ),
    )


def render_report(report: IngestReport) -> str:
    return json.dumps(report.to_json(), ensure_ascii=False, indent=2)
