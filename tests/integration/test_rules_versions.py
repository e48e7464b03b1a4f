"""Ruleset versions in PostgreSQL: content-addressed, immutable, activated only by an admin."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from industry_credit.db.models.audit import AuditEntry
from industry_credit.db.models.decisions import RulesetVersion
from industry_credit.db.models.users import User
from industry_credit.rules import (
    RulesetError,
    RulesetNotFoundError,
    RulesetPermissionError,
    activate_ruleset_version,
    default_ruleset,
    evaluate,
    get_active_ruleset,
    get_ruleset_version,
    list_ruleset_versions,
    load_ruleset_version,
)
from industry_credit.rules.loading import DEFAULT_RULESET_PATH
from industry_credit.rules.sample import application, scored_frame

SOURCE = DEFAULT_RULESET_PATH.read_text(encoding="utf-8")
# The same policy with a stricter import-dependency threshold.
EDITED = SOURCE.replace("import_dependency_max: 0.50", "import_dependency_max: 0.40")


def user(session: Session, username: str, role: str, *, active: bool = True) -> User:
    row = User(username=username, display_name=username.title(), role=role, active=active)
    session.add(row)
    session.flush()
    return row


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(RulesetVersion)) or 0


def test_loading_the_same_file_twice_gives_one_version(db_session: Session) -> None:
    admin = user(db_session, "policy_admin", "admin")
    before = count(db_session)
    first = load_ruleset_version(
        session=db_session, path_or_text=DEFAULT_RULESET_PATH, loaded_by=admin.username
    )
    again = load_ruleset_version(
        session=db_session, path_or_text=str(DEFAULT_RULESET_PATH), loaded_by=admin.id
    )
    reformatted = load_ruleset_version(
        session=db_session, path_or_text="# reviewed 2026-11\n" + SOURCE
    )
    assert first.created
    assert not again.created
    assert not reformatted.created
    assert first.version == again.version == reformatted.version == default_ruleset().version
    assert count(db_session) == before + 1
    stored = db_session.get(RulesetVersion, first.version)
    assert stored is not None
    assert stored.source_text == SOURCE
    assert stored.loaded_by == admin.id
    assert first.audit_event()["action"] == "ruleset.load"


def test_an_edited_file_is_a_new_version_and_the_old_stays_reproducible(
    db_session: Session,
) -> None:
    old = load_ruleset_version(session=db_session, path_or_text=SOURCE)
    new = load_ruleset_version(session=db_session, path_or_text=EDITED)
    assert new.created
    assert new.version != old.version
    case = scored_frame([application(imported_component_share=0.45)])
    old_rules = get_ruleset_version(session=db_session, version=old.version)
    new_rules = get_ruleset_version(session=db_session, version=new.version[:12])
    assert old_rules.version == old.version
    assert "import_dependency" not in evaluate(old_rules, case).flags.row(0)
    assert "import_dependency" in evaluate(new_rules, case).flags.row(0)
    # The old version decides exactly as the file it came from.
    assert evaluate(old_rules, case).rule_hits.row(0) == evaluate(
        default_ruleset(), case
    ).rule_hits.row(0)


def test_activation_needs_an_admin_and_replaces_the_previous_version(db_session: Session) -> None:
    admin = user(db_session, "head_of_policy", "admin")
    rm = user(db_session, "rm_zhang", "rm")
    officer = user(db_session, "officer_li", "risk_officer")
    retired = user(db_session, "old_admin", "admin", active=False)
    old = load_ruleset_version(session=db_session, path_or_text=SOURCE, loaded_by=rm.username)
    new = load_ruleset_version(session=db_session, path_or_text=EDITED, loaded_by=rm.username)
    for who in (rm.username, officer.username, retired.username, "nobody"):
        with pytest.raises(RulesetPermissionError):
            activate_ruleset_version(session=db_session, version=old.version, actor=who)

    first = activate_ruleset_version(session=db_session, version=old.version, actor=admin.username)
    active = get_active_ruleset(session=db_session)
    assert active is not None
    assert active.version == old.version
    row = db_session.get(RulesetVersion, old.version)
    assert row is not None
    assert row.activated_by == admin.id
    assert row.activated_at is not None
    assert first.audit_event()["actor_id"] == admin.id

    second = activate_ruleset_version(session=db_session, version=new.version, actor=admin.id)
    assert second.previous_version == old.version
    active = get_active_ruleset(session=db_session)
    assert active is not None
    assert active.version == new.version
    actives = [s.version for s in list_ruleset_versions(session=db_session) if s.is_active]
    assert actives == [new.version]
    # The version that stepped down is still there, unchanged, for replay.
    assert get_ruleset_version(session=db_session, version=old.version).version == old.version


def test_unknown_versions_and_invalid_rulesets(db_session: Session) -> None:
    with pytest.raises(RulesetNotFoundError):
        get_ruleset_version(session=db_session, version="0" * 64)
    with pytest.raises(RulesetNotFoundError):
        get_ruleset_version(session=db_session, version="abc")
    before = count(db_session)
    duplicate = SOURCE.replace("id: REF-CONTAGION", "id: REF-BUYER-CONCENTRATION")
    with pytest.raises(RulesetError, match="REF-BUYER-CONCENTRATION: duplicate rule id"):
        load_ruleset_version(session=db_session, path_or_text=duplicate)
    assert count(db_session) == before


# The rules sub-app alone: the full CLI imports every domain, which costs seconds per call.
RULES_CLI = "from industry_credit.rules.cli import rules_app; rules_app(prog_name='rules')"


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-c", RULES_CLI, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow  # five CLI subprocesses
def test_cli_load_activate_list_and_audit(
    fresh_database: Callable[[], str], tmp_path: Path
) -> None:
    url = fresh_database()
    engine = create_engine(url)
    try:
        with Session(engine) as session, session.begin():
            user(session, "policy_admin", "admin")
            user(session, "rm_wang", "rm")
        version = default_ruleset().version
        first = _cli(url, "load", str(DEFAULT_RULESET_PATH), "--by", "rm_wang")
        assert first.returncode == 0, first.stderr
        assert f"loaded: smart-terminal-default {version}" in first.stdout
        refused = _cli(url, "activate", version[:12], "--actor", "rm_wang")
        assert refused.returncode == 3
        assert "needs an active admin" in refused.stderr
        done = _cli(url, "activate", version[:12], "--actor", "policy_admin")
        assert done.returncode == 0, done.stderr
        listed = _cli(url, "list")
        assert f"* {version}" in listed.stdout
        candidate = tmp_path / "candidate.yaml"
        candidate.write_text(EDITED, encoding="utf-8")
        # No decisions stored yet: nothing to replay against the active ruleset.
        empty = _cli(url, "simulate", "--ruleset", str(candidate))
        assert empty.returncode == 1
        assert "no rows to replay" in empty.stderr
        with Session(engine) as session:
            actions = session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity_id == version)
                .order_by(AuditEntry.id)
            ).all()
        assert actions == ["ruleset.load", "ruleset.activate"]
    finally:
        engine.dispose()
