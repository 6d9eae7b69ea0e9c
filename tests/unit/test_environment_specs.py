"""SWE-bench specs map onto our base images: exact Python versions by default, the nearest one
(marked approximate) only when asked, and conda environment.yml specs as pip requirements."""

from __future__ import annotations

import pytest

from sweagent.datasets import load_dataset
from sweagent.environment import EnvironmentSpec, dist_for_python, environment_spec
from sweagent.environment.specs import nearest_dist
from sweagent.errors import EnvironmentBuildError, SweAgentError, UnsupportedInstance
from sweagent.records import Instance


def _instance(repo: str, version: str | None, instance_id: str = "x__y-1") -> Instance:
    return Instance(
        instance_id=instance_id, repo=repo, base_commit="0" * 40, problem_statement="", version=version
    )


def test_flask_spec_reads_requirements_and_pins_on_bookworm() -> None:
    spec = environment_spec(_instance("pallets/flask", "2.3"))
    assert (spec.python, spec.dist) == ("3.11", "bookworm")
    assert spec.requirements == "requirements.txt"
    assert spec.packages == ()
    assert "Werkzeug==2.3.7" in spec.pip_packages
    assert spec.install == "python -m pip install -e ."
    assert spec.test_cmd == "pytest -rA"


def test_a_package_list_becomes_pip_packages_on_bullseye() -> None:
    spec = environment_spec(_instance("sympy/sympy", "1.7"))
    assert (spec.python, spec.dist) == ("3.9", "bullseye")
    assert spec.requirements is None
    assert spec.packages == ("mpmath", "flake8")


def test_pre_install_and_eval_commands_are_kept() -> None:
    sphinx = environment_spec(_instance("sphinx-doc/sphinx", "3.5"))
    assert sphinx.pre_install
    assert all(step.startswith("sed -i") for step in sphinx.pre_install)


@pytest.mark.parametrize(("python", "dist"), [("3.9", "bullseye"), ("3.11", "bookworm")])
def test_provided_pythons_map_to_their_dist(python: str, dist: str) -> None:
    assert dist_for_python(python) == dist


@pytest.mark.parametrize("python", ["3.5", "3.6", "3.8", "3.10", "3.12"])
def test_other_pythons_are_unsupported_never_substituted(python: str) -> None:
    with pytest.raises(UnsupportedInstance, match=rf"Python {python} is not provided.*3\.11 \(bookworm\)"):
        dist_for_python(python)


def test_instance_needing_python_36_is_unsupported_with_its_id() -> None:
    with pytest.raises(UnsupportedInstance, match=r"django__django-1 \(django/django 3\.0\): Python 3\.6"):
        environment_spec(_instance("django/django", "3.0", "django__django-1"))


def test_conda_environment_yml_is_read_as_requirements() -> None:
    spec = environment_spec(_instance("matplotlib/matplotlib", "3.5"))
    assert (spec.requirements, spec.packages, spec.dist) == ("environment.yml", (), "bookworm")
    assert not spec.approximate


@pytest.mark.parametrize(
    ("python", "dist"),
    [("3.6", "bullseye"), ("3.8", "bullseye"), ("3.10", "bullseye"), ("3.12", "bookworm")],
)
def test_nearest_base_is_the_closest_python_the_older_on_a_tie(python: str, dist: str) -> None:
    assert nearest_dist(python) == dist


def test_nearest_python_is_approximate_and_says_why() -> None:
    spec = environment_spec(_instance("django/django", "3.0"), python="nearest")
    assert (spec.python, spec.dist, spec.dist_python, spec.approximate) == ("3.6", "bullseye", "3.9", True)
    assert spec.approximation() == "Python 3.9 (bullseye) instead of the spec's 3.6"
    exact = environment_spec(_instance("pallets/flask", "2.3"), python="nearest")
    assert (exact.approximate, exact.approximation()) == (False, "")


def test_an_exact_refusal_names_the_nearest_setting() -> None:
    with pytest.raises(UnsupportedInstance, match=r"environment\.python=nearest"):
        environment_spec(_instance("django/django", "3.0"))


@pytest.mark.parametrize(
    ("repo", "version", "reason"),
    [
        ("someone/unknown", "1.0", "no specs for repository someone/unknown"),
        ("pallets/flask", "9.9", "no spec for pallets/flask version 9.9"),
        ("pallets/flask", None, "no spec for pallets/flask version None"),
    ],
)
def test_missing_specs_are_unsupported(repo: str, version: str | None, reason: str) -> None:
    with pytest.raises(UnsupportedInstance, match=reason):
        environment_spec(_instance(repo, version))


def test_every_swe_mini_instance_has_a_supported_spec() -> None:
    instances = load_dataset("swe-mini").instances
    specs = {i.instance_id: environment_spec(i) for i in instances}
    assert len(specs) == len(instances) >= 6
    # CI builds every image from nothing: instances share environments (repo + version) to keep that short.
    assert len({(spec.repo, spec.version) for spec in specs.values()}) <= 5
    assert specs["pallets__flask-4992"].dist == "bookworm"
    assert specs["pytest-dev__pytest-7490"].dist == "bullseye"


def test_spec_digest_follows_the_environment_fields_only() -> None:
    spec = environment_spec(_instance("pallets/flask", "2.3"))
    assert spec.digest() == environment_spec(_instance("pallets/flask", "2.3", "other__id-2")).digest()
    changed = EnvironmentSpec.model_validate({**spec.model_dump(), "pip_packages": ("click==8.1.3",)})
    assert changed.digest() != spec.digest()
    # The install command belongs to the instance layer, not the environment.
    reinstall = EnvironmentSpec.model_validate({**spec.model_dump(), "install": "pip install ."})
    assert reinstall.digest() == spec.digest()


def test_error_leaves_inherit_the_root_and_a_builtin() -> None:
    assert issubclass(UnsupportedInstance, SweAgentError)
    assert issubclass(UnsupportedInstance, ValueError)
    assert issubclass(EnvironmentBuildError, SweAgentError)
    assert issubclass(EnvironmentBuildError, RuntimeError)
