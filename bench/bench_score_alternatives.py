"""Deal structuring: 1,000 variants of one application, against 1,000 single ``decide`` calls.

``score_alternatives_1000``: ``alternatives_search.search`` on the example document with bounds that
make a grid of exactly 1,000 variants (10 amounts x 5 tenors x 4 security sets x 5 products):
the one-row probe, building the grid, the one kernel call that decides all of it, the ranking
and the five best re-decided as documents with their reason codes; the median of ``REPEATS``
runs. ``score_alternatives_grid_1000``: the kernel call alone (``decide_loans``). The baseline
of both is the same 1,000 variants as documents, decided one ``PipelineEngine.decide`` call
each, the RM's trial and error through ``POST /v1/score`` without the HTTP. The grid does not
depend on ``--size``.

    python -m bench --only bench_score_alternatives
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import numpy as np

from bench.report import figure
from industry_credit.applications.examples import ROBOT_STARTUP
from industry_credit.applications.schemas import ApplicationDocument
from industry_credit.decisions import alternatives, alternatives_search
from industry_credit.decisions.engine import PipelineEngine
from industry_credit.decisions.types import DecisionInput
from industry_credit.ml.scorer import Scorer
from industry_credit.rules.loading import default_ruleset

AS_OF = date(2026, 11, 30)
VARIANTS = 1_000
REPEATS = 30
# The ratio printed is the speed-up: how many times faster than the baseline.
FASTER = "faster than 1,000 single decide calls"
BOUNDS = alternatives.Bounds(amount_steps=10, max_grid=VARIANTS)


def _median(fn: Any, repeats: int) -> float:
    for _ in range(3):  # warm caches outside the timing
        fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def run(size: int) -> list[dict[str, Any]]:
    del size
    scorer = Scorer.from_artifact()
    engine = PipelineEngine(
        scorer=scorer, ruleset=default_ruleset(), model_version=scorer.model_version
    )
    document = ApplicationDocument.model_validate(ROBOT_STARTUP)
    item = DecisionInput(document=document, as_of=AS_OF)
    found = alternatives_search.search(engine=engine, item=item, bounds=BOUNDS)
    grid = found.grid
    if len(grid) != VARIANTS:
        raise RuntimeError(f"the bench grid has {len(grid)} variants, not {VARIANTS}")
    loans = alternatives.loan_table(document, grid)
    singles = [
        DecisionInput(alternatives.variant_document(document, grid, row), AS_OF)
        for row in range(len(grid))
    ]
    searched = _median(
        lambda: alternatives_search.search(engine=engine, item=item, bounds=BOUNDS), REPEATS
    )
    kernel = _median(lambda: engine.decide_loans(item, loans), REPEATS)
    engine.decide(singles[:20])
    started = time.perf_counter()
    for single in singles:
        engine.decide([single])
    one_by_one = time.perf_counter() - started
    base_ms = one_by_one * 1e3
    return [
        figure(
            "score_alternatives_1000",
            searched * 1e3,
            "ms",
            FASTER,
            base_ms,
            ratio=one_by_one / searched,
            variants=len(grid),
            approvable=found.approvable,
        ),
        figure(
            "score_alternatives_grid_1000",
            kernel * 1e3,
            "ms",
            FASTER,
            base_ms,
            ratio=one_by_one / kernel,
            variants=len(grid),
        ),
    ]
