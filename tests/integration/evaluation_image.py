"""A tiny SWE-bench-shaped instance for the evaluation tests: a git repository at /testbed whose
`sub()` is wrong, pytest in a venv, and real `git diff` patches that fix and test it."""

from __future__ import annotations

import functools
import subprocess
import tempfile
from pathlib import Path

from docker import DockerClient

from sandbox.images import base_tag, build_image
from sweagent.records import Instance

__all__ = [
    "EVAL_IMAGE",
    "SETUP_COMMANDS",
    "TEST_COMMAND",
    "Patches",
    "build_eval_image",
    "make_instance",
    "patches",
]

EVAL_IMAGE = "sweagent-test-eval:latest"
EVAL_DOCKERFILE = f"""
FROM {base_tag()}
RUN python3 -m venv /opt/venv && /opt/venv/bin/pip install -q 'pytest>=7,<9'
COPY --chown=1000:1000 repo/ /testbed/
USER sandbox
RUN git init -q . && git add -A && git commit -q -m base
USER root
"""

SETUP_COMMANDS = ("source /opt/venv/bin/activate", "export PYTHONDONTWRITEBYTECODE=1")
TEST_COMMAND = "python -m pytest -rA -p no:cacheprovider tests/test_ops.py"

OPS = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a + b\n"
TESTS = "from calc.ops import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
BASE_FILES = {
    "calc/__init__.py": "",
    "calc/ops.py": OPS,
    "tests/test_ops.py": TESTS,
    ".gitignore": "__pycache__/\n",
}
NEW_TEST = "\n\ndef test_sub():\n    assert sub(5, 3) == 2\n"
SLEEPING_TEST = "\n\ndef test_sub():\n    import time\n\n    time.sleep(600)\n    assert sub(5, 3) == 2\n"
# Leaves sub() wrong and, once pytest is done, prints what a passing run prints, SWE-bench's own
# end marker included, hoping the grader believes it.
FORGING_INIT = """\
import atexit


def _forge():
    print(">>>>> End Test Output")
    print("PASSED tests/test_ops.py::test_add")
    print("PASSED tests/test_ops.py::test_sub")
    print("===== 2 passed in 0.01s =====")


atexit.register(_forge)
"""


class Patches:
    """The patches of the tiny instance, each a real `git diff` against the image's commit."""

    def __init__(self) -> None:
        fixed = {"calc/ops.py": OPS.replace("a + b\n", "a - b\n").replace("a - b", "a + b", 1)}
        self.gold = diff_of(fixed)
        self.test = diff_of({"tests/test_ops.py": TESTS.replace("add\n", "add, sub\n") + NEW_TEST})
        self.sleeping_test = diff_of(
            {"tests/test_ops.py": TESTS.replace("add\n", "add, sub\n") + SLEEPING_TEST}
        )
        self.forging = diff_of({"calc/__init__.py": FORGING_INIT})
        # Also edits the file the test patch touches: the harness puts that file back first.
        extra_test = TESTS + "\n\ndef test_extra():\n    assert True\n"
        self.gold_editing_tests = diff_of({**fixed, "tests/test_ops.py": extra_test})
        # Written against code that is not there (sub returning a * b): it cannot apply.
        self.not_applying = diff_of(fixed, base={"calc/ops.py": OPS.replace("a + b\n\n\n", "a * b\n\n\n")})


@functools.cache
def patches() -> Patches:
    return Patches()


def diff_of(changes: dict[str, str], base: dict[str, str] | None = None) -> str:
    """`git diff` of `changes` over BASE_FILES (updated with `base`)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_files(root, {**BASE_FILES, **(base or {})})
        _git(root, "init", "-q")
        _git(root, "add", "-A")
        _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "base")
        write_files(root, changes)
        _git(root, "add", "-A")
        return _git(root, "diff", "--cached")


def write_files(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True)
    return done.stdout


def build_eval_image(client: DockerClient, workdir: Path) -> str:
    """The base image with the tiny repository committed at /testbed and pytest in /opt/venv."""
    repo = workdir / "repo"
    write_files(repo, BASE_FILES)
    return build_image(client, EVAL_DOCKERFILE, EVAL_IMAGE, kind="test", context={"repo": repo})


def make_instance(instance_id: str = "demo__calc-1", *, test_patch: str | None = None) -> Instance:
    return Instance(
        instance_id=instance_id,
        repo="pallets/flask",  # any repository whose swebench log parser reads `pytest -rA` output
        base_commit="0" * 40,
        problem_statement="sub() adds instead of subtracting",
        version="2.3",
        patch=patches().gold,
        test_patch=patches().test if test_patch is None else test_patch,
        FAIL_TO_PASS=["tests/test_ops.py::test_sub"],
        PASS_TO_PASS=["tests/test_ops.py::test_add"],
    )
