"""One application through the decision engine, against raw LightGBM on one numpy row.

``decide_single_p50`` / ``decide_single_p99``: ``PipelineEngine.decide`` on the example
document (the RM's case: flatten the document into column arrays, build the features, score,
four reason codes from TreeSHAP, every rule, the decision document), against
``Booster.predict`` of the same model on one already built numpy row. ``decide_batch_per_row``:
the same engine on ``size`` synthetic documents in one call, per row, against
``Booster.predict`` on their matrix per row.

    python -m bench --only bench_decide
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from bench.report import figure
from industry_credit.applications.examples import ROBOT_STARTUP
from industry_credit.applications.schemas import ApplicationDocument
from industry_credit.decisions.engine import PipelineEngine
from industry_credit.decisions.types import DecisionInput
from industry_credit.ml.features import build_features
from industry_credit.ml.frames import EnterpriseFrames
from industry_credit.ml.scorer import Scorer
from industry_credit.rules.loading import default_ruleset

CALLS = 500
AS_OF = date(2026, 11, 30)
BATCH_DOCUMENTS_MAX = 5_000


def _latencies(fn: Callable[[], object], calls: int) -> np.ndarray:
    for _ in range(20):  # warm caches and imports outside the timing
        fn()
    out = np.empty(calls)
    for i in range(calls):
        started = time.perf_counter()
        fn()
        out[i] = time.perf_counter() - started
    return out


def _documents(size: int) -> list[DecisionInput]:
    from industry_credit.synth.config import SynthConfig
    from industry_credit.synth.documents import application_documents
    from industry_credit.synth.generate import generate

    with tempfile.TemporaryDirectory() as tmp:
        generate(SynthConfig(enterprises=size, seed=17), Path(tmp))
        raw = application_documents(Path(tmp), limit=size)
    return [DecisionInput(document=ApplicationDocument.model_validate(d), as_of=AS_OF) for d in raw]


def run(size: int) -> list[dict[str, Any]]:
    scorer = Scorer.from_artifact()
    engine = PipelineEngine(
        scorer=scorer, ruleset=default_ruleset(), model_version=scorer.model_version
    )
    item = [DecisionInput(document=ApplicationDocument.model_validate(ROBOT_STARTUP), as_of=AS_OF)]
    frames = EnterpriseFrames.from_documents([item[0].document])
    features = build_features(frames, AS_OF)
    row = scorer.schema.encode_columns(features.columns, 1).matrix
    single = _latencies(lambda: engine.decide(item), CALLS)
    raw = _latencies(lambda: scorer.booster.predict(row, num_threads=1), CALLS)
    results = []
    for q in (50, 99):
        value = float(np.percentile(single, q)) * 1e3
        base = float(np.percentile(raw, q)) * 1e3
        results.append(
            figure(f"decide_single_p{q}", value, "ms", "Booster.predict one row", base, calls=CALLS)
        )
    inputs = _documents(min(size, BATCH_DOCUMENTS_MAX))
    batch_frames = EnterpriseFrames.from_documents([i.document for i in inputs])
    batch_features = build_features(batch_frames, AS_OF)
    matrix = scorer.schema.encode_columns(batch_features.columns, len(inputs)).matrix
    engine.decide(inputs[:10])
    started = time.perf_counter()
    engine.decide(inputs)
    per_row = (time.perf_counter() - started) / len(inputs)
    started = time.perf_counter()
    scorer.booster.predict(matrix, num_threads=1)
    raw_row = (time.perf_counter() - started) / len(inputs)
    results.append(
        figure(
            "decide_batch_per_row",
            per_row * 1e3,
            "ms",
            "Booster.predict per row",
            raw_row * 1e3,
            rows=len(inputs),
        )
    )
    return results
