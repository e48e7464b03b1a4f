"""End to end: rescore a small synthetic portfolio in a real PostgreSQL database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from industry_credit.batch.compute import REVIEW_FLAGS
from industry_credit.batch.partitions import partition_name
from industry_credit.batch.runs import InterruptedRunError
from industry_credit.db import migrate
from tests.integration import test_batch_support as support
from tests.integration.test_batch_support import AS_OF, CHUNK, BatchEnv, results, run, sql

batch_env = support.batch_env  # the session fixture, shared by the batch test modules
# Fewer than the night's flagged firms without a must-review flag: some are deferred.
CAPACITY = 20


@pytest.fixture(scope="module")
def done(batch_env: BatchEnv) -> tuple[str, Any]:
    url = batch_env.database()
    return url, run(url, review_capacity=CAPACITY)


def test_rescores_every_eligible_enterprise_once(done: tuple[str, Any]) -> None:
    url, outcome = done
    assert outcome.status == "succeeded"
    eligible = sql(url, "SELECT count(*) FROM enterprises WHERE in_portfolio OR exposure > 0")
    rows = results(url)
    assert len(rows) == eligible[0][0] == outcome.enterprises > 0
    assert len({r[0] for r in rows}) == len(rows)
    assert all(0 <= r[1] <= 1 and r[3] in ("approve", "refer", "decline") for r in rows)
    run_row = sql(url, "SELECT status, total_chunks, finished_at IS NOT NULL FROM batch_runs")
    assert run_row[0][0] == "succeeded"
    assert run_row[0][2]
    (chunks,) = sql(url, "SELECT count(*) FROM batch_checkpoints")[0]
    assert chunks == run_row[0][1] >= -(-outcome.enterprises // CHUNK)


def test_a_night_queues_must_review_firms_and_the_largest_expected_losses(
    done: tuple[str, Any],
) -> None:
    url, outcome = done
    queue = sql(url, "SELECT report->'queue' FROM batch_runs")[0][0]
    must_flags = set(queue["policy"]["must_review_flags"])
    flagged = {r[0]: set(r[5]) for r in results(url) if set(r[5]) & (REVIEW_FLAGS | must_flags)}
    must = {e for e, f in flagged.items() if f & must_flags}
    cases = sql(
        url,
        "SELECT enterprise_id, source, status, batch_run_id::text, expected_loss, signal_state"
        " FROM review_cases",
    )
    queued = {c[0]: c[4] for c in cases}
    assert len(cases) == len(queued) == outcome.review_cases == queue["opened"] > 0
    assert all(c[1:4] == ("batch_flag", "open", outcome.run_id) for c in cases)
    assert all(c[5] == "new" and c[4] > 0 for c in cases)
    assert must <= set(queued) <= set(flagged)
    chosen = set(queued) - must
    assert len(chosen) == queue["opened_within_capacity"] == CAPACITY
    assert queue["opened_must_review"] == len(must)
    assert queue["deferred"]["count"] == len(flagged) - len(queued) > 0
    # Chosen by expected loss: no deferred firm carries more than the smallest chosen case.
    deferred_max = max(d["expected_loss"] for d in queue["deferred"]["top"])
    assert min(queued[e] for e in chosen) >= deferred_max


def test_report_is_stored_with_its_sections(done: tuple[str, Any]) -> None:
    url, outcome = done
    report, html = sql(url, "SELECT report, report_html FROM batch_runs")[0]
    assert report["counts"]["enterprises"] == outcome.enterprises
    for key in (
        "timings",
        "grade_migration",
        "downgrades",
        "early_warnings",
        "contagion",
        "psi",
        "exposure",
    ):
        assert key in report
    assert sum(map(sum, report["grade_migration"]["matrix"])) == outcome.enterprises
    assert sum(r["enterprises"] for r in report["exposure"]) == outcome.enterprises
    assert "score" in report["psi"]
    assert report["psi"]["features"]
    assert html.startswith("<!DOCTYPE html>")
    assert "<svg" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_audit_records_start_and_finish(done: tuple[str, Any]) -> None:
    url, outcome = done
    actions = sql(
        url, "SELECT action FROM audit_log WHERE entity_id = :r ORDER BY id", r=outcome.run_id
    )
    assert [a[0] for a in actions] == ["batch_run.start", "batch_run.finish"]


def test_rerun_is_a_noop_and_force_replaces(done: tuple[str, Any]) -> None:
    url, first = done
    before = results(url)
    again = run(url)
    assert again.status == "noop"
    assert again.run_id == first.run_id
    assert results(url) == before
    forced = run(url, force=True)
    assert forced.status == "succeeded"
    assert forced.run_id != first.run_id
    statuses = dict(sql(url, "SELECT id::text, status FROM batch_runs"))
    assert statuses == {first.run_id: "superseded", forced.run_id: "succeeded"}
    assert results(url) == before  # same data, same model: the same results
    assert {r[0] for r in sql(url, "SELECT DISTINCT run_id::text FROM rescore_results")} == {
        forced.run_id
    }


def test_unfinished_run_needs_resume_or_force(batch_env: BatchEnv) -> None:
    url = batch_env.database()
    sql(
        url,
        "INSERT INTO batch_runs (id, as_of, status, chunk_size, model_version, ruleset_version,"
        " params) SELECT gen_random_uuid(), :d, 'running', 10, m.version, r.version,"
        " '{}'::jsonb FROM model_versions m, ruleset_versions r",
        d=AS_OF,
    )
    with pytest.raises(InterruptedRunError):
        run(url)


def test_dry_run_writes_nothing(batch_env: BatchEnv) -> None:
    url = batch_env.database()
    outcome = run(url, dry_run=True)
    assert outcome.status == "dry_run"
    assert outcome.enterprises > 0
    assert outcome.extra["first_chunk_scored"] == min(CHUNK, outcome.enterprises)
    assert sql(url, "SELECT count(*) FROM batch_runs")[0][0] == 0
    assert sql(url, "SELECT count(*) FROM rescore_results")[0][0] == 0


def test_an_empty_portfolio_succeeds_with_an_empty_report(batch_env: BatchEnv) -> None:
    url = batch_env.database()
    sql(url, "UPDATE enterprises SET in_portfolio = false, exposure = 0")
    outcome = run(url)
    assert outcome.status == "succeeded"
    assert outcome.enterprises == 0
    (report,) = sql(url, "SELECT report FROM batch_runs")[0]
    assert report["counts"]["enterprises"] == 0
    assert report["exposure"] == []


def test_compiled_trees_agree_and_are_recorded_for_resume(
    done: tuple[str, Any], batch_env: BatchEnv, tmp_path: Path
) -> None:
    plain_url, _ = done
    url = batch_env.database()
    outcome = run(url, compiled_trees=True, compiled_cache=tmp_path)
    assert outcome.status == "succeeded"
    assert list(tmp_path.glob("*.o")), "the compiled forest is cached for the next night"
    (recorded,) = sql(url, "SELECT params->>'compiled_trees' FROM batch_runs")[0]
    assert recorded == "true"
    plain, compiled = results(plain_url), results(url)
    # The compiled trees give LightGBM's margins bit for bit, so every column is the same.
    assert compiled == plain
    # A resumed run follows what the run recorded, not the flags of the resuming command: it
    # compiles the trees into the (empty) cache it is given, although the command says not to.
    sql(url, "UPDATE batch_runs SET status = 'failed'")
    sql(url, "DELETE FROM batch_checkpoints WHERE chunk_no > 0")
    fresh_cache = tmp_path / "resume-cache"
    resumed = run(url, resume=True, compiled_trees=False, compiled_cache=fresh_cache)
    assert resumed.status == "succeeded"
    assert list(fresh_cache.glob("*.o")), "the resumed run must use the recorded compiled trees"
    assert results(url) == compiled


def test_results_load_into_an_attached_date_partition(done: tuple[str, Any]) -> None:
    """The run's partition carries the parent's keys once attached: a result row for an
    enterprise that does not exist is refused, as it would be by the unpartitioned table."""
    url, _ = done
    name = partition_name(AS_OF)
    (parent,) = sql(
        url,
        "SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = to_regclass(:n)",
        n=name,
    )[0]
    assert parent == "rescore_results"
    keys = {
        r[0]
        for r in sql(
            url,
            "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(:n) AND contype = 'f'",
            n=name,
        )
    }
    assert keys == {
        "fk_rescore_results_enterprise_id_enterprises",
        "fk_rescore_results_run_id_batch_runs",
    }
    with pytest.raises(IntegrityError):
        sql(
            url,
            "INSERT INTO rescore_results (as_of, enterprise_id, run_id, pd, grade, outcome)"
            " SELECT as_of, -1, run_id, pd, grade, outcome FROM rescore_results LIMIT 1",
        )


def test_partitioning_migration_keeps_every_result(batch_env: BatchEnv) -> None:
    url = batch_env.database()
    run(url)
    before = results(url)
    migrate.downgrade(url, "20261121_03")  # back to one plain table
    assert results(url) == before
    assert sql(url, "SELECT relkind::text FROM pg_class WHERE relname = 'rescore_results'") == [
        ("r",)
    ]
    migrate.upgrade(url)
    assert results(url) == before
    assert sql(url, "SELECT relkind::text FROM pg_class WHERE relname = 'rescore_results'") == [
        ("p",)
    ]
    forced = run(url, force=True)  # a rerun replaces the migrated partition
    assert forced.status == "succeeded"
    assert results(url) == before


def test_report_measures_the_early_warnings_against_known_outcomes(
    done: tuple[str, Any],
) -> None:
    url, _ = done
    report, html = sql(url, "SELECT report, report_html FROM batch_runs")[0]
    quality = report["warning_quality"]
    truth = sql(
        url,
        "SELECT r.flags, e.defaulted_12m FROM rescore_results r"
        " JOIN enterprises e ON e.id = r.enterprise_id WHERE e.defaulted_12m IS NOT NULL",
    )
    defaults = sum(1 for _, d in truth if d)
    assert quality["outcomes_known"] == len(truth) > 0
    assert quality["defaults"] == defaults > 0
    early = [d for fl, d in truth if "early_warning" in fl]
    got = quality["per_flag"]["early_warning"]
    assert got["flagged"] == len(early)
    assert got["precision"] == pytest.approx(sum(early) / len(early), abs=1e-6)
    assert got["recall"] == pytest.approx(sum(early) / defaults, abs=1e-6)
    assert got["lift"] == pytest.approx(got["precision"] / (defaults / len(truth)), abs=1e-3)
    deciles = quality["queue_deciles"]
    assert sum(d["cases"] for d in deciles) == quality["queue"]["flagged"]
    assert deciles[-1]["cumulative_recall"] == quality["queue"]["recall"]
    # The oracle: as many firms as the queue holds, ranked by the true PD.
    ranked = sql(
        url,
        "SELECT e.defaulted_12m FROM rescore_results r JOIN enterprises e ON e.id = r.enterprise_id"
        " WHERE e.defaulted_12m IS NOT NULL ORDER BY e.true_pd DESC NULLS LAST, r.enterprise_id",
    )
    k = quality["queue"]["flagged"]
    oracle = sum(1 for (d,) in ranked[:k] if d) / defaults
    assert quality["queue"]["oracle_recall"] == pytest.approx(oracle, abs=1e-6)
    for heading in ("Early warnings measured against 12-month outcomes", "Review queue tonight"):
        assert heading in html
