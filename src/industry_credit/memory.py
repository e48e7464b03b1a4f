"""Keep freed memory in the process for reuse, instead of handing it back to the kernel.

Scoring a large batch allocates and frees arrays of hundreds of MB many times over (a million
firms' monthly panel is 24M rows). glibc serves blocks over its mmap threshold with fresh
``mmap`` pages and unmaps them on ``free``, so every such array page-faults its memory in anew:
that cost seconds of kernel time per million-firm feature build (docs/model.md). With mmap
off, the trim threshold high and a single arena (worker threads included), freed blocks stay on
the heap and are reused.
The cost is that the process does not shrink after its peak, which suits a batch job; so only
the commands that build features for many firms (``rescore``, ``train``) and the benchmarks
apply it, where it was measured (docs/model.md).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

# mallopt(3) parameter numbers from glibc's <malloc.h>.
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_M_ARENA_MAX = -8
_TRIM_THRESHOLD = 2**31 - 1  # the largest value mallopt takes: never trim the heap top
SWITCH = "INDUSTRY_CREDIT_KEEP_FREED_MEMORY"


def keep_freed_memory() -> bool:
    """Apply the setting (glibc only; set INDUSTRY_CREDIT_KEEP_FREED_MEMORY=0 to opt out).
    Returns whether it is in effect."""
    if os.environ.get(SWITCH, "1") == "0":
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success. One arena: a worker thread's arena grows by mapping fresh
    # heaps and unmaps them when they empty, which is exactly the refaulting this avoids.
    settings = ((_M_MMAP_MAX, 0), (_M_TRIM_THRESHOLD, _TRIM_THRESHOLD), (_M_ARENA_MAX, 1))
    return all(bool(mallopt(param, value)) for param, value in settings)
