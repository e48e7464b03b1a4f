"""Running chunks: read, compute, write and checkpoint each one in its own transaction."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import pandas as pd
import psycopg
from sqlalchemy import Connection

from industry_credit.batch.compute import score_chunk
from industry_credit.batch.engine import BatchEngine
from industry_credit.batch.progress import Progress
from industry_credit.batch.reader import (
    READ_GROUPS,
    ChunkInput,
    assemble,
    chunk_params,
    read_chunk,
    read_tables,
)
from industry_credit.batch.runs import RunRow
from industry_credit.batch.scope import Ids, Plan
from industry_credit.batch.shadow import write_shadow
from industry_credit.batch.store import write_chunk

log = logging.getLogger("industry_credit.batch")
T = TypeVar("T")

# Test hook (documented in docs/batch.md): sleep inside chunk N (or 'finish') before its commit,
# so a test can kill -9 the process at a known point. Read here, not in Settings, because it
# must never be set in a deployment's configuration.
PAUSE_ENV = "INDUSTRY_CREDIT_BATCH_TEST_PAUSE_AFTER_CHUNK"
PAUSE_SECONDS_ENV = "INDUSTRY_CREDIT_BATCH_TEST_PAUSE_SECONDS"


def raw_connection(conn: Connection) -> psycopg.Connection[Any]:
    """The psycopg connection under SQLAlchemy's, for COPY (same session, same lock)."""
    raw = conn.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    return raw


def pause(point: str) -> None:
    if os.environ.get(PAUSE_ENV) == point:
        log.warning("test pause before commit", extra={"pause_point": point})
        time.sleep(float(os.environ.get(PAUSE_SECONDS_ENV, "60")))


def run_chunk(
    conn: Connection,
    read: Future[ChunkInput],
    *,
    run: RunRow,
    plan: Plan,
    engine: BatchEngine,
    chunk_no: int,
    contagion: pd.DataFrame | None = None,
) -> int:
    """Compute, write and checkpoint one chunk in one transaction.

    ``read``: the chunk's input, being read on the reader connections (``ChunkReader``).
    ``contagion`` (enterprise_id, contagion_score) marks the second pass: counterparty risk then
    includes this run's standalone PDs, and only the decision columns are replaced.
    """
    second_pass = contagion is not None
    t0 = time.perf_counter()
    raw = raw_connection(conn)
    with conn.begin(), raw.cursor() as cur:
        inp = read.result()
        if contagion is not None:
            inp = ChunkInput(inp.frames, inp.previous, inp.exposure, contagion=contagion)
        t1 = time.perf_counter()
        result = score_chunk(
            inp,
            as_of=plan.as_of,
            scorer=engine.scorer,
            ruleset=engine.ruleset,
            psi_bins=None if second_pass else engine.psi_baseline,
            challenger=engine.challenger,
        )
        t2 = time.perf_counter()
        write_chunk(
            cur,
            result.results,
            as_of=plan.as_of,
            run_id=run.id,
            chunk_no=chunk_no,
            seconds=0.0,
            stats=result.stats
            | {"read": t1 - t0, "compute": t2 - t1, "phase": 2 if second_pass else 1},
            second_pass=second_pass,
        )
        if result.shadow is not None:
            write_shadow(cur, result.results, result.shadow, run, plan.as_of)
        t3 = time.perf_counter()
        cur.execute(
            "UPDATE batch_checkpoints SET seconds = %s,"
            " stats = stats || jsonb_build_object('write', %s::float8)"
            " WHERE run_id = %s AND chunk_no = %s",
            (t3 - t0, t3 - t2, run.id, chunk_no),
        )
        pause(str(chunk_no))
    log.info(
        "chunk committed",
        extra={
            "run_id": run.id,
            "chunk": chunk_no,
            "rows": len(result.results),
            "seconds": round(t3 - t0, 3),
        },
    )
    return len(result.results)


def read_input(
    cur: psycopg.Cursor[Any], ids: Ids, plan: Plan, this_run_id: str | None
) -> ChunkInput:
    return read_chunk(cur, chunk_params(ids, plan, this_run_id))


class ChunkReader:
    """Reads a chunk on two connections at once, one thread each, off the computing thread.

    The chunk's reads are split in two groups (``READ_GROUPS``) of about equal server time, so
    the server formats both on two backends; a thread blocked in COPY releases the GIL. Every
    read filters on the run's fixed data cut-off, so both connections see the same data, and a
    read changes nothing, so reading ahead cannot alter what any chunk commits.
    """

    def __init__(self, readers: tuple[Connection, Connection]) -> None:
        self._raws = [raw_connection(reader) for reader in readers]
        self._ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rescore-read")
        self._side = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rescore-read-2")

    def submit(self, params: dict[str, Any]) -> Future[ChunkInput]:
        """Start reading the chunk of ``params`` (``chunk_params``); its input when done."""
        return self._ahead.submit(self._read, params)

    def query(self, group: int, fn: Callable[[psycopg.Cursor[Any]], T]) -> Future[T]:
        """Run ``fn`` on reader connection ``group`` (0 or 1) in its own thread, read only."""
        return (self._ahead if group == 0 else self._side).submit(self._query, group, fn)

    def close(self) -> None:
        self._ahead.shutdown()
        self._side.shutdown()

    def _read(self, params: dict[str, Any]) -> ChunkInput:
        second = self._side.submit(self._group, 1, params)
        return assemble(self._group(0, params) | second.result())

    def _query(self, group: int, fn: Callable[[psycopg.Cursor[Any]], T]) -> T:
        raw = self._raws[group]
        try:
            with raw.cursor() as cur:
                return fn(cur)
        finally:
            raw.rollback()

    def _group(self, group: int, params: dict[str, Any]) -> dict[str, pd.DataFrame]:
        return self._query(group, lambda cur: read_tables(cur, READ_GROUPS[group], params))


def run_standalone(
    conn: Connection,
    reader: ChunkReader,
    ctx: tuple[RunRow, Plan, BatchEngine],
    todo: list[int],
    progress: Progress,
) -> None:
    """Phase 1, reading the next chunk while this one computes.

    Phase-1 inputs do not depend on one another, so the next chunk's read may start before
    this chunk commits.
    """
    run, plan, engine = ctx

    def read(chunk_no: int) -> Future[ChunkInput]:
        return reader.submit(chunk_params(plan.chunk_ids(chunk_no), plan))

    pending = read(todo[0]) if todo else None
    for i, chunk_no in enumerate(todo):
        current = pending
        pending = read(todo[i + 1]) if i + 1 < len(todo) else None
        assert current is not None
        run_chunk(conn, current, run=run, plan=plan, engine=engine, chunk_no=chunk_no)
        progress.advance()
