"""The evaluation stage of a run: grade every candidate of every instance, then the selected one.

Every distinct candidate is graded (so coverage, "some candidate resolves", is known), each once:
a stored `eval/<candidate_id>.json` is reused. The instance's result in `results.json` is the
grade of the candidate the configured selector chose; an instance whose selector chose nothing is
`unresolved` with the selector's reason. Instances without FAIL_TO_PASS tests are not graded.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from docker import DockerClient

from sweagent.config import RunConfig
from sweagent.datasets.repos import RepoSources
from sweagent.environment.build import ImageRequest
from sweagent.evaluation.provider import Environment, ImageProvider, default_provider
from sweagent.evaluation.results import build_results, read_results, write_results
from sweagent.evaluation.runner import evaluate_in, pooled_sandboxes, prepare_environment
from sweagent.progress import RunProgress
from sweagent.records import EvalResult, GenerationResult, Instance, Selection, StageOutcome, TestCount
from sweagent.sandboxes import use_network
from sweagent.store import CANDIDATES_ARTIFACT, RESULTS_FILE, RunStore, eval_artifact, selection_artifact

__all__ = ["EvaluationOutcome", "grade_instance", "record_results", "run_evaluation_stage"]

_GRADED = ("resolved", "unresolved", "patch_failed", "unsupported")
"""Stored grades that are final; the others (env_failed, timeout, error) are tried again."""


class EvaluationOutcome(StageOutcome):
    """How the stage ended for one instance (`skipped`: it has no FAIL_TO_PASS tests)."""

    candidates: int = 0
    resolved: int = 0
    """Candidates graded resolved (coverage when > 0)."""
    chosen: str = ""
    """The selected candidate's grade."""
    detail: str = ""


def run_evaluation_stage(
    instances: Sequence[Instance],
    *,
    run_dir: Path,
    config: RunConfig,
    client: DockerClient,
    sources: RepoSources | None = None,
    provider: ImageProvider | None = None,
    timeout: float = 1800.0,
    progress: RunProgress | None = None,
) -> dict[str, EvaluationOutcome]:
    """Grade the candidates, write `results.json` over the selected ones; one outcome per instance."""
    store = RunStore(run_dir)
    provider = provider or default_provider(config.environment)
    outcomes: dict[str, EvaluationOutcome] = {}
    chosen: list[EvalResult] = []
    tracker = progress or RunProgress()

    def grade(instance: Instance) -> tuple[EvaluationOutcome, EvalResult | None]:
        with tracker.working(instance.instance_id, "evaluate") as work:
            outcome = grade_instance(instance, store, config, client, sources, provider, timeout)
            work.finish(outcome[0])
        return outcome

    # Instances are graded side by side (each in its own pooled sandbox); results keep input order.
    with ThreadPoolExecutor(max_workers=max(1, config.sandbox.pool_size)) as threads:
        graded = list(threads.map(grade, instances))
    for instance, (outcome, result) in zip(instances, graded, strict=True):
        outcomes[instance.instance_id] = outcome
        if result is not None:
            chosen.append(result)
    record_results(run_dir, outcomes, chosen)
    return outcomes


def record_results(run_dir: Path, graded: Collection[str], chosen: Sequence[EvalResult]) -> None:
    """Put the selected candidates' grades into `results.json` in place of the `graded` instances'
    entries, keeping the others' (callers that grade instances side by side call it one at a time)."""
    if chosen:
        write_results(run_dir, build_results([*_kept(run_dir, graded), *chosen]))


def _kept(run_dir: Path, replaced: Collection[str]) -> list[EvalResult]:
    """The results.json entries of instances this call did not grade (an earlier, wider run's)."""
    if not (run_dir / RESULTS_FILE).is_file():
        return []
    earlier = read_results(run_dir / RESULTS_FILE)
    return [entry.as_result(iid) for iid, entry in earlier.instances.items() if iid not in replaced]


def grade_instance(
    instance: Instance,
    store: RunStore,
    config: RunConfig,
    client: DockerClient,
    sources: RepoSources | None,
    provider: ImageProvider,
    timeout: float = 1800.0,
) -> tuple[EvaluationOutcome, EvalResult | None]:
    """Grade the instance's candidates (stored grades reused); its outcome and the selected one's grade."""
    iid = instance.instance_id
    if not instance.FAIL_TO_PASS:
        return EvaluationOutcome(instance_id=iid, status="skipped", detail="the instance has no tests"), None
    if not store.done(iid, CANDIDATES_ARTIFACT):
        return EvaluationOutcome(instance_id=iid, status="error", detail="no candidates.json"), None
    candidates = store.read(iid, CANDIDATES_ARTIFACT, GenerationResult).candidates
    grades: dict[str, EvalResult] = {}
    pending = []
    for candidate in candidates:
        stored = _stored(store, iid, candidate.id)
        if stored is None:
            pending.append(candidate)
        else:
            grades[candidate.id] = stored
    network = use_network(config.sandbox, "dropped")
    if pending:
        environment = prepare_environment(provider, ImageRequest(instance, client, sources=sources))
        with ExitStack() as stack:
            opener = None
            if isinstance(environment, Environment) and len(pending) > 1:
                served = environment.info.served_hosts if environment.info else ()
                opener = stack.enter_context(
                    pooled_sandboxes(
                        environment.image, client=client, timeout=timeout, network=network, served=served
                    )
                )
            for candidate in pending:
                grades[candidate.id] = evaluate_in(
                    environment,
                    instance,
                    candidate.patch,
                    candidate_id=candidate.id,
                    client=client,
                    store=store,
                    timeout=timeout,
                    open_sandbox=opener,
                    network=network,
                )
    result = _selected(store, instance, config.selection.selector, grades)
    failures = [g for g in grades.values() if g.status in ("env_failed", "error")]
    return (
        EvaluationOutcome(
            instance_id=iid,
            status="error" if failures and len(failures) == len(grades) else "done",
            candidates=len(grades),
            resolved=sum(g.status == "resolved" for g in grades.values()),
            chosen=result.status,
            detail=failures[0].detail[:300] if failures else result.detail[:300],
        ),
        result,
    )


def _stored(store: RunStore, iid: str, candidate_id: str) -> EvalResult | None:
    artifact = eval_artifact(candidate_id)
    result = store.load(iid, artifact, EvalResult)
    return result if result is not None and result.status in _GRADED else None


def _selected(
    store: RunStore, instance: Instance, selector: str, grades: dict[str, EvalResult]
) -> EvalResult:
    """The grade of the selected candidate, or `unresolved` saying why nothing was selected."""
    iid = instance.instance_id
    artifact = selection_artifact(selector)
    if store.done(iid, artifact):
        selection = store.read(iid, artifact, Selection)
        if selection.candidate_id in grades:
            return grades[selection.candidate_id]
        detail = f"selector {selector} chose no candidate: {selection.rationale or selection.status}"
    elif not grades:
        detail = "no candidate was generated"
    else:
        detail = f"no selection by {selector} ({artifact} is missing)"
    return EvalResult(
        instance_id=iid,
        candidate_id=None,
        status="unresolved",
        fail_to_pass=TestCount(total=len(instance.FAIL_TO_PASS)),
        pass_to_pass=TestCount(total=len(instance.PASS_TO_PASS)),
        detail=detail,
    )
