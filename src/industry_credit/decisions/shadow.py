"""The challenger in shadow: the same features, scored by another model under the same ruleset.

The champion's pipeline has already built the features; the challenger adds one vectorized
``score`` and one rules evaluation over the same rows, and nothing it computes reaches a
decision. Shared by the API (``engine.PipelineEngine``) and the nightly batch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from industry_credit.ml.feature_table import FeatureTable
from industry_credit.ml.scorer import Scorer
from industry_credit.rules.engine import evaluate
from industry_credit.rules.ruleset import Ruleset

log = logging.getLogger("industry_credit.shadow")


@dataclass(frozen=True)
class Challenger:
    scorer: Scorer
    version: str


@dataclass(frozen=True)
class ShadowScores:
    """Per row of the features: the challenger's PD, grade and outcome."""

    version: str
    pd: npt.NDArray[np.float64]
    grade: npt.NDArray[np.object_]
    outcome: npt.NDArray[np.object_]

    def row(self, i: int) -> dict[str, object]:
        return {
            "challenger_version": self.version,
            "pd": float(self.pd[i]),
            "grade": str(self.grade[i]),
            "outcome": str(self.outcome[i]),
        }


def shadow_scores(features: FeatureTable, challenger: Challenger, ruleset: Ruleset) -> ShadowScores:
    scores = challenger.scorer.score(features)
    scored = dict(features.columns.items()) | {"pd": scores.pd, "grade": scores.grade_coded}
    outcome = evaluate(ruleset, scored).outcome
    names = np.asarray([*outcome.categories, None], dtype=object)
    return ShadowScores(challenger.version, scores.pd, scores.grade, names[outcome.codes])


def shadow_or_none(
    features: FeatureTable, challenger: Challenger | None, ruleset: Ruleset
) -> ShadowScores | None:
    """The challenger's scores, or None when there is no challenger or it cannot score these
    features (say, it needs a feature this pipeline does not build): a challenger never fails
    the champion's decision, it only goes without its shadow row."""
    if challenger is None:
        return None
    try:
        return shadow_scores(features, challenger, ruleset)
    except Exception:
        log.exception("challenger failed to score", extra={"challenger": challenger.version})
        return None
