#!/usr/bin/env bash
# llama-cpp-python for the `local` extra, built so that it runs on any x86-64 CPU of this machine kind.
#
# Its default build compiles ggml with -march=native, and a virtual CPU may advertise instructions
# (AVX-512, AMX) that it does not execute: the server then dies of SIGILL ("trap invalid opcode ...
# in libggml-cpu.so") on its first completion. Runtime feature detection reads the same advertised
# flags, so the portable build turns native detection off and names its baseline: AVX2, FMA, F16C and
# BMI2 on; AVX-512 and AMX off. SWEAGENT_LLAMACPP_BUILD=native opts into the native build.
#
# The wheel is built once into ~/.cache/sweagent/llama-cpp/<version>-<flavour>/ and installed from
# there; the venv records what it holds in .llama-cpp-build, so a venv with another build is fixed.
# Usage: source scripts/llamacpp.sh; install_llamacpp VENV LOG_DIR

LLAMACPP_VERSION=${SWEAGENT_LLAMACPP_VERSION:-0.3.36}
LLAMACPP_PORTABLE_FLAGS="-DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_BMI2=ON \
-DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX_VNNI=OFF -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF \
-DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"

install_llamacpp() {
  local venv=$1 log=$2
  local flavour=${SWEAGENT_LLAMACPP_BUILD:-portable}
  local flags
  case "$flavour" in
    portable) flags=$LLAMACPP_PORTABLE_FLAGS ;;
    native) flags="-DGGML_NATIVE=ON" ;;
    *) echo "bootstrap: SWEAGENT_LLAMACPP_BUILD must be portable or native, not '$flavour'" >&2; return 1 ;;
  esac
  local want="$LLAMACPP_VERSION-$flavour"
  if [ "$(cat "$venv/.llama-cpp-build" 2>/dev/null || true)" = "$want" ] \
    && "$venv/bin/python" -c "import llama_cpp" 2>/dev/null; then
    return 0
  fi
  local cache=${XDG_CACHE_HOME:-$HOME/.cache}/sweagent/llama-cpp/$want
  local wheel
  wheel=$(ls "$cache"/llama_cpp_python-*.whl 2>/dev/null | head -1 || true)
  if [ -z "$wheel" ]; then
    echo "bootstrap: building llama-cpp-python $LLAMACPP_VERSION ($flavour CPU flags; 5-10 minutes; log: $log/llamacpp-build.log)" >&2
    rm -rf "$cache.partial" && mkdir -p "$cache.partial"
    CMAKE_ARGS="$flags" "$venv/bin/pip" wheel --no-deps --no-cache-dir --no-binary llama-cpp-python \
      -w "$cache.partial" "llama-cpp-python==$LLAMACPP_VERSION" >"$log/llamacpp-build.log" 2>&1 \
      || { echo "bootstrap: building llama-cpp-python failed; see $log/llamacpp-build.log" >&2
           tail -20 "$log/llamacpp-build.log" >&2; return 1; }
    rm -rf "$cache" && mv "$cache.partial" "$cache"
    wheel=$(ls "$cache"/llama_cpp_python-*.whl | head -1)
  fi
  echo "bootstrap: installing llama-cpp-python ($want) from $wheel" >&2
  "$venv/bin/pip" uninstall -q -y llama-cpp-python >/dev/null 2>&1 || true
  "$venv/bin/pip" install -q --no-cache-dir "$wheel[server]" >>"$log/pip.log" 2>&1 \
    || { echo "bootstrap: installing $wheel failed; see $log/pip.log" >&2; tail -20 "$log/pip.log" >&2; return 1; }
  echo "$want" >"$venv/.llama-cpp-build"
}
