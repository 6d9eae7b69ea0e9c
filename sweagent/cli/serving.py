"""`serve` and `doctor`: model servers and what works on this machine (sweagent/models)."""

from __future__ import annotations

from typing import Annotated

import typer

from sweagent.cli.options import ConfigFiles, Overrides, err_console

__all__ = ["commands"]

commands = typer.Typer()


@commands.command()
def serve(
    backend: Annotated[str, typer.Argument(help="vllm or llamacpp")],
    model: Annotated[
        str | None, typer.Option(help="Model to serve (llamacpp: default packaged gemma-3-270m)")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (vllm 8000, llamacpp 8080 by default)")] = None,
    max_model_len: Annotated[
        int | None, typer.Option(help="Context window (vllm: the model's default; llamacpp: 8192)")
    ] = None,
) -> None:
    """Start an OpenAI-compatible model server."""
    from sweagent.models.serve import serve as serve_model

    raise typer.Exit(serve_model(backend, model, port=port, echo=typer.echo, max_model_len=max_model_len))


@commands.command()
def doctor(
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
    model: Annotated[str | None, typer.Option(help="Primary model name to check")] = None,
    base_url: Annotated[str | None, typer.Option(help="Primary model endpoint to check")] = None,
    config: ConfigFiles = None,
    override: Overrides = None,
) -> None:
    """Check Docker, images and model endpoints; say what to fix."""
    import asyncio
    import json

    from sweagent.config import load_config
    from sweagent.models.doctor import check_models, checks_table, windows_table
    from sweagent.models.window import plan_run
    from sweagent.sandboxes import docker_checks

    shortcuts = {"models.primary.name": model, "models.primary.base_url": base_url}
    values = {key: value for key, value in shortcuts.items() if value is not None}
    cfg = load_config(config or [], override or [], values)
    engine = docker_checks()
    models = asyncio.run(check_models(cfg.models, timeout=30))
    windows = asyncio.run(plan_run(cfg))
    if json_:
        report = {
            "docker": engine,
            "models": [c.model_dump() for c in models],
            "windows": windows.model_dump(),
        }
        typer.echo(json.dumps(report, indent=2))
    else:
        for name, (ok, detail) in engine.items():
            mark = "[green]ok[/green]" if ok else "[red]failed[/red]"
            err_console.print(f"{name}: {mark} {detail}", highlight=False)
        err_console.print(checks_table(models))
        err_console.print(windows_table(windows))
    engine_ok = all(ok for ok, _ in engine.values())
    if not engine_ok or not all(c.ok for c in models) or not windows.fits:
        raise typer.Exit(1)
