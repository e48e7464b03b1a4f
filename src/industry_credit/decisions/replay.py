"""Replay: recompute stored decisions from their input snapshots with their own model and ruleset.

``replay_many`` groups decisions by (model, ruleset, reasons renderer) version and recomputes
each group in one vectorized call, so replaying a whole book is as fast as scoring it. The
renderer is the decision's own (``reasons_version`` in its document), so the reason text of a
decision recorded under an older renderer replays byte for byte.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from industry_credit.db.models import Decision
from industry_credit.decisions.types import DecisionInput, EngineRegistry


def reasons_version(decision: Decision) -> int:
    """The renderer its reason sentences were recorded with (none named: version 1, the only
    one before versions were recorded)."""
    return int(str(decision.document.get("reasons_version", 1)))


def _differences(
    decision: Decision, item: DecisionInput, recomputed: dict[str, Any]
) -> list[dict[str, Any]]:
    differences: list[dict[str, Any]] = []
    if item.sha256() != decision.input_sha256:
        differences.append(
            {"field": "input_sha256", "stored": decision.input_sha256, "replayed": item.sha256()}
        )
    stored = decision.document
    for field, value in recomputed.items():
        if stored.get(field) != value:
            differences.append({"field": field, "stored": stored.get(field), "replayed": value})
    return differences


def replay_many(
    *, decisions: Sequence[Decision], registry: EngineRegistry
) -> dict[str, list[dict[str, Any]]]:
    """Decision id -> the fields whose recomputed value differs (empty list when identical)."""
    groups: dict[tuple[str, str, int], list[Decision]] = defaultdict(list)
    for decision in decisions:
        key = (decision.model_version, decision.ruleset_version, reasons_version(decision))
        groups[key].append(decision)
    out: dict[str, list[dict[str, Any]]] = {}
    for (model_version, ruleset_version, version), members in groups.items():
        engine = registry.for_versions(
            model_version=model_version, ruleset_version=ruleset_version, reasons_version=version
        )
        items = [DecisionInput.from_snapshot(d.input_snapshot) for d in members]
        results = engine.decide(items)
        for decision, item, result in zip(members, items, results, strict=True):
            out[str(decision.id)] = _differences(decision, item, result.decision)
    return out


def replay_decision(*, decision: Decision, registry: EngineRegistry) -> list[dict[str, Any]]:
    """The fields whose recomputed value differs from the stored one (empty when identical)."""
    return replay_many(decisions=[decision], registry=registry)[str(decision.id)]
