"""The (model, ruleset) pair a run scores with, rebuilt from the database by version.

A new run takes the active model and the active ruleset; a resumed run takes exactly the
versions recorded in its ``batch_runs`` row, from the artifact bytes stored in
``model_versions``, so a resumed run cannot silently switch models halfway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from industry_credit.db.models import ModelVersion
from industry_credit.decisions.registry import ACTIVATE_MODEL_HINT, ACTIVATE_RULESET_HINT
from industry_credit.decisions.shadow import Challenger
from industry_credit.ml.artifact import artifact_from_bytes
from industry_credit.ml.scorer import Scorer
from industry_credit.rules.ruleset import Ruleset
from industry_credit.rules.versions import get_active_ruleset, get_ruleset_version


class EngineMissingError(RuntimeError):
    """No active model or ruleset (or a recorded version is gone)."""


@dataclass(frozen=True)
class BatchEngine:
    scorer: Scorer
    model_version: str
    ruleset: Ruleset
    # PSI baselines from the model manifest: "score" and top feature names -> edges/proportions.
    psi_baseline: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # Scored in shadow beside the champion (``models challenger``); never changes a result.
    challenger: Challenger | None = None


def with_compiled_trees(engine: BatchEngine, cache_dir: Path) -> BatchEngine:
    """The same engine predicting with the lleaves-compiled forest (``ml/compiled.py``)."""
    scorer = Scorer(
        engine.scorer.artifact, num_threads=engine.scorer.num_threads, compiled_cache=cache_dir
    )
    return replace(engine, scorer=scorer)


def psi_baselines(manifest: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The manifest's PSI baselines as ``{name: {edges, proportions}}`` ('score' for the PD).

    Accepts ``psi_baseline: {score: {...}, features: {name: {...}}}`` or a flat mapping.
    """
    raw = manifest.get("psi_baseline") or {}
    if not isinstance(raw, Mapping):
        return {}
    out: dict[str, Mapping[str, Any]] = {}
    for name, value in raw.items():
        if name == "features" and isinstance(value, Mapping):
            out.update({k: v for k, v in value.items() if _is_baseline(v)})
        elif _is_baseline(value):
            out[str(name)] = value
    return out


def _is_baseline(value: object) -> bool:
    return isinstance(value, Mapping) and "edges" in value and "proportions" in value


def load_engine(
    session: Session, *, model_version: str | None = None, ruleset_version: str | None = None
) -> BatchEngine:
    """The active engine, or the recorded versions of a run being resumed."""
    if model_version is None:
        row = session.scalars(select(ModelVersion).where(ModelVersion.is_active)).one_or_none()
    else:
        row = session.get(ModelVersion, model_version)
    if row is None:
        raise EngineMissingError(
            f"no model version is active; {ACTIVATE_MODEL_HINT}"
            if model_version is None
            else f"model version {model_version} is not stored"
        )
    if ruleset_version is None:
        ruleset = get_active_ruleset(session=session)
        if ruleset is None:
            raise EngineMissingError(f"no ruleset is active; {ACTIVATE_RULESET_HINT}")
    else:
        ruleset = get_ruleset_version(session=session, version=ruleset_version)
    scorer = Scorer.from_artifact(artifact_from_bytes(row.artifact))
    return BatchEngine(
        scorer=scorer,
        model_version=row.version,
        ruleset=ruleset,
        psi_baseline=psi_baselines(row.manifest),
        challenger=_challenger(session),
    )


def _challenger(session: Session) -> Challenger | None:
    """The challenger set now (a resumed run too: each shadow row names its version)."""
    row = session.scalars(select(ModelVersion).where(ModelVersion.is_challenger)).one_or_none()
    if row is None:
        return None
    return Challenger(Scorer.from_artifact(artifact_from_bytes(row.artifact)), row.version)
