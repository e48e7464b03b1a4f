"""Running chunks: read, compute, write and checkpoint each one in its own transaction."""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pandas as pd
import psycopg
from sqlalchemy import Connection

from industry_credit.batch.compute import ChunkResult, score_chunk
from industry_credit.batch.engine import BatchEngine
from industry_credit.batch.progress import Progress
from industry_credit.batch.reader import ChunkInput, read_chunk
from industry_credit.batch.runs import RunRow
from industry_credit.batch.scope import Ids, Plan
from industry_credit.batch.store import write_chunk

log = logging.getLogger("industry_credit.batch")

# Test hook (documented in the README): sleep inside chunk N (or 'finish') before its commit,
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


@dataclass(frozen=True)
class Scored:
    """A chunk computed and not yet written."""

    chunk_no: int
    result: ChunkResult
    read_s: float
    compute_s: float
    second_pass: bool


def compute(
    inp: ChunkInput,
    *,
    plan: Plan,
    engine: BatchEngine,
    chunk_no: int,
    read_s: float,
    contagion: pd.DataFrame | None = None,
) -> Scored:
    """Score one chunk's input (the pure part; ``contagion`` marks the second pass)."""
    second_pass = contagion is not None
    if contagion is not None:
        inp = ChunkInput(inp.frames, inp.previous, inp.exposure, contagion=contagion)
    started = time.perf_counter()
    result = score_chunk(
        inp,
        as_of=plan.as_of,
        scorer=engine.scorer,
        ruleset=engine.ruleset,
        psi_bins=None if second_pass else engine.psi_baseline,
    )
    return Scored(chunk_no, result, read_s, time.perf_counter() - started, second_pass)


def commit(conn: Connection, *, run: RunRow, plan: Plan, scored: Scored) -> int:
    """Write one chunk's results and its checkpoint in one transaction."""
    started = time.perf_counter()
    stats = scored.result.stats | {
        "read": scored.read_s,
        "compute": scored.compute_s,
        "phase": 2 if scored.second_pass else 1,
    }
    raw = raw_connection(conn)
    with conn.begin(), raw.cursor() as cur:
        write_chunk(
            cur,
            scored.result.results,
            as_of=plan.as_of,
            run_id=run.id,
            chunk_no=scored.chunk_no,
            seconds=0.0,
            stats=stats,
            second_pass=scored.second_pass,
        )
        write_s = time.perf_counter() - started
        total = scored.read_s + scored.compute_s + write_s
        cur.execute(
            "UPDATE batch_checkpoints SET seconds = %s,"
            " stats = stats || jsonb_build_object('write', %s::float8)"
            " WHERE run_id = %s AND chunk_no = %s",
            (total, write_s, run.id, scored.chunk_no),
        )
        pause(str(scored.chunk_no))
    rows = len(scored.result.results)
    log.info(
        "chunk committed",
        extra={
            "run_id": run.id,
            "chunk": scored.chunk_no,
            "rows": rows,
            "seconds": round(total, 3),
        },
    )
    return rows


def run_chunk(
    conn: Connection,
    ids: Ids,
    *,
    run: RunRow,
    plan: Plan,
    engine: BatchEngine,
    chunk_no: int,
    contagion: pd.DataFrame | None = None,
) -> int:
    """Read, compute, then write and checkpoint one chunk (the second pass, chunk by chunk).

    ``contagion`` (enterprise_id, contagion_score) marks the second pass: counterparty risk then
    includes this run's standalone PDs, and only the decision columns are replaced.
    """
    started = time.perf_counter()
    raw = raw_connection(conn)
    with conn.begin(), raw.cursor() as cur:
        inp = read_input(cur, ids, plan, run.id if contagion is not None else None)
    read_s = time.perf_counter() - started
    scored = compute(
        inp, plan=plan, engine=engine, chunk_no=chunk_no, read_s=read_s, contagion=contagion
    )
    return commit(conn, run=run, plan=plan, scored=scored)


def read_input(
    cur: psycopg.Cursor[Any], ids: Ids, plan: Plan, this_run_id: str | None
) -> ChunkInput:
    return read_chunk(
        cur,
        ids,
        as_of=plan.as_of,
        cutoff=plan.cutoff,
        previous_run_id=plan.previous_run_id,
        previous_cutoff=plan.previous_cutoff,
        this_run_id=this_run_id,
    )


def run_standalone(
    conn: Connection,
    reader: Connection,
    ctx: tuple[RunRow, Plan, BatchEngine],
    todo: list[int],
    progress: Progress,
) -> None:
    """Phase 1 as a three-stage pipeline: chunk k+1 is read on a second connection and chunk k-1
    written on this one while chunk k is computed.

    Threads blocked in COPY or in the server release the GIL, and the server's work (formatting
    the next chunk's rows, checking the last chunk's) runs on the other core. Phase-1 inputs do
    not depend on one another and a read changes nothing, so prefetching cannot alter what any
    chunk commits; writes keep chunk order, each with its checkpoint in one transaction, so a
    crash leaves exactly the chunks before the one being written.
    """
    run, plan, engine = ctx
    rraw = raw_connection(reader)

    def read(chunk_no: int) -> ChunkInput:
        with rraw.cursor() as cur:
            inp = read_input(cur, plan.chunk_ids(chunk_no), plan, None)
        rraw.rollback()
        return inp

    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="rescore-read") as reads,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="rescore-write") as writes,
    ):
        pending = reads.submit(read, todo[0]) if todo else None
        writing: Future[int] | None = None
        for i, chunk_no in enumerate(todo):
            current = pending
            pending = reads.submit(read, todo[i + 1]) if i + 1 < len(todo) else None
            assert current is not None
            started = time.perf_counter()
            inp = current.result()
            read_s = time.perf_counter() - started
            scored = compute(inp, plan=plan, engine=engine, chunk_no=chunk_no, read_s=read_s)
            # One write in flight, in chunk order: chunk k commits before chunk k+1 starts.
            if writing is not None:
                writing.result()
                progress.advance()
            writing = writes.submit(commit, conn, run=run, plan=plan, scored=scored)
        if writing is not None:
            writing.result()
            progress.advance()
