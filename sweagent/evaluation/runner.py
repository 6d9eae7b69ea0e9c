"""An instance's environment from an ImageProvider, then the harness; every failure becomes a status."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager

from docker import DockerClient

from sandbox.docker import DockerSandbox
from sandbox.errors import SandboxError
from sandbox.network import NetworkMode
from sweagent.environment.build import ImageRequest
from sweagent.errors import (
    DatasetError,
    EnvironmentBuildError,
    InfrastructureUnavailable,
    UnsupportedInstance,
)
from sweagent.evaluation.harness import (
    SandboxOpener,
    eval_sandbox_config,
    evaluate_instance,
    save_evaluation,
)
from sweagent.evaluation.provider import Environment, ImageProvider
from sweagent.records import EvalResult, EvalStatus, Instance, TestCount
from sweagent.store import RunStore

__all__ = ["evaluate_in", "pooled_sandboxes", "prepare_environment"]


def prepare_environment(
    provider: ImageProvider, request: ImageRequest
) -> Environment | tuple[EvalStatus, str]:
    """The request's environment, or the status (unsupported, env_failed, error) and why there is none."""
    try:
        return provider.environment(request)
    except UnsupportedInstance as err:
        return "unsupported", str(err)
    except (EnvironmentBuildError, DatasetError, SandboxError) as err:
        return "env_failed", str(err)
    except InfrastructureUnavailable:
        raise  # a full disk or an engine down for good: the run stops, a re-run resumes
    except Exception as err:  # noqa: BLE001 - one broken instance must not stop the run
        return "error", f"{type(err).__name__}: {err}"


def evaluate_in(
    environment: Environment | tuple[EvalStatus, str],
    instance: Instance,
    patch: str,
    *,
    candidate_id: str,
    client: DockerClient,
    store: RunStore | None,
    timeout: float,
    open_sandbox: SandboxOpener | None = None,
    network: NetworkMode = "dropped",
) -> EvalResult:
    """Grade `patch` in the prepared environment; a failed preparation is recorded as the result."""
    if not isinstance(environment, Environment):
        status, detail = environment
        return _record(store, _result(instance, candidate_id, status, detail), detail)
    try:
        return evaluate_instance(
            instance,
            patch,
            image=environment.image,
            test_cmd=environment.test_cmd,
            setup_cmds=environment.setup_cmds,
            client=client,
            timeout=timeout,
            candidate_id=candidate_id,
            store=store,
            environment=environment.info,
            open_sandbox=open_sandbox,
            network=network,
        )
    except InfrastructureUnavailable:
        raise  # a full disk or an engine down for good: the run stops, a re-run resumes
    except Exception as err:  # noqa: BLE001 - one broken instance must not stop the run
        detail = f"{type(err).__name__}: {err}"
        return _record(store, _result(instance, candidate_id, "error", detail), traceback.format_exc())


@contextmanager
def pooled_sandboxes(
    image: str,
    *,
    client: DockerClient,
    timeout: float,
    network: NetworkMode = "dropped",
    served: tuple[str, ...] = (),
) -> Iterator[SandboxOpener]:
    """One grading sandbox of `image`, reset to the image's state between candidates (not re-created);
    `served`: the host names the image serves itself (see `eval_sandbox_config`)."""
    from sandbox.pool import SandboxPool
    from sandbox.restore import PristineImage

    pristine = PristineImage(client, image)
    try:
        config = eval_sandbox_config(image, timeout, network=network, served=served)

        def new_sandbox() -> DockerSandbox:
            sandbox = config.build(client, pristine)
            try:
                sandbox.take_baseline()  # in the new container, before any candidate touches it
            except BaseException:
                sandbox.close()
                raise
            return sandbox

        with SandboxPool(new_sandbox, size=1) as pool:
            yield pool.acquire
    finally:
        pristine.close()


def _record(store: RunStore | None, result: EvalResult, log: str) -> EvalResult:
    if store is not None:
        save_evaluation(store, result, log)
    return result


def _result(instance: Instance, candidate_id: str, status: EvalStatus, detail: str) -> EvalResult:
    return EvalResult(
        instance_id=instance.instance_id,
        candidate_id=candidate_id,
        status=status,
        fail_to_pass=TestCount(total=len(instance.FAIL_TO_PASS)),
        pass_to_pass=TestCount(total=len(instance.PASS_TO_PASS)),
        detail=detail,
    )
