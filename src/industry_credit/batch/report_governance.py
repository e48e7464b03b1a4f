"""The run report's model-governance section: the champion's latest backtest (a red grade is
flagged) and what the challenger scored in shadow in this run."""

from __future__ import annotations

from html import escape
from typing import Any

from sqlalchemy import Connection, text

_LATEST_BACKTEST = text(
    "SELECT id, created_at, body FROM model_reports"
    " WHERE kind = 'backtest' AND model_version = :model ORDER BY id DESC LIMIT 1"
)
_SHADOW = text(
    "SELECT challenger_version, count(*),"
    " count(*) FILTER (WHERE challenger_outcome <> champion_outcome)"
    " FROM shadow_scores WHERE run_id = CAST(:run AS uuid) GROUP BY challenger_version"
)


def governance_summary(conn: Connection, *, run_id: str, model_version: str) -> dict[str, Any]:
    latest = conn.execute(_LATEST_BACKTEST, {"model": model_version}).first()
    backtest: dict[str, Any] | None = None
    if latest is not None:
        body = latest.body
        backtest = {
            "report_id": int(latest.id),
            "created_at": latest.created_at.isoformat(timespec="seconds"),
            "cohort_from": body.get("cohort_from"),
            "cohort_to": body.get("cohort_to"),
            "observations": body.get("observations"),
            "defaults": body.get("defaults"),
            "auc": (body.get("discrimination") or {}).get("auc"),
            "portfolio_light": (body.get("portfolio") or {}).get("light"),
            "grades": [
                {"grade": g["grade"], "n": g["n"], "light": g["light"]}
                for g in body.get("grades", [])
            ],
            "red_grades": body.get("red_grades", []),
        }
    shadow = [
        {"challenger_version": v, "scored": int(n), "outcome_swaps": int(s)}
        for v, n, s in conn.execute(_SHADOW, {"run": run_id}).all()
    ]
    return {"backtest": backtest, "challenger": shadow[0] if shadow else None}


def red_grades(report: dict[str, Any]) -> str:
    """For the run's summary line: the champion's red grades in its latest backtest, or '-'."""
    backtest = (report.get("model_governance") or {}).get("backtest") or {}
    return ",".join(backtest.get("red_grades", [])) or "-"


def governance_html(report: dict[str, Any]) -> list[str]:
    summary = report.get("model_governance")
    if not summary:
        return []
    out = ["<h2>Model governance</h2>"]
    bt = summary["backtest"]
    if bt is None:
        out.append('<p class="muted">No backtest of this model is stored yet.</p>')
    else:
        red = bt["red_grades"]
        flag = (
            f'<span class="alert">RED grades: {escape(", ".join(red))}</span>'
            if red
            else '<span class="ok">no red grade</span>'
        )
        auc = "–" if bt["auc"] is None else f"{bt['auc']:.3f}"
        out.append(
            f"<p>Latest backtest: report {bt['report_id']} ({escape(bt['created_at'])}), ratings"
            f" {escape(str(bt['cohort_from']))} to {escape(str(bt['cohort_to']))},"
            f" {bt['observations']} enterprises, {bt['defaults']} defaults, AUC {auc},"
            f" portfolio {escape(str(bt['portfolio_light']))}; {flag}</p>"
        )
    ch = summary["challenger"]
    if ch is not None:
        out.append(
            f'<p class="muted">Challenger {escape(ch["challenger_version"][:12])} scored'
            f" {ch['scored']:,} enterprises in shadow; {ch['outcome_swaps']:,} would have had"
            " another outcome.</p>"
        )
    return out
