"""Reading a ruleset from a file or from text, without the database."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from industry_credit.rules.errors import RulesetError
from industry_credit.rules.ruleset import Ruleset, parse_ruleset_text

DEFAULT_RULESET_PATH = Path(__file__).with_name("default_ruleset.yaml")


def read_source(path_or_text: str | Path) -> str:
    """The YAML source: a ``Path``, a string naming an existing file, or the YAML text itself."""
    if isinstance(path_or_text, Path):
        try:
            return path_or_text.read_text(encoding="utf-8")
        except OSError as exc:
            raise RulesetError("ruleset", f"cannot read {path_or_text}: {exc}") from None
    if "\n" not in path_or_text and Path(path_or_text).is_file():
        return Path(path_or_text).read_text(encoding="utf-8")
    return path_or_text


def load_ruleset(path_or_text: str | Path) -> Ruleset:
    """Parse and validate a ruleset (raises ``RulesetError`` naming the rule and the problem)."""
    return parse_ruleset_text(read_source(path_or_text))


@lru_cache(maxsize=1)
def default_ruleset() -> Ruleset:
    """The shipped default ruleset (settings.ruleset_path points at the same file)."""
    return load_ruleset(DEFAULT_RULESET_PATH)
