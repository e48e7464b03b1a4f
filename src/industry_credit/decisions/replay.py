"""Replay: recompute a stored decision from its input snapshot with its own model and ruleset."""

from __future__ import annotations

from typing import Any

from industry_credit.db.models import Decision
from industry_credit.decisions.types import DecisionInput, EngineRegistry


def replay_decision(*, decision: Decision, registry: EngineRegistry) -> list[dict[str, Any]]:
    """The fields whose recomputed value differs from the stored one (empty when identical)."""
    engine = registry.for_versions(
        model_version=decision.model_version, ruleset_version=decision.ruleset_version
    )
    item = DecisionInput.from_snapshot(decision.input_snapshot)
    differences: list[dict[str, Any]] = []
    if item.sha256() != decision.input_sha256:
        differences.append(
            {"field": "input_sha256", "stored": decision.input_sha256, "replayed": item.sha256()}
        )
    recomputed = engine.decide([item])[0].decision
    stored = decision.document
    for field, value in recomputed.items():
        if stored.get(field) != value:
            differences.append({"field": field, "stored": stored.get(field), "replayed": value})
    return differences
