"""Release source distributions from PyPI as one-commit git repositories, cached on disk.

An instance whose `source` is `{"type": "sdist", "package": "flask", "version": "2.2.5"}` gets its
code from that release instead of from GitHub. The archive is fetched with `pip download
--no-binary :all: --no-deps`, unpacked, and committed into a fresh repository with a fixed author and
date, so the same release gives the same commit id on every machine; the commit is tagged with the
release version, which lets setuptools_scm find it. The instance's `base_commit` does not exist in
that repository: such a checkout is *re-based* (see `sweagent.datasets.repos.Checkout`).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from sweagent.datasets.git import git, is_git_repo
from sweagent.errors import DatasetError, field_path, one_line
from sweagent.records import Record

__all__ = ["DEFAULT_SDIST_CACHE", "SdistPin", "download_sdist", "sdist_repo"]

DEFAULT_SDIST_CACHE = Path("~/.cache/sweagent/sdists")

_ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".zip")
# Fixed identity and date: a release always becomes the same commit id.
_COMMIT_ENV = {
    "GIT_AUTHOR_NAME": "sweagent",
    "GIT_AUTHOR_EMAIL": "sweagent@localhost",
    "GIT_COMMITTER_NAME": "sweagent",
    "GIT_COMMITTER_EMAIL": "sweagent@localhost",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+0000",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+0000",
}


class SdistPin(Record):
    """A release on PyPI whose source distribution stands in for the repository."""

    type: Literal["sdist"]
    """Always `sdist`; other source kinds may follow."""
    package: str
    """The distribution name on PyPI, for example `flask`."""
    version: str
    """The exact release, for example `2.2.5`."""

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"

    @property
    def slug(self) -> str:
        return f"{self.package.lower().replace('_', '-')}-{self.version}"

    @classmethod
    def from_source(cls, source: Mapping[str, str]) -> SdistPin | None:
        """The pin an instance's `source` field holds, None when it is empty."""
        if not source:
            return None
        try:
            return cls.model_validate(dict(source))
        except ValidationError as err:
            problems = "; ".join(
                f"{field_path(e['loc'], 'type')}: {one_line(e['msg'])}" for e in err.errors()
            )
            msg = f'source must look like {{"type": "sdist", "package": P, "version": V}} ({problems})'
            raise DatasetError(msg) from None


def download_sdist(pin: SdistPin, cache_dir: Path = DEFAULT_SDIST_CACHE, timeout: float = 600.0) -> Path:
    """The release's source archive, downloaded once into `cache_dir/archives/<package>-<version>/`."""
    folder = cache_dir.expanduser() / "archives" / pin.slug
    found = _archive_in(folder)
    if found:
        return found
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=f".{pin.slug}-") as tmp:
        command = [sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps"]
        command += ["--quiet", "--dest", tmp, pin.requirement]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            msg = f"sdist {pin.requirement}: pip download timed out after {timeout:g} s"
            raise DatasetError(msg) from None
        if done.returncode != 0:
            errors = [line for line in done.stderr.splitlines() if line.startswith("ERROR")]
            detail = errors[-1] if errors else done.stderr.strip()[-300:]
            msg = f"sdist {pin.requirement}: pip download failed: {detail}"
            raise DatasetError(msg)
        if not _archive_in(Path(tmp)):
            msg = f"sdist {pin.requirement}: pip download gave no source archive"
            raise DatasetError(msg)
        _move_into_place(Path(tmp), folder)
    found = _archive_in(folder)
    if found is None:
        msg = f"sdist {pin.requirement}: {folder} holds no source archive"
        raise DatasetError(msg)
    return found


def sdist_repo(pin: SdistPin, cache_dir: Path = DEFAULT_SDIST_CACHE, timeout: float = 600.0) -> Path:
    """A cached git repository whose one commit (tagged with the version) holds the unpacked release."""
    repo = cache_dir.expanduser() / "repos" / pin.slug
    if is_git_repo(repo):
        return repo
    archive = download_sdist(pin, cache_dir, timeout)
    repo.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=repo.parent, prefix=f".{pin.slug}-") as tmp:
        work = Path(tmp) / "repo"
        _unpack(archive, work)
        git("init", "-q", str(work))
        # --force: a release's own .gitignore must not hide files it ships (egg-info, generated code).
        git("add", "--all", "--force", ".", cwd=work)
        message = f"{pin.requirement} (source distribution)"
        git("commit", "-q", "--no-verify", "-m", message, cwd=work, env=_COMMIT_ENV)
        git("tag", pin.version, cwd=work)
        _move_into_place(work, repo)
    return repo


def _archive_in(folder: Path) -> Path | None:
    if not folder.is_dir():
        return None
    archives = sorted(p for p in folder.iterdir() if p.name.endswith(_ARCHIVE_SUFFIXES))
    return archives[0] if archives else None


def _move_into_place(built: Path, final: Path) -> None:
    # Another process may have finished the same release first; theirs is as good as ours.
    try:
        built.rename(final)
    except OSError:
        if not final.exists():
            raise


def _unpack(archive: Path, dest: Path) -> None:
    """Unpack an sdist into `dest`, dropping the single top folder (`flask-2.2.5/`) it holds."""
    staging = dest.with_name(dest.name + ".unpacked")
    staging.mkdir(parents=True)
    try:
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as zipped:
                for name in zipped.namelist():
                    target = (staging / name).resolve()
                    if not target.is_relative_to(staging.resolve()):
                        msg = f"sdist {archive.name}: member {name} escapes the archive folder"
                        raise DatasetError(msg)
                zipped.extractall(staging)
        else:
            with tarfile.open(archive) as tarred:
                tarred.extractall(staging, filter="data")
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as err:
        msg = f"sdist {archive.name}: cannot unpack ({err})"
        raise DatasetError(msg) from None
    entries = list(staging.iterdir())
    top = entries[0] if len(entries) == 1 and entries[0].is_dir() else staging
    shutil.move(str(top), str(dest))
    if staging.exists():
        shutil.rmtree(staging)
