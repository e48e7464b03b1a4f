"""POST /v1/applications under load at 16 and 64 connections, against a bare endpoint that
validates the same document and does one INSERT, both served by uvicorn in their own process.

The load generator is an asyncio httpx client in this process, bounded in time; both targets
are driven by the same generator, so its own cost cancels out of the ratio.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bench.report import figure
from industry_credit.auth.tokens import issue_token
from industry_credit.config import PROJECT_ROOT, Settings
from industry_credit.synth.documents import application_documents

SEEDS = PROJECT_ROOT / "data" / "seeds" / "population"
DURATION_S = 8.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_url() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    if os.environ.get("CI"):
        return "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    from industry_credit.db.embedded import embedded_server_url

    return embedded_server_url(PROJECT_ROOT / ".data" / "pg-bench")


def _start(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server {args} did not start")


async def _load(
    url: str, docs: list[dict[str, Any]], headers: dict[str, str], conns: int
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + DURATION_S
    limits = httpx.Limits(max_connections=conns, max_keepalive_connections=conns)

    async with httpx.AsyncClient(limits=limits, timeout=30, headers=headers) as client:

        async def worker(offset: int) -> None:
            nonlocal errors
            i = offset
            while time.perf_counter() < stop_at:
                doc = docs[i % len(docs)]
                i += conns
                started = time.perf_counter()
                response = await client.post(url, json=doc)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 201:
                    errors += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(conns)))
        elapsed = time.perf_counter() - began
    lat = np.asarray(latencies)
    return {
        "rps": len(lat) / elapsed,
        "p50_ms": float(np.percentile(lat, 50) * 1000),
        "p99_ms": float(np.percentile(lat, 99) * 1000),
        "errors": errors,
        "requests": len(lat),
    }


def _prepare_database() -> tuple[str, Settings]:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from industry_credit.db import migrate
    from industry_credit.db.admin import create_fresh_database
    from industry_credit.setup import bootstrap

    url = create_fresh_database(_server_url(), prefix="ic_bench")
    migrate.upgrade(url)
    settings = Settings(env="test", rate_limit_per_minute=10_000_000)
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        bootstrap(
            session=session, settings=settings, users={"rm_bench": "rm", "admin_bench": "admin"}
        )
    engine.dispose()
    return url, settings


def run(size: int) -> list[dict[str, Any]]:
    from industry_credit.db.admin import drop_database

    docs = application_documents(SEEDS, limit=max(200, min(size, 2000)))
    url, settings = _prepare_database()
    token = issue_token(settings, subject="rm_bench", role="rm")
    headers = {"Authorization": f"Bearer {token}"}
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BENCH_DATABASE_URL": url,
        "INDUSTRY_CREDIT_ENV": "test",
        "INDUSTRY_CREDIT_RATE_LIMIT_PER_MINUTE": "10000000",
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    results: list[dict[str, Any]] = []
    try:
        for conns in (16, 64):
            measured = {}
            for name, target, path in (
                ("bare", "bench.bare_app:app", "/bare"),
                ("applications", "industry_credit.main:create_app", "/v1/applications"),
            ):
                port = _free_port()
                args = [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    target,
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                ]
                if name == "applications":
                    args.append("--factory")
                proc = _start(args, env, port)
                try:
                    measured[name] = asyncio.run(
                        _load(f"http://127.0.0.1:{port}{path}", docs, headers, conns)
                    )
                finally:
                    proc.terminate()
                    proc.wait(timeout=30)
            app, bare = measured["applications"], measured["bare"]
            results.append(
                figure(
                    f"api_post_applications_rps_c{conns}",
                    app["rps"],
                    "req/s",
                    "bare endpoint",
                    bare["rps"],
                    ratio=app["rps"] / bare["rps"],
                    detail=measured,
                )
            )
            results.append(
                figure(
                    f"api_post_applications_p99_c{conns}",
                    app["p99_ms"],
                    "ms",
                    "bare endpoint p99",
                    bare["p99_ms"],
                    detail=measured,
                )
            )
            results.append(
                figure(
                    f"api_post_applications_p50_c{conns}",
                    app["p50_ms"],
                    "ms",
                    "bare endpoint p50",
                    bare["p50_ms"],
                )
            )
    finally:
        drop_database(url)
    return results
