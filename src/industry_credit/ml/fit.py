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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import optuna
from scipy.optimize import minimize_scalar
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from industry_credit import numerics as nm

Progress = Callable[[str], None]
# Basel III's PD floor for corporate exposures: no firm is rated as riskless, even where the
# isotonic fit saw no default among the safest predictions.
PD_FLOOR = 0.0003


@dataclass(frozen=True)
class FitConfig:
    n_trials: int = 0
    tune_rows: int = 60_000
    inner_folds: int = 5
    inner_repeats: int = 2
    repeat_below: int = 4_000
    se_rule: float = 1.0
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


def raw_margin(booster: lgb.Booster, x: np.ndarray, num_threads: int, **kw: Any) -> np.ndarray:
    """The booster's log-odds: the sum of the trees' leaf values, in tree order."""
    out = booster.predict(x, raw_score=True, num_threads=num_threads, **kw)
    return np.asarray(out, dtype=np.float64)


# Margins are clipped to the log-odds of probabilities in [1e-9, 1 - 1e-9] before calibration,
# as the probabilities were when calibration was defined on them.
MARGIN_CLIP = 20.72326583694641


def _clipped(margin: np.ndarray) -> np.ndarray:
    return np.clip(np.asarray(margin, dtype=np.float64), -MARGIN_CLIP, MARGIN_CLIP)


def calibrate(margin: np.ndarray, calib: tuple[float, float]) -> np.ndarray:
    """Calibrated PD from the booster's raw margin: sigmoid(a * margin + b), floored."""
    z = calib[0] * _clipped(margin) + calib[1]
    return np.maximum(nm.sigmoid(z), PD_FLOOR)


def fit_platt(margin: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    # Effectively unregularised: two parameters, thousands of rows.
    lr = LogisticRegression(C=1e6, max_iter=1000).fit(_clipped(margin).reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


# Share of the final booster's own training rows whose calibrated PD may fall on PD_FLOOR.
FLOOR_SHARE = 0.005
_FLOOR_MARGIN = float(np.log(PD_FLOOR / (1 - PD_FLOOR)))


def fit_platt_above_floor(
    margin: np.ndarray, y: np.ndarray, reference: np.ndarray
) -> tuple[float, float]:
    """Platt scaling that keeps all but ``FLOOR_SHARE`` of ``reference`` margins above PD_FLOOR.

    Every firm whose calibrated PD falls below the floor gets the floor, so they tie, and ties
    cost AUC. An unregularised booster refitted on all rows can give most safe firms margins
    far below those its inner-fold versions gave (measured on a 500-row book: 63% of held-out
    firms on the floor against 10% out of fold), so the plain Platt fit can put most of a book
    on the floor. When it would, the fit is redone with the line pinned to reach the floor at
    the ``FLOOR_SHARE`` quantile of the final booster's own training margins (more extreme than
    new firms' margins), and the slope is the log-loss optimum under that constraint. The only
    cost is a flatter scale: the safest firms get PDs above the unconstrained fit's.
    """
    a, b = fit_platt(margin, y)
    low = float(np.quantile(_clipped(reference), FLOOR_SHARE))
    if a * low + b >= _FLOOR_MARGIN:
        return a, b
    m = _clipped(margin)

    def loss(slope: float) -> float:
        z = slope * (m - low) + _FLOOR_MARGIN
        return float(np.mean(np.logaddexp(0.0, z) - y * z))

    slope = float(minimize_scalar(loss, bounds=(1e-6, a), method="bounded").x)
    return slope, _FLOOR_MARGIN - slope * low


def base_params(cfg: FitConfig, monotone: list[int], n_rows: int) -> dict[str, Any]:
    params: dict[str, Any] = {
        "objective": "binary",
        # Validation curves are AUC, the selection criterion: log loss bottoms out earlier than
        # ranking quality on rare defaults, and calibration is done separately anyway.
        "metric": "auc",
        "verbosity": -1,
        # Small sets train faster on one thread per fit (the inner folds run side by side):
        # on shared cores OpenMP waits dominate.
        "num_threads": 1 if n_rows < PARALLEL_FOLDS_BELOW else cfg.n_jobs,
        "seed": cfg.seed,
        "deterministic": True,
        "force_row_wise": True,
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


# Below this many rows each fit runs on one thread and the inner folds run side by side.
PARALLEL_FOLDS_BELOW = 30_000

# LightGBM's defaults, exactly what ``LGBMClassifier()`` fits (100 rounds, no subsampling): the
# reference every book is held to. It is never worse than itself, so a challenger must beat it.
DEFAULT_CANDIDATE: dict[str, Any] = {
    "learning_rate": 0.1,
    "num_leaves": 31,
    "min_child_samples": 20,
    "feature_fraction": 1.0,
    "bagging_fraction": 1.0,
    "bagging_freq": 0,
    "lambda_l2": 0.0,
}
DEFAULT_ROUNDS = 100

# Challengers fixed before the benchmark, from generic gradient-boosting practice (not tuned on
# any book); each reads its number of rounds off the averaged inner validation curve.
# - "default+rounds": LightGBM's defaults trained for as many rounds as the book supports (100
#   is too few for some books and too many for others); it shares the default's inner fits.
# - "shallow": small trees with larger leaves, mild row and column subsampling and a little L2,
#   for smooth signals (scorecard-like ratios, large books) where 31 leaves fit noise; L2 also
#   bounds the leaf values of pure leaves, whose extreme margins would tie at PD_FLOOR.
# A third, "slow" (0.05 learning rate, 31 leaves, 0.8 subsampling), was measured and dropped:
# inner gain -0.003 on the Polish folds and -0.02 on a linear toy book, at twice the cost.
CHALLENGERS: dict[str, dict[str, Any]] = {
    "shallow": {
        "learning_rate": 0.05,
        "num_leaves": 7,
        "min_child_samples": 50,
        "feature_fraction": 0.7,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 1.0,
    },
}


def _suggest(trial: optuna.Trial) -> dict[str, Any]:
    return {
        "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.15, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 7, 63, log=True),
        "min_child_samples": trial.suggest_int("min_child_samples", 10, 300, log=True),
        "feature_fraction": trial.suggest_float("feature_fraction", 0.4, 1.0),
        "bagging_fraction": trial.suggest_float("bagging_fraction", 0.6, 1.0),
        "bagging_freq": 1,
        "lambda_l2": trial.suggest_float("lambda_l2", 1e-3, 30.0, log=True),
    }


@dataclass
class InnerResult:
    """One candidate on the inner folds: per-fold AUC at the chosen rounds, OOF margins."""

    name: str
    params: dict[str, Any]
    rounds: int
    fold_auc: np.ndarray
    oof: np.ndarray  # margins of the first repeat (each row once), at ``rounds``

    @property
    def mean_auc(self) -> float:
        return float(self.fold_auc.mean())


def inner_splits(y: np.ndarray, cfg: FitConfig) -> list[tuple[np.ndarray, np.ndarray]]:
    """Repeated stratified K-fold: small books repeat (their fold AUCs are noisy), large do not."""
    repeats = cfg.inner_repeats if len(y) < cfg.repeat_below else 1
    out: list[tuple[np.ndarray, np.ndarray]] = []
    for r in range(repeats):
        folds = StratifiedKFold(cfg.inner_folds, shuffle=True, random_state=cfg.seed + r)
        out.extend(folds.split(np.zeros(len(y)), y))
    return out


def _stop_after(patience: int, min_rounds: int) -> Callable[[Any], None]:
    """Early stopping that never stops before ``min_rounds`` (so the default's 100 rounds are
    always on the curve) and waits ``patience`` rounds without a better validation AUC."""
    best_score, best_iter = [-np.inf], [0]

    def callback(env: Any) -> None:
        score = env.evaluation_result_list[0][2]
        if score > best_score[0]:
            best_score[0], best_iter[0] = score, env.iteration
        elif env.iteration + 1 >= min_rounds and env.iteration - best_iter[0] >= patience:
            raise lgb.callback.EarlyStopException(best_iter[0], env.evaluation_result_list)

    callback.order = 30  # type: ignore[attr-defined]
    return callback


def _fit_fold(
    x: np.ndarray,
    y: np.ndarray,
    tr: np.ndarray,
    va: np.ndarray,
    params: dict[str, Any],
    cat: list[int],
    cfg: FitConfig,
) -> tuple[lgb.Booster, np.ndarray]:
    """One inner fit and its validation AUC after every round, up to ``max_rounds`` with a
    patience that scales with the learning rate."""
    train = lgb.Dataset(x[tr], y[tr], categorical_feature=cat, free_raw_data=False)
    valid = lgb.Dataset(x[va], y[va], categorical_feature=cat, reference=train)
    record: dict[str, Any] = {}
    # A patience of 5/learning_rate rounds (100 at 0.05): a fixed 50 stopped small books on the
    # first noisy plateau. Only the curve is used, not where this fold stopped.
    patience = max(cfg.early_stopping, int(np.ceil(5 / params["learning_rate"])))
    callbacks = [lgb.record_evaluation(record), _stop_after(patience, DEFAULT_ROUNDS)]
    booster = lgb.train(
        params,
        train,
        num_boost_round=cfg.max_rounds,
        valid_sets=[valid],
        valid_names=["valid"],
        callbacks=callbacks,
    )
    return booster, np.asarray(record["valid"]["auc"], dtype=np.float64)


def _map(fn: Callable[[int], Any], n: int, workers: int) -> list[Any]:
    # LightGBM releases the GIL while it trains, so threads run the folds side by side; each fit
    # is deterministic on its own, so the results do not depend on the scheduling.
    if workers <= 1:
        return [fn(i) for i in range(n)]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, range(n)))


def evaluate_candidate(
    names: tuple[str, ...],
    x: np.ndarray,
    y: np.ndarray,
    params: dict[str, Any],
    cat: list[int],
    splits: list[tuple[np.ndarray, np.ndarray]],
    cfg: FitConfig,
    fixed_rounds: int | None = None,
) -> list[InnerResult]:
    """Inner CV of one configuration. The number of rounds is the argmax of the validation AUC
    curve averaged over all inner folds: one noisy fold cannot stop it early, and every fold is
    scored at the same round. With ``fixed_rounds`` the same fits also give the configuration at
    that many rounds (the default's 100), listed first under ``names[0]``."""
    workers = cfg.n_jobs if params["num_threads"] == 1 else 1
    fits = _map(lambda i: _fit_fold(x, y, *splits[i], params, cat, cfg), len(splits), workers)
    longest = max(len(curve) for _, curve in fits)
    # A fold that stopped early keeps its last value (it had stopped improving).
    curves = np.stack([np.pad(c, (0, longest - len(c)), mode="edge") for _, c in fits])
    chosen = [int(np.argmax(curves.mean(axis=0))) + 1]
    if fixed_rounds is not None:
        chosen.insert(0, fixed_rounds)
    out = []
    k = cfg.inner_folds
    for name, rounds in zip(names, chosen, strict=True):
        margins = [
            raw_margin(booster, x[va], 1, num_iteration=rounds)
            for (booster, _), (_, va) in zip(fits, splits, strict=True)
        ]
        oof = np.zeros(len(y))
        for margin, (_, va) in zip(margins[:k], splits[:k], strict=True):
            oof[va] = margin
        # Folds are scored on the PDs the model would deliver: calibrated and floored. An
        # overfitted booster's margins are so spread that most safe firms land on PD_FLOOR and
        # tie there (measured: 63% of a 500-row book under default LightGBM), which costs AUC
        # that the raw margin does not show. The calibrator is fitted on the first repeat's
        # out-of-fold margins: two parameters, so fold-level leakage is negligible.
        calib = fit_platt(oof, y)
        fold_auc = np.array(
            [
                roc_auc_score(y[va], calibrate(margin, calib))
                for margin, (_, va) in zip(margins, splits, strict=True)
            ]
        )
        out.append(InnerResult(name, params, rounds, fold_auc, oof))
    return out


def select(results: list[InnerResult], cfg: FitConfig) -> tuple[InnerResult, list[dict[str, Any]]]:
    """The default unless a challenger beats it beyond the noise (one-standard-error rule).

    The gain is the challenger's per-fold AUC minus the default's on the same inner folds; its
    standard error is Nadeau and Bengio's corrected one (folds share training rows, so the naive
    sd/sqrt(J) is too small by a wide margin). A challenger qualifies when its mean gain exceeds
    ``cfg.se_rule`` standard errors; among those, the largest lower bound (gain - SE) wins.
    """
    default = results[0]
    j = len(default.fold_auc)
    rows: list[dict[str, Any]] = []
    best, best_bound = default, 0.0
    for res in results:
        diff = res.fold_auc - default.fold_auc
        sd = float(diff.std(ddof=1)) if j > 1 else 0.0
        se = sd * float(np.sqrt(1 / j + 1 / (cfg.inner_folds - 1)))
        gain = float(diff.mean())
        bound = gain - cfg.se_rule * se
        rows.append(
            {
                "name": res.name,
                "rounds": res.rounds,
                "cv_auc": res.mean_auc,
                "gain": gain,
                "se": se,
                "qualifies": res is not default and bound > 0,
            }
        )
        if res is not default and bound > best_bound:
            best, best_bound = res, bound
    return best, rows


def _subsample(y: np.ndarray, rows: int, seed: int) -> np.ndarray:
    if len(y) <= rows:
        return np.arange(len(y))
    folds = StratifiedKFold(int(np.ceil(len(y) / rows)), shuffle=True, random_state=seed)
    return np.sort(next(iter(folds.split(np.zeros(len(y)), y)))[1])


def _cross_fit(
    x: np.ndarray,
    y: np.ndarray,
    params: dict[str, Any],
    rounds: int,
    cat: list[int],
    cfg: FitConfig,
) -> np.ndarray:
    """Out-of-fold margins on all rows at a fixed number of rounds (the calibration set)."""
    oof = np.zeros(len(y))
    folds = StratifiedKFold(3, shuffle=True, random_state=cfg.seed)
    for tr, va in folds.split(x, y):
        booster = lgb.train(params, lgb.Dataset(x[tr], y[tr], categorical_feature=cat), rounds)
        oof[va] = raw_margin(booster, x[va], 1)
    return oof


def fit_model(
    x: np.ndarray,
    y: np.ndarray,
    categorical: list[int],
    monotone: list[int],
    cfg: FitConfig,
    progress: Progress = lambda _: None,
) -> FittedModel:
    started = time.perf_counter()
    sub = _subsample(y, cfg.tune_rows, cfg.seed)
    xs, ys = x[sub], y[sub]
    # Threads follow the size of the (subsampled) selection set, not of the whole training set.
    base = base_params(cfg, monotone, len(ys))
    splits = inner_splits(ys, cfg)

    def run(names: tuple[str, ...], cand: dict[str, Any], fixed: int | None = None) -> InnerResult:
        out = evaluate_candidate(names, xs, ys, {**base, **cand}, categorical, splits, cfg, fixed)
        for res in out:
            progress(f"  {res.name}: inner cv auc {res.mean_auc:.4f} at {res.rounds} rounds")
        results.extend(out)
        return out[-1]

    results: list[InnerResult] = []
    run(("default", "default+rounds"), DEFAULT_CANDIDATE, DEFAULT_ROUNDS)
    for name, cand in CHALLENGERS.items():
        run((name,), cand)
    if cfg.n_trials:
        # Optional TPE challengers: they face the same one-SE rule, so a lucky trial on a small
        # book does not replace the default (the winner's curse that the fixed 20 trials had).
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.create_study(
            direction="maximize", sampler=optuna.samplers.TPESampler(seed=cfg.seed)
        )

        def objective(trial: optuna.Trial) -> float:
            return run((f"tpe-{trial.number + 1}",), _suggest(trial)).mean_auc

        study.optimize(objective, n_trials=cfg.n_trials)
    chosen, table = select(results, cfg)
    params = {**base_params(cfg, monotone, len(y)), **chosen.params}
    params["num_threads"] = base_params(cfg, monotone, len(y))["num_threads"]
    if len(sub) == len(y):
        oof = chosen.oof
    else:
        progress("  cross-fitting the calibrator on all training rows")
        oof = _cross_fit(x, y, params, chosen.rounds, categorical, cfg)
    progress(f"  chose {chosen.name}; final booster: {chosen.rounds} rounds on {len(y)} rows")
    booster = lgb.train(params, lgb.Dataset(x, y, categorical_feature=categorical), chosen.rounds)
    calib = fit_platt_above_floor(oof, y, raw_margin(booster, x, params["num_threads"]))
    return FittedModel(
        booster=booster,
        params=params,
        num_rounds=chosen.rounds,
        calib=calib,
        tuning={
            "protocol": "default vs fixed challengers (+ optional TPE), one-SE rule",
            "chosen": chosen.name,
            "candidates": table,
            "inner_folds": cfg.inner_folds,
            "inner_fits_per_candidate": len(splits),
            "se_rule": cfg.se_rule,
            "n_trials": cfg.n_trials,
            "tune_rows": len(sub),
            "seconds": time.perf_counter() - started,
        },
    )
