"""The backtest's statistics on arrays whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import beta

from industry_credit.governance import stats
from industry_credit.governance.backtest import evaluate_cohort
from industry_credit.governance.cohort import Cohort


def test_jeffreys_is_the_beta_posterior_at_the_mean_pd() -> None:
    under, over = stats.jeffreys(n=200, defaults=10, mean_pd=0.02)
    assert under == pytest.approx(beta.cdf(0.02, 10.5, 190.5))
    assert under + over == pytest.approx(1.0)
    assert under < stats.RED_P  # 5% observed against a 2% PD: the PD is too low
    assert stats.light(under, over) == "red"


@pytest.mark.parametrize(
    ("p_under", "p_over", "expected"),
    [(0.5, 0.5, "green"), (0.04, 0.96, "yellow"), (0.009, 0.991, "red"), (0.995, 0.005, "red")],
)
def test_traffic_light_thresholds(p_under: float, p_over: float, expected: str) -> None:
    assert stats.light(p_under, p_over) == expected


def _cohort(y: np.ndarray, p: np.ndarray) -> Cohort:
    from industry_credit.ml.grades import GradeScale

    n = len(y)
    return Cohort(
        enterprise_id=np.arange(n),
        pd=p,
        grade=GradeScale().grade(p),
        from_decision=np.ones(n, dtype=bool),
        defaulted=y.astype(bool),
        overridden=np.arange(n) % 10 == 0,
    )


def test_calibrated_pds_pass_and_halved_ones_fail() -> None:
    rng = np.random.default_rng(3)
    p = 1 / (1 + np.exp(-rng.normal(-3.0, 1.0, 20_000)))
    y = (rng.random(len(p)) < p).astype(np.int64)
    good = evaluate_cohort(_cohort(y, p))
    assert good["red_grades"] == []
    assert good["portfolio"]["light"] != "red"
    assert good["hosmer_lemeshow"]["p_value"] > 0.01
    assert good["discrimination"]["auc_lo"] < good["discrimination"]["auc"]
    halved = evaluate_cohort(_cohort(y, p / 2))
    assert halved["portfolio"]["p_under"] < 1e-6
    assert halved["red_grades"]
    overrides = good["overrides"]
    assert overrides["override_rate"] == pytest.approx(0.1)
    assert overrides["overridden"] == 2000


def test_an_empty_cohort_has_no_figures() -> None:
    empty = evaluate_cohort(_cohort(np.zeros(0, dtype=np.int64), np.zeros(0)))
    assert empty["observations"] == 0
    assert empty["discrimination"] is None
    assert empty["grades"] == []
