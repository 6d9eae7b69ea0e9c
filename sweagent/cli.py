"""The `sweagent` command line: parses, builds config, calls into the package; no logic of its own."""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

from sandbox.errors import SandboxError
from sweagent.errors import InfrastructureUnavailable, SweAgentError
from sweagent.logs import log_to_console

if TYPE_CHECKING:
    from sandbox.network import NetworkMode
    from sweagent.config import EnvironmentConfig, RunConfig

__all__ = ["EXIT_INFRASTRUCTURE", "app", "main"]

app = typer.Typer(
    name="sweagent",
    help="Agentic SWE solver: parallel and serial test-time scaling, verified by execution.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
sandbox_app = typer.Typer(help="Run commands in a sandbox.", no_args_is_help=True)
images_app = typer.Typer(help="Build and list sandbox images.", no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(images_app, name="images")

err_console = Console(stderr=True, soft_wrap=True)


def _fail(message: str, code: int = 2) -> NoReturn:
    err_console.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


Overrides = Annotated[list[str] | None, typer.Option("-o", "--override", help="key.path=value")]
ConfigFiles = Annotated[list[Path] | None, typer.Option("--config", help="YAML config file(s)")]


@app.command()
def run(
    dataset: Annotated[str, typer.Option(help="Dataset file or name (swe-mini)")],
    instances: Annotated[str | None, typer.Option(help="Comma-separated instance ids")] = None,
    filter_: Annotated[str | None, typer.Option("--filter", help="Regex on instance ids")] = None,
    config: ConfigFiles = None,
    override: Overrides = None,
    model: Annotated[str | None, typer.Option(help="Primary model name")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint")] = None,
    samples: Annotated[int | None, typer.Option(help="Parallel trajectories per instance")] = None,
    iterations: Annotated[int | None, typer.Option(help="Turns per trajectory")] = None,
    run_dir: Annotated[
        Path | None, typer.Option(help="Run directory (default: a new one under runs/)")
    ] = None,
    stages: Annotated[str | None, typer.Option(help="Subset of stages, e.g. context,generate")] = None,
    repos_dir: Annotated[Path | None, typer.Option(help="Folder of <owner>/<name> git repositories")] = None,
    strict: Annotated[bool, typer.Option(help="Stop at the first malformed record")] = False,
    force: Annotated[bool, typer.Option(help="Continue a run directory under a changed config")] = False,
) -> None:
    """Solve every selected instance of a dataset (`--model` also names the relevance model unless set)."""
    from sweagent.pipeline import RunRequest, run_command

    request = RunRequest(
        dataset=dataset,
        instances=tuple(i.strip() for i in (instances or "").split(",") if i.strip()),
        filter=filter_,
        config_files=tuple(config or ()),
        overrides=tuple(override or ()),
        model=model,
        base_url=base_url,
        samples=samples,
        iterations=iterations,
        run_dir=run_dir,
        stages=stages,
        repos_dir=repos_dir,
        strict=strict,
        force=force,
    )
    raise typer.Exit(run_command(request, err_console))


@app.command()
def solve(
    repo: Annotated[Path, typer.Option(help="Local git repository (its HEAD commit is solved)")],
    issue: Annotated[str | None, typer.Option(help="Issue text")] = None,
    issue_file: Annotated[Path | None, typer.Option(help="File holding the issue text")] = None,
    test_cmd: Annotated[
        str | None, typer.Option(help="How the repository runs its tests ({tests}: files)")
    ] = None,
    apply: Annotated[bool, typer.Option(help="Apply the chosen patch to the working tree")] = False,
    branch: Annotated[str | None, typer.Option(help="Commit the patch on a new branch")] = None,
    force: Annotated[
        bool, typer.Option(help="Apply to a dirty tree; continue a run under a new config")
    ] = False,
    image: Annotated[
        str | None, typer.Option(help="Environment image (default: the repo's Dockerfile or base)")
    ] = None,
    config: ConfigFiles = None,
    override: Overrides = None,
    model: Annotated[str | None, typer.Option(help="Model name")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint")] = None,
    samples: Annotated[int | None, typer.Option(help="Parallel trajectories")] = None,
    iterations: Annotated[int | None, typer.Option(help="Turns per trajectory")] = None,
    selector: Annotated[str | None, typer.Option(help="Selector name, dotted path, or chain a>b")] = None,
    run_dir: Annotated[
        Path | None, typer.Option(help="Run directory (default: a new one under runs/)")
    ] = None,
) -> None:
    """Resolve an issue in your own repository."""
    from sweagent.solve import SolveRequest, solve_command

    request = SolveRequest(
        repo=repo,
        issue=issue,
        issue_file=issue_file,
        test_cmd=test_cmd,
        apply=apply,
        branch=branch,
        force=force,
        image=image,
        config_files=tuple(config or ()),
        overrides=tuple(override or ()),
        model=model,
        base_url=base_url,
        samples=samples,
        iterations=iterations,
        selector=selector,
        run_dir=run_dir,
    )
    raise typer.Exit(solve_command(request, err_console))


@app.command()
def select(
    run_dir: Path,
    selector: Annotated[
        str | None,
        typer.Option(help="Name, dotted path or chain a>b (default: selection.selector)"),
    ] = None,
    dataset: Annotated[str | None, typer.Option(help="Dataset of the run's instances (issue text)")] = None,
    force: Annotated[bool, typer.Option(help="Select again even where a selection is stored")] = False,
    repos_dir: Annotated[
        Path | None, typer.Option(help="Local repositories as DIR/<owner>/<name> (remembered by the run)")
    ] = None,
    config: ConfigFiles = None,
    override: Overrides = None,
) -> None:
    """Re-select over the stored candidates of a run."""
    from sweagent.selection.commands import select_command

    raise typer.Exit(
        select_command(
            run_dir,
            selector,
            dataset=dataset,
            config_files=config or [],
            overrides=override or [],
            force=force,
            repos_dir=repos_dir,
        )
    )


@app.command()
def compare(
    run_dir: Path,
    selectors: Annotated[str, typer.Option(help="Comma-separated selector names")],
    dataset: Annotated[str | None, typer.Option(help="Dataset of the run's instances (issue text)")] = None,
    repos_dir: Annotated[
        Path | None, typer.Option(help="Local repositories as DIR/<owner>/<name> (remembered by the run)")
    ] = None,
    config: ConfigFiles = None,
    override: Overrides = None,
) -> None:
    """Best-of-k table and plot per selector."""
    from sweagent.selection.commands import compare_command

    raise typer.Exit(
        compare_command(
            run_dir,
            selectors,
            dataset=dataset,
            config_files=config or [],
            overrides=override or [],
            repos_dir=repos_dir,
        )
    )


@app.command("import")
def import_(
    predictions: Annotated[list[Path], typer.Option(help="SWE-bench predictions files, one per system")],
    dataset: Annotated[str, typer.Option(help="Dataset the predictions answer")],
    run_dir: Annotated[Path, typer.Option(help="Run directory to create or extend")],
    repos_dir: Annotated[
        Path | None, typer.Option(help="Local repositories: patches are checked against the base commit")
    ] = None,
) -> None:
    """Import candidates from other systems' prediction files (system per record), classifying each."""
    from sweagent.selection.commands import import_command

    raise typer.Exit(import_command(predictions, dataset, run_dir, repos_dir=repos_dir))


@app.command()
def evaluate(
    run_dir: Annotated[
        Path | None, typer.Argument(help="Run directory: reads its predictions.jsonl, writes results.json")
    ] = None,
    predictions: Annotated[
        Path | None, typer.Option(help="SWE-bench predictions file (JSON or JSONL)")
    ] = None,
    dataset: Annotated[str | None, typer.Option(help="Dataset file or name")] = None,
    instances: Annotated[str | None, typer.Option(help="Comma-separated instance ids")] = None,
    filter_: Annotated[str | None, typer.Option("--filter", help="Regex on instance ids")] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--run-dir", help="Where results go (default: a new folder under runs/)")
    ] = None,
    repos_dir: Annotated[Path | None, typer.Option(help="Local repositories as DIR/<owner>/<name>")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds the setup and the tests may each take")] = 1800.0,
    config: ConfigFiles = None,
    override: Overrides = None,
) -> None:
    """Grade candidates with FAIL_TO_PASS / PASS_TO_PASS."""
    from sweagent.evaluation import evaluate_command

    if run_dir and out_dir and run_dir != out_dir:
        _fail("give the run directory once (RUN_DIR or --run-dir)")
    code = evaluate_command(
        predictions,
        dataset,
        run_dir or out_dir,
        [i.strip() for i in instances.split(",") if i.strip()] if instances else None,
        filter=filter_,
        repos_dir=repos_dir,
        timeout=timeout,
        environment=_environment(config, override),
        network=_grading_network(config, override),
    )
    raise typer.Exit(code)


def _environment(config: list[Path] | None, override: list[str] | None) -> EnvironmentConfig:
    """The `environment` section of the config files and overrides (`-o environment.python=nearest`)."""
    from sweagent.config import load_config

    return load_config(config or [], override or []).environment


def _grading_network(config: list[Path] | None, override: list[str] | None) -> NetworkMode:
    """`sandbox.network` when set, else `dropped`: the network grading gives the tests."""
    from sweagent.config import load_config

    return load_config(config or [], override or []).sandbox.network or "dropped"


@app.command()
def report(run_dir: Path, html: Annotated[bool, typer.Option(help="Also write report.html")] = False) -> None:
    """Write report.md, plots and optionally report.html for a run."""
    from sweagent.reporting import report_command

    raise typer.Exit(report_command(run_dir, html))


@app.command()
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


@images_app.command("build")
def images_build(
    dataset: Annotated[str, typer.Option(help="Dataset file or name")],
    instances: Annotated[str | None, typer.Option(help="Comma-separated instance ids")] = None,
    filter_: Annotated[str | None, typer.Option("--filter", help="Regex on instance ids")] = None,
    repos_dir: Annotated[Path | None, typer.Option(help="Local repositories as DIR/<owner>/<name>")] = None,
    config: ConfigFiles = None,
    override: Overrides = None,
) -> None:
    """Pull or build the instance images of a dataset, following `images plan`."""
    from sweagent.environment import build_images_command

    ids = [i.strip() for i in instances.split(",") if i.strip()] if instances else None
    environment = _environment(config, override)
    raise typer.Exit(build_images_command(dataset, ids, filter_, repos_dir, environment=environment))


@images_app.command("plan")
def images_plan(
    dataset: Annotated[str, typer.Option(help="Dataset file or name")],
    instances: Annotated[str | None, typer.Option(help="Comma-separated instance ids")] = None,
    filter_: Annotated[str | None, typer.Option("--filter", help="Regex on instance ids")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the plan as JSON here")] = None,
    config: ConfigFiles = None,
    override: Overrides = None,
) -> None:
    """Which provider serves each instance (Python, exact or approximate) or why none can; builds nothing."""
    from sweagent.environment.plan_command import plan_command

    ids = [i.strip() for i in instances.split(",") if i.strip()] if instances else None
    environment = _environment(config, override)
    raise typer.Exit(plan_command(dataset, ids, filter_, environment, json_out=json_out))


@app.command()
def validate(
    dataset: Annotated[str, typer.Option(help="Dataset file or name")],
    instances: Annotated[str | None, typer.Option(help="Comma-separated instance ids")] = None,
    filter_: Annotated[str | None, typer.Option("--filter", help="Regex on instance ids")] = None,
    run_dir: Annotated[
        Path | None, typer.Option(help="Where logs go (default: a new folder under runs/)")
    ] = None,
    repos_dir: Annotated[Path | None, typer.Option(help="Local repositories as DIR/<owner>/<name>")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds the setup and the tests may each take")] = 1800.0,
    config: ConfigFiles = None,
    override: Overrides = None,
) -> None:
    """Gold patches must resolve and empty patches must not."""
    from sweagent.evaluation import validate_command

    code = validate_command(
        dataset,
        [i.strip() for i in instances.split(",") if i.strip()] if instances else None,
        filter=filter_,
        repos_dir=repos_dir,
        run_dir=run_dir,
        timeout=timeout,
        environment=_environment(config, override),
        network=_grading_network(config, override),
    )
    raise typer.Exit(code)


@sandbox_app.command("exec")
def sandbox_exec(
    command: Annotated[list[str], typer.Argument(help="The command (after --); one word is run by bash -c")],
    image: Annotated[str | None, typer.Option(help="Image (default: the bookworm base image)")] = None,
    dataset: Annotated[str | None, typer.Option(help="Dataset of --instance")] = None,
    instance: Annotated[str | None, typer.Option(help="Run in this instance's environment")] = None,
    timeout: Annotated[
        float | None, typer.Option(help="Wall-clock seconds (default: sandbox.timeout)")
    ] = None,
    network: Annotated[bool, typer.Option("--network", help="Allow network access")] = False,
    config: ConfigFiles = None,
    override: Overrides = None,
) -> None:
    """Run one command in a fresh sandbox and print its ExecResult as JSON."""
    from sweagent.config import load_config
    from sweagent.sandboxes import docker_config, run_once

    loaded = load_config(config or [], override or [])
    image = _instance_image(dataset, instance, loaded) if dataset or instance else image
    settings = loaded.sandbox
    result = run_once(docker_config(settings, image, network=network), command, timeout)
    typer.echo(result.model_dump_json(indent=2))
    if result.infra_error:
        raise typer.Exit(1)


@app.command()
def shell(
    image: Annotated[str | None, typer.Option(help="Image (default: the bookworm base image)")] = None,
    dataset: Annotated[str | None, typer.Option(help="Dataset of the instance")] = None,
    instance: Annotated[str | None, typer.Option(help="Instance whose environment to enter")] = None,
    network: Annotated[bool, typer.Option("--network", help="Allow network access")] = False,
    config: ConfigFiles = None,
    override: Overrides = None,
) -> None:
    """Open an interactive shell in a fresh sandbox; it is removed when the shell exits."""
    from sweagent.config import load_config
    from sweagent.sandboxes import docker_config, open_shell

    loaded = load_config(config or [], override or [])
    image = _instance_image(dataset, instance, loaded) if dataset or instance else image
    settings = loaded.sandbox
    raise typer.Exit(open_shell(docker_config(settings, image, network=network)))


def _instance_image(dataset: str | None, instance: str | None, config: RunConfig) -> str:
    """The (pulled or built if needed) image of one dataset instance, for `shell` and `sandbox exec`."""
    from sandbox.engine import connect
    from sweagent.datasets import load_dataset
    from sweagent.environment.providers import EnvironmentProviders

    if not (dataset and instance):
        _fail("give both --dataset and --instance (or --image)")
    record = load_dataset(dataset, instances=[instance]).get(instance)
    client = connect()
    try:
        providers = EnvironmentProviders(config.environment)
        info = providers.prepare(record, client=client, progress=lambda line: err_console.print(line))
        if info.approximate:
            err_console.print(f"[yellow]approximate environment:[/yellow] {'; '.join(info.notes)}")
        return info.image
    finally:
        client.close()


@app.command("cleanup")
def cleanup_(
    images: Annotated[bool, typer.Option("--images", help="Also remove labelled images")] = False,
) -> None:
    """Remove the containers (and with --images, the images) this tool labelled."""
    from sweagent.sandboxes import remove_leftovers

    report = remove_leftovers(images=images)
    err_console.print(f"removed {len(report.containers)} container(s), {len(report.images)} image(s)")


@app.command()
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

    shortcuts = [f"models.primary.name={model}"] * bool(model) + [
        f"models.primary.base_url={base_url}"
    ] * bool(base_url)
    cfg = load_config(config or [], [*(override or []), *shortcuts])
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


EXIT_INFRASTRUCTURE = 3
"""Exit code when a service the command needs (a model endpoint) stayed down past its retry budget."""
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


def _terminate_like_interrupt() -> list[int]:
    """SIGTERM unwinds like Ctrl-C, so a stopped run saves its usage and its sandboxes are removed;
    the list returned fills with the signal when it arrives (the exit code is then 143, not 130)."""
    received: list[int] = []

    def interrupt(signum: int, frame: object) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    return received


def main() -> None:
    """Console-script entry point: known errors become one line and exit code 2 (3: infrastructure)."""
    # A dependency may switch on INFO logging; a line per HTTP request drowns the progress tables.
    for name in ("httpx", "httpx2", "httpcore", "openai"):
        logging.getLogger(name).setLevel(logging.WARNING)
    log_to_console(err_console)
    terminated = _terminate_like_interrupt()
    try:
        app()
    except SystemExit as exit_:
        if terminated and exit_.code == EXIT_INTERRUPTED:
            raise SystemExit(EXIT_TERMINATED) from None
        raise
    except InfrastructureUnavailable as err:
        err_console.print(f"[red]stopped:[/red] {err}", highlight=False)
        raise SystemExit(EXIT_INFRASTRUCTURE) from None
    except (SweAgentError, SandboxError) as err:
        err_console.print(f"[red]error:[/red] {err}", highlight=False)
        raise SystemExit(2) from None
