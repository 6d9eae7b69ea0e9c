"""`executor: local | ray`: typed config, the `run` shortcuts, and runs that change executor."""

from __future__ import annotations

from pathlib import Path

import pytest

from sweagent.config import load_config
from sweagent.errors import ConfigError
from sweagent.pipeline import RunRequest
from sweagent.run_directory import check_resumable


def test_the_executor_is_local_unless_chosen() -> None:
    config = load_config()
    assert config.executor == "local"
    assert config.ray.address is None
    chosen = load_config(overrides=["executor=ray", "ray.address=10.0.0.5:6379", "ray.task_docker=0.5"])
    assert (chosen.executor, chosen.ray.address, chosen.ray.task_docker) == ("ray", "10.0.0.5:6379", 0.5)


@pytest.mark.parametrize(
    ("override", "key"), [("executor=slurm", "executor"), ("ray.retries=-1", "ray.retries")]
)
def test_a_bad_executor_setting_names_its_key(override: str, key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_config(overrides=[override])


def test_a_ray_address_on_the_command_line_runs_on_ray() -> None:
    request = RunRequest(dataset="swe-mini", model="scripted:gold", ray_address="auto")
    config = request.config()
    assert (config.executor, config.ray.address) == ("ray", "auto")
    local = RunRequest(
        dataset="swe-mini", model="scripted:gold", overrides=("executor=ray",), executor="local"
    )
    assert local.config().executor == "local"  # the shortcut comes after the overrides


def test_a_run_continues_under_another_executor_but_not_another_config(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(load_config().to_yaml())
    check_resumable(tmp_path, load_config(overrides=["executor=ray", "ray.address=auto", "ray.retries=1"]))
    with pytest.raises(ConfigError, match=r"generation\.samples"):
        check_resumable(tmp_path, load_config(overrides=["executor=ray", "generation.samples=3"]))
