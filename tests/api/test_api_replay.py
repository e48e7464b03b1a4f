"""Stored decisions replay identically from their input snapshots."""

from __future__ import annotations

import json
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
from tests.factories.documents import uscc_for, with_uscc

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


def _loss_making_documents() -> list[dict[str, object]]:
    """Seed documents whose recorded reasons print a negative level (a loss-making firm's
    return on assets or margin): the two renderers differ on them."""
    import gzip
    import json

    from industry_credit.ml.reasons import describe, render
    from tests.golden.record_decisions import CORPUS

    found: list[dict[str, object]] = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if row["case"].startswith("seed-") and any(
                render(r["feature"], r["value"]) != describe(r["feature"], r["value"])
                for r in row["decision"]["reasons"]
            ):
                found.append(row["input"]["document"])
            if len(found) == 12:
                break
    return found


def test_each_decision_replays_with_its_own_reasons_renderer(api: Api) -> None:
    """New decisions record renderer 2 (signed levels); a decision recorded under renderer 1
    (a share's magnitude, no version named) replays byte for byte with renderer 1."""
    from industry_credit.ml.reasons import CURRENT_REASONS_VERSION, describe, render

    body: dict[str, object] = {}
    for i, doc in enumerate(_loss_making_documents()):
        # A USCC of its own: the seed firm may already belong to another RM of this session.
        doc = with_uscc(doc, uscc_for(7_700_000 + i))
        posted = api.client.post("/v1/applications", json=doc, headers=api.headers("rm_li"))
        assert posted.status_code == 201, posted.text
        body = posted.json()
        # The stored document keeps each reason's value (the response shows the sentences).
        [(reasons,)] = api.rows(
            "SELECT document -> 'reasons' FROM decisions WHERE id = CAST(:id AS uuid)",
            id=body["decision_id"],
        )
        assert [r["zh"] for r in reasons] == [r["zh"] for r in body["reasons"]]  # type: ignore[union-attr]
        if any(r["zh"] != render(r["feature"], r["value"])[0] for r in reasons):
            break
    else:
        pytest.fail("no loss-making document gave a signed reason")
    assert body["reasons_version"] == CURRENT_REASONS_VERSION
    assert all((r["zh"], r["en"]) == describe(r["feature"], r["value"]) for r in reasons)
    assert any("-" in r["zh"] for r in reasons)
    officer = api.headers("officer_zhao")
    url = f"/v1/decisions/{body['decision_id']}/replay"
    assert api.client.post(url, headers=officer).json()["identical"]

    # The same decision as renderer 1 recorded it: unsigned text and no version in the document.
    old_reasons = [
        {**r, "zh": render(r["feature"], r["value"])[0], "en": render(r["feature"], r["value"])[1]}
        for r in reasons
    ]
    engine = create_engine(api.database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE decisions SET document = jsonb_set(document - 'reasons_version',"
                    " '{reasons}', CAST(:r AS jsonb)) WHERE id = :id"
                ),
                {"r": json.dumps(old_reasons, ensure_ascii=False), "id": body["decision_id"]},
            )
    finally:
        engine.dispose()
    replay = api.client.post(url, headers=officer).json()
    assert replay["identical"], replay["differences"]
    stored = api.client.get(f"/v1/decisions/{body['decision_id']}", headers=officer).json()
    assert stored["reasons_version"] == 1
    assert [r["zh"] for r in stored["reasons"]] == [r["zh"] for r in old_reasons]

    # Unsigned text that claims renderer 2 is a difference: replay renders with the named one.
    with create_engine(api.database_url).begin() as conn:
        conn.execute(
            text(
                "UPDATE decisions SET document = document || '{\"reasons_version\": 2}'"
                " WHERE id = :id"
            ),
            {"id": body["decision_id"]},
        )
    replay = api.client.post(url, headers=officer).json()
    assert not replay["identical"]
    assert [d["field"] for d in replay["differences"]] == ["reasons"]
