"""Model development: split, (two-stage contagion), fit, evaluate on held-out rows, report, artifact.

Protocol. Held-out rows never reach model choice or calibration: with ``cv=K`` every row is
scored by the model of the fold that did not train on it and the committed model is refitted
(choice included) on all rows; without ``cv`` a stratified 20% holdout (or whole groups of
``holdout_by``) is scored by the model trained on the other 80%, which is the model that is
saved. ``metrics.auc`` and the references' AUCs are means of per-fold AUCs (each fold's model
ranks its own held-out rows; pooling folds would compare their calibrations too, see
``evaluate.fold_auc_difference``); ``auc_pooled`` is the pooled PDs' AUC.

Counterparty distress on the synthetic population (two-stage): the population's firms are each
other's buyers and suppliers, but their PDs are what we are learning. Stage 1 fits a quick
model *without* the contagion features (fixed parameters) on the training rows only, scores
training rows out of fold and held-out rows with the average of the fold models; those PDs
become ``counterparty_risk`` (by USCC) and the features are rebuilt. Serving gets the same
frame from the nightly batch's latest PDs. External tables skip this.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import optuna
import pandas as pd
import sklearn
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import (
    GroupShuffleSplit,
    StratifiedGroupKFold,
    StratifiedKFold,
    StratifiedShuffleSplit,
)

from industry_credit.ml.artifact import ModelArtifact, save_artifact
from industry_credit.ml.data import TrainingData, load, synthetic_schema
from industry_credit.ml.evaluate import (
    calibration_table,
    curves,
    fold_auc,
    fold_auc_difference,
    grade_table,
    metrics,
    psi,
    psi_baseline,
)
from industry_credit.ml.features import build_features
from industry_credit.ml.fit import FitConfig, FittedModel, fit_model
from industry_credit.ml.grades import GradeScale
from industry_credit.ml.monotone import constraint_table
from industry_credit.ml.report import write_report
from industry_credit.ml.scorecard import fit_scorecard

Progress = Callable[[str], None]
CONTAGION = ("counterparty_distress_share", "core_buyer_distress")
STAGE1_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "verbosity": -1,
    "learning_rate": 0.1,
    "num_leaves": 15,
    "min_child_samples": 50,
    "max_bin": 63,
    "seed": 7,
    "deterministic": True,
}
PSI_TOP_FEATURES = 15


def library_versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "lightgbm": lgb.__version__,
        "scikit-learn": sklearn.__version__,
        "optuna": optuna.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
    }


def _splits(data: TrainingData, cv: int | None, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    x0, y, groups = np.zeros(len(data.y)), data.y, data.groups
    if cv:
        if groups is not None:
            gkf = StratifiedGroupKFold(cv, shuffle=True, random_state=seed)
            return list(gkf.split(x0, y, groups))
        return list(StratifiedKFold(cv, shuffle=True, random_state=seed).split(x0, y))
    if groups is not None:
        return list(GroupShuffleSplit(1, test_size=0.2, random_state=seed).split(x0, y, groups))
    return list(StratifiedShuffleSplit(1, test_size=0.2, random_state=seed).split(x0, y))


def _stage1_counterparty_risk(
    data: TrainingData, splits: list[tuple[np.ndarray, np.ndarray]], progress: Progress
) -> pd.DataFrame | None:
    """Stage-1 PDs for every firm, without contagion features and without held-out labels."""
    assert data.frames is not None
    ent = data.frames.to_pandas("enterprises")
    known = set(data.frames.to_pandas("supply_links")["counterparty_uscc"].unique())
    if not known & set(ent["uscc"]):
        progress("stage 1 skipped: no counterparty is a firm of the population")
        return None
    cols = [c for c in data.features.columns if c not in CONTAGION]
    schema = synthetic_schema(data.features[cols])
    x = schema.encode(data.features[cols]).matrix
    cat = schema.categorical_indices
    pd1 = np.zeros(len(x))
    for k, (train, test) in enumerate(splits):
        progress(f"stage 1 (contagion PDs): split {k + 1}/{len(splits)}")
        inner = StratifiedKFold(3, shuffle=True, random_state=k).split(train, data.y[train])
        # One thread on small sets: on shared cores OpenMP waits cost more than they save.
        params = {**STAGE1_PARAMS, "num_threads": 1 if len(train) < 30_000 else 2}
        test_sum = np.zeros(len(test))
        for tr, va in inner:
            rows = train[tr]
            booster = lgb.train(
                params, lgb.Dataset(x[rows], data.y[rows], categorical_feature=cat), 150
            )
            if len(splits) == 1:
                pd1[train[va]] = np.asarray(booster.predict(x[train[va]]))
            test_sum += np.asarray(booster.predict(x[test])) / 3
        pd1[test] = test_sum
    uscc = ent.set_index("id")["uscc"].reindex(data.features.index)
    return pd.DataFrame({"counterparty_uscc": uscc.to_numpy(), "pd": pd1})


def _with_contagion(data: TrainingData, risk: pd.DataFrame | None) -> TrainingData:
    if risk is None or data.frames is None or data.as_of is None:
        return data
    frames = data.frames.with_counterparty_risk(risk)
    return replace(data, frames=frames, features=build_features(frames, data.as_of).to_pandas())


def _importance(model: FittedModel, x: np.ndarray, names: list[str]) -> list[dict[str, Any]]:
    gain = model.booster.feature_importance(importance_type="gain")
    sample = x[: min(len(x), 20_000)]
    contrib = np.asarray(model.booster.predict(sample, pred_contrib=True))[:, : len(names)]
    shap = np.abs(contrib).mean(axis=0)
    total = float(gain.sum()) or 1.0
    rows = [
        {"feature": n, "gain": float(g), "gain_share": float(g) / total, "mean_abs_shap": float(s)}
        for n, g, s in zip(names, gain, shap, strict=True)
    ]
    return sorted(rows, key=lambda r: -r["gain"])


@dataclass
class CrossValidated:
    """Held-out predictions of the pipeline and of its two references on the same splits."""

    data: TrainingData
    x: np.ndarray
    splits: list[tuple[np.ndarray, np.ndarray]]
    evaluated: np.ndarray  # row positions scored out of fold, in split order
    model: np.ndarray  # held-out PD per row (NaN where not held out)
    baseline: np.ndarray  # default LGBMClassifier() on the same training rows
    scorecard: np.ndarray  # logistic-regression scorecard on the same training rows
    fold: np.ndarray  # the split that held each row out (-1 where none did)
    last: FittedModel
    choices: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _eta(started: float, done: int, total: int) -> str:
    spent = time.perf_counter() - started
    left = spent / done * (total - done) if done else float("nan")
    return f"{spent:.0f}s elapsed, ETA {left:.0f}s"


def cross_validate(
    data: TrainingData,
    cv: int | None,
    cfg: FitConfig,
    progress: Progress = print,
    extra_units: int = 0,
) -> CrossValidated:
    """Fit the pipeline, default LightGBM and the scorecard on each training split; score the
    held-out rows. ``extra_units`` (the refit that follows) counts in the printed ETA."""
    started = time.perf_counter()
    splits = _splits(data, cv, cfg.seed)
    if data.kind == "synthetic":
        data = _with_contagion(data, _stage1_counterparty_risk(data, splits, progress))
    x = data.schema.encode(data.features).matrix
    cat = data.schema.categorical_indices
    held = np.full(len(x), np.nan)
    base = np.full(len(x), np.nan)
    card = np.full(len(x), np.nan)
    fold = np.full(len(x), -1)
    model: FittedModel | None = None
    choices = []
    total = len(splits) + extra_units
    for k, (tr, te) in enumerate(splits):
        progress(f"fold {k + 1}/{len(splits)}: choosing on {len(tr)} rows")
        model = fit_model(x[tr], data.y[tr], cat, data.monotone, cfg, progress)
        held[te] = model.predict(x[te])
        fold[te] = k
        choices.append(model.tuning["chosen"])
        threads = 1 if len(tr) < 30_000 else cfg.n_jobs
        clf = lgb.LGBMClassifier(n_jobs=threads, verbose=-1)
        clf.fit(x[tr], data.y[tr], categorical_feature=cat or "auto")
        base[te] = np.asarray(clf.predict_proba(x[te]))[:, 1]
        card[te] = fit_scorecard(x[tr], data.y[tr], cat).predict(x[te])
        progress(
            f"fold {k + 1}/{len(splits)} done (chose {model.tuning['chosen']}): "
            + _eta(started, k + 1, total)
        )
    assert model is not None
    evaluated = np.concatenate([te for _, te in splits])
    return CrossValidated(
        data,
        x,
        splits,
        evaluated,
        held,
        base,
        card,
        fold,
        model,
        choices,
        time.perf_counter() - started,
    )


def comparison(
    y: np.ndarray, model: np.ndarray, baseline: np.ndarray, scorecard: np.ndarray, fold: np.ndarray
) -> dict[str, Any]:
    """Mean per-fold AUCs of the model and its references, and the model's AUC difference to
    each with DeLong 95% CIs (``evaluate.fold_auc_difference``)."""
    vs_base = fold_auc_difference(y, model, baseline, fold)
    vs_card = fold_auc_difference(y, model, scorecard, fold)
    return {
        "auc": vs_base["auc"],
        "gini": 2 * vs_base["auc"] - 1,
        "auc_pooled": float(roc_auc_score(y, model)),
        "auc_definition": "mean of per-fold AUCs (one split without --cv)",
        "baseline_auc": vs_base["other_auc"],
        "baseline": "lightgbm.LGBMClassifier() defaults, same folds",
        "auc_minus_baseline": vs_base["diff"],
        # 95% CI of auc - baseline_auc (paired DeLong): a loss beyond the noise has hi < 0.
        "baseline_auc_ci": [vs_base["lo"], vs_base["hi"]],
        "scorecard_auc": vs_card["other_auc"],
        "scorecard": "logistic regression on 10 quantile bins per feature, same folds",
        "auc_minus_scorecard": vs_card["diff"],
        "scorecard_auc_ci": [vs_card["lo"], vs_card["hi"]],
    }


def train(
    data_path: Path,
    target: str,
    out: Path,
    cv: int | None = None,
    holdout_by: str | None = None,
    as_of: date | None = None,
    cfg: FitConfig | None = None,
    progress: Progress = print,
) -> dict[str, Any]:
    """Train, evaluate held out, write ``report.json``/``report.html`` and the artifact to ``out``."""
    started = time.perf_counter()
    cfg = cfg or FitConfig()
    progress(f"loading {data_path}")
    data = load(data_path, target, as_of, holdout_by)
    progress(
        f"{len(data.y)} rows, {int(data.y.sum())} positives, {len(data.schema.names)} features"
    )
    res = cross_validate(data, cv, cfg, progress, extra_units=1 if cv else 0)
    data, x, splits, evaluated = res.data, res.x, res.splits, res.evaluated
    cat, names = data.schema.categorical_indices, data.schema.names
    model = res.last
    if cv:
        progress(f"refitting the committed model on all {len(x)} rows")
        model = fit_model(x, data.y, cat, data.monotone, cfg, progress)
    y_h, p_h, f_h = data.y[evaluated], res.model[evaluated], res.fold[evaluated]
    result: dict[str, Any] = dict(metrics(y_h, p_h))
    result.update(comparison(y_h, p_h, res.baseline[evaluated], res.scorecard[evaluated], f_h))
    if data.true_pd is not None:
        result["oracle_auc"] = fold_auc(y_h, data.true_pd[evaluated], f_h)
        result["model_oracle_ratio"] = result["auc"] / result["oracle_auc"]

    # PSI: training rows vs held-out rows of the first split, for the score and each feature.
    tr0, te0 = splits[0]
    score_train = model.predict(x[tr0])
    score_base = psi_baseline(score_train)
    feature_psi = {n: psi(psi_baseline(x[tr0, j]), x[te0, j]) for j, n in enumerate(names)}
    importance = _importance(model, x[evaluated], names)
    top = [r["feature"] for r in importance[:PSI_TOP_FEATURES]]
    scale = GradeScale()
    grades = scale.grade(p_h)
    seconds = time.perf_counter() - started
    training = {
        "kind": data.kind,
        "target": target,
        "data": str(data_path),
        "as_of": data.as_of.isoformat() if data.as_of else None,
        "protocol": f"{cv}-fold CV, out-of-fold metrics" if cv else "80/20 holdout",
        "fold_seed": cfg.seed,
        "holdout_by": holdout_by,
        "rows": len(x),
        "params": {k: v for k, v in model.params.items() if k != "monotone_constraints"},
        "num_rounds": model.num_rounds,
        "tuning": model.tuning,
        "chosen_per_fold": res.choices,
        "seconds": round(seconds, 1),
        **data.notes,
    }
    artifact = ModelArtifact(
        model_text=model.booster.model_to_string(),
        schema=data.schema,
        calibration=model.calib,
        grade_scale=scale.to_json(),
        monotone=constraint_table(names),
        metrics={k: v for k, v in result.items() if not isinstance(v, str)},
        data_sha256=data.sha256,
        library_versions=library_versions(),
        psi_baseline={
            "score": score_base,
            "features": {n: psi_baseline(x[tr0, names.index(n)]) for n in top},
        },
        training=training,
    )
    save_artifact(artifact, out)
    report = {
        "model_version": artifact.model_version,
        "metrics": result,
        "calibration": calibration_table(y_h, p_h),
        "curves": curves(y_h, p_h),
        "grades": grade_table(y_h, p_h, grades, list(scale.names)),
        "importance": importance,
        "psi": {"score": psi(score_base, model.predict(x[te0])), "features": feature_psi},
        "monotone_constraints": artifact.monotone,
        "data_sha256": data.sha256,
        "library_versions": artifact.library_versions,
        "training": training,
    }
    write_report(report, out)
    progress(
        f"done in {seconds:.0f}s: auc {result['auc']:.4f}"
        + f" (default LightGBM {result['baseline_auc']:.4f}, difference 95% CI"
        + " [{:+.4f}, {:+.4f}];".format(*result["baseline_auc_ci"])
        + f" scorecard {result['scorecard_auc']:.4f})"
        + (f" (oracle {result['oracle_auc']:.4f})" if "oracle_auc" in result else "")
        + f"; model {artifact.model_version} in {out}"
    )
    return report
