import pytest

from sweagent.errors import RegistryError
from sweagent.registry import Registry

REGISTRY = Registry("selector", {"store": "sweagent.store:RunStore"})


def test_short_name_resolves_lazily() -> None:
    from sweagent.store import RunStore

    assert REGISTRY.resolve("store") is RunStore


def test_any_dotted_path_resolves() -> None:
    import json

    assert REGISTRY.resolve("json:dumps") is json.dumps
    assert REGISTRY.resolve("json.loads") is json.loads


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(RegistryError, match="unknown selector 'nope'; known: store"):
        REGISTRY.resolve("nope")


@pytest.mark.parametrize(
    ("name", "message"), [("no_such_mod:X", "cannot import"), ("json:nothing", "no attribute")]
)
def test_bad_dotted_path_says_what_is_wrong(name: str, message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        REGISTRY.resolve(name)
