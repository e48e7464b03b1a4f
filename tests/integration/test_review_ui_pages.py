"""The workbench over HTTP without a browser: sign-in paths, refusals, CSRF, the sandboxed batch
report, static files, language, and the panorama's JSON twin."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from industry_credit.db.models import BatchRun, Review
from tests.factories import review as f


@pytest.fixture(scope="module")
def url(fresh_database: Any) -> str:
    value: str = fresh_database()
    return value


@pytest.fixture(scope="module")
def seeded(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with Session(engine) as s, s.begin():
        rm = f.user(s, "ui_rm", "rm")
        f.user(s, "ui_officer", "risk_officer")
        f.user(s, "ui_admin", "admin")
        core = f.enterprise(
            s, name="上海链主终端集团", is_core=True, sector="ai_pc", district="pudong"
        )
        f.decided(s, rm=rm, ent=core, outcome="approve", pd=0.004, grade="BBB+", status="decided")
        rows = f.referred_case(s, rm=rm, amount=Decimal(6_000_000))
        f.link(s, enterprise_id=rows.enterprise.id, counterparty=core, role="buyer")
        case_id = rows.case.id
    engine.dispose()
    return {"case": case_id}


@pytest.fixture
def client(url: str, seeded: dict[str, int]) -> Iterator[TestClient]:
    with TestClient(f.review_app(url, env="demo"), follow_redirects=False) as c:
        yield c


def sign_in(client: TestClient, username: str) -> None:
    answer = f.ui_sign_in(client, username=username, next="/ui/queue")
    assert answer.status_code == 303, answer.text


def test_pages_need_a_session_and_keep_the_target(
    client: TestClient, seeded: dict[str, int]
) -> None:
    answer = client.get(f"/ui/cases/{seeded['case']}")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/ui/login?next=/ui/cases/{seeded['case']}"
    login = client.get("/ui/login")
    assert '<meta charset="utf-8">' in login.text
    assert "ui_officer" in login.text  # demo users are offered in the demo


def test_sign_in_refusals(client: TestClient) -> None:
    assert f.ui_sign_in(client, username="nobody").status_code == 401
    assert f.ui_sign_in(client, token="not.a.jwt").status_code == 401
    refused = f.ui_sign_in(client, username="ui_rm")
    assert refused.status_code == 403
    assert "ic_session" not in refused.headers.get("set-cookie", "")


def test_demo_sign_in_is_off_in_production(url: str, seeded: dict[str, int]) -> None:
    app = f.review_app(url, env="production", jwt_secret="p" * 48)
    with TestClient(app, follow_redirects=False) as c:
        assert f.ui_sign_in(c, username="ui_officer").status_code == 403
        token = f.bearer(app, "ui_officer", "risk_officer")["Authorization"].split()[1]
        answer = f.ui_sign_in(c, token=token, next="/ui/panorama")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/ui/panorama"
        cookie = answer.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
        assert c.get("/ui/panorama").status_code == 200


def test_every_page_declares_utf8_and_a_strict_policy(
    client: TestClient, seeded: dict[str, int]
) -> None:
    sign_in(client, "ui_officer")
    for path in (
        "/ui/queue",
        f"/ui/cases/{seeded['case']}",
        "/ui/panorama",
        "/ui/reports/overrides",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert '<meta charset="utf-8">' in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert not re.search(r"<script[^>]*src=\"https?://", page.text)


def test_admin_reads_a_case_but_gets_no_action_form(
    client: TestClient, seeded: dict[str, int]
) -> None:
    sign_in(client, "ui_admin")
    page = client.get(f"/ui/cases/{seeded['case']}")
    assert page.status_code == 200
    assert 'id="action-form"' not in page.text
    assert "管理员只读" in page.text


def test_actions_need_the_csrf_token(client: TestClient, url: str, seeded: dict[str, int]) -> None:
    sign_in(client, "ui_officer")
    case_id = seeded["case"]
    form = {"action": "decline", "reason": "现金流不足以覆盖本息，拒绝。"}
    forged = client.post(f"/ui/cases/{case_id}/act", data={**form, "csrf": "0" * 64})
    assert forged.status_code == 403
    engine = create_engine(url)
    with Session(engine) as s:
        count = s.execute(select(func.count()).select_from(Review).where(Review.case_id == case_id))
        assert count.scalar_one() == 0
    engine.dispose()
    page = client.get(f"/ui/cases/{case_id}").text
    match = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert match is not None
    done = client.post(f"/ui/cases/{case_id}/act", data={**form, "csrf": match.group(1)})
    assert done.status_code == 303
    assert done.headers["location"] == f"/ui/cases/{case_id}?done=decline"
    assert 'data-outcome="decline"' in client.get(done.headers["location"]).text


def test_batch_report_is_sandboxed(client: TestClient, url: str) -> None:
    sign_in(client, "ui_officer")
    assert client.get("/ui/batch/latest").status_code == 404
    engine = create_engine(url)
    with Session(engine) as s, s.begin():
        f.versions(s)
        s.add(
            BatchRun(
                id=uuid.uuid4(),
                as_of=date(2026, 11, 20),
                status="succeeded",
                chunk_size=100,
                model_version=f.MODEL_VERSION,
                ruleset_version=f.RULESET_VERSION,
                finished_at=func.now(),
                report_html="<h1>夜间报告</h1><script>alert(1)</script>",
            )
        )
    engine.dispose()
    report = client.get("/ui/batch/latest")
    assert report.status_code == 200
    assert report.headers["content-security-policy"].startswith("sandbox")
    assert 'href="/ui/batch/report"' in client.get("/ui/queue").text
    # The in-app report links to the batch's own HTML.
    assert 'href="/ui/batch/latest"' in client.get("/ui/batch/report").text


def test_static_files_language_and_redirects(client: TestClient) -> None:
    js = client.get("/ui/static/htmx-2.0.11.min.js")
    assert js.status_code == 200
    assert js.headers["content-type"].startswith("text/javascript")
    assert client.get("/ui/static/htmx-LICENSE.txt").status_code == 200
    assert client.get("/ui/static/..%2F..%2Fconfig.py").status_code == 404
    switch = client.get("/ui/lang", params={"to": "en", "next": "https://evil.example/"})
    assert switch.headers["location"] == "/ui/queue"
    assert "ic_lang=en" in switch.headers["set-cookie"]
    sign_in(client, "ui_officer")
    client.cookies.set("ic_lang", "en", path="/ui")
    assert "Cases awaiting review" in client.get("/ui/queue").text


def test_panorama_json(client: TestClient) -> None:
    headers = f.bearer(client.app, "ui_officer", "risk_officer")  # type: ignore[arg-type]
    body = client.get("/v1/reviews/reports/panorama", headers=headers).json()
    assert body["firms"] >= 2
    assert {"district", "sector", "grade", "exposure", "avg_pd", "firms"} <= set(body["cube"][0])
    assert body["core_concentration"][0]["dependents"] >= 1
    rm = f.bearer(client.app, "ui_rm", "rm")  # type: ignore[arg-type]
    assert client.get("/v1/reviews/reports/panorama", headers=rm).status_code == 403
