#!/usr/bin/env bash
# The main job on a fresh Debian machine. Sets up everything (see bootstrap.sh), then:
#  - with arguments: `sweagent run ARGS...`;
#  - without: the bundled defaults: the swe-mini benchmark in the Docker sandbox, against the
#    packaged gemma-3-270m model served by llama.cpp on the CPU. That model is far too small to
#    resolve anything; it runs the whole machinery (context, trajectories, selection, evaluation,
#    report) on a laptop. For real results serve a real model (README: "A GPU run with vLLM").
#    The server is checked with one completion before the run, and watched during it: if it dies,
#    the run is stopped at once (exit code 3) with the server's last log lines.
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

server_died() {  # $1: when it happened
  echo "run: the model server exited $1; the last lines of $log:" >&2
  tail -n 25 "$log" | sed 's/^/  | /' >&2
  if dmesg 2>/dev/null | tail -n 50 | grep -q "invalid opcode"; then
    echo "run: the kernel logged an invalid opcode: llama.cpp was built for another CPU." \
      "Rebuild it portably: rm .venv/.llama-cpp-build; bash scripts/run.sh" >&2
  fi
}

for _ in $(seq 1 300); do
  model=$(python - "$url" <<'PY' 2>/dev/null || true
import json, sys, urllib.request
print(json.load(urllib.request.urlopen(sys.argv[1] + "/models", timeout=2))["data"][0]["id"])
PY
)
  [ -n "$model" ] && break
  kill -0 "$server" 2>/dev/null || { server_died "before it answered"; exit 1; }
  sleep 1
done
[ -n "${model:-}" ] || { echo "run: the model server did not answer; see $log" >&2; exit 1; }

# Listing the model is not generating: a build for the wrong CPU dies on the first completion.
echo "run: asking $model for one short completion" >&2
if ! python - "$url" "$model" <<'PY' >&2
import json, sys, urllib.request
body = {"model": sys.argv[2], "messages": [{"role": "user", "content": "Say OK."}], "max_tokens": 4}
request = urllib.request.Request(
    sys.argv[1] + "/chat/completions", json.dumps(body).encode(), {"Content-Type": "application/json"}
)
reply = json.load(urllib.request.urlopen(request, timeout=120))
print("run: the model answered", repr(reply["choices"][0]["message"]["content"]))
PY
then
  if kill -0 "$server" 2>/dev/null; then
    echo "run: the model server did not complete a chat request; the last lines of $log:" >&2
    tail -n 25 "$log" | sed 's/^/  | /' >&2
  else
    server_died "on its first completion"
  fi
  exit 1
fi

run_dir="runs/quickstart-$(date +%Y%m%d-%H%M%S)"
# The tiny model's window is 8k tokens: a small BM25 context, short replies, few samples.
sweagent run --dataset swe-mini --model "$model" --base-url "$url" \
  --samples 2 --iterations 2 --run-dir "$run_dir" \
  -o context.provider=bm25 -o context.budget_tokens=2000 -o models.primary.max_tokens=512 \
  -o generation.observation_chars=1500 -o selection.selector=vote \
  -o models.primary.guided=true &
runner=$!
# Watch the server while the run works: when it dies, stop the run now (not after the endpoint's
# retry budget) and say why.
status=""
while kill -0 "$runner" 2>/dev/null; do
  if ! kill -0 "$server" 2>/dev/null; then
    server_died "during the run"
    echo "run: stopping the run; the same command continues it later" >&2
    kill -TERM "$runner" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$runner" 2>/dev/null || break; sleep 1; done
    kill -KILL "$runner" 2>/dev/null || true
    wait "$runner" 2>/dev/null || true
    status=3
    break
  fi
  sleep 2
done
if [ -z "$status" ]; then
  status=0
  wait "$runner" || status=$?
fi
echo "run: finished with exit code $status; see $run_dir (report.md, report.html, run.log)" >&2
exit "$status"
