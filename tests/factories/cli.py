"""Running the installed command line as an operator would, for the tests of its refusals."""

from __future__ import annotations

import subprocess
import sys


def serve_refusal(env: dict[str, str], port: int) -> str:
    """``industry-credit serve`` with ``env``: it must exit 2 with exactly one line on stderr,
    which is returned."""
    proc = subprocess.run(
        [sys.executable, "-m", "industry_credit.cli", "serve", "--port", str(port)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    [line] = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    return line
