"""Fitting one calibrated LightGBM model on a training set, with tuning inside that set only.

Protocol (everything below sees only the rows it is given, i.e. the training fold):
1. A bounded optuna search (``n_trials``) over six LightGBM hyper-parameters. Each trial is a
   3-fold stratified CV with early stopping on the validation fold; the objective is the mean
   validation AUC. Large sets are tuned on a stratified subsample of ``tune_rows``.
2. The best trial's out-of-fold predictions (or, for subsampled tuning, a fresh 3-fold cross-fit
   on all rows with the best parameters) are the calibration set: Platt scaling, a logistic
   regression of the outcome on the booster's raw margin (the logit of its probability), fitted
   out of fold. Platt
   rather than isotonic because it is strictly increasing: isotonic steps tie firms the model
   ranks apart, which costs AUC and makes reason codes of tied firms look arbitrary.
3. The final booster is trained on all rows with the best parameters for the mean best
   iteration of the folds.
Calibration is stored as two numbers (slope, intercept) and applied to the raw margin with
``industry_credit.numerics``, so that a PD has the same bits on every machine (LightGBM's own
sigmoid goes through the C library's exp); the slope is positive, so monotone constraints survive
calibration.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import optuna
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from industry_credit.ml.calibration import calibrate, clipped, raw_margin

Progress = Callable[[str], None]


@dataclass(frozen=True)
class FitConfig:
    n_trials: int = 20
    tune_rows: int = 60_000
    inner_folds: int = 3
    max_rounds: int = 3000
    early_stopping: int = 50
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


def base_params(cfg: FitConfig, monotone: list[int], n_rows: int) -> dict[str, Any]:
    params: dict[str, Any] = {
        "objective": "binary",
        # Early stopping watches AUC, the tuning objective: log loss bottoms out earlier than
        # ranking quality on rare defaults, and calibration is done separately anyway.
        "metric": "auc",
        "verbosity": -1,
        # Small sets train faster on one thread: on shared cores OpenMP waits dominate.
        "num_threads": 1 if n_rows < 30_000 else cfg.n_jobs,
        "seed": cfg.seed,
        "deterministic": True,
        "force_row_wise": True,
        "bagging_freq": 1,
        # Heavy-tailed ratios need LightGBM's full 255 bins on small books (63 bins cost AUC on
        # the Polish data); on large populations 63 bins make histograms ~3x cheaper.
        "max_bin": 255 if n_rows < 100_000 else 63,
    }
    if any(monotone):
        params["monotone_constraints"] = monotone
        # "intermediate": LightGBM 4.7's "advanced" method let the PD fall when a constrained
        # feature worsened (caught by the 10,000-perturbation test); "intermediate" keeps the
        # guarantee and more of the fit than "basic".
        params["monotone_constraints_method"] = "intermediate"
    return params


DEFAULT_TRIAL: dict[str, Any] = {
    "learning_rate": 0.1,
    "num_leaves": 31,
    "min_child_samples": 20,
    "feature_fraction": 1.0,
    "bagging_fraction": 1.0,
    "lambda_l2": 1e-3,
}


def _suggest(trial: optuna.Trial) -> dict[str, Any]:
    return {
        "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.15, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 7, 63, log=True),
        "min_child_samples": trial.suggest_int("min_child_samples", 10, 300, log=True),
        "feature_fraction": trial.suggest_float("feature_fraction", 0.4, 1.0),
        "bagging_fraction": trial.suggest_float("bagging_fraction", 0.6, 1.0),
        "lambda_l2": trial.suggest_float("lambda_l2", 1e-3, 30.0, log=True),
    }


def _cv(
    x: np.ndarray, y: np.ndarray, params: dict[str, Any], cat: list[int], cfg: FitConfig
) -> tuple[float, np.ndarray, list[int]]:
    """Mean validation AUC, out-of-fold margins and best iterations of a K-fold CV."""
    oof = np.zeros(len(y))
    best: list[int] = []
    aucs = []
    folds = StratifiedKFold(cfg.inner_folds, shuffle=True, random_state=cfg.seed)
    for tr, va in folds.split(x, y):
        train = lgb.Dataset(x[tr], y[tr], categorical_feature=cat, free_raw_data=False)
        valid = lgb.Dataset(x[va], y[va], categorical_feature=cat, reference=train)
        booster = lgb.train(
            params,
            train,
            num_boost_round=cfg.max_rounds,
            valid_sets=[valid],
            callbacks=[lgb.early_stopping(cfg.early_stopping, verbose=False)],
        )
        oof[va] = raw_margin(booster, x[va], 1, num_iteration=booster.best_iteration)
        best.append(int(booster.best_iteration))
        aucs.append(float(roc_auc_score(y[va], oof[va])))
    return float(np.mean(aucs)), oof, best


def _subsample(y: np.ndarray, rows: int, seed: int) -> np.ndarray:
    if len(y) <= rows:
        return np.arange(len(y))
    folds = StratifiedKFold(int(np.ceil(len(y) / rows)), shuffle=True, random_state=seed)
    return np.sort(next(iter(folds.split(np.zeros(len(y)), y)))[1])


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
    xs, ys = x[sub], y[sub]
    results: dict[int, tuple[np.ndarray, list[int]]] = {}

    def objective(trial: optuna.Trial) -> float:
        # Threads follow the size of the (subsampled) tuning set, not of the whole training set.
        tuning = {**base_params(cfg, monotone, len(ys)), **_suggest(trial)}
        auc, oof, best = _cv(xs, ys, tuning, categorical, cfg)
        results[trial.number] = (oof, best)
        progress(f"  trial {trial.number + 1}/{cfg.n_trials}: cv auc {auc:.4f}")
        return auc

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=cfg.seed)
    )
    # LightGBM's defaults are the first trial, so tuning can only choose them or beat them on
    # the inner folds; the rest is TPE.
    study.enqueue_trial(DEFAULT_TRIAL)
    study.optimize(objective, n_trials=cfg.n_trials)
    params = {**base, **study.best_params}
    if len(sub) == len(y):
        oof, best = results[study.best_trial.number]
    else:
        progress("  cross-fitting the calibrator on all training rows")
        _, oof, best = _cv(x, y, params, categorical, cfg)
    rounds = max(1, int(np.mean(best)))
    calib = fit_platt(oof, y)
    progress(f"  final booster: {rounds} rounds on {len(y)} rows")
    booster = lgb.train(params, lgb.Dataset(x, y, categorical_feature=categorical), rounds)
    return FittedModel(
        booster=booster,
        params=params,
        num_rounds=rounds,
        calib=calib,
        tuning={
            "n_trials": cfg.n_trials,
            "inner_folds": cfg.inner_folds,
            "tune_rows": len(sub),
            "best_cv_auc": float(study.best_value),
            "best_params": study.best_params,
            "seconds": time.perf_counter() - started,
        },
    )
