"""``industry-credit audit verify``."""

from __future__ import annotations

import typer

from industry_credit.audit.service import verify_chain
from industry_credit.db.engine import session_scope

audit_app = typer.Typer(no_args_is_help=True, help="The hash-chained audit trail.")


@audit_app.command("verify")
def verify() -> None:
    """Check the whole chain; exit 1 at the first broken link, naming it."""
    with session_scope() as session:
        checked, broken = verify_chain(session=session)
    if broken is not None:
        typer.echo(
            f"audit chain BROKEN at entry {broken.entry_id}: {broken.problem}"
            f" ({checked} entries before it are intact)",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(f"audit chain intact: {checked} entries")
