"""The case page's deal-structuring panel: the nearest structure the bank would approve, beside
the engine's decision, and the override form's fields filled from it.

The search is ``decisions.alternatives_search.search`` on the decision's own input snapshot with the
decision's own model and ruleset, so the panel answers for the decision on the page. The page
must render without it (no engine here, an old version, a document the engine cannot read), so
any failure leaves the panel out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from industry_credit.decisions import alternatives, alternatives_search
from industry_credit.decisions.types import DecisionInput

log = logging.getLogger(__name__)

PANEL_BOUNDS = alternatives.Bounds(max_variants=1)


@dataclass(frozen=True)
class StructurePanel:
    """``state``: ``alternative`` (a structure is shown), ``as_requested`` (the request itself
    is approved in full) or ``blocked`` (no variant is approvable; ``blocking`` names why)."""

    state: str
    variants: int
    changes: list[str] = field(default_factory=list)
    request: dict[str, Any] = field(default_factory=dict)
    decision: dict[str, Any] = field(default_factory=dict)
    prefill: dict[str, Any] = field(default_factory=dict)
    blocking: list[dict[str, str]] = field(default_factory=list)


def _granted_in_full(decision: dict[str, Any]) -> bool:
    return bool(
        decision["outcome"] == "approve"
        and decision["limit"]["binding"] == "requested"
        and decision["tenor"]["binding"] == "requested"
    )


def _wan_text(amount: float) -> str:
    """The override form's limit field is typed in 万元."""
    return f"{amount / 10_000:.2f}".rstrip("0").rstrip(".")


def prefill(decision: dict[str, Any], added: list[str]) -> dict[str, Any]:
    """The override form's fields for approving the structure as the engine decided it."""
    return {
        "action": "override",
        "outcome": "approve",
        "limit_amount": _wan_text(float(decision["limit"]["amount"])),
        "tenor_months": str(decision["tenor"]["months"]),
        "products": [p["code"] for p in decision["products"]],
        "reason": "",
        "reason_codes": ["additional_collateral"] if added else [],
    }


def nearest_structure(app_state: Any, decision: Any, lang: str) -> StructurePanel | None:
    registry = getattr(app_state, "engine_registry", None)
    if registry is None or decision is None:
        return None
    try:
        engine = registry.for_versions(
            model_version=decision.model_version, ruleset_version=decision.ruleset_version
        )
        item = DecisionInput.from_snapshot(decision.input_snapshot)
        found = alternatives_search.search(engine=engine, item=item, bounds=PANEL_BOUNDS)
    except Exception as exc:
        log.warning("deal structuring unavailable for decision %s: %s", decision.id, exc)
        return None
    variants = len(found.grid)
    if _granted_in_full(found.original):
        return StructurePanel(state="as_requested", variants=variants)
    if not found.alternatives:
        return StructurePanel(state="blocked", variants=variants, blocking=found.blocking_rules)
    best = found.alternatives[0]
    return StructurePanel(
        state="alternative",
        variants=variants,
        changes=[c["zh"] if lang == "zh" else c["en"] for c in best.changes],
        request=best.document.request.model_dump(mode="json"),
        decision=best.decision,
        prefill=prefill(best.decision, best.added),
    )
