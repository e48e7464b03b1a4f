"""A submission's statements and database round trips do not grow with the document: one
statement per table, whatever the number of statements, months and supply-chain links it carries,
and the enterprise's data in one pipelined round trip."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.api.conftest import Api
from tests.factories.documents import application, uscc_for


def _document(n: int, years: int, months: int, links: int) -> dict[str, Any]:
    doc = application(enterprise={"uscc": uscc_for(880_000 + n)})
    statement = doc["financials"][0]
    doc["financials"] = [
        {**copy.deepcopy(statement), "fiscal_year": 2025 - i} for i in range(years)
    ]
    month = doc["alternative_data"][0]
    doc["alternative_data"] = [
        {**month, "month": f"{2024 + i // 12}-{i % 12 + 1:02d}"} for i in range(months)
    ]
    link = doc["supply_chain"][0]
    doc["supply_chain"] = [
        {**link, "counterparty_uscc": uscc_for(890_000 + 100 * n + i), "share": 0.01}
        for i in range(links)
    ]
    # A traced supplier, so that the document is decided without a referral (no review case).
    doc["supply_chain"][-1] |= {"role": "supplier", "imported_component_share": 0.1}
    return doc


class _Counter:
    """Statements the driver executes, and round trips: each statement outside a pipeline, and
    each pipeline once."""

    def __init__(self) -> None:
        self.statements = 0
        self.round_trips = 0
        self.depth = 0

    def executed(self) -> None:
        self.statements += 1
        self.round_trips += self.depth == 0


@pytest.fixture
def counter(monkeypatch: pytest.MonkeyPatch) -> _Counter:
    count = _Counter()
    execute, executemany = psycopg.Cursor.execute, psycopg.Cursor.executemany
    pipeline = psycopg.Connection.pipeline

    def counted_execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        count.executed()
        return execute(self, *args, **kwargs)

    def counted_executemany(self: Any, query: Any, params_seq: Any, **kwargs: Any) -> Any:
        # The server executes the statement once per parameter set.
        params = list(params_seq)
        for _ in params:
            count.executed()
        return executemany(self, query, params, **kwargs)

    @contextlib.contextmanager
    def counted_pipeline(self: Any) -> Iterator[Any]:
        outer = count.depth == 0
        count.round_trips += outer
        count.depth += 1
        try:
            with pipeline(self) as p:
                yield p
        finally:
            count.depth -= 1

    monkeypatch.setattr(psycopg.Cursor, "execute", counted_execute)
    monkeypatch.setattr(psycopg.Cursor, "executemany", counted_executemany)
    monkeypatch.setattr(psycopg.Connection, "pipeline", counted_pipeline)
    return count


def _submit(api: Api, counter: _Counter, doc: dict[str, Any]) -> tuple[int, int]:
    before = (counter.statements, counter.round_trips)
    response = api.client.post("/v1/applications", json=doc, headers=api.headers("rm_li"))
    assert response.status_code == 201, response.text
    return counter.statements - before[0], counter.round_trips - before[1]


def test_round_trips_do_not_grow_with_the_document(api: Api, counter: _Counter) -> None:
    # Warm the caches (compiled statements, engine registry, users) outside the count.
    _submit(api, counter, _document(0, 1, 1, 1))
    small = _submit(api, counter, _document(1, 1, 1, 1))
    large = _submit(api, counter, _document(2, 3, 24, 20))
    assert small == large, (small, large)
    statements, round_trips = large
    # 2026-12-04: 20 statements in 4 round trips (docs/api_performance.md): the pool's liveness
    # ping; BEGIN with the enterprise's lock; the enterprise's data with the owner's claim, the
    # counterparties' risk and the bank's book; the application, decision and audit rows with
    # the COMMIT.
    assert statements <= 21, statements
    assert round_trips <= 4, round_trips
