"""Scripted TEST policy `scripted:long_outputs`: the gold oracle with long test outputs and long trajectories.

It is not a solver. It makes conversations grow as a real model's do, so that fitting them into a
window is exercised: its reproduction test prints about 30,000 characters before running the gold
policy's test, and both trajectories revise that test turn after turn before approving.

- testing: turns 0 to 5 write (and rewrite) the long test; turn 6 approves it;
- editing: turn 0 applies the gold patch; turns 1 to 5 rewrite the long test; turn 6 approves;
- every other stage: as `scripted:gold`.
"""

from __future__ import annotations

from typing import Any

from sweagent.models.policies import gold

__all__ = ["LAST_REVISION", "NOISE_LINES", "respond"]

NOISE_LINES = 400
"""Lines of about 75 characters the test prints before it checks anything."""
LAST_REVISION = 5
"""The last turn that rewrites the test; the next one approves."""


def respond(messages: list[dict[str, str]], purpose: Any) -> str:
    """As `gold.respond`, with the long test written on turns up to LAST_REVISION."""
    if purpose.stage not in ("testing", "editing"):
        return gold.respond(messages, purpose)
    if purpose.turn > LAST_REVISION:
        return "The test and the edit behave as intended.\n<done/>"
    if purpose.stage == "editing" and purpose.turn == 0:
        return gold.respond(messages, purpose)
    instance = gold._record(purpose.instance_id)
    noise = (
        f"for line in range({NOISE_LINES}):\n"
        f"    print(f'revision {purpose.turn} diagnostic line {{line:4d}}: ' + 'x' * 40)\n"
    )
    script = noise + gold.reproduction_script(instance)
    return f"Revision {purpose.turn} of the test, printing its diagnostics.\n<test>\n{script}</test>"
