"""The decision engine of one (model, ruleset) pair: documents in, decision documents out."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

from industry_credit.decisions.pipeline import FrameDecisions, decide_frames
from industry_credit.decisions.shadow import Challenger, shadow_or_none
from industry_credit.decisions.types import DecisionInput, EngineResult
from industry_credit.ml.columns import ColumnTable
from industry_credit.ml.frames import CounterpartyRisk, EnterpriseFrames
from industry_credit.ml.reasons import CURRENT_REASONS_VERSION
from industry_credit.ml.scorer import Scorer
from industry_credit.rules.ruleset import Ruleset


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
    """Decides with one scorer and one ruleset; safe to share across threads (read-only).

    ``reasons_version``: the renderer of the reason sentences (``ml.reasons.REASONS_VERSIONS``);
    new decisions take the current one, replay the one the decision recorded.

    With a ``challenger``, each result also carries the challenger's shadow score of the same
    features (``EngineResult.shadow``); the decision itself is the champion's alone."""

    def __init__(
        self,
        *,
        scorer: Scorer,
        ruleset: Ruleset,
        model_version: str,
        reasons_version: int = CURRENT_REASONS_VERSION,
        challenger: Challenger | None = None,
    ) -> None:
        self.scorer = scorer
        self.ruleset = ruleset
        self.model_version = model_version
        self.ruleset_version = ruleset.version
        self.reasons_version = reasons_version
        self.challenger = challenger

    @staticmethod
    def _frames(inputs: Sequence[DecisionInput]) -> EnterpriseFrames:
        risk: dict[str, float] = {}
        for item in inputs:
            risk.update(dict(item.counterparty_risk))
        # _batches guarantees no input's link meets a PD it did not see itself.
        return EnterpriseFrames.from_documents(
            [item.document for item in inputs],
            counterparty_risk=CounterpartyRisk.from_pairs(risk) if risk else None,
            books=[dict(item.book) for item in inputs],
        )

    def _run(self, inputs: Sequence[DecisionInput]) -> FrameDecisions:
        return decide_frames(
            frames=self._frames(inputs),
            as_of=inputs[0].as_of,
            scorer=self.scorer,
            ruleset=self.ruleset,
            reasons_version=self.reasons_version,
        )

    def decide_loans(self, item: DecisionInput, loans: ColumnTable) -> FrameDecisions:
        """The firm of ``item`` asking for each loan of ``loans`` (a ``loan_requests`` table),
        decided in one call of the kernel, without reason codes (no TreeSHAP): the columns
        a search over loan structures ranks by. Row i equals the decision of ``item`` with its
        request replaced by loan i (``EnterpriseFrames.repeated``)."""
        return decide_frames(
            frames=self._frames([item]).repeated(loans),
            as_of=item.as_of,
            scorer=self.scorer,
            ruleset=self.ruleset,
            with_reasons=False,
        )

    def decide(self, inputs: list[DecisionInput]) -> list[EngineResult]:
        results: list[EngineResult | None] = [None] * len(inputs)
        for group in _batches(inputs):
            decided = self._run([inputs[i] for i in group])
            feature_rows = decided.features.records()
            pd_values = decided.scores.pd.tolist()
            grades = decided.scores.grade.tolist()
            reasons = decided.scores.reasons or [[] for _ in group]
            shadow = shadow_or_none(decided.features, self.challenger, self.ruleset)
            for position, i in enumerate(group):
                partners = inputs[i].document.request.risk_sharing
                decision = {
                    "pd": pd_values[position],
                    "grade": grades[position],
                    **decided.rules.decision_fields(position),
                    "reasons": list(reasons[position]),
                    "risk_sharing": {
                        "coverage": feature_rows[position]["risk_sharing_coverage"],
                        "partners": [p.model_dump(mode="json") for p in partners],
                    },
                }
                results[i] = EngineResult(
                    decision=decision,
                    features=feature_rows[position],
                    shadow=shadow.row(position) if shadow is not None else None,
                )
        return [r for r in results if r is not None]

    def explain(self, item: DecisionInput) -> dict[str, Any]:
        """Every SHAP contribution, every feature value and every rule's evaluation."""
        decided = self._run([item])
        features = decided.features
        matrix = self.scorer.schema.encode_columns(features.columns, len(features)).matrix
        contributions = self.scorer.contributions(matrix)[0]
        names = self.scorer.features
        fired = {hit["rule_id"] for hit in decided.rules.rule_hits.row(0)}
        return {
            "features": features.records()[0],
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
