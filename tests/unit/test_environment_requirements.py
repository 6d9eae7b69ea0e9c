"""The requirements file is read from a local repository at a given commit, with `-r` includes expanded."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sweagent.environment.requirements import read_requirements


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def _commit(repo: Path, files: dict[str, str]) -> str:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "c")
    return _git(repo, "rev-parse", "HEAD")


def test_flask_requirements_expand_includes_and_drop_self_installs(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    old = _commit(tmp_path, {"requirements/dev.txt": "tox==3.0\n"})
    new = _commit(
        tmp_path,
        {
            "requirements/dev.txt": "# generated\n-r tests.txt\n-e .\nbuild==0.9.0\n    # via pip-tools\n",
            "requirements/tests.txt": "pytest==7.2.0\n-r ../missing.txt\ntypes-pkg_resources==0.1\n",
        },
    )
    found = read_requirements("pallets/flask", tmp_path, new)
    # swebench replaces the yanked types-pkg_resources with types-setuptools.
    assert found.text.splitlines() == ["pytest==7.2.0", "types-setuptools", "build==0.9.0"]
    assert found.note == f"requirements/dev.txt at {new[:12]}"
    # The commit asked for is what is read, not the working tree.
    assert read_requirements("pallets/flask", tmp_path, old).text == "tox==3.0\n"


def test_a_missing_file_gives_no_requirements_and_says_so(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    commit = _commit(tmp_path, {"setup.py": "print()\n"})
    found = read_requirements("sympy/sympy", tmp_path, commit)
    assert found.text == ""
    assert "no requirements file (requirements-dev.txt, requirements-test.txt)" in found.note
