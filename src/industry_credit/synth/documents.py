"""Application documents (the wire format of ``POST /v1/applications``) from a population.

Each document carries one enterprise's data exactly as generated (so a decision on it can be
compared with the ground truth), its loan request, up to ``max_links`` supply links (largest
shares first) and all its monthly data. Amounts are JSON numbers with at most two decimals,
months are ``YYYY-MM`` and dates ISO strings. Everything is dated no later than the as-of date
of the population, so the schema's "not in the future" checks pass.

    docs = application_documents(Path("data/seeds/demo"), limit=100)
    ApplicationDocument.model_validate(docs[0])
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.dataset as ds

from industry_credit.vocabulary import SUBSIDY_KINDS

Document = dict[str, Any]
Row = dict[str, Any]
_SUBSIDY_COLUMNS = tuple(f"subsidy_{k}" for k in SUBSIDY_KINDS)
_MONEY_STATEMENT = (
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
_MONTHLY_MONEY = ("tax_invoice_amount", "electricity_kwh", "customs_export_amount")


def _money(x: Any) -> float:
    return round(float(x), 2)


def _read(src: Path, table: str, ids: np.ndarray) -> pd.DataFrame:
    dataset = ds.dataset(src / f"{table}.parquet", format="parquet")
    key = "id" if table == "enterprises" else "enterprise_id"
    frame: pd.DataFrame = dataset.to_table(filter=pc.field(key).isin(ids.tolist())).to_pandas()
    return frame


def _groups(frame: pd.DataFrame, by: list[str], ascending: list[bool]) -> dict[int, list[Row]]:
    """Rows per enterprise, ordered by ``by`` (one sort for the whole batch)."""
    out: dict[int, list[Row]] = {}
    for r in frame.sort_values(by, ascending=ascending).to_dict("records"):
        out.setdefault(int(r["enterprise_id"]), []).append({str(k): v for k, v in r.items()})
    return out


def iter_application_documents(
    src: Path,
    enterprise_ids: Sequence[int] | None = None,
    *,
    limit: int | None = None,
    max_links: int = 200,
    batch: int = 500,
) -> Iterator[Document]:
    """Documents for ``enterprise_ids`` (default: every enterprise, in id order), in batches."""
    if enterprise_ids is None:
        all_ids = ds.dataset(src / "enterprises.parquet").to_table(columns=["id"]).column("id")
        ids = np.asarray(all_ids.to_numpy(), dtype=np.int64)
    else:
        ids = np.asarray(enterprise_ids, dtype=np.int64)
    if limit is not None:
        ids = ids[:limit]
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        yield from _documents(src, chunk, max_links)


def application_documents(
    src: Path,
    enterprise_ids: Sequence[int] | None = None,
    *,
    limit: int | None = None,
    max_links: int = 200,
) -> list[Document]:
    return list(iter_application_documents(src, enterprise_ids, limit=limit, max_links=max_links))


def _records(frame: pd.DataFrame, key: str = "enterprise_id") -> dict[int, Row]:
    return {int(r[key]): {str(k): v for k, v in r.items()} for r in frame.to_dict("records")}


def _documents(src: Path, ids: np.ndarray, max_links: int) -> Iterator[Document]:
    ent = _records(_read(src, "enterprises", ids), "id")
    fin = _groups(
        _read(src, "financial_statements", ids), ["enterprise_id", "fiscal_year"], [True, False]
    )
    links = _groups(
        _read(src, "supply_links", ids), ["enterprise_id", "share", "id"], [True, False, True]
    )
    alt = _groups(
        _read(src, "alternative_data_monthly", ids), ["enterprise_id", "month"], [True, True]
    )
    ip = _records(_read(src, "intellectual_property", ids))
    pol = _records(_read(src, "policy_support", ids))
    green = _records(_read(src, "green_data", ids))
    market = _records(_read(src, "market_plans", ids))
    req = _records(_read(src, "loan_requests", ids))
    for eid in ids.tolist():
        e, i, p, g, r = ent[eid], ip[eid], pol[eid], green[eid], req[eid]
        doc: Document = {
            "enterprise": {
                "uscc": e["uscc"],
                "name": e["name"],
                "sector": e["sector"],
                "district": e["district"],
                "founded_on": e["founded_on"].isoformat(),
                "employees": int(e["employees"]),
                "declared_stage": _optional(e["declared_stage"]),
                "tech_route": e["tech_route"],
                "core_product_tech_life_months": int(e["core_product_tech_life_months"]),
                "specialized_sme": bool(e["specialized_sme"]),
                "little_giant": bool(e["little_giant"]),
                "is_core_enterprise": bool(e["is_core_enterprise"]),
            },
            "financials": _financials(fin.get(eid, [])),
            "supply_chain": _links(links.get(eid, [])[:max_links]),
            "alternative_data": _monthly(alt.get(eid, [])),
            "ip": {
                "patents": int(i["patents"]),
                "software_copyrights": int(i["software_copyrights"]),
                "ip_valuation": _money(i["ip_valuation"]),
            },
            "policy_support": {
                "guidance_fund_equity": bool(p["guidance_fund_equity"]),
                "vc_backed": bool(p["vc_backed"]),
                "special_fund_grant": _money(p["special_fund_grant"]),
                "trade_in_subsidy_eligible": bool(p["trade_in_subsidy_eligible"]),
            },
            "green": {
                "compliance_violation": bool(g["compliance_violation"]),
                "carbon_intensity_vs_sector": float(g["carbon_intensity_vs_sector"]),
            },
            "request": {
                "amount": _money(r["amount"]),
                "tenor_months": int(r["tenor_months"]),
                "purpose": r["purpose"],
                "collateral": [str(c) for c in r["collateral"]],
                "requested_product": _optional(r["requested_product"]),
            },
        }
        if eid in market:
            m = market[eid]
            doc["market"] = {
                c: int(m[c])
                for c in ("break_even_units", "annual_capacity_units", "planned_sales_units")
            }
        yield doc


def _optional(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _financials(rows: list[Row]) -> list[Document]:
    out: list[Document] = []
    for r in rows:
        item: Document = {"fiscal_year": int(r["fiscal_year"])}
        item.update({c: _money(r[c]) for c in _MONEY_STATEMENT})
        item["subsidies"] = {k: _money(r[f"subsidy_{k}"]) for k in SUBSIDY_KINDS}
        out.append(item)
    return out


def _links(rows: list[Row]) -> list[Document]:
    return [
        {
            "counterparty_uscc": r["counterparty_uscc"],
            "counterparty_name": r["counterparty_name"],
            "role": r["role"],
            "is_core_enterprise": bool(r["is_core_enterprise"]),
            "share": float(r["share"]),
            "on_time_delivery_rate": float(r["on_time_delivery_rate"]),
            "avg_payment_days": int(r["avg_payment_days"]),
            "imported_component_share": float(r["imported_component_share"]),
        }
        for r in rows
    ]


def _monthly(rows: list[Row]) -> list[Document]:
    out: list[Document] = []
    for r in rows:
        item: Document = {"month": r["month"].strftime("%Y-%m")}
        item.update({c: _money(r[c]) for c in _MONTHLY_MONEY})
        item["social_insurance_headcount"] = int(r["social_insurance_headcount"])
        item["equipment_downtime_rate"] = float(r["equipment_downtime_rate"])
        item["order_cancellation_rate"] = float(r["order_cancellation_rate"])
        out.append(item)
    return out
