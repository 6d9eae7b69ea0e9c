"""How a script run is shown to the model: exit code, what it means, output clipped in the middle."""

from __future__ import annotations

import prompts
from sandbox.transient import SandboxFault
from sweagent.execution.scripts import ScriptRun

__all__ = ["clip", "describe_run", "require_sandbox"]


def clip(text: str, limit: int) -> str:
    """`text` with its middle cut out when longer than `limit` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    head = limit // 2
    tail = limit - head
    return f"{text[:head]}\n[... {len(text) - limit:,} characters cut ...]\n{text[len(text) - tail :]}"


def describe_run(run: ScriptRun, timeout: float, limit: int) -> str:
    """One script run in words, for an observation."""
    output = clip(run.output, limit)
    return prompts.render(
        "generation/script_run",
        timed_out=run.timed_out,
        timeout=f"{timeout:g}",
        exit_code=run.exit_code,
        verdict=run.verdict,
        output=output if output.endswith("\n") or not output else output + "\n",
    )


def require_sandbox(run: ScriptRun) -> ScriptRun:
    """`run`, or SandboxFault when the engine failed it past its retries (not a result to show)."""
    if run.infra_error is not None:
        raise SandboxFault(run.infra_error)
    return run
