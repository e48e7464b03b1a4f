"""Trained-model properties: report contents, monotonicity, determinism, reasons, artifacts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from industry_credit.ml.artifact import (
    ArtifactError,
    ModelArtifact,
    artifact_from_bytes,
    artifact_to_bytes,
    load_artifact,
    save_artifact,
)
from industry_credit.ml.data import infer_as_of
from industry_credit.ml.features import build_features
from industry_credit.ml.frames import EnterpriseFrames
from industry_credit.ml.monotone import MONOTONE
from industry_credit.ml.scorer import Scorer


@pytest.fixture(scope="module")
def features(population: Path) -> pd.DataFrame:
    frames = EnterpriseFrames.from_parquet_dir(population)
    return build_features(frames, infer_as_of(frames, population)).to_pandas().iloc[:500]


def test_report_has_required_content(trained: Path) -> None:
    report = json.loads((trained / "report.json").read_text())
    for key in ("auc", "gini", "ks", "brier", "logloss", "oracle_auc", "model_oracle_ratio"):
        assert np.isfinite(report["metrics"][key]), key
    assert report["metrics"]["auc"] > 0.7
    assert len(report["calibration"]) == 10
    assert {r["grade"] for r in report["grades"]} >= {"AAA", "BBB", "C"}
    shap = [row["mean_abs_shap"] for row in report["importance"]]
    # Every feature is listed with a non-negative mean |SHAP|, and the model uses some of them.
    assert min(shap) >= 0
    assert max(shap) > 0.01
    assert "score" in report["psi"]
    assert "leverage" in report["psi"]["features"]
    assert report["monotone_constraints"]["leverage"]["direction"] == 1
    assert len(report["data_sha256"]) == 64
    html = (trained / "report.html").read_text()
    # ROC, KS, calibration, and the AUC differences to default LightGBM and the scorecard.
    assert html.count("<svg") == 4
    assert "AUC difference" in html
    assert "Calibration" in html


@pytest.mark.parametrize("which", ["trained here", "committed default"])
def test_monotone_features_never_lower_pd(
    which: str, artifact: ModelArtifact, features: pd.DataFrame
) -> None:
    """10,000 random worsenings of a monotone feature: the PD never goes down."""
    scorer = Scorer(artifact) if which == "trained here" else Scorer.from_artifact()
    x = scorer.schema.encode(features).matrix
    names = scorer.features
    mono = [(names.index(f), d) for f, (d, _) in MONOTONE.items() if f in names]
    rng = np.random.default_rng(1)
    n = 10_000
    rows = x[rng.integers(0, len(x), n)].copy()
    pick = rng.integers(0, len(mono), n)
    cols = np.array([mono[p][0] for p in pick])
    dirs = np.array([mono[p][1] for p in pick], dtype=float)
    finite = np.where(np.isnan(x), 0.0, x)  # all-NaN columns (no market plans) get 0
    spread = finite.std(axis=0)[cols]
    current = rows[np.arange(n), cols]
    fill = np.median(finite, axis=0)[cols]
    rows[np.arange(n), cols] = np.where(np.isnan(current), fill, current)
    worse = rows.copy()
    step = (
        np.abs(rng.normal(size=n)) * np.where(spread > 0, spread, 1.0) * rng.choice([0.01, 1, 5], n)
    )
    worse[np.arange(n), cols] += dirs * step
    before, after = scorer.predict_matrix(rows), scorer.predict_matrix(worse)
    assert (after >= before).all(), np.flatnonzero(after < before)[:5]


def test_scores_are_deterministic_and_batch_independent(
    artifact: ModelArtifact, features: pd.DataFrame
) -> None:
    scorer = Scorer(artifact)
    a = scorer.score(features).to_pandas()
    b = Scorer(artifact).score(features).to_pandas()
    assert np.array_equal(a["pd"].to_numpy(), b["pd"].to_numpy())
    one = scorer.score(features.iloc[[7]]).to_pandas()
    assert one["pd"].iloc[0] == a["pd"].iloc[7]
    assert ((a["pd"] > 0) & (a["pd"] < 1)).all()


def test_irrelevant_input_column_changes_nothing(
    artifact: ModelArtifact, features: pd.DataFrame
) -> None:
    scorer = Scorer(artifact)
    extra = features.assign(favourite_colour="teal", noise=np.arange(len(features)))
    pd.testing.assert_frame_equal(
        scorer.score(features).to_pandas(), scorer.score(extra).to_pandas()
    )


def test_reasons_are_specific_and_push_pd_up(
    artifact: ModelArtifact, features: pd.DataFrame
) -> None:
    scored = Scorer(artifact).score(features.iloc[:50], with_shap=True).to_pandas()
    assert scored["reasons"].map(len).max() <= 4
    worst = scored.sort_values("pd").iloc[-1]["reasons"]
    assert worst, "the riskiest firm must have reasons"
    contribs = [r["contribution"] for r in worst]
    assert contribs == sorted(contribs, reverse=True)
    assert min(contribs) > 0
    for r in worst:
        assert r["zh"]
        assert r["en"]
        assert r["feature"] in features.columns
        assert r["en"] != r["feature"]


def test_unseen_category_is_reported(artifact: ModelArtifact, features: pd.DataFrame) -> None:
    rows = features.iloc[:3].copy()
    rows["district"] = rows["district"].cat.add_categories(["hongkou"])
    rows.iloc[0, rows.columns.get_loc("district")] = "hongkou"
    out = Scorer(artifact).score(rows).to_pandas()
    assert out["unseen"].iloc[0] == "district=hongkou"
    assert out["unseen"].iloc[1] == ""


def test_artifact_round_trips_and_verifies(artifact: ModelArtifact, tmp_path: Path) -> None:
    data = artifact_to_bytes(artifact)
    assert artifact_to_bytes(artifact_from_bytes(data)) == data
    again = load_artifact(save_artifact(artifact_from_bytes(data), tmp_path / "a"))
    assert again.model_version == artifact.model_version
    assert len(artifact.model_version) == 16
    model = tmp_path / "a" / "model.txt"
    model.write_text(model.read_text().replace("Tree=0", "Tree=00", 1))
    with pytest.raises(ArtifactError, match="SHA-256"):
        load_artifact(tmp_path / "a")
    (tmp_path / "a" / "manifest.json").unlink()
    with pytest.raises(ArtifactError, match=r"manifest\.json is missing"):
        load_artifact(tmp_path / "a")
    with pytest.raises(ArtifactError, match="does not exist"):
        load_artifact(tmp_path / "nowhere")
    with pytest.raises(ArtifactError, match="not a valid tar"):
        artifact_from_bytes(b"garbage")
