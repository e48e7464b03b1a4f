"""A decision must not depend on which other applications share its micro-batch."""

from __future__ import annotations

import random
from datetime import date

import pytest

from industry_credit.applications.schemas import ApplicationDocument
from industry_credit.config import PROJECT_ROOT, get_settings
from industry_credit.decisions.engine import PipelineEngine, _batches
from industry_credit.decisions.types import DecisionInput
from industry_credit.ml.scorer import Scorer
from industry_credit.rules.loading import default_ruleset
from industry_credit.synth.documents import application_documents

SEEDS = PROJECT_ROOT / "data" / "seeds" / "population"
AS_OF = date(2026, 11, 21)


@pytest.fixture(scope="module")
def engine() -> PipelineEngine:
    scorer = Scorer.from_artifact(get_settings().model_dir)
    return PipelineEngine(scorer=scorer, ruleset=default_ruleset(), model_version="test")


@pytest.fixture(scope="module")
def inputs() -> list[DecisionInput]:
    docs = [ApplicationDocument.model_validate(d) for d in application_documents(SEEDS, limit=120)]
    rng = random.Random(5)
    items = []
    for doc in docs:
        # Each input knows the PD of a random subset of its own counterparties, as in production
        # where some counterparties have been decided and others not yet.
        risk = tuple(
            (link.counterparty_uscc, round(rng.uniform(0.001, 0.4), 4))
            for link in doc.supply_chain
            if rng.random() < 0.5
        )
        items.append(DecisionInput(document=doc, as_of=AS_OF, counterparty_risk=risk))
    return items


def test_alone_and_batched_decisions_are_identical(
    engine: PipelineEngine, inputs: list[DecisionInput]
) -> None:
    batched = engine.decide(inputs)
    for item, together in zip(inputs[:40], batched[:40], strict=True):
        alone = engine.decide([item])[0]
        assert alone.decision == together.decision


def test_batches_never_mix_disagreeing_views() -> None:
    doc = ApplicationDocument.model_validate(application_documents(SEEDS, limit=1)[0])
    links = [link.counterparty_uscc for link in doc.supply_chain]
    if not links:
        pytest.skip("the first seed document has no supply-chain links")
    seen = DecisionInput(document=doc, as_of=AS_OF, counterparty_risk=((links[0], 0.3),))
    unseen = DecisionInput(document=doc, as_of=AS_OF, counterparty_risk=())
    same = DecisionInput(document=doc, as_of=AS_OF, counterparty_risk=((links[0], 0.3),))
    assert _batches([seen, unseen, same]) == [[0, 2], [1]]
