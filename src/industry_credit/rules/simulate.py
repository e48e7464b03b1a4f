"""Policy simulation: replay a candidate ruleset against a baseline over the same scored rows.

The rows are either the stored decisions (each ``decisions.input_snapshot`` holds the
``features`` the engine saw; ``pd`` and ``grade`` come from the decision row) or a scored
population frame in Parquet (features + ``pd`` + ``grade``, optionally ``defaulted_12m``). The
report compares outcome rates, the product mix, limit totals and, where outcomes are known,
the default rate among approvals.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from industry_credit.batch.warning_quality import rates
from industry_credit.db.models.decisions import Decision
from industry_credit.rules.engine import evaluate
from industry_credit.rules.result import OUTCOME_CODES
from industry_credit.rules.ruleset import Ruleset

OUTCOME_COLUMN = "defaulted_12m"


def read_scored_parquet(path: Path) -> pd.DataFrame:
    """A scored frame from a Parquet file, or from ``scored.parquet`` (or the only Parquet
    file) in a directory."""
    if path.is_dir():
        candidates = (
            [path / "scored.parquet"]
            if (path / "scored.parquet").is_file()
            else sorted(path.glob("*.parquet"))
        )
        if len(candidates) != 1:
            raise FileNotFoundError(f"{path}: expected scored.parquet or exactly one Parquet file")
        path = candidates[0]
    return pd.read_parquet(path)


def read_stored_decisions(session: Session) -> pd.DataFrame:
    """The features, PD and grade of every stored decision, one row per decision."""
    rows = session.execute(
        select(Decision.id, Decision.input_snapshot, Decision.pd, Decision.grade)
    ).all()
    records = []
    for decision_id, snapshot, pd_value, grade in rows:
        features = snapshot.get("features") if isinstance(snapshot, dict) else None
        if isinstance(features, dict):
            records.append(
                {**features, "pd": pd_value, "grade": grade, "decision_id": str(decision_id)}
            )
    return pd.DataFrame.from_records(records)


def summarize(decisions: pd.DataFrame, defaulted: pd.Series | None) -> dict[str, Any]:
    n = len(decisions)
    outcome = decisions["outcome"].astype(str)
    rates = {o: (float((outcome == o).mean()) if n else 0.0) for o in OUTCOME_CODES}
    offered = outcome != "decline"
    mix = decisions.loc[offered, "top_product"].astype(str).value_counts()
    summary: dict[str, Any] = {
        "n": n,
        "rates": rates,
        "product_mix": {k: int(v) for k, v in mix.items() if k != "nan"},
        "limit_total_approved": float(decisions.loc[outcome == "approve", "limit_amount"].sum()),
        "limit_total_offered": float(decisions.loc[offered, "limit_amount"].sum()),
        "default_rate_approved": None,
    }
    if defaulted is not None:
        known = defaulted.notna().to_numpy() & (outcome == "approve").to_numpy()
        if known.any():
            summary["default_rate_approved"] = float(
                defaulted.to_numpy()[known].astype(float).mean()
            )
            summary["n_approved_with_outcome"] = int(known.sum())
    return summary


def flag_quality(decisions: pd.DataFrame, defaulted: pd.Series) -> dict[str, Any]:
    """Per flag: flag rate, precision (default rate of the flagged), recall and lift, over the
    rows whose outcome is known: the run report's figures, for a ruleset under study."""
    known = defaulted.notna().to_numpy()
    y = defaulted.to_numpy()[known].astype(bool)
    flags = [list(f) for f, k in zip(decisions["flags"], known, strict=True) if k]
    codes = sorted({c for f in flags for c in f})
    return {c: rates(np.array([c in f for f in flags], dtype=bool), y) for c in codes}


def simulate(
    candidate: Ruleset, baseline: Ruleset, scored: pd.DataFrame, *, source: str
) -> dict[str, Any]:
    """Both rulesets over the same rows; the report is plain JSON data."""
    defaulted = scored[OUTCOME_COLUMN] if OUTCOME_COLUMN in scored.columns else None
    base = evaluate(baseline, scored).to_pandas()
    cand = evaluate(candidate, scored).to_pandas()
    base_sum = summarize(base, defaulted)
    cand_sum = summarize(cand, defaulted)
    moves = pd.crosstab(base["outcome"].astype(str), cand["outcome"].astype(str))
    transitions = {
        f"{b}->{c}": int(moves.loc[b, c])
        for b in moves.index
        for c in moves.columns
        if b != c and moves.loc[b, c]
    }
    products = sorted(set(base_sum["product_mix"]) | set(cand_sum["product_mix"]))
    changes: dict[str, Any] = {
        "rates": {o: cand_sum["rates"][o] - base_sum["rates"][o] for o in OUTCOME_CODES},
        "product_mix": {
            p: cand_sum["product_mix"].get(p, 0) - base_sum["product_mix"].get(p, 0)
            for p in products
            if cand_sum["product_mix"].get(p, 0) != base_sum["product_mix"].get(p, 0)
        },
        "limit_total_approved": cand_sum["limit_total_approved"] - base_sum["limit_total_approved"],
        "limit_total_offered": cand_sum["limit_total_offered"] - base_sum["limit_total_offered"],
        "default_rate_approved": None,
        "outcome_transitions": transitions,
    }
    if (
        base_sum["default_rate_approved"] is not None
        and cand_sum["default_rate_approved"] is not None
    ):
        changes["default_rate_approved"] = (
            cand_sum["default_rate_approved"] - base_sum["default_rate_approved"]
        )
    report: dict[str, Any] = {
        "source": source,
        "n": len(scored),
        "baseline": {"version": baseline.version, "name": baseline.name, **base_sum},
        "candidate": {"version": candidate.version, "name": candidate.name, **cand_sum},
        "changes": changes,
    }
    if defaulted is not None and defaulted.notna().any():
        report["flag_quality"] = {
            "baseline": flag_quality(base, defaulted),
            "candidate": flag_quality(cand, defaulted),
        }
    return report


def _pct(x: float | None, sign: str = "") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{100 * x:{sign}.2f}%"


def _money(x: float, sign: str = "") -> str:
    return f"{x / 1e6:{sign},.1f}M"


def format_report(report: dict[str, Any]) -> str:
    """A fixed-width table for the terminal."""
    base, cand, chg = report["baseline"], report["candidate"], report["changes"]
    lines = [
        f"policy simulation over {report['n']} rows ({report['source']})",
        f"baseline  {base['version'][:12]}  {base['name']}",
        f"candidate {cand['version'][:12]}  {cand['name']}",
        "",
        f"{'metric':<28}{'baseline':>16}{'candidate':>16}{'change':>16}",
    ]
    for o in OUTCOME_CODES:
        lines.append(
            f"{o + ' rate':<28}{_pct(base['rates'][o]):>16}{_pct(cand['rates'][o]):>16}{_pct(chg['rates'][o], '+'):>16}"
        )
    for key in ("limit_total_approved", "limit_total_offered"):
        label = key.replace("_", " ")
        lines.append(
            f"{label:<28}{_money(base[key]):>16}{_money(cand[key]):>16}{_money(chg[key], '+'):>16}"
        )
    lines.append(
        f"{'default rate (approved)':<28}{_pct(base['default_rate_approved']):>16}"
        f"{_pct(cand['default_rate_approved']):>16}{_pct(chg['default_rate_approved'], '+'):>16}"
    )
    products = sorted(
        set(base["product_mix"]) | set(cand["product_mix"]),
        key=lambda p: -cand["product_mix"].get(p, 0),
    )
    if products:
        lines += [
            "",
            f"{'top product (offers)':<28}{'baseline':>16}{'candidate':>16}{'change':>16}",
        ]
        for p in products:
            b, c = base["product_mix"].get(p, 0), cand["product_mix"].get(p, 0)
            lines.append(f"{p:<28}{b:>16}{c:>16}{c - b:>+16}")
    quality = report.get("flag_quality")
    if quality:
        lines += [
            "",
            "flags against known outcomes (flag rate / precision / recall / lift)",
            f"{'flag':<32}{'baseline':>26}{'candidate':>26}",
        ]
        codes = sorted(
            set(quality["baseline"]) | set(quality["candidate"]),
            key=lambda c: -(quality["candidate"].get(c, {}).get("recall") or 0),
        )
        for code in codes:
            cells = []
            for side in ("baseline", "candidate"):
                r = quality[side].get(code)
                cells.append(
                    "-"
                    if r is None
                    else f"{_pct(r['flag_rate'])} {_pct(r['precision'])} {_pct(r['recall'])}"
                    f" {r['lift'] or 0:.1f}x"
                )
            lines.append(f"{code:<32}{cells[0]:>26}{cells[1]:>26}")
    if chg["outcome_transitions"]:
        lines += [
            "",
            "outcome changes: "
            + ", ".join(f"{k} {v}" for k, v in sorted(chg["outcome_transitions"].items())),
        ]
    return "\n".join(lines)


def json_safe(value: Any) -> Any:
    """NaN and NumPy scalars out, for ``json.dump``."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
