"""The nightly review queue over three nights (issue 18's targets), on a synthetic population.

A population of ``size`` firms (seed 11, the default 12% portfolio share) is rescored on
2026-11-20, -22 and -26 with the default model and ruleset and the default capacity (2% of the
portfolio). Figures, each against a baseline from the same runs:

* ``queue_open_cases_per_firm``: open batch cases ÷ firms with one, after three nights, against
  what one case per flagged firm per night would have left (the behaviour before the queue).
* ``queue_new_cases_night2`` / ``night3``: cases opened that night, against the firms flagged.
* ``queue_recall_top2pct``: recall of the 12-month defaults among the queue's top 2% of the
  portfolio by expected loss, against an oracle ranking the same number of firms by ``true_pd``.
* ``queue_top_decile_precision``: default rate of the queue's top decile by expected loss,
  against the portfolio's default rate (the ratio is the lift).
"""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench.database import population_database
from bench.report import RESULTS_DIR, figure
from industry_credit.batch.cli import _load
from industry_credit.batch.runner import Options, rescore
from industry_credit.config import get_settings
from industry_credit.db.admin import drop_database
from industry_credit.db.engine import resolve_database_url
from industry_credit.ml.artifact import load_artifact
from industry_credit.synth.config import SynthConfig
from industry_credit.synth.generate import generate

NIGHTS = (date(2026, 11, 20), date(2026, 11, 22), date(2026, 11, 26))
SEED = 11


def _rows(url: str, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())
    finally:
        engine.dispose()


def _population(size: int, out: Path) -> None:
    generate(SynthConfig(enterprises=size, seed=SEED), out)


def run(size: int) -> list[dict[str, Any]]:
    server = resolve_database_url(get_settings())
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "population"
        _population(size, out)
        url, _ = _database_from(server, size, out)
    try:
        return _measure(url, size)
    finally:
        drop_database(url)


def _database_from(server: str, size: int, out: Path) -> tuple[str, Any]:
    """A database with the population, the default ruleset and the default model artifact (the
    queue is measured with the model a deployment runs)."""
    artifact = load_artifact(get_settings().model_dir)
    url = population_database(server, out, artifact)
    return url, artifact


def _measure(url: str, size: int) -> list[dict[str, Any]]:
    reports = []
    for night in NIGHTS:
        outcome = rescore(Options(as_of=night), database_url=url, load=_load)
        (report,) = _rows(url, "SELECT report FROM batch_runs WHERE id = :r", r=outcome.run_id)[0]
        reports.append(report)
    (open_cases, firms) = _rows(
        url,
        "SELECT count(*), count(DISTINCT enterprise_id) FROM review_cases"
        " WHERE source = 'batch_flag' AND status <> 'closed'",
    )[0]
    flagged_firms = _rows(
        url,
        "SELECT count(DISTINCT enterprise_id) FROM rescore_results"
        " WHERE flags && ARRAY['early_warning','downgrade_2_notches','contagion']::varchar[]",
    )[0][0]
    before = sum(r["counts"]["flagged"] for r in reports)
    last = reports[-1]
    quality = last["warning_quality"]
    top = quality["queue_top_2pct"]
    deciles = quality["queue_deciles"]
    extra = {
        "size": size,
        "seed": SEED,
        "portfolio": last["queue"]["portfolio"],
        "nights": [
            {
                "as_of": n.isoformat(),
                "queue": {k: v for k, v in r["queue"].items() if k != "deferred"}
                | {"deferred": r["queue"]["deferred"]["count"]},
                "flagged": r["counts"]["flagged"],
            }
            for n, r in zip(NIGHTS, reports, strict=True)
        ],
        "warning_quality": quality,
    }
    (RESULTS_DIR / "queue_three_nights.json").parent.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "queue_three_nights.json").write_text(
        json.dumps(extra, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return [
        figure(
            "queue_open_cases_per_firm",
            open_cases / max(firms, 1),
            "cases/firm",
            "one case per flagged firm per night",
            before / max(flagged_firms, 1),
            open_cases=open_cases,
            firms=firms,
        ),
        *(
            figure(
                f"queue_new_cases_night{k + 1}",
                float(reports[k]["queue"]["opened"]),
                "cases",
                "firms flagged that night",
                float(reports[k]["counts"]["flagged"]),
                must_review=reports[k]["queue"]["opened_must_review"],
                capacity=reports[k]["queue"]["capacity"],
            )
            for k in (1, 2)
        ),
        figure(
            "queue_recall_top2pct",
            float(top["recall"] or 0.0),
            "recall",
            "oracle by true_pd at the same share",
            float(top["oracle_recall"] or 0.0),
            share=top["share"],
        ),
        figure(
            "queue_recall_top2pct_by_pd",
            float(quality["queue_top_2pct_by_pd"]["recall"] or 0.0),
            "recall",
            "oracle by true_pd at the same share",
            float(quality["queue_top_2pct_by_pd"]["oracle_recall"] or 0.0),
            share=quality["queue_top_2pct_by_pd"]["share"],
        ),
        figure(
            "queue_top_decile_precision",
            float(deciles[0]["precision"]) if deciles else 0.0,
            "default rate",
            "portfolio default rate",
            float(quality["default_rate"]),
        ),
    ]
