"""Fitting one calibrated LightGBM model on a training set, with every choice made inside that set.

Protocol (everything below sees only the rows it is given, i.e. the training fold):
1. Candidates: LightGBM's own defaults (the reference a bank gets without tuning) and at most
   two fixed challengers chosen before any data was seen: ``smooth`` (shallow trees, slower
   learning, subsampling: additive signals on small books) and ``averaged`` (slower learning
   with heavy feature and row subsampling: variance reduction on noisy ratios). Optional TPE
   trials (``n_trials``) add tuned candidates; none by default, because the best of many noisy
   inner scores is not the best configuration (the winner's curse cost 0.004 AUC on an unseen
   book).
2. Every candidate runs a fixed number of rounds (no early stopping, so small books are not
   starved and no validation fold steers the fit) on the same repeated stratified inner folds.
3. A one-standard-error rule: a challenger replaces the default only if its mean paired inner
   AUC gain exceeds its standard error, with Nadeau and Bengio's correction (inner folds share
   training rows, so the naive SE is too small). Ties go to the default.
4. The chosen candidate's out-of-fold margins of the first repetition are the calibration set:
   Platt scaling, kept off the PD floor (``fit_platt_above_floor``). Platt rather than isotonic
   because it is strictly increasing: isotonic steps tie firms the model ranks apart.
5. The final booster is the chosen candidate trained on all rows.
Large sets choose on a stratified subsample of ``tune_rows`` rows and cross-fit the calibrator
on all rows. Calibration is stored as two numbers (slope, intercept) and applied to the raw
margin with ``industry_credit.numerics``; the slope is positive, so monotone constraints survive.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold

from industry_credit.ml.calibration import PD_FLOOR, calibrate, clipped, raw_margin

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Candidate:
    name: str
    params: dict[str, Any]  # over LightGBM's defaults
    rounds: int


# LightGBM's defaults: learning rate 0.1, 31 leaves, 20 rows per leaf, no subsampling, no L2.
DEFAULT = Candidate("default", {}, 100)
CHALLENGERS: dict[str, Candidate] = {
    "smooth": Candidate(
        "smooth",
        {
            "learning_rate": 0.05,
            "num_leaves": 7,
            "min_child_samples": 50,
            "feature_fraction": 0.7,
            "bagging_fraction": 0.8,
            "lambda_l2": 1.0,
        },
        300,
    ),
    "averaged": Candidate(
        "averaged",
        {"learning_rate": 0.05, "feature_fraction": 0.5, "bagging_fraction": 0.8},
        200,
    ),
}


@dataclass(frozen=True)
class FitConfig:
    challengers: tuple[str, ...] = ("smooth", "averaged")
    n_trials: int = 0  # optional TPE candidates, under the same one-SE rule
    tune_rows: int = 60_000
    inner_folds: int = 5
    # Inner repetitions below ``repeat_below`` rows: small books have noisy inner scores.
    inner_repeats: int = 2
    repeat_below: int = 4_000
    floor_aware: bool = True
    seed: int = 20260101
    n_jobs: int = 2


@dataclass
class FittedModel:
    booster: lgb.Booster
    params: dict[str, Any]
    num_rounds: int
    calib: tuple[float, float]
    tuning: dict[str, Any] = field(default_factory=dict)

    def raw_margin(self, x: np.ndarray) -> np.ndarray:
        return raw_margin(self.booster, x, num_threads=1)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return calibrate(self.raw_margin(x), self.calib)


def fit_platt(margin: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    # Effectively unregularised: two parameters, thousands of rows.
    lr = LogisticRegression(C=1e6, max_iter=1000).fit(clipped(margin).reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


# Share of the final booster's own training rows whose calibrated PD may fall on PD_FLOOR.
FLOOR_SHARE = 0.005
_FLOOR_MARGIN = float(np.log(PD_FLOOR / (1 - PD_FLOOR)))


def fit_platt_above_floor(
    margin: np.ndarray, y: np.ndarray, reference: np.ndarray
) -> tuple[float, float]:
    """Platt scaling that keeps all but ``FLOOR_SHARE`` of ``reference`` margins above PD_FLOOR.

    Firms below the floor all get the floor, so they tie, and ties cost ranking. A booster
    refitted on all rows gives safe firms far more extreme margins than its inner-fold versions
    did (on a 500-row book: 63% of held-out firms on the floor against 10% out of fold). When
    the plain fit would floor more than ``FLOOR_SHARE`` of the final booster's own training
    margins (more extreme than new firms'), the line is pinned to reach the floor at that
    quantile and the slope is the log-loss optimum under the constraint: a flatter scale for
    the safest firms, nothing else.
    """
    a, b = fit_platt(margin, y)
    low = float(np.quantile(clipped(reference), FLOOR_SHARE))
    if a * low + b >= _FLOOR_MARGIN:
        return a, b
    m = clipped(margin)

    def loss(slope: float) -> float:
        z = slope * (m - low) + _FLOOR_MARGIN
        return float(np.mean(np.logaddexp(0.0, z) - y * z))

    slope = float(minimize_scalar(loss, bounds=(1e-6, max(a, 1e-5)), method="bounded").x)
    return slope, _FLOOR_MARGIN - slope * low


def base_params(cfg: FitConfig, monotone: list[int], n_rows: int) -> dict[str, Any]:
    params: dict[str, Any] = {
        "objective": "binary",
        "verbosity": -1,
        # Small sets train faster on one thread: on shared cores OpenMP waits dominate.
        "num_threads": 1 if n_rows < 30_000 else cfg.n_jobs,
        "seed": cfg.seed,
        "deterministic": True,
        "force_row_wise": True,
        "bagging_freq": 1,
        # LightGBM's 255 bins on books (63 bins cost AUC on heavy-tailed ratios); on large
        # populations 63 bins make histograms ~3x cheaper.
        "max_bin": 255 if n_rows < 100_000 else 63,
    }
    if any(monotone):
        params["monotone_constraints"] = monotone
        # "intermediate": LightGBM 4.7's "advanced" method let the PD fall when a constrained
        # feature worsened (caught by the 10,000-perturbation test); "intermediate" keeps the
        # guarantee and more of the fit than "basic".
        params["monotone_constraints_method"] = "intermediate"
    return params


def _trial_candidates(
    n: int, seed: int, score: Callable[[Candidate], float], progress: Progress
) -> list[Candidate]:
    """Optional TPE candidates; rounds scale with the learning rate (10 / rate)."""
    if n <= 0:
        return []
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    made: list[Candidate] = []

    def objective(trial: optuna.Trial) -> float:
        rate = trial.suggest_float("learning_rate", 0.02, 0.15, log=True)
        params = {
            "learning_rate": rate,
            "num_leaves": trial.suggest_int("num_leaves", 7, 63, log=True),
            "min_child_samples": trial.suggest_int("min_child_samples", 10, 300, log=True),
            "feature_fraction": trial.suggest_float("feature_fraction", 0.4, 1.0),
            "bagging_fraction": trial.suggest_float("bagging_fraction", 0.6, 1.0),
            "lambda_l2": trial.suggest_float("lambda_l2", 1e-3, 30.0, log=True),
        }
        made.append(Candidate(f"trial{trial.number}", params, max(50, round(10 / rate))))
        auc = score(made[-1])
        progress(f"  trial {trial.number + 1}/{n}: inner auc {auc:.4f}")
        return auc

    study.optimize(objective, n_trials=n)
    return made


def _subsample(y: np.ndarray, rows: int, seed: int) -> np.ndarray:
    if len(y) <= rows:
        return np.arange(len(y))
    folds = StratifiedKFold(int(np.ceil(len(y) / rows)), shuffle=True, random_state=seed)
    return np.sort(next(iter(folds.split(np.zeros(len(y)), y)))[1])


class _InnerCV:
    """Fixed repeated stratified inner splits; per candidate, per-split AUCs and OOF margins."""

    def __init__(
        self, x: np.ndarray, y: np.ndarray, cat: list[int], base: dict[str, Any], cfg: FitConfig
    ) -> None:
        repeats = cfg.inner_repeats if len(y) < cfg.repeat_below else 1
        rskf = RepeatedStratifiedKFold(
            n_splits=cfg.inner_folds, n_repeats=repeats, random_state=cfg.seed
        )
        self.x, self.y, self.cat, self.base, self.cfg = x, y, cat, base, cfg
        self.splits = list(rskf.split(x, y))
        self.aucs: dict[str, np.ndarray] = {}
        self.oof: dict[str, np.ndarray] = {}

    def score(self, c: Candidate) -> float:
        oof = np.zeros(len(self.y))
        aucs = []
        for k, (tr, va) in enumerate(self.splits):
            booster = train_candidate(self.x[tr], self.y[tr], self.cat, self.base, c)
            m = raw_margin(booster, self.x[va], 1)
            if k < self.cfg.inner_folds:
                oof[va] = m
            aucs.append(float(roc_auc_score(self.y[va], m)))
        self.aucs[c.name], self.oof[c.name] = np.asarray(aucs), oof
        return float(np.mean(aucs))

    def gain(self, c: Candidate) -> tuple[float, float]:
        """Mean paired AUC gain over the default and its Nadeau-Bengio corrected SE."""
        g = self.aucs[c.name] - self.aucs[DEFAULT.name]
        test_share = 1 / (self.cfg.inner_folds - 1)  # n_test / n_train of one inner split
        var = (1 / len(g) + test_share) * float(np.var(g, ddof=1))
        return float(np.mean(g)), float(np.sqrt(var))


def train_candidate(
    x: np.ndarray, y: np.ndarray, cat: list[int], base: dict[str, Any], c: Candidate
) -> lgb.Booster:
    return lgb.train({**base, **c.params}, lgb.Dataset(x, y, categorical_feature=cat), c.rounds)


def choose(inner: _InnerCV, candidates: list[Candidate]) -> tuple[Candidate, dict[str, Any]]:
    """The default unless a challenger's mean inner gain exceeds one corrected SE."""
    chosen, best_gain, table = DEFAULT, 0.0, {}
    for c in candidates:
        if c.name == DEFAULT.name:
            continue
        gain, se = inner.gain(c)
        table[c.name] = {"gain": gain, "se": se}
        if gain > se and gain > best_gain:
            chosen, best_gain = c, gain
    return chosen, table


def fit_model(
    x: np.ndarray,
    y: np.ndarray,
    categorical: list[int],
    monotone: list[int],
    cfg: FitConfig,
    progress: Progress = lambda _: None,
) -> FittedModel:
    started = time.perf_counter()
    base = base_params(cfg, monotone, len(y))
    sub = _subsample(y, cfg.tune_rows, cfg.seed)
    inner = _InnerCV(x[sub], y[sub], categorical, base_params(cfg, monotone, len(sub)), cfg)
    candidates = [DEFAULT, *(CHALLENGERS[n] for n in cfg.challengers)]
    for c in candidates:
        inner.score(c)
    candidates += _trial_candidates(cfg.n_trials, cfg.seed, inner.score, progress)
    chosen, gains = choose(inner, candidates)
    if len(sub) == len(y):
        oof = inner.oof[chosen.name]
    else:
        progress("  cross-fitting the calibrator on all training rows")
        oof = np.zeros(len(y))
        folds = StratifiedKFold(cfg.inner_folds, shuffle=True, random_state=cfg.seed)
        for tr, va in folds.split(x, y):
            booster = train_candidate(x[tr], y[tr], categorical, base, chosen)
            oof[va] = raw_margin(booster, x[va], base["num_threads"])
    progress(f"  chose {chosen.name}; final booster: {chosen.rounds} rounds on {len(y)} rows")
    booster = train_candidate(x, y, categorical, base, chosen)
    plain = fit_platt(oof, y)
    calib = plain
    if cfg.floor_aware:
        calib = fit_platt_above_floor(oof, y, raw_margin(booster, x, base["num_threads"]))
    return FittedModel(
        booster=booster,
        params={**base, **chosen.params},
        num_rounds=chosen.rounds,
        calib=calib,
        tuning={
            "chosen": chosen.name,
            "candidates": [c.name for c in candidates],
            "inner_splits": len(inner.splits),
            "tune_rows": len(sub),
            "inner_auc": {n: float(np.mean(a)) for n, a in inner.aucs.items()},
            "gain_over_default": gains,
            "rule": "one Nadeau-Bengio corrected SE over the default",
            # The unconstrained Platt fit: differs from ``calib`` where the floor bound.
            "platt_plain": list(plain),
            "seconds": time.perf_counter() - started,
        },
    )
