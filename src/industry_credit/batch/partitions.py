"""One partition of ``rescore_results`` per as-of date, loaded detached and attached once.

``rescore_results`` is partitioned by ``LIST (as_of)`` (migration 20261122_04). A run writes
its first-pass results into its date's partition while that partition is still a plain table:
same columns, checks and indexes (the primary key keeps every chunk's upsert exact), but no
foreign keys. Those arrive when the finished table is attached: PostgreSQL then validates each
key with one join over the partition, where a table with the keys fires two trigger checks per
row (docs/benchmarks.md has what that cost). A CHECK on the date lets the attach skip the
partition-constraint scan.

Every step is transactional: the partition is created in the run's start transaction, each
chunk commits into it with its checkpoint, and the attach is one more transaction, repeated by
a resumed run if a crash came first. A forced rerun drops the date's partition when it starts,
as the unpartitioned table deleted the date's rows. Rows written by anything other than a run
(hand corrections, fixtures) for a date without a partition land in ``rescore_results_default``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, text

PARENT = "rescore_results"


def partition_name(as_of: date) -> str:
    return f"{PARENT}_{as_of:%Y%m%d}"


def is_partition_table(name: str) -> bool:
    return name.startswith(f"{PARENT}_")


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's ``include_object`` hook: partitions are made by runs, not by migrations, so
    schema comparisons (autogenerate, the drift test) leave them out."""
    return not (type_ == "table" and reflected and name is not None and is_partition_table(name))


def prepare(conn: Connection, as_of: date) -> str:
    """In the run's start transaction: drop what the date held, create the empty load table."""
    name = partition_name(as_of)
    conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
    conn.execute(text(f"DELETE FROM {PARENT} WHERE as_of = :d"), {"d": as_of})
    # The primary key only: the chunks' upserts need it. The parent's other indexes (run_id)
    # are built by the attach in one pass over the finished table, not maintained row by row.
    conn.execute(
        text(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    )
    conn.execute(text(f"ALTER TABLE {name} ADD PRIMARY KEY (as_of, enterprise_id)"))
    # DDL takes no bind parameters; the literal comes from a date object, never from text.
    conn.execute(
        text(f"ALTER TABLE {name} ADD CONSTRAINT ck_{name}_as_of CHECK (as_of = {_literal(as_of)})")
    )
    return name


def is_attached(conn: Connection, as_of: date) -> bool:
    found = conn.execute(
        text("SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(:name)"),
        {"name": partition_name(as_of)},
    ).first()
    return found is not None


def attach(conn: Connection, as_of: date) -> bool:
    """Attach the date's load table (foreign keys validated here); False if already attached."""
    if is_attached(conn, as_of):
        return False
    name = partition_name(as_of)
    conn.execute(
        text(f"ALTER TABLE {PARENT} ATTACH PARTITION {name} FOR VALUES IN ({_literal(as_of)})")
    )
    return True


def _literal(as_of: date) -> str:
    return f"DATE '{date.isoformat(as_of)}'"
