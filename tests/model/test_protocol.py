"""The training protocol's parts: the one-SE choice, curve rounds, calibration above the PD floor,
DeLong, the scorecard."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from industry_credit.ml.evaluate import auc_difference
from industry_credit.ml.fit import (
    DEFAULT_CANDIDATE,
    DEFAULT_ROUNDS,
    FLOOR_SHARE,
    PD_FLOOR,
    FitConfig,
    InnerResult,
    base_params,
    calibrate,
    evaluate_candidate,
    fit_model,
    fit_platt,
    fit_platt_above_floor,
    inner_splits,
    select,
)
from industry_credit.ml.scorecard import fit_scorecard


def _book(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    x, y, _ = _book_with_truth(n, seed)
    return x, y


def _book_with_truth(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6))
    x[rng.random(n) < 0.05, 1] = np.nan
    z = 1.2 * x[:, 0] - 0.8 * np.nan_to_num(x[:, 1]) + 0.6 * (x[:, 2] > 1) - 2.6
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(np.int64)
    return x, y, z


def _result(name: str, fold_auc: list[float]) -> InnerResult:
    return InnerResult(name, {}, 100, np.asarray(fold_auc), np.zeros(1))


def test_one_se_rule_keeps_the_default_unless_the_gain_is_beyond_the_noise() -> None:
    cfg = FitConfig(inner_folds=5)
    default = _result("default", [0.90, 0.92, 0.88, 0.91, 0.89])
    # Mean gain +0.004, but it flips sign across folds: within the noise.
    noisy = _result("noisy", [0.92, 0.91, 0.90, 0.90, 0.91])
    # Mean gain +0.02 on every fold: beyond the noise.
    steady = _result("steady", [0.92, 0.94, 0.90, 0.93, 0.91])
    chosen, table = select([default, noisy], cfg)
    assert chosen is default
    assert [r["qualifies"] for r in table] == [False, False]
    chosen, table = select([default, noisy, steady], cfg)
    assert chosen is steady
    assert table[2]["gain"] == pytest.approx(0.02)
    # The corrected standard error is larger than the naive sd/sqrt(J) (folds share rows).
    naive = np.std(np.array(noisy.fold_auc) - default.fold_auc, ddof=1) / np.sqrt(5)
    assert table[1]["se"] > naive


def test_rounds_come_from_the_averaged_curve_and_the_default_keeps_its_100() -> None:
    x, y = _book(1500, 1)
    cfg = FitConfig(inner_folds=3, inner_repeats=1, n_jobs=1)
    splits = inner_splits(y, cfg)
    params = {**base_params(cfg, [0] * x.shape[1], len(y)), **DEFAULT_CANDIDATE}
    default, longer = evaluate_candidate(
        ("default", "default+rounds"), x, y, params, [], splits, cfg, DEFAULT_ROUNDS
    )
    assert default.rounds == DEFAULT_ROUNDS
    # On a smooth six-feature signal, 31-leaf trees at 0.1 peak well before 100 rounds.
    assert 1 <= longer.rounds < DEFAULT_ROUNDS
    assert len(default.fold_auc) == len(splits) == 3
    # Out-of-fold margins cover every row once.
    assert np.all(default.oof != 0)


def test_small_books_repeat_the_inner_cv_and_large_ones_do_not() -> None:
    cfg = FitConfig(inner_folds=5, inner_repeats=2, repeat_below=1000)
    assert len(inner_splits(np.array([0, 1] * 400), cfg)) == 10
    assert len(inner_splits(np.array([0, 1] * 600), cfg)) == 5


def test_fit_model_records_its_choice_and_every_candidate() -> None:
    x, y = _book(1200, 2)
    model = fit_model(x, y, [], [0] * x.shape[1], FitConfig(n_jobs=1, inner_repeats=1))
    names = [c["name"] for c in model.tuning["candidates"]]
    assert names == ["default", "default+rounds", "shallow"]
    assert model.tuning["chosen"] in names
    assert model.calib[0] > 0
    assert model.booster.current_iteration() == model.num_rounds


def test_delong_difference_matches_auc_and_the_bootstrap() -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(3000) < 0.1).astype(np.int64)
    p = y + rng.normal(size=3000)
    q = y + 1.3 * rng.normal(size=3000)
    d = auc_difference(y, p, q)
    assert d["diff"] == pytest.approx(roc_auc_score(y, p) - roc_auc_score(y, q))
    boot = []
    for _ in range(300):
        i = rng.integers(0, 3000, 3000)
        boot.append(roc_auc_score(y[i], p[i]) - roc_auc_score(y[i], q[i]))
    assert d["se"] == pytest.approx(np.std(boot), rel=0.2)
    assert d["lo"] < d["diff"] < d["hi"]
    # The same scores: no difference and no width.
    same = auc_difference(y, p, p)
    assert same["diff"] == 0
    assert same["se"] == 0


def test_scorecard_ranks_a_monotone_signal_and_handles_missing_and_categories() -> None:
    x, y, z = _book_with_truth(4000, 3)
    x[:, 5] = np.where(x[:, 2] > 1, 2.0, np.where(x[:, 2] > 0, 1.0, 0.0))  # a category code
    card = fit_scorecard(x[:3000], y[:3000], categorical=[5])
    p = card.predict(x[3000:])
    assert np.all((p > 0) & (p < 1))
    # Within 0.04 of the true log-odds' own AUC on the same rows: ten quantile bins cost ~0.03
    # on a linear signal whose tails carry the defaults (measured: 0.776 against 0.806).
    assert roc_auc_score(y[3000:], p) > roc_auc_score(y[3000:], z[3000:]) - 0.04
    # An unseen category code and a missing value still score.
    odd = x[3000:3002].copy()
    odd[0, 5], odd[1, 0] = 7.0, np.nan
    assert np.all(np.isfinite(card.predict(odd)))


def test_calibration_keeps_all_but_a_sliver_of_the_book_off_the_pd_floor() -> None:
    rng = np.random.default_rng(5)
    y = (rng.random(4000) < 0.07).astype(np.int64)
    # Out-of-fold margins as an overconfident booster gives them: safe firms far below zero.
    oof = np.where(y == 1, rng.normal(1, 2, 4000), rng.normal(-9, 3, 4000))
    reference = oof * 1.6  # the refitted booster's margins, more extreme still
    plain = fit_platt(oof, y)
    on_floor = calibrate(reference, plain) <= PD_FLOOR
    assert on_floor.mean() > 0.2  # the plain fit would tie a fifth of the book
    a, b = fit_platt_above_floor(oof, y, reference)
    assert 0 < a < plain[0]
    assert (calibrate(reference, (a, b)) <= PD_FLOOR).mean() <= FLOOR_SHARE + 1e-9
    # Ranking survives where the plain fit tied: distinct margins keep distinct PDs.
    assert roc_auc_score(y, calibrate(reference, (a, b))) > roc_auc_score(
        y, calibrate(reference, plain)
    )
    # When the floor does not bind (margins that are already honest log-odds), it is the plain
    # Platt fit.
    mild = rng.normal(-3, 1, 4000)
    y_mild = (rng.random(4000) < 1 / (1 + np.exp(-mild))).astype(np.int64)
    assert fit_platt_above_floor(mild, y_mild, mild) == fit_platt(mild, y_mild)
