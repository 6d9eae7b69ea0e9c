"""`environment.*` settings, the harness's image names, and the adapter layer's text."""

from __future__ import annotations

import pytest

from sweagent.config import OfficialImagesConfig, load_config
from sweagent.environment.official import adapter_dockerfile, official_image
from sweagent.environment.registry import registry_base_url
from sweagent.errors import ConfigError


def test_defaults_try_official_then_build_on_the_nearest_python() -> None:
    environment = load_config().environment
    assert environment.providers == ["official", "build"]
    assert environment.python == "nearest"
    assert (environment.official.registry, environment.official.namespace) == ("docker.io", "swebench")


def test_providers_take_a_comma_list_and_refuse_unknown_or_repeated_names() -> None:
    assert load_config(overrides=["environment.providers=build"]).environment.providers == ["build"]
    both = load_config(overrides=["environment.providers=build,official"]).environment
    assert both.providers == ["build", "official"]
    bad_values = ("environment.providers=docker", "environment.providers=a,a", "environment.python=3.9")
    for bad in bad_values:
        with pytest.raises(ConfigError, match="environment"):
            load_config(overrides=[bad])


def test_official_names_follow_the_harness() -> None:
    config = OfficialImagesConfig()
    assert official_image("django__django-11099", config) == (
        "swebench/sweb.eval.x86_64.django_1776_django-11099",
        "latest",
    )
    mirror = OfficialImagesConfig(registry="ghcr.io", namespace="epoch-research", tag="v1")
    expected = "ghcr.io/epoch-research/sweb.eval.x86_64.some_1776_repo-1"
    assert official_image("Some__Repo-1", mirror) == (expected, "v1")


def test_registry_urls_use_https_except_on_loopback() -> None:
    assert registry_base_url("docker.io") == "https://registry-1.docker.io"
    assert registry_base_url("ghcr.io") == "https://ghcr.io"
    assert registry_base_url("127.0.0.1:5000") == "http://127.0.0.1:5000"
    assert registry_base_url("localhost:5000") == "http://localhost:5000"


def test_adapter_runs_commands_in_the_activated_environment_as_the_sandbox_user() -> None:
    text = adapter_dockerfile("img:1", "/opt/miniconda3/envs/testbed", writable_env=False, labels={"a": "b"})
    assert text.startswith("FROM img:1\nUSER root\n")
    assert "ENV BASH_ENV=/etc/sweagent-activate.sh PATH=/opt/miniconda3/envs/testbed/bin:$PATH" in text
    assert "adapt.sh /opt/miniconda3/envs/testbed no" in text
    assert "USER 1000\nRUN cd /testbed" in text
    assert text.endswith("USER root\n")
