"""The `official` provider against a real registry on loopback, and what happens when it cannot serve.

One harness-shaped image (root user, conda-style `testbed` environment, the tiny repository at
/testbed) is pushed to a `docker-registry` on 127.0.0.1 under the harness's name. Pulled by that
name and adapted, gold resolves and empty does not, with every command run by the sandbox user in
the activated environment. A registry that is down, or an image it lacks, hands the instance to
`build`, with the reason recorded; that build runs on the nearest Python and says it is approximate
in results.json and the report.
"""

from __future__ import annotations

import io
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from docker import DockerClient
from evaluation_image import BASE_FILES, make_instance, patches, write_files
from registry_fixture import build_official_layout, free_port, loopback_registry
from rich.console import Console

from sandbox.docker import DockerSandbox, DockerSandboxConfig
from sweagent.config import EnvironmentConfig, OfficialImagesConfig
from sweagent.datasets import RepoSources
from sweagent.environment.official import official_image
from sweagent.environment.providers import EnvironmentProviders
from sweagent.evaluation import GradingOptions, evaluate_command, validate_command
from sweagent.evaluation.provider import ConfiguredImages
from sweagent.records import Instance
from sweagent.reporting import report_command

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.network]

PULLED = "demo__calc-1"
"""The instance whose official image the registry holds."""
ABSENT = "demo__calc-2"
"""An instance whose official image the registry lacks."""
PREFIX = "/opt/miniconda3/envs/testbed"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with loopback_registry(tmp_path_factory.mktemp("registry")) as address:
        yield address


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A --repos-dir holding pallets/flask as the tiny repository (what `build` checks out); its commit."""
    repo = tmp_path_factory.mktemp("repos") / "pallets" / "flask"
    extra = {"setup.py": "from setuptools import setup\nsetup(name='calc', packages=['calc'])\n"}
    write_files(repo, {**BASE_FILES, **extra, "requirements/dev.txt": "pytest>=7,<9\n"})
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=repo, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True, text=True)
    return repo.parents[1], head.stdout.strip()


def _instance(instance_id: str, commit: str) -> Instance:
    # flask 2.1's spec asks for Python 3.10, which no base has: `build` can only serve it approximately.
    update = {"version": "2.1", "base_commit": commit, "environment_setup_commit": commit}
    return make_instance(instance_id).model_copy(update=update)


def _config(registry: str, providers: list[str]) -> EnvironmentConfig:
    official = OfficialImagesConfig(registry=registry, probe_timeout=3)
    return EnvironmentConfig.model_validate(
        {"providers": providers, "python": "nearest", "official": official}
    )


@pytest.fixture(scope="module")
def pushed(docker_client: DockerClient, registry: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The official name of PULLED's image, in the registry and absent from the engine (so it is pulled)."""
    image = build_official_layout(docker_client, tmp_path_factory.mktemp("official"))
    repository, tag = official_image(PULLED, OfficialImagesConfig(registry=registry))
    docker_client.images.get(image).tag(repository, tag)
    for line in docker_client.images.push(repository, tag=tag, stream=True, decode=True):
        assert "error" not in line, line
    docker_client.images.remove(f"{repository}:{tag}")
    return f"{repository}:{tag}"


def _dataset(path: Path, *instances: Instance) -> str:
    path.write_text("".join(instance.model_dump_json() + "\n" for instance in instances))
    return str(path)


def test_official_image_is_pulled_by_its_name_and_grades_gold_and_empty(
    docker_client: DockerClient, registry: str, pushed: str, repos: tuple[Path, str], tmp_path: Path
) -> None:
    instance = _instance(PULLED, repos[1])
    providers = EnvironmentProviders(_config(registry, ["official"]))
    out = io.StringIO()
    code = validate_command(
        _dataset(tmp_path / "data.jsonl", instance),
        run_dir=tmp_path / "validate",
        options=GradingOptions(
            provider=ConfiguredImages(providers),
            client=docker_client,
            console=Console(file=io.StringIO(), width=200),
            out=Console(file=out, width=200),
        ),
    )
    assert "gold resolved 1/1, empty resolved 0/1" in out.getvalue()
    assert code == 0
    docker_client.images.get(pushed)  # pulled by the harness's name
    validation = json.loads((tmp_path / "validate" / "validation.json").read_text())["instances"][PULLED]
    assert validation["environment"]["provider"] == "official"
    assert validation["approximate"] is False
    info = providers.environment_info(instance)
    assert info is not None
    assert docker_client.images.get(info.image).labels["sweagent.official"] == pushed


def test_commands_run_as_the_sandbox_user_in_the_activated_environment_without_network(
    docker_client: DockerClient, registry: str, pushed: str, repos: tuple[Path, str]
) -> None:
    providers = EnvironmentProviders(_config(registry, ["official"]))
    info = providers.prepare(_instance(PULLED, repos[1]), client=docker_client)
    with DockerSandbox(DockerSandboxConfig(image=info.image), client=docker_client) as box:
        facts = box.exec(
            "id -u; echo $CONDA_DEFAULT_ENV; command -v python; stat -c %u /testbed /testbed/.git "
            f"{PREFIX}; git status --porcelain | wc -l; ls /sys/class/net"
        ).stdout.split()
        writes_env = box.exec(f"touch {PREFIX}/x").exit_code
        pytest_runs = box.exec("python -m pytest --version").exit_code
    assert facts == ["1000", "testbed", f"{PREFIX}/bin/python", "1000", "1000", "0", "0", "lo"]
    assert writes_env != 0  # the environment stays root's: nothing re-installs without -e here
    assert pytest_runs == 0


def test_a_registry_that_is_down_hands_the_instance_to_build_quickly_with_the_reason(
    docker_client: DockerClient, repos: tuple[Path, str]
) -> None:
    instance = _instance(PULLED, repos[1])
    providers = EnvironmentProviders(_config(f"127.0.0.1:{free_port()}", ["official", "build"]))
    started = time.monotonic()
    planned = providers.plan(instance)
    assert time.monotonic() - started < 5
    assert planned.environment is not None
    assert planned.environment.provider == "build"
    assert "unreachable" in planned.refused["official"]
    sources = RepoSources(repos_dir=repos[0], clone_cache=None)
    info = providers.prepare(instance, client=docker_client, sources=sources)
    assert (info.provider, info.approximate, info.python, info.spec_python) == ("build", True, "3.9", "3.10")
    assert "unreachable" in info.refused["official"]
    # The verdict is kept for the run: a second instance does not ask the registry again.
    started = time.monotonic()
    assert providers.plan(_instance(ABSENT, repos[1])).refused["official"] == info.refused["official"]
    assert time.monotonic() - started < 1


def test_an_image_the_registry_lacks_hands_the_instance_to_build_with_the_reason(
    docker_client: DockerClient, registry: str, pushed: str, repos: tuple[Path, str]
) -> None:
    providers = EnvironmentProviders(_config(registry, ["official", "build"]))
    sources = RepoSources(repos_dir=repos[0], clone_cache=None)
    info = providers.prepare(_instance(ABSENT, repos[1]), client=docker_client, sources=sources)
    assert info.provider == "build"
    assert "is not in the registry" in info.refused["official"]
    assert "demo_1776_calc-2" in info.refused["official"]


def test_an_approximate_environment_says_so_in_results_json_and_the_report(
    docker_client: DockerClient, repos: tuple[Path, str], tmp_path: Path
) -> None:
    instance = _instance(ABSENT, repos[1])
    predictions = tmp_path / "predictions.jsonl"
    row = {"instance_id": ABSENT, "model_name_or_path": "gold", "model_patch": patches().gold}
    predictions.write_text(json.dumps(row) + "\n")
    run_dir = tmp_path / "run"
    code = evaluate_command(
        predictions,
        _dataset(tmp_path / "data.jsonl", instance),
        run_dir,
        options=GradingOptions(
            repos_dir=repos[0],
            environment=EnvironmentConfig(providers=["build"], python="nearest"),
            client=docker_client,
            console=Console(file=io.StringIO(), width=200),
            out=Console(file=io.StringIO(), width=200),
        ),
    )
    assert code == 0
    results = json.loads((run_dir / "results.json").read_text())
    entry = results["instances"][ABSENT]
    assert (entry["status"], entry["approximate"]) == ("resolved", True)
    assert (entry["environment"]["python"], entry["environment"]["spec_python"]) == ("3.9", "3.10")
    assert results["summary"]["approximate"] == 1
    assert report_command(run_dir, html=True) == 0
    for name in ("report.md", "report.html"):
        text = (run_dir / name).read_text()
        assert "APPROXIMATE ENVIRONMENTS: 1 instance(s)" in text, name
        assert "Python 3.9 (bullseye) instead of the spec" in text, name
