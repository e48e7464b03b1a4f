"""From a booster's raw margin to a calibrated PD: what serving needs of the fitted model.

Kept apart from ``fit.py`` so that scoring imports neither optuna nor scikit-learn (an
import-linter contract in pyproject.toml holds it). The calibration is Platt scaling, two
numbers (slope, intercept) applied with ``industry_credit.numerics``, so that a PD has the same
bits on every machine (LightGBM's own sigmoid goes through the C library's exp).
"""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np

from industry_credit import numerics as nm

# Basel III's PD floor for corporate exposures: no firm is rated as riskless, even where the
# calibration gives the safest predictions almost no chance of default.
PD_FLOOR = 0.0003


def raw_margin(booster: lgb.Booster, x: np.ndarray, num_threads: int, **kw: Any) -> np.ndarray:
    """The booster's log-odds: the sum of the trees' leaf values, in tree order."""
    out = booster.predict(x, raw_score=True, num_threads=num_threads, **kw)
    return np.asarray(out, dtype=np.float64)


# Margins are clipped to the log-odds of probabilities in [1e-9, 1 - 1e-9] before calibration,
# as the probabilities were when calibration was defined on them.
MARGIN_CLIP = 20.72326583694641


def clipped(margin: np.ndarray) -> np.ndarray:
    return np.clip(np.asarray(margin, dtype=np.float64), -MARGIN_CLIP, MARGIN_CLIP)


def calibrate(margin: np.ndarray, calib: tuple[float, float]) -> np.ndarray:
    """Calibrated PD from the booster's raw margin: sigmoid(a * margin + b), floored."""
    z = calib[0] * clipped(margin) + calib[1]
    return np.maximum(nm.sigmoid(z), PD_FLOOR)
