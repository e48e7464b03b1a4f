"""Users: creation and lookup. The role stored here must match the token's role."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from industry_credit.audit.service import SYSTEM, Actor, record
from industry_credit.db.models import User
from industry_credit.errors import ConflictError


def get_user(*, session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def create_user(
    *, session: Session, username: str, role: str, display_name: str, actor: Actor = SYSTEM
) -> User:
    if get_user(session=session, username=username) is not None:
        raise ConflictError(f"user {username!r} already exists")
    user = User(username=username, role=role, display_name=display_name)
    session.add(user)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="user.create",
        entity_type="user",
        entity_id=username,
        payload={"role": role},
    )
    return user


def ensure_user(*, session: Session, username: str, role: str, display_name: str) -> User:
    """Idempotent creation, for the demo and for tests."""
    existing = get_user(session=session, username=username)
    if existing is not None:
        return existing
    return create_user(session=session, username=username, role=role, display_name=display_name)
