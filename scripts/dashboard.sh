#!/usr/bin/env bash
# Install what is needed (first run only) and start the dashboard on http://127.0.0.1:8501
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-venv.sh
exec .venv/bin/streamlit run app.py --server.address 127.0.0.1 "$@"
