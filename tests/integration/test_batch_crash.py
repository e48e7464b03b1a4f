"""Crash safety: kill -9 a real ``rescore`` process at several points, resume, compare.

The process is paused inside a chunk's (or the finishing) transaction by the documented test
hook ``INDUSTRY_CREDIT_BATCH_TEST_PAUSE_AFTER_CHUNK`` and killed there; the resumed run must
leave exactly the result set, review queue and report counts of an uninterrupted run.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

from industry_credit.batch.chunks import PAUSE_ENV, PAUSE_SECONDS_ENV
from industry_credit.batch.cli import EXIT_LOCKED
from industry_credit.batch.runs import BatchLockedError
from tests.integration import test_batch_support as support
from tests.integration.test_batch_support import AS_OF, CHUNK, BatchEnv, results, run, sql

# Kills and resumes real rescoring subprocesses.
pytestmark = pytest.mark.slow

batch_env = support.batch_env  # the session fixture, shared by the batch test modules


def _queue_and_counts(url: str) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
    cases = sql(
        url,
        "SELECT c.enterprise_id, c.flags, c.status, c.source FROM review_cases c"
        " JOIN batch_runs r ON r.id = c.batch_run_id WHERE r.status = 'succeeded'"
        " ORDER BY 1",
    )
    (report,) = sql(url, "SELECT report FROM batch_runs WHERE status = 'succeeded'")[0]
    return cases, report["counts"]


@pytest.fixture(scope="module")
def reference(batch_env: BatchEnv) -> dict[str, Any]:
    url = batch_env.database()
    outcome = run(url)
    n_standalone = -(-outcome.enterprises // CHUNK)
    cases, counts = _queue_and_counts(url)
    assert outcome.chunks > n_standalone, "the test population must exercise the contagion pass"
    return {
        "results": results(url),
        "cases": cases,
        "counts": counts,
        "standalone_chunks": n_standalone,
        "chunks": outcome.chunks,
    }


def _command() -> list[str]:
    return [
        sys.executable,
        "-m",
        "industry_credit.cli",
        "rescore",
        "--as-of",
        AS_OF.isoformat(),
        "--chunk-size",
        str(CHUNK),
    ]


def _start_paused(url: str, point: str) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.update(
        {"DATABASE_URL": url, PAUSE_ENV: point, PAUSE_SECONDS_ENV: "120", "PYTHONUNBUFFERED": "1"}
    )
    return subprocess.Popen(
        _command(),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_pause(proc: subprocess.Popen[str], timeout: float = 90.0) -> None:
    """Block until the process logs that it is paused before a commit."""
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stderr is not None
    stream = proc.stderr

    def pump() -> None:
        for line in stream:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        seen.append(line)
        if "test pause before commit" in line:
            return
    proc.kill()
    raise AssertionError("rescore never reached the pause point:\n" + "".join(seen[-20:]))


def _kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("where", ["first", "middle", "attach", "contagion", "finish"])
def test_kill_9_then_resume_equals_an_uninterrupted_run(
    batch_env: BatchEnv, reference: dict[str, Any], where: str
) -> None:
    n1 = reference["standalone_chunks"]
    point, chunks_before = {
        "first": ("0", 0),
        "middle": (str(n1 // 2), n1 // 2),
        "attach": ("attach", n1),  # every first-pass chunk in, the partition not attached
        "contagion": (str(n1), n1),
        "finish": ("finish", reference["chunks"]),
    }[where]
    url = batch_env.database()
    proc = _start_paused(url, point)
    _wait_for_pause(proc)
    _kill(proc)

    (status,) = sql(url, "SELECT status FROM batch_runs")[0]
    assert status == "running"
    (committed,) = sql(url, "SELECT count(*) FROM batch_checkpoints")[0]
    assert committed == chunks_before
    # Until the attach commits, the results are not visible through rescore_results.
    visible = sql(url, "SELECT count(*) FROM rescore_results")[0][0]
    assert (visible == 0) == (where in ("first", "middle", "attach"))
    assert sql(url, "SELECT count(*) FROM review_cases")[0][0] == 0

    outcome = run(url, resume=True)
    assert outcome.status == "succeeded"
    assert outcome.resumed_chunks == committed
    assert results(url) == reference["results"]
    cases, counts = _queue_and_counts(url)
    assert cases == reference["cases"]
    assert counts == reference["counts"]
    assert sql(url, "SELECT count(*) FROM batch_checkpoints")[0][0] == reference["chunks"]


def test_a_second_concurrent_run_is_refused(batch_env: BatchEnv) -> None:
    url = batch_env.database()
    proc = _start_paused(url, "0")
    try:
        _wait_for_pause(proc)
        with pytest.raises(BatchLockedError):
            run(url, resume=True)
        second = subprocess.run(
            [*_command(), "--resume"],
            env=dict(os.environ, DATABASE_URL=url),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == EXIT_LOCKED
        assert second.stdout.startswith(f"rescore {AS_OF.isoformat()}: refused")
    finally:
        _kill(proc)
    # The server released the dead process's lock: the date can be finished now.
    assert run(url, resume=True).status == "succeeded"
