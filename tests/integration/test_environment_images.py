"""Real instance images from swe-mini: built once per session, patched and tested inside a sandbox.

Two real builds (flask on bookworm, pytest on bullseye) serve every test here; a third, small
one checks that an install failure surfaces with the build log's tail.
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest
from docker import DockerClient
from rich.console import Console

from sandbox.docker import DockerSandbox, DockerSandboxConfig
from sweagent.config import EnvironmentConfig
from sweagent.datasets import RepoSources, load_dataset
from sweagent.environment import (
    EnvironmentBuildError,
    build_images_command,
    ensure_instance_image,
    eval_setup_commands,
    test_command,
)
from sweagent.environment.images_command import build_images
from sweagent.records import Instance

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.network]

FLASK = "pallets__flask-4992"
PYTEST = "pytest-dev__pytest-7490"


def _instance(instance_id: str) -> Instance:
    return load_dataset("swe-mini", instances=[instance_id]).instances[0]


@pytest.fixture(scope="session")
def built(docker_client: DockerClient) -> dict[str, str]:
    """Instance id -> image tag, for the flask and the pytest instance (built once per session)."""
    return {
        instance_id: ensure_instance_image(_instance(instance_id), client=docker_client)
        for instance_id in (FLASK, PYTEST)
    }


def _run_tests(box: DockerSandbox, instance: Instance) -> str:
    script = " && ".join([*eval_setup_commands(instance), test_command(instance)])
    result = box.exec(script, timeout=600)
    return result.stdout + result.stderr


@pytest.mark.parametrize("instance_id", [FLASK, PYTEST])
def test_gold_and_test_patch_apply_and_the_fail_to_pass_tests_pass(
    built: dict[str, str], instance_id: str
) -> None:
    instance = _instance(instance_id)
    with DockerSandbox(DockerSandboxConfig(image=built[instance_id])) as box:
        assert box.apply_patch(instance.patch or "").exit_code == 0
        assert box.apply_patch(instance.test_patch or "").exit_code == 0
        output = _run_tests(box, instance)
    assert "short test summary info" in output
    for test in instance.FAIL_TO_PASS:
        assert f"PASSED {test}" in output, test


def test_without_the_gold_patch_the_fail_to_pass_test_fails(built: dict[str, str]) -> None:
    instance = _instance(FLASK)
    with DockerSandbox(DockerSandboxConfig(image=built[FLASK])) as box:
        assert box.apply_patch(instance.test_patch or "").exit_code == 0
        output = _run_tests(box, instance)
    assert f"FAILED {instance.FAIL_TO_PASS[0]}" in output


@pytest.mark.parametrize(("instance_id", "python"), [(FLASK, "3.11"), (PYTEST, "3.9")])
def test_image_holds_a_clean_checkout_and_a_venv_of_the_sandbox_user(
    docker_client: DockerClient, built: dict[str, str], instance_id: str, python: str
) -> None:
    with DockerSandbox(DockerSandboxConfig(image=built[instance_id])) as box:
        owners = box.exec("stat -c %u /testbed /testbed/.git /opt/venv /opt/venv/bin/python").stdout.split()
        status = box.exec("git status --porcelain").stdout
        prefix = box.exec("python -c 'import sys; print(sys.prefix, sys.version_info[:2])'").stdout
        login = box.exec(["bash", "-lc", "command -v python"]).stdout.strip()
        writable = box.exec("touch /opt/venv/writable && rm /opt/venv/writable").exit_code
    assert owners == ["1000"] * 4
    assert writable == 0
    assert status == ""
    assert prefix.startswith("/opt/venv ")
    assert f"({python.replace('.', ', ')})" in prefix
    assert login == "/opt/venv/bin/python"
    labels = docker_client.images.get(built[instance_id]).labels
    assert labels["sweagent"] == "1"
    assert labels["sweagent.kind"] == "instance"
    assert labels["sweagent.instance"] == instance_id
    assert labels["sweagent.origin"] == "sdist"
    environment = docker_client.images.get(labels["sweagent.environment"]).labels
    assert environment["sweagent.kind"] == "environment"
    assert environment["sweagent.python"] == python


@pytest.mark.parametrize("instance_id", [FLASK, PYTEST])
def test_a_python_reached_through_a_link_to_the_venv_has_the_venvs_packages(
    built: dict[str, str], instance_id: str
) -> None:
    """tox-current-env (sphinx's test command) runs `.tox/<env>/bin/python`, a link to the venv's
    python: like a conda environment's, it must import what the environment installed."""
    link = "mkdir -p /tmp/fake/bin && ln -s /opt/venv/bin/python /tmp/fake/bin/python"
    where = "-c 'import pytest; print(pytest.__file__)'"
    with DockerSandbox(DockerSandboxConfig(image=built[instance_id])) as box:
        through_link = box.exec(f"{link} && /tmp/fake/bin/python {where}")
        in_venv = box.exec(f"python {where}")
        system = box.exec("/usr/bin/python3 -c 'import pytest'")
    assert in_venv.exit_code == 0
    assert through_link.stdout == in_venv.stdout, through_link.stderr  # pytest-7490's is /testbed's own
    assert system.exit_code != 0  # the system interpreter itself stays as it was


def test_an_existing_image_is_reused_without_building(
    docker_client: DockerClient, built: dict[str, str]
) -> None:
    before = docker_client.images.get(built[FLASK]).id
    steps: list[str] = []
    tag = ensure_instance_image(_instance(FLASK), client=docker_client, progress=steps.append)
    assert tag == built[FLASK]
    assert docker_client.images.get(tag).id == before
    assert not [step for step in steps if step.startswith("building")]


def test_images_command_reports_unsupported_without_failing(
    docker_client: DockerClient, tmp_path: Path
) -> None:
    record = _instance(FLASK).model_dump(mode="json")
    record.update(instance_id="django__django-0", repo="django/django", version="3.0")
    dataset = tmp_path / "data.jsonl"
    dataset.write_text(json.dumps(record) + "\n")
    out = io.StringIO()
    exact = EnvironmentConfig(python="exact")  # the default, `nearest`, would build it approximate
    console = Console(file=out, width=200)
    code = build_images_command(str(dataset), None, None, None, environment=exact, console=console)
    assert code == 0
    assert "django__django-0" in out.getvalue()
    assert "Python 3.6 is not provided" in out.getvalue()
    assert "built 0, unsupported 1, failed 0" in out.getvalue()


def _local_flask(root: Path, *setup_versions: str) -> list[str]:
    """`root/pallets/flask` with one commit per setup.py text; the commit ids, oldest first."""
    repo = root / "pallets" / "flask"
    repo.mkdir(parents=True)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    commits = []
    for text in setup_versions:
        (repo / "setup.py").write_text(text)
        subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
        subprocess.run([*git, "commit", "-qm", "step"], cwd=repo, check=True)
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True, text=True
        )
        commits.append(head.stdout.strip())
    return commits


def _at(commit: str) -> Instance:
    update = {"base_commit": commit, "environment_setup_commit": commit, "source": {}}
    return _instance(FLASK).model_copy(update=update)


def test_a_repos_dir_instance_is_built_at_its_true_commit_and_nothing_later(
    docker_client: DockerClient, tmp_path: Path
) -> None:
    setup = "from setuptools import setup\nsetup(name='calc', version='{}', py_modules=[])\n"
    base, later = _local_flask(tmp_path / "repos", setup.format("1.0"), setup.format("2.0"))
    sources = RepoSources(repos_dir=tmp_path / "repos", clone_cache=None)
    tag = ensure_instance_image(_at(base), client=docker_client, sources=sources)
    labels = docker_client.images.get(tag).labels
    assert (labels["sweagent.origin"], labels["sweagent.commit"]) == ("repos_dir", base)
    with DockerSandbox(DockerSandboxConfig(image=tag)) as box:
        history = box.exec("git log --all --format=%H").stdout.split()
        installed = box.exec("python -c 'import importlib.metadata as m; print(m.version(\"calc\"))'").stdout
        status = box.exec("git status --porcelain").stdout
    assert base in history
    assert later not in history
    assert installed.strip() == "1.0"
    assert status == ""


def test_a_found_image_is_remembered_and_rebuilt_once_it_is_gone(
    docker_client: DockerClient, tmp_path: Path
) -> None:
    [commit] = _local_flask(tmp_path / "repos", "from setuptools import setup\nsetup(name='calc')\n")
    sources = RepoSources(repos_dir=tmp_path / "repos", clone_cache=None)
    first: list[str] = []
    tag = ensure_instance_image(_at(commit), client=docker_client, sources=sources, progress=first.append)
    assert any(step.startswith("building") for step in first)
    again: list[str] = []
    assert (
        ensure_instance_image(_at(commit), client=docker_client, sources=sources, progress=again.append)
        == tag
    )
    assert again == []  # no checkout, no build: the image is still there
    docker_client.images.remove(tag, force=True)
    after: list[str] = []
    assert (
        ensure_instance_image(_at(commit), client=docker_client, sources=sources, progress=after.append)
        == tag
    )
    assert any("checking out the repository" in step for step in after)
    assert any(step.startswith("building") for step in after)
    docker_client.images.remove(tag, force=True)


def test_a_failing_install_is_a_build_error_with_the_log_tail(
    docker_client: DockerClient, tmp_path: Path
) -> None:
    [commit] = _local_flask(tmp_path / "repos", "raise SystemExit('broken on purpose')\n")
    sources = RepoSources(repos_dir=tmp_path / "repos", clone_cache=None)
    with pytest.raises(EnvironmentBuildError, match="building sweagent-instance:") as caught:
        ensure_instance_image(_at(commit), client=docker_client, sources=sources)
    assert "broken on purpose" in str(caught.value)
    # A missing commit fails that instance only, as a failure with a reason.
    [outcome] = build_images([_at("f" * 40)], client=docker_client, sources=sources)
    assert outcome.status == "failed"
    assert "checkout failed" in outcome.reason


def test_a_given_image_is_used_as_is_and_must_exist(
    docker_client: DockerClient, built: dict[str, str]
) -> None:
    given = _instance(FLASK).model_copy(update={"image": built[PYTEST]})
    assert ensure_instance_image(given, client=docker_client) == built[PYTEST]
    missing = given.model_copy(update={"image": "sweagent-no-such-image:never"})
    with pytest.raises(EnvironmentBuildError, match="sweagent-no-such-image:never is not present"):
        ensure_instance_image(missing, client=docker_client)
