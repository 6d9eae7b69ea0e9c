"""Fixtures shared by the integration tests: a real chat-completions server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sweagent.models.loopback import LoopbackChatServer


@pytest.fixture
def loopback() -> Iterator[LoopbackChatServer]:
    with LoopbackChatServer() as server:
        yield server
