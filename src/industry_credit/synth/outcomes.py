"""The outcomes feed of a synthetic population: its ground-truth defaults as credit events.

Every firm with ``defaulted_12m`` first goes 90 days past due on a day drawn uniformly inside
the 12 months after the population's as-of date, and is declared in default 0 to 90 days later
(never after the window's last day). The file is what ``industry-credit ingest`` takes as the
credit-events feed; the draws come from their own random stream, so the population's other files
are unchanged and the same seed gives the same file.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from industry_credit.synth.config import SynthConfig, block_rng
from industry_credit.synth.generate import CONFIG_FILE

OUTCOMES_FILE = "credit_events.csv"
# The purpose number of the outcome dates' random stream (after generate's four).
STREAM_OUTCOMES = 5
WINDOW_DAYS = 365
DEFAULT_LAG_MAX_DAYS = 90


def write_outcomes(population_dir: Path) -> Path:
    """Write ``credit_events.csv`` (uscc, event_type, event_date) into ``population_dir``."""
    cfg = SynthConfig.from_file(population_dir / CONFIG_FILE)
    firms = pq.read_table(
        population_dir / "enterprises.parquet", columns=["uscc", "defaulted_12m"]
    ).to_pandas()
    usccs = firms.loc[firms["defaulted_12m"].to_numpy(dtype=bool), "uscc"].to_numpy(dtype=object)
    rng = block_rng(cfg.seed, STREAM_OUTCOMES, 0)
    dpd_day = rng.integers(1, WINDOW_DAYS + 1, size=len(usccs))
    default_day = np.minimum(
        dpd_day + rng.integers(0, DEFAULT_LAG_MAX_DAYS + 1, size=len(usccs)), WINDOW_DAYS
    )
    start = cfg.as_of_date

    def dates(days: np.ndarray) -> list[str]:
        return [(start + timedelta(days=int(d))).isoformat() for d in days]

    events = pd.concat(
        [
            pd.DataFrame({"uscc": usccs, "event_type": "dpd90", "event_date": dates(dpd_day)}),
            pd.DataFrame(
                {"uscc": usccs, "event_type": "default", "event_date": dates(default_day)}
            ),
        ],
        ignore_index=True,
    ).sort_values(["event_date", "uscc", "event_type"], kind="stable")
    path = population_dir / OUTCOMES_FILE
    events.to_csv(path, index=False)
    return path
