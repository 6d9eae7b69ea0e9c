"""The `regression` selector runs the repository's existing tests of the touched module on each candidate.

The image adds `tests/test_calc.py` (unittest) to the tiny repository of `repo_image`.
"""

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
from sweagent.records import Candidate, GenerationResult, Instance, Selection
from sweagent.selection.commands import select_command
from sweagent.selection.regression import RegressionResults
from sweagent.store import RunStore

pytestmark = pytest.mark.docker

TESTED_IMAGE = "sweagent-test-repo-tested:latest"
INSTANCE = Instance(instance_id="demo__calc-2", repo="demo/calc", base_commit="0" * 40, problem_statement="p")
TEST_FILE = """import unittest
from pkg.calc import add


class T(unittest.TestCase):
    def test_ints(self):
        self.assertEqual(add(1, 2), 3)

    def test_same(self):
        self.assertEqual(add(2, 2), 4)
"""
HEADER = "diff --git a/pkg/calc.py b/pkg/calc.py\n--- a/pkg/calc.py\n+++ b/pkg/calc.py\n"


def _patch(body: str) -> Candidate:
    text = f"{HEADER}@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a + b\n+    return {body}\n"
    return Candidate(id=candidate_id(text), patch=text, source="editing-0")


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


def test_regression_keeps_the_candidate_that_breaks_no_existing_test(
    docker_client: DockerClient, tested_image: str, tmp_path: Path
) -> None:
    good, off_by_one, broken = _patch("(a or 0) + (b or 0)"), _patch("(a or 0) + (b or 0) + 1"), _patch("a +")
    store = RunStore(tmp_path)
    result = GenerationResult(
        instance_id=INSTANCE.instance_id, candidates=(off_by_one, broken, good), tests=()
    )
    store.write(INSTANCE.instance_id, "candidates.json", result)
    store.write(INSTANCE.instance_id, "instance.json", INSTANCE)
    pristine = PristineImage(docker_client, tested_image)
    config = DockerSandboxConfig(image=tested_image)
    with SandboxPool(lambda: config.build(docker_client, pristine), size=2) as pool:

        @contextmanager
        def open_runner(instance: Instance) -> Iterator[ScriptRunner]:
            yield ScriptRunner(pool, timeout=60)

        overrides = ["selection.regression_command=python3 -m unittest {tests}"]
        assert select_command(tmp_path, "regression", overrides=overrides, open_runner=open_runner) == 0
    pristine.close()
    selection = store.read(INSTANCE.instance_id, "selection/regression.json", Selection)
    assert selection.candidate_id == good.id
    runs = store.read(INSTANCE.instance_id, "regression.json", RegressionResults).runs
    assert (runs["original"].passed, runs["original"].failed) == (2, 0)
    assert runs["original"].tests == ("tests/test_calc.py",)
    assert (runs[good.id].passed, runs[good.id].failed) == (2, 0)
    assert (runs[off_by_one.id].passed, runs[off_by_one.id].failed) == (0, 2)
    assert runs[broken.id].exit_code not in (0, None)
