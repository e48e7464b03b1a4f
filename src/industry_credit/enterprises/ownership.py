"""Enterprise ownership: the one RM who may submit for, read and feed an enterprise.

The first RM to apply for an enterprise owns it; an admin may reassign it. Another RM's
submission is refused before anything is written, with a message that names neither the owner
nor any data. An owner's change to the stored profile is audited with the SHA-256 of the
profile before and after, so that the audit trail shows that and when it changed without
holding the values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from industry_credit.applications.schemas import EnterpriseIn
from industry_credit.audit.service import Actor, Event, record
from industry_credit.auth.users import get_user
from industry_credit.canonical import content_sha256
from industry_credit.db.engine import quote_identifier
from industry_credit.db.models import Enterprise, EnterpriseOwner, User
from industry_credit.db.pipeline import Write, fetch_one, run
from industry_credit.errors import DomainError, NotFoundError, UnprocessableError

PROFILE_FIELDS = tuple(EnterpriseIn.model_fields)


class NotOwnerError(DomainError):
    status_code = 403
    code = "not_owner"

    def __init__(self) -> None:
        super().__init__(
            "this enterprise is managed by another relationship manager; "
            "an admin can reassign it to you"
        )


@dataclass(frozen=True)
class Prior:
    """What was stored before a submission: the enterprise's id, owner and profile."""

    enterprise_id: int
    owner_id: int | None
    profile: dict[str, Any]


def _json_value(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


# The enterprise's row is locked so that its profile cannot change between this read and the
# submission's upsert; the owner comes along for the refusal.
_PRIOR = (
    "SELECT e.id, o.owner_id, "
    + ", ".join(f"e.{quote_identifier(name)}" for name in PROFILE_FIELDS)
    + " FROM enterprises e LEFT JOIN enterprise_owners o ON o.enterprise_id = e.id"
    " WHERE e.uscc = %(uscc)s FOR UPDATE OF e"
)
_CLAIM = (
    "INSERT INTO enterprise_owners (enterprise_id, owner_id)"
    " SELECT id, %(owner_id)s FROM enterprises WHERE uscc = %(uscc)s"
    " ON CONFLICT (enterprise_id) DO NOTHING"
)
# A statement of its own, after the claim: under READ COMMITTED it sees a claim that a
# concurrent first application committed while this one waited on the unique key.
_OWNER = (
    "SELECT o.owner_id FROM enterprise_owners o JOIN enterprises e ON e.id = o.enterprise_id"
    " WHERE e.uscc = %(uscc)s"
)


def lock_for_submission(*, session: Session, user: User, uscc: str) -> Prior | None:
    """Lock the enterprise row (if any) and refuse a submission by an RM who does not own it.

    ``None``: the enterprise is new. Runs before any write of the request, in one round trip
    with the transaction's BEGIN."""
    (cursor,) = run(session, [Write(_PRIOR, {"uscc": uscc})])
    row = fetch_one(cursor)
    if row is None:
        return None
    prior = Prior(
        enterprise_id=row[0],
        owner_id=row[1],
        profile={name: _json_value(v) for name, v in zip(PROFILE_FIELDS, row[2:], strict=True)},
    )
    _check(user, prior.owner_id)
    return prior


def _check(user: User, owner_id: int | None) -> None:
    if user.role == "rm" and owner_id is not None and owner_id != user.id:
        raise NotOwnerError()


def claim_writes(*, user: User, uscc: str) -> list[Write]:
    """The first RM to apply becomes the owner: statements for the submission's pipeline, after
    the enterprise's upsert. Two first applications racing for a new enterprise: the unique key
    lets one claim it, and ``check_claim`` refuses the other."""
    if user.role != "rm":
        return []
    params = {"owner_id": user.id, "uscc": uscc}
    return [Write(_CLAIM, params), Write(_OWNER, params)]


def check_claim(*, user: User, cursors: Sequence[psycopg.Cursor[Any] | None]) -> None:
    """Refuse the submission (its transaction rolls back) when ``claim_writes`` found another
    owner; ``cursors``: those of the claim's statements."""
    if cursors:
        row = fetch_one(cursors[-1])
        _check(user, None if row is None else row[0])


def profile_change(prior: Prior | None, enterprise: EnterpriseIn) -> Event | None:
    """An audit event when a submission changes a stored profile (hashes, not values)."""
    if prior is None:
        return None
    after = enterprise.model_dump(mode="json")
    changed = sorted(name for name in PROFILE_FIELDS if prior.profile[name] != after[name])
    if not changed:
        return None
    return Event(
        action="enterprise.profile_change",
        entity_type="enterprise",
        entity_id=enterprise.uscc,
        payload={
            "fields": changed,
            "before_sha256": content_sha256(prior.profile),
            "after_sha256": content_sha256(after),
        },
    )


def owner_of(*, session: Session, enterprise_id: int) -> int | None:
    return session.execute(
        select(EnterpriseOwner.owner_id).where(EnterpriseOwner.enterprise_id == enterprise_id)
    ).scalar_one_or_none()


def assign_owner(*, session: Session, admin: User, uscc: str, owner_username: str) -> str | None:
    """An admin makes an active RM the owner (audited); returns the previous owner's username."""
    enterprise = session.execute(
        select(Enterprise).where(Enterprise.uscc == uscc).with_for_update()
    ).scalar_one_or_none()
    if enterprise is None:
        raise NotFoundError(f"enterprise {uscc} not found")
    owner = get_user(session=session, username=owner_username)
    if owner is None or not owner.active or owner.role != "rm":
        raise UnprocessableError(
            "the owner must be an active relationship manager",
            fields=[{"path": "$.owner", "problem": "not an active rm"}],
        )
    current = owner_of(session=session, enterprise_id=enterprise.id)
    previous_user = session.get(User, current) if current is not None else None
    previous = previous_user.username if previous_user is not None else None
    stmt = insert(EnterpriseOwner).values(
        enterprise_id=enterprise.id, owner_id=owner.id, assigned_by=admin.id
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["enterprise_id"],
            set_={"owner_id": owner.id, "assigned_by": admin.id, "assigned_at": func.now()},
        )
    )
    record(
        session=session,
        actor=Actor(admin.username, admin.role),
        action="enterprise.owner_assign",
        entity_type="enterprise",
        entity_id=uscc,
        payload={"previous": previous, "owner": owner.username},
    )
    return previous
