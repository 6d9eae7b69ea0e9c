"""Scripted TEST policy: like `scripted:gold`, but its edit breaks the fix (a wrong candidate).

The reproduction test is the gold policy's; the edit applies the gold patch and then swaps the
fix's key line for one that keeps the bug, so the candidate must be graded unresolved.
"""

from __future__ import annotations

from typing import Any

from sweagent.models.policies import gold

__all__ = ["respond"]


def respond(messages: list[dict[str, str]], purpose: Any) -> str:
    reply = gold.respond(messages, purpose)
    if purpose.stage == "editing" and purpose.turn == 0:
        # flask-4992: the fix opens the file in binary mode when text=False; keep it in text mode.
        return reply.replace('open(filename, "r" if text else "rb")', 'open(filename, "r")')
    return reply
