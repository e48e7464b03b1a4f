"""The API path (application documents) gives the same features and scores as the batch path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from industry_credit.ml.data import infer_as_of
from industry_credit.ml.features import build_features
from industry_credit.ml.frames import EnterpriseFrames
from industry_credit.ml.scorer import Scorer


def test_documents_and_parquet_give_the_same_features(population: Path) -> None:
    from industry_credit.synth.documents import application_documents

    frames = EnterpriseFrames.from_parquet_dir(population)
    as_of = infer_as_of(frames, population)
    batch = build_features(frames, as_of).to_pandas()
    docs = application_documents(population, limit=40)
    ids = list(range(1, 41))  # the documents come in enterprise-id order
    api_frames = EnterpriseFrames.from_documents(docs, enterprise_ids=ids)
    api = build_features(api_frames, as_of).to_pandas()
    # Documents carry only the largest supply links, so link features may differ; all else
    # must match exactly.
    link_features = {
        "n_buyers", "n_suppliers", "buyer_hhi", "top_buyer_share", "core_buyer_share",
        "core_buyer_receivables", "on_time_delivery_rate", "buyer_payment_days",
        "imported_component_share", "supplier_payment_days", "has_core_buyer",
    }  # fmt: skip
    cols = [c for c in batch.columns if c not in link_features]
    pd.testing.assert_frame_equal(
        api[cols], batch.loc[ids, cols], check_dtype=False, check_exact=False, rtol=1e-9
    )


def test_default_artifact_scores_an_application(population: Path) -> None:
    """The committed model (data/model) scores one document with specific reasons."""
    from industry_credit.synth.documents import application_documents

    scorer = Scorer.from_artifact()
    doc = application_documents(population, limit=1)[0]
    frames = EnterpriseFrames.from_documents([doc])
    out = scorer.score(build_features(frames, infer_as_of(frames)), with_shap=True)
    assert 0 < out.pd[0] < 1
    assert out.grade[0] in {n for n, _ in scorer.artifact.grade_scale}
    assert out.reasons is not None
    reasons = out.reasons[0]
    assert len(reasons) <= 4
    if not reasons:
        pytest.skip("this firm has no feature pushing its PD up")
    assert all(np.isfinite(r["contribution"]) for r in reasons)
