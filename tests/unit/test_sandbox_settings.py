"""The run's `sandbox` section is the sandbox package's own config, discriminated on `type`."""

from pathlib import Path

import pytest

from sandbox.docker import DockerSandboxConfig
from sweagent.config import load_config
from sweagent.errors import ConfigError
from sweagent.sandboxes import docker_config, use_network


def test_an_older_file_without_a_type_still_loads_as_docker(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("sandbox: {pool_size: 2, network: open, backend: docker}\n")
    settings = load_config([path]).sandbox
    assert (settings.type, settings.pool_size, settings.network) == ("docker", 2, "open")
    assert isinstance(settings, DockerSandboxConfig)


def test_a_use_gets_its_image_and_its_own_network_default_unless_one_is_set() -> None:
    """Unset, agents get `none` and grading `dropped`; a setting holds for every use; `false` is unset."""
    unset = load_config(overrides=["sandbox.network=false"]).sandbox
    assert docker_config(unset, "img:1").network == "none"
    assert docker_config(unset, "img:1", default_network="dropped").network == "dropped"
    assert docker_config(unset, "img:1").image == "img:1"
    assert docker_config(unset).image == unset.image
    assert use_network(unset, "dropped") == "dropped"
    opened = load_config(overrides=["sandbox.network=true"]).sandbox
    assert use_network(opened, "dropped") == "open"
    assert docker_config(unset, network=True).network == "open"


def test_the_run_keys_stay_out_of_the_sandbox_config() -> None:
    built = docker_config(load_config(overrides=["sandbox.pool_size=2", "sandbox.memory=2g"]).sandbox)
    assert type(built) is DockerSandboxConfig
    assert built.memory == "2g"


@pytest.mark.parametrize(
    ("overrides", "where"),
    [
        (["sandbox.type=bwrap"], "sandbox.type"),
        (["sandbox.type=bwrap", "sandbox.backend=docker"], "sandbox.backend"),
    ],
)
def test_bwrap_or_a_disagreement_is_named_by_its_key(overrides: list[str], where: str) -> None:
    with pytest.raises(ConfigError, match=rf"{where}: "):
        load_config(overrides=overrides)
