"""Many concurrent submissions: none stalls, and the audit chain stays whole and in pairs."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from industry_credit.audit.service import verify_chain
from tests.api.conftest import LiveServer
from tests.factories.documents import application, uscc_for, with_uscc

# More than the server's thread pool (40) and connection pool (30): the shape that used to jam.
CONCURRENT = 60


def test_concurrent_submissions_chain_in_pairs_without_stalling(live: LiveServer) -> None:
    docs = [with_uscc(application(), uscc_for(700 + i)) for i in range(CONCURRENT)]
    headers = live.api.headers("rm_li")
    # Make the engine registry re-read the active ruleset in the middle of the burst.
    live.api.app.state.engine_registry._checked_at = 0.0

    def post(doc: dict[str, object]) -> httpx.Response:
        return httpx.post(
            f"{live.base_url}/v1/applications", json=doc, headers=headers, timeout=120
        )

    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        responses = list(pool.map(post, docs))
    # A jam ends in connection-pool timeouts, which answer 503.
    assert [r.status_code for r in responses] == [201] * CONCURRENT

    engine = create_engine(live.api.database_url)
    try:
        with Session(engine) as session:
            checked, broken = verify_chain(session=session)
            assert broken is None
            assert checked >= 2 * CONCURRENT
            for response in responses:
                body = response.json()
                ids = session.execute(
                    text(
                        "SELECT id, action FROM audit_log WHERE entity_id IN (:a, :d) ORDER BY id"
                    ),
                    {"a": body["application_id"], "d": body["decision_id"]},
                ).all()
                assert [a for _, a in ids] == ["application.submit", "decision.create"]
                assert ids[1][0] == ids[0][0] + 1
    finally:
        engine.dispose()
