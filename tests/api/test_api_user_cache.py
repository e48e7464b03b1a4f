"""Authentication reads the user row at most once per ``auth_cache_seconds``: a deactivation or a
role change applies within that bound, and not before it (the cache is real)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session

from industry_credit.auth.cache import UserCache
from industry_credit.auth.tokens import issue_token
from industry_credit.db.models import User
from industry_credit.main import create_app
from tests.api.conftest import api_settings, prepare_database


def _set_active(url: str, username: str, active: bool) -> None:
    engine = create_engine(url)
    try:
        with Session(engine) as session, session.begin():
            session.execute(update(User).where(User.username == username).values(active=active))
    finally:
        engine.dispose()


def test_a_deactivation_applies_within_the_cache_bound(fresh_database: Callable[[], str]) -> None:
    url = fresh_database()
    settings = api_settings()
    prepare_database(url, settings)
    now = [1000.0]
    app = create_app(database_url=url, settings=settings)
    with TestClient(app) as client:
        app.state.users = UserCache(settings.auth_cache_seconds, clock=lambda: now[0])
        token = issue_token(settings, subject="rm_li", role="rm")
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/v1/applications", headers=headers).status_code == 200
        _set_active(url, "rm_li", False)
        # Inside the bound the worker still trusts the row it read...
        now[0] += settings.auth_cache_seconds - 0.5
        assert client.get("/v1/applications", headers=headers).status_code == 200
        # ...and past it, the deactivation applies.
        now[0] += 1.0
        refused = client.get("/v1/applications", headers=headers)
        assert refused.status_code == 401, refused.text
        _set_active(url, "rm_li", True)
        now[0] += settings.auth_cache_seconds + 0.1
        assert client.get("/v1/applications", headers=headers).status_code == 200


def test_the_bound_defaults_to_five_seconds() -> None:
    assert api_settings().auth_cache_seconds == 5.0
