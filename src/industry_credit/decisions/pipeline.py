"""Frames in, decisions out: the one vectorized path shared by the API and the nightly batch.

``decide_frames`` never loops over rows and builds no pandas object: the API calls it with the
handful of applications that arrived together, the batch with a chunk of a hundred thousand
enterprises, and both take the same column arrays through the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from industry_credit.ml.feature_table import FeatureTable
from industry_credit.ml.features import build_features
from industry_credit.ml.frames import EnterpriseFrames
from industry_credit.ml.reasons import CURRENT_REASONS_VERSION
from industry_credit.ml.scorer import Scorer, Scores
from industry_credit.rules.engine import evaluate
from industry_credit.rules.result import RuleTable
from industry_credit.rules.ruleset import Ruleset


@dataclass(frozen=True)
class FrameDecisions:
    """Three tables on the same rows (``features.ids``): features, scores and the rules' part."""

    features: FeatureTable
    scores: Scores
    rules: RuleTable


def decide_frames(
    *,
    frames: EnterpriseFrames,
    as_of: date,
    scorer: Scorer,
    ruleset: Ruleset,
    with_reasons: bool = True,
    reasons_version: int = CURRENT_REASONS_VERSION,
) -> FrameDecisions:
    features = build_features(frames, as_of)
    scores = scorer.score(features, with_shap=with_reasons, reasons_version=reasons_version)
    scored = dict(features.columns.items()) | {"pd": scores.pd, "grade": scores.grade_coded}
    rules = evaluate(ruleset, scored)
    return FrameDecisions(features=features, scores=scores, rules=rules)
