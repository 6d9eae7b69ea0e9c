"""`evaluate --repos-dir`: an instance is evaluated at its true base commit, not at the newest one.

The repository has two commits: the first (base_commit) where the gold patch resolves the
instance, and a later one that breaks `add()`, so that evaluating at the wrong commit fails the
PASS_TO_PASS test. Needs the environment images of `sweagent.environment` and PyPI for its build.
"""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from docker import DockerClient
from evaluation_image import TESTS, diff_of, write_files
from rich.console import Console

from sweagent.evaluation import GradingOptions, evaluate_command, read_results
from sweagent.records import Instance

pytestmark = [pytest.mark.docker, pytest.mark.network, pytest.mark.slow]
pytest.importorskip("sweagent.environment", reason="needs the environment images (branch `images`)")

INSTANCE_ID = "local__calc-repos-dir"
PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "calc"
version = "0.1"

[tool.setuptools]
packages = ["calc"]
"""
OPS = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a + b\n"
FILES = {
    "pyproject.toml": PYPROJECT,
    "requirements/dev.txt": "pytest>=7,<9\n",
    "calc/__init__.py": "",
    "calc/ops.py": OPS,
    "tests/test_ops.py": TESTS,
}


def _git(repo: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args]
    return subprocess.run(command, cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repos_dir(tmp_path: Path) -> tuple[Path, str]:
    """`repos/pallets/flask` with the base commit and a later commit that breaks add()."""
    repo = tmp_path / "repos" / "pallets" / "flask"
    write_files(repo, FILES)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    base = _git(repo, "rev-parse", "HEAD")
    write_files(repo, {"calc/ops.py": OPS.replace("return a + b\n\n\n", "return a * b\n\n\n", 1)})
    _git(repo, "commit", "-qam", "a later commit that breaks add")
    return tmp_path / "repos", base


@pytest.fixture
def instance_images(docker_client: DockerClient) -> Iterator[None]:
    yield
    for image in docker_client.images.list(filters={"label": f"sweagent.instance={INSTANCE_ID}"}):
        docker_client.images.remove(image.id, force=True)


def test_evaluation_uses_the_base_commit_from_repos_dir(
    docker_client: DockerClient,
    base_image: str,
    repos_dir: tuple[Path, str],
    instance_images: None,
    tmp_path: Path,
) -> None:
    root, base = repos_dir
    fixed = OPS.replace("a + b\n", "a - b\n").replace("a - b", "a + b", 1)
    instance = Instance(
        instance_id=INSTANCE_ID,
        repo="pallets/flask",  # a repository swebench has a spec (Python 3.11) and a pytest parser for
        version="2.3",
        base_commit=base,
        environment_setup_commit=base,
        problem_statement="sub() adds instead of subtracting",
        patch=diff_of({"calc/ops.py": fixed}, base=FILES),
        test_patch=diff_of(
            {
                "tests/test_ops.py": TESTS.replace("add\n", "add, sub\n")
                + "\n\ndef test_sub():\n    assert sub(5, 3) == 2\n"
            },
            base=FILES,
        ),
        FAIL_TO_PASS=["tests/test_ops.py::test_sub"],
        PASS_TO_PASS=["tests/test_ops.py::test_add"],
    )
    dataset = tmp_path / "dataset.jsonl"
    dataset.write_text(instance.model_dump_json() + "\n")
    predictions = tmp_path / "preds.jsonl"
    rows = [{"instance_id": INSTANCE_ID, "model_name_or_path": "gold", "model_patch": instance.patch}]
    predictions.write_text("".join(json.dumps(row) + "\n" for row in rows))
    err = io.StringIO()
    code = evaluate_command(
        predictions,
        str(dataset),
        tmp_path / "run",
        options=GradingOptions(
            repos_dir=root,
            client=docker_client,
            console=Console(file=err, width=200),
            out=Console(file=io.StringIO()),
        ),
    )
    entry = read_results(tmp_path / "run").instances[INSTANCE_ID]
    assert entry.status == "resolved", f"{entry.detail}\n{err.getvalue()}"
    assert entry.pass_to_pass.passed == 1  # add() is still right: the later commit did not leak in
    assert code == 0
