"""Scripted TEST policy `scripted:gold`: an oracle that replays each instance's known gold patch.

It is not a solver and measures no model: it exists so the machinery (context, trajectories,
sandboxes, candidates, selection, evaluation) can be exercised end to end on real repositories
with a known-good answer. It reads the instance record (gold patch, test patch, FAIL_TO_PASS) from
the dataset named by the environment variable SWEAGENT_GOLD_DATASET (default `swe-mini`).

- relevance: a file is relevant exactly when the gold patch touches it;
- ranking: the gold patch's files;
- testing: a reproduction test that applies the instance's test patch and runs the FAIL_TO_PASS
  tests (exit 2 while they fail, 0 once they pass, 1 when the test patch does not apply), then
  approves it;
- editing: the gold patch as search/replace blocks, then approval;
- selection: the first candidate shown (its letter).
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from typing import Any

from unidiff import PatchSet

__all__ = ["edit_blocks", "reproduction_script", "respond"]

_CANDIDATE = re.compile(r"^### Candidate ([A-Z]+)$", re.MULTILINE)


@cache
def _record(instance_id: str) -> Any:
    from sweagent.datasets import load_dataset

    dataset = os.environ.get("SWEAGENT_GOLD_DATASET", "swe-mini")
    return load_dataset(dataset, instances=[instance_id]).get(instance_id)


def respond(messages: list[dict[str, str]], purpose: Any) -> str:
    """The oracle's reply for `purpose.stage`."""
    instance = _record(purpose.instance_id)
    files = [p.path for p in PatchSet(instance.patch or "")]
    if purpose.stage == "relevance":
        if purpose.file in files:
            return f"RELEVANCE: Relevant\nSUMMARY: the gold patch changes {purpose.file}."
        return "RELEVANCE: Not Relevant"
    if purpose.stage == "ranking":
        return "```json\n" + json.dumps(files) + "\n```"
    if purpose.stage == "selection":
        for message in reversed(messages):
            found = _CANDIDATE.search(message.get("content", ""))
            if found:
                return f"<choose>{found.group(1)}</choose>"
        return "<test>\nimport sys\nsys.exit(0)\n</test>"
    if purpose.turn > 0:
        return "<done/>"
    if purpose.stage == "testing":
        return f"<test>\n{reproduction_script(instance)}</test>"
    return f"<edit>\n{edit_blocks(instance.patch or '')}</edit>"


def edit_blocks(patch: str) -> str:
    """A unified diff as search/replace blocks: each hunk's old lines become its new lines."""
    blocks = []
    for patched in PatchSet(patch):
        if patched.is_removed_file:
            continue  # the edit format has no deletion; the oracle patches of swe-mini delete nothing
        for hunk in patched:
            old = "".join(line.value for line in hunk if not line.is_added)
            new = "".join(line.value for line in hunk if not line.is_removed)
            if patched.is_added_file:
                old = ""
            blocks.append(f"<<<<<<< SEARCH {patched.path}\n{old}=======\n{new}>>>>>>> REPLACE\n")
    return "".join(blocks)


def reproduction_script(instance: Any) -> str:
    """A standalone script: apply the test patch, run the FAIL_TO_PASS tests, exit 2 / 0 / 1."""
    tests = list(instance.FAIL_TO_PASS)
    test_files = sorted({p.path for p in PatchSet(instance.test_patch or "") if p.path.endswith(".py")})
    if instance.repo == "sympy/sympy":
        keywords = [arg for name in tests for arg in ("-k", name)]
        command = ["bin/test", "-C", "--verbose", *test_files, *keywords]
    else:
        command = ["-m", "pytest", "-q", "-p", "no:cacheprovider", *tests]
    return f"""import subprocess
import sys

TEST_PATCH = {instance.test_patch!r}
applied = subprocess.run(["git", "apply", "-"], input=TEST_PATCH, text=True)
if applied.returncode != 0:
    print("the test patch does not apply")
    sys.exit(1)
result = subprocess.run([sys.executable, *{command!r}])
print("tests exit code:", result.returncode)
sys.exit({{0: 0, 1: 2}}.get(result.returncode, 1))  # 1: the tests failed; anything else: a broken run
"""
