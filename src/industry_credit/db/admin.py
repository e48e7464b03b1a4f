"""Create and drop whole databases on a server (fresh databases for tests and benchmarks)."""

from __future__ import annotations

import secrets

from sqlalchemy import create_engine, make_url

from industry_credit.db.engine import ensure_database


def server_admin_url(url: str) -> str:
    """The same server, connected to its ``postgres`` maintenance database."""
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def create_fresh_database(url: str, prefix: str = "ic_test") -> str:
    """Create a new, uniquely named database on the server of ``url`` and return its URL."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    ensure_database(server_admin_url(url), name)
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    name = make_url(url).database
    engine = create_engine(server_admin_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()
