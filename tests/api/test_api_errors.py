"""Bad input, limits and faults: clear 4xx with JSON paths, 413, 429 with Retry-After, 503."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx
from fastapi.testclient import TestClient

from industry_credit.main import create_app
from tests.api.conftest import Api, LiveServer, api_settings
from tests.factories.documents import application, uscc_for, with_uscc


def test_422_names_every_failing_field_by_json_path(api: Api) -> None:
    doc = application(enterprise={"uscc": "91350100M000100Y44", "sector": "spaceships"})
    doc["financials"][0]["revenue"] = -1
    doc["supply_chain"][0]["share"] = "lots"
    response = api.client.post("/v1/applications", json=doc, headers=api.headers("rm_li"))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    paths = {f["path"] for f in error["fields"]}
    assert {
        "$.enterprise.uscc",
        "$.enterprise.sector",
        "$.financials[0].revenue",
        "$.supply_chain[0].share",
    } <= paths


def test_client_supplied_outcome_and_owner_are_ignored(api: Api) -> None:
    doc = with_uscc(application(green={"compliance_violation": True}), uscc_for(401))
    doc.update({"outcome": "approve", "score": 0.0001, "owner": "rm_wang", "status": "approved"})
    body = api.client.post("/v1/applications", json=doc, headers=api.headers("rm_li")).json()
    assert body["outcome"] == "decline"
    app = api.client.get(f"/v1/applications/{body['application_id']}", headers=api.headers("rm_li"))
    assert app.status_code == 200
    assert app.json()["status"] == "decided"


def test_request_too_large_is_413(api: Api) -> None:
    padding = "x" * (api.settings.max_request_bytes + 10)
    response = api.client.post(
        "/v1/applications",
        content=json.dumps({"padding": padding}),
        headers={**api.headers("rm_li"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_chunked_request_too_large_is_413_too(live: LiveServer) -> None:
    """Without Content-Length (chunked transfer over real HTTP) the limit answers the same."""
    api = live.api
    padding = json.dumps({"padding": "x" * (api.settings.max_request_bytes + 10)}).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(padding), 64_000):
            yield padding[start : start + 64_000]

    response = httpx.post(
        f"{live.base_url}/v1/applications",
        content=chunks(),
        headers={**api.headers("rm_li"), "Content-Type": "application/json"},
        timeout=30,
    )
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "payload_too_large"


def test_rate_limit_is_429_with_retry_after(api_database: str) -> None:
    settings = api_settings(rate_limit_per_minute=3)
    app = create_app(database_url=api_database, settings=settings)
    from industry_credit.auth.tokens import issue_token

    headers = {"Authorization": f"Bearer {issue_token(settings, subject='rm_li', role='rm')}"}
    with TestClient(app) as client:
        codes = [client.get("/v1/applications", headers=headers).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200]
        limited = client.get("/v1/applications", headers=headers)
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) >= 1


def test_database_down_is_503_without_partial_writes(api: Api) -> None:
    """Point a second app at a closed port: the API answers 503 with Retry-After."""
    settings = api_settings()
    app = create_app(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none", settings=settings)
    with TestClient(app) as client:
        doc = with_uscc(application(), uscc_for(402))
        response = client.post("/v1/applications", json=doc, headers=api.headers("rm_li"))
        assert response.status_code == 503
        assert response.headers["Retry-After"]


def test_metrics_expose_latency_and_decisions(api: Api) -> None:
    api.client.post(
        "/v1/applications",
        json=with_uscc(application(), uscc_for(403)),
        headers=api.headers("rm_li"),
    )
    text = api.client.get("/metrics").text
    assert "http_request_duration_seconds_bucket" in text
    assert "decisions_total{" in text
    assert "scorer_duration_seconds" in text


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_logs_are_json_with_request_id_and_no_document(api: Api) -> None:
    from industry_credit.api.logs import JsonFormatter

    doc = with_uscc(application(), uscc_for(404))
    captured = _Records()
    http_log = logging.getLogger("industry_credit.http")
    http_log.addHandler(captured)
    try:
        response = api.client.post(
            "/v1/applications",
            json=doc,
            headers=api.headers("rm_li", **{"X-Request-ID": "req-404"}),
        )
    finally:
        http_log.removeHandler(captured)
    assert response.headers["x-request-id"] == "req-404"
    lines = [JsonFormatter().format(r) for r in captured.records]
    assert lines
    parsed = [json.loads(line) for line in lines]
    assert any(p.get("request_id") == "req-404" for p in parsed)
    joined = "\n".join(lines)
    assert doc["enterprise"]["name"] not in joined
    assert doc["enterprise"]["uscc"] not in joined


def test_repeated_scalar_query_parameter_is_422(api: Api) -> None:
    response = api.client.get(
        "/v1/applications?sector=robot&sector=ai_pc", headers=api.headers("rm_li")
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == [
        {"path": "query:sector", "problem": "given more than once"}
    ]
    listed = api.client.get(
        "/v1/reviews?status=open&status=awaiting_second", headers=api.headers("officer_zhao")
    )
    assert listed.status_code == 200
