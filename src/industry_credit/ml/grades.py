"""The master scale: 19 grades from AAA to C by calibrated 12-month PD.

Upper PD bounds grow roughly geometrically (x1.5 per notch) so that each notch is a comparable
step in risk; AAA ends at 3 bp, C starts at 30%. A PD equal to an upper bound belongs to the
next (worse) grade. The scale is stored in every artifact so that a replayed decision uses the
scale it was made with.
"""

from __future__ import annotations

from typing import Final

import numpy as np

MASTER_SCALE: Final[tuple[tuple[str, float], ...]] = (
    ("AAA", 0.0003),
    ("AA+", 0.0005),
    ("AA", 0.0007),
    ("AA-", 0.0010),
    ("A+", 0.0015),
    ("A", 0.0022),
    ("A-", 0.0033),
    ("BBB+", 0.0050),
    ("BBB", 0.0075),
    ("BBB-", 0.0110),
    ("BB+", 0.0170),
    ("BB", 0.0260),
    ("BB-", 0.0400),
    ("B+", 0.0600),
    ("B", 0.0900),
    ("B-", 0.1350),
    ("CCC", 0.2000),
    ("CC", 0.3000),
    ("C", 1.0000001),
)


# "Distressed": grade CCC or worse on the master scale, i.e. a PD at or above the upper bound of
# B-. The one definition used by the contagion features, the rules, the nightly batch and the
# risk officers' panorama.
DISTRESSED_PD: Final[float] = dict(MASTER_SCALE)["B-"]


class GradeScale:
    """Vectorized PD -> grade mapping over a master scale."""

    def __init__(self, scale: tuple[tuple[str, float], ...] | list[list[object]] = MASTER_SCALE):
        self.names = np.array([str(name) for name, _ in scale], dtype=object)
        self.upper = np.array([float(bound) for _, bound in scale], dtype=np.float64)  # type: ignore[arg-type]

    def index(self, pd_values: np.ndarray) -> np.ndarray:
        """Each PD's position on the scale (0 = the best grade)."""
        idx = np.searchsorted(self.upper, np.asarray(pd_values, dtype=np.float64), side="right")
        return np.minimum(idx, len(self.names) - 1).astype(np.int16)

    def grade(self, pd_values: np.ndarray) -> np.ndarray:
        return np.asarray(self.names[self.index(pd_values)], dtype=object)

    @property
    def name_tuple(self) -> tuple[str, ...]:
        return tuple(str(n) for n in self.names)

    def to_json(self) -> list[list[object]]:
        return [[str(n), float(u)] for n, u in zip(self.names, self.upper, strict=True)]
