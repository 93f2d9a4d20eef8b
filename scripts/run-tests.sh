#!/usr/bin/env bash
# Every check: lint, types, the suite on SQLite, then the suite on a real PostgreSQL server.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv/bin
# One command per line: under `set -e` a failure on the left of `&&` would not stop the script.
echo "== ruff"
"$VENV/ruff" check objectivity tests bench scripts
"$VENV/ruff" format --check -q objectivity tests bench scripts
echo "== mypy"; "$VENV/mypy" objectivity
echo "== translations"; "$VENV/python" scripts/check_translations.py
echo "== pytest on SQLite"; "$VENV/pytest" -q "$@"
echo "== pytest on PostgreSQL"; scripts/with-postgres.sh "$VENV/pytest" -q "$@"
