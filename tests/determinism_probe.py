"""Fingerprints of every stored or compared figure, printed as JSON, for the cross-SIMD test.

Run as ``python tests/determinism_probe.py OUT_DIR``. ``tests/unit/test_simd_determinism.py``
runs it in subprocesses under different numpy dispatch levels and C-library variants and
compares the fingerprints bit for bit. The canaries prove that a setting took effect:
``canary_numpy`` hashes numpy's own exp and log, ``canary_libm`` the C library's (through
``math``), and ``cpu_features_on`` lists the dispatch features numpy reports as enabled.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _frame_sha(frame: pd.DataFrame) -> str:
    """Bits of every column: floats by their bytes, the rest by their JSON text."""
    digest = hashlib.sha256()
    for name in frame.columns:
        column = frame[name]
        digest.update(str(name).encode())
        if column.dtype.kind == "f":
            digest.update(np.ascontiguousarray(column.to_numpy(np.float64)).tobytes())
        else:
            digest.update(json.dumps(column.tolist(), default=str, sort_keys=True).encode())
    return digest.hexdigest()


def canary_numpy() -> str:
    rng = np.random.default_rng(5)
    x = rng.normal(0.0, 5.0, 200_000)
    parts = [np.exp(x), np.log(np.abs(x)), np.exp(x.astype(np.float32)).astype(np.float64)]
    return _sha(b"".join(np.ascontiguousarray(p).tobytes() for p in parts))


def canary_libm() -> str:
    x = np.random.default_rng(5).normal(0.0, 5.0, 50_000).tolist()
    parts = [
        [math.exp(v) for v in x],
        [math.log(abs(v)) for v in x],
        [math.sin(v) for v in x],
        [math.pow(abs(v), 1.37) for v in x],
    ]
    return _sha(b"".join(np.array(p, dtype=np.float64).tobytes() for p in parts))


def cpu_features_on() -> list[str]:
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    return sorted(f for f in __cpu_dispatch__ if __cpu_features__.get(f))


def fingerprints(out_dir: Path) -> dict[str, Any]:
    from industry_credit import numerics as nm
    from industry_credit.applications.examples import ROBOT_STARTUP
    from industry_credit.applications.schemas import ApplicationDocument
    from industry_credit.batch.compute import score_chunk
    from industry_credit.batch.reader import ChunkInput
    from industry_credit.config import PROJECT_ROOT
    from industry_credit.decisions.engine import PipelineEngine
    from industry_credit.decisions.pipeline import decide_frames
    from industry_credit.decisions.types import DecisionInput
    from industry_credit.ml.data import infer_as_of
    from industry_credit.ml.evaluate import psi, psi_baseline
    from industry_credit.ml.frames import EnterpriseFrames
    from industry_credit.ml.scorer import Scorer
    from industry_credit.rules.loading import default_ruleset
    from industry_credit.synth.config import SynthConfig
    from industry_credit.synth.documents import application_documents
    from industry_credit.synth.generate import generate

    prints: dict[str, Any] = {
        "canary_numpy": canary_numpy(),
        "canary_libm": canary_libm(),
        "cpu_features_on": cpu_features_on(),
    }
    population = out_dir / "population"
    generate(
        SynthConfig.from_file(PROJECT_ROOT / "data" / "seeds" / "synth_config.json"), population
    )
    prints["synth"] = {p.name: _sha(p.read_bytes()) for p in sorted(population.iterdir())}

    frames = EnterpriseFrames.from_parquet_dir(population)
    as_of = infer_as_of(frames, population)
    scorer = Scorer.from_artifact()
    ruleset = default_ruleset()
    decided = decide_frames(frames=frames, as_of=as_of, scorer=scorer, ruleset=ruleset)
    prints["features"] = _frame_sha(decided.features.to_pandas())
    prints["scores"] = _frame_sha(decided.scores.to_pandas())
    prints["rules"] = _frame_sha(decided.rules.to_pandas())

    compiled = Scorer(scorer.artifact, compiled_cache=out_dir / "compiled")
    previous = pd.DataFrame({"enterprise_id": decided.features.ids, "previous_grade": "BBB"})
    chunk = ChunkInput(frames=frames, previous=previous, exposure=previous.iloc[:0])
    batch = score_chunk(chunk, as_of=as_of, scorer=compiled, ruleset=ruleset)
    prints["batch"] = _frame_sha(batch.results)
    pd_values = batch.results["pd"].to_numpy(np.float64)
    prints["batch_matches_api"] = bool(np.array_equal(pd_values, decided.scores.pd))
    prints["psi"] = psi(psi_baseline(pd_values), pd_values * 1.5).hex()
    prints["numerics"] = _sha(
        b"".join(
            f(np.linspace(-30.0, 30.0, 10_001)).tobytes()
            for f in (nm.exp, nm.sigmoid, lambda v: nm.log1p(np.abs(v)), lambda v: nm.log(v))
        )
    )

    engine = PipelineEngine(scorer=scorer, ruleset=ruleset, model_version=scorer.model_version)
    documents = [ApplicationDocument.model_validate(ROBOT_STARTUP)] + [
        ApplicationDocument.model_validate(d) for d in application_documents(population, limit=60)
    ]
    inputs = [DecisionInput(document=d, as_of=date(2026, 11, 30)) for d in documents]
    results = [r.decision for r in engine.decide(inputs)]
    prints["documents"] = _sha(
        json.dumps(
            results, sort_keys=True, default=lambda v: v.hex() if isinstance(v, float) else str(v)
        ).encode()
    )
    prints["pd_hex"] = [float(r["pd"]).hex() for r in results[:5]]
    return prints


if __name__ == "__main__":
    print(json.dumps(fingerprints(Path(sys.argv[1])), sort_keys=True))
