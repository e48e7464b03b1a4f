"""Backtesting and shadow scoring on a synthetic population with its ground-truth outcomes.

One population is rescored nightly with the champion, and in shadow with two challengers in
turn: one trained on three weak features, one with the champion's PDs doubled. The seeded
credit events then decide: the weak challenger ranks below the champion, the doubled one is
red by the Jeffreys test where the defaults are, and the champion passes. Shadow scoring
changes no stored result.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from industry_credit.audit.service import Actor
from industry_credit.auth.users import ensure_user
from industry_credit.batch.cli import _load
from industry_credit.batch.runner import Options, Outcome, rescore
from industry_credit.decisions.governance import set_challenger
from industry_credit.decisions.registry import activate_model
from industry_credit.enterprises.ingest import ingest_file
from industry_credit.governance.backtest import BacktestParams, run_backtest
from industry_credit.rules.loading import DEFAULT_RULESET_PATH
from industry_credit.rules.versions import activate_ruleset_version, load_ruleset_version
from industry_credit.synth.config import SynthConfig
from industry_credit.synth.generate import generate
from industry_credit.synth.load import load_population
from industry_credit.synth.outcomes import write_outcomes
from tests.factories import governance as models

AS_OF = models.AS_OF
OUTCOMES_KNOWN = date(2027, 10, 31)
CLI = (sys.executable, "-m", "industry_credit.cli", "models")
RESULTS = "SELECT enterprise_id, pd, grade, outcome, flags FROM rescore_results ORDER BY 1"


@dataclass
class World:
    url: str
    champion: str
    weak: str
    doubled: str

    def sql(self, query: str, **params: Any) -> list[tuple[Any, ...]]:
        engine = create_engine(self.url)
        try:
            with engine.begin() as conn:
                result = conn.execute(text(query), params)
                return [tuple(r) for r in result] if result.returns_rows else []
        finally:
            engine.dispose()

    def session(self) -> Session:
        return Session(create_engine(self.url))

    def rescore(self, force: bool = False) -> Outcome:
        options = Options(as_of=AS_OF, chunk_size=400, force=force)
        outcome = rescore(options, database_url=self.url, load=_load)
        assert outcome.status == "succeeded"
        return outcome

    def challenger(self, version: str | None) -> None:
        with self.session() as s, s.begin():
            set_challenger(session=s, version=version, by="admin_a")

    def backtest(self, version: str) -> tuple[int, dict[str, Any]]:
        with self.session() as s, s.begin():
            return run_backtest(s, BacktestParams(version, AS_OF, AS_OF, 12, OUTCOMES_KNOWN))


@pytest.fixture(scope="module")
def world(fresh_database: Callable[[], str], tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("governance")
    champion = models.train(root)
    weak = models.train(root, features=models.WEAK_FEATURES)
    population = root / "population"
    generate(
        SynthConfig(enterprises=2500, seed=21, default_rate=0.08, portfolio_share=1.0), population
    )
    url = fresh_database()
    load_population(population, url)
    engine = create_engine(url)
    with Session(engine) as s, s.begin():
        for name in ("admin_a", "admin_b"):
            ensure_user(session=s, username=name, role="admin", display_name=name)
        loaded = load_ruleset_version(
            session=s, path_or_text=DEFAULT_RULESET_PATH, loaded_by="admin_a"
        )
        activate_ruleset_version(session=s, version=loaded.version, actor="admin_a")
        versions = [models.register(s, a) for a in (champion, weak, models.scaled(champion, 2.0))]
        activate_model(session=s, version=versions[0], by="admin_a")
        report = ingest_file(
            session=s, path=write_outcomes(population), actor=Actor("admin_a", "admin")
        )
        assert report.ok, report.rejected
    engine.dispose()
    return World(url, *versions)


def test_shadow_scoring_changes_no_stored_result(world: World) -> None:
    world.challenger(None)
    world.rescore()
    alone = world.sql(RESULTS)
    world.challenger(world.weak)
    world.rescore(force=True)
    assert world.sql(RESULTS) == alone
    shadow = world.sql(
        "SELECT s.enterprise_id, s.champion_pd, s.champion_grade, s.champion_outcome,"
        " s.challenger_version FROM shadow_scores s JOIN batch_runs b ON b.id = s.run_id"
        " WHERE b.status = 'succeeded' ORDER BY 1"
    )
    assert [r[:4] for r in shadow] == [r[:4] for r in alone]
    assert {r[4] for r in shadow} == {world.weak}


def test_weak_challenger_ranks_below_the_champion_which_passes(world: World) -> None:
    world.challenger(world.weak)
    world.rescore(force=True)
    _, champion = world.backtest(world.champion)
    _, weak = world.backtest(world.weak)
    (rated,) = world.sql("SELECT count(*) FROM rescore_results")[0]
    assert champion["observations"] == weak["observations"] == rated > 2000
    assert champion["defaults"] == weak["defaults"] > 100
    assert champion["discrimination"]["auc"] > weak["discrimination"]["auc"] + 0.05
    assert champion["discrimination"]["auc_lo"] > weak["discrimination"]["auc"]
    assert champion["red_grades"] == []
    assert champion["portfolio"]["light"] != "red"
    assert champion["hosmer_lemeshow"]["p_value"] > 0.01


def test_doubled_pd_is_red_where_the_defaults_are(world: World) -> None:
    world.challenger(world.doubled)
    world.rescore(force=True)
    report_id, doubled = world.backtest(world.doubled)
    assert doubled["portfolio"]["light"] == "red"
    assert doubled["portfolio"]["p_over"] < 0.01
    # Where it matters: the grade with the most defaults is red, and the red grades hold most
    # of the defaults (grades with few defaults cannot show the bias significantly).
    grades = doubled["grades"]
    assert max(grades, key=lambda g: g["defaults"])["light"] == "red"
    red_defaults = sum(g["defaults"] for g in grades if g["light"] == "red")
    assert red_defaults > doubled["defaults"] / 2
    assert all(g["observed_dr"] < g["mean_pd"] for g in grades if g["light"] == "red")
    # The nightly report carries the champion's latest backtest and the challenger's count.
    champion_report, _ = world.backtest(world.champion)
    # The summary line names the champion's red grades of its latest backtest: none.
    assert "backtest_red_grades=-" in world.rescore(force=True).summary(AS_OF)
    (report,) = world.sql(
        "SELECT report FROM batch_runs WHERE status = 'succeeded' AND as_of = :d", d=AS_OF
    )[0]
    governance = report["model_governance"]
    assert governance["backtest"]["report_id"] == champion_report != report_id
    assert governance["challenger"]["challenger_version"] == world.doubled
    assert (
        governance["challenger"]["scored"]
        == world.sql("SELECT count(*) FROM rescore_results")[0][0]
    )


def _cli(world: World, *args: str) -> str:
    done = subprocess.run(
        [*CLI, *args],
        env={**os.environ, "DATABASE_URL": world.url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_compare_then_promote_under_four_eyes(world: World, tmp_path: Path) -> None:
    world.challenger(world.weak)
    world.rescore(force=True)
    out = _cli(
        world,
        "compare",
        "--challenger",
        world.weak,
        "--as-of",
        OUTCOMES_KNOWN.isoformat(),
        "--json",
        str(tmp_path / "compare.json"),
        "--html",
        str(tmp_path / "compare.html"),
    )
    report = json.loads((tmp_path / "compare.json").read_text())
    assert f"compare report {report['report_id']}:" in out
    (rated,) = world.sql("SELECT count(*) FROM rescore_results")[0]
    assert report["cases"] == rated
    assert sum(c["count"] for c in report["swap_set"]) == rated
    assert sum(c["exposure"] for c in report["swap_set"]) > 0
    assert report["psi"] > 0.1  # three weak features spread PDs nothing like the champion
    auc = report["outcomes"]["discrimination"]
    assert auc["champion_auc"] > auc["challenger_auc"]
    assert auc["diff_hi"] < 0  # DeLong: the challenger is significantly worse
    assert report["model_version"] == world.champion
    assert '<meta charset="utf-8">' in (tmp_path / "compare.html").read_text()

    out = _cli(
        world,
        "backtest",
        "--cohort-from",
        AS_OF.isoformat(),
        "--cohort-to",
        AS_OF.isoformat(),
        "--as-of",
        OUTCOMES_KNOWN.isoformat(),
        "--html",
        str(tmp_path / "backtest.html"),
    )
    assert "red_grades=none" in out
    assert "Calibration per grade" in (tmp_path / "backtest.html").read_text()

    # A weak challenger would never pass review, but the mechanics are what is tested here.
    proposed = _cli(
        world,
        "activate",
        world.weak[:12],
        "--report",
        str(report["report_id"]),
        "--actor",
        "admin_a",
    )
    assert "proposed:" in proposed
    same = subprocess.run(
        [*CLI, "activate", world.weak[:12], "--actor", "admin_a"],
        env={**os.environ, "DATABASE_URL": world.url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert same.returncode == 3, same.stderr
    assert "may not also approve" in same.stderr
    # Withdrawn here so the other tests keep the champion (admin_b's approval is tested with
    # the service in test_model_promotion.py).
    assert "withdrawn" in _cli(world, "withdraw", world.weak[:12], "--actor", "admin_b")
