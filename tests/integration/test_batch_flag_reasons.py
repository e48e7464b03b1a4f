"""The nightly run explains the firms it queues: TreeSHAP reason codes on the flagged rows only,
recomputed by the contagion pass for the firms it flags, and nothing for the rest."""

from __future__ import annotations

import numpy as np
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from industry_credit.batch.compute import queue_flags
from industry_credit.batch.engine import load_engine
from industry_credit.ml.features import build_features
from industry_credit.ml.frames import EnterpriseFrames
from industry_credit.ml.reasons import describe
from industry_credit.ml.scorer import table_reasons
from industry_credit.rules.loading import default_ruleset
from industry_credit.rules.review_queue import queue_policy
from tests.integration import test_batch_support as support
from tests.integration.test_batch_signals import _circuit_breaker, _core_with_suppliers
from tests.integration.test_batch_support import AS_OF, BatchEnv, run, sql

# The flags that queue a firm: the batch's own and the ruleset's must-review flags.
REVIEW_FLAGS = queue_flags(queue_policy(default_ruleset().content))

batch_env = support.batch_env  # the session fixture, shared by the batch test modules


def test_flagged_firms_carry_their_reasons_and_others_none(batch_env: BatchEnv) -> None:
    url = batch_env.database()
    core, suppliers = _core_with_suppliers(url)
    ids = [core, *(s for s, _ in suppliers)]
    sql(url, "UPDATE enterprises SET in_portfolio = true WHERE id = ANY(:ids)", ids=ids)
    _circuit_breaker(url, core)
    outcome = run(url)
    rows = sql(
        url,
        "SELECT enterprise_id, flags, reasons, pd, pd_standalone FROM rescore_results"
        " WHERE run_id = CAST(:r AS uuid)",
        r=outcome.run_id,
    )
    queued = [r for r in rows if set(r[1]) & REVIEW_FLAGS]
    assert queued
    assert all(r[2] is None for r in rows if not set(r[1]) & REVIEW_FLAGS)
    for _, _, reasons, _, _ in queued:
        assert 1 <= len(reasons) <= 4
        contributions = [r["contribution"] for r in reasons]
        assert all(c > 0 for c in contributions)
        assert contributions == sorted(contributions, reverse=True)
        # The current renderer: the signed sentence the pages show, with the firm's value.
        assert all((r["zh"], r["en"]) == describe(r["feature"], r["value"]) for r in reasons)
    # The rules that fired, with the values they read: the distressed core's circuit breaker.
    by_firm = {
        r[0]: r[1]
        for r in sql(
            url,
            "SELECT enterprise_id, flag_evidence FROM rescore_results WHERE run_id = CAST(:r AS uuid)",
            r=outcome.run_id,
        )
    }
    assert all(by_firm[r[0]] is not None for r in queued)
    assert all(v is None for e, v in by_firm.items() if e not in {r[0] for r in queued})
    core_evidence = by_firm[core]
    fired = {h["rule_id"] for h in core_evidence["rule_hits"]}
    assert "REF-CIRCUIT-DOWNTIME" in fired
    assert core_evidence["values"]["downtime_jump"] > 0.10  # the ruleset's downtime_jump_max
    assert 0 <= core_evidence["values"]["pd"] <= 1
    # Suppliers queued by the contagion pass alone: phase 1 wrote no reasons for them, so
    # theirs come from the second pass.
    contagion_only = [r for r in queued if set(r[1]) & REVIEW_FLAGS == {"contagion"}]
    assert contagion_only
    assert all(r[2] for r in contagion_only)


def test_reasons_of_a_subset_equal_those_of_the_whole_chunk(batch_env: BatchEnv) -> None:
    """TreeSHAP on the flagged rows alone gives each row the reasons it gets when the whole
    chunk is explained: a row's contributions do not depend on the other rows."""
    url = batch_env.database()
    with Session(create_engine(url)) as session:
        engine = load_engine(session)
    features = build_features(EnterpriseFrames.from_parquet_dir(batch_env.population_dir), AS_OF)
    whole = engine.scorer.score(features, with_shap=True).reasons
    assert whole is not None
    rows = np.arange(3, len(features), 7)
    subset = table_reasons(engine.scorer, features, rows)
    assert subset == [whole[i] for i in rows]
    assert any(subset)
    assert table_reasons(engine.scorer, features, rows[:0]) == []
