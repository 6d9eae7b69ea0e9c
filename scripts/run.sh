#!/usr/bin/env bash
# The main job on a fresh Debian machine. Sets up everything (see bootstrap.sh), then:
#  - with arguments: `sweagent run ARGS...`;
#  - without: the bundled defaults: the swe-mini benchmark in the Docker sandbox, against the
#    packaged gemma-3-270m model served by llama.cpp on the CPU. That model is far too small to
#    resolve anything; it runs the whole machinery (context, trajectories, selection, evaluation,
#    report) on a laptop. For real results serve a real model (README: "A GPU run with vLLM").
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bootstrap.sh
source "$root/scripts/bootstrap.sh" dev,local
cd "$root"
if [ $# -gt 0 ]; then
  exec sweagent run "$@"
fi

port=${SWEAGENT_LLAMACPP_PORT:-8089}
url="http://127.0.0.1:$port/v1"
log=${SWEAGENT_LOG_DIR:-/tmp/sweagent-bootstrap}/llamacpp.log
echo "run: starting llama.cpp with the packaged gemma-3-270m on port $port (log: $log)" >&2
sweagent serve llamacpp --port "$port" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  model=$(python - "$url" <<'EOF' 2>/dev/null || true
import json, sys, urllib.request
print(json.load(urllib.request.urlopen(sys.argv[1] + "/models", timeout=2))["data"][0]["id"])
EOF
)
  [ -n "$model" ] && break
  kill -0 "$server" 2>/dev/null || { echo "run: the model server stopped; see $log" >&2; exit 1; }
  sleep 1
done
[ -n "${model:-}" ] || { echo "run: the model server did not answer; see $log" >&2; exit 1; }

run_dir="runs/quickstart-$(date +%Y%m%d-%H%M%S)"
# The tiny model's window is 8k tokens: a small BM25 context, short replies, few samples.
status=0
sweagent run --dataset swe-mini --model "$model" --base-url "$url" \
  --samples 2 --iterations 2 --run-dir "$run_dir" \
  -o context.provider=bm25 -o context.budget_tokens=2000 -o models.primary.max_tokens=512 \
  -o generation.observation_chars=1500 -o selection.selector=vote \
  -o models.primary.guided=true || status=$?
echo "run: finished with exit code $status; see $run_dir/report.md and $run_dir/report.html" >&2
exit "$status"
