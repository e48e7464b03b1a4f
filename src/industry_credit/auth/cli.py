"""``industry-credit users create`` and ``industry-credit token issue``."""

from __future__ import annotations

import typer

from industry_credit.auth.tokens import issue_token
from industry_credit.auth.users import create_user, get_user
from industry_credit.config import get_settings
from industry_credit.db.engine import session_scope
from industry_credit.errors import ConflictError, DomainError
from industry_credit.vocabulary import ROLES

users_app = typer.Typer(no_args_is_help=True, help="People who use the service.")
token_app = typer.Typer(no_args_is_help=True, help="Bearer tokens for development and the demo.")


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise typer.BadParameter(f"must be one of {', '.join(ROLES)}")
    return role


@users_app.command("create")
def create(
    username: str = typer.Option(..., help="login name, the token subject"),
    role: str = typer.Option(..., callback=_check_role, help="rm | risk_officer | admin"),
    display_name: str = typer.Option("", help="name shown in the UI"),
    exist_ok: bool = typer.Option(
        False, "--exist-ok", help="succeed if the user exists with this role (idempotent set-up)"
    ),
) -> None:
    """Create a user."""
    try:
        with session_scope() as session:
            existing = get_user(session=session, username=username) if exist_ok else None
            if existing is not None:
                if existing.role != role:
                    raise ConflictError(f"user {username!r} exists with role {existing.role}")
                typer.echo(f"exists: {role} {username}")
                return
            create_user(
                session=session, username=username, role=role, display_name=display_name or username
            )
    except DomainError as exc:
        typer.echo(f"industry-credit: {exc.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"created {role} {username}")


@token_app.command("issue")
def issue(
    subject: str = typer.Option(..., help="username"),
    role: str = typer.Option(..., callback=_check_role, help="rm | risk_officer | admin"),
    ttl_minutes: int = typer.Option(0, help="lifetime; 0 uses the configured default"),
) -> None:
    """Print a signed token, alone on stdout."""
    typer.echo(
        issue_token(get_settings(), subject=subject, role=role, ttl_minutes=ttl_minutes or None)
    )
