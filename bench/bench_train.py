"""The training protocol on several books, against default LightGBM and a scorecard.

Books (``size`` = the larger synthetic population; the issue-sized run is ``--size 200000``):
* ``polish``: the Polish 5th-year file in ``../shared/data/`` (5,910 firms, 410 bankrupt);
* ``polish_half{1,2,3}``: stratified halves of it drawn with three seeds (small books);
* ``synthetic_{size/10}`` and ``synthetic_{size}``: the synthetic population (seed 7).
Each book is scored out of fold over three fold seeds: 10-fold CV for the Polish books
(below 100,000 ``size``, so that CI stays short: ``FOLDS_SMALL`` folds, one fold seed and a
sample of ``size / 2`` Polish rows), 5-fold for the small synthetic
population and an 80/20 stratified holdout for the large one (as ``industry-credit train`` does
without ``--cv``). On every split the pipeline (``fit_model``), default ``LGBMClassifier()`` and
the logistic-regression scorecard are fitted on the same training rows.

Figures, one per book: ``train_auc_BOOK`` = the pipeline's held-out AUC (mean of per-fold
AUCs, as in ``report.json``) averaged over the fold seeds, against default LightGBM's on the
same folds; the JSON holds each seed's AUCs (per-fold means and pooled), the difference to
default LightGBM with its 95% DeLong CI, the scorecard's AUC, what each fold chose, the
seconds, and on synthetic books the oracle AUC and the calibration by decile.
``train_seconds_polish`` is one 10-fold cross-validation plus the refit (what ``industry-credit
train --cv 10`` costs) against default LightGBM's 10 fits. ``bench_train.svg`` (in
``bench/results/``) draws every seed's difference and CI.

    python -m bench --only bench_train --size 200000
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from bench.report import RESULTS_DIR, figure
from industry_credit.ml.data import TrainingData, load
from industry_credit.ml.evaluate import calibration_table, fold_auc
from industry_credit.ml.fit import FitConfig, fit_model
from industry_credit.ml.report import svg_intervals
from industry_credit.ml.train import comparison, cross_validate

POLISH = Path(__file__).resolve().parents[2] / "shared" / "data" / "polish_bankruptcy_5year.arff"
FOLD_SEEDS = (0, 1, 2)
HALF_SEEDS = (11, 12, 13)
FOLDS_SMALL = 3


def _quiet(_: str) -> None:
    pass


def _subset(data: TrainingData, rows: np.ndarray) -> TrainingData:
    return replace(data, features=data.features.iloc[rows].reset_index(drop=True), y=data.y[rows])


def _sample(data: TrainingData, rows: int, seed: int) -> TrainingData:
    """A stratified sample of ``rows`` rows (half the book for the small-book figures)."""
    _, keep = train_test_split(
        np.arange(len(data.y)), test_size=rows, stratify=data.y, random_state=seed
    )
    return _subset(data, np.sort(keep))


def _book(
    name: str,
    data: TrainingData,
    cv: int | None,
    seeds: tuple[int, ...],
    cfg: FitConfig = FitConfig(),
) -> dict[str, Any]:
    runs = []
    for seed in seeds:
        started = time.perf_counter()
        res = cross_validate(data, cv, replace(cfg, seed=seed), _quiet)
        ev = res.evaluated
        y, fold = res.data.y[ev], res.fold[ev]
        run: dict[str, Any] = {
            "seed": seed,
            **comparison(y, res.model[ev], res.baseline[ev], res.scorecard[ev], fold),
            "baseline_auc_pooled": float(roc_auc_score(y, res.baseline[ev])),
            "chosen": res.choices,
            "seconds": time.perf_counter() - started,
        }
        if res.data.true_pd is not None:
            run["oracle_auc"] = fold_auc(y, res.data.true_pd[ev], fold)
            run["model_oracle_ratio"] = run["auc"] / run["oracle_auc"]
            run["calibration"] = calibration_table(y, res.model[ev])
        runs.append(run)
        lo, hi = run["baseline_auc_ci"]
        print(
            f"  {name} seed {seed}: auc {run['auc']:.4f} default {run['baseline_auc']:.4f} "
            f"diff {run['auc_minus_baseline']:+.4f} [{lo:+.4f}, {hi:+.4f}] "
            f"scorecard {run['scorecard_auc']:.4f} pooled {run['auc_pooled']:.4f}"
            f" vs {run['baseline_auc_pooled']:.4f} chose {','.join(res.choices)}"
            f" ({run['seconds']:.0f}s)",
            flush=True,
        )
    return {
        "book": name,
        "rows": len(data.y),
        "defaults": int(data.y.sum()),
        "protocol": f"{cv}-fold CV" if cv else "80/20 holdout",
        "auc": float(np.mean([r["auc"] for r in runs])),
        "baseline_auc": float(np.mean([r["baseline_auc"] for r in runs])),
        "scorecard_auc": float(np.mean([r["scorecard_auc"] for r in runs])),
        "runs": runs,
    }


def _speed(data: TrainingData) -> tuple[float, float]:
    """Seconds of a 10-fold CV plus the refit, and of default LightGBM's 10 fits."""
    started = time.perf_counter()
    res = cross_validate(data, 10, FitConfig(), _quiet)
    fit_model(res.x, data.y, [], data.monotone, FitConfig())
    ours = time.perf_counter() - started
    started = time.perf_counter()
    for tr, _ in res.splits:
        lgb.LGBMClassifier(n_jobs=1, verbose=-1).fit(res.x[tr], data.y[tr])
    return ours, time.perf_counter() - started


def _synthetic(n: int, tmp: Path) -> TrainingData:
    from industry_credit.synth.config import SynthConfig
    from industry_credit.synth.generate import generate

    out = tmp / f"pop{n}"
    generate(SynthConfig(enterprises=n, seed=7), out)
    return load(out, "defaulted_12m", None, None)


def _figure(book: dict[str, Any]) -> dict[str, Any]:
    return figure(
        f"train_auc_{book['book']}",
        book["auc"],
        "AUC",
        "default LGBMClassifier, same folds",
        book["baseline_auc"],
        **{k: v for k, v in book.items() if k not in ("auc", "baseline_auc")},
    )


def run(size: int) -> list[dict[str, Any]]:
    full = size >= 100_000
    folds = 10 if full else FOLDS_SMALL
    seeds = FOLD_SEEDS if full else FOLD_SEEDS[:1]
    polish = load(POLISH, "class", None, None)
    if not full:
        # A stratified sample keeps CI short; the issue-sized run uses the whole file.
        polish = _sample(polish, size // 2, 0)
    books = [_book("polish", polish, folds, seeds)]
    for k, seed in enumerate(HALF_SEEDS, 1):
        books.append(
            _book(f"polish_half{k}", _sample(polish, len(polish.y) // 2, seed), folds, seeds)
        )
    with tempfile.TemporaryDirectory(prefix="bench_train_") as tmp:
        books.append(_book(f"synthetic_{size // 10}", _synthetic(size // 10, Path(tmp)), 5, seeds))
        books.append(_book(f"synthetic_{size}", _synthetic(size, Path(tmp)), None, seeds))
    results = [_figure(b) for b in books]
    ours, base = _speed(polish)
    results.append(
        figure(
            "train_seconds_polish",
            ours,
            "s",
            "default LGBMClassifier 10 fits",
            base,
            rows=len(polish.y),
            protocol="10-fold CV + refit, FitConfig() defaults",
        )
    )
    rows = [
        (f"{b['book']} s{r['seed']}", r["auc_minus_baseline"], *r["baseline_auc_ci"])
        for b in books
        for r in b["runs"]
    ]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "bench_train.svg").write_text(
        svg_intervals("Pipeline AUC minus default LightGBM, 95% CI", rows, "AUC difference"),
        encoding="utf-8",
    )
    (RESULTS_DIR / "bench_train_table.json").write_text(json.dumps(books, indent=1))
    return results
