"""The chunk reads on real PostgreSQL: the aggregated path gives the frames COPY gives, in the
queries' order, NULLs included; planner settings stay inside the read's transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import psycopg
import pytest

from industry_credit.batch.csvframes import aggregated_frame, copy_frame, in_key_order
from industry_credit.batch.reader import (
    AGGREGATED_READS,
    QUERIES,
    chunk_params,
    join_halves,
    read_tables,
)
from industry_credit.batch.scope import build_plan
from industry_credit.synth.load import libpq_url
from tests.integration import test_batch_support as support
from tests.integration.test_batch_support import AS_OF, CHUNK, BatchEnv

batch_env = support.batch_env  # the session fixture, shared by the batch test modules


def _chunks(url: str) -> list[dict[str, object]]:
    with psycopg.connect(libpq_url(url)) as conn:
        plan = build_plan(conn, AS_OF, CHUNK, datetime.now(UTC))
    return [chunk_params(plan.chunk_ids(k), plan) for k in range(len(plan.chunks))]


@pytest.fixture(scope="module")
def url(batch_env: BatchEnv) -> str:
    return batch_env.database()


@pytest.mark.parametrize("table", sorted(AGGREGATED_READS))
def test_aggregated_reads_equal_copy_reads(url: str, table: str) -> None:
    columns, key = AGGREGATED_READS[table]
    chunks = _chunks(url)
    assert len(chunks) >= 3
    with psycopg.connect(libpq_url(url)) as conn, conn.cursor() as cur:
        for params in chunks:
            expected = copy_frame(cur, QUERIES[table], params)
            got = aggregated_frame(cur, QUERIES[table], columns, key, params)
            assert len(got) > 0
            pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_aggregated_text_keeps_missing_values_in_their_columns(url: str) -> None:
    query = (
        "SELECT * FROM (VALUES (1, NULL::numeric, 2.50::numeric, DATE '2026-01-01', 7),"
        " (2, 3.0, NULL, NULL, NULL), (3, -0.000001, 1e20, DATE '2026-12-31', 0))"
        " AS v(id, a, b, d, n) ORDER BY id"
    )
    columns = ("id", "a", "b", "d", "n")
    with psycopg.connect(libpq_url(url)) as conn, conn.cursor() as cur:
        expected = copy_frame(cur, query)
        got = aggregated_frame(cur, query, columns, ("id",))
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got["a"].isna().tolist() == [True, False, False]
    assert got["n"].isna().tolist() == [False, True, False]
    assert got.loc[2, "b"] == 1e20


def test_aggregated_read_of_nothing_is_an_empty_frame_with_the_columns(url: str) -> None:
    columns, key = AGGREGATED_READS["alternative_data_monthly"]
    params = _chunks(url)[0] | {"lo": -2, "hi": -1}
    with psycopg.connect(libpq_url(url)) as conn, conn.cursor() as cur:
        got = aggregated_frame(cur, QUERIES["alternative_data_monthly"], columns, key, params)
        expected = copy_frame(cur, QUERIES["alternative_data_monthly"], params)
    assert len(got) == 0
    assert list(got.columns) == list(columns) == list(expected.columns)


def test_rows_out_of_key_order_are_put_in_order() -> None:
    frame = pd.DataFrame(
        {
            "enterprise_id": [2, 1, 1, 3],
            "month": pd.to_datetime(["2026-01-01"] * 2 + ["2026-02-01", "2026-01-01"]),
        }
    )
    ordered = in_key_order(frame, ("enterprise_id", "month"))
    assert ordered["enterprise_id"].tolist() == [1, 1, 2, 3]
    assert ordered["month"].dt.month.tolist() == [1, 2, 1, 1]
    assert in_key_order(ordered, ("enterprise_id", "month")) is ordered


def test_chunk_read_settings_end_with_the_read_transaction(url: str) -> None:
    with psycopg.connect(libpq_url(url)) as conn:
        with conn.cursor() as cur:
            tables = read_tables(cur, ("enterprises", "alternative_data_monthly"), _chunks(url)[1])
            assert cur.execute("SHOW enable_seqscan").fetchone() == ("off",)
        conn.rollback()
        assert conn.execute("SHOW enable_seqscan").fetchone() == ("on",)
    assert len(tables["enterprises"]) > 0
    assert set(tables["alternative_data_monthly"]["enterprise_id"]) <= set(
        tables["enterprises"]["id"]
    )


def test_a_chunk_read_in_halves_equals_one_read_of_it(url: str) -> None:
    with psycopg.connect(libpq_url(url)) as conn, conn.cursor() as cur:
        for params in _chunks(url)[:3]:
            whole = read_tables(cur, ("alternative_data_monthly",), params)
            halves = read_tables(
                cur, ("alternative_data_monthly/0", "alternative_data_monthly/1"), params
            )
            assert len(halves["alternative_data_monthly/0"]) > 0
            joined = join_halves(halves, "alternative_data_monthly")
            pd.testing.assert_frame_equal(joined, whole["alternative_data_monthly"])


def test_halves_typed_differently_are_promoted_like_one_read() -> None:
    first = pd.DataFrame({"enterprise_id": [1, 2], "amount": [3, 4]})
    second = pd.DataFrame({"enterprise_id": [3], "amount": [5.5]})
    joined = join_halves({"t/0": first, "t/1": second}, "t")
    assert joined["amount"].tolist() == [3.0, 4.0, 5.5]
    assert joined["amount"].dtype == np.float64
    assert join_halves({"t/0": first.iloc[:0], "t/1": second}, "t") is second
