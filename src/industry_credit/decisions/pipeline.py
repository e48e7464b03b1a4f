"""Frames in, decisions out: the one vectorized path shared by the API and the nightly batch.

``decide_frames`` never loops over rows; the API calls it with the handful of applications that
arrived within a millisecond or two, the batch with a chunk of a hundred thousand enterprises.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from industry_credit.ml.features import build_features
from industry_credit.ml.frames import EnterpriseFrames
from industry_credit.ml.scorer import Scorer
from industry_credit.rules.engine import evaluate
from industry_credit.rules.ruleset import Ruleset


@dataclass(frozen=True)
class FrameDecisions:
    features: pd.DataFrame
    scores: pd.DataFrame
    rules: pd.DataFrame


def decide_frames(
    *,
    frames: EnterpriseFrames,
    as_of: date,
    scorer: Scorer,
    ruleset: Ruleset,
    with_reasons: bool = True,
) -> FrameDecisions:
    features = build_features(frames, as_of)
    scores = scorer.score(features, with_shap=with_reasons)
    scored = features.assign(pd=scores["pd"].to_numpy(), grade=scores["grade"].to_numpy())
    rules = evaluate(ruleset, scored)
    rules.index = features.index
    return FrameDecisions(features=features, scores=scores, rules=rules)
