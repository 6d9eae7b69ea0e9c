#!/usr/bin/env bash
# Sets up everything (see bootstrap.sh), then runs the linters, the type checker, the import contracts
# (lint-imports, configured in pyproject.toml) and the tests.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=bootstrap.sh
source scripts/bootstrap.sh dev,local,ray
ruff check .
ruff format --check .
mypy
lint-imports
pytest "$@"
