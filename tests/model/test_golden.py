"""Golden scores: a fixed committed artifact on fixed feature rows must not drift, bit for bit.

To regenerate after a deliberate change to scoring (never to make a failure go away):
``python tests/model/test_golden.py`` rewrites ``fixtures/golden.json`` from the fixture artifact.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from industry_credit.ml.features import BOOL_FEATURES, CATEGORICAL_FEATURES
from industry_credit.ml.scorer import Scorer

FIXTURES = Path(__file__).parent / "fixtures"


def golden_rows(records: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(records).set_index("enterprise_id")
    for col in frame.columns:
        if col in BOOL_FEATURES:
            frame[col] = frame[col].astype(bool)
        elif col in CATEGORICAL_FEATURES:
            frame[col] = frame[col].astype(object)
        else:
            frame[col] = frame[col].astype(np.float64)
    return frame


def _score(records: list[dict[str, Any]]) -> pd.DataFrame:
    scorer = Scorer.from_artifact(FIXTURES / "golden_artifact")
    return scorer.score(golden_rows(records), with_shap=True).to_pandas()


def test_golden_scores_do_not_drift() -> None:
    golden = json.loads((FIXTURES / "golden.json").read_text())
    scorer = Scorer.from_artifact(FIXTURES / "golden_artifact")
    assert scorer.model_version == golden["model_version"]
    out = _score(golden["rows"])
    assert [float(v).hex() for v in out["pd"]] == golden["pd"]
    assert list(out["grade"]) == golden["grade"]
    assert [[r["feature"] for r in rs] for rs in out["reasons"]] == golden["reason_features"]


if __name__ == "__main__":
    data = json.loads((FIXTURES / "golden.json").read_text())
    scored = _score(data["rows"])
    data.update(
        model_version=Scorer.from_artifact(FIXTURES / "golden_artifact").model_version,
        pd=[float(v).hex() for v in scored["pd"]],
        grade=list(scored["grade"]),
        reason_features=[[r["feature"] for r in rs] for rs in scored["reasons"]],
    )
    (FIXTURES / "golden.json").write_text(json.dumps(data, indent=1, ensure_ascii=False))
