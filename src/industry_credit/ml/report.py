"""The model-development report: ``report.json`` and a self-contained ``report.html``.

Charts are inline SVG drawn here (no plotting library on the servers), so the HTML file is the
whole report: it can be mailed to the validation team or archived with the artifact.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

_W, _H, _PAD = 360, 300, 40
_COLOURS = ("#1f5fa8", "#c0392b", "#7f8c8d", "#27ae60")


def _svg_lines(
    title: str, series: list[tuple[str, list[list[float]]]], xlab: str, ylab: str
) -> str:
    """A square line chart on [0,1]x[0,1] (ROC, KS, calibration on a common scale)."""
    pts_all = [p for _, pts in series for p in pts]
    top = max([1e-9, *[max(p) for p in pts_all]]) if pts_all else 1.0
    scale = 1.0 if top <= 1.0 else top

    def xy(p: list[float]) -> str:
        x = _PAD + p[0] / scale * (_W - 2 * _PAD)
        y = _H - _PAD - p[1] / scale * (_H - 2 * _PAD)
        return f"{x:.1f},{y:.1f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" role="img">',
        f'<text x="{_W / 2}" y="16" text-anchor="middle" font-size="13">{html.escape(title)}</text>',
        f'<rect x="{_PAD}" y="{_PAD}" width="{_W - 2 * _PAD}" height="{_H - 2 * _PAD}" fill="none" stroke="#999"/>',
        f'<text x="{_W / 2}" y="{_H - 8}" text-anchor="middle" font-size="11">{html.escape(xlab)}</text>',
        f'<text x="12" y="{_H / 2}" font-size="11" transform="rotate(-90 12 {_H / 2})" text-anchor="middle">{html.escape(ylab)}</text>',
        f'<text x="{_PAD}" y="{_H - _PAD + 14}" font-size="10">0</text>',
        f'<text x="{_W - _PAD}" y="{_H - _PAD + 14}" font-size="10" text-anchor="end">{scale:.3g}</text>',
    ]
    for k, (name, pts) in enumerate(series):
        colour = _COLOURS[k % len(_COLOURS)]
        path = " ".join(xy(p) for p in pts)
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" points="{path}"/>'
        )
        parts.append(
            f'<text x="{_PAD + 6}" y="{_PAD + 14 + 13 * k}" font-size="11" fill="{colour}">{html.escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def svg_intervals(title: str, rows: list[tuple[str, float, float, float]], xlab: str) -> str:
    """Horizontal point-and-interval chart around zero (AUC differences and their CIs)."""
    lo = min([0.0, *[r[2] for r in rows]])
    hi = max([0.0, *[r[3] for r in rows]])
    span = (hi - lo) or 1e-3
    lo, hi = lo - 0.05 * span, hi + 0.05 * span
    left, width = 170, _W + 120 - 170 - 20
    height = 40 + 22 * len(rows) + 30

    def sx(v: float) -> float:
        return left + (v - lo) / (hi - lo) * width

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W + 120}" height="{height}" role="img">',
        f'<text x="{(_W + 120) / 2}" y="16" text-anchor="middle" font-size="13">{html.escape(title)}</text>',
        f'<line x1="{sx(0):.1f}" y1="28" x2="{sx(0):.1f}" y2="{height - 30}" stroke="#999"/>',
        f'<text x="{left}" y="{height - 16}" font-size="10">{lo:+.4f}</text>',
        f'<text x="{left + width}" y="{height - 16}" font-size="10" text-anchor="end">{hi:+.4f}</text>',
        f'<text x="{left + width / 2}" y="{height - 4}" font-size="11" text-anchor="middle">{html.escape(xlab)}</text>',
    ]
    for k, (name, mid, a, b) in enumerate(rows):
        y = 44 + 22 * k
        # Red when the whole interval is below zero: a loss beyond the noise.
        colour = _COLOURS[1] if b < 0 else _COLOURS[0]
        parts += [
            f'<text x="{left - 6}" y="{y + 4}" font-size="11" text-anchor="end">{html.escape(name)}</text>',
            f'<line x1="{sx(a):.1f}" y1="{y}" x2="{sx(b):.1f}" y2="{y}" stroke="{colour}" stroke-width="2"/>',
            f'<circle cx="{sx(mid):.1f}" cy="{y}" r="3.5" fill="{colour}"/>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def _table(rows: list[dict[str, Any]], limit: int | None = None) -> str:
    if not rows:
        return "<p>(none)</p>"
    cols = list(rows[0])
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    body = []
    for row in rows[:limit]:
        cells = "".join(f"<td>{html.escape(_fmt(row[c]))}</td>" for c in cols)
        body.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False)
    return "" if v is None else str(v)


def render_html(report: dict[str, Any]) -> str:
    m = report["metrics"]
    c = report["curves"]
    calib = [[r["mean_pd"], r["default_rate"]] for r in report["calibration"]]
    diag_top = max([0.0, *[max(p) for p in calib]]) if calib else 1.0
    charts = "".join(
        [
            _svg_lines(
                "ROC (held out)",
                [("model", c["roc"]), ("chance", [[0, 0], [1, 1]])],
                "false positive rate",
                "true positive rate",
            ),
            _svg_lines(
                "KS (held out)",
                [("defaults", c["ks_bad"]), ("non-defaults", c["ks_good"])],
                "population share by descending PD",
                "cumulative share",
            ),
            _svg_lines(
                "Calibration by PD decile",
                [("observed vs predicted", calib), ("perfect", [[0, 0], [diag_top, diag_top]])],
                "mean predicted PD",
                "observed default rate",
            ),
        ]
    )
    intervals = [
        (f"vs {label}", m[f"auc_minus_{ref}"], *m[f"{ref}_auc_ci"])
        for ref, label in (("baseline", "default LightGBM"), ("scorecard", "LR scorecard"))
        if f"{ref}_auc_ci" in m
    ]
    if intervals:
        charts += svg_intervals(
            "AUC difference (per-fold mean), 95% CI (DeLong)",
            intervals,
            "model AUC minus reference AUC",
        )
    summary = [{"metric": k, "value": v} for k, v in m.items()]
    psi_rows = [{"feature": k, "psi": v} for k, v in report["psi"]["features"].items()]
    sections = [
        ("Held-out metrics", _table(summary)),
        ("Curves", f'<div class="charts">{charts}</div>'),
        ("Calibration table", _table(report["calibration"])),
        ("Grade distribution and default rate per grade", _table(report["grades"])),
        ("Feature importance (gain, mean |SHAP|)", _table(report["importance"], 40)),
        (f"PSI train vs held out (score: {report['psi']['score']:.4f})", _table(psi_rows)),
        (
            "Monotone constraints",
            _table([{"feature": k, **v} for k, v in report["monotone_constraints"].items()]),
        ),
        (
            "Training",
            f"<pre>{html.escape(json.dumps(report['training'], indent=1, ensure_ascii=False))}</pre>",
        ),
    ]
    body = "".join(f"<h2>{html.escape(t)}</h2>{s}" for t, s in sections)
    style = (
        "body{font-family:sans-serif;margin:24px;max-width:1200px}table{border-collapse:collapse;"
        "font-size:12px;margin-bottom:12px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
        ".charts{display:flex;flex-wrap:wrap;gap:12px}"
    )
    title = f"Model development report — {html.escape(report['model_version'])}"
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{style}</style></head><body><h1>{title}</h1>{body}</body></html>"
    )


def write_report(report: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str))
    (out / "report.html").write_text(render_html(report), encoding="utf-8")
