"""A fresh database with users, the default ruleset active and the committed model registered,
an app on it (in-process TestClient) and the same app served over real HTTP by uvicorn."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from industry_credit.auth.tokens import issue_token
from industry_credit.bootstrap import bootstrap
from industry_credit.config import Settings
from industry_credit.main import create_app

USERS = {
    "rm_li": "rm",
    "rm_wang": "rm",
    "officer_zhao": "risk_officer",
    "officer_qian": "risk_officer",
    "admin_sun": "admin",
}


@dataclass
class Api:
    app: FastAPI
    client: TestClient
    database_url: str
    settings: Settings

    def rows(self, sql: str, **params: object) -> list[Any]:
        """The rows of one read-only query, on a connection of its own."""
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return list(conn.execute(text(sql), params).all())
        finally:
            engine.dispose()

    def headers(self, username: str, **extra: str) -> dict[str, str]:
        token = issue_token(self.settings, subject=username, role=USERS[username])
        return {"Authorization": f"Bearer {token}", **extra}


def api_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {"env": "test", "rate_limit_per_minute": 100_000, **overrides}
    return Settings(**values)  # type: ignore[arg-type]


def prepare_database(url: str, settings: Settings) -> None:
    engine = create_engine(url)
    try:
        with Session(engine) as session, session.begin():
            bootstrap(session=session, settings=settings, users=USERS)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def api_database(fresh_database: Callable[[], str]) -> str:
    url = fresh_database()
    prepare_database(url, api_settings())
    return url


@pytest.fixture(scope="session")
def api(api_database: str) -> Iterator[Api]:
    settings = api_settings()
    app = create_app(database_url=api_database, settings=settings)
    with TestClient(app) as client:
        yield Api(app, client, api_database, settings)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    base_url: str
    api: Api


@pytest.fixture(scope="session")
def live(api: Api) -> Iterator[LiveServer]:
    """The same app over real HTTP, for concurrency tests."""
    port = _free_port()
    config = uvicorn.Config(api.app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield LiveServer(base, api)
    server.should_exit = True
    thread.join(timeout=10)
