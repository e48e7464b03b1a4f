"""``python -m bench [--size N] [--only NAME ...]`` runs every benchmark module's ``run(size)``.

Each module ``bench/bench_*.py`` exposes ``run(size: int) -> list[dict]``. ``--size`` keeps CI
fast (e.g. 2000); the issue-sized runs use 100000 and 1000000.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import traceback
from pathlib import Path

# The benches run throw-away databases with test tokens, never a production deployment: name the
# mode, as the test command does, so that settings do not ask for production key material.
os.environ.setdefault("INDUSTRY_CREDIT_ENV", "test")

from industry_credit.memory import keep_freed_memory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--size", type=int, default=100_000, help="enterprises/rows per benchmark")
    parser.add_argument("--only", nargs="*", default=None, help="module names, e.g. bench_model")
    args = parser.parse_args(argv)
    # The process setting every ``industry-credit`` command makes (see industry_credit.memory),
    # so in-process figures are those of the CLI; the baselines run in the same process.
    keep_freed_memory()
    names = sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    if args.only:
        names = [n for n in names if n in args.only]
    failed = []
    for name in names:
        print(f"# {name} (size {args.size})", flush=True)
        try:
            importlib.import_module(f"bench.{name}").run(args.size)
        except Exception:
            traceback.print_exc()
            failed.append(name)
    if failed:
        print(f"# failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
