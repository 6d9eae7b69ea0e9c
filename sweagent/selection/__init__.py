"""Selection: the Selector protocol, the registry of selectors, built-ins, chains and comparison."""

from sweagent.selection.protocol import (
    Evidence,
    RegressionRun,
    Selector,
    SelectorContext,
    call_select,
    diff_size,
    ranked,
)
from sweagent.selection.registry import SELECTORS, ChainSelector, build_selector, chain_parts, selector_needs

__all__ = [
    "SELECTORS",
    "ChainSelector",
    "Evidence",
    "RegressionRun",
    "Selector",
    "SelectorContext",
    "build_selector",
    "call_select",
    "chain_parts",
    "diff_size",
    "ranked",
    "selector_needs",
]
