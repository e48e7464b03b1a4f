"""The cost of a challenger in shadow, on the API path and in the nightly run.

* ``shadow_api_p99_ms``: p99 latency of ``POST /v1/applications`` (in-process TestClient, real
  PostgreSQL, one request at a time) with a challenger set, against the same requests without
  one, measured in alternating blocks so both see the same machine. The issue's bound: 1.2×.
* ``shadow_rescore_seconds``: ``rescore`` of ``size`` enterprises (at most 5,000) with a
  challenger, against the same run without one (best of two each, alternating). Bound: 1.3×.

    python -m bench --only bench_shadow --size 2000
"""

from __future__ import annotations

import hashlib
import math
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bench.bench_api import SEEDS, _prepare_database, _server_url
from bench.bench_rescore import _database
from bench.report import figure
from industry_credit.auth.tokens import issue_token
from industry_credit.batch.cli import _load
from industry_credit.batch.runner import Options, rescore
from industry_credit.db.admin import drop_database
from industry_credit.db.models import ModelVersion
from industry_credit.decisions.governance import set_challenger
from industry_credit.main import create_app
from industry_credit.ml.artifact import ModelArtifact, artifact_to_bytes, load_artifact
from industry_credit.ml.scorer import DEFAULT_ARTIFACT_DIR
from industry_credit.synth.documents import application_documents

AS_OF = date(2026, 10, 31)
BLOCK = 25
API_REQUESTS_MAX = 400
RESCORE_MAX = 5_000


def _challenger_of(artifact: ModelArtifact) -> ModelArtifact:
    """A distinct model of the same features: the champion with its PDs about doubled."""
    a, b = artifact.calibration
    return replace(artifact, calibration=(a, b + math.log(2.0)))


def _register(url: str, artifact: ModelArtifact, admin: str) -> str:
    blob = artifact_to_bytes(artifact)
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        session.add(
            ModelVersion(
                version=artifact.model_version,
                manifest=artifact.manifest(),
                artifact=blob,
                artifact_sha256=hashlib.sha256(blob).hexdigest(),
            )
        )
    engine.dispose()
    return artifact.model_version


def _set(url: str, version: str | None, admin: str) -> None:
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        set_challenger(session=session, version=version, by=admin)
    engine.dispose()


def _api(size: int) -> dict[str, Any]:
    url, settings = _prepare_database()
    challenger = _register(url, _challenger_of(load_artifact(DEFAULT_ARTIFACT_DIR)), "admin_bench")
    documents = application_documents(SEEDS, limit=min(size, API_REQUESTS_MAX))
    token = issue_token(settings, subject="rm_bench", role="rm")
    headers = {"Authorization": f"Bearer {token}"}
    app = create_app(database_url=url, settings=settings)
    timings: dict[bool, list[float]] = {False: [], True: []}
    try:
        with TestClient(app) as client:
            for doc in documents[:20]:  # warm-up: imports, caches, connections
                client.post("/v1/applications", json=doc, headers=headers)
            for start in range(0, len(documents), BLOCK):
                for shadow in (False, True):
                    _set(url, challenger if shadow else None, "admin_bench")
                    app.state.engine_registry._checked_at = 0.0
                    client.post("/v1/applications", json=documents[start], headers=headers)
                    for doc in documents[start : start + BLOCK]:
                        t0 = time.perf_counter()
                        response = client.post("/v1/applications", json=doc, headers=headers)
                        timings[shadow].append(time.perf_counter() - t0)
                        assert response.status_code == 201, response.text
    finally:
        drop_database(url)
    p99 = {k: float(np.percentile(v, 99)) * 1000 for k, v in timings.items()}
    p50 = {k: float(np.percentile(v, 50)) * 1000 for k, v in timings.items()}
    return {"p99": p99, "p50": p50, "requests": len(timings[True])}


def _rescore_seconds(url: str) -> float:
    started = time.perf_counter()
    outcome = rescore(
        Options(as_of=AS_OF, chunk_size=2_000, force=True), database_url=url, load=_load
    )
    assert outcome.status == "succeeded"
    return time.perf_counter() - started


def _nightly(size: int) -> dict[str, float]:
    n = min(size, RESCORE_MAX)
    with tempfile.TemporaryDirectory() as tmp:
        url, artifact = _database(_server_url(), n, Path(tmp), None)
    try:
        challenger = _register(url, _challenger_of(artifact), "bench")
        _rescore_seconds(url)  # warm-up: the first run also creates the date's partition
        best = {False: math.inf, True: math.inf}
        for _ in range(2):
            for shadow in (False, True):
                _set(url, challenger if shadow else None, "bench")
                best[shadow] = min(best[shadow], _rescore_seconds(url))
    finally:
        drop_database(url)
    return {"without": best[False], "with": best[True], "enterprises": n}


def run(size: int) -> list[dict[str, Any]]:
    api = _api(size)
    nightly = _nightly(size)
    return [
        figure(
            "shadow_api_p99_ms",
            api["p99"][True],
            "ms",
            "api_p99_without_challenger",
            api["p99"][False],
            requests=api["requests"],
            p50_with=api["p50"][True],
            p50_without=api["p50"][False],
        ),
        figure(
            "shadow_api_p50_ms",
            api["p50"][True],
            "ms",
            "api_p50_without_challenger",
            api["p50"][False],
            requests=api["requests"],
        ),
        figure(
            "shadow_rescore_seconds",
            nightly["with"],
            "s",
            "rescore_without_challenger",
            nightly["without"],
            enterprises=nightly["enterprises"],
        ),
    ]
