"""Pure parts of the nightly batch: plan encoding, contagion, clusters, CSV, PSI, HTML."""

from __future__ import annotations

import io
import time
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest

from industry_credit.batch.contagion import clusters, propagate
from industry_credit.batch.engine import psi_baselines
from industry_credit.batch.progress import Progress
from industry_credit.batch.report import (
    PSI_ALERT,
    PSI_WARN,
    SECTION_GROUPS,
    SECTION_ORDER,
    portfolio_limits,
    psi_status,
)
from industry_credit.batch.report_html import render_html
from industry_credit.batch.scope import (
    BANK_TZ,
    Plan,
    chunk_bounds,
    data_cutoff,
    decode_runs,
    encode_runs,
)
from industry_credit.batch.store import RESULT_COLUMNS, to_csv


def test_runs_round_trip_and_chunks_are_contiguous_slices() -> None:
    ids = np.array([1, 2, 3, 7, 8, 10, 11, 12, 13, 20], dtype=np.int64)
    runs = encode_runs(ids)
    assert runs == [[1, 3], [7, 8], [10, 13], [20, 20]]
    assert decode_runs(runs).tolist() == ids.tolist()
    bounds = chunk_bounds(ids, 4)
    assert bounds == [[1, 7], [8, 12], [13, 20]]
    rebuilt = np.concatenate([decode_runs(runs, lo, hi) for lo, hi in bounds])
    assert rebuilt.tolist() == ids.tolist()
    assert encode_runs(np.zeros(0, dtype=np.int64)) == []


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_chunk_ids_are_the_plan_members_in_each_chunk(seed: int) -> None:
    rng = np.random.default_rng(seed)
    ids = np.flatnonzero(rng.random(5000) < rng.uniform(0.05, 0.95)).astype(np.int64) + 1
    bounds = chunk_bounds(ids, int(rng.integers(1, 700)))
    plan = Plan(
        as_of=date(2026, 10, 31),
        cutoff=datetime(2026, 10, 31, 16, 0, tzinfo=UTC),
        members=encode_runs(ids),
        chunks=bounds,
        previous_run_id=None,
        previous_cutoff=None,
    )
    for k, (lo, hi) in enumerate(bounds):
        expected = ids[(ids >= lo) & (ids <= hi)]
        assert plan.chunk_ids(k).tolist() == expected.tolist()
    assert np.concatenate([plan.chunk_ids(k) for k in range(len(bounds))]).tolist() == ids.tolist()
    # Bounds that cut runs in the middle, and bounds outside every run.
    assert decode_runs(plan.members, 3, 3).tolist() == ([3] if 3 in ids else [])
    assert decode_runs(plan.members, 6000, 7000).tolist() == []


def test_plan_survives_its_params() -> None:
    plan = Plan(
        as_of=date(2026, 10, 31),
        cutoff=datetime(2026, 10, 31, 16, 0, tzinfo=UTC),
        members=[[1, 5], [9, 9]],
        chunks=[[1, 4], [5, 9]],
        previous_run_id=None,
        previous_cutoff=None,
    )
    again = Plan.from_params(plan.to_params())
    assert again == plan
    assert again.total == 6
    assert again.chunk_ids(1).tolist() == [5, 9]


def test_cutoff_is_the_end_of_the_shanghai_day_or_now() -> None:
    late = datetime(2026, 12, 1, tzinfo=UTC)
    cutoff = data_cutoff(date(2026, 10, 31), late)
    assert cutoff == datetime(2026, 11, 1, tzinfo=BANK_TZ)
    assert cutoff.astimezone(UTC) == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    early = datetime(2026, 10, 31, 3, 0, tzinfo=UTC)
    assert data_cutoff(date(2026, 10, 31), early) == early


def test_propagate_weights_by_sales_share_and_severity() -> None:
    links = pd.DataFrame(
        {
            "supplier_id": [10, 10, 11, 12, 5],
            "core_id": [1, 2, 1, 3, 5],
            "share": [0.5, 0.7, 0.2, 0.9, 1.0],
        }
    )
    sources = pd.DataFrame({"enterprise_id": [1, 2, 5], "distress": [1.0, 0.5, 1.0]})
    out = propagate(links, sources).set_index("enterprise_id")["contagion_score"]
    assert out.to_dict() == pytest.approx({10: min(1.0, 0.5 + 0.35), 11: 0.2})
    assert 12 not in out.index  # its buyer is not distressed
    assert 5 not in out.index  # no self-contagion
    capped = propagate(links, sources.assign(distress=1.0)).set_index("enterprise_id")
    assert capped.loc[10, "contagion_score"] == 1.0
    assert propagate(links.iloc[:0], sources).empty


def test_propagate_is_fast_on_millions_of_links() -> None:
    rng = np.random.default_rng(0)
    n_links, n_firms = 2_000_000, 500_000
    links = pd.DataFrame(
        {
            "supplier_id": rng.integers(1000, n_firms, n_links),
            "core_id": rng.integers(1, 1000, n_links),
            "share": rng.random(n_links) * 0.3,
        }
    )
    sources = pd.DataFrame({"enterprise_id": np.arange(1, 1000, 3), "distress": 1.0})
    started = time.perf_counter()
    out = propagate(links, sources)
    assert time.perf_counter() - started < 5.0
    assert out["contagion_score"].between(0, 1).all()
    assert out["enterprise_id"].is_monotonic_increasing


def test_clusters_are_connected_components_of_flagged_firms() -> None:
    edges = pd.DataFrame({"a": [1, 2, 4, 9, 7], "b": [2, 3, 5, 1, 99]})
    comps = clusters(np.array([1, 2, 3, 4, 5, 6, 7, 9]), edges)
    assert comps == [[1, 2, 3, 9], [4, 5]]  # 6 and 7 are alone; 99 is not flagged
    rng = np.random.default_rng(1)
    big = pd.DataFrame(
        {"a": rng.integers(0, 200_000, 1_000_000), "b": rng.integers(0, 200_000, 1_000_000)}
    )
    started = time.perf_counter()
    assert clusters(np.arange(200_000), big)
    assert time.perf_counter() - started < 5.0


def test_results_csv_round_trips_floats_and_arrays() -> None:
    frame = pd.DataFrame(
        {
            "enterprise_id": [1, 2],
            "pd": [0.1 + 0.2, 1 / 3],
            "grade": ["BB", "CCC"],
            "outcome": ["refer", "decline"],
            "stage": ["growth", "startup"],
            "flags": [["contagion", "early_warning"], []],
            "flag_set": [0, 1],
            "contagion_score": [0.25, 0.0],
            "pd_standalone": [0.1 + 0.2, 1 / 3],
            "grade_standalone": ["BB", "CCC"],
            "previous_grade": ["BB+", None],
            "notches": [1.0, np.nan],
            "distress": [0.0, 1.0],
            "reasons": ['[{"feature": "roa", "zh": "总资产收益率为-23%, 亏损"}]', None],
            "flag_evidence": ['{"rule_hits": [], "values": {"pd": 0.3}}', None],
        }
    )
    data = to_csv(frame, as_of=date(2026, 10, 31), run_id="r")
    back = pd.read_csv(
        io.BytesIO(data), header=None, names=list(RESULT_COLUMNS), keep_default_na=False
    )
    assert back["pd"].tolist() == [0.1 + 0.2, 1 / 3]
    assert back["flags"].tolist() == ["{contagion,early_warning}", "{}"]
    assert back["notches"].tolist() == ["1", ""]  # an integer, and NULL when unknown
    assert back["previous_grade"].tolist() == ["BB+", ""]
    # JSON with commas and quotes survives CSV quoting; no reasons is NULL.
    assert back["reasons"].tolist() == [
        '[{"feature": "roa", "zh": "总资产收益率为-23%, 亏损"}]',
        "",
    ]


def test_psi_thresholds_and_manifest_baselines() -> None:
    assert psi_status(PSI_WARN - 1e-9) == "ok"
    assert psi_status(PSI_WARN) == "warn"
    assert psi_status(PSI_ALERT) == "alert"
    base = {"edges": [0.1], "proportions": [0.5, 0.5, 0.0]}
    nested = psi_baselines({"psi_baseline": {"score": base, "features": {"leverage": base}}})
    assert set(nested) == {"score", "leverage"}
    assert psi_baselines({"psi_baseline": {"pd": base, "junk": 3}}) == {"pd": base}
    assert psi_baselines({}) == {}


def test_progress_draws_only_on_a_terminal() -> None:
    quiet = io.StringIO()
    bar = Progress(4, "rescore", stream=quiet)
    bar.advance()
    bar.close()
    assert quiet.getvalue() == ""


def _report() -> dict[str, object]:
    grades = ["AAA", "BB", "C"]
    return {
        "run": {
            "run_id": "r1",
            "as_of": "2026-10-31",
            "data_cutoff": "2026-10-31T16:00:00+00:00",
            "model_version": "m" * 16,
            "ruleset_version": "r" * 64,
            "previous_run_id": None,
        },
        "counts": {
            "enterprises": 3,
            "by_outcome": {"approve": 1, "refer": 1, "decline": 1},
            "flagged": 1,
            "early_warnings": 1,
            "downgrades_2_notches": 0,
            "contagion_flagged": 0,
            "review_cases_created": 1,
        },
        "timings": {
            "standalone": {
                "chunks": 1,
                "rows": 3,
                "seconds": 0.1,
                "stages": {"read": 0.01, "write": 0.02},
            }
        },
        "grade_migration": {
            "from": [*grades, "none"],
            "to": grades,
            "matrix": [[0, 0, 0], [0, 1, 0], [0, 0, 0], [1, 0, 1]],
        },
        "downgrades": {"count": 0, "min_notches": 2, "top": []},
        "early_warnings": {
            "count": 1,
            "top": [{"enterprise_id": 7, "downtime_jump": 0.3, "cancellation_jump": None}],
        },
        "contagion": {"n_clusters": 0, "clusters": []},
        "psi": {
            "warn": 0.1,
            "alert": 0.25,
            "status": "alert",
            "score": {"psi": 0.3, "status": "alert"},
            "features": {"<script>": {"psi": 0.01, "status": "ok"}},
        },
        "exposure": [
            {
                "district": "pudong",
                "sector": "robot",
                "grade": "BB",
                "enterprises": 1,
                "exposure": 5e6,
            }
        ],
        "portfolio": portfolio_limits(
            [
                {
                    "district": "pudong",
                    "sector": "<script>",
                    "grade": "BB",
                    "enterprises": 1,
                    "exposure": 5e6,
                }
            ],
            {"sector_book_share_max": 0.25},
        ),
    }


def test_portfolio_limits_list_the_breaches() -> None:
    rows = [
        {"district": d, "sector": s, "grade": "BB", "enterprises": 1, "exposure": x}
        for d, s, x in (
            ("pudong", "ai_pc", 30.0),
            ("outside_shanghai", "robot", 15.0),
            ("songjiang", "robot", 55.0),
        )
    ]
    limits = {
        "sector_book_share_max": 0.5,
        "district_book_share_max": 0.45,
        "outside_shanghai_book_share_max": 0.10,
    }
    portfolio = portfolio_limits(rows, limits)
    assert portfolio["by_sector"] == {"ai_pc": 0.3, "robot": 0.7}
    assert [(b["kind"], b["code"]) for b in portfolio["breaches"]] == [
        ("sector", "robot"),
        ("district", "outside_shanghai"),
        ("district", "songjiang"),
    ]


def test_html_report_is_self_contained_and_escaped() -> None:
    html = render_html(_report())
    assert html.startswith("<!DOCTYPE html>")
    assert "<svg" in html
    assert '<td class="alert">alert</td>' in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    for external in ("<link", "src=", "@import", "url("):
        assert external not in html


def test_report_section_groups_cover_every_section_once() -> None:
    grouped = [name for group in SECTION_GROUPS for name in group]
    assert sorted(grouped) == sorted(SECTION_ORDER)
    assert len(grouped) == len(set(grouped))
