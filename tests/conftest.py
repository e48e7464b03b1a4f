"""Shared fixtures: a fresh, migrated PostgreSQL database per test run.

With ``CI`` or ``DATABASE_URL`` set, the database is created on that server (CI: the machine's
server at 127.0.0.1:5432); otherwise on the embedded server under ``.data/pg-test``.
Each test gets a session inside a transaction that is rolled back afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.orm import Session

from industry_credit.config import PROJECT_ROOT
from industry_credit.db import migrate
from industry_credit.db.admin import create_fresh_database, drop_database
from industry_credit.db.embedded import embedded_server_url

# The suite runs in the named test mode (scripts/test.sh sets it too); settings default to
# production, which refuses to start without real key material. Subprocesses inherit it.
os.environ.setdefault("INDUSTRY_CREDIT_ENV", "test")

CI_SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SHARED_DIR = PROJECT_ROOT.parent / "shared"


def _normalise(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def server_url() -> str:
    """The server the tests create their databases on."""
    if os.environ.get("DATABASE_URL"):
        return _normalise(os.environ["DATABASE_URL"])
    if os.environ.get("CI"):
        return CI_SERVER_URL
    return embedded_server_url(PROJECT_ROOT / ".data" / "pg-test")


@pytest.fixture(scope="session")
def fresh_database() -> Iterator[Callable[[], str]]:
    """A factory of fresh, migrated databases; all are dropped at the end of the session."""
    created: list[str] = []

    def make() -> str:
        url = create_fresh_database(server_url())
        created.append(url)
        migrate.upgrade(url)
        return url

    yield make
    for url in created:
        drop_database(url)


@pytest.fixture(scope="session")
def database_url(fresh_database: Callable[[], str]) -> str:
    return fresh_database()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = create_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def db_session(engine: Engine) -> Iterator[Session]:
    """A session whose work, including commits, is rolled back when the test ends."""
    with engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            session.close()
            outer.rollback()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.skip(f"../shared is absent ({SHARED_DIR}); tests that read shared data are skipped")
    return SHARED_DIR
