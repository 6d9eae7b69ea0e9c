"""Labels mark everything sweagent creates, and a session's objects when a session id is set."""

from __future__ import annotations

import pytest

from sandbox.engine import LABEL, SESSION_ENV, labels


def test_labels_without_a_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SESSION_ENV, raising=False)
    assert labels("sandbox", image="x") == {LABEL: "1", f"{LABEL}.kind": "sandbox", f"{LABEL}.image": "x"}


def test_labels_carry_the_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SESSION_ENV, "run-42")
    assert labels("pristine")[f"{LABEL}.session"] == "run-42"
