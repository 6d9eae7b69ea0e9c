"""Endpoint checks for `sweagent doctor`: each configured model gets one tiny request."""

from __future__ import annotations

import asyncio
import os
import time

from rich.table import Table

from sweagent.config import ModelConfig, ModelsConfig
from sweagent.errors import ConfigError, ContextLengthExceeded, ModelError, ModelUnavailable
from sweagent.models.protocol import ModelRequest, Purpose
from sweagent.models.retry import Backoff
from sweagent.models.serve import served_models
from sweagent.models.window import WindowPlan
from sweagent.records import Record

__all__ = ["EndpointCheck", "check_endpoint", "check_models", "checks_table", "windows_table"]

_PROBE = ({"role": "user", "content": "Reply with the single word OK."},)
RETRY_SECONDS = 4.0
"""How long doctor keeps retrying before its verdict: one failed attempt does not make a dead server."""
_QUICK = Backoff(initial=0.25, maximum=1.0)


class EndpointCheck(Record):
    """What one model endpoint did with a tiny request, and what to do when it failed."""

    role: str
    """`primary` or `relevance`."""
    model: str
    base_url: str | None
    ok: bool
    flaky: bool = False
    """It answered, but only after failed attempts (5xx, timeouts, refused connections)."""
    seconds: float = 0.0
    detail: str = ""
    """What happened (the reply, or the error)."""
    fix: str = ""
    """What to do about a failure; empty when ok."""


async def _served(base_url: str) -> list[str] | None:
    try:
        return await asyncio.to_thread(served_models, base_url, 5.0)
    except (OSError, ValueError):
        return None


def _fix(error: ModelError, config: ModelConfig, served: list[str] | None) -> str:
    text = str(error)
    if isinstance(error, ModelUnavailable):
        return f"start a server (`sweagent serve vllm --model {config.name}`) or correct the base_url"
    if "HTTP 401" in text or "HTTP 403" in text:
        return f"put a valid API key in ${config.api_key_env}"
    if "HTTP 404" in text and served:
        return f"the server serves {', '.join(served)}: set the model name to one of them"
    return "read the detail; the endpoint answered but rejected the request"


async def check_endpoint(
    role: str, config: ModelConfig, timeout: float = 30.0, retry_seconds: float = RETRY_SECONDS
) -> EndpointCheck:
    """Send one short chat request to the endpoint of `config`, retrying a few times for
    `retry_seconds`: an endpoint that answers after failures is `flaky`, one that never does is down."""
    if config.name.startswith(("scripted:", "replay:")):
        detail = "a test model: no endpoint to check"
        return EndpointCheck(role=role, model=config.name, base_url=None, ok=True, detail=detail)
    if not config.base_url:
        fix = f"set models.{role}.base_url (e.g. the URL `sweagent serve vllm` prints)"
        return EndpointCheck(
            role=role, model=config.name, base_url=None, ok=False, detail="no base_url", fix=fix
        )
    from sweagent.models.openai_compat import OpenAICompatModel

    model = OpenAICompatModel(
        config.name,
        [config.base_url],
        api_key=os.environ.get(config.api_key_env) or "EMPTY",
        timeout=timeout,
        retry_seconds=retry_seconds,
        max_tokens=8,
        backoff=_QUICK,
        transport=config.transport,
    )
    started = time.monotonic()
    request = ModelRequest(messages=_PROBE, purpose=Purpose(stage="doctor"), max_tokens=8)
    base = {"role": role, "model": config.name, "base_url": config.base_url}
    try:
        response = await model.complete(request)
    except (ModelError, ConfigError) as err:
        served = await _served(config.base_url)
        fix = _fix(err, config, served) if isinstance(err, ModelError) else str(err)
        if isinstance(err, ContextLengthExceeded):
            fix = "the server's context is smaller than a one-line prompt: check its --max-model-len"
        seconds = time.monotonic() - started
        return EndpointCheck(**base, ok=False, seconds=seconds, detail=str(err), fix=fix)
    finally:
        await model.close()
    reply = response.choices[0].strip().replace("\n", " ")[:60]
    seconds = time.monotonic() - started
    failures = sum(model.retries.values())
    if failures:
        causes = ", ".join(f"{cause} x{count}" for cause, count in sorted(model.retries.items()))
        detail = f"replied {reply!r} after {failures} failed attempt(s) ({causes}): flaky"
        return EndpointCheck(**base, ok=True, flaky=True, seconds=seconds, detail=detail)
    return EndpointCheck(**base, ok=True, seconds=seconds, detail=f"replied {reply!r}")


async def check_models(
    models: ModelsConfig, timeout: float = 30.0, retry_seconds: float = RETRY_SECONDS
) -> list[EndpointCheck]:
    """Check every endpoint of the primary and the relevance model at once."""
    checks = []
    for role, config in (("primary", models.primary), ("relevance", models.relevance)):
        urls = [config.base_url, *config.extra_base_urls] if config.base_url else [None]
        for url in urls:
            one = config.model_copy(update={"base_url": url, "extra_base_urls": []})
            checks.append(check_endpoint(role, one, timeout, retry_seconds))
    return list(await asyncio.gather(*checks))


def checks_table(checks: list[EndpointCheck]) -> Table:
    """A rich table of the checks: what works, and what to do about what does not."""
    table = Table(title="model endpoints")
    for column in ("role", "model", "endpoint", "status", "seconds", "detail / fix"):
        table.add_column(column)
    for check in checks:
        status = "[green]ok[/green]" if check.ok else "[red]failed[/red]"
        if check.flaky:
            status = "[yellow]flaky[/yellow]"
        note = check.detail if check.ok else f"{check.detail}\n[yellow]fix:[/yellow] {check.fix}"
        table.add_row(check.role, check.model, check.base_url or "-", status, f"{check.seconds:.2f}", note)
    return table


def windows_table(plan: WindowPlan) -> Table:
    """A rich table of each model's window, the budgets it implies and what cannot fit."""
    table = Table(title="context windows")
    for column in ("role", "model", "window", "from", "implies"):
        table.add_column(column)
    implied = {
        "primary": f"context budget {plan.budget_tokens} ({plan.budget_source})",
        "relevance": f"files read whole up to {plan.file_tokens} tokens",
    }
    for role in (plan.primary, plan.relevance):
        window = str(role.window) if role.window is not None else "unknown"
        source = role.source + (f": {role.detail}" if role.detail else "")
        table.add_row(role.role, role.model, window, source, implied[role.role])
    for problem in plan.problems:
        table.add_row("[red]cannot fit[/red]", "", "", "", problem)
    return table
