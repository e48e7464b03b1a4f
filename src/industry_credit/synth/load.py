"""Bulk-load a generated population into PostgreSQL through ``COPY``, in one transaction.

Parquet record batches are rendered as CSV by Arrow (C++, no Python loop over rows) and
streamed into ``COPY <table> (<columns>) FROM STDIN (FORMAT csv)``. Tables go parents first;
the database's CHECK constraints and foreign keys validate every row. Ids are loaded as
generated, so afterwards the identity sequences are moved past the largest id.

The load is all or nothing: any refused row rolls back every table. A population whose first
enterprise is already present is skipped (the demo may call this at every start).
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from psycopg import sql
from sqlalchemy import make_url

from industry_credit.synth.tables import DB_TABLES, IDENTITY_TABLES

BATCH_ROWS = 100_000


@dataclass
class LoadReport:
    loaded: bool
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def libpq_url(database_url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://``) as a plain libpq connection string."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def csv_chunks(path: Path, batch_rows: int = BATCH_ROWS) -> Iterator[tuple[int, bytes]]:
    """(rows, CSV bytes without header) per record batch of a Parquet file."""
    options = pacsv.WriteOptions(include_header=False)
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows):
        buf = io.BytesIO()
        pacsv.write_csv(pa.Table.from_batches([batch]), buf, options)
        yield batch.num_rows, buf.getvalue()


def copy_table(
    cur: psycopg.Cursor[tuple[object, ...]], table: str, path: Path, target: str | None = None
) -> int:
    """COPY one Parquet file into ``target`` (default: the table of the same name)."""
    columns = pq.read_schema(path).names
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
        sql.Identifier(target or table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    rows = 0
    with cur.copy(statement) as copy:
        for n, data in csv_chunks(path):
            copy.write(data)
            rows += n
    return rows


def _already_loaded(cur: psycopg.Cursor[tuple[object, ...]], src: Path) -> bool:
    first = pq.ParquetFile(src / "enterprises.parquet").read_row_group(0, columns=["uscc"])
    if first.num_rows == 0:
        return False
    uscc = first.column("uscc")[0].as_py()
    cur.execute("SELECT 1 FROM enterprises WHERE uscc = %s", (uscc,))
    return cur.fetchone() is not None


def load_population(src: Path, database_url: str) -> LoadReport:
    """Load every table of the population in ``src`` into the (migrated) database."""
    started = time.perf_counter()
    report = LoadReport(loaded=False)
    with psycopg.connect(libpq_url(database_url)) as conn, conn.cursor() as cur:
        if _already_loaded(cur, src):
            return report
        with conn.transaction():
            for table in DB_TABLES:
                report.rows[table] = copy_table(cur, table, src / f"{table}.parquet")
            for table in IDENTITY_TABLES:
                cur.execute(
                    sql.SQL(
                        "SELECT setval(pg_get_serial_sequence({t}, 'id'),"
                        " GREATEST((SELECT max(id) FROM {i}), 1))"
                    ).format(t=sql.Literal(table), i=sql.Identifier(table))
                )
    report.loaded = True
    report.seconds = time.perf_counter() - started
    return report
