#!/usr/bin/env bash
# Sets up everything (see bootstrap.sh), then runs `sweagent run` with the given arguments.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bootstrap.sh
source "$root/scripts/bootstrap.sh" dev
exec sweagent run "$@"
