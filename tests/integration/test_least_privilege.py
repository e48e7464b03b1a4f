"""`serve` acts as the least-privilege role whatever login DATABASE_URL names (the tests' and
the demo's login is a superuser), so the app role's grants apply."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from industry_credit.config import Settings
from industry_credit.db.engine import build_engine
from tests.factories.cli import serve_refusal


def test_the_serving_engine_acts_as_the_app_role(database_url: str) -> None:
    assert Settings().database_role == "industry_credit_app"
    engine = build_engine(database_url, pool_size=1, role="industry_credit_app")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar_one() == "industry_credit_app"
            # The role may read the log (and a refused read would raise on the count).
            assert conn.execute(text("SELECT has_table_privilege('audit_log', 'SELECT')")).scalar()
            conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
        for statement in (
            "UPDATE audit_log SET actor = actor",
            "DELETE FROM reviews",
            "CREATE TABLE intruder (id int)",
            "ALTER TABLE audit_log DISABLE TRIGGER USER",
        ):
            with engine.connect() as conn, pytest.raises(ProgrammingError, match=r"denied|owner"):
                conn.execute(text(statement))
    finally:
        engine.dispose()


def test_serve_refuses_in_one_line_when_the_role_cannot_be_taken(database_url: str) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "INDUSTRY_CREDIT_DATABASE_ROLE": "no_such_role_here",
    }
    line = serve_refusal(env, 8933)
    assert "cannot act as database role 'no_such_role_here'" in line
