"""Stored and replayed figures have the same bits whatever the CPU's SIMD level and libm variant.

The probe (``tests/determinism_probe.py``) generates the committed seed population, decides it
through the API's path and the batch's, decides documents through the engine, and hashes every
figure. It runs here in subprocesses with each numpy dispatch level this machine has switched
off (``NPY_DISABLE_CPU_FEATURES``), with the C library's FMA/AVX2 variants switched off
(``GLIBC_TUNABLES``), and with both. No setting may change a fingerprint. Each setting must be
shown to have taken effect: numpy must report the switched-off features as off, the C library's
own exp/log/sin/pow must change under its setting, and numpy's exp/log must change once every
level is off. Not every level must change numpy's exp/log: a level with no kernels of its own for
them (AVX512_ICL, for instance) leaves them as they were.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

from industry_credit import numerics as nm

PROBE = Path(__file__).resolve().parents[1] / "determinism_probe.py"
GLIBC_FEATURES = ("AVX512F", "AVX2", "FMA")


def _settings() -> dict[str, dict[str, str]]:
    present = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]
    settings: dict[str, dict[str, str]] = {}
    for i, feature in enumerate(present):
        # A level switched off takes the levels above it with it.
        settings[f"numpy without {feature}"] = {"NPY_DISABLE_CPU_FEATURES": " ".join(present[i:])}
    if platform.machine() == "x86_64" and platform.libc_ver()[0] == "glibc":
        masked = ",".join(f"-{f}" for f in GLIBC_FEATURES)
        settings["libm without FMA/AVX2"] = {"GLIBC_TUNABLES": f"glibc.cpu.hwcaps={masked}"}
        if present:
            settings["both"] = {
                "GLIBC_TUNABLES": f"glibc.cpu.hwcaps={masked}",
                "NPY_DISABLE_CPU_FEATURES": " ".join(present),
            }
    return settings


def _start(tmp: Path, name: str, extra: dict[str, str]) -> subprocess.Popen[str]:
    out = tmp / name.replace(" ", "_").replace("/", "_")
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("NPY_DISABLE_CPU_FEATURES",)}
    env.pop("GLIBC_TUNABLES", None)
    return subprocess.Popen(
        [sys.executable, str(PROBE), str(out)],
        env={**env, **extra},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(proc: subprocess.Popen[str]) -> dict[str, Any]:
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    result: dict[str, Any] = json.loads(stdout)
    return result


@pytest.mark.slow
def test_figures_do_not_depend_on_simd_level_or_libm_variant(tmp_path: Path) -> None:
    settings = _settings()
    if not settings:
        pytest.skip(f"no SIMD level or libm variant can be switched off on {platform.machine()}")
    # Two at a time: the machines have two cores.
    names = ["default", *settings]
    results: dict[str, dict[str, Any]] = {}
    for i in range(0, len(names), 2):
        batch = names[i : i + 2]
        procs = {n: _start(tmp_path, n, settings.get(n, {})) for n in batch}
        results |= {n: _result(p) for n, p in procs.items()}
    default = results.pop("default")
    assert default["batch_matches_api"], "the batch's compiled trees must give the API's PDs"
    for name, got in results.items():
        switched_off = settings[name].get("NPY_DISABLE_CPU_FEATURES", "").split()
        still_on = set(switched_off) & set(got["cpu_features_on"])
        assert not still_on, f"{name}: numpy still reports {sorted(still_on)} on"
        if "GLIBC_TUNABLES" in settings[name]:
            assert got["canary_libm"] != default["canary_libm"], f"{name}: libm unchanged"
        differing = [
            k for k in default if not k.startswith(("canary", "cpu_")) and got[k] != default[k]
        ]
        assert not differing, f"{name} changed {differing}"
    numpy_settings = [n for n in results if n.startswith("numpy without")]
    if numpy_settings:
        assert any(results[n]["canary_numpy"] != default["canary_numpy"] for n in numpy_settings), (
            "no numpy setting changed numpy's own exp/log: the dispatch switch did not take effect"
        )


def test_numerics_match_decimal_to_about_an_ulp() -> None:
    """Accuracy, so that the deterministic functions are also right (decimal is exact here)."""
    from decimal import Decimal, localcontext

    rng = np.random.default_rng(3)
    xs = np.concatenate([rng.uniform(-700, 700, 400), rng.normal(0, 2, 400)])
    ys = np.concatenate([nm.exp(rng.uniform(-700, 700, 400)), rng.uniform(0.5, 2.0, 400)])
    small = np.concatenate([rng.normal(0, 1e-6, 200), rng.uniform(-0.9, 9.0, 200)])
    with localcontext() as ctx:
        ctx.prec = 40

        def ulps(got: np.ndarray, exact: list[Decimal]) -> float:
            worst = 0.0
            for g, e in zip(got, exact, strict=True):
                spacing = Decimal(float(np.spacing(abs(float(e)))))
                worst = max(worst, float(abs(Decimal(float(g)) - e) / spacing))
            return worst

        assert ulps(nm.exp(xs), [Decimal(float(x)).exp() for x in xs]) <= 0.51
        assert ulps(nm.log(ys), [Decimal(float(y)).ln() for y in ys]) <= 1.0
        assert ulps(nm.log1p(small), [(1 + Decimal(float(s))).ln() for s in small]) <= 3.0


def test_numerics_edge_values() -> None:
    np.testing.assert_array_equal(
        nm.exp([np.nan, np.inf, -np.inf, 1000.0, -1000.0, 0.0]),
        [np.nan, np.inf, 0.0, np.inf, 0.0, 1.0],
    )
    np.testing.assert_array_equal(
        nm.log([np.nan, np.inf, 0.0, -1.0, 1.0]), [np.nan, np.inf, -np.inf, np.nan, 0.0]
    )
    np.testing.assert_array_equal(nm.log1p([-1.0, -2.0, 0.0, 1e-20]), [-np.inf, np.nan, 0.0, 1e-20])
    np.testing.assert_array_equal(
        nm.power([0.0, 0.0, 4.0, -1.0], [2.0, 0.0, 0.5, 2.0]), [0, 1, 2, np.nan]
    )
    assert nm.exp(np.array([-745.0]))[0] == 5e-324
    assert nm.sigmoid(np.array([0.0]))[0] == 0.5
