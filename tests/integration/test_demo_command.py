"""The README's first command is `industry-credit demo`, and it serves /healthz on the embedded database."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
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


def test_demo_serves_healthz_on_the_embedded_database_and_stops_cleanly(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["INDUSTRY_CREDIT_DATA_DIR"] = str(tmp_path / "data")
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
        assert healthy, "demo did not serve /healthz within two minutes"
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
        assert ready.status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output
    pid_file = tmp_path / "data" / "pg" / "postmaster.pid"
    if pid_file.exists():
        pid = int(pid_file.read_text().splitlines()[0])
        assert not psutil.pid_exists(pid), "embedded PostgreSQL still running after demo exit"
