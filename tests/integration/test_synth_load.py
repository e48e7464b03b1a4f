"""A generated population loads through COPY into a migrated database, constraints and all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pyarrow.parquet as pq
import pytest

from industry_credit.synth.config import SynthConfig
from industry_credit.synth.generate import generate
from industry_credit.synth.load import libpq_url, load_population
from industry_credit.synth.tables import DB_TABLES


@pytest.fixture(scope="module")
def loaded(
    fresh_database: Callable[[], str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp("synth_load")
    generate(SynthConfig(enterprises=1500, seed=31), out)
    url = fresh_database()
    report = load_population(out, url)
    assert report.loaded
    return url, out


def test_every_row_arrives(loaded: tuple[str, Path]) -> None:
    url, out = loaded
    with psycopg.connect(libpq_url(url)) as conn:
        for table in DB_TABLES:
            count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            assert count is not None
            assert count[0] == pq.read_metadata(out / f"{table}.parquet").num_rows, table


def test_referential_integrity_and_values(loaded: tuple[str, Path]) -> None:
    url, _ = loaded
    with psycopg.connect(libpq_url(url)) as conn:
        orphans = conn.execute(
            "SELECT count(*) FROM supply_links l LEFT JOIN enterprises e ON e.id = l.counterparty_id"
            " WHERE e.id IS NULL OR e.uscc <> l.counterparty_uscc"
            " OR e.is_core_enterprise <> l.is_core_enterprise"
        ).fetchone()
        assert orphans == (0,)
        bad_identity = conn.execute(
            "SELECT count(*) FROM financial_statements WHERE abs(revenue - operating_cost"
            " - rd_expense + subsidy_compute_voucher + subsidy_model_voucher"
            " + subsidy_corpus_voucher + subsidy_special_fund + subsidy_other - net_profit) > 0.011"
        ).fetchone()
        assert bad_identity == (0,)
        share = conn.execute(
            "SELECT max(s) FROM (SELECT sum(share) AS s FROM supply_links"
            " GROUP BY enterprise_id, role) t"
        ).fetchone()
        assert share is not None
        assert share[0] <= 1


def test_sequences_are_advanced_and_reload_is_skipped(loaded: tuple[str, Path]) -> None:
    url, out = loaded
    with psycopg.connect(libpq_url(url)) as conn:
        new_id = conn.execute(
            "INSERT INTO financial_statements (enterprise_id, fiscal_year, revenue, operating_cost,"
            " net_profit, total_assets, total_liabilities, current_assets, current_liabilities,"
            " operating_cash_flow) VALUES (1, 1999, 0, 0, 0, 0, 0, 0, 0, 0) RETURNING id"
        ).fetchone()
        last = conn.execute(
            "SELECT max(id) FROM financial_statements WHERE fiscal_year <> 1999"
        ).fetchone()
        assert new_id is not None
        assert last is not None
        assert new_id[0] == last[0] + 1
        conn.rollback()
    again = load_population(out, url)
    assert not again.loaded
