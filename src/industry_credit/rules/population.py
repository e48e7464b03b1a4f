"""A synthetic population scored for policy simulation: ``rules simulate --data DIR``.

A directory holding a synthetic population (``enterprises.parquet`` and its child tables, as
``industry-credit synth`` writes it; the committed one is ``data/seeds/population``) is turned
into the application documents of its firms, decided once with the given model under any
ruleset (the ruleset does not change features or PDs), and returned as a scored frame: every
feature plus ``pd`` and ``grade``. Both rulesets of a simulation then replay the same rows.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from industry_credit.applications.schemas import ApplicationDocument
from industry_credit.decisions.engine import PipelineEngine
from industry_credit.decisions.types import DecisionInput
from industry_credit.ml.scorer import Scorer
from industry_credit.rules.ruleset import Ruleset
from industry_credit.synth.documents import application_documents


def is_population(path: Path) -> bool:
    return path.is_dir() and (path / "enterprises.parquet").is_file()


def score_population(
    path: Path, *, model_dir: Path, ruleset: Ruleset, as_of: date, limit: int | None = None
) -> pd.DataFrame:
    """Features, PD and grade of every firm of the population at ``path``."""
    documents = [
        ApplicationDocument.model_validate(raw) for raw in application_documents(path, limit=limit)
    ]
    scorer = Scorer.from_artifact(model_dir)
    engine = PipelineEngine(scorer=scorer, ruleset=ruleset, model_version=scorer.model_version)
    results = engine.decide(
        [DecisionInput(document=d, as_of=as_of, counterparty_risk=()) for d in documents]
    )
    return pd.DataFrame(
        [{**r.features, "pd": r.decision["pd"], "grade": r.decision["grade"]} for r in results]
    )
