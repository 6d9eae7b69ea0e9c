"""The pooled, deduplicated test matrix versus one fresh container per (test, candidate) pair.

10 candidates (several the same change with blanks at line ends or other hunk headers, as
independent samples produce them) x 10 reproduction tests (two repeated), plus the original
code. Pooled: unique candidates x unique tests, one pooled sandbox per row (one reset), rows in
parallel. Naive: every (test, candidate) pair as written, each in a new container. Both run with the
same parallelism, side by side in one run, and must agree; the last line is `ratio: <naive/pooled>`.

    python bench/test_matrix.py [--parallel 2]
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from sandbox.docker import DockerSandboxConfig
from sandbox.engine import connect
from sandbox.images import base_tag, build_image, ensure_base
from sandbox.pool import SandboxPool
from sandbox.restore import PristineImage
from sweagent.execution.scripts import SCRIPT_PATH
from sweagent.execution.test_matrix import ORIGINAL, TestMatrixRunner, outcome_of, unique_candidates
from sweagent.patches import candidate_id
from sweagent.records import Candidate, TestMatrix, TestOutcome, TestScript, content_id

IMAGE = "sweagent-bench-matrix:latest"
DOCKERFILE = f"""
FROM {base_tag()}
USER sandbox
RUN git init -q . && mkdir -p pkg && printf 'def add(a, b):\\n    return a + b\\n' > pkg/calc.py \\
 && printf 'def scale(a, k):\\n    return a * k\\n' > pkg/ops.py \\
 && printf 'hello\\n' > README.md && git add -A && git commit -q -m base
USER root
"""
HEADER = "diff --git a/pkg/calc.py b/pkg/calc.py\n--- a/pkg/calc.py\n+++ b/pkg/calc.py\n"
OPS = "diff --git a/pkg/ops.py b/pkg/ops.py\n--- a/pkg/ops.py\n+++ b/pkg/ops.py\n"


def _calc(body: str, context: str = "") -> str:
    return f"{HEADER}@@ -1,2 +1,2 @@{context}\n def add(a, b):\n-    return a + b\n+    return {body}\n"


def candidates() -> list[Candidate]:
    """10 samples, 5 distinct changes: the common fix written four ways, another twice, three singles."""
    fix = "(a or 0) + (b or 0)"
    ops = f"{OPS}@@ -1,2 +1,2 @@\n def scale(a, k):\n-    return a * k\n+    return (a or 0) * k\n"
    patches = [
        _calc(fix),
        _calc(fix + "  "),
        _calc(fix, " def add(a, b):"),
        _calc(fix + "\t"),
        _calc("(a if a is not None else 0) + (b if b is not None else 0)"),
        _calc("(a if a is not None else 0) + (b if b is not None else 0) "),
        _calc("(a or 5) + (b or 0)"),
        _calc("a +"),
        _calc(fix) + ops,
        ops + _calc(fix + " "),
    ]
    return [Candidate(id=content_id(p), patch=p, source=f"editing-{i}") for i, p in enumerate(patches)]


def tests() -> list[TestScript]:
    """10 tests: eight checks of add(None, x) and add(x, None), two of them repeated."""
    template = (
        "import os, sys\nsys.path.insert(0, os.getcwd())\nfrom pkg.calc import add\n"
        "try:\n    value = {call}\nexcept TypeError:\n    sys.exit(2)\n"
        "sys.exit(0 if value == {want} else 2)\n"
    )
    calls = [(f"add(None, {x})", x) for x in range(4)] + [(f"add({x}, None)", x) for x in range(4)]
    scripts = [template.format(call=call, want=want) for call, want in calls]
    scripts += scripts[:2]
    return [TestScript(id=f"t{i}", content=s, source=f"testing-{i}") for i, s in enumerate(scripts)]


def naive(config: DockerSandboxConfig, pairs: list[tuple[str, str, TestScript]], parallel: int) -> dict:
    """Every (row, test) pair in a new container; returns outcomes by (row id, test content id)."""
    client = connect()
    pristine = PristineImage(client, config.image)

    def one(pair: tuple[str, str, TestScript]) -> tuple[str, str, TestOutcome]:
        row, patch, test = pair
        box = config.build(client, pristine)
        try:
            if patch and box.apply_patch(patch).exit_code != 0:
                return row, content_id(test.content), "broken"
            box.write_file(SCRIPT_PATH, test.content)
            result = box.exec(f"python3 {shlex.quote(SCRIPT_PATH)}", timeout=60)
            cell = outcome_of(result.exit_code, timed_out=result.timed_out, infra_error=result.infra_error)
            return row, content_id(test.content), cell
        finally:
            box.close()

    try:
        with ThreadPoolExecutor(parallel) as workers:
            return {(row, tid): cell for row, tid, cell in workers.map(one, pairs)}
    finally:
        pristine.close()
        client.close()


def pooled(config: DockerSandboxConfig, parallel: int) -> tuple[TestMatrix, TestMatrixRunner]:
    client = connect()
    pristine = PristineImage(client, config.image)
    try:
        with SandboxPool(lambda: config.build(client, pristine), size=parallel) as pool:
            runner = TestMatrixRunner(pool, timeout=60, concurrency=parallel)
            return asyncio.run(runner.complete(candidates(), tests())), runner
    finally:
        pristine.close()
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parallel", type=int, default=2, help="sandboxes at once, for both ways")
    args = parser.parse_args()
    client = connect()
    try:
        ensure_base(client)
        build_image(client, DOCKERFILE, IMAGE, kind="bench")
    finally:
        client.close()
    config = DockerSandboxConfig(image=IMAGE)
    all_candidates, all_tests = candidates(), tests()
    print("image: a tiny two-module repository built here (swe-mini instance images are not available here)")
    unique = unique_candidates(all_candidates)
    print(f"candidates: {len(all_candidates)} ({len(unique)} unique); tests: {len(all_tests)}")

    started = time.perf_counter()
    matrix, runner = pooled(config, args.parallel)
    pooled_time = time.perf_counter() - started
    print(f"pooled: {runner.executions} executions in {runner.rows} sandbox rows, {pooled_time:.2f} s")

    rows = [(ORIGINAL, "")] + [(c.id, c.patch) for c in all_candidates]
    pairs = [(row, patch, test) for row, patch in rows for test in all_tests]
    started = time.perf_counter()
    cells = naive(config, pairs, args.parallel)
    naive_time = time.perf_counter() - started
    print(f"naive:  {len(pairs)} executions in {len(pairs)} fresh containers, {naive_time:.2f} s")

    # The two must agree: each naive cell equals the pooled cell of its deduplicated row and test.
    row_of = {c.id: candidate_id(c.patch) for c in all_candidates}
    pooled_row = {candidate_id(c.patch): c.id for c in unique}
    test_of = {content_id(t.content): t.id for t in all_tests if t.id in matrix.tests}
    for (row, tid), cell in cells.items():
        key = ORIGINAL if row == ORIGINAL else pooled_row[row_of[row]]
        if matrix.outcomes[key][test_of[tid]] != cell:
            sys.exit(
                f"disagreement on ({row}, {tid}): naive {cell}, pooled {matrix.outcomes[key][test_of[tid]]}"
            )
    print("outcomes agree")
    print(f"ratio: {naive_time / pooled_time:.2f}")


if __name__ == "__main__":
    main()
