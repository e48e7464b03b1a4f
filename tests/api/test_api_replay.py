"""Stored decisions replay identically from their input snapshots."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from industry_credit.config import PROJECT_ROOT
from industry_credit.db.models import Decision
from industry_credit.decisions.replay import replay_many
from industry_credit.synth.documents import application_documents
from tests.api.conftest import Api, LiveServer

SEEDS = PROJECT_ROOT / "data" / "seeds" / "population"


@pytest.mark.slow  # a thousand decisions through the CLI
def test_a_thousand_stored_decisions_replay_identically(live: LiveServer) -> None:
    """1,000 applications over real HTTP (16 at a time, so micro-batching groups them), then
    every stored decision recomputed with its own model and ruleset version."""
    documents = application_documents(SEEDS, limit=1000)
    headers = live.api.headers("rm_wang")

    def post(doc: dict[str, object]) -> str:
        response = httpx.post(
            f"{live.base_url}/v1/applications", json=doc, headers=headers, timeout=120
        )
        assert response.status_code == 201, response.text
        return str(response.json()["decision_id"])

    with ThreadPoolExecutor(max_workers=16) as pool:
        decision_ids = list(pool.map(post, documents))
    assert len(set(decision_ids)) == 1000

    engine = create_engine(live.api.database_url)
    try:
        with Session(engine) as session:
            stored = (
                session.execute(select(Decision).where(Decision.id.in_(decision_ids)))
                .scalars()
                .all()
            )
            differences = replay_many(decisions=stored, registry=live.api.app.state.engine_registry)
    finally:
        engine.dispose()
    assert len(differences) == 1000
    assert {k: v for k, v in differences.items() if v} == {}

    officer = live.api.headers("officer_zhao")
    for decision_id in decision_ids[::100]:
        replay = httpx.post(
            f"{live.base_url}/v1/decisions/{decision_id}/replay", headers=officer
        ).json()
        assert replay["identical"], replay["differences"]


def test_replay_reports_a_difference_after_tampering(api: Api) -> None:
    doc = application_documents(SEEDS, [1500])[0]
    body = api.client.post("/v1/applications", json=doc, headers=api.headers("rm_wang")).json()
    engine = create_engine(api.database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE decisions SET document = jsonb_set(document, '{pd}', '0.5') WHERE id = :id"
                ),
                {"id": body["decision_id"]},
            )
    finally:
        engine.dispose()
    replay = api.client.post(
        f"/v1/decisions/{body['decision_id']}/replay", headers=api.headers("officer_zhao")
    ).json()
    assert not replay["identical"]
    assert [d["field"] for d in replay["differences"]] == ["pd"]

    env = {
        **os.environ,
        "DATABASE_URL": api.database_url,
        "INDUSTRY_CREDIT_MODEL_DIR": str(api.settings.model_dir),
    }
    cli = subprocess.run(
        [sys.executable, "-m", "industry_credit.cli", "decisions", "replay", "--limit", "50"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert cli.returncode == 1
    assert f"decision {body['decision_id']} differs in: pd" in cli.stderr
