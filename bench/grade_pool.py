"""Grade 20 candidates of one instance in fresh containers, then in one pooled sandbox (not in CI).

Run: `PYTHONPATH=.:tests/integration python bench/grade_pool.py`. Last line: `ratio: <fresh / pooled>`.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from evaluation_image import SETUP_COMMANDS, TEST_COMMAND, build_eval_image, make_instance, patches

from sandbox.engine import connect
from sandbox.images import ensure_base
from sweagent.evaluation.harness import SandboxOpener, evaluate_instance
from sweagent.evaluation.runner import pooled_sandboxes

CANDIDATES = 20


def main() -> None:
    client = connect()
    ensure_base(client)
    with tempfile.TemporaryDirectory() as scratch:
        image = build_eval_image(client, Path(scratch))
    p = patches()
    pool = [p.gold, "", p.not_applying, p.forging, p.gold_editing_tests]
    candidates = [pool[i % len(pool)] for i in range(CANDIDATES)]
    instance = make_instance()

    def grade_all(opener: SandboxOpener | None) -> list[str]:
        return [
            evaluate_instance(
                instance,
                patch,
                image=image,
                test_cmd=TEST_COMMAND,
                setup_cmds=SETUP_COMMANDS,
                client=client,
                timeout=120,
                open_sandbox=opener,
            ).status
            for patch in candidates
        ]

    start = time.perf_counter()
    fresh = grade_all(None)
    fresh_s = time.perf_counter() - start
    start = time.perf_counter()
    with pooled_sandboxes(image, client=client, timeout=120) as opener:
        pooled = grade_all(opener)
    pooled_s = time.perf_counter() - start
    print(f"candidates: {CANDIDATES}")
    print(f"fresh:  {fresh_s:.1f} s ({fresh_s / CANDIDATES:.2f} s each)")
    print(f"pooled: {pooled_s:.1f} s ({pooled_s / CANDIDATES:.2f} s each)")
    print(f"same statuses: {fresh == pooled}")
    print(f"ratio: {fresh_s / pooled_s:.2f}")


if __name__ == "__main__":
    main()
