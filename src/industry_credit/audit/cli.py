"""``industry-credit audit verify``."""

from __future__ import annotations

import typer

from industry_credit.audit import checkpoints
from industry_credit.audit.service import verify_chain
from industry_credit.config import get_settings
from industry_credit.db.engine import get_engine, session_scope

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
    settings = get_settings()
    if not checkpoints.enabled(settings):
        typer.echo(f"audit chain intact: {checked} entries (no signed checkpoints configured)")
        return
    with get_engine().connect() as conn:
        problem = checkpoints.check_against(conn, settings)
    if problem is not None:
        typer.echo(f"audit chain BROKEN at entry {problem.entry}: {problem.problem}", err=True)
        raise typer.Exit(1)
    typer.echo(f"audit chain intact: {checked} entries, matching the latest signed checkpoint")


@audit_app.command("checkpoint")
def checkpoint() -> None:
    """Append a signed checkpoint of the chain's head to the configured append-only file."""
    settings = get_settings()
    if not checkpoints.enabled(settings):
        typer.echo(
            "industry-credit: set INDUSTRY_CREDIT_AUDIT_CHECKPOINT_PATH and"
            " INDUSTRY_CREDIT_AUDIT_CHECKPOINT_KEY to write checkpoints",
            err=True,
        )
        raise typer.Exit(2)
    with get_engine().connect() as conn:
        point = checkpoints.write_checkpoint(conn, settings)
    if point is None:
        typer.echo("no new audit entries since the last checkpoint")
    else:
        typer.echo(f"checkpoint: entry {point.entry} {point.row_hash}")
