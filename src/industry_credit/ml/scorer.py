"""Serving: features -> validated float matrix -> booster -> calibrated PD -> grade (+ reasons).

One call for one application and for a million enterprises. The booster and the category maps
are built once at load; a call builds the float64 matrix itself and hands it to
``Booster.predict`` (no pandas categoricals on the hot path). Predictions are deterministic:
each row's raw margin is the sum of its leaf values in tree order, independent of threading and
of the CPU, and the calibration on top of it uses ``industry_credit.numerics``.
Reason codes come from TreeSHAP (``pred_contrib``) on the log-odds scale: the at most ``top_k``
features with the largest positive contributions, i.e. that pushed the PD up the most.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import pandas
import pandas as pd

from industry_credit.ml.artifact import ModelArtifact, artifact_from_bytes, load_artifact
from industry_credit.ml.calibration import calibrate, raw_margin
from industry_credit.ml.columns import Coded
from industry_credit.ml.compiled import CompiledForest
from industry_credit.ml.feature_table import FeatureTable, plain_list
from industry_credit.ml.grades import GradeScale
from industry_credit.ml.reasons import CURRENT_REASONS_VERSION, sentence

DEFAULT_ARTIFACT_DIR = Path(__file__).resolve().parents[3] / "data" / "model"
MAX_REASONS = 4
SHAP_THREADS_FROM = 64  # rows


class Scorer:
    def __init__(
        self, artifact: ModelArtifact, num_threads: int = 2, compiled_cache: Path | None = None
    ):
        """``compiled_cache``: predict with the trees compiled by lleaves, cached in that
        directory (see ``compiled.py``); otherwise with ``Booster.predict``."""
        self.artifact = artifact
        self.model_version = artifact.model_version
        self.schema = artifact.schema
        self.features = list(self.schema.names)
        self.booster = lgb.Booster(model_str=artifact.model_text)
        self.calibration = artifact.calibration
        self.grades = GradeScale(artifact.grade_scale)
        self._grade_names = self.grades.name_tuple
        self.num_threads = num_threads
        self.compiled = (
            None
            if compiled_cache is None
            else CompiledForest(artifact.model_text, artifact.model_version, compiled_cache)
        )

    @classmethod
    def from_artifact(
        cls,
        source: ModelArtifact | str | Path | bytes | None = None,
        num_threads: int = 2,
        compiled_cache: Path | None = None,
    ) -> Scorer:
        """From an artifact object, directory, tar bytes, or (None) the committed default."""
        if isinstance(source, ModelArtifact):
            artifact = source
        elif isinstance(source, bytes):
            artifact = artifact_from_bytes(source)
        else:
            artifact = load_artifact(DEFAULT_ARTIFACT_DIR if source is None else source)
        return cls(artifact, num_threads=num_threads, compiled_cache=compiled_cache)

    def _threads(self, n: int) -> int:
        # Thread start-up costs more than it saves below a few thousand rows.
        return 1 if n < 5000 else self.num_threads

    def predict_matrix(self, x: np.ndarray) -> np.ndarray:
        """Calibrated PD for an already encoded float64 matrix in schema order."""
        threads = self._threads(len(x))
        if self.compiled is not None:
            margin = self.compiled.predict(x, threads)
        else:
            margin = raw_margin(self.booster, x, threads)
        return calibrate(margin, self.calibration)

    def score(
        self,
        features: FeatureTable | pd.DataFrame,
        with_shap: bool = False,
        strict: bool = False,
        reasons_version: int = CURRENT_REASONS_VERSION,
    ) -> Scores:
        """PD, grade and unseen-category notes per row; ``reasons`` when ``with_shap``, their
        sentences in renderer ``reasons_version`` (``ml.reasons.REASONS_VERSIONS``).

        Takes the kernel's ``FeatureTable`` (column arrays, no pandas on the way) or, at the
        edges (training, tests), a feature DataFrame. Raises ``FeatureSchemaError`` (column and
        rows) on invalid input; categories not seen in training are scored as missing and listed
        in ``unseen`` (``strict`` refuses them).
        """
        if isinstance(features, pd.DataFrame):
            encoded = self.schema.encode(features, strict=strict)
            ids = np.asarray(features.index.to_numpy())
            values = _frame_values(features)
        else:
            encoded = self.schema.encode_columns(features.columns, len(features), strict=strict)
            ids = features.ids
            values = _table_values(features)
        x = encoded.matrix
        pd_values = self.predict_matrix(x)
        grade = Coded(self.grades.index(pd_values), self._grade_names)
        return Scores(
            ids=ids,
            pd=pd_values,
            grade_coded=grade,
            unseen=encoded.unseen_by_row(len(x)),
            reasons=self.reasons(values, x, reasons_version=reasons_version) if with_shap else None,
        )

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """TreeSHAP contributions (log-odds), one column per feature plus the bias last.

        A row's TreeSHAP costs about a hundred predictions, so threads pay for themselves from
        a few dozen rows, not a few thousand (each row is computed alone: same values at any
        thread count)."""
        threads = 1 if len(x) < SHAP_THREADS_FROM else self.num_threads
        contrib = self.booster.predict(x, pred_contrib=True, num_threads=threads)
        return np.asarray(contrib, dtype=np.float64)

    def reasons(
        self,
        values: Callable[[str], list[Any]],
        x: np.ndarray,
        top_k: int = MAX_REASONS,
        reasons_version: int = CURRENT_REASONS_VERSION,
    ) -> list[list[dict[str, Any]]]:
        """The top-k positive contributions per row, rendered with the firm's own value
        (``values(name)`` gives a feature's column as Python values)."""
        contrib = self.contributions(x)[:, : len(self.features)]
        k = min(top_k, contrib.shape[1])
        # Top-k per row without a full sort: partition, then order the k survivors.
        part = np.argpartition(-contrib, k - 1, axis=1)[:, :k]
        part_vals = np.take_along_axis(contrib, part, axis=1)
        order = np.argsort(-part_vals, axis=1, kind="stable")
        top = np.take_along_axis(part, order, axis=1).tolist()
        top_vals = np.take_along_axis(part_vals, order, axis=1).tolist()
        columns = {j: values(self.features[j]) for j in set(itertools.chain(*top))}
        result: list[list[dict[str, Any]]] = []
        for i in range(len(x)):
            row = []
            for j, c in zip(top[i], top_vals[i], strict=True):
                if c <= 0:
                    break
                value = columns[j][i]
                zh, en = sentence(self.features[j], value, reasons_version)
                row.append(
                    {
                        "feature": self.features[j],
                        "contribution": round(c, 6),
                        "value": value,
                        "zh": zh,
                        "en": en,
                    }
                )
            result.append(row)
        return result


@dataclass(frozen=True)
class Scores:
    """One row per scored enterprise (``ids``): calibrated PD, grade, unseen-category notes and,
    when asked for, the reason codes."""

    ids: np.ndarray
    pd: npt.NDArray[np.float64]
    grade_coded: Coded  # positions on the model's master scale
    unseen: npt.NDArray[np.object_]
    reasons: list[list[dict[str, Any]]] | None = None

    def __len__(self) -> int:
        return len(self.pd)

    @property
    def grade(self) -> npt.NDArray[np.object_]:
        """Grade names, one per row."""
        names = np.asarray(self.grade_coded.categories, dtype=object)
        out: npt.NDArray[np.object_] = names[self.grade_coded.codes]
        return out

    def to_pandas(self) -> pandas.DataFrame:
        out: dict[str, Any] = {"pd": self.pd, "grade": self.grade, "unseen": self.unseen}
        if self.reasons is not None:
            out["reasons"] = self.reasons
        return pandas.DataFrame(out, index=pandas.Index(self.ids, name="enterprise_id"))


def table_reasons(
    scorer: Scorer,
    features: FeatureTable,
    rows: npt.NDArray[np.intp],
    reasons_version: int = CURRENT_REASONS_VERSION,
) -> list[list[dict[str, Any]]]:
    """Reason codes for the given rows only: TreeSHAP (``pred_contrib``) on that subset, in one
    vectorized call (the nightly batch explains its flagged firms, not the whole book)."""
    if len(rows) == 0:
        return []
    subset = features.take(rows)
    x = scorer.schema.encode_columns(subset.columns, len(subset)).matrix
    return scorer.reasons(_table_values(subset), x, reasons_version=reasons_version)


def _table_values(features: FeatureTable) -> Callable[[str], list[Any]]:
    return lambda name: plain_list(features[name])


def _frame_values(features: pd.DataFrame) -> Callable[[str], list[Any]]:
    return lambda name: [_plain(v) for v in features[name].to_numpy()]


def _plain(value: Any) -> Any:
    """A JSON-friendly scalar (NaN -> None, numpy scalars -> Python)."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value
