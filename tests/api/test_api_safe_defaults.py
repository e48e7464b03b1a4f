"""Safe defaults: production unless a mode is named, real key material required, no
username-only sign-in outside the demo, CSRF on every UI form post, a maximum token lifetime
and a small clock-skew leeway."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from industry_credit.config import Settings
from tests.api.conftest import Api
from tests.factories.cli import serve_refusal
from tests.factories.review import review_app, ui_sign_in


def test_the_default_environment_is_production_and_needs_key_material(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("INDUSTRY_CREDIT_ENV", raising=False)
    monkeypatch.delenv("INDUSTRY_CREDIT_JWT_SECRET", raising=False)
    monkeypatch.delenv("INDUSTRY_CREDIT_JWT_PUBLIC_KEY", raising=False)
    with pytest.raises(ValidationError, match="must be set in production"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(_env_file=None, jwt_secret="short-secret")  # type: ignore[call-arg]
    settings = Settings(_env_file=None, jwt_secret="s" * 40)  # type: ignore[call-arg]
    assert settings.env == "production"


def test_serve_without_a_named_mode_or_secret_refuses_in_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INDUSTRY_CREDIT_")}
    env["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none"
    line = serve_refusal(env, 8932)
    assert line.startswith("industry-credit: refusing to start:")
    assert "INDUSTRY_CREDIT_JWT_SECRET" in line


def test_the_scripts_name_their_modes() -> None:
    from industry_credit.config import PROJECT_ROOT

    demo = (PROJECT_ROOT / "scripts" / "demo.sh").read_text(encoding="utf-8")
    tests = (PROJECT_ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert "export INDUSTRY_CREDIT_ENV=demo" in demo
    assert "export INDUSTRY_CREDIT_ENV=test" in tests


@pytest.mark.parametrize("env", ["test", "development"])
def test_username_sign_in_exists_only_in_the_demo(api: Api, env: str) -> None:
    app = review_app(api.database_url, env=env)
    with TestClient(app, follow_redirects=False) as client:
        refused = ui_sign_in(client, username="officer_zhao")
        assert refused.status_code == 403
        assert "ic_session" not in refused.headers.get("set-cookie", "")
        assert 'name="username"' not in client.get("/ui/login").text
    with TestClient(review_app(api.database_url, env="demo"), follow_redirects=False) as client:
        assert ui_sign_in(client, username="officer_zhao").status_code == 303


def _token(api: Api, **claims: Any) -> str:
    now = datetime.now(UTC)
    body = {
        "sub": "officer_zhao",
        "role": "risk_officer",
        "iss": api.settings.jwt_issuer,
        "iat": now,
        "exp": now + timedelta(minutes=30),
        **claims,
    }
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, api.settings.jwt_secret or "", algorithm="HS256")


def test_ui_form_posts_need_their_csrf_token(api: Api) -> None:
    token = _token(api)
    with TestClient(review_app(api.database_url), follow_redirects=False) as client:
        forged = client.post("/ui/login", data={"token": token})
        assert forged.status_code == 403
        assert "ic_session" not in forged.headers.get("set-cookie", "")
        assert ui_sign_in(client, token=token).status_code == 303
        assert client.get("/ui/queue").status_code == 200
        # Signing out from another site (no CSRF token) leaves the session alone.
        assert client.post("/ui/logout").status_code == 403
        assert client.get("/ui/queue").status_code == 200
        page = client.get("/ui/queue").text
        csrf = page.split('action="/ui/logout"')[1].split('value="')[1].split('"')[0]
        assert client.post("/ui/logout", data={"csrf": csrf}).status_code == 303


def test_token_lifetime_is_bounded(api: Api) -> None:
    far = datetime(9999, 1, 1, tzinfo=UTC)
    for token in (
        _token(api, exp=far),
        _token(
            api, exp=datetime.now(UTC) + timedelta(minutes=api.settings.jwt_max_ttl_minutes + 5)
        ),
        _token(api, iat=None),
    ):
        response = api.client.get("/v1/applications", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, response.text


def test_small_clock_skew_is_tolerated_and_large_is_not(api: Api) -> None:
    assert api.settings.jwt_leeway_seconds == 30
    ahead = datetime.now(UTC) + timedelta(seconds=5)
    token = _token(api, iat=ahead, exp=ahead + timedelta(minutes=30))
    ok = api.client.get("/v1/applications", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200, ok.text
    later = datetime.now(UTC) + timedelta(minutes=10)
    token = _token(api, iat=later, exp=later + timedelta(minutes=30))
    refused = api.client.get("/v1/applications", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
