"""Fixtures for model tests: a small synthetic population and a model trained on it once."""

from __future__ import annotations

from pathlib import Path

import pytest

from industry_credit.ml.artifact import ModelArtifact, load_artifact

SMALL_POPULATION = 3000


@pytest.fixture(scope="session")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from industry_credit.synth.config import SynthConfig
    from industry_credit.synth.generate import generate

    out = tmp_path_factory.mktemp("population")
    generate(SynthConfig(enterprises=SMALL_POPULATION, seed=4242, default_rate=0.05), out)
    return out


@pytest.fixture(scope="session")
def trained(population: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fast end-to-end test: ``industry-credit train`` on the small population."""
    from typer.testing import CliRunner

    from industry_credit.cli import app

    out = tmp_path_factory.mktemp("model")
    args = ["train", "--data", str(population), "--target", "defaulted_12m", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def artifact(trained: Path) -> ModelArtifact:
    return load_artifact(trained)
