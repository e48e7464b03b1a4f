"""The booster's trees compiled to native code with lleaves (LLVM), an optional predictor.

The compiled forest returns the raw margin, the same bits as ``Booster.predict(raw_score=True)``
(tested): all trees are compiled into one block, so that each row's leaf values are added in
tree order, as LightGBM adds them. lleaves' default blocks of 34 trees add the blocks' partial
sums instead, which differs in the last bits. Only comparisons and additions remain, so the code
the CPU-tuned compiler emits cannot change the bits either. Its speed is in ``docs/``.

Compiling takes about a second, so the object code is cached per model version, lleaves version
and host CPU (the code is tuned to the CPU it was compiled on); a cache file is written under a
temporary name and renamed into place, so a concurrent process never loads a half-written one.
"""

from __future__ import annotations

import os
import tempfile
from importlib.metadata import version
from pathlib import Path

import numpy as np


class CompiledForest:
    """Raw margins (as ``Booster.predict(raw_score=True)``) from compiled trees."""

    def __init__(self, model_text: str, model_version: str, cache_dir: Path):
        import lleaves
        import llvmlite.binding as llvm

        cache_dir.mkdir(parents=True, exist_ok=True)
        cpu = llvm.get_host_cpu_name()
        cache = cache_dir / f"{model_version}-margin-lleaves{version('lleaves')}-{cpu}.o"
        with tempfile.TemporaryDirectory() as tmp:
            model_file = Path(tmp) / "model.txt"
            model_file.write_text(model_text)
            self._model = lleaves.Model(model_file=str(model_file))
            options = {"raw_score": True, "fblocksize": max(1, self._model.num_trees())}
            if cache.is_file():
                self._model.compile(cache=str(cache), **options)
            else:
                # Same directory as the target, so the rename cannot cross file systems.
                fresh = cache_dir / f".{cache.name}.{os.getpid()}.partial"
                try:
                    self._model.compile(cache=str(fresh), **options)
                    os.replace(fresh, cache)
                finally:
                    fresh.unlink(missing_ok=True)

    def predict(self, x: np.ndarray, num_threads: int) -> np.ndarray:
        return np.asarray(self._model.predict(x, n_jobs=num_threads), dtype=np.float64)
