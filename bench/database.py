"""A bench database that can rescore: the population loaded, the default ruleset and a model
activated, as an admin would (the benches that rescore share this set-up)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from industry_credit.auth.users import ensure_user
from industry_credit.db import migrate
from industry_credit.db.admin import create_fresh_database
from industry_credit.db.models import ModelVersion
from industry_credit.ml.artifact import ModelArtifact, artifact_to_bytes
from industry_credit.rules.loading import DEFAULT_RULESET_PATH
from industry_credit.rules.versions import activate_ruleset_version, load_ruleset_version
from industry_credit.synth.load import load_population


def population_database(server: str, population: Path, artifact: ModelArtifact) -> str:
    """A fresh database on ``server`` holding ``population``, with ``artifact`` active."""
    url = create_fresh_database(server, prefix="ic_bench")
    migrate.upgrade(url)
    load_population(population, url)
    blob = artifact_to_bytes(artifact)
    engine = create_engine(url)
    try:
        with Session(engine) as session, session.begin():
            ensure_user(session=session, username="bench", role="admin", display_name="bench")
            loaded = load_ruleset_version(session=session, path_or_text=DEFAULT_RULESET_PATH)
            activate_ruleset_version(session=session, version=loaded.version, actor="bench")
            session.add(
                ModelVersion(
                    version=artifact.model_version,
                    manifest=artifact.manifest(),
                    artifact=blob,
                    artifact_sha256=hashlib.sha256(blob).hexdigest(),
                    is_active=True,
                )
            )
    finally:
        engine.dispose()
    return url
