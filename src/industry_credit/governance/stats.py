"""The supervisors' tests of a PD model against observed defaults: pure functions over arrays.

Calibration per grade uses the Jeffreys test (the ECB's instructions for reporting the
validation of internal models): with ``d`` defaults among ``n`` obligors of a grade, the
posterior of the default rate is Beta(d + 1/2, n - d + 1/2), and the one-sided p-value that the
grade's mean PD is not too low is that posterior's CDF at the mean PD. A small value says the
PD underestimates the observed rate. The same posterior's survival function at the mean PD is
the p-value of the other side (the PD overstates the rate): an overstated PD misprices and
misallocates limits too, so the traffic light looks at both sides:

* red: either one-sided p-value below ``RED_P`` (1%);
* yellow: either below ``YELLOW_P`` (5%);
* green: otherwise.

The portfolio test is the exact binomial test of the number of defaults against the mean PD,
with the same thresholds; Hosmer–Lemeshow groups the obligors in deciles of PD.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.stats import beta, binom, chi2

from industry_credit.ml.evaluate import auc_with_ci

RED_P = 0.01
YELLOW_P = 0.05
HL_GROUPS = 10


def light(p_under: float, p_over: float) -> str:
    worst = min(p_under, p_over)
    return "red" if worst < RED_P else "yellow" if worst < YELLOW_P else "green"


def jeffreys(n: int, defaults: int, mean_pd: float) -> tuple[float, float]:
    """One-sided Jeffreys p-values (PD too low, PD too high) of one grade."""
    a, b = defaults + 0.5, n - defaults + 0.5
    return float(beta.cdf(mean_pd, a, b)), float(beta.sf(mean_pd, a, b))


def binomial(n: int, defaults: int, mean_pd: float) -> dict[str, Any]:
    """Exact binomial test of the portfolio's defaults against its mean PD."""
    p_under = float(binom.sf(defaults - 1, n, mean_pd))  # P(X >= d): PD too low
    p_over = float(binom.cdf(defaults, n, mean_pd))  # P(X <= d): PD too high
    return {
        "n": n,
        "defaults": defaults,
        "expected_defaults": n * mean_pd,
        "mean_pd": mean_pd,
        "observed_dr": defaults / n if n else None,
        "p_under": p_under,
        "p_over": p_over,
        "light": light(p_under, p_over),
    }


def hosmer_lemeshow(y: np.ndarray, p: np.ndarray, groups: int = HL_GROUPS) -> dict[str, Any]:
    """H = sum over PD deciles of (O - E)^2 / (E (1 - E / n)), chi-squared with groups - 2 df."""
    order = np.argsort(p, kind="stable")
    stat, used = 0.0, 0
    for idx in np.array_split(order, groups):
        if len(idx) == 0:
            continue
        expected = float(p[idx].sum())
        observed = float(y[idx].sum())
        variance = expected * (1.0 - expected / len(idx))
        if variance > 0:
            stat += (observed - expected) ** 2 / variance
            used += 1
    df = max(used - 2, 1)
    return {"statistic": stat, "df": df, "p_value": float(chi2.sf(stat, df)), "groups": used}


def grade_rows(
    y: np.ndarray, p: np.ndarray, grades: np.ndarray, scale: Sequence[str]
) -> list[dict[str, Any]]:
    """Per grade of the master scale present in the data: count, defaults, mean PD, observed
    default rate, the Jeffreys p-values and the traffic light."""
    rows = []
    for grade in scale:
        mask = grades == grade
        n = int(mask.sum())
        if n == 0:
            continue
        d = int(y[mask].sum())
        mean_pd = float(p[mask].mean())
        p_under, p_over = jeffreys(n, d, mean_pd)
        rows.append(
            {
                "grade": grade,
                "n": n,
                "defaults": d,
                "mean_pd": mean_pd,
                "observed_dr": d / n,
                "p_value": p_under,
                "p_value_over": p_over,
                "light": light(p_under, p_over),
            }
        )
    return rows


def discrimination(y: np.ndarray, p: np.ndarray, level: float = 0.95) -> dict[str, Any]:
    """AUC and Gini with DeLong's confidence interval (None when one class is missing)."""
    if y.sum() == 0 or y.sum() == len(y):
        return {"auc": None, "gini": None, "level": level}
    auc, lo, hi = auc_with_ci(y, p, level)
    return {
        "auc": auc,
        "auc_lo": lo,
        "auc_hi": hi,
        "gini": 2 * auc - 1,
        "gini_lo": 2 * lo - 1,
        "gini_hi": 2 * hi - 1,
        "level": level,
    }
