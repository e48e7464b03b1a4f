"""The run report as one self-contained HTML page: inline CSS and SVG, no external assets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from industry_credit.batch.report_governance import governance_html

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","PingFang SC",sans-serif;margin:2rem;
color:#1d2733;background:#fff}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #d5dbe3}
table{border-collapse:collapse;font-size:.8rem;margin:.5rem 0}
th,td{border:1px solid #d5dbe3;padding:.2rem .45rem;text-align:right}
th{background:#f1f4f8}td.l,th.l{text-align:left}
.ok{color:#17663a}.warn{color:#9a6700;font-weight:600}.alert{color:#b42318;font-weight:700}
.kpi{display:inline-block;margin:0 1.5rem .5rem 0}.kpi b{display:block;font-size:1.3rem}
.muted{color:#67727e;font-size:.8rem}
"""


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]], left: int = 1) -> str:
    head = "".join(
        f'<th class="{"l" if i < left else ""}">{escape(str(h))}</th>'
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"l" if i < left else ""}">{escape(_fmt(v))}</td>'
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.4f}" if abs(value) < 10 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _bars(labels: Sequence[str], values: Sequence[float], title: str) -> str:
    """A vertical bar chart as inline SVG."""
    width, height, pad = 24 * max(len(labels), 1) + 40, 180, 30
    top = max([*values, 1])
    bars = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = (height - 2 * pad) * value / top
        x = 30 + i * 24
        y = height - pad - h
        bars.append(
            f'<rect x="{x}" y="{y:.1f}" width="18" height="{h:.1f}" fill="#3867b5">'
            f"<title>{escape(label)}: {value:,.0f}</title></rect>"
            f'<text x="{x + 9}" y="{height - pad + 12}" font-size="8" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}">'
        f'<text x="4" y="14" font-size="11">{escape(title)}</text>{"".join(bars)}</svg>'
    )


def _heat(matrix: list[list[int]], rows: list[str], cols: list[str]) -> str:
    """The migration matrix with cells shaded by count (green above, red below the diagonal)."""
    top = max((v for r in matrix for v in r), default=0) or 1
    head = "<th class='l'>from \\ to</th>" + "".join(f"<th>{escape(c)}</th>" for c in cols)
    body = []
    for i, (name, row) in enumerate(zip(rows, matrix, strict=True)):
        cells = []
        for j, v in enumerate(row):
            alpha = 0.15 + 0.85 * v / top if v else 0
            rgb = (
                "56,103,181" if i == j or i >= len(cols) else "180,35,24" if j > i else "23,102,58"
            )
            style = f' style="background:rgba({rgb},{alpha:.2f})"' if v else ""
            cells.append(f"<td{style}>{v or ''}</td>")
        body.append(f"<tr><th class='l'>{escape(name)}</th>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _psi_rows(psi: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    if "score" in psi:
        rows.append(["score (PD)", psi["score"]["psi"], psi["score"]["status"]])
    rows.extend([name, f["psi"], f["status"]] for name, f in psi["features"].items())
    return rows


def _rate_row(name: str, r: dict[str, Any]) -> list[Any]:
    return [
        name,
        r["flagged"],
        r["flag_rate"],
        r["defaults_caught"],
        r["precision"],
        r["recall"],
        r["lift"],
    ]


RATE_HEADERS = ["", "flagged", "flag rate", "defaults", "precision", "recall", "lift"]


def _queue_sections(report: dict[str, Any]) -> list[str]:
    """The queue tonight and the early warnings measured against known outcomes."""
    q = report.get("queue")
    out: list[str] = []
    if q:
        d = q["deferred"]
        out += [
            "<h2>Review queue tonight</h2>",
            _table(
                [
                    "capacity",
                    "opened",
                    "by expected loss",
                    "must review",
                    "appended",
                    "worsened",
                    "cleared",
                    "deferred",
                    "of which from earlier nights",
                    "deferred expected loss",
                ],
                [
                    [
                        q["capacity"],
                        q["opened"],
                        q["opened_within_capacity"],
                        q["opened_must_review"],
                        q["appended"],
                        q["worsened"],
                        q["cleared"],
                        d["count"],
                        d.get("carried_from_earlier_nights", 0),
                        d["expected_loss"],
                    ]
                ],
                left=0,
            ),
            '<p class="muted">must review by flag: '
            + escape(", ".join(f"{k} {v}" for k, v in q["must_review_by_flag"].items()))
            + "</p>",
            "<h3>Deferred by capacity (largest expected loss first)</h3>",
            _table(
                ["enterprise", "uscc", "name", "pd", "expected loss", "flags"],
                [
                    [
                        r["enterprise_id"],
                        r["uscc"],
                        r["name"],
                        r["pd"],
                        r["expected_loss"],
                        r["flags"],
                    ]
                    for r in d["top"]
                ],
                left=3,
            ),
        ]
    w = report.get("warning_quality")
    if w and w.get("outcomes_known"):
        out += [
            "<h2>Early warnings measured against 12-month outcomes</h2>",
            f'<p class="muted">{w["outcomes_known"]:,} firms with a known outcome,'
            f" {w['defaults']:,} defaults (rate {w['default_rate']:.4f}). Precision = default"
            " rate of the flagged, recall = share of all defaults flagged, lift = precision ÷"
            " default rate. The oracle ranks the same number of firms by the true PD.</p>",
            "<h3>Per flag</h3>",
            _table(
                RATE_HEADERS,
                [
                    _rate_row(k, v)
                    for k, v in sorted(
                        w["per_flag"].items(), key=lambda kv: -(kv[1]["recall"] or 0)
                    )
                ]
                + [_rate_row("any queue flag", w["any_review_flag"])],
            ),
            "<h3>The queue against the oracle</h3>",
            _table(
                [*RATE_HEADERS, "share", "oracle recall", "÷ oracle"],
                [
                    [
                        *_rate_row(name, w[key]),
                        w[key]["share"],
                        w[key]["oracle_recall"],
                        w[key]["vs_oracle"],
                    ]
                    for name, key in (
                        ("open queue", "queue"),
                        ("opened tonight", "new_tonight"),
                        ("queue top 2% by expected loss", "queue_top_2pct"),
                        ("queue top 2% by PD", "queue_top_2pct_by_pd"),
                    )
                    if w.get(key)
                ],
            ),
            "<h3>Queue by priority decile (expected loss, largest first)</h3>",
            _table(
                [
                    "decile",
                    "cases",
                    "expected loss ≥",
                    "defaults",
                    "precision",
                    "lift",
                    "cumulative recall",
                ],
                [
                    [
                        r[k]
                        for k in (
                            "decile",
                            "cases",
                            "expected_loss_min",
                            "defaults",
                            "precision",
                            "lift",
                            "cumulative_recall",
                        )
                    ]
                    for r in w["queue_deciles"]
                ],
                left=0,
            ),
        ]
    return out


def render_html(report: dict[str, Any]) -> str:
    run, counts, psi = report["run"], report["counts"], report["psi"]
    mig = report["grade_migration"]
    grade_totals = [sum(row[j] for row in mig["matrix"]) for j in range(len(mig["to"]))]
    kpis = "".join(
        f'<span class="kpi"><b>{_fmt(v)}</b>{escape(k)}</span>'
        for k, v in (
            ("enterprises", counts["enterprises"]),
            ("approve", counts["by_outcome"]["approve"]),
            ("refer", counts["by_outcome"]["refer"]),
            ("decline", counts["by_outcome"]["decline"]),
            ("flagged", counts["flagged"]),
            ("review cases", counts.get("review_cases_created", 0)),
            ("drawdown holds placed", counts.get("drawdown_holds_placed", 0)),
            ("early warnings", counts["early_warnings"]),
            ("≥2-notch downgrades", counts["downgrades_2_notches"]),
            ("contagion flagged", counts["contagion_flagged"]),
        )
    )
    status = psi.get("status", "ok")
    timing_rows = [
        [phase, t["chunks"], t["rows"], t["seconds"], *t["stages"].values()]
        for phase, t in report["timings"].items()
    ]
    stage_names = list(next(iter(report["timings"].values()))["stages"])
    psi_rows = _psi_rows(psi)
    psi_table = (
        _table(["series", "PSI", "status"], psi_rows)
        .replace('<td class="">alert</td>', '<td class="alert">alert</td>')
        .replace('<td class="">warn</td>', '<td class="warn">warn</td>')
    )
    clusters = report["contagion"]["clusters"]
    sections = [
        f"<h1>Nightly rescoring {escape(run['as_of'])} 夜间重评</h1>",
        f'<p class="muted">run {escape(run["run_id"])} · model {escape(run["model_version"][:12])}'
        f" · ruleset {escape(run['ruleset_version'][:12])} · data cut-off "
        f"{escape(run['data_cutoff'])} · previous run {escape(str(run['previous_run_id']))}</p>",
        kpis,
        "<h2>Timings by stage (seconds)</h2>",
        _table(["phase", "chunks", "rows", "total", *stage_names], timing_rows),
        "<h2>Grade distribution</h2>",
        _bars(mig["to"], grade_totals, "enterprises by grade"),
        "<h2>Grade migration vs the previous rating</h2>",
        _heat(mig["matrix"], mig["from"], mig["to"]),
        f"<h2>Downgrades of ≥{report['downgrades']['min_notches']} notches"
        f" ({report['downgrades']['count']})</h2>",
        _table(
            ["enterprise", "uscc", "sector", "district", "from", "to", "notches", "pd"],
            [list(r.values()) for r in report["downgrades"]["top"]],
            left=6,
        ),
        f"<h2>Circuit-breaker early warnings ({report['early_warnings']['count']})</h2>",
        _table(
            ["enterprise", "downtime jump", "cancellation jump"],
            [list(r.values()) for r in report["early_warnings"]["top"]],
        ),
        f"<h2>Portfolio limits ({len(report['portfolio']['breaches'])} above limit)</h2>",
        _table(
            ["kind", "code", "book share", "limit"],
            [
                [b["kind"], b["code"], f"{100 * b['share']:.1f}%", f"{100 * b['limit']:.1f}%"]
                for b in report["portfolio"]["breaches"]
            ],
            left=2,
        ),
        f"<h2>Contagion clusters ({report['contagion']['n_clusters']})</h2>",
        _table(
            ["size", "core firms", "exposure", "sectors", "districts", "members"],
            [
                [
                    c["size"],
                    c["core_enterprises"],
                    c["exposure"],
                    c["sectors"],
                    c["districts"],
                    c["members"],
                ]
                for c in clusters
            ],
            left=0,
        ),
        f'<h2>Population stability (PSI) <span class="{status}">{escape(status)}</span></h2>',
        f'<p class="muted">warn at {psi["warn"]}, alert at {psi["alert"]}</p>',
        psi_table,
        *_queue_sections(report),
        "<h2>Portfolio exposure by district × sector × grade</h2>",
        _table(
            ["district", "sector", "grade", "enterprises", "exposure (CNY)"],
            [list(r.values()) for r in report["exposure"]],
            left=3,
        ),
        *governance_html(report),
    ]
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>Rescore {escape(run['as_of'])}</title><style>{CSS}</style></head><body>"
        + "\n".join(sections)
        + "</body></html>\n"
    )
