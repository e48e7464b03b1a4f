"""Tonight's signals into the review queue: one open batch case per firm, within capacity.

* A flagged firm with an open batch case gets tonight's signal appended to that case
  (``review_case_signals``); the case is marked 'worsened' when it gained a flag, was downgraded
  against its last signal or its expected loss rose by ``worsened_el_ratio``, else 'unchanged'.
* An open case whose firm carries none of the queue's flags tonight is marked 'cleared'; an
  officer closes it.
* A flagged firm without an open case is a candidate for a new case when it is newly flagged
  (a queue flag it did not carry in the previous run). Must-review firms (``must_review_flags``)
  are all queued, beyond the capacity; of the others the night opens at most ``capacity``,
  largest expected loss first.
  The rest are deferred, and so are firms flagged again with nothing new: counted and listed
  in the run report (and on the panorama), not queued.

The database holds one open batch case per firm (a partial unique index); new cases are inserted
with ``ON CONFLICT DO NOTHING`` and a firm whose case another transaction opened meanwhile gets
its signal appended instead, so two runs, or a run and an officer, never make a second case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from industry_credit.batch.compute import GRADE_INDEX, queue_flags
from industry_credit.rules.review_queue import QueuePolicy

# Without a configured capacity a night opens at most this share of its portfolio.
DEFAULT_CAPACITY_SHARE = 0.02
DEFERRED_SHOWN = 100

_CANDIDATES = """
SELECT r.enterprise_id, r.pd, r.grade, r.flags, e.uscc, e.name,
       e.exposure::float8 AS exposure, a.amount::float8 AS app_amount, a.collateral,
       a.requested_product, c.id AS case_id, c.flags AS case_flags,
       c.expected_loss AS case_el, s.flags AS last_flags, s.grade AS last_grade,
       s.expected_loss AS last_el, p.flags AS previous_flags
FROM rescore_results r
JOIN enterprises e ON e.id = r.enterprise_id
LEFT JOIN rescore_results p
    ON p.run_id = CAST(:previous AS uuid) AND p.enterprise_id = r.enterprise_id
LEFT JOIN LATERAL (
    SELECT la.amount, la.collateral, la.requested_product FROM loan_applications la
    WHERE la.enterprise_id = r.enterprise_id AND la.created_at < :cutoff
    ORDER BY la.created_at DESC, la.id DESC LIMIT 1) a ON true
LEFT JOIN review_cases c
    ON c.enterprise_id = r.enterprise_id AND c.source = 'batch_flag' AND c.status <> 'closed'
LEFT JOIN LATERAL (
    SELECT x.flags, x.grade, x.expected_loss FROM review_case_signals x
    WHERE x.case_id = c.id AND x.run_id <> r.run_id
    ORDER BY x.as_of DESC, x.id DESC LIMIT 1) s ON true
WHERE r.as_of = :as_of AND r.run_id = CAST(:run AS uuid)
  AND (r.flags && CAST(:flags AS varchar[]) OR c.id IS NOT NULL)
ORDER BY r.enterprise_id
"""

_INSERT_CASES = """
INSERT INTO review_cases (enterprise_id, batch_run_id, source, status, flags, expected_loss,
                          severity, signal_state, signal_at)
SELECT t.e, CAST(:run AS uuid), 'batch_flag', 'open', string_to_array(t.f, ','), t.el, t.sev,
       'new', now()
FROM unnest(CAST(:ids AS bigint[]), CAST(:flags AS text[]), CAST(:els AS float8[]),
            CAST(:sevs AS int[])) AS t(e, f, el, sev)
ORDER BY t.e
ON CONFLICT (enterprise_id) WHERE source = 'batch_flag' AND status <> 'closed' DO NOTHING
RETURNING id, enterprise_id
"""

_OPEN_CASES = """
SELECT c.enterprise_id, c.id, c.flags, c.expected_loss FROM review_cases c
WHERE c.enterprise_id = ANY(CAST(:ids AS bigint[]))
  AND c.source = 'batch_flag' AND c.status <> 'closed'
"""

# Tonight's figures on the open case; a cleared case keeps the flags it was opened for.
_UPDATE_CASES = """
UPDATE review_cases c SET batch_run_id = CAST(:run AS uuid),
       flags = CASE WHEN t.st = 'cleared' THEN c.flags ELSE string_to_array(t.f, ',') END,
       expected_loss = t.el, severity = t.sev, signal_state = t.st, signal_at = now()
FROM unnest(CAST(:ids AS bigint[]), CAST(:flags AS text[]), CAST(:els AS float8[]),
            CAST(:sevs AS int[]), CAST(:states AS text[])) AS t(id, f, el, sev, st)
WHERE c.id = t.id AND c.status <> 'closed'
RETURNING c.id
"""

_INSERT_SIGNALS = """
INSERT INTO review_case_signals (case_id, run_id, as_of, flags, pd, grade, exposure, lgd,
                                 expected_loss, severity, state, changes)
SELECT t.id, CAST(:run AS uuid), :as_of, string_to_array(t.f, ','), t.pd, t.g, t.x, t.lgd,
       t.el, t.sev, t.st, string_to_array(t.ch, ',')
FROM unnest(CAST(:ids AS bigint[]), CAST(:flags AS text[]), CAST(:pds AS float8[]),
            CAST(:grades AS text[]), CAST(:exps AS float8[]), CAST(:lgds AS float8[]),
            CAST(:els AS float8[]), CAST(:sevs AS int[]), CAST(:states AS text[]),
            CAST(:changes AS text[])) AS t(id, f, pd, g, x, lgd, el, sev, st, ch)
ON CONFLICT (case_id, run_id) DO NOTHING
"""


@dataclass
class Enqueued:
    """What tonight did to the queue; the run report's ``queue`` section."""

    capacity: int
    portfolio: int
    candidates: int = 0
    opened: int = 0
    opened_must_review: int = 0
    must_review_by_flag: dict[str, int] = field(default_factory=dict)
    appended: int = 0
    worsened: int = 0
    unchanged: int = 0
    cleared: int = 0
    deferred: int = 0
    carried: int = 0  # of the deferred: flagged on an earlier night too, nothing new tonight
    deferred_expected_loss: float = 0.0
    deferred_top: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "capacity": self.capacity,
            "portfolio": self.portfolio,
            "candidates": self.candidates,
            "opened": self.opened,
            "opened_within_capacity": self.opened - self.opened_must_review,
            "opened_must_review": self.opened_must_review,
            "must_review_by_flag": self.must_review_by_flag,
            "appended": self.appended,
            "worsened": self.worsened,
            "unchanged": self.unchanged,
            "cleared": self.cleared,
            "deferred": {
                "count": self.deferred,
                "carried_from_earlier_nights": self.carried,
                "expected_loss": round(self.deferred_expected_loss, 2),
                "top": self.deferred_top,
            },
        }


def capacity_for(portfolio: int, configured: int | None) -> int:
    if configured is not None:
        return configured
    return math.ceil(DEFAULT_CAPACITY_SHARE * portfolio)


def _signals(frame: pd.DataFrame, policy: QueuePolicy, queueing: frozenset[str]) -> pd.DataFrame:
    """Exposure, LGD, expected loss, severity and tonight's queue flags of each row."""
    exposure = frame["exposure"].fillna(0.0).to_numpy(np.float64)
    app = frame["app_amount"].fillna(0.0).to_numpy(np.float64)
    loan = np.where(exposure > 0, exposure, np.where(app > 0, app, policy.nominal_exposure))
    lgd = np.array(
        [
            policy.lgd(p if isinstance(p, str) else None, c if isinstance(c, list) else None)
            for p, c in zip(frame["requested_product"], frame["collateral"], strict=True)
        ],
        dtype=np.float64,
    )
    pd_ = frame["pd"].to_numpy(np.float64)
    flags = [list(f or []) for f in frame["flags"]]
    out = frame.assign(
        loan=loan,
        lgd=lgd,
        el=pd_ * loan * lgd,
        severity=[policy.severity_of(f) for f in flags],
        must=[bool(set(f) & set(policy.must_review_flags)) for f in flags],
    )
    # Columns of lists: pandas' typing knows scalars only.
    out["flags"] = pd.Series(flags, index=out.index, dtype=object)
    out["queued_flags"] = pd.Series(
        [sorted(set(f) & queueing) for f in flags], index=out.index, dtype=object
    )
    return out


def _changes(row: Any, policy: QueuePolicy) -> list[str]:
    """Why an open case worsened tonight (empty: it did not)."""
    before = row.last_flags if isinstance(row.last_flags, list) else row.case_flags or []
    out = [f"new_flag:{f}" for f in row.queued_flags if f not in set(before)]
    now_i, then_i = GRADE_INDEX.get(row.grade), GRADE_INDEX.get(row.last_grade or "")
    if now_i is not None and then_i is not None and now_i > then_i:
        out.append("downgrade")
    last_el = row.last_el if pd.notna(row.last_el) else row.case_el
    if pd.notna(last_el) and row.el > float(last_el) * policy.worsened_el_ratio:
        out.append("expected_loss_up")
    return out


def enqueue(
    conn: Connection,
    *,
    run_id: str,
    as_of: date,
    cutoff: datetime,
    portfolio: int,
    policy: QueuePolicy,
    capacity: int | None,
    previous_run_id: str | None = None,
) -> Enqueued:
    """Apply tonight's signals to the queue in the caller's transaction."""
    flags_queued = queue_flags(policy)
    rows = conn.execute(
        text(_CANDIDATES),
        {
            "run": run_id,
            "as_of": as_of,
            "cutoff": cutoff,
            "flags": sorted(flags_queued),
            "previous": previous_run_id,
        },
    ).mappings()
    frame = pd.DataFrame([dict(r) for r in rows])
    out = Enqueued(capacity=capacity_for(portfolio, capacity), portfolio=portfolio)
    if frame.empty:
        return out
    frame = _signals(frame, policy, flags_queued)
    flagged = frame[frame["queued_flags"].map(bool)]
    unqueued = flagged[flagged["case_id"].isna()]
    # Only a new flag since the previous run makes a firm a candidate again: a firm deferred on
    # an earlier night with the same flags stays deferred (listed, not queued).
    fresh = [
        not isinstance(p, list) or bool(set(q) - set(p))
        for q, p in zip(unqueued["queued_flags"], unqueued["previous_flags"], strict=True)
    ]
    is_fresh = np.asarray(fresh, dtype=bool)
    must_now = unqueued["must"].to_numpy(bool)
    carried = unqueued[~is_fresh & ~must_now]
    unqueued = unqueued[is_fresh | must_now]
    out.candidates = len(unqueued)
    out.carried = len(carried)
    new = unqueued.sort_values(
        ["must", "el", "severity", "enterprise_id"], ascending=[False, False, False, True]
    )
    must = new[new["must"]]
    # Capacity bounds the cases chosen by expected loss; must-review firms come on top of it.
    room = out.capacity
    chosen = pd.concat([must, new[~new["must"]].head(room)])
    deferred = pd.concat([new[~new["must"]].iloc[room:], carried]).sort_values(
        ["el", "enterprise_id"], ascending=[False, True]
    )
    opened = _open(conn, chosen, run_id)
    out.opened = len(opened)
    out.opened_must_review = int(chosen.loc[chosen["enterprise_id"].isin(opened), "must"].sum())
    opened_flags = [set(f) for f in chosen.loc[chosen["enterprise_id"].isin(opened), "flags"]]
    for flag in policy.must_review_flags:
        out.must_review_by_flag[flag] = sum(1 for f in opened_flags if flag in f)
    # Firms whose case another transaction opened meanwhile get tonight's signal appended to it.
    raced = chosen[~chosen["enterprise_id"].isin(opened)]
    if not raced.empty:
        raced = _with_open_case(conn, raced)
    existing = pd.concat([frame[frame["case_id"].notna()], raced])
    states, closed = _append(conn, existing, run_id, as_of, policy)
    _record(conn, chosen[chosen["enterprise_id"].isin(opened)], opened, run_id, as_of)
    # A flagged firm whose case an officer closed while this run waited on it starts a new case:
    # the officer decided on last night's signals, not tonight's.
    reopen = closed[closed["queued_flags"].map(bool)]
    if not reopen.empty:
        again = _open(conn, reopen, run_id)
        _record(conn, reopen[reopen["enterprise_id"].isin(again)], again, run_id, as_of)
        out.opened += len(again)
    out.appended = sum(1 for s in states if s != "cleared")
    out.worsened = states.count("worsened")
    out.unchanged = states.count("unchanged")
    out.cleared = states.count("cleared")
    out.deferred = len(deferred)
    out.deferred_expected_loss = float(deferred["el"].sum())
    top = deferred.head(DEFERRED_SHOWN)
    out.deferred_top = [
        {
            "enterprise_id": int(e),
            "uscc": str(u),
            "name": str(n),
            "pd": round(float(p), 6),
            "expected_loss": round(float(el), 2),
            "flags": list(f),
        }
        for e, u, n, p, el, f in zip(
            top["enterprise_id"].to_numpy(np.int64),
            top["uscc"],
            top["name"],
            top["pd"].to_numpy(np.float64),
            top["el"].to_numpy(np.float64),
            top["queued_flags"],
            strict=True,
        )
    ]
    return out


def _open(conn: Connection, chosen: pd.DataFrame, run_id: str) -> dict[int, int]:
    """Insert the new cases; enterprise id -> case id of those this transaction opened."""
    if chosen.empty:
        return {}
    inserted = conn.execute(
        text(_INSERT_CASES),
        {
            "run": run_id,
            "ids": chosen["enterprise_id"].astype(int).tolist(),
            "flags": [",".join(f) for f in chosen["flags"]],
            "els": chosen["el"].astype(float).tolist(),
            "sevs": chosen["severity"].astype(int).tolist(),
        },
    ).all()
    return {int(e): int(c) for c, e in inserted}


def _with_open_case(conn: Connection, rows: pd.DataFrame) -> pd.DataFrame:
    found = conn.execute(
        text(_OPEN_CASES), {"ids": rows["enterprise_id"].astype(int).tolist()}
    ).all()
    by_firm = {int(e): (int(c), list(f or []), el) for e, c, f, el in found}
    rows = rows[rows["enterprise_id"].isin(by_firm)].copy()
    rows["case_id"] = [by_firm[int(e)][0] for e in rows["enterprise_id"]]
    rows["case_flags"] = [by_firm[int(e)][1] for e in rows["enterprise_id"]]
    rows["case_el"] = [by_firm[int(e)][2] for e in rows["enterprise_id"]]
    return rows


def _append(
    conn: Connection, rows: pd.DataFrame, run_id: str, as_of: date, policy: QueuePolicy
) -> tuple[list[str], pd.DataFrame]:
    """Tonight's signal onto each open case: the states of the cases still open, and the rows
    whose case was closed meanwhile."""
    if rows.empty:
        return [], rows
    states: list[str] = []
    changes: list[list[str]] = []
    for row in rows.itertuples():
        if not row.queued_flags:
            states.append("cleared")
            changes.append([])
            continue
        why = _changes(row, policy)
        states.append("worsened" if why else "unchanged")
        changes.append(why)
    ids = rows["case_id"].astype(int).tolist()
    updated = {
        int(r[0])
        for r in conn.execute(
            text(_UPDATE_CASES),
            {
                "run": run_id,
                "ids": ids,
                "flags": [",".join(f) for f in rows["flags"]],
                "els": rows["el"].astype(float).tolist(),
                "sevs": rows["severity"].astype(int).tolist(),
                "states": states,
            },
        )
    }
    # A case an officer closed meanwhile takes no signal.
    keep = [i in updated for i in ids]
    _insert_signals(
        conn,
        rows[keep],
        [s for s, k in zip(states, keep, strict=True) if k],
        [c for c, k in zip(changes, keep, strict=True) if k],
        run_id,
        as_of,
    )
    dropped = rows[[not k for k in keep]]
    return [s for s, k in zip(states, keep, strict=True) if k], dropped


def _record(
    conn: Connection, rows: pd.DataFrame, opened: dict[int, int], run_id: str, as_of: date
) -> None:
    rows = rows.assign(case_id=[opened[int(e)] for e in rows["enterprise_id"]])
    _insert_signals(conn, rows, ["new"] * len(rows), [[] for _ in range(len(rows))], run_id, as_of)


def _insert_signals(
    conn: Connection,
    rows: pd.DataFrame,
    states: list[str],
    changes: list[list[str]],
    run_id: str,
    as_of: date,
) -> None:
    if rows.empty:
        return
    conn.execute(
        text(_INSERT_SIGNALS),
        {
            "run": run_id,
            "as_of": as_of,
            "ids": rows["case_id"].astype(int).tolist(),
            "flags": [",".join(f) for f in rows["flags"]],
            "pds": rows["pd"].astype(float).tolist(),
            "grades": [g if isinstance(g, str) else None for g in rows["grade"]],
            "exps": rows["loan"].astype(float).tolist(),
            "lgds": rows["lgd"].astype(float).tolist(),
            "els": rows["el"].astype(float).tolist(),
            "sevs": rows["severity"].astype(int).tolist(),
            "states": states,
            "changes": [",".join(c) for c in changes],
        },
    )
