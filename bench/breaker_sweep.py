"""The circuit breakers' precision/recall trade-off on a synthetic population whose 12-month
defaults are known: ``python -m bench.breaker_sweep --size 50000``.

The portfolio's features are built as of 2026-11-20 (the first of the issue's three nights)
from the generated Parquet frames; each candidate threshold of the downtime jump and of the
cancellation jump, and a few pairs of the two (a firm is flagged when either jumps past its
threshold, as the two REF-CIRCUIT rules do), gets its flag rate, precision, recall and lift.
The chosen defaults are recorded in docs/batch.md ("Circuit-breaker thresholds").
"""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from bench.report import RESULTS_DIR
from industry_credit.batch.warning_quality import rates
from industry_credit.ml.features import build_features
from industry_credit.ml.frames import EnterpriseFrames
from industry_credit.synth.config import SynthConfig
from industry_credit.synth.generate import generate

AS_OF = date(2026, 11, 20)
DOWNTIME = (0.05, 0.08, 0.10, 0.12, 0.15, 0.20, 0.25, 0.30)
CANCELLATION = (0.03, 0.04, 0.06, 0.08, 0.10, 0.12, 0.15, 0.20)


def sweep(size: int, seed: int = 11) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "population"
        generate(SynthConfig(enterprises=size, seed=seed), out)
        frames = EnterpriseFrames.from_parquet_dir(out)
        features = build_features(frames, AS_OF).to_pandas()
        ent = frames.to_pandas("enterprises").set_index("id")
    book = ent[(ent["in_portfolio"]) | (ent["exposure"] > 0)]
    x = features.reindex(book.index)
    y = book["defaulted_12m"].to_numpy(bool)
    down = np.nan_to_num(x["downtime_jump"].to_numpy(np.float64), nan=-1.0)
    canc = np.nan_to_num(x["cancellation_jump"].to_numpy(np.float64), nan=-1.0)
    result: dict[str, Any] = {
        "size": size,
        "seed": seed,
        "portfolio": len(y),
        "defaults": int(y.sum()),
    }
    result["downtime_only"] = [{"downtime_jump_max": t, **rates(down > t, y)} for t in DOWNTIME]
    result["cancellation_only"] = [
        {"cancellation_jump_max": t, **rates(canc > t, y)} for t in CANCELLATION
    ]
    result["either"] = [
        {"downtime_jump_max": d, "cancellation_jump_max": c, **rates((down > d) | (canc > c), y)}
        for d in DOWNTIME
        for c in CANCELLATION
    ]
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    result = sweep(args.size, args.seed)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "breaker_sweep.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"portfolio {result['portfolio']}, defaults {result['defaults']}")
    print("| downtime > | cancellation > | flag rate | precision | recall | lift |")
    print("|---|---|---|---|---|---|")
    for row in result["either"]:
        print(
            f"| {row['downtime_jump_max']} | {row['cancellation_jump_max']} | {row['flag_rate']:.3f}"
            f" | {row['precision'] or 0:.3f} | {row['recall'] or 0:.3f} | {row['lift'] or 0:.2f} |"
        )


if __name__ == "__main__":
    main()
