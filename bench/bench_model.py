"""Industry-credit model serving costs against raw ``lightgbm.Booster.predict``.

Figures (default artifact in data/model, synthetic population of ``size`` firms made in-process;
the baseline is always ``Booster.predict`` on the already built float64 matrix of the same rows,
with the same thread count, measured in the same run):
* ``model_batch_score``: ``build_features`` from the enterprise tables + ``Scorer.score``
  (validation and encoding, predict, calibration, grade; no SHAP) over ``size`` enterprises.
  The JSON detail splits it into stages.
* ``model_score_features``: ``Scorer.score`` alone on the already built feature frame.
* ``model_batch_score_compiled``: as ``model_batch_score`` with the compiled-trees option.
* ``model_compiled_predict``: the lleaves-compiled forest's predict on the same matrix.
* ``model_shap_10k``: reason codes (TreeSHAP contributions + top-4 + bilingual text) for 10,000
  rows, against ``Booster.predict`` on those rows.
* ``model_single_p50`` / ``model_single_p99``: ``Scorer.score(..., with_shap=True)`` on one
  application's feature row (what the API does per decision), against ``Booster.predict`` on one
  numpy row. Best of 3 repeats for the batch figures (of 2 above 200k rows); 300 calls for the
  latencies.

    python -m bench --only bench_model --size 100000
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.report import figure
from industry_credit.ml.data import infer_as_of
from industry_credit.ml.feature_table import plain_list
from industry_credit.ml.features import build_features
from industry_credit.ml.frames import EnterpriseFrames
from industry_credit.ml.scorer import Scorer, table_reasons

SHAP_ROWS = 10_000
LATENCY_CALLS = 300


def _best(fn: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def _latencies(fn: Callable[[], object], calls: int) -> np.ndarray:
    fn()  # warm-up
    out = np.empty(calls)
    for i in range(calls):
        started = time.perf_counter()
        fn()
        out[i] = time.perf_counter() - started
    return out


def run(size: int) -> list[dict[str, Any]]:
    from industry_credit.synth.config import SynthConfig
    from industry_credit.synth.generate import generate

    scorer = Scorer.from_artifact()
    with tempfile.TemporaryDirectory() as tmp:
        generate(SynthConfig(enterprises=size, seed=7), Path(tmp))
        frames = EnterpriseFrames.from_parquet_dir(tmp)
        as_of = infer_as_of(frames, Path(tmp))
        compiled = Scorer.from_artifact(compiled_cache=Path(tmp) / "compiled")
    repeats = 3 if size <= 200_000 else 2
    features = build_features(frames, as_of)
    x = scorer.schema.encode_columns(features.columns, len(features)).matrix
    threads = scorer._threads(len(x))
    forest = compiled.compiled
    assert forest is not None
    raw = _best(lambda: scorer.booster.predict(x, num_threads=threads), repeats)
    stages = {
        "build_features_s": _best(lambda: build_features(frames, as_of), repeats),
        "validate_encode_s": _best(
            lambda: scorer.schema.encode_columns(features.columns, len(features)), repeats
        ),
        "predict_s": raw,
        "compiled_predict_s": _best(lambda: forest.predict(x, threads), repeats),
    }
    full = _best(lambda: scorer.score(build_features(frames, as_of)), repeats)
    alone = _best(lambda: scorer.score(features), repeats)
    full_compiled = _best(lambda: compiled.score(build_features(frames, as_of)), repeats)
    base = "Booster.predict on the built matrix"
    results = [
        figure(
            "model_batch_score",
            full,
            "s",
            base,
            raw,
            rows=size,
            stages=stages,
            model_version=scorer.model_version,
        ),
        figure("model_score_features", alone, "s", base, raw, rows=size),
        figure("model_batch_score_compiled", full_compiled, "s", base, raw, rows=size),
        figure("model_compiled_predict", stages["compiled_predict_s"], "s", base, raw, rows=size),
    ]
    sample = features.take(np.arange(min(SHAP_ROWS, len(features))))
    xs = x[: len(sample)]
    shap = _best(lambda: scorer.reasons(lambda name: plain_list(sample[name]), xs), repeats)
    raw_s = _best(lambda: scorer.booster.predict(xs, num_threads=1), repeats)
    results.append(figure("model_shap_10k", shap, "s", "Booster.predict", raw_s, rows=len(sample)))
    # The nightly batch explains only the firms it queues: TreeSHAP on a 5 % subset, against
    # scoring every row (what the batch pays anyway).
    flagged = np.arange(0, len(features), 20)
    explain = _best(lambda: table_reasons(scorer, features, flagged), repeats)
    results.append(
        figure(
            "model_flagged_reasons",
            explain,
            "s",
            "Scorer.score of all rows",
            alone,
            rows=size,
            explained=len(flagged),
        )
    )
    one = features.take(np.array([0]))
    row = x[:1]
    single = _latencies(lambda: scorer.score(one, with_shap=True), LATENCY_CALLS)
    raw_one = _latencies(lambda: scorer.booster.predict(row, num_threads=1), LATENCY_CALLS)
    for q in (50, 99):
        value = float(np.percentile(single, q)) * 1e3
        base_q = float(np.percentile(raw_one, q)) * 1e3
        results.append(figure(f"model_single_p{q}", value, "ms", "Booster.predict one row", base_q))
    return results
