"""``industry-credit models``: register, activate and list model versions.

The database row is the one notion of the active model: the API (within
``VersionedEngines.REFRESH_SECONDS`` of an activation, no restart), replay and the nightly
batch all read it. Each change is audited in the same transaction as the change.
"""

from __future__ import annotations

from pathlib import Path

import typer

models_app = typer.Typer(no_args_is_help=True, help="Model versions: register, activate, list.")


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"industry-credit: {message}", err=True)
    return typer.Exit(code)


@models_app.command("register")
def register(
    directory: Path = typer.Argument(..., help="a model artifact directory (from `train`)"),
    by: str = typer.Option(..., "--by", help="username of an active admin"),
) -> None:
    """Store the artifact in DIRECTORY under its content version (same content: same version)."""
    from industry_credit.db.engine import session_scope
    from industry_credit.decisions.registry import register_model
    from industry_credit.errors import ForbiddenError
    from industry_credit.ml.artifact import ArtifactError

    try:
        with session_scope() as session:
            done = register_model(session=session, model_dir=directory, by=by)
    except ForbiddenError as exc:
        raise _fail(exc.message, 3) from None
    except ArtifactError as exc:
        raise _fail(f"model artifact unusable: {exc}", 1) from None
    typer.echo(f"{'registered' if done.created else 'already registered'}: {done.version}")


@models_app.command("activate")
def activate(
    version: str = typer.Argument(..., help="model version (or a unique prefix of 8+ characters)"),
    actor: str = typer.Option(..., "--actor", help="username of an active admin"),
) -> None:
    """Make VERSION the active model (admins only); the previous one steps down."""
    from industry_credit.db.engine import session_scope
    from industry_credit.decisions.registry import activate_model
    from industry_credit.errors import ForbiddenError, NotFoundError

    try:
        with session_scope() as session:
            active, previous = activate_model(session=session, version=version, by=actor)
    except ForbiddenError as exc:
        raise _fail(exc.message, 3) from None
    except NotFoundError as exc:
        raise _fail(exc.message, 4) from None
    was = f" (was {previous})" if previous and previous != active else ""
    typer.echo(f"active: {active}{was}")


@models_app.command("list")
def list_versions() -> None:
    """Registered model versions, oldest first; '*' marks the active one."""
    from sqlalchemy import select

    from industry_credit.db.engine import session_scope
    from industry_credit.db.models import ModelVersion

    with session_scope() as session:
        rows = session.execute(
            select(
                ModelVersion.version,
                ModelVersion.is_active,
                ModelVersion.registered_at,
                ModelVersion.activated_at,
            ).order_by(ModelVersion.registered_at, ModelVersion.version)
        ).all()
    for version, is_active, registered_at, activated_at in rows:
        activated = activated_at.isoformat(timespec="seconds") if activated_at else "-"
        typer.echo(
            f"{'*' if is_active else ' '} {version}  {registered_at:%Y-%m-%d %H:%M}  {activated}"
        )
    if not rows:
        typer.echo("no model versions registered")
