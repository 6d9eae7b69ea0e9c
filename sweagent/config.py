"""RunConfig: defaults <- YAML files <- `-o key.path=value` overrides, validated by pydantic."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sweagent.errors import ConfigError, field_path, one_line
from sweagent.overrides import apply_override, merge, read_yaml, set_value
from sweagent.sandbox_settings import DockerSandboxSettings, SandboxSettings, run_sandbox_type

__all__ = [
    "DEFAULT_BUDGET_TOKENS",
    "BudgetConfig",
    "ContextConfig",
    "EnvironmentConfig",
    "FlowConfig",
    "GenerationConfig",
    "ModelConfig",
    "ModelsConfig",
    "OfficialImagesConfig",
    "RayConfig",
    "RunConfig",
    "SandboxSettings",
    "SelectionConfig",
    "apply_override",
    "load_config",
]


DEFAULT_BUDGET_TOKENS = 120_000
"""The context budget when none is set and no window is known (sized for a 200k-token model)."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ModelConfig(Section):
    """One model as users write it; `sweagent.models.factory.ModelSpec` reads it as its kind and builds it."""

    name: str = "scripted:builtin"
    """Model name sent to the endpoint, or `scripted:POLICY.py` / `replay:RUN_DIR` for the test models."""
    base_url: str | None = None
    """OpenAI-compatible endpoint, e.g. http://localhost:8000/v1 for `vllm serve`."""
    extra_base_urls: list[str] = Field(default_factory=list)
    """More endpoints serving the same model; requests are balanced by outstanding load."""
    api_key_env: str = "OPENAI_API_KEY"
    """Name of the environment variable holding the API key (vLLM accepts any key)."""
    max_concurrency: int = Field(default=64, ge=1)
    """Requests in flight per endpoint."""
    max_tokens: int = Field(default=4096, ge=1)
    """Completion tokens per call."""
    timeout: float = Field(default=600.0, gt=0)
    """Seconds one request may take before it is retried."""
    retry_seconds: float = Field(default=900.0, ge=0)
    """Total seconds of retrying (429, 5xx, timeouts, refused connections) before giving up."""
    transport: Literal["openai", "aiohttp"] = "openai"
    """HTTP client: the `openai` SDK, or aiohttp (a quarter of the CPU per call, for many short calls)."""
    context_window: int | None = Field(default=None, ge=256)
    """Tokens of the model's context window (prompt and reply); None asks the server (vLLM's
    `/v1/models` reports `max_model_len`). Budgets are derived from it and checked against it."""
    guided: bool = False
    """Hold replies to their stage's output grammar (llama.cpp grammars, vLLM structured outputs)."""
    guided_backend: Literal["auto", "llamacpp", "vllm", "vllm-legacy", "none"] = "auto"
    """How `guided` is sent: `auto` asks the server's `/models` (and vLLM's `/version`) what it is."""


class ModelsConfig(Section):
    primary: ModelConfig = Field(default_factory=ModelConfig)
    """Writes tests, edits, rankings and selections."""
    relevance: ModelConfig = Field(default_factory=ModelConfig)
    """Small model that judges each file's relevance in the context stage."""
    prices: dict[str, tuple[float, float] | tuple[float, float, float]] = Field(default_factory=dict)
    """Model name -> (USD per million prompt tokens, per million completion tokens[, per million
    cached prompt tokens]); cached tokens cost the prompt price when no third price is given;
    unpriced models cost 0."""


class ContextConfig(Section):
    """The context stage as users write it; `sweagent.context.provider_configs` builds its provider."""

    provider: Literal["relevance", "bm25"] = "relevance"
    """How files are chosen: the relevance scan with ranking, or lexical retrieval."""
    budget_tokens: int | None = Field(default=None, ge=0)
    """Tokens of file content the context may hold; None derives it from the primary model's window
    (window - reply - `prompt_reserve_tokens` - room for the turns), 120k when no window is known."""
    skip_dirs: list[str] = Field(default_factory=lambda: ["tests", "test", "testing", "docs", "examples"])
    """Directory names skipped at any depth when listing files."""
    prefilter_files: int | None = Field(default=None, ge=1)
    """Cap the relevance scan to the top-N files by BM25 on very large repositories."""
    window_tokens: int = Field(default=100_000, ge=256)
    """Tokens of a file the relevance model reads whole (capped to fit the relevance model's window);
    a larger file is shown as its skeleton."""
    rankings: int = Field(default=3, ge=1)
    """Rankings the primary model writes (one request, `n` samples); they are merged."""
    ranking_temperature: float = Field(default=0.7, ge=0)
    """Sampling temperature when several rankings are asked for (one ranking uses 0)."""
    cache_dir: Path | None = None
    """Where relevance answers and rankings are cached; None keeps them in `<run_dir>/cache/context`."""
    prompt_reserve_tokens: int = Field(default=3072, ge=0)
    """Tokens kept for the instructions and the issue when a budget is derived from a window."""

    def budget(self) -> int:
        """`budget_tokens`, or the default when it is left to be derived and no window is known."""
        return DEFAULT_BUDGET_TOKENS if self.budget_tokens is None else self.budget_tokens


class GenerationConfig(Section):
    samples: int = Field(default=10, ge=1)
    """Parallel trajectories per instance (parallel scaling)."""
    iterations: int = Field(default=8, ge=1)
    """Turns each trajectory may take (serial scaling)."""
    temperature: float = Field(default=0.5, ge=0)
    """Sampling temperature of the primary model."""
    script_timeout: float = Field(default=120.0, gt=0)
    """Seconds a reproduction test may run before it is killed."""
    script_command: str = "python3"
    """The interpreter a reproduction test is run with, from the repository root."""
    observation_chars: int = Field(default=6000, ge=200)
    """A script's output shown to the model is cut in the middle beyond this many characters."""
    trim_history: bool = True
    """When the next request would overflow the model's window, shorten older observations (and
    then older replies) first; off, such a trajectory ends as `context_exhausted`."""


class SelectionConfig(Section):
    selector: str = "vote>state-machine"
    """A registered name, a dotted path `pkg.mod:Cls`, or a chain `a>b`."""
    top_k: int = Field(default=3, ge=1)
    """Candidates a chain's first selector passes on."""
    iterations: int = Field(default=10, ge=1)
    """Turns of the selection trajectory."""
    regression_command: str = "auto"
    """How the `regression` selector runs the repository's existing tests: `{tests}` becomes the test
    files, `{modules}` the same as dotted modules (Django's runner); `auto` is the instance's SWE-bench
    test command (`bin/test` for sympy, `runtests.py` for Django), or pytest when it has none."""
    regression_timeout: float = Field(default=600.0, gt=0)
    """Seconds the existing tests may run per candidate."""
    max_tokens: int = Field(default=8192, ge=1)
    """Completion tokens per call of the selection trajectory (it reasons over several candidates)."""


class OfficialImagesConfig(Section):
    registry: str = "docker.io"
    """Registry host[:port] of the SWE-bench harness's prebuilt instance images (`ghcr.io`: a mirror)."""
    namespace: str = "swebench"
    """Namespace of the images: `<registry>/<namespace>/sweb.eval.<arch>.<instance id>:<tag>`."""
    tag: str = "latest"
    """Image tag."""
    arch: str = "x86_64"
    """Architecture part of the image name."""
    env_prefix: str = "/opt/miniconda3/envs/testbed"
    """The image's conda environment, activated for every command (`<prefix>/bin/activate` for a venv)."""
    probe_timeout: float = Field(default=5.0, gt=0)
    """Seconds the registry may take to answer; asked once per run, an unreachable one is not asked again."""


_SPHINX_DOCUTILS: dict[str, date | None] = {"sphinx-doc/sphinx": date(2024, 4, 1)}


class EnvironmentConfig(Section):
    providers: list[Literal["official", "build"]] = Field(default_factory=lambda: ["official", "build"])  # type: ignore[arg-type]
    """Where instance environments come from, tried in order: `official` (the harness's prebuilt images)
    and `build` (built here from swebench's specs). Also accepts `official,build`."""
    python: Literal["exact", "nearest"] = "nearest"
    """`build` on the spec's Python, else on the nearest base Python, marked approximate in every record,
    result and report (`nearest`); or refuse an instance whose Python no base image has (`exact`)."""
    official: OfficialImagesConfig = Field(default_factory=OfficialImagesConfig)
    """Where the `official` provider pulls from."""
    released_before: date | None = date(2025, 1, 1)
    """`build`: packages whose installed release came out on or after this day (an ISO date) are moved
    back to their last earlier release, closer to the environments SWE-bench graded in; the spec's
    pins stay. None: keep whatever is newest on the day of the build."""
    released_before_by_repo: dict[str, date | None] = Field(default_factory=lambda: dict(_SPHINX_DOCUTILS))
    """Per repository (`owner/name`), a day that replaces `released_before` (null: no cutoff). sphinx:
    its 3.x tests in SWE-bench's PASS_TO_PASS check HTML that docutils 0.21 (April 2024) changed."""

    @field_validator("providers", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list) and (not value or len(set(value)) != len(value)):
            msg = "name each provider once, at least one (official, build)"
            raise ValueError(msg)
        return value


class BudgetConfig(Section):
    instance_tokens: int | None = None
    """Hard cap on tokens (prompt + completion) per instance."""
    instance_cost: float | None = None
    """Hard cap on USD per instance."""
    run_tokens: int | None = None
    """Hard cap on tokens for the whole run."""
    run_cost: float | None = None
    """Hard cap on USD for the whole run."""


class RayConfig(Section):
    """Where and how instances run under `executor: ray` (see sweagent/executors/)."""

    address: str | None = None
    """The cluster to join (`ray.init(address=...)`, e.g. `auto` or `10.0.0.5:6379`); None starts a
    one-machine Ray on this host with `concurrency` docker slots."""
    task_cpus: float = Field(default=1.0, ge=0)
    """CPUs one instance's task takes on its node."""
    task_docker: float = Field(default=1.0, gt=0)
    """Units of a node's custom `docker` resource one instance's task takes (its sandbox slots)."""
    retries: int = Field(default=3, ge=0)
    """Times a task is rerun elsewhere when its node or worker process dies."""


class FlowConfig(Section):
    order: Literal["flowing", "staged"] = "flowing"
    """`flowing`: each instance goes on to its next stage as soon as it finishes one; `staged`: every
    instance finishes a stage before any starts the next (the old order, kept for comparison)."""
    sandbox_instances: int = Field(default=4, ge=1)
    """Instances generating or selecting at once, each with a pool of `sandbox.pool_size` sandboxes."""
    image_builds: int = Field(default=1, ge=1)
    """Instance images prepared (built or pulled) at once."""
    evaluations: int = Field(default=2, ge=1)
    """Instances graded at once in the flowing order (the staged order grades `sandbox.pool_size`)."""


class RunConfig(Section):
    models: ModelsConfig = Field(default_factory=ModelsConfig)
    context: ContextConfig = Field(default_factory=ContextConfig)
    generation: GenerationConfig = Field(default_factory=GenerationConfig)
    selection: SelectionConfig = Field(default_factory=SelectionConfig)
    sandbox: SandboxSettings = Field(default_factory=DockerSandboxSettings)
    environment: EnvironmentConfig = Field(default_factory=EnvironmentConfig)
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    flow: FlowConfig = Field(default_factory=FlowConfig)
    concurrency: int = Field(default=4, ge=1)
    """Instances processed at once in a stage (in the flowing order: in the context stage; under
    `executor: ray`, the nodes' resources decide instead)."""
    executor: Literal["local", "ray"] = "local"
    """Where instances run: in this process, or as tasks on a Ray cluster (`ray` section)."""
    ray: RayConfig = Field(default_factory=RayConfig)
    seed: int = 0
    """Seed for every random choice (random selector, best-of-k subsets)."""

    @field_validator("sandbox", mode="before")
    @classmethod
    def _sandbox_type(cls, value: object) -> object:
        return run_sandbox_type(value)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)


def load_config(
    files: Iterable[Path] = (), overrides: Iterable[str] = (), values: Mapping[str, Any] | None = None
) -> RunConfig:
    """Defaults, each YAML file in order, each override, then typed `values` by key; errors name the key."""
    data: dict[str, Any] = {}
    for path in files:
        data = merge(data, read_yaml(path))
    for override in overrides:
        data = apply_override(data, override)
    for key, value in (values or {}).items():
        data = set_value(data, key, value)
    try:
        return RunConfig.model_validate(data)
    except ValidationError as err:
        problems = "; ".join(
            f"{field_path(_untagged(e['loc']), '(top)')}: {one_line(e['msg'])}" for e in err.errors()
        )
        msg = f"invalid config: {problems}"
        raise ConfigError(msg) from err


def _untagged(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    # The union puts the chosen member's tag into the location; the user wrote `sandbox.pids`.
    if len(loc) > 2 and loc[0] == "sandbox" and loc[1] in ("docker", "bwrap"):
        return (loc[0], *loc[2:])
    return loc
