"""Model versions and engines by version: the active (model, ruleset) pair and any past pair.

Every model artifact is stored in ``model_versions`` as bytes and every ruleset in
``ruleset_versions``, so an engine can always be rebuilt from the database alone, whatever the
files on disk are now. The active model is the one ``model_versions`` row with ``is_active``:
the API, replay and the nightly batch all read that row, and nothing reads a directory at start.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from industry_credit.audit.service import Actor, record
from industry_credit.auth.users import get_user
from industry_credit.db.models import ModelVersion
from industry_credit.decisions.engine import PipelineEngine
from industry_credit.decisions.shadow import Challenger
from industry_credit.errors import ConflictError, DomainError, ForbiddenError, NotFoundError
from industry_credit.ml.artifact import artifact_from_bytes, artifact_to_bytes, load_artifact
from industry_credit.ml.reasons import CURRENT_REASONS_VERSION
from industry_credit.ml.scorer import Scorer
from industry_credit.rules.versions import get_active_ruleset, get_ruleset_version

# The commands an operator runs when no model is active; every refusal names them.
ACTIVATE_MODEL_HINT = (
    "run `industry-credit models register DIR --by ADMIN` and "
    "`industry-credit models activate VERSION --actor ADMIN`"
)
ACTIVATE_RULESET_HINT = "run `industry-credit rules load FILE` and `industry-credit rules activate VERSION --actor ADMIN`"


class EngineUnavailableError(DomainError):
    status_code = 503
    code = "engine_unavailable"


@dataclass(frozen=True)
class ModelRegistered:
    version: str
    created: bool


def admin_actor(session: Session, username: str, doing: str) -> Actor:
    user = get_user(session=session, username=username)
    if user is None or not user.active or user.role != "admin":
        raise ForbiddenError(f"{doing} needs an active admin; {username!r} is not one")
    return Actor(user.username, user.role)


def register_model(*, session: Session, model_dir: Path, by: str | Actor) -> ModelRegistered:
    """Store the artifact in ``model_dir`` under its content version (once) and audit it.

    ``by`` is an admin's username (checked) or an already checked actor (bootstrap)."""
    actor = by if isinstance(by, Actor) else admin_actor(session, by, "registering a model")
    artifact = load_artifact(model_dir)
    version = artifact.model_version
    if session.get(ModelVersion, version) is not None:
        return ModelRegistered(version, created=False)
    blob = artifact_to_bytes(artifact)
    digest = hashlib.sha256(blob).hexdigest()
    session.add(
        ModelVersion(
            version=version, manifest=artifact.manifest(), artifact=blob, artifact_sha256=digest
        )
    )
    session.flush()
    record(
        session=session,
        actor=actor,
        action="model.register",
        entity_type="model",
        entity_id=version,
        payload={"artifact_sha256": digest},
    )
    return ModelRegistered(version, created=True)


def resolve_model_version(session: Session, version: str) -> ModelVersion:
    """The stored row for a full version or a unique prefix of 8 or more characters."""
    row = session.get(ModelVersion, version)
    if row is None and len(version) >= 8:
        rows = session.scalars(
            select(ModelVersion).where(ModelVersion.version.startswith(version, autoescape=True))
        ).all()
        row = rows[0] if len(rows) == 1 else None
    if row is None:
        raise NotFoundError(f"model version {version} is not registered")
    return row


class FourEyesRequiredError(ConflictError):
    code = "four_eyes_required"


def ever_activated(session: Session) -> bool:
    """Whether any model was ever the champion: false only before the bootstrap activation."""
    return (
        session.scalar(
            select(ModelVersion.version)
            .where(ModelVersion.is_active | ModelVersion.activated_at.is_not(None))
            .limit(1)
        )
        is not None
    )


def activate_model(*, session: Session, version: str, by: str | Actor) -> tuple[str, str | None]:
    """Make ``version`` the active model (admins only, audited); returns (version, previous).

    Alone, an admin may only bootstrap (no model was ever active) or re-confirm the champion;
    any other activation goes through a four-eyes promotion (``decisions/governance.py``).
    A running service picks the change up within ``VersionedEngines.REFRESH_SECONDS``."""
    actor = by if isinstance(by, Actor) else admin_actor(session, by, "activating a model")
    row = resolve_model_version(session, version)
    previous = active_model_version(session)
    if previous == row.version:
        return row.version, previous
    if ever_activated(session):
        raise FourEyesRequiredError(
            f"model {row.version} is not the champion: a new champion needs two admins: "
            f"`industry-credit models activate {row.version[:12]} --report REPORT_ID --actor ADMIN`"
            " proposes it citing a backtest or compare report, and"
            f" `industry-credit models activate {row.version[:12]} --actor OTHER_ADMIN` approves"
        )
    make_active(session, row, actor, payload={"previous": previous, "bootstrap": True})
    return row.version, previous


def make_active(session: Session, row: ModelVersion, actor: Actor, payload: dict[str, Any]) -> None:
    """Step the champion down and ``row`` up, and audit it; the caller has checked the right."""
    # Step the old version down first: the partial unique index allows one active row.
    session.execute(update(ModelVersion).where(ModelVersion.is_active).values(is_active=False))
    session.flush()
    admin = get_user(session=session, username=actor.name)
    row.is_challenger = False
    row.is_active = True
    row.activated_at = datetime.now(UTC)
    row.activated_by = admin.id if admin is not None else None
    session.flush()
    record(
        session=session,
        actor=actor,
        action="model.activate",
        entity_type="model",
        entity_id=row.version,
        payload=payload,
    )


def active_model_version(session: Session) -> str | None:
    return session.scalars(select(ModelVersion.version).where(ModelVersion.is_active)).one_or_none()


def challenger_model_version(session: Session) -> str | None:
    """The model scored in shadow beside the champion, if any (``models challenger``)."""
    return session.scalars(
        select(ModelVersion.version).where(ModelVersion.is_challenger)
    ).one_or_none()


def register_model_artifact(*, session: Session, model_dir: Path, actor: Actor) -> str:
    """The demo's and tests' bootstrap: register the artifact in ``model_dir`` and activate it
    when no model is active yet (so a rerun never undoes an admin's later activation)."""
    registered = register_model(session=session, model_dir=model_dir, by=actor)
    if active_model_version(session) is None:
        activate_model(session=session, version=registered.version, by=actor)
    return registered.version


class VersionedEngines:
    """Thread-safe cache of engines keyed by (model_version, ruleset_version)."""

    # How often the active model and ruleset are re-read, so that an activation takes effect
    # in a running service without a restart.
    REFRESH_SECONDS = 5.0

    def __init__(self, *, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._scorers: dict[str, Scorer] = {}
        self._engines: dict[tuple[str, str, int, str | None], PipelineEngine] = {}
        self._lock = threading.Lock()
        self._active: PipelineEngine | None = None
        self._checked_at = 0.0

    def _scorer(self, session: Session, model_version: str) -> Scorer:
        scorer = self._scorers.get(model_version)
        if scorer is None:
            row = session.get(ModelVersion, model_version)
            if row is None:
                raise EngineUnavailableError(f"model version {model_version} is not stored")
            scorer = Scorer.from_artifact(artifact_from_bytes(row.artifact))
            self._scorers[model_version] = scorer
        return scorer

    def for_versions(
        self,
        *,
        model_version: str,
        ruleset_version: str,
        reasons_version: int = CURRENT_REASONS_VERSION,
        challenger: str | None = None,
    ) -> PipelineEngine:
        """The engine of a (model, ruleset) pair; ``reasons_version`` is the renderer of the
        reason sentences (a stored decision's own, for replay; the current one otherwise).
        Replay asks without a challenger, so a replayed decision is computed exactly as the
        champion alone computed it."""
        key = (model_version, ruleset_version, reasons_version, challenger)
        with self._lock:
            engine = self._engines.get(key)
            if engine is None:
                with self._sessions() as session:
                    scorer = self._scorer(session, model_version)
                    shadow = (
                        Challenger(self._scorer(session, challenger), challenger)
                        if challenger is not None
                        else None
                    )
                    ruleset = get_ruleset_version(session=session, version=ruleset_version)
                engine = PipelineEngine(
                    scorer=scorer,
                    ruleset=ruleset,
                    model_version=model_version,
                    reasons_version=reasons_version,
                    challenger=shadow,
                )
                self._engines[key] = engine
            return engine

    def active(self) -> PipelineEngine:
        now = time.monotonic()
        if self._active is not None and now - self._checked_at < self.REFRESH_SECONDS:
            return self._active
        with self._sessions() as session:
            model_version = active_model_version(session)
            challenger = challenger_model_version(session)
            ruleset = get_active_ruleset(session=session)
        if model_version is None:
            raise EngineUnavailableError(f"no model version is active; {ACTIVATE_MODEL_HINT}")
        if ruleset is None:
            raise EngineUnavailableError(f"no ruleset is active; {ACTIVATE_RULESET_HINT}")
        self._active = self.for_versions(
            model_version=model_version, ruleset_version=ruleset.version, challenger=challenger
        )
        self._checked_at = now
        return self._active
