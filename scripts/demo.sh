#!/usr/bin/env bash
# Set up a fresh machine and run the service with demo data on the embedded PostgreSQL.
# Ends serving http://127.0.0.1:8000 (GET /healthz); Ctrl-C stops the service and the database.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip==26.3
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
# Demo mode, named: the marked demo secret and sign-in by username exist only here.
export INDUSTRY_CREDIT_ENV=demo
exec .venv/bin/industry-credit demo "$@"
