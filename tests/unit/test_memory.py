"""keep_freed_memory: a large array freed and allocated again reuses the heap (no new faults)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_PROBE = """
import resource, sys
import numpy as np
from industry_credit.memory import keep_freed_memory
applied = keep_freed_memory()
np.ones(2**23).sum()  # 64 MB, touched and freed
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
np.ones(2**23).sum()
print(int(applied), resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _probe(switch: str) -> tuple[bool, int]:
    env = {**os.environ, "INDUSTRY_CREDIT_KEEP_FREED_MEMORY": switch}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
    )
    applied, faults = done.stdout.split()
    return applied == "1", int(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc tuning")
def test_second_large_allocation_reuses_memory() -> None:
    applied, faults = _probe("1")
    off_applied, off_faults = _probe("0")
    assert applied
    assert not off_applied
    # Without the setting the 64 MB are mapped afresh: at least one fault per 2 MiB (huge)
    # page, 32 in all. With it they are reused from the heap: no faults but stray ones.
    assert off_faults >= 32
    assert faults < 16
