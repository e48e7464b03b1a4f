"""POST /v1/applications under load at 16 and 64 connections, against a bare endpoint that
validates the same document and does one INSERT, both served by uvicorn in their own processes
with the same settings (``WORKERS`` workers each).

The load generator is wrk (a C program, so the cores stay with the servers) with
``bench/wrk_post.lua`` rotating through the pre-serialized realistic documents; without wrk it
falls back to an asyncio httpx client in this process, which competes with the servers for the
cores. Both targets are driven by the same generator, so its cost weighs on both sides of the
ratio; the printed lines and the JSON name the generator used.

Where the time goes is measured in the same run: the service observes each stage of a
submission into ``request_stage_duration_seconds`` (auth, canonical JSON, idempotency, the
enterprise upsert, the counterparty look-up, deciding, each insert, audit, commit) and the whole
request into ``http_request_duration_seconds``. The bench scrapes ``/metrics`` of every worker
before and after each load phase and divides the growth of each stage's sum by the number of
requests served; ``other`` is the rest of the server-side time (body parsing and validation,
response validation and serialization, waiting for a thread of the pool).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from prometheus_client.parser import text_string_to_metric_families

from bench.report import figure
from industry_credit.auth.tokens import issue_token
from industry_credit.config import PROJECT_ROOT, Settings
from industry_credit.synth.documents import application_documents

SEEDS = PROJECT_ROOT / "data" / "seeds" / "population"
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk_post.lua"
DURATION_S = 8.0
SERIAL_S = 4.0
WARMUP_REQUESTS = 40
# uvicorn workers for both targets. The decision engine is read-only and per process; a worker
# is held to about half a core by its GIL (request threads and the decision batcher take turns),
# so on 2 cores three workers served more than two (docs/api_performance.md has the figures).
WORKERS = int(os.environ.get("BENCH_API_WORKERS", "3"))
ROUTE = "/v1/applications"


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
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server {args} did not start")


def _warm_up(url: str, bodies: list[bytes], headers: dict[str, str]) -> None:
    """Every worker's first requests pay for lazy imports and cold caches; keep them out of the
    measurement. Concurrent requests spread over the workers."""

    async def go() -> None:
        async with httpx.AsyncClient(timeout=60, headers=headers) as client:
            for start in range(0, WARMUP_REQUESTS, 8):
                await asyncio.gather(
                    *(client.post(url, content=bodies[-1 - i]) for i in range(start, start + 8))
                )

    asyncio.run(go())


def _load_wrk(
    url: str, bodies_file: Path, headers: dict[str, str], conns: int, duration: float
) -> dict[str, Any]:
    args = [
        "wrk",
        "-t1",
        f"-c{conns}",
        f"-d{int(duration)}s",
        "--timeout",
        "30s",
        "-s",
        str(WRK_SCRIPT),
    ]
    for name, value in headers.items():
        if name.lower() != "content-type":
            args += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*args, url, "--", str(bodies_file)], capture_output=True, text=True, check=True
    ).stdout
    stats = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    errors = sum(
        stats[k]
        for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    return {
        "rps": stats["requests"] / (stats["duration_us"] / 1e6),
        "p50_ms": stats["p50_us"] / 1000,
        "p99_ms": stats["p99_us"] / 1000,
        "errors": errors,
        "requests": stats["requests"],
    }


async def _load_httpx(
    url: str, bodies: list[bytes], headers: dict[str, str], conns: int, duration: float
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=conns, max_keepalive_connections=conns)

    async with httpx.AsyncClient(limits=limits, timeout=30, headers=headers) as client:

        async def worker(offset: int) -> None:
            nonlocal errors
            i = offset
            while time.perf_counter() < stop_at:
                body = bodies[i % len(bodies)]
                i += conns
                started = time.perf_counter()
                response = await client.post(url, content=body)
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


def _worker_snapshot(port: int) -> tuple[int, dict[str, float]]:
    """One worker's cumulative seconds per stage of ROUTE, plus 'total' and 'requests'."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    pid = 0
    sums: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            if sample.name == "worker_pid":
                pid = int(sample.value)
            elif labels.get("route") != ROUTE:
                continue
            elif sample.name == "request_stage_duration_seconds_sum":
                sums[labels["stage"]] = sums.get(labels["stage"], 0.0) + sample.value
            elif sample.name == "http_request_duration_seconds_sum" and labels["method"] == "POST":
                sums["total"] = sums.get("total", 0.0) + sample.value
            elif (
                sample.name == "http_request_duration_seconds_count" and labels["method"] == "POST"
            ):
                sums["requests"] = sums.get("requests", 0.0) + sample.value
    return pid, sums


def _snapshot(port: int) -> dict[int, dict[str, float]]:
    """A snapshot of every worker: the kernel hands each scrape to some worker, so scrape until
    each has answered once (bounded; a missing worker shows up as fewer requests counted)."""
    seen: dict[int, dict[str, float]] = {}
    for _ in range(20 * WORKERS):
        pid, sums = _worker_snapshot(port)
        seen.setdefault(pid, sums)
        if len(seen) >= WORKERS:
            break
    return seen


def _stage_breakdown(
    before: dict[int, dict[str, float]], after: dict[int, dict[str, float]]
) -> dict[str, float]:
    """Mean milliseconds per request of each stage between two snapshots."""
    grown: dict[str, float] = {}
    for pid, sums in after.items():
        if pid not in before:
            continue
        for key, value in sums.items():
            grown[key] = grown.get(key, 0.0) + value - before[pid].get(key, 0.0)
    requests = grown.pop("requests", 0.0)
    if requests <= 0:
        return {}
    total = grown.pop("total", 0.0)
    stages = {k: v / requests * 1000 for k, v in sorted(grown.items(), key=lambda kv: -kv[1])}
    stages["other"] = total / requests * 1000 - sum(stages.values())
    stages["server_total"] = total / requests * 1000
    stages["requests_counted"] = requests
    return stages


def _prepare_database() -> tuple[str, Settings]:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from industry_credit.bootstrap import bootstrap
    from industry_credit.db import migrate
    from industry_credit.db.admin import create_fresh_database

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


def _print_breakdown(label: str, stages: dict[str, float]) -> None:
    if not stages:
        print(f"bench detail {label}: no stage timings scraped", flush=True)
        return
    parts = ", ".join(
        f"{k} {v:.1f}" for k, v in stages.items() if k not in ("server_total", "requests_counted")
    )
    print(
        f"bench detail {label}: server {stages['server_total']:.1f} ms/request = {parts}",
        flush=True,
    )


def run(size: int) -> list[dict[str, Any]]:
    from industry_credit.db.admin import drop_database

    docs = application_documents(SEEDS, limit=max(200, min(size, 2000)))
    bodies = [json.dumps(doc, default=str).encode() for doc in docs]
    generator = "wrk" if shutil.which("wrk") else "httpx (in-process; wrk not found)"
    print(f"bench detail load generator: {generator}; uvicorn workers: {WORKERS}", flush=True)
    url, settings = _prepare_database()
    token = issue_token(settings, subject="rm_bench", role="rm")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BENCH_DATABASE_URL": url,
        "INDUSTRY_CREDIT_ENV": "test",
        "INDUSTRY_CREDIT_RATE_LIMIT_PER_MINUTE": "10000000",
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        bodies_file = Path(tmp) / "bodies.jsonl"
        bodies_file.write_bytes(b"\n".join(bodies) + b"\n")

        def load(target: str, conns: int, duration: float) -> dict[str, Any]:
            if generator == "wrk":
                return _load_wrk(target, bodies_file, headers, conns, duration)
            return asyncio.run(_load_httpx(target, bodies, headers, conns, duration))

        try:
            for conns in (16, 64):
                measured: dict[str, Any] = {}
                for name, target, path in (
                    ("bare", "bench.bare_app:app", "/bare"),
                    ("applications", "industry_credit.main:create_app", ROUTE),
                ):
                    port = _free_port()
                    args = [sys.executable, "-m", "bench.bench_api", target, str(port)]
                    proc = _start(args, env, port)
                    endpoint = f"http://127.0.0.1:{port}{path}"
                    try:
                        _warm_up(endpoint, bodies, headers)
                        if name == "bare" and conns == 16:
                            measured["bare_serial"] = load(endpoint, 1, SERIAL_S)
                        if name == "applications" and conns == 16:
                            # One connection: the uncontended cost of a submission and its stages.
                            before = _snapshot(port)
                            serial = load(endpoint, 1, SERIAL_S)
                            serial["stages_ms"] = _stage_breakdown(before, _snapshot(port))
                            measured["applications_serial"] = serial
                            _print_breakdown("c1 (serial)", serial["stages_ms"])
                        before = _snapshot(port) if name == "applications" else {}
                        measured[name] = load(endpoint, conns, DURATION_S)
                        if name == "applications":
                            stages = _stage_breakdown(before, _snapshot(port))
                            measured[name]["stages_ms"] = stages
                            _print_breakdown(f"c{conns}", stages)
                    finally:
                        proc.terminate()
                        proc.wait(timeout=30)
                measured["generator"] = generator
                measured["workers"] = WORKERS
                app, bare = measured["applications"], measured["bare"]
                print(
                    f"bench detail c{conns}: applications {app['rps']:.1f} req/s "
                    f"p50 {app['p50_ms']:.1f} ms p99 {app['p99_ms']:.1f} ms "
                    f"({app['errors']} errors); bare {bare['rps']:.1f} req/s "
                    f"p50 {bare['p50_ms']:.1f} ms p99 {bare['p99_ms']:.1f} ms "
                    f"({bare['errors']} errors)",
                    flush=True,
                )
                serial = measured.get("applications_serial", {})
                if serial.get("stages_ms"):
                    results.append(
                        figure(
                            "api_serial_server_ms",
                            serial["stages_ms"]["server_total"],
                            "ms",
                            "bare endpoint serial p50 (client side)",
                            measured["bare_serial"]["p50_ms"],
                            stages_ms=serial["stages_ms"],
                        )
                    )
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


def _serve(target: str, port: int) -> None:
    """``uvicorn TARGET --port PORT --workers WORKERS``, with TCP_NODELAY on every connection.

    For several workers uvicorn binds the listening socket itself with protocol number 0, and
    asyncio sets TCP_NODELAY only on sockets whose protocol reads IPPROTO_TCP; without it each
    response (headers, then body) met Nagle's algorithm and the client's delayed ACK, ~40 ms a
    request on a keep-alive connection (bare endpoint, one connection: p50 50 ms with three
    workers against 6 ms with one). The same socket re-wrapped with the protocol stated
    is inherited by the workers, whose accepted connections then get TCP_NODELAY.
    """
    import socket

    import uvicorn
    from uvicorn.config import Config

    bind = Config.bind_socket

    def bind_tcp(self: Config) -> socket.socket:
        sock = bind(self)
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
            sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, sock.detach())
            sock.set_inheritable(True)
        return sock

    Config.bind_socket = bind_tcp  # type: ignore[method-assign]
    uvicorn.run(
        target,
        port=port,
        workers=WORKERS,
        log_level="warning",
        factory=target.endswith(":create_app"),
    )


if __name__ == "__main__":
    _serve(sys.argv[1], int(sys.argv[2]))
