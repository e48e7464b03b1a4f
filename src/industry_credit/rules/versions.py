"""Ruleset versions in the database: load (immutable, content-addressed) and activate.

Services take the session keyword-only and only flush; the caller commits. They do not write
the audit log: each returns a small record with ``audit_event()`` that the caller hands to the
audit module in the same transaction, so that the audit trail and the change commit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from industry_credit.db.models.decisions import RulesetVersion
from industry_credit.db.models.users import User
from industry_credit.rules.errors import RulesetNotFoundError, RulesetPermissionError
from industry_credit.rules.loading import read_source
from industry_credit.rules.ruleset import Ruleset, build_ruleset, parse_ruleset_text

MIN_PREFIX = 8  # a version may be named by a unique prefix of at least this many hex digits


@dataclass(frozen=True)
class RulesetLoaded:
    version: str
    name: str
    created: bool  # False: the same content was already stored; nothing changed
    loaded_by: int | None

    def audit_event(self) -> dict[str, Any]:
        return {
            "action": "ruleset.load",
            "entity_type": "ruleset_version",
            "entity_id": self.version,
            "actor_id": self.loaded_by,
            "details": {"name": self.name, "created": self.created},
        }


@dataclass(frozen=True)
class RulesetActivated:
    version: str
    previous_version: str | None
    actor_id: int
    activated_at: datetime

    def audit_event(self) -> dict[str, Any]:
        return {
            "action": "ruleset.activate",
            "entity_type": "ruleset_version",
            "entity_id": self.version,
            "actor_id": self.actor_id,
            "details": {
                "previous_version": self.previous_version,
                "activated_at": self.activated_at.isoformat(),
            },
        }


@dataclass(frozen=True)
class RulesetSummary:
    version: str
    name: str
    is_active: bool
    loaded_at: datetime
    activated_at: datetime | None


def _user(session: Session, who: str | int) -> User | None:
    if isinstance(who, int):
        return session.get(User, who)
    return session.scalars(select(User).where(User.username == who)).one_or_none()


def load_ruleset_version(
    *, session: Session, path_or_text: str | Path, loaded_by: str | int | None = None
) -> RulesetLoaded:
    """Validate and store a ruleset; the same content twice is one version."""
    source = read_source(path_or_text)
    ruleset = parse_ruleset_text(source)
    loader_id: int | None = None
    if loaded_by is not None:
        user = _user(session, loaded_by)
        if user is None:
            raise RulesetPermissionError(f"unknown user {loaded_by!r}")
        loader_id = user.id
    existing = session.get(RulesetVersion, ruleset.version)
    if existing is not None:
        return RulesetLoaded(ruleset.version, existing.name, created=False, loaded_by=loader_id)
    session.add(
        RulesetVersion(
            version=ruleset.version,
            name=ruleset.name,
            content=dict(ruleset.content),
            source_text=source,
            loaded_by=loader_id,
        )
    )
    session.flush()
    return RulesetLoaded(ruleset.version, ruleset.name, created=True, loaded_by=loader_id)


def _row(session: Session, version: str) -> RulesetVersion:
    if len(version) == 64:
        row = session.get(RulesetVersion, version)
        if row is not None:
            return row
    elif len(version) >= MIN_PREFIX:
        rows = session.scalars(
            select(RulesetVersion).where(RulesetVersion.version.startswith(version.lower()))
        ).all()
        if len(rows) == 1:
            return rows[0]
        if len(rows) > 1:
            raise RulesetNotFoundError(f"version prefix {version!r} is ambiguous")
    raise RulesetNotFoundError(f"no ruleset version {version!r}")


def activate_ruleset_version(
    *, session: Session, version: str, actor: str | int
) -> RulesetActivated:
    """Make ``version`` the active ruleset; only an active admin may, and the old one steps down."""
    user = _user(session, actor)
    if user is None or not user.active or user.role != "admin":
        raise RulesetPermissionError(
            f"activating a ruleset needs an active admin; {actor!r} is not one"
        )
    row = _row(session, version)
    previous = session.scalars(select(RulesetVersion).where(RulesetVersion.is_active)).one_or_none()
    now = datetime.now(UTC)
    if previous is not None and previous.version != row.version:
        # Step the old version down first: the partial unique index allows one active row.
        session.execute(
            update(RulesetVersion)
            .where(RulesetVersion.version == previous.version)
            .values(is_active=False)
        )
        session.flush()
    row.is_active = True
    row.activated_at = now
    row.activated_by = user.id
    session.flush()
    session.expire_all()
    prev_version = (
        previous.version if previous is not None and previous.version != row.version else None
    )
    return RulesetActivated(row.version, prev_version, user.id, now)


def _from_row(row: RulesetVersion) -> Ruleset:
    ruleset = build_ruleset(row.content)
    if ruleset.version != row.version:
        # The stored content no longer hashes to its key: refuse rather than decide on it.
        raise RulesetNotFoundError(f"ruleset {row.version} fails its integrity check")
    return ruleset


def get_active_ruleset(*, session: Session) -> Ruleset | None:
    row = session.scalars(select(RulesetVersion).where(RulesetVersion.is_active)).one_or_none()
    return None if row is None else _from_row(row)


def get_ruleset_version(*, session: Session, version: str) -> Ruleset:
    return _from_row(_row(session, version))


def list_ruleset_versions(*, session: Session) -> list[RulesetSummary]:
    rows = session.scalars(
        select(RulesetVersion).order_by(RulesetVersion.loaded_at, RulesetVersion.version)
    ).all()
    return [
        RulesetSummary(r.version, r.name, r.is_active, r.loaded_at, r.activated_at) for r in rows
    ]
