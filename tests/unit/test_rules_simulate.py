"""Policy simulation over a scored population file, and the CLI commands that need no database."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from industry_credit.cli import app
from industry_credit.rules import default_ruleset, load_ruleset
from industry_credit.rules.loading import DEFAULT_RULESET_PATH
from industry_credit.rules.sample import random_scored_frame
from industry_credit.rules.simulate import format_report, simulate

SOURCE = DEFAULT_RULESET_PATH.read_text(encoding="utf-8")
STRICTER = SOURCE.replace("import_dependency_max: 0.50", "import_dependency_max: 0.20")


def population(n: int = 3000) -> pd.DataFrame:
    """Random scored rows with a default outcome drawn from each row's PD."""
    frame = random_scored_frame(n, seed=11)
    frame["defaulted_12m"] = np.random.default_rng(2).random(n) < frame["pd"].to_numpy()
    return frame


def test_same_ruleset_changes_nothing() -> None:
    frame = population()
    report = simulate(default_ruleset(), default_ruleset(), frame, source="test")
    assert report["changes"]["rates"] == {"approve": 0.0, "refer": 0.0, "decline": 0.0}
    assert report["changes"]["outcome_transitions"] == {}
    assert report["changes"]["product_mix"] == {}
    assert report["baseline"]["default_rate_approved"] is not None


def test_stricter_import_threshold_moves_approvals_to_referral() -> None:
    frame = population()
    report = simulate(load_ruleset(STRICTER), default_ruleset(), frame, source="test")
    moves = report["changes"]["outcome_transitions"]
    assert moves.get("approve->refer", 0) > 0
    assert set(moves) <= {"approve->refer"}
    assert report["changes"]["rates"]["approve"] < 0
    assert report["changes"]["limit_total_approved"] < 0
    table = format_report(report)
    assert "approve rate" in table
    assert "outcome changes: approve->refer" in table


def test_cli_validate_and_simulate_files(tmp_path: Path) -> None:
    frame = population(1000)
    data = tmp_path / "scored.parquet"
    frame.to_parquet(data)
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text(STRICTER, encoding="utf-8")
    runner = CliRunner()
    ok = runner.invoke(app, ["rules", "validate", str(candidate)])
    assert ok.exit_code == 0, ok.output
    assert load_ruleset(STRICTER).version in ok.output
    out = tmp_path / "report.json"
    result = runner.invoke(
        app,
        [
            "rules",
            "simulate",
            "--ruleset",
            str(candidate),
            "--against",
            str(DEFAULT_RULESET_PATH),
            "--data",
            str(tmp_path),
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "policy simulation over 1000 rows" in result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["candidate"]["version"] == load_ruleset(STRICTER).version
    assert report["n"] == 1000


def test_cli_reports_an_invalid_ruleset(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        SOURCE.replace(
            "op: is_true}\n    then: {decline: green", "op: truthy}\n    then: {decline: green"
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["rules", "validate", str(bad)])
    assert result.exit_code == 1
    assert "KO-GREEN-COMPLIANCE: unknown operator 'truthy'" in result.output


def test_flags_are_measured_against_known_outcomes_for_both_rulesets() -> None:
    frame = population()
    looser = load_ruleset(
        SOURCE.replace("  downtime_jump_max: 0.20\n", "  downtime_jump_max: 0.05\n")
    )
    report = simulate(looser, default_ruleset(), frame, source="test")
    # The default threshold may flag none of these random rows: then the flag is absent.
    base = report["flag_quality"]["baseline"].get(
        "circuit_breaker_downtime", {"flagged": 0, "recall": 0.0}
    )
    cand = report["flag_quality"]["candidate"]["circuit_breaker_downtime"]
    y = frame["defaulted_12m"].to_numpy(bool)
    hit = frame["downtime_jump"].to_numpy(float) > 0.05
    assert cand["flagged"] == int(hit.sum()) > base["flagged"]
    assert cand["precision"] == round(float(y[hit].mean()), 6)
    assert cand["recall"] == round(float(y[hit].sum() / y.sum()), 6)
    assert cand["recall"] >= base["recall"]
    assert "circuit_breaker_downtime" in format_report(report)


def test_a_synthetic_population_is_scored_and_replayed() -> None:
    """``--data`` may name a synthetic population: its firms are decided with the model and
    both rulesets replay the same scored rows (issue 22's before/after figures come from it)."""
    from datetime import date

    from industry_credit.config import PROJECT_ROOT
    from industry_credit.rules.population import is_population, score_population

    path = PROJECT_ROOT / "data" / "seeds" / "population"
    assert is_population(path)
    scored = score_population(
        path,
        model_dir=PROJECT_ROOT / "data" / "model",
        ruleset=default_ruleset(),
        as_of=date(2026, 11, 1),
        limit=40,
    )
    assert len(scored) == 40
    assert scored["pd"].between(0, 1).all()
    report = simulate(load_ruleset(STRICTER), default_ruleset(), scored, source=str(path))
    assert report["n"] == 40
    assert sum(report["candidate"]["rates"].values()) == pytest.approx(1.0)
    assert report["candidate"]["rates"]["approve"] <= report["baseline"]["rates"]["approve"]
