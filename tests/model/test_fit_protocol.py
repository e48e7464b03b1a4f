"""The training protocol in ``ml/fit.py``: default unless a challenger wins beyond the noise,
calibration kept off the PD floor. Tiny books, so the tests stay quick."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from industry_credit.ml.calibration import PD_FLOOR, calibrate
from industry_credit.ml.fit import (
    DEFAULT,
    Candidate,
    FitConfig,
    _InnerCV,
    choose,
    fit_model,
    fit_platt,
    fit_platt_above_floor,
)


def _book(n: int, seed: int, signal: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    z = signal * (x[:, 0] - 0.7 * x[:, 1]) - 2.2
    return x, (rng.random(n) < 1 / (1 + np.exp(-z))).astype(np.int64)


def test_platt_above_floor_keeps_the_safe_firms_apart() -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(2000) < 0.05).astype(np.int64)
    oof = 2.0 * y + rng.normal(size=2000) - 3.0
    # The final booster's own margins: far more extreme than the out-of-fold ones.
    final = 6.0 * (2.0 * y + rng.normal(size=2000)) - 12.0
    plain = fit_platt(oof, y)
    assert np.mean(calibrate(final, plain) == PD_FLOOR) > 0.2
    a, b = fit_platt_above_floor(oof, y, final)
    assert 0 < a < plain[0]
    assert np.mean(calibrate(final, (a, b)) == PD_FLOOR) <= 0.006
    # Where the plain fit floors nobody, it is kept as it is.
    assert fit_platt_above_floor(oof, y, oof / 4) == plain


def test_one_se_rule_keeps_the_default_against_an_equal_challenger() -> None:
    x, y = _book(600, 1, 1.0)
    cfg = FitConfig()
    inner = _InnerCV(
        x, y, [], {"objective": "binary", "verbosity": -1, "seed": 1, "num_threads": 1}, cfg
    )
    assert len(inner.splits) == cfg.inner_folds * cfg.inner_repeats  # a small book repeats
    twin = Candidate("twin", {"seed": 2, "bagging_fraction": 0.99, "bagging_freq": 1}, 100)
    worse = Candidate("worse", {"num_leaves": 2, "learning_rate": 0.001}, 10)
    for c in (DEFAULT, twin, worse):
        inner.score(c)
    chosen, table = choose(inner, [DEFAULT, twin, worse])
    assert chosen is DEFAULT
    assert table["worse"]["gain"] < 0
    gain, se = inner.gain(twin)
    assert se > 0
    assert table["twin"] == {"gain": gain, "se": se}


def test_a_challenger_that_wins_beyond_the_noise_is_chosen() -> None:
    # An additive signal on few rows: shallow slow trees beat LightGBM's 31-leaf defaults.
    x, y = _book(800, 2, 2.0)
    model = fit_model(x, y, [], [], FitConfig(challengers=("smooth",)))
    t = model.tuning
    assert t["gain_over_default"]["smooth"]["gain"] > t["gain_over_default"]["smooth"]["se"]
    assert t["chosen"] == "smooth"
    assert model.num_rounds == 300
    assert model.params["num_leaves"] == 7
    p = model.predict(x)
    assert np.all((p >= PD_FLOOR) & (p < 1))
    # Without challengers the model is LightGBM's default configuration.
    plain = fit_model(x, y, [], [], replace(FitConfig(), challengers=()))
    assert plain.tuning["chosen"] == "default"
    assert plain.num_rounds == 100
