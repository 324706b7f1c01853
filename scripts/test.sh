#!/usr/bin/env bash
# Install what is needed (first run only) and run the whole test suite, browser tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-venv.sh dev
.venv/bin/ruff check posture tests tools benchmarks app.py
.venv/bin/ruff format --check posture tests tools benchmarks app.py
exec .venv/bin/python -m pytest "$@"
