#!/usr/bin/env bash
# Set up a fresh machine and run the whole test suite: lint, format check, types, tests.
# Needs only Python 3.11 with pip. Installs Debian's chromium and CJK fonts for the browser
# tests when it can (root with apt-get); without them those tests skip and say how to install.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip==26.3
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"

if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium and fonts-noto-cjk for the browser tests"
    (apt-get -o DPkg::Lock::Timeout=300 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium fonts-noto-cjk >/dev/null) \
      || echo "could not install chromium; browser tests will skip"
  fi
fi

.venv/bin/ruff check src tests bench migrations
.venv/bin/ruff format --check src tests bench migrations
.venv/bin/mypy
.venv/bin/lint-imports --no-cache
# Test mode, named: without it every setting defaults to production (real key material).
export INDUSTRY_CREDIT_ENV=test
.venv/bin/python -m pytest -q "$@"
