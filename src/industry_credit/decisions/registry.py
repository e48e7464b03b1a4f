"""Engines by version: the active (model, ruleset) pair and any past pair for replay.

Every model artifact is stored in ``model_versions`` as bytes and every ruleset in
``ruleset_versions``, so an engine can always be rebuilt from the database alone, whatever the
files on disk are now. The service refuses to start when its artifact is missing or corrupt.
"""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from industry_credit.audit.service import Actor, record
from industry_credit.db.models import ModelVersion
from industry_credit.decisions.engine import PipelineEngine
from industry_credit.errors import DomainError
from industry_credit.ml.artifact import (
    ModelArtifact,
    artifact_from_bytes,
    artifact_to_bytes,
    load_artifact,
)
from industry_credit.ml.scorer import Scorer
from industry_credit.rules.versions import get_active_ruleset, get_ruleset_version


class EngineUnavailableError(DomainError):
    status_code = 503
    code = "engine_unavailable"


def register_model_artifact(*, session: Session, model_dir: Path, actor: Actor) -> str:
    """Store the artifact in ``model_dir`` (if new) and make it the active model version."""
    artifact = load_artifact(model_dir)
    version = artifact.model_version
    row = session.get(ModelVersion, version)
    if row is None:
        blob = artifact_to_bytes(artifact)
        session.add(
            ModelVersion(
                version=version,
                manifest=artifact.manifest(),
                artifact=blob,
                artifact_sha256=hashlib.sha256(blob).hexdigest(),
            )
        )
        session.flush()
        record(
            session=session,
            actor=actor,
            action="model.register",
            entity_type="model",
            entity_id=version,
            payload={"artifact_sha256": hashlib.sha256(blob).hexdigest()},
        )
        row = session.get(ModelVersion, version)
        assert row is not None
    if not row.is_active:
        session.execute(update(ModelVersion).where(ModelVersion.is_active).values(is_active=False))
        session.flush()
        row.is_active = True
        row.activated_at = datetime.now(UTC)
        session.flush()
        record(
            session=session,
            actor=actor,
            action="model.activate",
            entity_type="model",
            entity_id=version,
            payload={},
        )
    return version


class VersionedEngines:
    """Thread-safe cache of engines keyed by (model_version, ruleset_version)."""

    # How often the active ruleset is re-read, so an activation takes effect without a restart.
    REFRESH_SECONDS = 5.0

    def __init__(self, *, sessions: sessionmaker[Session], artifact: ModelArtifact) -> None:
        self._sessions = sessions
        self._scorers: dict[str, Scorer] = {artifact.model_version: Scorer.from_artifact(artifact)}
        self._active_model = artifact.model_version
        self._engines: dict[tuple[str, str], PipelineEngine] = {}
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

    def for_versions(self, *, model_version: str, ruleset_version: str) -> PipelineEngine:
        key = (model_version, ruleset_version)
        with self._lock:
            engine = self._engines.get(key)
            if engine is None:
                with self._sessions() as session:
                    scorer = self._scorer(session, model_version)
                    ruleset = get_ruleset_version(session=session, version=ruleset_version)
                engine = PipelineEngine(scorer=scorer, ruleset=ruleset, model_version=model_version)
                self._engines[key] = engine
            return engine

    def active(self) -> PipelineEngine:
        now = time.monotonic()
        if self._active is not None and now - self._checked_at < self.REFRESH_SECONDS:
            return self._active
        with self._sessions() as session:
            ruleset = get_active_ruleset(session=session)
        if ruleset is None:
            raise EngineUnavailableError("no ruleset is active; an admin must activate one")
        self._active = self.for_versions(
            model_version=self._active_model, ruleset_version=ruleset.version
        )
        self._checked_at = now
        return self._active
