"""The run report as JSON: counts, timings, grade migration, downgrades, early warnings,
contagion clusters, PSI drift and portfolio exposure.

Everything is aggregated from the database (the run's ``rescore_results`` and the additive
per-chunk ``stats`` in ``batch_checkpoints``), never from process memory, so a resumed run
reports exactly what an uninterrupted one would.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
import psycopg

from industry_credit import numerics as nm
from industry_credit.batch.compute import (
    CONTAGION_FLAG_MIN,
    DOWNGRADE_NOTCHES,
    EARLY_WARNING_TOP,
    FLAG_CONTAGION,
    FLAG_DOWNGRADE,
    FLAG_EARLY_WARNING,
    REVIEW_FLAGS,
)
from industry_credit.batch.contagion import flagged_clusters
from industry_credit.batch.csvframes import copy_frame
from industry_credit.batch.engine import BatchEngine
from industry_credit.batch.scope import Plan
from industry_credit.ml.evaluate import psi
from industry_credit.ml.grades import MASTER_SCALE

PSI_WARN = 0.10
PSI_ALERT = 0.25
TOP_ROWS = 200
TOP_CLUSTERS = 20
CLUSTER_MEMBERS_SHOWN = 50
NO_PREVIOUS = "none"
# "reasons": TreeSHAP and rule evidence of the queued firms (part of computing, apart from
# "decide" so that its cost shows).
STAGES = ("read", "decide", "reasons", "write")


def psi_status(value: float) -> str:
    return "alert" if value >= PSI_ALERT else "warn" if value >= PSI_WARN else "ok"


def _rows(cur: psycopg.Cursor[Any], sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    cur.execute(sql, params)
    return list(cur.fetchall())


def _counts(cur: psycopg.Cursor[Any], p: Mapping[str, Any]) -> dict[str, Any]:
    (n, approve, refer, decline, flagged, early, down, cont, touched, sources) = _rows(
        cur,
        """SELECT count(*), count(*) FILTER (WHERE outcome = 'approve'),
                  count(*) FILTER (WHERE outcome = 'refer'),
                  count(*) FILTER (WHERE outcome = 'decline'),
                  count(*) FILTER (WHERE flags && %(review)s::varchar[]),
                  count(*) FILTER (WHERE %(early)s = ANY(flags)),
                  count(*) FILTER (WHERE %(down)s = ANY(flags)),
                  count(*) FILTER (WHERE %(cont)s = ANY(flags)),
                  count(*) FILTER (WHERE contagion_score > 0),
                  count(*) FILTER (WHERE distress > 0)
           FROM rescore_results WHERE as_of = %(as_of)s AND run_id = %(run)s::uuid""",
        p,
    )[0]
    return {
        "enterprises": n,
        "by_outcome": {"approve": approve, "refer": refer, "decline": decline},
        "flagged": flagged,
        "early_warnings": early,
        "downgrades_2_notches": down,
        "contagion_sources": sources,
        "contagion_rescored": touched,
        "contagion_flagged": cont,
    }


def _timings(cur: psycopg.Cursor[Any], p: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for phase, name in ((1, "standalone"), (2, "contagion")):
        rows = _rows(
            cur,
            "SELECT seconds, rows_scored, stats FROM batch_checkpoints"
            " WHERE run_id = %(run)s::uuid AND (stats->>'phase')::int = %(phase)s",
            {**p, "phase": phase},
        )
        stage = dict.fromkeys(STAGES, 0.0)
        for _, _, stats in rows:
            stage["read"] += float(stats.get("read", 0.0))
            stage["write"] += float(stats.get("write", 0.0))
            stage["decide"] += float(stats.get("seconds", {}).get("decide", 0.0))
            stage["reasons"] += float(stats.get("seconds", {}).get("reasons", 0.0))
        out[name] = {
            "chunks": len(rows),
            "rows": sum(int(r[1]) for r in rows),
            "seconds": round(sum(float(r[0]) for r in rows), 3),
            "stages": {k: round(v, 3) for k, v in stage.items()},
        }
    return out


def _migration(cur: psycopg.Cursor[Any], p: Mapping[str, Any]) -> dict[str, Any]:
    grades = [name for name, _ in MASTER_SCALE]
    rows = [*grades, NO_PREVIOUS]
    pos = {g: i for i, g in enumerate(rows)}
    matrix = np.zeros((len(rows), len(grades)), dtype=np.int64)
    for prev, cur_grade, n in _rows(
        cur,
        "SELECT COALESCE(previous_grade, %(none)s), grade, count(*) FROM rescore_results"
        " WHERE as_of = %(as_of)s AND run_id = %(run)s::uuid GROUP BY 1, 2",
        {**p, "none": NO_PREVIOUS},
    ):
        if prev in pos and cur_grade in pos:
            matrix[pos[prev], pos[cur_grade]] += n
    return {"from": rows, "to": grades, "matrix": matrix.tolist()}


def _downgrades(cur: psycopg.Cursor[Any], p: Mapping[str, Any]) -> dict[str, Any]:
    rows = _rows(
        cur,
        """SELECT r.enterprise_id, e.uscc, e.sector, e.district, r.previous_grade, r.grade,
                  r.notches, r.pd, count(*) OVER ()
           FROM rescore_results r JOIN enterprises e ON e.id = r.enterprise_id
           WHERE r.as_of = %(as_of)s AND r.run_id = %(run)s::uuid AND r.notches >= %(min)s
           ORDER BY r.notches DESC, r.pd DESC, r.enterprise_id LIMIT %(top)s""",
        {**p, "min": DOWNGRADE_NOTCHES, "top": TOP_ROWS},
    )
    keys = ("enterprise_id", "uscc", "sector", "district", "previous_grade", "grade", "notches")
    return {
        "count": int(rows[0][-1]) if rows else 0,
        "min_notches": DOWNGRADE_NOTCHES,
        "top": [dict(zip(keys, r[:7], strict=True)) | {"pd": round(r[7], 6)} for r in rows],
    }


def _early_warnings(cur: psycopg.Cursor[Any], p: Mapping[str, Any]) -> dict[str, Any]:
    rows = _rows(
        cur,
        "SELECT stats->'early_warnings' FROM batch_checkpoints"
        " WHERE run_id = %(run)s::uuid AND (stats->>'phase')::int = 1",
        p,
    )
    count = sum(int(r[0]["count"]) for r in rows if r[0])
    top = [item for r in rows if r[0] for item in r[0]["top"]]

    def jump(item: Mapping[str, Any]) -> float:
        return max(item["downtime_jump"] or 0.0, item["cancellation_jump"] or 0.0)

    top.sort(key=lambda it: (-jump(it), it["enterprise_id"]))
    return {"count": count, "top": top[:EARLY_WARNING_TOP]}


def _contagion(
    cur: psycopg.Cursor[Any], p: Mapping[str, Any], plan: Plan, run_id: str
) -> dict[str, Any]:
    flagged = copy_frame(
        cur,
        "SELECT enterprise_id FROM rescore_results WHERE as_of = %(as_of)s AND run_id = %(run)s::uuid"
        " AND flags && %(review)s::varchar[] ORDER BY enterprise_id",
        p,
    )["enterprise_id"].to_numpy(np.int64)
    comps = flagged_clusters(cur, cutoff=plan.cutoff, flagged=flagged)
    clusters = []
    for members in comps[:TOP_CLUSTERS]:
        rows = _rows(
            cur,
            """SELECT e.sector, e.district, COALESCE(sum(e.exposure), 0)::float8,
                      count(*) FILTER (WHERE e.is_core_enterprise)
               FROM enterprises e WHERE e.id = ANY(%(ids)s) GROUP BY 1, 2 ORDER BY 1, 2""",
            {"ids": members},
        )
        clusters.append(
            {
                "size": len(members),
                "members": members[:CLUSTER_MEMBERS_SHOWN],
                "core_enterprises": int(sum(r[3] for r in rows)),
                "exposure": round(sum(r[2] for r in rows), 2),
                "sectors": sorted({r[0] for r in rows}),
                "districts": sorted({r[1] for r in rows}),
            }
        )
    return {"flag_min_score": CONTAGION_FLAG_MIN, "n_clusters": len(comps), "clusters": clusters}


def _psi(cur: psycopg.Cursor[Any], p: Mapping[str, Any], engine: BatchEngine) -> dict[str, Any]:
    out: dict[str, Any] = {"warn": PSI_WARN, "alert": PSI_ALERT, "features": {}}
    baseline = engine.psi_baseline
    if "score" in baseline:
        pds = copy_frame(
            cur,
            "SELECT pd FROM rescore_results WHERE as_of = %(as_of)s AND run_id = %(run)s::uuid",
            p,
        )
        value = psi(dict(baseline["score"]), pds["pd"].to_numpy(np.float64))
        out["score"] = {"psi": round(value, 6), "status": psi_status(value)}
    totals: dict[str, np.ndarray] = {}
    for (counts,) in _rows(
        cur,
        "SELECT stats->'psi_counts' FROM batch_checkpoints"
        " WHERE run_id = %(run)s::uuid AND (stats->>'phase')::int = 1",
        p,
    ):
        for name, c in (counts or {}).items():
            arr = np.asarray(c, dtype=np.float64)
            totals[name] = totals[name] + arr if name in totals else arr
    for name, counts in sorted(totals.items()):
        if name == "score" or counts.sum() == 0:
            continue
        expected = np.clip(np.asarray(baseline[name]["proportions"], np.float64), 1e-4, None)
        actual = np.clip(counts / counts.sum(), 1e-4, None)
        value = float(np.sum((actual - expected) * nm.log(actual / expected)))
        out["features"][name] = {"psi": round(value, 6), "status": psi_status(value)}
    statuses = [out.get("score", {}).get("status", "ok")] + [
        f["status"] for f in out["features"].values()
    ]
    out["status"] = "alert" if "alert" in statuses else "warn" if "warn" in statuses else "ok"
    return out


def _exposure(cur: psycopg.Cursor[Any], p: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = _rows(
        cur,
        """SELECT e.district, e.sector, r.grade, count(*), COALESCE(sum(e.exposure), 0)::float8
           FROM rescore_results r JOIN enterprises e ON e.id = r.enterprise_id
           WHERE r.as_of = %(as_of)s AND r.run_id = %(run)s::uuid GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""",
        p,
    )
    return [
        {"district": d, "sector": s, "grade": g, "enterprises": n, "exposure": round(x, 2)}
        for d, s, g, n, x in rows
    ]


SECTION_ORDER = (
    "counts",
    "timings",
    "grade_migration",
    "downgrades",
    "early_warnings",
    "contagion",
    "psi",
    "exposure",
)
# The report's sections in two groups of about equal time (at 1M firms the contagion clusters
# and the exposure join are the two largest), so that the finish builds them on two connections
# at once while its own connection queues the review cases.
SECTION_GROUPS: tuple[tuple[str, ...], tuple[str, ...]] = (
    ("contagion", "counts", "timings", "downgrades", "early_warnings"),
    ("exposure", "psi", "grade_migration"),
)


def report_sections(
    cur: psycopg.Cursor[Any],
    names: tuple[str, ...],
    *,
    run_id: str,
    plan: Plan,
    engine: BatchEngine,
) -> dict[str, Any]:
    """The named sections, read from the run's committed results and checkpoints only."""
    p = {
        "run": run_id,
        "as_of": plan.as_of,
        "review": sorted(REVIEW_FLAGS),
        "early": FLAG_EARLY_WARNING,
        "down": FLAG_DOWNGRADE,
        "cont": FLAG_CONTAGION,
    }
    makers: dict[str, Callable[[], Any]] = {
        "counts": lambda: _counts(cur, p),
        "timings": lambda: _timings(cur, p),
        "grade_migration": lambda: _migration(cur, p),
        "downgrades": lambda: _downgrades(cur, p),
        "early_warnings": lambda: _early_warnings(cur, p),
        "contagion": lambda: _contagion(cur, p, plan, run_id),
        "psi": lambda: _psi(cur, p, engine),
        "exposure": lambda: _exposure(cur, p),
    }
    return {name: makers[name]() for name in names}


def portfolio_limits(
    exposure: list[dict[str, Any]], parameters: Mapping[str, float]
) -> dict[str, Any]:
    """The book's share by sector and by district against the ruleset's portfolio limits
    (``sector_book_share_max``, ``district_book_share_max``, ``outside_shanghai_book_share_max``;
    a ruleset without them reports the shares only) [000 §(一)]."""
    total = sum(row["exposure"] for row in exposure)

    def shares(key: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for row in exposure:
            out[row[key]] = out.get(row[key], 0.0) + row["exposure"]
        return {k: round(v / total, 6) if total > 0 else 0.0 for k, v in sorted(out.items())}

    by_sector, by_district = shares("sector"), shares("district")
    sector_max = parameters.get("sector_book_share_max")
    district_max = parameters.get("district_book_share_max")
    outside_max = parameters.get("outside_shanghai_book_share_max")
    breaches = [
        {"kind": "sector", "code": code, "share": share, "limit": sector_max}
        for code, share in by_sector.items()
        if sector_max is not None and share > sector_max
    ]
    for code, share in by_district.items():
        limit = (
            outside_max if code == "outside_shanghai" and outside_max is not None else district_max
        )
        if limit is not None and share > limit:
            breaches.append({"kind": "district", "code": code, "share": share, "limit": limit})
    return {
        "book_exposure": round(total, 2),
        "by_sector": by_sector,
        "by_district": by_district,
        "limits": {
            "sector_book_share_max": sector_max,
            "district_book_share_max": district_max,
            "outside_shanghai_book_share_max": outside_max,
        },
        "breaches": breaches,
    }


def assemble_report(
    sections: Mapping[str, Any],
    *,
    run_id: str,
    plan: Plan,
    engine: BatchEngine,
    params: Mapping[str, Any],
) -> dict[str, Any]:
    """The report from all of its sections (``SECTION_GROUPS``), in a fixed order."""
    report: dict[str, Any] = {
        "run": {
            "run_id": run_id,
            "as_of": plan.as_of.isoformat(),
            "data_cutoff": plan.cutoff.isoformat(),
            "model_version": engine.model_version,
            "ruleset_version": engine.ruleset.version,
            "previous_run_id": plan.previous_run_id,
            "chunks": len(plan.chunks) + int(params.get("contagion_chunks", 0)),
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    }
    for name in SECTION_ORDER:
        report[name] = sections[name]
    report["portfolio"] = portfolio_limits(sections["exposure"], engine.ruleset.parameters)
    # Round-trip through JSON: the stored JSONB equals what the file and the HTML show.
    result: dict[str, Any] = json.loads(json.dumps(report, allow_nan=False, default=str))
    return result
