"""A logistic-regression scorecard, the other reference the model is held to.

What a credit team builds without gradient boosting: every feature cut into (at most) ten
quantile bins of the training rows, missing values a bin of their own, each category a bin; one
indicator per bin; an L2-penalised logistic regression over the indicators. One-hot bins with
free coefficients are a weight-of-evidence scorecard whose weights are fitted jointly rather
than one feature at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

BINS = 10


@dataclass
class Scorecard:
    edges: list[np.ndarray]
    categorical: set[int]
    offsets: np.ndarray
    model: LogisticRegression

    def _design(self, x: np.ndarray) -> sparse.csr_matrix:
        n, cols = x.shape[0], []
        for j, edges in enumerate(self.edges):
            v = x[:, j]
            if j in self.categorical:
                # Category codes are small integers; unseen codes fall into the last bin.
                idx = np.clip(np.nan_to_num(v, nan=-1).astype(np.int64) + 1, 0, len(edges) - 1)
            else:
                idx = np.searchsorted(edges, v, side="right")
                idx[np.isnan(v)] = len(edges) + 1
            cols.append(idx + self.offsets[j])
        rows = np.repeat(np.arange(n), len(cols))
        data = np.ones(n * len(cols))
        return sparse.csr_matrix(
            (data, (rows, np.stack(cols, axis=1).ravel())), shape=(n, int(self.offsets[-1]))
        )

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.predict_proba(self._design(x))[:, 1])


def fit_scorecard(x: np.ndarray, y: np.ndarray, categorical: list[int]) -> Scorecard:
    edges: list[np.ndarray] = []
    sizes = []
    for j in range(x.shape[1]):
        v = x[:, j]
        if j in categorical:
            top = int(np.nanmax(v)) if np.isfinite(v).any() else 0
            e = np.arange(top + 2, dtype=np.float64)  # -1 (missing) .. top, one spare
            edges.append(e)
            sizes.append(len(e))
            continue
        finite = v[np.isfinite(v)]
        qs = np.quantile(finite, np.linspace(0, 1, BINS + 1)[1:-1]) if len(finite) else []
        e = np.unique(np.asarray(qs, dtype=np.float64))
        edges.append(e)
        sizes.append(len(e) + 2)  # len(e)+1 value bins and the missing bin
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    card = Scorecard(edges, set(categorical), offsets, LogisticRegression())
    # C=0.1: bins of rare values would otherwise get extreme weights on a few hundred defaults.
    card.model = LogisticRegression(C=0.1, max_iter=2000).fit(card._design(x), y)
    return card
