"""One engine factory for both database paths, and the session used at request/job edges."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from industry_credit.config import Settings, get_settings
from industry_credit.db.embedded import embedded_server_url

EMBEDDED_DATABASE = "industry_credit"


def resolve_database_url(settings: Settings) -> str:
    """The configured server, or the embedded one (started on demand) when none is configured."""
    if settings.database_url is not None:
        url = make_url(settings.database_url)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    admin_url = embedded_server_url(settings.data_dir / "pg")
    ensure_database(admin_url, EMBEDDED_DATABASE)
    return make_url(admin_url).set(database=EMBEDDED_DATABASE).render_as_string(hide_password=False)


def ensure_database(admin_url: str, name: str) -> None:
    """Create database ``name`` on the server behind ``admin_url`` if it does not exist."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.exec_driver_sql(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).scalar()
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()


def build_engine(url: str, *, pool_size: int = 10, role: str | None = None) -> Engine:
    """An engine; with ``role``, every connection acts as that role (``SET ROLE``).

    The service serves as the least-privilege role the migrations grant (``industry_credit_app``:
    no UPDATE or DELETE on the append-only tables, no DDL), whatever login ``DATABASE_URL``
    names, the embedded server's superuser included. Migrations, loads and the batch keep the
    login's own rights."""
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=20,
        pool_pre_ping=True,
        pool_timeout=5,
        connect_args={"connect_timeout": 5},
    )
    if role:
        statement = f"SET ROLE {quote_identifier(role)}"

        @event.listens_for(engine, "connect")
        def _act_as_role(dbapi_connection: Any, _: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute(statement)
            dbapi_connection.commit()

    return engine


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    return build_engine(resolve_database_url(get_settings()))


@lru_cache(maxsize=1)
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session] | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error. Services only flush."""
    session = (factory or get_sessionmaker())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
