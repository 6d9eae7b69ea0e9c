#!/usr/bin/env bash
# Installs and starts what sweagent needs on a Debian machine, idempotently:
# docker.io (then dockerd in the background when no daemon answers), debootstrap, bubblewrap, chromium,
# docker-registry (the official-image tests run one on loopback),
# a virtual environment with the project (with the `local` extra, llama-cpp-python built for a portable
# x86-64 baseline: see llamacpp.sh), and the offline base image(s).
# Usage: source scripts/bootstrap.sh [EXTRAS]   (EXTRAS defaults to "dev")
set -euo pipefail
extras=${1:-dev}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${SWEAGENT_VENV:-$root/.venv}
log=${SWEAGENT_LOG_DIR:-/tmp/sweagent-bootstrap}
mkdir -p "$log"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v bwrap >/dev/null || need+=(bubblewrap)
command -v chromium >/dev/null || need+=(chromium)  # headless, for the report.html rendering test
command -v docker-registry >/dev/null || need+=(docker-registry)  # Registry v2 on loopback, for the official-image tests
if [ ${#need[@]} -gt 0 ]; then
  echo "bootstrap: installing ${need[*]}" >&2
  $sudo apt-get update -qq >"$log/apt.log" 2>&1
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >>"$log/apt.log" 2>&1 \
    || { echo "bootstrap: apt-get install failed; see $log/apt.log" >&2; tail -20 "$log/apt.log" >&2; exit 1; }
fi

# The client on PATH may be newer than the engine; the SDK negotiates, and so does the CLI.
if ! docker info >/dev/null 2>&1; then
  echo "bootstrap: starting dockerd (log: $log/dockerd.log)" >&2
  $sudo sh -c "nohup dockerd >'$log/dockerd.log' 2>&1 &"
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "bootstrap: dockerd did not start; see $log/dockerd.log" >&2; tail -20 "$log/dockerd.log" >&2; exit 1; }
fi

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if [[ ",$extras," == *",local,"* ]]; then
  # shellcheck source=llamacpp.sh
  source "$root/scripts/llamacpp.sh"
  install_llamacpp "$venv" "$log"
fi
echo "bootstrap: installing the project into $venv" >&2
"$venv/bin/pip" install -q -e "$root[$extras]" >"$log/pip.log" 2>&1 \
  || { echo "bootstrap: pip install failed; see $log/pip.log" >&2; tail -20 "$log/pip.log" >&2; exit 1; }

echo "bootstrap: ensuring base images" >&2
"$venv/bin/python" -m sandbox.images ensure-base
export PATH="$venv/bin:$PATH"
