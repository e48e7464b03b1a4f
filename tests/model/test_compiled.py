"""The optional compiled predictor (lleaves) agrees with LightGBM to 1e-9 and caches its code."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from industry_credit.ml.artifact import ModelArtifact
from industry_credit.ml.compiled import CompiledForest
from industry_credit.ml.data import infer_as_of
from industry_credit.ml.features import build_features
from industry_credit.ml.frames import EnterpriseFrames
from industry_credit.ml.scorer import Scorer

TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def matrix(population: Path, artifact: ModelArtifact) -> np.ndarray:
    frames = EnterpriseFrames.from_parquet_dir(population)
    features = build_features(frames, infer_as_of(frames, population))
    x = artifact.schema.encode(features).matrix
    # Missing values everywhere (numeric, boolean and category columns) take LightGBM's
    # default-direction branches: the compiled code must take the same ones.
    rng = np.random.default_rng(11)
    holes = x.copy()
    holes[rng.random(x.shape) < 0.2] = np.nan
    return np.vstack([x, holes])


def test_compiled_probabilities_match_lightgbm(
    artifact: ModelArtifact, matrix: np.ndarray, tmp_path: Path
) -> None:
    scorer = Scorer(artifact)
    expected = scorer.booster.predict(matrix, num_threads=1)
    compiled = CompiledForest(artifact.model_text, artifact.model_version, tmp_path)
    for threads in (1, 2):
        got = compiled.predict(matrix, threads)
        assert np.max(np.abs(got - expected)) <= TOLERANCE
    assert np.max(np.abs(compiled.predict(matrix[:1], 1) - expected[:1])) <= TOLERANCE


def test_scorer_option_matches_and_reuses_the_cache(
    artifact: ModelArtifact, matrix: np.ndarray, population: Path, tmp_path: Path
) -> None:
    frames = EnterpriseFrames.from_parquet_dir(population)
    features = build_features(frames, infer_as_of(frames, population))
    plain = Scorer(artifact).score(features)
    first = Scorer(artifact, compiled_cache=tmp_path).score(features)
    cached = list(tmp_path.glob("*.o"))
    assert len(cached) == 1
    assert artifact.model_version in cached[0].name
    modified = cached[0].stat().st_mtime_ns
    again = Scorer(artifact, compiled_cache=tmp_path).score(features)
    assert cached[0].stat().st_mtime_ns == modified, "the cached code must be loaded, not rebuilt"
    assert not list(tmp_path.glob("*.partial"))
    for out in (first, again):
        assert np.max(np.abs(out["pd"].to_numpy() - plain["pd"].to_numpy())) <= TOLERANCE
        pd.testing.assert_series_equal(out["grade"], plain["grade"])
