"""Shared setup for the batch tests (imported by the test_batch_* modules; holds no tests).

A small synthetic population is generated and loaded once into a "golden" database with the
default ruleset active and a small LightGBM model registered; every test works on its own
``CREATE DATABASE ... TEMPLATE golden`` copy, which takes a fraction of a second.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from industry_credit.auth.users import ensure_user
from industry_credit.batch.cli import _load
from industry_credit.batch.runner import Options, Outcome, rescore
from industry_credit.db.admin import drop_database, server_admin_url
from industry_credit.db.models import ModelVersion
from industry_credit.ml.artifact import ModelArtifact, artifact_to_bytes
from industry_credit.ml.data import synthetic_schema
from industry_credit.ml.evaluate import psi_baseline
from industry_credit.ml.features import build_features
from industry_credit.ml.frames import EnterpriseFrames
from industry_credit.ml.grades import MASTER_SCALE
from industry_credit.rules.loading import DEFAULT_RULESET_PATH
from industry_credit.rules.versions import activate_ruleset_version, load_ruleset_version
from industry_credit.synth.config import SynthConfig
from industry_credit.synth.generate import generate
from industry_credit.synth.load import load_population

AS_OF = date(2026, 10, 31)
POPULATION = 300
CHUNK = 40
# Features whose PSI the test model's manifest carries (besides the score).
PSI_FEATURES = ("employees", "leverage", "sector")
RESULT_COLUMNS = (
    "enterprise_id, pd, grade, outcome, stage, flags, contagion_score, pd_standalone,"
    " grade_standalone, previous_grade, notches, distress"
)


def _train_artifact(out: Path) -> ModelArtifact:
    """A small but real model: LightGBM on a separate synthetic population, Platt-free."""
    generate(SynthConfig(enterprises=1500, seed=11, default_rate=0.08), out)
    frames = EnterpriseFrames.from_parquet_dir(out)
    features = build_features(frames, AS_OF).to_pandas()
    schema = synthetic_schema(features)
    enterprises = frames.to_pandas("enterprises")
    y = enterprises.set_index("id")["defaulted_12m"].reindex(features.index)
    booster = lgb.train(
        {
            "objective": "binary",
            "num_leaves": 8,
            "learning_rate": 0.1,
            "verbose": -1,
            "seed": 1,
            "deterministic": True,
            "num_threads": 1,
        },
        lgb.Dataset(schema.encode(features).matrix, label=y.to_numpy(dtype=np.float64)),
        num_boost_round=40,
    )
    x = schema.encode(features).matrix
    raw = booster.predict(x)
    baseline: dict[str, Any] = {"score": psi_baseline(np.maximum(raw, 0.0003))}
    # As ml.train does: feature baselines on the encoded model matrix (categories as codes).
    baseline["features"] = {
        name: psi_baseline(x[:, schema.names.index(name)]) for name in PSI_FEATURES
    }
    return ModelArtifact(
        model_text=booster.model_to_string(),
        schema=schema,
        calibration=(1.0, 0.0),
        grade_scale=[[n, u] for n, u in MASTER_SCALE],
        psi_baseline=baseline,
    )


def _register(url: str, artifact: ModelArtifact) -> None:
    blob = artifact_to_bytes(artifact)
    engine = create_engine(url)
    try:
        with Session(engine) as session, session.begin():
            ensure_user(session=session, username="admin", role="admin", display_name="admin")
            loaded = load_ruleset_version(
                session=session, path_or_text=DEFAULT_RULESET_PATH, loaded_by="admin"
            )
            activate_ruleset_version(session=session, version=loaded.version, actor="admin")
            session.add(
                ModelVersion(
                    version=artifact.model_version,
                    manifest=artifact.manifest(),
                    artifact=blob,
                    artifact_sha256=hashlib.sha256(blob).hexdigest(),
                    is_active=True,
                )
            )
    finally:
        engine.dispose()


def clone(template_url: str) -> str:
    """A new database copied from ``template_url`` (which must have no open connections)."""
    name = f"ic_batch_{secrets.token_hex(4)}"
    admin = create_engine(server_admin_url(template_url), isolation_level="AUTOCOMMIT")
    try:
        # A backend of a just-closed connection to the template may take a moment to exit on a
        # busy machine, and the server refuses to copy a database that has sessions.
        for attempt in range(10):
            try:
                with admin.connect() as conn:
                    template = make_url(template_url).database
                    conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                break
            except OperationalError:
                if attempt == 9:
                    raise
                time.sleep(1.0)
    finally:
        admin.dispose()
    return make_url(template_url).set(database=name).render_as_string(hide_password=False)


def _breaker_at_a_core_buyer(url: str) -> None:
    """Equipment downtime of one core enterprise that buys from suppliers of the portfolio jumps
    in the last three months: its circuit breaker makes it a contagion source, so the contagion
    pass always has work, whatever the model and the ruleset decide for the small population
    (the model is trained from the Parquet files, before this change)."""
    sql(
        url,
        "UPDATE alternative_data_monthly SET equipment_downtime_rate = 0.6"
        " WHERE month > :as_of - interval '3 months' AND enterprise_id = ("
        "  SELECT min(c.id) FROM enterprises c"
        "  JOIN supply_links l ON l.counterparty_uscc = c.uscc AND l.role = 'buyer'"
        "  WHERE c.is_core_enterprise AND c.in_portfolio)",
        as_of=AS_OF,
    )


@dataclass
class BatchEnv:
    golden: str
    population_dir: Path
    clones: list[str]

    def database(self, prepare: Callable[[str], None] | None = None) -> str:
        url = clone(self.golden)
        self.clones.append(url)
        if prepare is not None:
            prepare(url)
        return url


@pytest.fixture(scope="session")
def batch_env(
    fresh_database: Callable[[], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BatchEnv]:
    root = tmp_path_factory.mktemp("batch")
    artifact = _train_artifact(root / "train")
    pop = root / "population"
    generate(SynthConfig(enterprises=POPULATION, seed=5, portfolio_share=0.6), pop)
    golden = fresh_database()
    load_population(pop, golden)
    _breaker_at_a_core_buyer(golden)
    _register(golden, artifact)
    env = BatchEnv(golden, pop, [])
    yield env
    for url in env.clones:
        drop_database(url)


def run(url: str, **kw: Any) -> Outcome:
    options = Options(as_of=kw.pop("as_of", AS_OF), chunk_size=kw.pop("chunk_size", CHUNK), **kw)
    return rescore(options, database_url=url, load=_load)


def sql(url: str, query: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(query), params)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def results(url: str, as_of: date = AS_OF) -> list[tuple[Any, ...]]:
    return sql(
        url, f"SELECT {RESULT_COLUMNS} FROM rescore_results WHERE as_of = :d ORDER BY 1", d=as_of
    )
