"""A NUL character anywhere in a request is a 422 naming the field, never a database error, and
anything unhandled answers the documented JSON error body with its request id."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from industry_credit.main import create_app
from tests.api.conftest import Api, api_settings
from tests.factories.documents import application, uscc_for, with_uscc

NUL = "\x00"


def _assert_nul_refused(response: Any, path: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"]["code"] == "validation_failed"
    assert [f["path"] for f in body["error"]["fields"]] == [path]
    assert "NUL" in body["error"]["fields"][0]["problem"]


def _applications(api: Api) -> int:
    engine = create_engine(api.database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM loan_applications")).scalar_one())
    finally:
        engine.dispose()


def test_nul_in_submitted_documents_is_refused_by_field(api: Api) -> None:
    before = _applications(api)
    named = with_uscc(application(), uscc_for(1601))
    named["enterprise"]["name"] = f"上海{NUL}机器人有限公司"
    response = api.client.post("/v1/applications", json=named, headers=api.headers("rm_li"))
    _assert_nul_refused(response, "$.enterprise.name")

    linked = with_uscc(application(), uscc_for(1602))
    linked["supply_chain"][0]["counterparty_name"] = f"Core{NUL}Co"
    response = api.client.post("/v1/applications", json=linked, headers=api.headers("rm_li"))
    _assert_nul_refused(response, "$.supply_chain[0].counterparty_name")
    # The what-if endpoint answers the same (it stored nothing before, but must agree).
    response = api.client.post("/v1/score", json=linked, headers=api.headers("rm_li"))
    _assert_nul_refused(response, "$.supply_chain[0].counterparty_name")
    assert _applications(api) == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/reviews/1/approve", {"reason": f"理由充分{NUL}，同意引擎结论。"}, "$.reason"),
        ("/v1/reviews/1/decline", {"reason": f"理由充分{NUL}，同意引擎结论。"}, "$.reason"),
        ("/v1/reviews/1/request_info", {"question": f"请补充{NUL}材料说明情况。"}, "$.question"),
        ("/v1/reviews/1/answer", {"answer": f"已补充{NUL}全部材料。"}, "$.answer"),
    ],
)
def test_nul_in_review_texts_is_refused_by_field(
    api: Api, path: str, body: dict[str, str], field: str
) -> None:
    user = "rm_li" if path.endswith("answer") else "officer_zhao"
    _assert_nul_refused(api.client.post(path, json=body, headers=api.headers(user)), field)


def test_nul_in_the_data_feed_query_and_form_is_refused(api: Api) -> None:
    uscc = uscc_for(1603)
    assert (
        api.client.post(
            "/v1/applications", json=with_uscc(application(), uscc), headers=api.headers("rm_li")
        ).status_code
        == 201
    )
    link = {**application()["supply_chain"][0], "counterparty_name": f"x{NUL}"}
    response = api.client.post(
        f"/v1/enterprises/{uscc}/data",
        json={"supply_chain": [link]},
        headers=api.headers("rm_li"),
    )
    _assert_nul_refused(response, "$.supply_chain[0].counterparty_name")
    response = api.client.get("/v1/applications?sector=%00", headers=api.headers("rm_li"))
    _assert_nul_refused(response, "query:sector")
    response = api.client.post("/ui/login", data={"username": f"officer{NUL}"})
    _assert_nul_refused(response, "form:username")


def test_ingest_names_the_field_holding_a_nul(api: Api, tmp_path: Path) -> None:
    uscc = uscc_for(1604)
    assert (
        api.client.post(
            "/v1/applications", json=with_uscc(application(), uscc), headers=api.headers("rm_li")
        ).status_code
        == 201
    )
    path = tmp_path / "supply_links.csv"
    link = {**application()["supply_chain"][0], "counterparty_name": f"Core{NUL}Co", "uscc": uscc}
    pd.DataFrame([link]).to_csv(path, index=False)
    proc = subprocess.run(
        [sys.executable, "-m", "industry_credit.cli", "ingest", str(path)],
        env={**os.environ, "DATABASE_URL": api.database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["rejected"] == [
        {"row": 1, "field": "counterparty_name", "problem": report["rejected"][0]["problem"]}
    ]
    assert "NUL" in report["rejected"][0]["problem"]


def test_an_unhandled_error_answers_json_with_the_request_id(api_database: str) -> None:
    app = create_app(database_url=api_database, settings=api_settings())

    @app.get("/v1/boom")
    def boom() -> None:
        raise RuntimeError("something nobody handled")

    with TestClient(app) as client:
        response = client.get("/v1/boom", headers={"X-Request-ID": "probe-42"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["error"]["code"] == "internal_error"
    assert body["error"]["request_id"] == "probe-42"
    assert response.headers["x-request-id"] == "probe-42"
    assert "nobody handled" not in response.text
