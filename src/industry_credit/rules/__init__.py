"""Credit policy as versioned data: the ruleset, its validator, the vectorized engine.

Public API:
    load_ruleset(path_or_text) -> Ruleset              parse and validate, no database
    evaluate(ruleset, scored) -> RuleTable             one decision row per scored row
    decision_fields(table, i) -> dict                  the rules' part of row i's decision
    load_ruleset_version / activate_ruleset_version / get_active_ruleset / get_ruleset_version
"""

from __future__ import annotations

from typing import Any

from industry_credit.rules.engine import evaluate
from industry_credit.rules.errors import (
    EvaluationInputError,
    RulesetError,
    RulesetNotFoundError,
    RulesetPermissionError,
)
from industry_credit.rules.loading import default_ruleset, load_ruleset, read_source
from industry_credit.rules.result import RuleTable
from industry_credit.rules.ruleset import Rule, Ruleset, build_ruleset, parse_ruleset_text
from industry_credit.rules.versions import (
    RulesetActivated,
    RulesetLoaded,
    activate_ruleset_version,
    get_active_ruleset,
    get_ruleset_version,
    list_ruleset_versions,
    load_ruleset_version,
)


def decision_fields(table: RuleTable, i: int) -> dict[str, Any]:
    """The rules' part of DOMAIN.md's decision document for row ``i`` of ``table``."""
    return table.decision_fields(i)


__all__ = [
    "EvaluationInputError",
    "Rule",
    "RuleTable",
    "Ruleset",
    "RulesetActivated",
    "RulesetError",
    "RulesetLoaded",
    "RulesetNotFoundError",
    "RulesetPermissionError",
    "activate_ruleset_version",
    "build_ruleset",
    "decision_fields",
    "default_ruleset",
    "evaluate",
    "get_active_ruleset",
    "get_ruleset_version",
    "list_ruleset_versions",
    "load_ruleset",
    "load_ruleset_version",
    "parse_ruleset_text",
    "read_source",
]
