"""Rules engine throughput against raw LightGBM inference on the same rows.

The figure is the wall time of ``rules.evaluate`` over ``size`` scored rows (the default
ruleset) given as the column arrays the decision pipeline hands it: every decision column
computed, the list columns (products, conditions, flags, rule hits) as the masks that determine
them. A second figure adds what the nightly batch then needs: each row's flag pattern number
and one flag list per pattern. The baseline, measured in the same run on the same rows, is
``lightgbm.Booster.predict`` of a small booster (100 trees, 31 leaves) trained in-process on the
same features. Both run on one thread, as the engine does. Best of a few repeats each.

    python -m bench --only bench_rules --size 1000000
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from bench.report import figure
from industry_credit.rules import default_ruleset, evaluate
from industry_credit.rules.columns import BOOLEAN_FEATURES, CATEGORICAL_FEATURES, NUMERIC_FEATURES
from industry_credit.rules.engine import evaluation_columns
from industry_credit.rules.sample import random_scored_frame

TRAIN_ROWS = 20_000


def _matrix(frame: pd.DataFrame) -> np.ndarray:
    """Features as the float matrix LightGBM takes (codes for categoricals, PD left out)."""
    columns = [c for c in NUMERIC_FEATURES if c != "pd"] + list(BOOLEAN_FEATURES)
    parts = [frame[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in columns]
    for name in CATEGORICAL_FEATURES:
        if name != "grade" and name in frame.columns:
            parts.append(pd.factorize(frame[name])[0].astype(np.float64))
    return np.column_stack(parts)


def _best(fn: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run(size: int) -> list[dict[str, Any]]:
    ruleset = default_ruleset()
    scored = random_scored_frame(size, seed=20261121)
    train = random_scored_frame(TRAIN_ROWS, seed=1)
    label = np.random.default_rng(2).random(TRAIN_ROWS) < train["pd"].to_numpy()
    booster = lgb.train(
        {"objective": "binary", "num_leaves": 31, "verbose": -1, "num_threads": 1, "seed": 1},
        lgb.Dataset(_matrix(train), label=label),
        num_boost_round=100,
    )
    features = _matrix(scored)
    repeats = 3 if size <= 200_000 else 2
    evaluate(ruleset, scored.iloc[:1000])  # warm caches and imports outside the timing
    predict_s = _best(lambda: booster.predict(features, num_threads=1), repeats)
    columns = evaluation_columns(ruleset, scored)
    rules_s = _best(lambda: evaluate(ruleset, columns), repeats)
    grouped_s = _best(lambda: evaluate(ruleset, columns).flags.lists, repeats)
    decisions = evaluate(ruleset, scored.iloc[: min(size, 100_000)]).to_pandas()
    return [
        figure(
            f"rules_evaluate_{size}",
            rules_s * 1000.0,
            "ms",
            "lightgbm_predict",
            predict_s * 1000.0,
            rows=size,
            rows_per_second=size / rules_s,
            rules=len(ruleset.rules),
            ruleset_version=ruleset.version,
            outcome_share={
                str(k): float(v)
                for k, v in decisions["outcome"].value_counts(normalize=True).items()
            },
        ),
        figure(
            f"rules_evaluate_flag_patterns_{size}",
            grouped_s * 1000.0,
            "ms",
            "lightgbm_predict",
            predict_s * 1000.0,
            rows=size,
        ),
    ]


if __name__ == "__main__":
    import sys

    run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
