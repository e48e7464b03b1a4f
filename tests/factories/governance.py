"""Small but real models for the governance tests, trained in a second on synthetic data.

``champion``: LightGBM on every feature of one population, Platt-calibrated on a second one.
``fewer_features``: the same recipe on three weak features only. ``scaled``: the champion with
its PDs multiplied by about ``factor`` (the calibration intercept moved by ln factor).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import replace
from datetime import date
from pathlib import Path

import lightgbm as lgb
import numpy as np
from sqlalchemy.orm import Session

from industry_credit.db.models import ModelVersion
from industry_credit.ml.artifact import ModelArtifact, artifact_to_bytes
from industry_credit.ml.data import synthetic_schema
from industry_credit.ml.features import build_features
from industry_credit.ml.fit import fit_platt, raw_margin
from industry_credit.ml.frames import EnterpriseFrames
from industry_credit.ml.grades import MASTER_SCALE
from industry_credit.ml.schema import FeatureSchema
from industry_credit.synth.config import SynthConfig
from industry_credit.synth.generate import generate

AS_OF = date(2026, 10, 31)
WEAK_FEATURES = ("employees", "sector", "district")


def _matrix(
    path: Path, schema: FeatureSchema | None
) -> tuple[np.ndarray, np.ndarray, FeatureSchema]:
    frames = EnterpriseFrames.from_parquet_dir(path)
    features = build_features(frames, AS_OF).to_pandas()
    full = schema or synthetic_schema(features)
    y = frames.to_pandas("enterprises").set_index("id")["defaulted_12m"].reindex(features.index)
    return full.encode(features).matrix, y.to_numpy(dtype=np.float64), full


def train(root: Path, features: tuple[str, ...] | None = None, rounds: int = 30) -> ModelArtifact:
    """Train on one population of ``root`` and calibrate on another (both generated once)."""
    train_dir, calib_dir = root / "train", root / "calibrate"
    if not train_dir.exists():
        generate(SynthConfig(enterprises=2000, seed=11, default_rate=0.08), train_dir)
        generate(SynthConfig(enterprises=2000, seed=12, default_rate=0.08), calib_dir)
    x, y, schema = _matrix(train_dir, None)
    xc, yc, _ = _matrix(calib_dir, schema)
    if features is not None:
        keep = [schema.names.index(name) for name in features]
        schema = FeatureSchema([schema.specs[i] for i in keep])
        x, xc = x[:, keep], xc[:, keep]
    booster = lgb.train(
        {
            "objective": "binary",
            "num_leaves": 8,
            "learning_rate": 0.08,
            "min_data_in_leaf": 40,
            "verbose": -1,
            "seed": 1,
            "deterministic": True,
            "num_threads": 1,
        },
        lgb.Dataset(x, label=y, categorical_feature=schema.categorical_indices),
        num_boost_round=rounds,
    )
    return ModelArtifact(
        model_text=booster.model_to_string(),
        schema=schema,
        calibration=fit_platt(raw_margin(booster, xc, 1), yc),
        grade_scale=[[n, u] for n, u in MASTER_SCALE],
    )


def scaled(artifact: ModelArtifact, factor: float) -> ModelArtifact:
    a, b = artifact.calibration
    return replace(artifact, calibration=(a, b + math.log(factor)))


def register(session: Session, artifact: ModelArtifact) -> str:
    blob = artifact_to_bytes(artifact)
    session.add(
        ModelVersion(
            version=artifact.model_version,
            manifest=artifact.manifest(),
            artifact=blob,
            artifact_sha256=hashlib.sha256(blob).hexdigest(),
        )
    )
    session.flush()
    return artifact.model_version
