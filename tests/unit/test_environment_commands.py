"""Test commands follow SWE-bench (spec test_cmd + the test patch's files), rewritten for the venv."""

from __future__ import annotations

from sweagent.datasets import load_dataset
from sweagent.environment import eval_setup_commands, test_command, test_directives
from sweagent.environment.commands import offline_reinstall, without_conda
from sweagent.environment.services import start_services_command
from sweagent.records import REQUIRED_SETUP_STEP, Instance


def _patch(*paths: str) -> str:
    return "".join(f"diff --git a/{p} b/{p}\n--- a/{p}\n+++ b/{p}\n@@ -1 +1 @@\n-a\n+b\n" for p in paths)


def _instance(repo: str, version: str, test_patch: str) -> Instance:
    return Instance(
        instance_id="x__y-1",
        repo=repo,
        base_commit="0" * 40,
        problem_statement="",
        version=version,
        test_patch=test_patch,
    )


def test_swe_mini_flask_runs_pytest_on_the_touched_test_file() -> None:
    instance = load_dataset("swe-mini", instances=["pallets__flask-4992"]).instances[0]
    assert test_command(instance) == "pytest -rA tests/test_config.py"


def test_sympy_runs_bin_test_on_the_touched_file() -> None:
    instance = load_dataset("swe-mini", instances=["sympy__sympy-24152"]).instances[0]
    assert test_command(instance).endswith(
        "bin/test -C --verbose sympy/physics/quantum/tests/test_tensorproduct.py"
    )


def test_non_test_files_of_the_test_patch_are_left_out() -> None:
    patch = _patch("tests/test_a.py", "tests/static/config.json", "docs/usage.md", "tests/test_b.py")
    instance = _instance("pallets/flask", "2.3", patch)
    assert test_command(instance) == "pytest -rA tests/test_a.py tests/test_b.py"


def test_django_directives_are_dotted_modules() -> None:
    instance = _instance("django/django", "3.0", _patch("tests/auth_tests/test_views.py"))
    assert test_directives(instance) == ["auth_tests.test_views"]
    # Python 3.6: no base provides it, but an official image does; the command is the same.
    assert test_command(instance).endswith(" auth_tests.test_views")


def test_conda_activation_lines_are_dropped_and_the_rest_kept() -> None:
    commands = [
        "source /opt/miniconda3/bin/activate",
        "conda activate testbed",
        "export LANG=en_US.UTF-8",
        "conda deactivate",
        "echo conda activate is only text here",
    ]
    assert without_conda(commands) == ["export LANG=en_US.UTF-8", "echo conda activate is only text here"]


def test_editable_installs_are_not_redone_and_others_redo_offline() -> None:
    assert offline_reinstall("python -m pip install -e .") is None
    assert offline_reinstall("python -m pip install -v --no-build-isolation -e .") is None
    assert offline_reinstall("python setup.py develop") is None
    assert offline_reinstall("") is None
    assert offline_reinstall("python -m pip install .") == (
        "python -m pip install . --no-deps --no-build-isolation --no-index"
    )


def test_eval_setup_for_an_editable_install_needs_nothing() -> None:
    instance = load_dataset("swe-mini", instances=["pytest-dev__pytest-7490"]).instances[0]
    assert eval_setup_commands(instance) == []


def test_eval_setup_for_a_plain_install_reinstalls_without_the_network() -> None:
    """The re-install is marked required: if it fails, the unpatched copy would be graded.

    requests' tests reach httpbin.org: its stand-in is started first (environment.services)."""
    instance = _instance("psf/requests", "2.0", _patch("test_requests.py"))
    assert eval_setup_commands(instance) == [
        start_services_command("psf/requests"),
        f"python -m pip install . --no-deps --no-build-isolation --no-index  {REQUIRED_SETUP_STEP}",
    ]
    assert test_command(instance) == "pytest -rA test_requests.py"
