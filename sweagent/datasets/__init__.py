"""Datasets: SWE-bench records from files, the hub or the bundled `swe-mini`, and their repositories."""

from sweagent.datasets.loading import BUNDLED_DATASETS, LoadedDataset, bundled_dataset_names, load_dataset
from sweagent.datasets.repos import Checkout, RepoSources, checkout_instance
from sweagent.datasets.sdist import SdistPin, download_sdist, sdist_repo

__all__ = [
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
