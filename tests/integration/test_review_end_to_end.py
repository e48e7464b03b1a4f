"""Through the real service: an RM submits over POST /v1/applications, the decision lands in
the review queue (QC sampling at 100 % so an approval is queued too), an officer decides it over
REST, the application follows, the case page renders with the real engine, the chain verifies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from industry_credit.audit.service import verify_chain
from industry_credit.auth.tokens import issue_token
from industry_credit.bootstrap import bootstrap
from industry_credit.config import Settings
from industry_credit.main import create_app
from tests.factories.documents import application
from tests.factories.review import ui_sign_in

USERS = {"e2e_rm": "rm", "e2e_officer": "risk_officer", "e2e_admin": "admin"}
REASON = {"reason": "端到端测试：材料齐全，同意引擎结论。"}


def _app(url: str, settings: Settings) -> Any:
    """The full application on ``url``, bootstrapped as the production path does it."""
    engine = create_engine(url)
    try:
        with Session(engine) as session, session.begin():
            bootstrap(session=session, settings=settings, users=USERS)
    finally:
        engine.dispose()
    return create_app(database_url=url, settings=settings)


def test_submitted_application_is_reviewed_end_to_end(fresh_database: Callable[[], str]) -> None:
    url = fresh_database()
    settings = Settings(env="test", qc_sample_rate=1.0, rate_limit_per_minute=100_000)
    app = _app(url, settings)

    def auth(user: str) -> dict[str, str]:
        token = issue_token(settings, subject=user, role=USERS[user])
        return {"Authorization": f"Bearer {token}"}

    with TestClient(app) as client:
        submitted = client.post("/v1/applications", json=application(), headers=auth("e2e_rm"))
        assert submitted.status_code == 201, submitted.text
        decision = submitted.json()
        # The example is a sound firm: approved (then QC-sampled at 100 %) or referred.
        assert decision["outcome"] in ("approve", "refer"), decision
        queue = client.get("/v1/reviews", headers=auth("e2e_officer")).json()
        [case] = [i for i in queue["items"] if i["application_id"] == decision["application_id"]]
        assert case["source"] == ("refer" if decision["outcome"] == "refer" else "qc_sample")
        assert case["pd"] == pytest.approx(decision["pd"])

        assert (
            client.post(
                f"/v1/reviews/{case['case_id']}/approve", json=REASON, headers=auth("e2e_rm")
            ).status_code
            == 403
        )
        done = client.post(
            f"/v1/reviews/{case['case_id']}/approve", json=REASON, headers=auth("e2e_officer")
        )
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "closed"
        app_after = client.get(
            f"/v1/applications/{decision['application_id']}", headers=auth("e2e_rm")
        )
        assert app_after.json()["status"] == "approved"

        officer_token = auth("e2e_officer")["Authorization"].split()[1]
        assert ui_sign_in(client, token=officer_token).status_code in (200, 303)
        page = client.get(f"/ui/cases/{case['case_id']}")
        assert page.status_code == 200
        assert 'id="waterfall"' in page.text
        # The real engine explains the decision: base value, contributions and the total.
        assert "完整解释不可用" not in page.text
        assert 'data-label="基准"' in page.text

    engine = create_engine(url)
    try:
        with Session(engine) as session:
            _, broken = verify_chain(session=session)
        assert broken is None
    finally:
        engine.dispose()
