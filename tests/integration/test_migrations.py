"""Migrations round-trip on an empty database, and the models match them exactly."""

from __future__ import annotations

from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import industry_credit.db.models  # noqa: F401
from industry_credit.batch.partitions import include_object
from industry_credit.db import migrate
from industry_credit.db.base import Base


def test_upgrade_downgrade_upgrade_on_empty_database(fresh_database: Callable[[], str]) -> None:
    url = fresh_database()
    engine = create_engine(url)
    try:
        assert migrate.current_revision(engine) == migrate.head_revision(url)
        assert "enterprises" in inspect(engine).get_table_names()
        migrate.downgrade(url, "base")
        engine.dispose()
        remaining = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        migrate.upgrade(url)
        engine.dispose()
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_autogenerate_finds_no_drift(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": include_object})
            diff = compare_metadata(context, Base.metadata)
        assert diff == []
    finally:
        engine.dispose()
