"""The per-chunk computation: a pure function from the chunk's input frames to its result frame.

``score_chunk`` reads only its arguments (frames, previous ratings, contagion scores and the
broadcast scorer and ruleset) and touches no database, file or clock, so the same function could
run as a Dask ``map_partitions``, a Ray task or a Spark ``mapInPandas`` over partitions of
enterprise ids; the runner around it only moves frames in and out of PostgreSQL.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from industry_credit.batch.reader import ChunkInput
from industry_credit.decisions.pipeline import decide_frames
from industry_credit.decisions.shadow import Challenger, ShadowScores, shadow_or_none
from industry_credit.ml.columns import Coded
from industry_credit.ml.feature_table import FeatureTable
from industry_credit.ml.frames import EnterpriseFrames
from industry_credit.ml.grades import DISTRESSED_PD, MASTER_SCALE
from industry_credit.ml.schema import FeatureSchema
from industry_credit.ml.scorer import Scorer, Scores, table_reasons
from industry_credit.rules.result import RuleTable
from industry_credit.rules.review_queue import QueuePolicy, queue_policy
from industry_credit.rules.ruleset import Ruleset

# Batch flags added to the rules' own flags.
FLAG_DOWNGRADE = "downgrade_2_notches"
FLAG_EARLY_WARNING = "early_warning"
FLAG_CONTAGION = "contagion"
# Rules flags that are circuit breakers [004 §3.3]: an early warning for the portfolio.
CIRCUIT_BREAKER_PREFIX = "circuit_breaker"
# Flags that put an enterprise in the risk officers' queue after a nightly run.
REVIEW_FLAGS = frozenset({FLAG_DOWNGRADE, FLAG_EARLY_WARNING, FLAG_CONTAGION})
DOWNGRADE_NOTCHES = 2


def queue_flags(policy: QueuePolicy) -> frozenset[str]:
    """The flags that send a firm to the officers: the batch's own and the ruleset's
    must-review flags (a compliance violation, a PD above the cut-off)."""
    return REVIEW_FLAGS | frozenset(policy.must_review_flags)


# A supplier is flagged when at least this share of its sales goes to distressed core firms.
CONTAGION_FLAG_MIN = 0.10
# A one-notch downgrade of a core enterprise is a third of full distress; three notches or more,
# a decline, a circuit breaker or a PD at CCC level is full distress.
DISTRESS_FULL_NOTCHES = 3
GRADE_INDEX: Mapping[str, int] = {name: i for i, (name, _) in enumerate(MASTER_SCALE)}
# The report lists at most this many circuit-breaker firms per chunk (the largest jumps).
EARLY_WARNING_TOP = 100


@dataclass(frozen=True)
class Decided:
    features: FeatureTable
    scores: Scores
    rules: RuleTable
    seconds: dict[str, float] = field(default_factory=dict)


def decide(frames: EnterpriseFrames, as_of: date, scorer: Scorer, ruleset: Ruleset) -> Decided:
    """features -> score -> rules through the pipeline the API uses (no reason codes)."""
    started = time.perf_counter()
    out = decide_frames(
        frames=frames, as_of=as_of, scorer=scorer, ruleset=ruleset, with_reasons=False
    )
    return Decided(out.features, out.scores, out.rules, {"decide": time.perf_counter() - started})


def grade_index(grades: pd.Series | np.ndarray) -> np.ndarray:
    """Position of each grade on the master scale (NaN when unknown or missing)."""
    codes, uniques = pd.factorize(np.asarray(grades, dtype=object), sort=False)
    # Looked up once per distinct grade (at most the scale's 19), not once per row.
    lookup = np.array([GRADE_INDEX.get(g, np.nan) for g in uniques] + [np.nan], dtype=np.float64)
    return lookup[np.where(codes < 0, len(uniques), codes)]


@dataclass(frozen=True)
class ChunkResult:
    results: pd.DataFrame  # one row per enterprise: the rescore_results columns
    stats: dict[str, Any]  # additive aggregates for the run report
    shadow: ShadowScores | None = None  # the challenger's, on the same rows, when one is set


def score_chunk(
    inp: ChunkInput,
    *,
    as_of: date,
    scorer: Scorer,
    ruleset: Ruleset,
    psi_bins: Mapping[str, Mapping[str, Any]] | None = None,
    challenger: Challenger | None = None,
) -> ChunkResult:
    """Rescore one chunk. Pure: the output depends on the arguments only."""
    decided = decide(inp.frames, as_of, scorer, ruleset)
    shadow = shadow_or_none(decided.features, challenger, ruleset)
    ids = pd.Index(decided.features.ids)
    pd_ = decided.scores.pd
    grade = decided.scores.grade
    rules = decided.rules
    outcome = _labels(rules.outcome)
    prev = inp.previous.set_index("enterprise_id")["previous_grade"].reindex(ids)
    notches = grade_index(grade) - grade_index(prev.to_numpy(dtype=object))
    # Rows with the same rule flags share one pattern number: the batch works per pattern.
    flag_pattern, flag_lists = rules.flags.codes, rules.flags.lists
    breaker_of_pattern = np.array(
        [any(str(x).startswith(CIRCUIT_BREAKER_PREFIX) for x in f) for f in flag_lists],
        dtype=bool,
    )
    breaker = breaker_of_pattern[flag_pattern]
    downgrade = np.nan_to_num(notches, nan=0.0) >= DOWNGRADE_NOTCHES
    contagion = np.zeros(len(ids))
    if inp.contagion is not None:
        contagion = (
            inp.contagion.set_index("enterprise_id")["contagion_score"]
            .reindex(ids)
            .fillna(0.0)
            .to_numpy(dtype=np.float64)
        )
    contagious = contagion >= CONTAGION_FLAG_MIN
    flag_set, flags = _batch_flags(flag_pattern, flag_lists, breaker, downgrade, contagious)
    t0 = time.perf_counter()
    queued = _queued_rows(flag_set, flags, queue_flags(queue_policy(ruleset.content)))
    reasons = _flagged_reasons(decided.features, scorer, queued)
    evidence = _flag_evidence(decided, pd_, ruleset, queued)
    decided.seconds["reasons"] = time.perf_counter() - t0
    core = np.asarray(decided.features["is_core_enterprise"], dtype=bool)
    full = (outcome == "decline") | (pd_ >= DISTRESSED_PD) | breaker
    partial = np.clip(np.nan_to_num(notches, nan=0.0) / DISTRESS_FULL_NOTCHES, 0.0, 1.0)
    distress = np.where(core, np.where(full, 1.0, partial), 0.0)
    results = pd.DataFrame(
        {
            "enterprise_id": ids.to_numpy(dtype=np.int64),
            "pd": pd_,
            "grade": grade,
            "outcome": outcome,
            "stage": _labels(rules.stage),
            "flags": flags,
            "flag_set": flag_set,
            "contagion_score": contagion,
            "pd_standalone": pd_,
            "grade_standalone": grade,
            "previous_grade": prev.to_numpy(dtype=object),
            "notches": notches,
            "distress": distress,
            "reasons": reasons,
            "flag_evidence": evidence,
        }
    )
    stats: dict[str, Any] = {"seconds": decided.seconds, "rows": len(ids)}
    stats["psi_counts"] = _bin_counts(decided.features, pd_, psi_bins or {}, scorer.schema)
    stats["early_warnings"] = _early_warnings(decided.features, breaker)
    return ChunkResult(results, stats, shadow)


def _queued_rows(
    flag_set: npt.NDArray[np.int64], flags: npt.NDArray[np.object_], queueing: frozenset[str]
) -> npt.NDArray[np.intp]:
    """The rows whose flags send them to the officers' queue. Flags are decided per flag
    combination (``flag_set``), so the test runs once per combination, not per row."""
    _, first = np.unique(flag_set, return_index=True)
    queued = {int(flag_set[row]) for row in first if queueing.intersection(flags[row])}
    return np.flatnonzero(np.isin(flag_set, list(queued)))


def _flagged_reasons(
    features: FeatureTable, scorer: Scorer, rows: npt.NDArray[np.intp]
) -> npt.NDArray[np.object_]:
    """Reason codes (JSON text) for the queued rows, None elsewhere. A row's TreeSHAP costs
    about a hundred predictions, so it runs on those rows only, in one vectorized call."""
    out: npt.NDArray[np.object_] = np.full(len(features), None, dtype=object)
    for row, reasons in zip(rows, table_reasons(scorer, features, rows), strict=True):
        out[row] = json.dumps(reasons, ensure_ascii=False, allow_nan=False)
    return out


def _flag_evidence(
    decided: Decided, pd_: np.ndarray, ruleset: Ruleset, rows: npt.NDArray[np.intp]
) -> npt.NDArray[np.object_]:
    """For the queued rows (JSON text, None elsewhere): the rules that fired and the values
    they read, so the case page can show each hit against its threshold as a decision does."""
    out: npt.NDArray[np.object_] = np.full(len(pd_), None, dtype=object)
    if len(rows) == 0:
        return out
    reads = {rule.id: rule.reads for rule in ruleset.rules}
    records = decided.features.take(rows).records()
    for row, record in zip(rows.tolist(), records, strict=True):
        hits = [dict(h) for h in decided.rules.rule_hits.row(row)]
        names = sorted({n for h in hits for n in reads.get(str(h.get("rule_id")), ())})
        values = {n: record[n] for n in names if n in record}
        values["pd"] = float(pd_[row])
        out[row] = json.dumps(
            {"rule_hits": hits, "values": values}, ensure_ascii=False, allow_nan=False
        )
    return out


def _labels(column: Coded) -> npt.NDArray[np.object_]:
    names = np.asarray([*column.categories, None], dtype=object)
    out: npt.NDArray[np.object_] = names[column.codes]
    return out


def _batch_flags(
    pattern: npt.NDArray[np.int64],
    rule_flags: list[Any],
    breaker: npt.NDArray[np.bool_],
    downgrade: npt.NDArray[np.bool_],
    contagious: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.object_]]:
    """Each row's rule flags plus the batch flags, sorted: one list per distinct combination,
    and each row's combination number (``flag_set``: rows with equal numbers have equal lists)."""
    extra = breaker.astype(np.int64) | downgrade.astype(np.int64) << 1
    extra |= contagious.astype(np.int64) << 2
    combo, _ = pd.factorize(pattern.astype(np.int64) * 8 + extra, sort=False)
    combo = combo.astype(np.int64)
    _, first = np.unique(combo, return_index=True)
    lists = np.empty(len(first), dtype=object)
    for k, row in enumerate(first):
        bits = int(extra[row])
        lists[k] = sorted(
            {str(x) for x in rule_flags[pattern[row]]}
            | ({FLAG_EARLY_WARNING} if bits & 1 else set())
            | ({FLAG_DOWNGRADE} if bits & 2 else set())
            | ({FLAG_CONTAGION} if bits & 4 else set())
        )
    out: npt.NDArray[np.object_] = lists[combo]
    return combo, out


def _bin_counts(
    features: FeatureTable,
    pd_: np.ndarray,
    bins: Mapping[str, Mapping[str, Any]],
    schema: FeatureSchema,
) -> dict[str, list[int]]:
    """Counts per baseline bin (the last bin: missing), summable over chunks for PSI.

    Feature baselines were taken on the model matrix, so features are encoded the same way
    (categories as codes, booleans as 0/1) by the model's own schema.
    """
    specs = [spec for spec in schema.specs if spec.name in bins]
    matrix = (
        FeatureSchema(specs).encode_columns(features.columns, len(features)).matrix
        if specs
        else np.zeros((len(pd_), 0))
    )
    columns = {"score": pd_} | {spec.name: matrix[:, j] for j, spec in enumerate(specs)}
    out: dict[str, list[int]] = {}
    for name, baseline in bins.items():
        if name not in columns:
            continue
        values = np.asarray(columns[name], dtype=np.float64)
        edges = np.asarray(baseline["edges"], dtype=np.float64)
        idx = np.where(
            np.isnan(values), len(edges) + 1, np.searchsorted(edges, values, side="right")
        )
        out[name] = [int(c) for c in np.bincount(idx, minlength=len(edges) + 2)]
    return out


def _early_warnings(features: FeatureTable, breaker: np.ndarray) -> dict[str, Any]:
    """Count and the largest jumps (downtime, cancellations) among circuit-breaker firms."""
    hit = pd.DataFrame(
        {c: np.asarray(features[c])[breaker] for c in ("downtime_jump", "cancellation_jump")},
        index=pd.Index(features.ids[breaker], name="enterprise_id"),
    )
    jump = hit.max(axis=1, skipna=True).fillna(0.0)
    top = hit.assign(jump=jump).sort_values(["jump"], ascending=False, kind="stable")
    top = top.head(EARLY_WARNING_TOP)
    return {
        "count": int(breaker.sum()),
        "top": [
            {"enterprise_id": int(eid), "downtime_jump": _num(d), "cancellation_jump": _num(c)}
            for eid, d, c in zip(
                top.index.to_numpy(np.int64),
                top["downtime_jump"].to_numpy(np.float64),
                top["cancellation_jump"].to_numpy(np.float64),
                strict=True,
            )
        ],
    }


def _num(value: Any) -> float | None:
    v = float(value)
    return None if np.isnan(v) else round(v, 6)
