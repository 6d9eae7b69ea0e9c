"""The release-date cutoff a build uses: the config's day, or its repository's own."""

from __future__ import annotations

from datetime import date

from sweagent.config import load_config
from sweagent.environment.build import BuildPolicy
from sweagent.environment.providers import PROVIDERS, BuiltHere


def _policy(*overrides: str) -> BuildPolicy:
    provider = PROVIDERS["build"](load_config(overrides=overrides).environment)
    assert isinstance(provider, BuiltHere)
    return provider.policy


def test_a_repository_named_in_the_table_gets_its_own_day_the_others_the_common_one() -> None:
    policy = _policy()
    assert policy.cutoff("sphinx-doc/sphinx") == date(2024, 4, 1)  # before docutils 0.21
    assert policy.cutoff("pallets/flask") == date(2025, 1, 1)
    assert policy.python == "nearest"


def test_overrides_set_or_lift_a_cutoff_per_repository_and_for_all() -> None:
    policy = _policy(
        "environment.released_before=null",
        "environment.released_before_by_repo.sphinx-doc/sphinx=null",
        "environment.released_before_by_repo.pydata/xarray=2023-06-30",
    )
    assert policy.cutoff("sphinx-doc/sphinx") is None
    assert policy.cutoff("pallets/flask") is None
    assert policy.cutoff("pydata/xarray") == date(2023, 6, 30)
