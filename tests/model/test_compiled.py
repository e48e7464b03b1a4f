"""The compiled predictor (lleaves) gives LightGBM's raw margins bit for bit and caches its code."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from industry_credit.ml.artifact import ModelArtifact
from industry_credit.ml.compiled import CompiledForest
from industry_credit.ml.data import infer_as_of
from industry_credit.ml.features import build_features
from industry_credit.ml.frames import EnterpriseFrames
from industry_credit.ml.scorer import Scorer


@pytest.fixture(scope="module")
def matrix(population: Path, artifact: ModelArtifact) -> np.ndarray:
    frames = EnterpriseFrames.from_parquet_dir(population)
    features = build_features(frames, infer_as_of(frames, population))
    x = artifact.schema.encode_columns(features.columns, len(features)).matrix
    # Missing values everywhere (numeric, boolean and category columns) take LightGBM's
    # default-direction branches: the compiled code must take the same ones.
    rng = np.random.default_rng(11)
    holes = x.copy()
    holes[rng.random(x.shape) < 0.2] = np.nan
    return np.vstack([x, holes])


def test_compiled_margins_are_lightgbm_bits(
    artifact: ModelArtifact, matrix: np.ndarray, tmp_path: Path
) -> None:
    scorer = Scorer(artifact)
    expected = scorer.booster.predict(matrix, num_threads=1, raw_score=True)
    compiled = CompiledForest(artifact.model_text, artifact.model_version, tmp_path)
    for threads in (1, 2):
        np.testing.assert_array_equal(compiled.predict(matrix, threads), expected)
    np.testing.assert_array_equal(compiled.predict(matrix[:1], 1), expected[:1])


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
        np.testing.assert_array_equal(out.pd, plain.pd)
        np.testing.assert_array_equal(out.grade, plain.grade)
