"""Early warnings measured like a model, wherever the 12-month outcome is known.

For each flag: the flag rate, the precision (12-month default rate of the flagged firms), the
recall (share of all defaults that carry the flag) and the lift (precision ÷ base default rate).
For the queue: the same per priority decile (expected loss, largest first), and the recall at
the queue's share of the portfolio against an oracle that ranks by the true PD (known on the
synthetic population only). Pure functions over arrays; ``measure`` reads one run's rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, text

# The operating point: recall when at most this share of the portfolio is queued.
QUEUE_SHARE = 0.02
DECILES = 10

_ROWS = """
SELECT r.enterprise_id, r.flags, e.true_pd, e.defaulted_12m,
       c.id IS NOT NULL AS queued, c.expected_loss,
       COALESCE(c.signal_state = 'new' AND c.batch_run_id = r.run_id, false) AS new_tonight,
       r.pd
FROM rescore_results r
JOIN enterprises e ON e.id = r.enterprise_id
LEFT JOIN review_cases c
    ON c.enterprise_id = r.enterprise_id AND c.source = 'batch_flag' AND c.status <> 'closed'
WHERE r.as_of = :as_of AND r.run_id = CAST(:run AS uuid) AND e.defaulted_12m IS NOT NULL
ORDER BY r.enterprise_id
"""


def _ratio(a: float, b: float) -> float | None:
    return None if b == 0 else round(a / b, 6)


def rates(hit: npt.NDArray[np.bool_], y: npt.NDArray[np.bool_]) -> dict[str, Any]:
    """Flag rate, precision, recall and lift of one set of flagged firms."""
    n, defaults = len(y), int(y.sum())
    flagged, caught = int(hit.sum()), int((hit & y).sum())
    precision = _ratio(caught, flagged)
    base = _ratio(defaults, n)
    return {
        "flagged": flagged,
        "defaults_caught": caught,
        "flag_rate": _ratio(flagged, n),
        "precision": precision,
        "recall": _ratio(caught, defaults),
        "lift": None if precision is None or not base else round(precision / base, 3),
    }


def top_k_recall(score: npt.NDArray[np.float64], y: npt.NDArray[np.bool_], k: int) -> float | None:
    """Recall of the k firms with the largest score (ties broken by position, i.e. by id)."""
    if y.sum() == 0:
        return None
    order = np.argsort(-score, kind="stable")[:k]
    return round(float(y[order].sum() / y.sum()), 6)


def deciles(
    el: npt.NDArray[np.float64], y: npt.NDArray[np.bool_], all_defaults: int, base: float
) -> list[dict[str, Any]]:
    """The queue in ten groups by expected loss, largest first, with cumulative recall."""
    order = np.argsort(-el, kind="stable")
    out: list[dict[str, Any]] = []
    caught = 0
    for k, part in enumerate(np.array_split(order, DECILES), start=1):
        if len(part) == 0:
            continue
        d = int(y[part].sum())
        caught += d
        precision = d / len(part)
        out.append(
            {
                "decile": k,
                "cases": len(part),
                "expected_loss_min": round(float(el[part].min()), 2),
                "defaults": d,
                "precision": round(precision, 6),
                "lift": round(precision / base, 3) if base else None,
                "cumulative_recall": _ratio(caught, all_defaults),
            }
        )
    return out


def quality(
    flags: Sequence[Sequence[str]],
    y: npt.NDArray[np.bool_],
    true_pd: npt.NDArray[np.float64],
    queued: npt.NDArray[np.bool_],
    new_tonight: npt.NDArray[np.bool_],
    el: npt.NDArray[np.float64],
    review_flags: Sequence[str],
    model_pd: npt.NDArray[np.float64] | None = None,
) -> dict[str, Any]:
    n = len(y)
    if n == 0:
        return {"outcomes_known": 0}
    defaults = int(y.sum())
    base = defaults / n
    codes = sorted({f for fs in flags for f in fs})
    per_flag = {c: rates(np.array([c in fs for fs in flags], dtype=bool), y) for c in codes}
    any_review = np.array([bool(set(fs) & set(review_flags)) for fs in flags], dtype=bool)
    oracle_pd = np.nan_to_num(true_pd, nan=0.0)

    def at_share(hit: npt.NDArray[np.bool_]) -> dict[str, Any]:
        k = int(hit.sum())
        got = rates(hit, y)
        oracle = top_k_recall(oracle_pd, y, k)
        return got | {
            "share": _ratio(k, n),
            "oracle_recall": oracle,
            "vs_oracle": None
            if not oracle or got["recall"] is None
            else round(got["recall"] / oracle, 3),
        }

    k2 = min(math.floor(QUEUE_SHARE * n), int(queued.sum()))

    def top_of_queue(score: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
        ranked = np.where(queued, np.nan_to_num(score, nan=0.0), -1.0)
        hit = np.zeros(n, dtype=bool)
        hit[np.argsort(-ranked, kind="stable")[:k2]] = True
        return hit

    top2 = top_of_queue(el)
    qd = deciles(np.nan_to_num(el[queued], nan=0.0), y[queued], defaults, base)
    return {
        "outcomes_known": n,
        "defaults": defaults,
        "default_rate": round(base, 6),
        "per_flag": per_flag,
        "any_review_flag": rates(any_review, y),
        "queue": at_share(queued),
        "new_tonight": at_share(new_tonight),
        f"queue_top_{int(QUEUE_SHARE * 100)}pct": at_share(top2),
        # The same slice ranked by the model's PD instead: what a count-of-defaults ordering
        # would catch (expected loss weighs each firm by its exposure as well).
        f"queue_top_{int(QUEUE_SHARE * 100)}pct_by_pd": None
        if model_pd is None
        else at_share(top_of_queue(model_pd)),
        "queue_deciles": qd,
        "top_decile_lift": qd[0]["lift"] if qd else None,
    }


def measure(
    conn: Connection, *, run_id: str, as_of: Any, review_flags: Sequence[str]
) -> dict[str, Any]:
    """The figures for one run, from its results, the truth columns and the open queue."""
    rows = conn.execute(text(_ROWS), {"run": run_id, "as_of": as_of}).all()
    if not rows:
        return {"outcomes_known": 0}
    return quality(
        [list(r[1] or []) for r in rows],
        np.array([bool(r[3]) for r in rows], dtype=bool),
        np.array([np.nan if r[2] is None else float(r[2]) for r in rows], dtype=np.float64),
        np.array([bool(r[4]) for r in rows], dtype=bool),
        np.array([bool(r[6]) for r in rows], dtype=bool),
        np.array([np.nan if r[5] is None else float(r[5]) for r in rows], dtype=np.float64),
        review_flags,
        np.array([float(r[7]) for r in rows], dtype=np.float64),
    )
