"""The challenger in shadow on the API path: each submission is also scored by the challenger
and stored beside the champion's decision, which stays exactly what the champion alone decides
(and replays identically)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from industry_credit.applications.examples import ROBOT_STARTUP
from industry_credit.decisions.governance import set_challenger
from industry_credit.main import create_app
from industry_credit.ml.artifact import load_artifact
from industry_credit.ml.scorer import DEFAULT_ARTIFACT_DIR
from tests.api.conftest import Api, api_settings, prepare_database
from tests.factories import governance as models

# Fields of the decision document that differ between any two submissions.
PER_SUBMISSION = {"decision_id", "application_id", "decided_at"}


@pytest.fixture(scope="module")
def shadow_api(fresh_database: Callable[[], str]) -> Iterator[Api]:
    url = fresh_database()
    settings = api_settings()
    prepare_database(url, settings)
    app = create_app(database_url=url, settings=settings)
    with TestClient(app) as client:
        yield Api(app, client, url, settings)


def _challenger(api: Api, version: str | None) -> None:
    engine = create_engine(api.database_url)
    with Session(engine) as s, s.begin():
        set_challenger(session=s, version=version, by="admin_sun")
    engine.dispose()
    api.app.state.engine_registry._checked_at = 0.0  # re-read now, not within 5 s


def _submit(api: Api, document: dict[str, Any]) -> dict[str, Any]:
    response = api.client.post("/v1/applications", json=document, headers=api.headers("rm_wang"))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_shadow_scores_are_stored_beside_an_unchanged_decision(shadow_api: Api) -> None:
    doubled = models.scaled(load_artifact(DEFAULT_ARTIFACT_DIR), 2.0)
    engine = create_engine(shadow_api.database_url)
    with Session(engine) as s, s.begin():
        version = models.register(s, doubled)
    engine.dispose()

    alone = _submit(shadow_api, ROBOT_STARTUP)
    _challenger(shadow_api, version)
    shadowed = _submit(shadow_api, ROBOT_STARTUP)
    same = {k: v for k, v in alone.items() if k not in PER_SUBMISSION}
    assert {k: v for k, v in shadowed.items() if k not in PER_SUBMISSION} == same
    assert "challenger" not in str(shadowed)

    rows = shadow_api.rows(
        "SELECT decision_id::text, champion_version, challenger_version, champion_pd,"
        " champion_grade, champion_outcome, challenger_pd FROM shadow_scores"
    )
    assert len(rows) == 1
    decision_id, champion, challenger, champion_pd, grade, outcome, challenger_pd = rows[0]
    assert (decision_id, champion, challenger) == (
        shadowed["decision_id"],
        shadowed["model_version"],
        version,
    )
    assert (champion_pd, grade, outcome) == (shadowed["pd"], shadowed["grade"], shadowed["outcome"])
    assert challenger_pd == pytest.approx(2 * champion_pd, rel=0.1)

    replayed = shadow_api.client.post(
        f"/v1/decisions/{shadowed['decision_id']}/replay",
        headers=shadow_api.headers("officer_zhao"),
    )
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["identical"] is True
    assert replayed.json()["differences"] == []

    _challenger(shadow_api, None)
    _submit(shadow_api, ROBOT_STARTUP)
    assert len(shadow_api.rows("SELECT 1 FROM shadow_scores")) == 1


def test_a_challenger_that_cannot_score_fails_no_decision(shadow_api: Api) -> None:
    from dataclasses import replace

    from industry_credit.ml.schema import FeatureSchema

    champion = load_artifact(DEFAULT_ARTIFACT_DIR)
    specs = list(champion.schema.specs)
    specs[0] = replace(specs[0], name="a_feature_this_pipeline_does_not_build")
    broken = replace(champion, schema=FeatureSchema(specs))
    engine = create_engine(shadow_api.database_url)
    with Session(engine) as s, s.begin():
        version = models.register(s, broken)
    engine.dispose()
    before = len(shadow_api.rows("SELECT 1 FROM shadow_scores"))
    _challenger(shadow_api, version)
    try:
        decided = _submit(shadow_api, ROBOT_STARTUP)
    finally:
        _challenger(shadow_api, None)
    assert decided["model_version"] == champion.model_version
    assert len(shadow_api.rows("SELECT 1 FROM shadow_scores")) == before
