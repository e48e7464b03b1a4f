"""Bulk feeds: validated, COPYed, upserted by natural key, all or nothing per file, audited."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from sqlalchemy import create_engine, text

from tests.factories.documents import uscc_for

USCC = uscc_for(7001)
OTHER = uscc_for(7002)


def _database(fresh_database: Callable[[], str]) -> str:
    url = fresh_database()
    engine = create_engine(url)
    with engine.begin() as conn:
        for code in (USCC, OTHER):
            conn.execute(
                text(
                    "INSERT INTO enterprises (uscc, name, sector, district, founded_on, employees,"
                    " tech_route, core_product_tech_life_months)"
                    " VALUES (:u, 'Feed Co', 'robot', 'lingang', '2020-01-01', 10, 'arm', 36)"
                ),
                {"u": code},
            )
    engine.dispose()
    return url


def _ingest(url: str, *paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "industry_credit.cli", "ingest", *map(str, paths)],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _scalar(url: str, sql: str) -> object:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


def test_monthly_csv_is_loaded_and_upserted(
    fresh_database: Callable[[], str], tmp_path: Path
) -> None:
    url = _database(fresh_database)
    path = tmp_path / "alternative_data_monthly.csv"
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    frame = pd.DataFrame(
        {
            "uscc": [USCC] * 12,
            "month": months,
            "tax_invoice_amount": [1_000_000.0] * 12,
            "electricity_kwh": [20_000.5] * 12,
            "social_insurance_headcount": [80] * 12,
        }
    )
    frame.to_csv(path, index=False)
    first = _ingest(url, path)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["loaded"] == 12
    frame["tax_invoice_amount"] = 2_000_000.0
    frame.to_csv(path, index=False)
    assert _ingest(url, path).returncode == 0
    assert _scalar(url, "SELECT count(*) FROM alternative_data_monthly") == 12
    assert (
        float(str(_scalar(url, "SELECT min(tax_invoice_amount) FROM alternative_data_monthly")))
        == 2e6
    )
    assert _scalar(url, "SELECT count(*) FROM audit_log WHERE action = 'ingest.file'") == 2


def test_one_bad_row_refuses_the_whole_file(
    fresh_database: Callable[[], str], tmp_path: Path
) -> None:
    url = _database(fresh_database)
    path = tmp_path / "supply_links.parquet"
    pd.DataFrame(
        {
            "uscc": [USCC, USCC, "91350100M000100Y44"],
            "counterparty_uscc": [OTHER, USCC, OTHER],
            "counterparty_name": ["Core Co", "Self", "Ghost"],
            "role": ["buyer", "buyer", "buyer"],
            "share": [0.4, 0.2, 1.7],
            "on_time_delivery_rate": [0.99, 0.99, 0.99],
            "avg_payment_days": [45, 45, 45],
        }
    ).to_parquet(path)
    result = _ingest(url, path)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["loaded"] == 0
    problems = {(r["row"], r["field"]) for r in report["rejected"]}
    assert (2, "counterparty_uscc") in problems
    assert (3, "uscc") in problems
    assert _scalar(url, "SELECT count(*) FROM supply_links") == 0
    assert _scalar(url, "SELECT count(*) FROM audit_log") == 0


def test_statements_with_subsidy_columns(fresh_database: Callable[[], str], tmp_path: Path) -> None:
    url = _database(fresh_database)
    path = tmp_path / "financial_statements.csv"
    pd.DataFrame(
        {
            "uscc": [OTHER],
            "fiscal_year": [2025],
            "revenue": [5e7],
            "operating_cost": [4e7],
            "net_profit": [2e6],
            "total_assets": [8e7],
            "total_liabilities": [3e7],
            "current_assets": [4e7],
            "current_liabilities": [2e7],
            "operating_cash_flow": [3e6],
            "subsidy_compute_voucher": [250_000.0],
        }
    ).to_csv(path, index=False)
    result = _ingest(url, path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        float(str(_scalar(url, "SELECT subsidy_compute_voucher FROM financial_statements")))
        == 250_000
    )
