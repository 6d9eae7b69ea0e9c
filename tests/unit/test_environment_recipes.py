"""Image recipes: a venv owned by uid 1000 on PATH, quoted pins, and tags that follow the recipe."""

from __future__ import annotations

from datetime import date

import pytest

import sweagent.environment
from sweagent.environment.build import environment_tag, instance_tag
from sweagent.environment.env_check import spec_pins
from sweagent.environment.recipes import environment_dockerfile, install_script, pre_install_script
from sweagent.environment.specs import EnvironmentSpec
from sweagent.records import Instance


@pytest.fixture
def spec() -> EnvironmentSpec:
    instance = Instance(
        instance_id="a__b-1", repo="pallets/flask", base_commit="0" * 40, problem_statement="", version="2.3"
    )
    return sweagent.environment.environment_spec(instance)


def test_environment_layer_makes_a_venv_for_the_sandbox_user(spec: EnvironmentSpec) -> None:
    text = environment_dockerfile(spec, "sweagent-base:bookworm", with_requirements=True, note="n")
    assert text.startswith("FROM sweagent-base:bookworm\n")
    assert "ENV VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:" in text
    assert "chown -R 1000:1000 /opt/venv" in text
    assert "-r /tmp/sweagent-env/requirements.txt" in text
    assert "PIP_CONSTRAINT=/tmp/sweagent-env/pins.txt" in text  # the requirements resolve around the pins
    assert "Werkzeug==2.3.7" in text
    assert 'sweagent.python="3.11"' in text
    assert 'sweagent.dist="bookworm"' in text
    # pip runs as the sandbox user, so the venv stays writable by it.
    assert text.index("USER sandbox") < text.index("pip install")


def test_odd_package_specifiers_are_shell_quoted(spec: EnvironmentSpec) -> None:
    odd = EnvironmentSpec.model_validate({**spec.model_dump(), "pip_packages": ("pytest<8", "a b")})
    text = environment_dockerfile(odd, "base", with_requirements=False, note="n")
    assert "'pytest<8' 'a b'" in text
    assert "requirements.txt" not in text


def test_install_pretends_the_release_version_only_for_rebased_checkouts(spec: EnvironmentSpec) -> None:
    assert "SETUPTOOLS_SCM_PRETEND_VERSION=2.2.3" in install_script(spec, "2.2.3")
    plain = install_script(spec, None)
    assert "SETUPTOOLS_SCM_PRETEND_VERSION" not in plain
    assert plain.index("python -m pip install -e .") < plain.index(".git/info/exclude")
    assert pre_install_script(spec).startswith("set -eux\ncd /testbed")


def test_tags_change_with_what_shapes_the_image(spec: EnvironmentSpec) -> None:
    tag = environment_tag(spec, "sha256:base", "FROM x", "pytest==7\n")
    assert tag.startswith("sweagent-env:pallets-flask-2.3-")
    assert tag == environment_tag(spec, "sha256:base", "FROM x", "pytest==7\n")
    assert tag != environment_tag(spec, "sha256:base", "FROM x", "pytest==8\n")
    assert tag != environment_tag(spec, "sha256:other", "FROM x", "pytest==7\n")
    one = instance_tag("pallets__flask-4992", tag, ["recipe", "commit-a"])
    assert one.startswith("sweagent-instance:pallets__flask-4992-")
    assert one != instance_tag("pallets__flask-4992", tag, ["recipe", "commit-b"])


def test_an_approximate_environment_checks_and_labels_the_python_it_really_has() -> None:
    django = Instance(instance_id="d__d-1", repo="django/django", base_commit="0" * 40, problem_statement="")
    spec = sweagent.environment.environment_spec(django.model_copy(update={"version": "3.0"}), "nearest")
    text = environment_dockerfile(spec, "sweagent-base:bullseye", with_requirements=False, note="n")
    assert 'v == "3.9" else "venv Python is "' in text
    assert 'sweagent.python="3.9"' in text
    assert 'sweagent.approximate="Python 3.9 (bullseye) instead of the spec\'s 3.6"' in text


def test_package_all_is_exact() -> None:
    assert sorted(sweagent.environment.__all__) == [
        "EnvironmentBuildError",
        "EnvironmentProviders",
        "EnvironmentSpec",
        "PlannedEnvironment",
        "UnsupportedInstance",
        "build_images_command",
        "dist_for_python",
        "ensure_environment_image",
        "ensure_instance_image",
        "environment_spec",
        "eval_setup_commands",
        "plan_command",
        "test_command",
        "test_directives",
    ]
    for name in sweagent.environment.__all__:
        assert hasattr(sweagent.environment, name), name


def test_label_values_are_quoted_and_never_substituted(spec: EnvironmentSpec) -> None:
    text = environment_dockerfile(spec, "base", with_requirements=False, note='from "$HOME"')
    assert 'sweagent.requirements="from \\"\\$HOME\\""' in text


def test_wheel_is_installed_only_where_the_package_is_reinstalled_after_a_candidate(
    spec: EnvironmentSpec,
) -> None:
    """requests' offline `pip install . --no-build-isolation` needs bdist_wheel; editable ones do not."""
    plain = EnvironmentSpec.model_validate({**spec.model_dump(), "install": "python -m pip install ."})
    assert "'wheel<0.46'" in environment_dockerfile(plain, "base", with_requirements=False, note="n")
    assert "wheel" not in environment_dockerfile(spec, "base", with_requirements=False, note="n")


def test_install_ends_with_the_environment_check_of_the_specs_pins(spec: EnvironmentSpec) -> None:
    script = install_script(spec, None)
    assert script.index("git commit") < script.index("check_env.py")
    assert '"Werkzeug": "2.3.7"' in script
    assert spec_pins(spec)["setuptools"] == "70.0.0"
    assert "PIP_CONSTRAINT=/tmp/sweagent-pins.txt" in script  # extras resolve around the pins


def test_the_environment_layer_gives_links_to_the_venvs_python_its_packages(spec: EnvironmentSpec) -> None:
    text = environment_dockerfile(spec, "base", with_requirements=False, note="n")
    assert "base64 -d > /usr/lib/python3/dist-packages/sweagent-venv-links.pth" in text


def test_a_cutoff_moves_later_releases_back_before_the_check_with_the_pins(spec: EnvironmentSpec) -> None:
    script = install_script(spec, None, date(2025, 1, 1))
    assert (
        script.index("git commit")
        < script.index("sweagent_dated.py 2025-01-01")
        < script.index("check_env.py")
    )
    assert "sweagent_dated.py" not in install_script(spec, None)  # no cutoff, no step
    assert '"Werkzeug": "2.3.7"' in script.split("sweagent_dated.py", 1)[1].split("\n", 1)[0]  # pins stay
