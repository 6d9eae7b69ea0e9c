"""The bundled `swe-lite-offline` dataset: swe-mini's records, then Lite instances validated from sdists."""

from __future__ import annotations

from collections import Counter

from sweagent.datasets import bundled_dataset_names, load_dataset

REBUILT = {"django__django-11910", "django__django-13265", "django__django-13315", "django__django-13757"}
REBUILT |= {"django__django-14999"}
"""The instances whose PASS_TO_PASS lists were rebuilt (their releases lack some official tests)."""


def test_it_is_bundled_and_loads_cleanly() -> None:
    assert "swe-lite-offline" in bundled_dataset_names()
    loaded = load_dataset("swe-lite-offline", strict=True)
    assert loaded.problems == ()
    assert loaded.ignored_fields == ()
    assert len(loaded.instances) == 30


def test_every_record_names_the_sdist_its_code_comes_from_and_keeps_its_test_lists() -> None:
    offline = load_dataset("swe-lite-offline").instances
    for instance in offline:
        assert instance.source.get("type") == "sdist", instance.instance_id
        assert instance.source.get("version"), instance.instance_id
        assert instance.FAIL_TO_PASS, instance.instance_id
        if instance.instance_id in REBUILT:
            assert len(instance.PASS_TO_PASS) >= 10, instance.instance_id  # rebuilt, never emptied
    assert Counter(instance.repo for instance in offline)["django/django"] == 22


def test_swe_mini_comes_first_and_unchanged() -> None:
    mini = load_dataset("swe-mini").instances
    offline = load_dataset("swe-lite-offline").instances
    assert offline[: len(mini)] == mini
