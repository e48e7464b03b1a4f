"""Assemble everything the case page shows into one view object: charts, graph, waterfall."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from industry_credit.db.models import AuditEntry, BatchRun, Decision, FinancialStatement
from industry_credit.ml.reasons import describe
from industry_credit.review import case_data, evidence, ratings, repository
from industry_credit.review.case_data import Neighbour
from industry_credit.review.codes import DISTRESS_PD
from industry_credit.review.ratings import Rating
from industry_credit.review.repository import CaseFile
from industry_credit.review.schemas import CaseOut
from industry_credit.review.service import engine_terms
from industry_credit.review.svg import (
    Graph,
    Histogram,
    TrendChart,
    Waterfall,
    pd_histogram,
    star_graph,
    trend_chart,
    waterfall,
)

WATERFALL_FEATURES = 7  # the largest contributions drawn one by one; the rest as one bar


@dataclass
class CaseView:
    case: CaseOut
    file: CaseFile
    engine_terms: dict[str, Any]
    pd: float | None
    grade: str | None
    financial_rows: list[dict[str, Any]] = field(default_factory=list)
    financial_charts: list[tuple[str, TrendChart]] = field(default_factory=list)
    alt_charts: list[tuple[str, TrendChart, float | None, str]] = field(default_factory=list)
    neighbours: list[Neighbour] = field(default_factory=list)
    graph: Graph | None = None
    histogram: Histogram | None = None
    segment_size: int = 0
    grade_counts: list[tuple[str, int]] = field(default_factory=list)
    percentile: int | None = None
    waterfall: Waterfall | None = None
    waterfall_partial: bool = True
    audit: list[AuditEntry] = field(default_factory=list)
    history: list[Decision] = field(default_factory=list)
    evidence: evidence.Evidence | None = None
    ratings: list[Rating] = field(default_factory=list)
    previous: Rating | None = None
    batch_reasons: bool = False  # the reasons are the nightly run's, not a decision's


def _subsidies(row: FinancialStatement) -> Decimal:
    return (
        row.subsidy_compute_voucher
        + row.subsidy_model_voucher
        + row.subsidy_corpus_voucher
        + row.subsidy_special_fund
        + row.subsidy_other
    )


def _financials(view: CaseView, rows: list[FinancialStatement], t: Callable[..., str]) -> None:
    years = [str(r.fiscal_year) for r in rows]
    for r in rows:
        subsidy = _subsidies(r)
        view.financial_rows.append(
            {
                "year": r.fiscal_year,
                "revenue": float(r.revenue),
                "net_profit": float(r.net_profit),
                "subsidies": float(subsidy),
                "profit_ex_subsidies": float(r.net_profit - subsidy),
                "cash_flow": float(r.operating_cash_flow),
                "leverage": float(r.total_liabilities / r.total_assets) if r.total_assets else None,
            }
        )
    if not rows:
        return
    fr = view.financial_rows
    view.financial_charts = [
        (
            t("case.revenue"),
            trend_chart(years, [("revenue", "s-main", [x["revenue"] for x in fr])]),
        ),
        (
            t("case.profit"),
            trend_chart(
                years,
                [
                    (t("case.with_subsidies"), "s-main", [x["net_profit"] for x in fr]),
                    (t("case.without_subsidies"), "s-alt", [x["profit_ex_subsidies"] for x in fr]),
                ],
            ),
        ),
        (
            t("case.cash_flow"),
            trend_chart(years, [("cash", "s-main", [x["cash_flow"] for x in fr])]),
        ),
    ]


def _yoy(values: list[float]) -> float | None:
    if len(values) < 13 or values[-13] == 0:
        return None
    return values[-1] / values[-13] - 1


def _alternative(view: CaseView, session: Session, t: Callable[..., str]) -> None:
    rows = case_data.monthly(session=session, enterprise_id=view.file.enterprise.id)
    if not rows:
        return
    months = [r.month.strftime("%y-%m") for r in rows]
    for key, css, kind, values in (
        ("case.electricity", "s-power", "count", [float(r.electricity_kwh) for r in rows]),
        ("case.tax_invoices", "s-main", "money", [float(r.tax_invoice_amount) for r in rows]),
        ("case.headcount", "s-alt", "count", [float(r.social_insurance_headcount) for r in rows]),
    ):
        chart = trend_chart(months, [(t(key), css, list(values))], label_every=6)
        view.alt_charts.append((t(key), chart, _yoy(values), kind))


def _node_css(n: Neighbour) -> str:
    css = ["core"] if n.is_core else []
    if n.pd is not None and n.pd >= DISTRESS_PD:
        css.append("distress")
    if n.flagged:
        css.append("flagged")
    return " ".join(css) or "plain"


def _network(view: CaseView, session: Session, t: Callable[..., str]) -> None:
    ent = view.file.enterprise
    view.neighbours = case_data.neighbourhood(session=session, enterprise=ent)
    if not view.neighbours:
        return

    def item(n: Neighbour) -> tuple[str, str, str, str, float | None, float]:
        pd_text = f"PD {n.pd:.2%}" if n.pd is not None else "PD —"
        title = f"{n.name} · {t('case.' + n.role)} · {n.share:.0%} · {pd_text}"
        return (n.uscc, n.name, _node_css(n), title, n.pd, n.share)

    suppliers = [item(n) for n in view.neighbours if n.role == "supplier"]
    buyers = [item(n) for n in view.neighbours if n.role == "buyer"]
    centre_css = "centre core" if ent.is_core_enterprise else "centre"
    view.graph = star_graph((ent.uscc, ent.name, centre_css), suppliers, buyers)


def _segment(view: CaseView, session: Session) -> None:
    scores = case_data.sector_scores(session=session, sector=view.file.enterprise.sector)
    pds = [pd for pd, _ in scores]
    view.segment_size = len(pds)
    # Grades in master-scale order, i.e. by the PDs seen under them.
    by_grade: dict[str, list[float]] = {}
    for pd, grade in scores:
        by_grade.setdefault(grade, []).append(pd)
    view.grade_counts = sorted(
        ((g, len(v)) for g, v in by_grade.items()), key=lambda gc: sum(by_grade[gc[0]]) / gc[1]
    )
    view.histogram = pd_histogram(pds, view.pd)
    if pds and view.pd is not None:
        below = sum(1 for p in pds if p < view.pd)
        view.percentile = round(100 * below / len(pds))


def _waterfall(
    view: CaseView, explanation: dict[str, Any] | None, lang: str, t: Callable[..., str]
) -> None:
    decision = view.file.decision
    if decision is None:
        return
    names = reason_names(decision.reasons, lang)
    if explanation is not None:
        contributions = {str(k): float(v) for k, v in explanation["contributions"].items()}
        ranked = sorted(contributions.items(), key=lambda kv: -abs(kv[1]))
        values = explanation.get("features") or {}
        pick = 0 if lang == "zh" else 1
        # The model's own sentence for each feature with the firm's value (as in the reasons).
        steps = [
            (names.get(k) or describe(k, values.get(k))[pick], v)
            for k, v in ranked[:WATERFALL_FEATURES]
        ]
        rest = sum(v for _, v in ranked[WATERFALL_FEATURES:])
        if rest:
            steps.append((t("case.waterfall_other"), rest))
        base: float | None = float(explanation.get("base_value", 0.0))
        view.waterfall_partial = False
    else:
        steps = [
            (names[str(r["feature"])], float(str(r["contribution"]))) for r in decision.reasons
        ]
        base = None
    view.waterfall = waterfall(
        steps, base=base, base_label=t("case.waterfall_base"), final_label=t("case.waterfall_final")
    )


def _evidence_inputs(
    session: Session, file: CaseFile, explanation: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, str | None, dict[str, Any]]:
    """What the rule evidence is read from: the decision's document and its ruleset, or, for a
    nightly flag, the rules that fired in the run with the values they read (flag_evidence)."""
    if file.decision is not None:
        features = (explanation or {}).get("features") or {}
        return file.decision.document, file.decision.ruleset_version, features
    rescore = file.rescore
    found = rescore.flag_evidence if rescore is not None else None
    if rescore is None or not found:
        return None, None, {}
    run = session.get(BatchRun, rescore.run_id)
    raw_values, hits = found.get("values"), found.get("rule_hits")
    values = dict(raw_values) if isinstance(raw_values, dict) else {}
    document = {"rule_hits": hits if isinstance(hits, list) else [], "pd": rescore.pd}
    return document, run.ruleset_version if run is not None else None, values


def _batch_reasons(view: CaseView, lang: str, t: Callable[..., str]) -> None:
    """A nightly flag's reasons: the TreeSHAP codes the run computed for the flagged firm."""
    rescore = view.file.rescore
    if view.file.decision is not None or rescore is None or not rescore.reasons:
        return
    names = reason_names(rescore.reasons, lang)
    steps = [(names[str(r["feature"])], float(str(r["contribution"]))) for r in rescore.reasons]
    # Only the features that raised the risk most: their sum, not the firm's final score.
    view.waterfall = waterfall(
        steps, base=None, base_label=t("case.waterfall_base"), final_label=t("case.waterfall_sum")
    )
    view.batch_reasons = True
    if view.evidence is not None:
        view.evidence.reasons = steps


def reason_names(reasons: list[dict[str, Any]], lang: str) -> dict[str, str]:
    """Each reason's sentence from its feature and value, with the sign kept (the text recorded
    in older documents prints a share's magnitude); the recorded text when there is no value."""
    pick = 0 if lang == "zh" else 1
    return {
        str(r["feature"]): describe(str(r["feature"]), r["value"])[pick]
        if "value" in r
        else str(r["zh" if lang == "zh" else "en"])
        for r in reasons
    }


def build(
    *,
    session: Session,
    case: CaseOut,
    file: CaseFile,
    app_state: Any,
    lang: str,
    t: Callable[..., str],
) -> CaseView:
    decision, rescore = file.decision, file.rescore
    view = CaseView(
        case=case,
        file=file,
        engine_terms=engine_terms(file),
        pd=decision.pd if decision else (rescore.pd if rescore else None),
        grade=decision.grade if decision else (rescore.grade if rescore else None),
    )
    _financials(view, case_data.financials(session=session, enterprise_id=file.enterprise.id), t)
    _alternative(view, session, t)
    _network(view, session, t)
    _segment(view, session)
    explanation = case_data.explanation(app_state, decision)
    _waterfall(view, explanation, lang, t)
    document, ruleset_version, features = _evidence_inputs(session, file, explanation)
    view.evidence = evidence.build(
        session=session,
        document=document,
        ruleset_version=ruleset_version,
        features=features,
        flags=list(case.flags),
        lang=lang,
        t=t,
    )
    _batch_reasons(view, lang, t)
    ids = [str(file.case.id)]
    ids += [str(file.case.application_id)] if file.case.application_id else []
    ids += [str(file.case.decision_id)] if file.case.decision_id else []
    view.audit = repository.audit_entries(session=session, entity_ids=ids)
    view.history = repository.enterprise_decisions(
        session=session, enterprise_id=file.enterprise.id
    )
    if rescore is not None:
        # A nightly flag: what the run found against what was known before it.
        view.ratings = ratings.history(session=session, enterprise_id=file.enterprise.id)
        view.previous = ratings.previous(view.ratings, rescore.as_of)
    return view


def age_text(hours: float, t: Callable[..., str]) -> str:
    whole = int(hours)
    if whole < 24:
        return t("unit.hours", n=whole)
    return t("unit.days", d=whole // 24, h=whole % 24)


def when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")
