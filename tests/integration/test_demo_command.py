"""The README's first command is `industry-credit demo`, and it serves /healthz on the embedded database."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil
import pytest

from industry_credit.config import PROJECT_ROOT

# Starts the demo (embedded PostgreSQL, seed load) in a subprocess.
pytestmark = pytest.mark.slow


def _first_readme_command() -> str:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```bash\n(.+?)\n```", readme, re.S)
    assert match, "README has no bash block"
    return match.group(1).strip()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_readme_first_command_runs_industry_credit_demo() -> None:
    assert _first_readme_command() == "bash scripts/demo.sh"
    script = (PROJECT_ROOT / "scripts" / "demo.sh").read_text(encoding="utf-8").strip()
    assert script.splitlines()[-1].startswith("exec .venv/bin/industry-credit demo")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_demo_serves_healthz_on_the_embedded_database_and_stops_cleanly(
    tmp_path: Path, stop: signal.Signals
) -> None:
    """Ctrl-C and SIGTERM (systemd, Kubernetes, Docker) both stop the embedded server too."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["INDUSTRY_CREDIT_DATA_DIR"] = str(tmp_path / "data")
    env["INDUSTRY_CREDIT_ENV"] = "demo"  # as scripts/demo.sh sets it
    proc = subprocess.Popen(
        [sys.executable, "-m", "industry_credit.cli", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        healthy = False
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                healthy = (
                    httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
                )
            except httpx.HTTPError:
                healthy = False
            if healthy:
                break
            time.sleep(0.5)
        if not healthy:
            proc.send_signal(signal.SIGINT)
            pytest.fail(f"demo did not serve /healthz: {proc.communicate(timeout=60)[0]}")
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
        assert ready.status_code == 200
        pid_file = tmp_path / "data" / "pg" / "postmaster.pid"
        postmaster = int(pid_file.read_text().splitlines()[0])
        assert psutil.pid_exists(postmaster)
    finally:
        proc.send_signal(stop)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode in (0, 128 + stop, -stop), output
    deadline = time.monotonic() + 10
    while psutil.pid_exists(postmaster) and time.monotonic() < deadline:
        time.sleep(0.2)
    alive = psutil.pid_exists(postmaster) and psutil.Process(postmaster).status() != "zombie"
    assert not alive, f"embedded PostgreSQL still running after demo got {stop.name}"


def test_the_demo_runs_one_nightly_batch_so_the_pages_have_nightly_cases(
    fresh_database: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    """On a fresh demo the queue holds nightly flags with their reasons, and the run report
    and the batch's own report are there (they were 404 before the demo ran a batch)."""
    from datetime import date

    from fastapi.testclient import TestClient
    from sqlalchemy import create_engine, text

    from industry_credit.demo import prepare_demo
    from tests.factories import review as f

    url = fresh_database()
    prepare_demo(url)
    assert "ran the nightly batch as of" in capsys.readouterr().out
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            runs = conn.execute(text("SELECT as_of, status FROM batch_runs")).all()
            cases = conn.execute(
                text(
                    "SELECT c.id, r.reasons FROM review_cases c JOIN rescore_results r"
                    " ON r.run_id = c.batch_run_id AND r.enterprise_id = c.enterprise_id"
                    " WHERE c.source = 'batch_flag'"
                )
            ).all()
        assert runs == [(date.today(), "succeeded")]
        assert len(cases) >= 5
        assert all(reasons for _, reasons in cases)
        prepare_demo(url)  # idempotent: no second run, no case twice
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM batch_runs")).scalar_one() == 1
            again = conn.execute(
                text("SELECT count(*) FROM review_cases WHERE source = 'batch_flag'")
            ).scalar_one()
        assert again == len(cases)
    finally:
        engine.dispose()
    with TestClient(f.review_app(url, env="demo")) as client:
        f.ui_sign_in(client, username="officer_zhou")
        for path in ("/ui/batch/latest", "/ui/batch/report"):
            answer = client.get(path)
            assert answer.status_code == 200
            assert answer.url.path == path  # not redirected to the sign-in page
        queue = client.get("/ui/queue", params={"source": "batch_flag"})
        assert queue.text.count('class="case-link"') >= 5
        page = client.get(f"/ui/cases/{cases[0][0]}")
        assert page.status_code == 200
        assert 'id="batch-reasons-note"' in page.text
