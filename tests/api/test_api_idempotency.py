"""Idempotency-Key: retries replay, changed bodies are refused, 50 concurrent posts make one decision."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import create_engine, text

from tests.api.conftest import Api, LiveServer
from tests.factories.documents import application, uscc_for, with_uscc


def _decisions_for(api: Api, uscc: str) -> int:
    engine = create_engine(api.database_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM decisions d JOIN enterprises e ON e.id = d.enterprise_id"
                        " WHERE e.uscc = :u"
                    ),
                    {"u": uscc},
                ).scalar_one()
            )
    finally:
        engine.dispose()


def test_retry_with_same_key_returns_the_original(api: Api) -> None:
    doc = with_uscc(application(), uscc_for(301))
    headers = api.headers("rm_li", **{"Idempotency-Key": "retry-301"})
    first = api.client.post("/v1/applications", json=doc, headers=headers)
    second = api.client.post("/v1/applications", json=doc, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert _decisions_for(api, uscc_for(301)) == 1


def test_same_key_different_body_is_422(api: Api) -> None:
    doc = with_uscc(application(), uscc_for(302))
    headers = api.headers("rm_li", **{"Idempotency-Key": "changed-302"})
    assert api.client.post("/v1/applications", json=doc, headers=headers).status_code == 201
    changed = dict(doc, request={**doc["request"], "amount": 6_000_000})
    response = api.client.post("/v1/applications", json=changed, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["path"] == "header:Idempotency-Key"


def test_keys_are_scoped_to_the_user(api: Api) -> None:
    doc = with_uscc(application(), uscc_for(303))
    a = api.client.post(
        "/v1/applications", json=doc, headers=api.headers("rm_li", **{"Idempotency-Key": "shared"})
    )
    # Another RM's own enterprise (an RM may not apply for rm_li's): were keys not scoped to
    # the user, the shared key with another body would be refused with 422.
    b = api.client.post(
        "/v1/applications",
        json=with_uscc(application(), uscc_for(3031)),
        headers=api.headers("rm_wang", **{"Idempotency-Key": "shared"}),
    )
    assert a.status_code == b.status_code == 201
    assert a.json()["decision_id"] != b.json()["decision_id"]


def test_fifty_concurrent_identical_posts_make_one_decision(live: LiveServer) -> None:
    uscc = uscc_for(304)
    doc = with_uscc(application(), uscc)
    headers = live.api.headers("rm_li", **{"Idempotency-Key": "burst-304"})

    def post(_: int) -> httpx.Response:
        return httpx.post(f"{live.base_url}/v1/applications", json=doc, headers=headers, timeout=60)

    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(post, range(50)))
    statuses = {r.status_code for r in responses}
    assert statuses <= {201, 409}, statuses
    decision_ids = {r.json()["decision_id"] for r in responses if r.status_code == 201}
    assert len(decision_ids) == 1
    assert _decisions_for(live.api, uscc) == 1
    # What the API docs and the OpenAPI promise: a duplicate still in flight is 409 with
    # Retry-After, and retrying after it replays the one decision.
    for busy in (r for r in responses if r.status_code == 409):
        assert int(busy.headers["Retry-After"]) >= 1
        assert busy.json()["error"]["code"] == "conflict"
    retry = httpx.post(f"{live.base_url}/v1/applications", json=doc, headers=headers, timeout=60)
    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["decision_id"] in decision_ids


def test_api_docs_and_openapi_say_what_a_concurrent_duplicate_gets(api: Api) -> None:
    from industry_credit.config import PROJECT_ROOT

    conflict = api.client.get("/openapi.json").json()["paths"]["/v1/applications"]["post"][
        "responses"
    ]["409"]
    assert "Retry-After" in conflict["headers"]
    assert "in flight" in conflict["description"]
    readme = (PROJECT_ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    idempotency = readme.split("**Idempotency.**")[1].split("\n\n")[0]
    assert "409" in idempotency
    assert "Retry-After" in idempotency
    assert "waits" not in idempotency


def test_an_expired_key_is_claimed_afresh(api: Api) -> None:
    doc = with_uscc(application(), uscc_for(305))
    headers = api.headers("rm_li", **{"Idempotency-Key": "expired-305"})
    first = api.client.post("/v1/applications", json=doc, headers=headers)
    assert first.status_code == 201
    engine = create_engine(api.database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE idempotency_keys SET created_at = now() - interval '3 days',"
                    " expires_at = now() - interval '2 days', note = 'old' WHERE key = :k"
                ),
                {"k": "expired-305"},
            )
        changed = dict(doc, request={**doc["request"], "amount": 6_000_000})
        second = api.client.post("/v1/applications", json=changed, headers=headers)
        assert second.status_code == 201
        assert "Idempotent-Replayed" not in second.headers
        assert second.json()["decision_id"] != first.json()["decision_id"]
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT status_code, response->>'decision_id', note, expires_at > now()"
                    " FROM idempotency_keys WHERE key = :k"
                ),
                {"k": "expired-305"},
            ).one()
        assert tuple(row) == (201, second.json()["decision_id"], None, True)
        replay = api.client.post("/v1/applications", json=changed, headers=headers)
        assert replay.headers.get("Idempotent-Replayed") == "true"
        assert replay.json() == second.json()
    finally:
        engine.dispose()
