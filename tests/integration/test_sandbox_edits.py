"""Edits applied inside a sandbox: the candidate is the sandbox's `git diff`; symlinks cannot lead out."""

from __future__ import annotations

import pytest
from docker import DockerClient

from sandbox.docker import DockerSandboxConfig
from sweagent.edits import EditError, SandboxFiles, apply_edit, parse_edit_blocks

pytestmark = pytest.mark.docker

EDIT = """<<<<<<< SEARCH pkg/calc.py
    return a + b
=======
    return a - b
>>>>>>> REPLACE
<<<<<<< SEARCH pkg/extra.py
=======
VALUE = 1
>>>>>>> REPLACE
"""


def test_an_edit_becomes_an_applicable_diff(docker_client: DockerClient, repo_image: str) -> None:
    with DockerSandboxConfig(image=repo_image).build(docker_client) as box:
        applied = apply_edit(parse_edit_blocks(EDIT), SandboxFiles(box))
        assert applied.created == ("pkg/extra.py",)
        patch = box.diff()
        assert "-    return a + b\n+    return a - b" in patch
        assert "+VALUE = 1" in patch
        box.reset()
        assert box.apply_patch(patch).exit_code == 0
        assert box.exec("python3 -c 'from pkg.calc import add; print(add(5, 3))'").stdout == "2\n"


def test_a_symlink_out_of_the_repository_is_refused(docker_client: DockerClient, repo_image: str) -> None:
    with DockerSandboxConfig(image=repo_image).build(docker_client) as box:
        box.exec("mkdir -p /tmp/outside && echo 'x = 1' > /tmp/outside/t.py && ln -s /tmp/outside escape")
        blocks = parse_edit_blocks("<<<<<<< SEARCH escape/t.py\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n")
        with pytest.raises(EditError, match="outside the repository"):
            apply_edit(blocks, SandboxFiles(box))
        assert box.exec("cat /tmp/outside/t.py").stdout == "x = 1\n"
