"""Several statements in one round trip: a psycopg pipeline on a session's connection.

A request that sends its statements one by one pays a round trip for each, and under load every
return from the database waits for the GIL again. Statements that do not need each other's
results go out together here, inside the session's transaction (psycopg queues the BEGIN with
them when none is open yet).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import JSON, Table, bindparam, insert
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
from sqlalchemy.orm import Session

_DIALECT = pg_psycopg.dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Write:
    """One statement in psycopg's ``%(name)s`` style, with its parameters."""

    sql: str
    params: Mapping[str, Any]


def connection(session: Session) -> psycopg.Connection[Any]:
    dbapi = session.connection().connection.driver_connection
    assert isinstance(dbapi, psycopg.Connection)
    return dbapi


def run(session: Session, writes: Sequence[Write | None]) -> list[psycopg.Cursor[Any] | None]:
    """Every statement in one round trip, in order. Returns one entry per write, in the same
    positions: the cursor to fetch its rows from, or ``None`` where the write was ``None``."""
    return send(connection(session), writes)


def send(
    dbapi: psycopg.Connection[Any], writes: Sequence[Write | None], *, then: Sequence[str] = ()
) -> list[psycopg.Cursor[Any] | None]:
    """``run`` on a driver connection; ``then``: parameterless commands sent after the writes in
    the same round trip (a COMMIT, say)."""
    cursors: list[psycopg.Cursor[Any] | None] = []
    with dbapi.pipeline():
        for write in writes:
            cursor = None
            if write is not None:
                cursor = dbapi.cursor()
                cursor.execute(write.sql, write.params)
            cursors.append(cursor)
        for command in then:
            dbapi.execute(command)
    return cursors


def fetch_one(cursor: psycopg.Cursor[Any] | None) -> tuple[Any, ...] | None:
    """The row a statement of a pipeline returned, if it was sent and returned one."""
    return None if cursor is None else cursor.fetchone()


@lru_cache(maxsize=32)
def _insert_sql(table: Table, columns: tuple[str, ...]) -> str:
    statement = insert(table).values({name: bindparam(name) for name in columns})
    return str(statement.compile(dialect=_DIALECT))


def insert_row(table: Table, row: Mapping[str, Any]) -> Write:
    """A plain INSERT of ``row`` into ``table``, typed as SQLAlchemy would send it (JSON columns
    as JSONB), for a pipeline."""
    params = {
        name: Jsonb(value) if isinstance(table.c[name].type, JSON) else value
        for name, value in row.items()
    }
    return Write(_insert_sql(table, tuple(row)), params)
