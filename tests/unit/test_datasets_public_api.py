"""The datasets package's public surface is what `__all__` lists, and every name resolves."""

from __future__ import annotations

import importlib

import pytest

import sweagent.datasets

MODULES = ["git", "loading", "readers", "repos", "sdist"]


def test_package_all_is_exact() -> None:
    assert sorted(sweagent.datasets.__all__) == [
        "BUNDLED_DATASETS",
        "Checkout",
        "LoadedDataset",
        "RepoSources",
        "SdistPin",
        "bundled_dataset_names",
        "checkout_instance",
        "download_sdist",
        "load_dataset",
        "sdist_repo",
    ]


@pytest.mark.parametrize("name", MODULES)
def test_every_module_lists_names_that_exist(name: str) -> None:
    module = importlib.import_module(f"sweagent.datasets.{name}")
    assert module.__all__
    for public in module.__all__:
        assert hasattr(module, public), public
