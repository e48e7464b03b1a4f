"""One line per figure, ``bench NAME: VALUE UNIT (RATIO× BASELINE)``, and JSON under bench/results/."""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def figure(
    name: str,
    value: float,
    unit: str,
    baseline_name: str,
    baseline_value: float,
    ratio: float | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Print and save one figure; ``ratio`` defaults to value / baseline_value."""
    if ratio is None:
        ratio = value / baseline_value if baseline_value else float("nan")
    line = f"bench {name}: {value:.4g} {unit} ({ratio:.2f}× {baseline_name})"
    print(line, flush=True)
    record = {
        "name": name,
        "value": value,
        "unit": unit,
        "ratio": ratio,
        "baseline": baseline_name,
        "baseline_value": baseline_value,
        "measured_at": datetime.now(UTC).isoformat(),
        "machine": platform.node(),
        **extra,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"{name}.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    return record
