"""Model governance: four-eyes promotion of a new champion, and the one shadow challenger.

A promotion is two steps by two different admins: one proposes a registered model citing a
stored backtest or compare report (``model_reports``); another approves, and the approval and
the activation commit in one transaction. The database refuses the same rows from any other path
(migration 20261205_09). The very first activation of an installation stays single-admin
(``registry.activate_model``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from industry_credit.audit.service import Actor, record
from industry_credit.auth.users import get_user
from industry_credit.db.models import ModelPromotion, ModelReport, ModelVersion, User
from industry_credit.decisions.registry import (
    activate_model,
    active_model_version,
    admin_actor,
    challenger_model_version,
    ever_activated,
    make_active,
    resolve_model_version,
)
from industry_credit.errors import ConflictError, ForbiddenError, NotFoundError, UnprocessableError

COMMAND_LINE = Actor("command-line", "admin")


@dataclass(frozen=True)
class Promotion:
    """What ``promote`` did: ``proposed`` (awaiting a second admin) or ``activated``."""

    status: str
    version: str
    promotion_id: int | None = None
    previous: str | None = None


def _user_id(session: Session, actor: Actor) -> int:
    user = get_user(session=session, username=actor.name)
    assert user is not None  # admin_actor checked it
    return int(user.id)


def _pending(session: Session, version: str) -> ModelPromotion | None:
    return session.scalars(
        select(ModelPromotion)
        .where(ModelPromotion.model_version == version, ModelPromotion.status == "proposed")
        .with_for_update()
    ).one_or_none()


def _check_report(session: Session, report_id: int, version: str) -> ModelReport:
    report = session.get(ModelReport, report_id)
    if report is None:
        raise NotFoundError(f"report {report_id} does not exist")
    if version not in (report.model_version, report.challenger_version):
        raise UnprocessableError(
            f"report {report_id} ({report.kind}) is not about model {version[:12]}:"
            " cite a backtest of it or a compare with it as the challenger"
        )
    return report


def promote(*, session: Session, version: str, by: str, report_id: int | None = None) -> Promotion:
    """``models activate``: bootstrap, propose (with a report) or approve (another admin)."""
    actor = admin_actor(session, by, "activating a model")
    row = resolve_model_version(session, version)
    previous = active_model_version(session)
    if previous == row.version or not ever_activated(session):
        done, was = activate_model(session=session, version=row.version, by=actor)
        return Promotion("activated", done, previous=was)
    pending = _pending(session, row.version)
    if pending is None:
        if report_id is None:
            # The registry's refusal names both steps.
            activate_model(session=session, version=row.version, by=actor)
        assert report_id is not None
        return _propose(session, row, actor, report_id)
    if report_id is not None and report_id != pending.report_id:
        raise ConflictError(
            f"model {row.version[:12]} is already proposed citing report {pending.report_id};"
            " approve that proposal (without --report) or withdraw it first"
        )
    return _approve(session, row, actor, pending, previous)


def _propose(session: Session, row: ModelVersion, actor: Actor, report_id: int) -> Promotion:
    _check_report(session, report_id, row.version)
    promotion = ModelPromotion(
        model_version=row.version, report_id=report_id, proposed_by=_user_id(session, actor)
    )
    session.add(promotion)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="model.promotion.propose",
        entity_type="model",
        entity_id=row.version,
        payload={"promotion_id": promotion.id, "report_id": report_id},
    )
    return Promotion("proposed", row.version, promotion_id=promotion.id)


def _approve(
    session: Session,
    row: ModelVersion,
    actor: Actor,
    pending: ModelPromotion,
    previous: str | None,
) -> Promotion:
    approver = _user_id(session, actor)
    if approver == pending.proposed_by:
        raise ForbiddenError(
            f"{actor.name} proposed model {row.version[:12]} and may not also approve it:"
            " a second admin must"
        )
    proposer = session.get(User, pending.proposed_by)
    pending.status = "approved"
    pending.approved_by = approver
    # now() is the transaction's start, which the activation trigger compares against.
    pending.decided_at = func.now()
    session.flush()
    make_active(
        session,
        row,
        actor,
        payload={
            "previous": previous,
            "promotion_id": pending.id,
            "proposed_by": proposer.username if proposer is not None else None,
            "approved_by": actor.name,
            "report_id": pending.report_id,
        },
    )
    return Promotion("activated", row.version, promotion_id=pending.id, previous=previous)


def withdraw(*, session: Session, version: str, by: str) -> int:
    """Withdraw the pending proposal of ``version`` (any admin); returns its id."""
    actor = admin_actor(session, by, "withdrawing a promotion")
    row = resolve_model_version(session, version)
    pending = _pending(session, row.version)
    if pending is None:
        raise NotFoundError(f"model {row.version[:12]} has no pending promotion")
    pending.status = "withdrawn"
    pending.decided_at = func.now()
    session.flush()
    record(
        session=session,
        actor=actor,
        action="model.promotion.withdraw",
        entity_type="model",
        entity_id=row.version,
        payload={"promotion_id": pending.id},
    )
    return int(pending.id)


def set_challenger(
    *, session: Session, version: str | None, by: str
) -> tuple[str | None, str | None]:
    """Make ``version`` the one shadow challenger (None clears it); returns (new, previous)."""
    actor = admin_actor(session, by, "setting the challenger")
    previous = challenger_model_version(session)
    target: ModelVersion | None = None
    if version is not None:
        target = resolve_model_version(session, version)
        if target.is_active:
            raise UnprocessableError(
                f"model {target.version[:12]} is the champion and cannot also be the challenger"
            )
        if target.version == previous:
            return previous, previous
    session.execute(
        update(ModelVersion).where(ModelVersion.is_challenger).values(is_challenger=False)
    )
    session.flush()
    if target is not None:
        target.is_challenger = True
        session.flush()
    new = target.version if target is not None else None
    record(
        session=session,
        actor=actor,
        action="model.challenger.set" if new else "model.challenger.clear",
        entity_type="model",
        entity_id=new or previous or "-",
        payload={"previous": previous},
    )
    return new, previous


def store_report(
    *,
    session: Session,
    kind: str,
    model_version: str,
    body: dict[str, Any],
    params: dict[str, Any],
    challenger: str | None = None,
    created_by: int | None = None,
) -> int:
    """Keep a report as produced, so a promotion can cite it; returns its id."""
    report = ModelReport(
        kind=kind,
        model_version=model_version,
        challenger_version=challenger,
        params=params,
        body=body,
        created_by=created_by,
    )
    session.add(report)
    session.flush()
    user = session.get(User, created_by) if created_by is not None else None
    record(
        session=session,
        # The command line names no user; the operator who runs it is recorded as such.
        actor=Actor(user.username, user.role) if user is not None else COMMAND_LINE,
        action=f"model.report.{kind}",
        entity_type="model_report",
        entity_id=str(report.id),
        payload={"model_version": model_version, "challenger": challenger, "params": params},
    )
    return int(report.id)
