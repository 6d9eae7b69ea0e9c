"""The installed llama.cpp uses no instruction a virtual CPU may advertise but not execute.

A build for the build machine's native CPU died of SIGILL on this machine kind (`trap invalid opcode
... in libggml-cpu.so`: AVX-512/AMX listed in /proc/cpuinfo, not executable). Whatever the host CPU
of a test run, the installed libraries must hold no AVX-512 (zmm registers, opmasks, the upper 16
vector registers) and no AMX (tile) instruction; the baseline is AVX2.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None, reason="needs the `local` extra (llama-cpp-python)"
)

_AVX512_OR_AMX = re.compile(
    r"%zmm\d|\{%k[1-7]\}|%[xy]mm(1[6-9]|2\d|3[01])\b|%tmm\d|\b(tileloadd|tdpb[su]{2}d|tdpbf16ps|ldtilecfg)\b"
)


def _cpu_libraries() -> list[Path]:
    spec = importlib.util.find_spec("llama_cpp")
    assert spec is not None
    assert spec.origin is not None
    libraries = sorted((Path(spec.origin).parent / "lib").glob("libggml-cpu*.so*"))
    assert libraries, "llama_cpp ships no libggml-cpu library"
    return libraries


def test_the_cpu_backend_has_no_avx512_or_amx_instructions() -> None:
    objdump = shutil.which("objdump")
    assert objdump, "objdump (binutils) is needed to read the library"
    library = _cpu_libraries()[0].resolve()
    listing = subprocess.run(
        [objdump, "-d", "--no-show-raw-insn", str(library)], capture_output=True, text=True, check=True
    ).stdout
    offending = [line.strip() for line in listing.splitlines() if _AVX512_OR_AMX.search(line)]
    assert not offending, (
        f"{library.name} uses {len(offending)} AVX-512/AMX instructions, e.g. {offending[:3]}"
    )
    assert "%ymm" in listing, "no AVX2 code at all: the baseline flags were not applied"
