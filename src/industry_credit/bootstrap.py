"""Bring a migrated database to a state where the service can decide: users, the default
ruleset loaded and activated by an admin, and the model artifact registered.

Used by the demo and the tests; production does the same steps with the CLI (``users create``,
``rules load``, ``rules activate``, ``models register``, ``models activate``: README, "Running in
production").
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from industry_credit.audit.service import Actor, record
from industry_credit.auth.users import ensure_user
from industry_credit.config import Settings
from industry_credit.decisions.registry import register_model_artifact
from industry_credit.rules.versions import (
    activate_ruleset_version,
    get_active_ruleset,
    load_ruleset_version,
)


def bootstrap(*, session: Session, settings: Settings, users: Mapping[str, str]) -> None:
    """Idempotent: running it twice changes nothing the second time."""
    admin = None
    for username, role in users.items():
        user = ensure_user(session=session, username=username, role=role, display_name=username)
        if role == "admin" and admin is None:
            admin = user
    if admin is None:
        raise ValueError("bootstrap needs at least one admin to activate the ruleset")
    actor = Actor(admin.username, admin.role)
    loaded = load_ruleset_version(
        session=session, path_or_text=settings.ruleset_path, loaded_by=admin.username
    )
    if loaded.created:
        record(
            session=session,
            actor=actor,
            action="ruleset.load",
            entity_type="ruleset",
            entity_id=loaded.version,
            payload=loaded.audit_event(),
        )
    active = get_active_ruleset(session=session)
    if active is None:
        activated = activate_ruleset_version(
            session=session, version=loaded.version, actor=admin.username
        )
        record(
            session=session,
            actor=actor,
            action="ruleset.activate",
            entity_type="ruleset",
            entity_id=activated.version,
            payload=activated.audit_event(),
        )
    register_model_artifact(session=session, model_dir=settings.model_dir, actor=actor)
