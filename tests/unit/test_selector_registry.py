"""Selectors by short name, by chain, and from another package by dotted path."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from selection_fixtures import INSTANCE, candidate

from sweagent.errors import ConfigError, RegistryError
from sweagent.selection import SELECTORS, Evidence, build_selector, call_select, chain_parts, selector_needs

PLUGIN = '''
from sweagent.records import Selection


class Longest:
    """A third-party selector: only the records are imported."""

    name = "longest"

    def select(self, instance, candidates, evidence):
        best = max(candidates, key=lambda c: len(c.patch))
        return Selection(selector=self.name, candidate_id=best.id, status="selected",
                         scores={c.id: float(len(c.patch)) for c in candidates})
'''


@pytest.fixture
def plugin_module(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "my_selectors_plugin.py").write_text(PLUGIN, encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        yield "my_selectors_plugin"
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("my_selectors_plugin", None)


def test_every_builtin_resolves() -> None:
    for name in ("random", "vote", "vote-weighted", "regression", "model", "state-machine", "oracle"):
        assert callable(getattr(SELECTORS.resolve(name), "select", None)), name


def test_a_third_party_selector_plugs_in_by_dotted_path(plugin_module: str) -> None:
    short, long = candidate("s", lines=1), candidate("l", lines=4)
    selector = build_selector(f"{plugin_module}:Longest")
    chosen = asyncio.run(call_select(selector, INSTANCE, [short, long], Evidence()))
    assert (chosen.selector, chosen.candidate_id) == ("longest", long.id)
    # ...and as a part of a chain.
    chain = build_selector(f"random>{plugin_module}:Longest")
    assert asyncio.run(call_select(chain, INSTANCE, [short, long], Evidence())).status == "selected"


def test_chains_split_and_needs_add_up() -> None:
    assert chain_parts(" vote > state-machine ") == ["vote", "state-machine"]
    assert selector_needs("vote>state-machine") == {"test_matrix", "model", "sandbox"}
    assert selector_needs("random") == set()
    with pytest.raises(ConfigError, match="none of them empty"):
        chain_parts("vote>")


def test_unknown_names_say_what_is_known() -> None:
    with pytest.raises(RegistryError, match="known: .*vote-weighted"):
        build_selector("votes")
    with pytest.raises(RegistryError, match="has no select"):
        build_selector("json:dumps")


def test_a_selector_registered_as_an_entry_point_resolves_by_its_name(
    plugin_module: str, tmp_path: Path
) -> None:
    info = tmp_path / "my_selectors_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: my-selectors-plugin\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        f"[sweagent.selectors]\nlongest = {plugin_module}:Longest\n", encoding="utf-8"
    )
    assert "longest" in SELECTORS.names()
    short, long = candidate("s", lines=1), candidate("l", lines=3)
    chosen = asyncio.run(call_select(build_selector("longest"), INSTANCE, [short, long], Evidence()))
    assert chosen.candidate_id == long.id
