"""Evaluate one patch on one instance in a fresh sandbox: apply, test between markers, grade.

Each failure keeps its own status: a candidate patch that does not apply is `patch_failed`, an
environment that cannot start or set up is `env_failed`, a test run over time is `timeout`, and
only a run that finished and was graded is `resolved` or `unresolved`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from docker import DockerClient

from sandbox.docker import DockerSandbox, DockerSandboxConfig
from sandbox.errors import ImageNotFound, SandboxError
from sandbox.network import NetworkMode
from sandbox.result import ExecResult
from sandbox.transient import RetryPolicy, check_infra, retry_transient
from sweagent.evaluation.grading import Grade, Markers, frame_log, grade_log, log_parser
from sweagent.evaluation.sandbox_scripts import (
    apply_command,
    ends_line,
    restore_script,
    run_tests_script,
    setup_script,
    tolerated_failures,
)
from sweagent.evaluation.steps_in_one_exec import Step, run_steps
from sweagent.patches import candidate_id as patch_candidate_id
from sweagent.records import (
    EnvironmentInfo,
    EvalResult,
    EvalStatus,
    Instance,
    TestCount,
)
from sweagent.sandboxes import FINISHING_CPU_SHARES
from sweagent.store import RunStore, atomic_write_text, eval_artifact

__all__ = [
    "EVAL_OUTPUT_LIMIT",
    "SandboxOpener",
    "eval_sandbox_config",
    "evaluate_instance",
    "save_evaluation",
]

SandboxOpener = Callable[[], AbstractContextManager[DockerSandbox]]
"""Gives a pristine grading sandbox for a `with` block: a new one, or one lent by a pool."""

EVAL_OUTPUT_LIMIT = 16 * 1024 * 1024
"""Bytes of test output kept: large enough that a long test log reaches the grader whole."""
_CANDIDATE_PATCH = "/tmp/sweagent-apply.patch"
_TEST_PATCH = "/tmp/sweagent-test.patch"


@dataclass
class _Evaluation:
    """One evaluation's identity and the log it writes as it goes."""

    instance: Instance
    candidate_id: str
    log: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Tolerated setup failures and sandbox shortfalls, for the result's `setup_warnings`."""

    def step(self, title: str, result: ExecResult) -> ExecResult:
        note = f" (infrastructure: {result.infra_error})" if result.infra_error else ""
        self.log.append(
            f"== {title}: exit {result.exit_code}{note}\n{result.stdout}{result.stderr}".rstrip() + "\n"
        )
        return result

    def text(self) -> str:
        return "\n".join(self.log)

    def result(
        self, status: EvalStatus, detail: str, exit_code: int | None = None, grade: Grade | None = None
    ) -> EvalResult:
        """The evaluation's result; without a `grade` (none was made) its tests are counted, none passed."""
        instance = self.instance
        return EvalResult(
            instance_id=instance.instance_id,
            candidate_id=self.candidate_id,
            status=status,
            fail_to_pass=grade.fail_to_pass if grade else TestCount(total=len(instance.FAIL_TO_PASS)),
            pass_to_pass=grade.pass_to_pass if grade else TestCount(total=len(instance.PASS_TO_PASS)),
            tests=grade.tests if grade else {},
            exit_code=exit_code,
            detail=detail,
            setup_warnings=tuple(self.warnings),
        )


def evaluate_instance(
    instance: Instance,
    patch: str,
    *,
    image: str,
    test_cmd: str,
    setup_cmds: Sequence[str] = (),
    client: DockerClient | None = None,
    timeout: float = 1800.0,
    candidate_id: str | None = None,
    store: RunStore | None = None,
    memory: str = "4g",
    environment: EnvironmentInfo | None = None,
    open_sandbox: SandboxOpener | None = None,
    retry: RetryPolicy | None = None,
    network: NetworkMode = "dropped",
) -> EvalResult:
    """Grade `patch` (empty: the unchanged code) on `instance` in a new sandbox of `image`.

    The sandbox's network is `network`: by default outbound packets are dropped, as the official
    harness's tests expect of a network without the internet (see sandbox/network.py).
    `environment` (which provider served the image, whether it is approximate) goes into the result.
    `open_sandbox` lends a pristine sandbox of `image` instead (a pool that resets between candidates);
    then the steps before the test run go in one exec, whose cost a warm sandbox would otherwise feel.
    A sandbox fault that clears (container gone, engine restarting) is retried from a fresh sandbox
    under `retry`; one that persists grades `error` with its cause, never `unresolved`.
    """
    evaluation = _Evaluation(instance, candidate_id or patch_candidate_id(patch))
    served = environment.served_hosts if environment is not None else ()
    config = eval_sandbox_config(image, timeout, memory, network, served)
    opener = open_sandbox or (lambda: config.build(client=client))
    try:
        one_exec = open_sandbox is not None

        def attempt() -> EvalResult:
            evaluation.log.clear()  # a retried evaluation's log starts over
            evaluation.warnings.clear()
            return _evaluate(evaluation, config, patch, test_cmd, setup_cmds, opener, one_exec=one_exec)

        result = retry_transient(attempt, retry or RetryPolicy(), f"evaluating {instance.instance_id}")
    except ImageNotFound as err:
        result = evaluation.result("env_failed", str(err))
    except SandboxError as err:
        result = evaluation.result("error", f"sandbox: {err}")
    if environment is not None:
        result = result.model_copy(update={"environment": environment})
    if store is not None:
        save_evaluation(store, result, evaluation.text() or result.detail)
    return result


def eval_sandbox_config(
    image: str,
    timeout: float,
    memory: str = "4g",
    network: NetworkMode = "dropped",
    served: tuple[str, ...] = (),
) -> DockerSandboxConfig:
    """The sandbox a grading runs in: outbound packets dropped (by default), in `/testbed`, output bounded.

    The `served` host names (web services the image serves itself, sweagent.environment.services)
    resolve to loopback, where the setup starts them on ports 80 and 443; on the `open` network
    the real hosts answer instead.
    """
    local = served if network != "open" else ()
    return DockerSandboxConfig(
        image=image, workdir="/testbed", network=network, timeout=timeout, memory=memory,
        output_limit=EVAL_OUTPUT_LIMIT, hosts={host: "127.0.0.1" for host in local}, low_ports=bool(local),
        cpu_shares=FINISHING_CPU_SHARES,
    )  # fmt: skip


def save_evaluation(store: RunStore, result: EvalResult, log: str) -> None:
    """`<instance>/eval/<candidate>.json` and the test log beside it, each written atomically."""
    name = result.candidate_id or "none"
    store.write(result.instance_id, eval_artifact(name), result)
    atomic_write_text(store.path(result.instance_id, eval_artifact(name, ".log")), log)


def _evaluate(
    evaluation: _Evaluation,
    config: DockerSandboxConfig,
    patch: str,
    test_cmd: str,
    setup_cmds: Sequence[str],
    open_sandbox: SandboxOpener,
    *,
    one_exec: bool,
) -> EvalResult:
    instance = evaluation.instance
    parser = log_parser(instance)
    if parser is None:
        return evaluation.result("unsupported", f"swebench has no log parser for repository {instance.repo}")
    with open_sandbox() as sandbox:
        if sandbox.network_warning:
            evaluation.warnings.append(sandbox.network_warning)
        prepare = _prepare_in_one_exec if one_exec else _prepare_step_by_step
        failure = prepare(evaluation, sandbox, patch, setup_cmds, config.timeout)
        if failure is not None:
            return failure
        markers = Markers.new()  # made now, after the patch is fixed, and never sent into the sandbox
        run = check_infra(sandbox.exec(run_tests_script(test_cmd), timeout=config.timeout))
    evaluation.log.append(frame_log(markers, run.stdout, run.exit_code))
    if run.infra_error:
        return evaluation.result("error", f"sandbox: {run.infra_error}")
    if run.timed_out:
        return evaluation.result("timeout", f"the test command ran over {config.timeout:g}s and was killed")
    grade = grade_log(instance, parser, evaluation.text(), markers, run.exit_code)
    detail = grade.detail
    if run.stdout_bytes > len(run.stdout.encode()):
        detail = (detail + "; " if detail else "") + "the middle of the test output was cut (too long)"
    return evaluation.result(grade.status, detail, run.exit_code, grade)


def _prepare_step_by_step(
    evaluation: _Evaluation, sandbox: DockerSandbox, patch: str, setup_cmds: Sequence[str], timeout: float
) -> EvalResult | None:
    """Candidate patch, test files put back, test patch, setup: an exec each; the failure, if any."""
    instance = evaluation.instance
    if patch.strip():
        failure = _check(evaluation, "candidate patch", sandbox.apply_patch(patch))
        if failure is not None:
            return failure
    if instance.test_patch:
        evaluation.step("restore test files", sandbox.exec(restore_script(instance.test_patch), timeout=120))
        failure = _check(evaluation, "test patch", sandbox.apply_patch(instance.test_patch))
        if failure is not None:
            return failure
    return _check(evaluation, "setup", sandbox.exec(setup_script(setup_cmds), timeout=timeout))


def _prepare_in_one_exec(
    evaluation: _Evaluation, sandbox: DockerSandbox, patch: str, setup_cmds: Sequence[str], timeout: float
) -> EvalResult | None:
    """The same steps with the same commands, run by `run_steps` in one exec; the failure, if any."""
    instance = evaluation.instance
    steps, files = [], {}
    if patch.strip():
        files[_CANDIDATE_PATCH] = ends_line(patch)
        steps.append(Step("candidate patch", apply_command(_CANDIDATE_PATCH), 120))
    if instance.test_patch:
        files[_TEST_PATCH] = ends_line(instance.test_patch)
        steps.append(Step("restore test files", restore_script(instance.test_patch), 120, gate=False))
        steps.append(Step("test patch", apply_command(_TEST_PATCH), 120))
    steps.append(Step("setup", setup_script(setup_cmds), timeout))
    for title, result in run_steps(sandbox, steps, files):
        failure = _check(evaluation, title, result)
        if failure is not None:
            return failure
    return None


def _check(evaluation: _Evaluation, title: str, result: ExecResult) -> EvalResult | None:
    """Log a step; the evaluation's end if the step decides it (a gating step that failed). A step
    the engine could not run raises a transient fault (retried from a fresh sandbox)."""
    evaluation.step(title, check_infra(result))
    if title == "setup":
        evaluation.warnings.extend(tolerated_failures(result))
    if result.ok or title == "restore test files":
        return None
    if title == "candidate patch":
        status: EvalStatus = "error" if result.infra_error else "patch_failed"
        return evaluation.result(status, _why("the patch does not apply", result))
    if title == "test patch":
        return evaluation.result("error", _why("the instance's test patch does not apply", result))
    return evaluation.result(
        "timeout" if result.timed_out else "env_failed", _why("a required setup step failed", result)
    )


def _why(what: str, result: ExecResult) -> str:
    tail = (result.stderr or result.stdout).strip()[-500:]
    reason = result.infra_error or ("timed out" if result.timed_out else f"exit {result.exit_code}")
    return f"{what} ({reason}): {tail}" if tail else f"{what} ({reason})"
