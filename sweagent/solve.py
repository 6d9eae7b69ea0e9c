"""`sweagent solve`: the pipeline on the user's own repository, then the chosen diff.

The instance is the repository at HEAD (committed code only). Its environment comes from `--image`,
the repository's Dockerfile, or the base image with the project installed (see
`sweagent.environment.local`). The stages are those of `sweagent run` without evaluation (there
are no gold tests); `--test-cmd` feeds the `regression` selector. The chosen diff is printed, saved
as `<run>/<instance>/selected.patch`, and with `--apply` applied to the working tree or with
`--branch NAME` committed on a new branch (in a temporary worktree: the user's checkout is left as
it is).
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from docker import DockerClient
from rich.console import Console

from sweagent.datasets import RepoSources
from sweagent.datasets.git import GitFailed, git
from sweagent.datasets.local import local_instance, working_tree_dirty
from sweagent.errors import ConfigError, DatasetError
from sweagent.progress import RunProgress, show_progress
from sweagent.records import GenerationResult, Instance, Selection
from sweagent.run_directory import default_run_dir, started_run
from sweagent.run_options import RunOptions
from sweagent.stages import ImageFor, StagesRequest, run_stages
from sweagent.store import CANDIDATES_ARTIFACT, INSTANCE_ARTIFACT, RunStore, atomic_write_text

__all__ = ["SolveRequest", "apply_patch", "commit_on_branch", "solve_command"]

SOLVE_STAGES = ("context", "generate", "select")
_IDENTITY = {
    f"GIT_{who}_{what}": value
    for who in ("AUTHOR", "COMMITTER")
    for what, value in (("NAME", "sweagent"), ("EMAIL", "sweagent@localhost"))
}


class SolveRequest(RunOptions):
    """What `sweagent solve` was asked to do: the options it shares with `run`, and the repository."""

    repo: Path
    issue: str | None = None
    issue_file: Path | None = None
    test_cmd: str | None = None
    apply: bool = False
    branch: str | None = None
    image: str | None = None

    def shortcuts(self) -> dict[str, Any]:
        return {**super().shortcuts(), "selection.regression_command": self.test_cmd}


def _issue_text(request: SolveRequest) -> str:
    if (request.issue is None) == (request.issue_file is None):
        msg = "give the issue once: --issue TEXT or --issue-file FILE"
        raise ConfigError(msg)
    if request.issue_file is not None:
        try:
            return request.issue_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            msg = f"cannot read the issue file {request.issue_file}: {err}"
            raise ConfigError(msg) from err
    return request.issue or ""


def _check_targets(request: SolveRequest) -> None:
    """Refuse, before any work, what could not be done with the result."""
    if request.apply and request.branch:
        msg = "choose one of --apply and --branch"
        raise ConfigError(msg)
    if request.apply and not request.force and working_tree_dirty(request.repo):
        msg = (
            f"{request.repo} has uncommitted changes; commit or stash them, or pass --force to --apply anyway"
        )
        raise ConfigError(msg)
    if request.branch:
        heads = git("for-each-ref", "--format=%(refname:lstrip=2)", "refs/heads/", cwd=request.repo)
        if request.branch in heads.splitlines():
            msg = f"branch {request.branch!r} already exists in {request.repo}"
            raise ConfigError(msg)
        try:
            git("check-ref-format", "--branch", request.branch, cwd=request.repo)
        except GitFailed:
            msg = f"{request.branch!r} is not a valid branch name"
            raise ConfigError(msg) from None


def solve_command(request: SolveRequest, console: Console | None = None) -> int:
    """Solve the issue; 0 when a diff was chosen (and applied or committed if asked), 1 otherwise."""
    console = console or Console(stderr=True, soft_wrap=True)
    issue = _issue_text(request)
    instance = local_instance(request.repo, issue)
    _check_targets(request)
    config = request.config()
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(instance.repo).name)
    run_dir = request.run_dir or default_run_dir(f"solve-{name}")
    with started_run(run_dir, config, holder="sweagent solve", force=request.force) as run:
        RunStore(run_dir).write(instance.instance_id, INSTANCE_ARTIFACT, instance)
        console.print(f"run directory: {run_dir}  instance: {instance.instance_id}")
        progress = RunProgress([instance.instance_id], SOLVE_STAGES, usage=run.ledger.total)
        with show_progress(progress, console):
            asked = StagesRequest(
                SOLVE_STAGES,
                (instance,),
                run_dir,
                config,
                run.ledger,
                RepoSources(),
                progress,
                image_for=_image_for(request),
            )
            failed = asyncio.run(run_stages(asked))
        return (
            1
            if failed
            else _deliver(request, RunStore(run_dir), instance, config.selection.selector, console)
        )


def _image_for(request: SolveRequest) -> ImageFor:
    def image_for(target: Instance, client: DockerClient) -> str:
        from sweagent.environment.local import ensure_local_image

        return ensure_local_image(target, client=client, image=request.image)

    return image_for


def _deliver(
    request: SolveRequest, store: RunStore, instance: Instance, selector: str, console: Console
) -> int:
    """Print and save the chosen diff, then apply or commit it as asked; 1 when none was chosen."""
    patch = chosen_patch(store, instance, selector)
    if not patch:
        console.print("[yellow]no candidate was chosen; nothing to apply[/yellow]")
        return 1
    patch_file = store.path(instance.instance_id, "selected.patch")
    atomic_write_text(patch_file, patch)
    sys.stdout.write(patch)
    console.print(f"the chosen diff is in {patch_file}")
    if request.apply:
        apply_patch(request.repo, patch_file)
        console.print(f"applied to the working tree of {request.repo}")
    elif request.branch:
        commit = commit_on_branch(request.repo, patch_file, request.branch, instance)
        console.print(f"committed as {commit[:12]} on the new branch {request.branch}")
    return 0


def chosen_patch(store: RunStore, instance: Instance, selector: str) -> str:
    """The patch the selector chose, "" when it chose none."""
    from sweagent.selection.stage import selection_artifact

    iid = instance.instance_id
    if not store.done(iid, selection_artifact(selector)):
        return ""
    chosen = store.read(iid, selection_artifact(selector), Selection).candidate_id
    candidates = store.read(iid, CANDIDATES_ARTIFACT, GenerationResult).candidates
    return next((c.patch for c in candidates if c.id == chosen), "")


def apply_patch(repo_path: Path, patch_file: Path) -> None:
    """`git apply` the patch to the working tree; DatasetError naming the cause when it does not apply."""
    try:
        git("apply", "--whitespace=nowarn", str(patch_file.resolve()), cwd=repo_path)
    except GitFailed as err:
        msg = f"the chosen diff does not apply to {repo_path}'s working tree: {err.detail}"
        raise DatasetError(msg) from None


def commit_on_branch(repo_path: Path, patch_file: Path, branch: str, instance: Instance) -> str:
    """Commit the patch on a new branch from the solved commit, in a temporary worktree."""
    with tempfile.TemporaryDirectory(prefix="sweagent-branch-") as tmp:
        worktree = Path(tmp) / "tree"
        git("worktree", "add", "-q", "-b", branch, str(worktree), instance.base_commit, cwd=repo_path)
        try:
            git("apply", "--whitespace=nowarn", "--index", str(patch_file.resolve()), cwd=worktree)
            title = instance.problem_statement.strip().splitlines()[0][:60]
            git("commit", "-q", "-m", f"sweagent: {title}", cwd=worktree, env=_IDENTITY)
            return git("rev-parse", "HEAD", cwd=worktree).strip()
        finally:
            git("worktree", "remove", "--force", str(worktree), cwd=repo_path)
