"""An instance's repository at its base commit, from local clones, a GitHub clone cache or an sdist.

Sources are tried in order:

1. `repos_dir/<owner>/<name>` (or `<name>.git`): a bare or normal repository holding `base_commit`;
2. a cache of bare clones made from `https://github.com/<owner>/<name>`, when the network allows
   (reachability is probed with a short timeout first, so an offline machine moves on at once);
3. the instance's `source` pin: a PyPI source distribution committed into a one-commit repository
   (`sweagent.datasets.sdist`). `base_commit` does not exist there, so the checkout is *re-based*:
   `Checkout.rebased` is true, `Checkout.commit` is the release's commit (tagged with its version),
   and the destination's HEAD is that commit. Tests named in PASS_TO_PASS may be absent from it.

The destination never sees more than it needs: it is a fresh repository into which only
`base_commit` (with its history) and the tags that are its ancestors are fetched. Later commits,
branches and tags stay behind, so nothing from the fix leaks into the code the agent sees.
"""

from __future__ import annotations

import functools
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from sweagent.datasets.git import GitFailed, git, has_commit, is_git_repo
from sweagent.datasets.sdist import DEFAULT_SDIST_CACHE, SdistPin, sdist_repo
from sweagent.errors import DatasetError
from sweagent.records import Instance, Record
from sweagent.store import atomic_write_text

__all__ = [
    "DEFAULT_CLONE_CACHE",
    "SOURCES_FILE",
    "Checkout",
    "RepoSources",
    "checkout_instance",
    "copy_history",
    "remembered_sources",
]

DEFAULT_CLONE_CACHE = Path("~/.cache/sweagent/clones")

_OWNER_NAME = re.compile(r"[\w.-]+/[\w.-]+")
# Lets a local upload-pack serve a commit named by its id, whatever refs point at it.
_UPLOAD_PACK = "git -c uploadpack.allowAnySHA1InWant=true upload-pack"
_TAG_BATCH = 200


class RepoSources(Record):
    """Where repositories come from, in the order they are tried."""

    repos_dir: Path | None = None
    """A folder holding `<owner>/<name>` (or `<owner>/<name>.git`) repositories; tried first."""
    clone_cache: Path | None = DEFAULT_CLONE_CACHE
    """Where bare clones from `github_url` are kept; None never clones."""
    github_url: str = "https://github.com"
    """Base URL that `<owner>/<name>` is cloned from."""
    probe_timeout: float = 10.0
    """Seconds the remote may take to answer `git ls-remote` before cloning is given up."""
    clone_timeout: float = 1800.0
    """Seconds a full clone or fetch into the cache may take."""
    sdist_cache: Path = DEFAULT_SDIST_CACHE
    """Where source distributions and the repositories made from them are kept."""
    sdist_timeout: float = 600.0
    """Seconds `pip download` of one source distribution may take."""


SOURCES_FILE = "sources.json"
"""Where a run directory remembers the `RepoSources` it was made with, for `select` and `compare`."""


def remembered_sources(run_dir: Path, repos_dir: Path | None = None) -> RepoSources:
    """The sources a run was made with (`sources.json`), `repos_dir` taking precedence when given;
    remembered in the run directory so later commands find the same repositories."""
    path = run_dir / SOURCES_FILE
    stored = RepoSources.model_validate_json(path.read_text(encoding="utf-8")) if path.is_file() else None
    if repos_dir is None:
        return stored or RepoSources()
    sources = (stored or RepoSources()).model_copy(update={"repos_dir": repos_dir.expanduser().resolve()})
    if sources != stored:
        run_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, sources.model_dump_json(indent=2) + "\n")
    return sources


Origin = Literal["local", "repos_dir", "clone", "sdist"]


class Checkout(Record):
    """A repository prepared for one instance."""

    instance_id: str
    path: Path
    origin: Origin
    """Which source provided the code."""
    commit: str
    """The commit checked out: `base_commit`, or the release's commit when re-based."""
    rebased: bool = False
    """True when the code is a release standing in for `base_commit` (an sdist pin)."""
    detail: str = ""
    """The source in words: the local path, the clone URL or the pinned release."""
    skipped: tuple[str, ...] = ()
    """Why the sources tried before this one were not used."""


def checkout_instance(instance: Instance, dest: Path, sources: RepoSources | None = None) -> Checkout:
    """Create `dest` as a repository at the instance's base commit; DatasetError naming it when impossible."""
    sources = sources or RepoSources()
    base = instance.base_commit
    planned = functools.partial(Checkout, instance_id=instance.instance_id, path=dest)
    if instance.source.get("type") == "local":
        return _local_checkout(instance, Path(instance.source.get("path", "")), planned)
    tried: list[str] = []
    if sources.repos_dir is not None:
        local = _local_repo(sources.repos_dir.expanduser(), instance.repo)
        if local is None:
            tried.append(f"no repository {instance.repo} under {sources.repos_dir}")
        elif has_commit(local, base):
            return _copied(local, planned(origin="repos_dir", commit=base, detail=str(local)))
        else:
            tried.append(f"{local} does not contain it")
    if sources.clone_cache is not None and _OWNER_NAME.fullmatch(instance.repo):
        url = f"{sources.github_url.rstrip('/')}/{instance.repo}"
        try:
            cached = _cached_clone(
                url, sources.clone_cache.expanduser() / f"{instance.repo}.git", base, sources
            )
        except GitFailed as err:
            tried.append(f"clone from {url} failed: {err.detail}")
        else:
            return _copied(cached, planned(origin="clone", commit=base, detail=url, skipped=tuple(tried)))
    try:
        pin = SdistPin.from_source(instance.source)
    except DatasetError as err:
        msg = f"instance {instance.instance_id}: {err}"
        raise DatasetError(msg) from None
    if pin is not None:
        try:
            release = sdist_repo(pin, sources.sdist_cache, sources.sdist_timeout)
            commit = git("rev-parse", "HEAD", cwd=release).strip()
        except DatasetError as err:
            msg = f"instance {instance.instance_id}: {err}"
            raise DatasetError(msg) from None
        detail = f"sdist {pin.requirement} (re-based from {base})"
        sdist = planned(origin="sdist", commit=commit, detail=detail, skipped=tuple(tried), rebased=True)
        return _copied(release, sdist)
    tried.append("no sdist pin in its source field")
    msg = f"instance {instance.instance_id}: commit {base} not found ({'; '.join(tried)})"
    raise DatasetError(msg)


def _local_checkout(instance: Instance, repo: Path, planned: Callable[..., Checkout]) -> Checkout:
    """The user's own repository (`sweagent solve`): its committed history up to `base_commit`, copied
    to where `planned` (the record's destination) says."""
    if not is_git_repo(repo):
        msg = f"instance {instance.instance_id}: {repo} is not a git repository"
        raise DatasetError(msg)
    if not has_commit(repo, instance.base_commit):
        msg = f"instance {instance.instance_id}: {repo} does not contain commit {instance.base_commit}"
        raise DatasetError(msg)
    return _copied(repo, planned(origin="local", commit=instance.base_commit, detail=str(repo)))


def copy_history(source: Path, commit: str, dest: Path) -> None:
    """Make `dest` a new repository holding `commit`, its history and its ancestor tags only."""
    if dest.exists() and any(dest.iterdir()):
        msg = f"checkout destination {dest} exists and is not empty"
        raise DatasetError(msg)
    dest.mkdir(parents=True, exist_ok=True)
    try:
        _fetch_history(source, commit, dest)
    except BaseException:
        # A half-made checkout must not pass for a good one on the next attempt.
        shutil.rmtree(dest, ignore_errors=True)
        raise


def _fetch_history(source: Path, commit: str, dest: Path) -> None:
    git("init", "-q", str(dest))
    source_url = str(source.resolve())
    git(
        "fetch",
        "-q",
        "--no-tags",
        f"--upload-pack={_UPLOAD_PACK}",
        source_url,
        commit,
        cwd=dest,
        timeout=1800,
    )
    tags = git("tag", "--merged", commit, cwd=source).split()
    for start in range(0, len(tags), _TAG_BATCH):
        refspecs = [f"refs/tags/{tag}:refs/tags/{tag}" for tag in tags[start : start + _TAG_BATCH]]
        git("fetch", "-q", "--no-tags", source_url, *refspecs, cwd=dest, timeout=600)
    git("checkout", "-q", "--detach", commit, cwd=dest)
    (dest / ".git" / "FETCH_HEAD").unlink(missing_ok=True)


def _copied(source: Path, checkout: Checkout) -> Checkout:
    """`checkout.path` made a copy of `source` at `checkout.commit`; `checkout` once it is there."""
    try:
        copy_history(source, checkout.commit, checkout.path)
    except GitFailed as err:
        msg = f"instance {checkout.instance_id}: copying {checkout.commit} from {source} failed: {err}"
        raise DatasetError(msg) from None
    return checkout


def _local_repo(repos_dir: Path, repo: str) -> Path | None:
    for candidate in (repos_dir / repo, repos_dir / f"{repo}.git"):
        if is_git_repo(candidate):
            return candidate
    return None


def _cached_clone(url: str, cache: Path, commit: str, sources: RepoSources) -> Path:
    """A bare clone of `url` holding `commit`, cloned or fetched only when needed."""
    if is_git_repo(cache) and has_commit(cache, commit):
        return cache
    git("ls-remote", "--heads", url, timeout=sources.probe_timeout)
    if is_git_repo(cache):
        git(
            "fetch",
            "-q",
            "--tags",
            url,
            "+refs/heads/*:refs/heads/*",
            cwd=cache,
            timeout=sources.clone_timeout,
        )
    else:
        cache.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache.parent, prefix=f".{cache.name}-") as tmp:
            built = Path(tmp) / cache.name
            git("clone", "-q", "--bare", url, str(built), timeout=sources.clone_timeout)
            try:
                built.rename(cache)
            except OSError:
                if not is_git_repo(cache):
                    raise
    if not has_commit(cache, commit):
        raise GitFailed(["cat-file", "-e", commit], f"{url} has no commit {commit}")
    return cache
