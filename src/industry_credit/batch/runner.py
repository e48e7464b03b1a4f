"""Run (or resume) the nightly rescoring of one as-of date.

Phases, each made of chunks whose results and checkpoint commit in one transaction:

1. standalone: every eligible enterprise, chunk by chunk (chunks fixed at run start);
2. contagion: suppliers of distressed core enterprises, rescored with this run's PDs as their
   counterparty risk and given a contagion score (chunk numbers continue after phase 1);
3. finish: review cases, the report, status 'succeeded' and the audit entry, in one transaction.

A resumed run skips the chunks that have a checkpoint; every input of a chunk is fixed by the
run's stored plan and by results that committed before it, so the final result set equals that
of an uninterrupted run.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from industry_credit.batch import partitions, runs
from industry_credit.batch.chunks import (
    ChunkReader,
    pause,
    raw_connection,
    read_input,
    run_chunk,
    run_standalone,
)
from industry_credit.batch.compute import queue_flags, score_chunk
from industry_credit.batch.contagion import contagion_scores
from industry_credit.batch.engine import BatchEngine, with_compiled_trees
from industry_credit.batch.enqueue import enqueue
from industry_credit.batch.progress import Progress
from industry_credit.batch.reader import chunk_params
from industry_credit.batch.report import SECTION_GROUPS, assemble_report, report_sections
from industry_credit.batch.report_governance import governance_summary, red_grades
from industry_credit.batch.report_html import render_html
from industry_credit.batch.scope import Plan, build_plan, chunk_bounds
from industry_credit.batch.store import done_chunks
from industry_credit.batch.warning_quality import measure
from industry_credit.rules.review_queue import queue_policy

log = logging.getLogger("industry_credit.batch")

EngineLoader = Callable[[Session, str | None, str | None], BatchEngine]

# Session settings of every batch connection. The chunk queries are index-driven and return in
# tens of milliseconds, but their estimated costs pass the JIT thresholds, and compiling them took
# longer than running them (docs/benchmarks.md); the sorts and
# distincts over a chunk's ~100k links fit in memory instead of spilling to disk.
BATCH_SESSION_OPTIONS = "-c jit=off -c work_mem=64MB"


@dataclass(frozen=True)
class Options:
    as_of: date
    chunk_size: int = 20_000
    resume: bool = False
    dry_run: bool = False
    force: bool = False
    report_dir: Path | None = None
    # A new run predicts with the compiled forest; a resumed run follows its own record.
    compiled_trees: bool = False
    # New review cases one night may open (None: 2% of the portfolio; see batch/enqueue.py).
    review_capacity: int | None = None
    compiled_cache: Path = field(
        default_factory=lambda: Path(tempfile.gettempdir()) / "industry-credit-compiled"
    )


@dataclass
class Outcome:
    status: str  # succeeded | noop | dry_run
    run_id: str | None
    enterprises: int = 0
    chunks: int = 0
    resumed_chunks: int = 0
    flagged: int = 0
    review_cases: int = 0
    contagion: int = 0
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self, as_of: date) -> str:
        parts = [
            f"rescore {as_of.isoformat()}: {self.status}",
            f"run={self.run_id or '-'}",
            f"enterprises={self.enterprises}",
            f"chunks={self.chunks}",
            f"skipped_chunks={self.resumed_chunks}",
            f"flagged={self.flagged}",
            f"review_cases={self.review_cases}",
            f"contagion={self.contagion}",
            *(f"{k}={v}" for k, v in self.extra.items()),
            f"seconds={self.seconds:.1f}",
        ]
        return " ".join(parts)


def rescore(options: Options, *, database_url: str, load: EngineLoader) -> Outcome:
    """Rescore ``options.as_of``; raises on failure (the run is then marked 'failed')."""
    started = time.perf_counter()
    sa_engine = create_engine(
        database_url, poolclass=NullPool, connect_args={"options": BATCH_SESSION_OPTIONS}
    )
    try:
        with sa_engine.connect() as conn:
            if not runs.try_lock(conn, options.as_of):
                raise runs.BatchLockedError(
                    f"another rescore of {options.as_of} is running (advisory lock held)"
                )
            try:
                outcome = _run(conn, options, load)
            finally:
                runs.unlock(conn, options.as_of)
    finally:
        sa_engine.dispose()
    outcome.seconds = time.perf_counter() - started
    return outcome


def _engine(conn: Connection, load: EngineLoader, run: runs.RunRow | None) -> BatchEngine:
    session = Session(bind=conn)
    try:
        if run is None:
            return load(session, None, None)
        return load(session, run.model_version, run.ruleset_version)
    finally:
        session.close()
        conn.commit()


def _predictor(engine: BatchEngine, compiled: bool, options: Options) -> BatchEngine:
    return with_compiled_trees(engine, options.compiled_cache) if compiled else engine


def _run(conn: Connection, options: Options, load: EngineLoader) -> Outcome:
    existing = runs.latest_run(conn, options.as_of)
    if options.dry_run:
        engine = _predictor(_engine(conn, load, None), options.compiled_trees, options)
        return _dry_run(conn, options, engine)
    if existing is not None and not options.force:
        if existing.status == "succeeded":
            log.info("already rescored", extra={"run_id": existing.id})
            return Outcome("noop", existing.id, enterprises=existing.params.get("enterprises", 0))
        if not options.resume:
            raise runs.InterruptedRunError(
                f"run {existing.id} for {options.as_of} is {existing.status};"
                " use --resume to finish it or --force to start over"
            )
    run: runs.RunRow
    if existing is not None and options.resume and not options.force:
        run = existing
        engine = _engine(conn, load, run)
        runs.reopen_run(conn, run)
        log.info("resuming run", extra={"run_id": run.id})
    else:
        engine = _engine(conn, load, None)
        with conn.begin():
            plan = build_plan(
                raw_connection(conn),
                options.as_of,
                options.chunk_size,
                datetime.now(UTC),
            )
        plan = replace(plan, compiled_trees=options.compiled_trees)
        run = runs.start_run(
            conn,
            plan=plan,
            chunk_size=options.chunk_size,
            model_version=engine.model_version,
            ruleset_version=engine.ruleset.version,
            supersede=existing is not None,
        )
        log.info("started run", extra={"run_id": run.id, "enterprises": plan.total})
    engine = _predictor(engine, Plan.from_params(run.params).compiled_trees, options)
    try:
        return _phases(conn, options, run, engine)
    except BaseException as exc:
        runs.fail_run(conn, run.id, f"{type(exc).__name__}: {exc}")
        raise


def _phases(conn: Connection, options: Options, run: runs.RunRow, engine: BatchEngine) -> Outcome:
    plan = Plan.from_params(run.params)
    raw = raw_connection(conn)
    with conn.begin(), raw.cursor() as cur:
        done = done_chunks(cur, run.id)
    n1 = len(plan.chunks)
    progress = Progress(n1, f"rescore {plan.as_of}")
    progress.advance(len([c for c in done if c < n1]))
    todo = [c for c in range(n1) if c not in done]
    readers = (conn.engine.connect(), conn.engine.connect())
    reader = ChunkReader(readers)
    try:
        run_standalone(conn, reader, (run, plan, engine), todo, progress)
        progress.close()
        return _after_standalone(conn, options, (run, plan, engine), reader, done)
    finally:
        reader.close()
        for connection in readers:
            connection.close()


def _after_standalone(
    conn: Connection,
    options: Options,
    ctx: tuple[runs.RunRow, Plan, BatchEngine],
    reader: ChunkReader,
    done: set[int],
) -> Outcome:
    """Attach, the contagion pass (phase 2) and the finish (phase 3)."""
    run, plan, engine = ctx
    raw = raw_connection(conn)
    n1 = len(plan.chunks)

    # The date's partition joins rescore_results: its foreign keys are validated here, once.
    t0 = time.perf_counter()
    with conn.begin():
        attached = partitions.attach(conn, plan.as_of)
        pause("attach")
    log.info(
        "results attached",
        extra={"run_id": run.id, "attached": attached, "seconds": time.perf_counter() - t0},
    )

    # Phase 2: deterministic from phase-1 results (standalone distress) and the links.
    t0 = time.perf_counter()
    with conn.begin(), raw.cursor() as cur:
        # Fresh statistics for the rows phase 1 wrote, so the joins below get sane plans.
        cur.execute(f"ANALYZE {partitions.partition_name(plan.as_of)}")
        scores = contagion_scores(cur, as_of=plan.as_of, run_id=run.id, cutoff=plan.cutoff)
    targets = scores["enterprise_id"].to_numpy()
    log.info(
        "contagion propagated",
        extra={"run_id": run.id, "targets": len(targets), "seconds": time.perf_counter() - t0},
    )
    bounds = chunk_bounds(targets, run.chunk_size)
    params = dict(run.params) | {"contagion_targets": len(targets), "contagion_chunks": len(bounds)}
    if run.params.get("contagion_chunks") != len(bounds):
        runs.update_params(conn, run.id, params, n1 + len(bounds))
    for k, (lo, hi) in enumerate(bounds):
        if n1 + k not in done:
            part = scores[(targets >= lo) & (targets <= hi)]
            ids = part["enterprise_id"].to_numpy(np.int64)
            # Read on the reader connections, which see the attached phase-1 results.
            read = reader.submit(chunk_params(ids, plan, run.id))
            run_chunk(
                conn, read, run=run, plan=plan, engine=engine, chunk_no=n1 + k, contagion=part
            )

    # Phase 3: queue, report, status and audit commit together.
    t0 = time.perf_counter()
    # The report reads committed results only, so it is built on the reader connections while
    # this one inserts the review cases; both halves are in before anything commits.
    halves = [
        reader.query(
            group,
            partial(report_sections, names=names, run_id=run.id, plan=plan, engine=engine),
        )
        for group, names in enumerate(SECTION_GROUPS)
    ]
    with conn.begin():
        policy = queue_policy(engine.ruleset.content)
        queued = enqueue(
            conn,
            run_id=run.id,
            as_of=plan.as_of,
            cutoff=plan.cutoff,
            portfolio=plan.total,
            policy=policy,
            capacity=options.review_capacity,
            previous_run_id=plan.previous_run_id,
        )
        cases = queued.opened
        holds = runs.place_drawdown_holds(conn, run.id, plan.as_of)
        sections = halves[0].result() | halves[1].result()
        report = assemble_report(sections, run_id=run.id, plan=plan, engine=engine, params=params)
        report["counts"]["review_cases_created"] = cases
        report["counts"]["drawdown_holds_placed"] = holds
        report["queue"] = queued.to_json() | {"policy": policy.to_json()}
        report["warning_quality"] = measure(
            conn,
            run_id=run.id,
            as_of=plan.as_of,
            review_flags=sorted(queue_flags(policy)),
        )
        report["model_governance"] = governance_summary(
            conn, run_id=run.id, model_version=run.model_version
        )
        html = render_html(report)
        runs.finish_run(
            conn,
            run.id,
            report=report,
            report_html=html,
            audit_payload={
                "as_of": plan.as_of.isoformat(),
                "enterprises": report["counts"]["enterprises"],
                "flagged": report["counts"]["flagged"],
                "review_cases": cases,
                "queue": {k: v for k, v in queued.to_json().items() if k != "deferred"}
                | {"deferred": queued.deferred},
                "drawdown_holds": holds,
                "contagion_flagged": report["counts"]["contagion_flagged"],
            },
        )
        pause("finish")
    log.info("run finished", extra={"run_id": run.id, "seconds": time.perf_counter() - t0})
    if options.report_dir is not None:
        options.report_dir.mkdir(parents=True, exist_ok=True)
        stem = f"rescore-{plan.as_of.isoformat()}"
        (options.report_dir / f"{stem}.json").write_text(
            json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) + "\n",
            encoding="utf-8",
        )
        (options.report_dir / f"{stem}.html").write_text(html, encoding="utf-8")
    counts = report["counts"]
    return Outcome(
        "succeeded",
        run.id,
        enterprises=counts["enterprises"],
        chunks=n1 + len(bounds),
        resumed_chunks=len(done),
        flagged=counts["flagged"],
        review_cases=cases,
        contagion=counts["contagion_flagged"],
        extra={
            "appended": queued.appended,
            "worsened": queued.worsened,
            "cleared": queued.cleared,
            "deferred": queued.deferred,
            "psi_score": report["psi"].get("score", {}).get("psi", "-"),
            "backtest_red_grades": red_grades(report),
        },
    )


def _dry_run(conn: Connection, options: Options, engine: BatchEngine) -> Outcome:
    """Plan and score the first chunk without writing anything."""
    raw = raw_connection(conn)
    scored = 0
    tx = conn.begin()
    try:
        plan = build_plan(raw, options.as_of, options.chunk_size, datetime.now(UTC))
        if plan.chunks:
            with raw.cursor() as cur:
                inp = read_input(cur, plan.chunk_ids(0), plan, None)
            result = score_chunk(
                inp, as_of=plan.as_of, scorer=engine.scorer, ruleset=engine.ruleset
            )
            scored = len(result.results)
    finally:
        tx.rollback()
    return Outcome(
        "dry_run",
        None,
        enterprises=plan.total,
        chunks=len(plan.chunks),
        extra={
            "first_chunk_scored": scored,
            "model": engine.model_version[:12],
            "ruleset": engine.ruleset.version[:12],
        },
    )
