"""What the case page reads about an enterprise beyond the case itself: statements, monthly
alternative data, its supply-chain links in both directions, and its sector's PDs."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from industry_credit.db.models import (
    AlternativeDataMonthly,
    Enterprise,
    FinancialStatement,
    ReviewCase,
    SupplyLink,
)
from industry_credit.decisions.repository import counterparty_risk
from industry_credit.decisions.types import DecisionInput
from industry_credit.review.codes import DISTRESS_PD, OPEN_STATUSES

log = logging.getLogger(__name__)


def financials(*, session: Session, enterprise_id: int, years: int = 3) -> list[FinancialStatement]:
    """The latest ``years`` fiscal years, oldest first (the order a trend is read in)."""
    rows = session.execute(
        select(FinancialStatement)
        .where(FinancialStatement.enterprise_id == enterprise_id)
        .order_by(FinancialStatement.fiscal_year.desc())
        .limit(years)
    ).scalars()
    return sorted(rows, key=lambda r: r.fiscal_year)


def monthly(
    *, session: Session, enterprise_id: int, months: int = 24
) -> list[AlternativeDataMonthly]:
    rows = session.execute(
        select(AlternativeDataMonthly)
        .where(AlternativeDataMonthly.enterprise_id == enterprise_id)
        .order_by(AlternativeDataMonthly.month.desc())
        .limit(months)
    ).scalars()
    return sorted(rows, key=lambda r: r.month)


@dataclass(frozen=True)
class Neighbour:
    uscc: str
    name: str
    role: str  # what the neighbour is to the firm: buyer or supplier
    is_core: bool
    share: float
    pd: float | None
    inbound: bool  # the neighbour named this firm, rather than the firm naming it
    flagged: bool = False  # an open nightly flag on the counterparty


# How many links of each direction are read before choosing what to draw: a firm's own list is
# short; this only bounds a pathological one.
LINKS_READ = 500


def neighbourhood(*, session: Session, enterprise: Enterprise, limit: int = 14) -> list[Neighbour]:
    """Links the firm declared, plus firms that declared it as their counterparty (with the
    role inverted), each with the latest PD the bank knows for the counterparty. When there are
    more than ``limit``, distressed and flagged counterparties come first, then core
    enterprises, then the largest shares: a distressed source must never fall off the graph."""
    out_links = session.execute(
        select(SupplyLink)
        .where(SupplyLink.enterprise_id == enterprise.id)
        .order_by(SupplyLink.share.desc())
        .limit(LINKS_READ)
    ).scalars()
    in_links = session.execute(
        select(SupplyLink, Enterprise)
        .join(Enterprise, Enterprise.id == SupplyLink.enterprise_id)
        .where(
            or_(
                SupplyLink.counterparty_id == enterprise.id,
                SupplyLink.counterparty_uscc == enterprise.uscc,
            )
        )
        .order_by(SupplyLink.share.desc())
        .limit(LINKS_READ)
    ).all()
    found: dict[str, Neighbour] = {}
    for link in out_links:
        found[link.counterparty_uscc] = Neighbour(
            uscc=link.counterparty_uscc,
            name=link.counterparty_name,
            role=link.role,
            is_core=link.is_core_enterprise,
            share=float(link.share),
            pd=None,
            inbound=False,
        )
    for link, other in in_links:
        if other.uscc in found:
            continue
        found[other.uscc] = Neighbour(
            uscc=other.uscc,
            name=other.name,
            role="supplier" if link.role == "buyer" else "buyer",
            is_core=other.is_core_enterprise,
            share=float(link.share),
            pd=None,
            inbound=True,
        )
    risk = dict(counterparty_risk(session=session, usccs=list(found)))
    flagged = _flagged(session, list(found))
    scored = [replace(n, pd=risk.get(n.uscc), flagged=n.uscc in flagged) for n in found.values()]

    def first(n: Neighbour) -> tuple[bool, bool, bool, float]:
        distressed = n.pd is not None and n.pd >= DISTRESS_PD
        return (not distressed, not n.flagged, not n.is_core, -n.share)

    return sorted(scored, key=first)[:limit]


def _flagged(session: Session, usccs: list[str]) -> set[str]:
    """Counterparties with an open nightly flag (a downgrade, an early warning, contagion)."""
    if not usccs:
        return set()
    rows = session.execute(
        select(Enterprise.uscc)
        .join(ReviewCase, ReviewCase.enterprise_id == Enterprise.id)
        .where(
            Enterprise.uscc.in_(usccs),
            ReviewCase.source == "batch_flag",
            ReviewCase.status.in_(OPEN_STATUSES),
        )
    ).scalars()
    return set(rows)


_SECTOR_PDS = text(
    """
    SELECT DISTINCT ON (d.enterprise_id) d.pd, d.grade
    FROM decisions d JOIN enterprises e ON e.id = d.enterprise_id
    WHERE e.sector = :sector
    ORDER BY d.enterprise_id, d.decided_at DESC
    LIMIT 20000
    """
)


def sector_scores(*, session: Session, sector: str) -> list[tuple[float, str]]:
    """The latest decided PD and grade of every firm in the sector (the case's segment)."""
    rows = session.execute(_SECTOR_PDS, {"sector": sector}).all()
    return [(float(pd), str(grade)) for pd, grade in rows]


def explanation(app_state: Any, decision: Any) -> dict[str, Any] | None:
    """The full SHAP explanation from the engine that made the decision, when that engine can
    be rebuilt here. The page must render without it (no model loaded, an old version), so
    any failure degrades to the decision's own four reasons."""
    registry = getattr(app_state, "engine_registry", None)
    if registry is None or decision is None:
        return None
    try:
        engine = registry.for_versions(
            model_version=decision.model_version, ruleset_version=decision.ruleset_version
        )
        result: dict[str, Any] = engine.explain(
            DecisionInput.from_snapshot(decision.input_snapshot)
        )
    except Exception as exc:
        log.warning("explanation unavailable for decision %s: %s", decision.id, exc)
        return None
    if not isinstance(result.get("contributions"), dict):
        return None
    return result
