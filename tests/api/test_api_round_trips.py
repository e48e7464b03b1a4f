"""A submission's database round trips do not grow with the document: one statement per table,
whatever the number of statements, months and supply-chain links it carries."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import event

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
    return doc


def _statements_for(api: Api, doc: dict[str, Any]) -> int:
    engine = api.app.state.engine
    count = [0]

    def counted(*_: object) -> None:
        count[0] += 1

    event.listen(engine, "before_cursor_execute", counted)
    try:
        response = api.client.post("/v1/applications", json=doc, headers=api.headers("rm_li"))
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    assert response.status_code == 201, response.text
    return count[0]


def test_round_trips_do_not_grow_with_the_document(api: Api) -> None:
    # Warm the caches (compiled statements, engine registry) outside the count.
    _statements_for(api, _document(0, 1, 1, 1))
    small = _statements_for(api, _document(1, 1, 1, 1))
    large = _statements_for(api, _document(2, 3, 24, 20))
    assert small == large, (small, large)
    # 11 on 2026-12-04 (docs/api_performance.md); a little room for a guard or two.
    assert large <= 14, large
