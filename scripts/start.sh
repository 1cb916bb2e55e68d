#!/usr/bin/env bash
# Sets everything up, then starts the web coach on http://127.0.0.1:8000 (journal in SQLite).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/backcoach serve "$@"
