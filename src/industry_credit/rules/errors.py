"""Errors the rules package raises, each naming what was wrong and where."""

from __future__ import annotations


class RulesetError(ValueError):
    """A ruleset that cannot be loaded; ``where`` names the rule (or section) at fault."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


class RulesetPermissionError(PermissionError):
    """The actor may not do this to a ruleset (activation needs an active admin)."""


class RulesetNotFoundError(LookupError):
    """No stored ruleset version matches."""


class EvaluationInputError(ValueError):
    """The scored frame handed to the engine lacks columns the ruleset needs."""
