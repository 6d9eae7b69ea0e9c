"""`consensus` in real Docker: the candidate of the largest behaviour group wins, even over a smaller
diff that behaves differently; a chain `regression>consensus` reuses the stored evidence."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from docker import DockerClient

from sandbox.docker import DockerSandboxConfig
from sandbox.images import build_image
from sandbox.pool import SandboxPool
from sandbox.restore import PristineImage
from sweagent.execution.scripts import ScriptRunner
from sweagent.patches import candidate_id
from sweagent.records import Candidate, GenerationResult, Instance, Selection, TestScript
from sweagent.selection.commands import select_command
from sweagent.store import RunStore

pytestmark = pytest.mark.docker

TESTED_IMAGE = "sweagent-test-repo-tested:latest"
INSTANCE = Instance(instance_id="demo__calc-3", repo="demo/calc", base_commit="0" * 40, problem_statement="p")
TEST_FILE = """import unittest
from pkg.calc import add


class T(unittest.TestCase):
    def test_ints(self):
        self.assertEqual(add(1, 2), 3)

    def test_same(self):
        self.assertEqual(add(2, 2), 4)
"""
# The generated test: add(None, 1) must be 1 (exit 2 while the issue is present).
NONE_TEST = """import os, sys
sys.path.insert(0, os.getcwd())
from pkg.calc import add
try:
    sys.exit(0 if add(None, 1) == 1 else 2)
except TypeError:
    sys.exit(2)
"""
HEADER = "diff --git a/pkg/calc.py b/pkg/calc.py\n--- a/pkg/calc.py\n+++ b/pkg/calc.py\n"


def _patch(body: str, system: str) -> Candidate:
    text = f"{HEADER}@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a + b\n+    return {body}\n"
    return Candidate(id=candidate_id(text), patch=text, source=f"import:{system}", systems=(system,))


@pytest.fixture(scope="module")
def tested_image(docker_client: DockerClient, repo_image: str) -> str:
    encoded = base64.b64encode(TEST_FILE.encode()).decode()
    dockerfile = f"""
FROM {repo_image}
USER sandbox
RUN mkdir -p tests && echo {encoded} | base64 -d > tests/test_calc.py && git add -A && git commit -q -m tests
USER root
"""
    return build_image(docker_client, dockerfile, TESTED_IMAGE, kind="test")


def test_consensus_takes_the_largest_behaviour_group(
    docker_client: DockerClient, tested_image: str, tmp_path: Path
) -> None:
    # Three systems fix add(None, 1) in different words; a fourth, with the smallest diff, passes
    # the existing tests but not the generated one; two break the existing tests alike.
    majority = [
        _patch("(a or 0) + (b or 0)", "s1"),
        _patch("sum(x or 0 for x in (a, b))", "s2"),
        _patch("(0 if a is None else a) + (0 if b is None else b)", "s3"),
    ]
    loner = _patch("a + b  # ok", "s4")
    broken = [_patch("(a or 0) - (b or 0)", "s5"), _patch("(a or 0) - (b or 0) * 1", "s6")]
    store = RunStore(tmp_path)
    test = TestScript(id="t-none", content=NONE_TEST, source="testing-0")
    result = GenerationResult(
        instance_id=INSTANCE.instance_id, candidates=(loner, *broken, *majority), tests=(test,)
    )
    store.write(INSTANCE.instance_id, "candidates.json", result)
    store.write(INSTANCE.instance_id, "instance.json", INSTANCE)
    pristine = PristineImage(docker_client, tested_image)
    config = DockerSandboxConfig(image=tested_image)
    overrides = ["selection.regression_command=python3 -m unittest {tests}", "selection.top_k=4"]
    with SandboxPool(lambda: config.build(docker_client, pristine), size=2) as pool:

        @contextmanager
        def open_runner(instance: Instance) -> Iterator[ScriptRunner]:
            yield ScriptRunner(pool, timeout=60)

        assert select_command(tmp_path, "consensus", overrides=overrides, open_runner=open_runner) == 0
        evidence = store.path(INSTANCE.instance_id, "regression.json")
        stamp = evidence.stat().st_mtime_ns
        assert (
            select_command(tmp_path, "regression>consensus", overrides=overrides, open_runner=open_runner)
            == 0
        )
        assert evidence.stat().st_mtime_ns == stamp  # gathered once, read by the chain
    pristine.close()
    chosen = store.read(INSTANCE.instance_id, "selection/consensus.json", Selection)
    assert chosen.candidate_id in {c.id for c in majority}
    scores = chosen.scores
    assert scores[majority[1].id] == scores[majority[2].id] == scores[majority[0].id] > scores[loner.id]
    assert scores[loner.id] > max(scores[broken[0].id], scores[broken[1].id])
    chain = store.read(INSTANCE.instance_id, "selection/regression_consensus.json", Selection)
    assert chain.candidate_id in {c.id for c in majority}
