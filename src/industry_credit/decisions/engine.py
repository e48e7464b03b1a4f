"""The decision engine of one (model, ruleset) pair: documents in, decision documents out."""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import groupby
from typing import Any

import numpy as np
import pandas as pd

from industry_credit.decisions.pipeline import FrameDecisions, decide_frames
from industry_credit.decisions.types import DecisionInput, EngineResult
from industry_credit.ml.frames import EnterpriseFrames
from industry_credit.ml.scorer import Scorer
from industry_credit.rules.assemble import decision_fields
from industry_credit.rules.ruleset import Ruleset


def _plain(value: Any) -> Any:
    """JSON-ready: NumPy scalars to Python, NaN and NA to None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts, built column-wise: DataFrame.to_dict(records) walks rows through pandas
    indexing and costs milliseconds on a frame this wide."""
    names = [str(c) for c in frame.columns]
    columns = [frame[c].to_numpy(dtype=object) for c in frame.columns]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _batches(inputs: Sequence[DecisionInput]) -> list[list[int]]:
    """Indices grouped so that each group shares an as-of date and a consistent view of
    counterparty risk.

    Counterparty risk enters the frames as one table keyed by USCC, so two inputs may share a
    frame only when every counterparty either of them links to has the same PD in both views,
    where "no PD known" counts as a value: an input that saw no PD for a counterparty must not
    pick up another input's. Replay needs exactly the PDs each decision saw.
    """
    order = sorted(range(len(inputs)), key=lambda i: inputs[i].as_of)
    groups: list[list[int]] = []
    for _, same_day in groupby(order, key=lambda i: inputs[i].as_of):
        pending: list[tuple[list[int], dict[str, float | None]]] = []
        for i in same_day:
            known = dict(inputs[i].counterparty_risk)
            view: dict[str, float | None] = {
                link.counterparty_uscc: known.get(link.counterparty_uscc)
                for link in inputs[i].document.supply_chain
            }
            for members, group_view in pending:
                if all(group_view.get(u, p) == p for u, p in view.items()):
                    members.append(i)
                    group_view.update(view)
                    break
            else:
                pending.append(([i], view))
        groups.extend(members for members, _ in pending)
    return groups


class PipelineEngine:
    """Decides with one scorer and one ruleset; safe to share across threads (read-only)."""

    def __init__(self, *, scorer: Scorer, ruleset: Ruleset, model_version: str) -> None:
        self.scorer = scorer
        self.ruleset = ruleset
        self.model_version = model_version
        self.ruleset_version = ruleset.version

    def _run(self, inputs: Sequence[DecisionInput]) -> FrameDecisions:
        risk: dict[str, float] = {}
        for item in inputs:
            risk.update(dict(item.counterparty_risk))
        # _batches guarantees no input's link meets a PD it did not see itself.
        frames = EnterpriseFrames.from_documents([item.document for item in inputs])
        if risk:
            frames = frames.with_counterparty_risk(
                pd.DataFrame({"counterparty_uscc": list(risk), "pd": list(risk.values())})
            )
        return decide_frames(
            frames=frames, as_of=inputs[0].as_of, scorer=self.scorer, ruleset=self.ruleset
        )

    def decide(self, inputs: list[DecisionInput]) -> list[EngineResult]:
        results: list[EngineResult | None] = [None] * len(inputs)
        for group in _batches(inputs):
            decided = self._run([inputs[i] for i in group])
            feature_rows = _records(decided.features)
            score_rows = _records(decided.scores)
            rule_rows = _records(decided.rules)
            for position, i in enumerate(group):
                scores = score_rows[position]
                decision = {
                    "pd": float(scores["pd"]),
                    "grade": str(scores["grade"]),
                    **decision_fields(rule_rows[position]),
                    "reasons": list(scores.get("reasons") or []),
                }
                features = {k: _plain(v) for k, v in feature_rows[position].items()}
                results[i] = EngineResult(decision=decision, features=features)
        return [r for r in results if r is not None]

    def explain(self, item: DecisionInput) -> dict[str, Any]:
        """Every SHAP contribution, every feature value and every rule's evaluation."""
        decided = self._run([item])
        matrix = self.scorer.schema.encode(decided.features).matrix
        contributions = self.scorer.contributions(matrix)[0]
        names = self.scorer.features
        fired = {hit["rule_id"] for hit in decided.rules.iloc[0]["rule_hits"]}
        return {
            "features": {k: _plain(v) for k, v in decided.features.iloc[0].items()},
            "contributions": {
                name: float(value) for name, value in zip(names, contributions, strict=False)
            },
            # LightGBM puts the expected raw score (the SHAP base value) after the features.
            "base_value": float(contributions[len(names)]),
            "rule_evaluations": [
                {
                    "rule_id": rule.id,
                    "fired": rule.id in fired,
                    "effect": rule.effect_text,
                    "seed_ref": rule.seed_ref,
                    "description_zh": rule.description_zh,
                    "description_en": rule.description_en,
                }
                for rule in self.ruleset.rules
            ],
        }
