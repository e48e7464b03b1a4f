"""The README stays short and its links lead somewhere."""

from __future__ import annotations

import re
import tomllib

from industry_credit.config import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"


def test_readme_is_at_most_250_lines() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 250


def test_every_relative_link_in_the_readme_and_docs_resolves() -> None:
    pages = [README, *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.name} -> {target}")
    assert not broken, broken


def test_the_fast_subset_uses_declared_markers() -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(r'pytest -q -m "([^"]+)"', text)
    assert match, "the README documents no fast subset"
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = {m.split(":")[0] for m in config["tool"]["pytest"]["ini_options"]["markers"]}
    used = set(re.findall(r"not (\w+)", match.group(1)))
    assert used
    assert used <= declared, used - declared
