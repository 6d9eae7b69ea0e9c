"""Pool reset versus a fresh container per execution, on the sympy source tree (~1,800 files).

Each round runs one execution that edits a few files, adds one and deletes one, then gets a
pristine sandbox again: by `reset()` of the pooled container, or by removing it and starting a new
one. Both are measured side by side in one run; the last line is `ratio: <fresh/pool>`.

    python bench/sandbox_acquire.py [--rounds 15] [--sympy-version 1.12]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from sandbox.docker import DockerSandbox, DockerSandboxConfig
from sandbox.engine import connect
from sandbox.images import base_tag, build_image, ensure_base

EDIT = (
    "echo '# edited' >> sympy/core/add.py && echo '# edited' >> sympy/core/mul.py"
    " && sed -i 's/^/ /' sympy/abc.py && printf 'x = 1\\n' > sympy/new_module.py"
    " && rm sympy/core/power.py && python3 -c 'import sys' "
)


def sympy_repo(version: str, cache: Path) -> Path:
    """The sympy sdist from PyPI, unpacked and committed to a fresh git repository (cached)."""
    repo = cache / f"sympy-{version}"
    if (repo / ".git").is_dir():
        return repo
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-binary",
            ":all:",
            "--no-deps",
            f"sympy=={version}",
            "-d",
            str(cache),
        ],
        check=True,
    )
    sdist = next(cache.glob(f"sympy-{version}.tar.gz"))
    with tarfile.open(sdist) as tar:
        tar.extractall(cache, filter="data")
    git = ["git", "-C", str(repo), "-c", "user.name=bench", "-c", "user.email=bench@invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", f"sympy {version} sdist"], check=True)
    return repo


def sympy_image(repo: Path, tag: str) -> str:
    """An image of the base with the repository at /testbed, owned by the sandbox user."""
    client = connect()
    try:
        ensure_base(client)
        dockerfile = f"FROM {base_tag()}\nCOPY --chown=1000:1000 repo /testbed\n"
        return build_image(client, dockerfile, tag, kind="bench", context={"repo": repo})
    finally:
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--sympy-version", default="1.12")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "sweagent-bench")
    args = parser.parse_args()
    repo = sympy_repo(args.sympy_version, args.cache)
    files = int(
        subprocess.run(["git", "-C", str(repo), "ls-files"], capture_output=True, text=True).stdout.count(
            "\n"
        )
    )
    tag = "sweagent-bench-sympy:latest"
    sympy_image(repo, tag)
    config = DockerSandboxConfig(image=tag)
    print(
        f"repository: sympy {args.sympy_version} sdist, {files} files; rounds: {args.rounds}", file=sys.stderr
    )

    pool_times: list[float] = []
    fresh_times: list[float] = []
    pooled = config.build()
    fresh: DockerSandbox = config.build()
    try:
        for _ in range(args.rounds):
            for sandbox, times, how in ((pooled, pool_times, "pool"), (fresh, fresh_times, "fresh")):
                edit = sandbox.exec(EDIT, timeout=60)
                if not edit.ok:
                    sys.exit(f"the edit failed: {edit}")
                started = time.perf_counter()
                if how == "pool":
                    sandbox.reset()
                else:
                    sandbox.close()
                    sandbox = fresh = config.build()
                times.append(time.perf_counter() - started)
            if pooled.diff() != "":
                sys.exit("reset left changes behind")
    finally:
        pooled.close()
        fresh.close()
    pool, new = statistics.median(pool_times), statistics.median(fresh_times)
    print(f"pool reset median:      {pool:.3f} s (min {min(pool_times):.3f}, max {max(pool_times):.3f})")
    print(f"fresh container median: {new:.3f} s (min {min(fresh_times):.3f}, max {max(fresh_times):.3f})")
    print(f"ratio: {new / pool:.2f}")


if __name__ == "__main__":
    main()
