"""Packages released after a cutoff date moved back to their last release before it.

swebench's specs pin a few packages; everything else an install pulls in (a requirements file, the
repository's extras, their dependencies) resolves to whatever is newest on the day the image is
built. Releases made after the official images were built can break an old checkout (docutils 0.22
dropped `docutils.utils.roman`, which sphinx 3.x imports). With `environment.released_before` set,
the last step of an instance build looks up every installed distribution on the package index and
moves each one whose installed version came out after the cutoff back to the newest release before
it that runs on the image's Python. The spec's pins stay as they are (they are passed as pip
constraints), the repository's own distribution is left alone, and a lookup or install that fails
is reported in the build log without failing the build: the environment check that follows
judges the result.

The script is plain text written into the build context; it runs on the image's Python (3.9 or
later, standard library and pip's vendored `packaging` only) with the build's network.
"""

from __future__ import annotations

import json
import shlex
from datetime import date

from sweagent.environment.env_check import spec_pins
from sweagent.environment.specs import EnvironmentSpec

__all__ = ["DATED_SCRIPT", "dated_command"]

DATED_SCRIPT = r'''"""sweagent: move packages released after a cutoff back to their last release before it."""
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata

from pip._vendor.packaging.specifiers import InvalidSpecifier, SpecifierSet
from pip._vendor.packaging.version import InvalidVersion, Version

INDEX = "https://pypi.org/simple/"
ACCEPT = "application/vnd.pypi.simple.v1+json"
ARCHIVES = (".whl", ".tar.gz", ".zip", ".tar.bz2")
KEPT = {"pip"}
NAMED = re.compile(r"^(\S+) \S+ (?:has requirement|requires) ([A-Za-z0-9][A-Za-z0-9._-]*)")
PYTHON = ".".join(str(part) for part in sys.version_info[:3])


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def own_names():
    """The distributions installed from /testbed (the repository itself)."""
    found = set()
    for dist in metadata.distributions():
        text = dist.read_text("direct_url.json") or ""
        if "file:///testbed" in text or str(dist.locate_file("")).startswith("/testbed"):
            found.add(norm(dist.metadata["Name"] or ""))
    return found


def file_version(filename):
    for ending in ARCHIVES:
        if filename.endswith(ending):
            stem = filename[: -len(ending)]
            return stem.split("-")[1] if ending == ".whl" else stem.rsplit("-", 1)[-1]
    return None


def releases(name):
    """{version: (first upload time, runs on this Python)} from the index's JSON simple API."""
    request = urllib.request.Request(INDEX + norm(name) + "/", headers={"Accept": ACCEPT})
    with urllib.request.urlopen(request, timeout=30) as response:
        files = json.load(response).get("files", [])
    found = {}
    for entry in files:
        text, uploaded = file_version(entry.get("filename", "")), entry.get("upload-time")
        if text is None or not uploaded or entry.get("yanked"):
            continue
        try:
            version = Version(text)
            fits = SpecifierSet(entry.get("requires-python") or "").contains(PYTHON, prereleases=True)
        except (InvalidVersion, InvalidSpecifier):
            continue
        first, any_fits = found.get(version, (uploaded, False))
        found[version] = (min(first, uploaded), any_fits or fits)
    return found


def verdict(name, have, cutoff):
    """(name, version to move back to or None, a note or None) for one installed distribution."""
    try:
        known = releases(name)
        installed = Version(have)
    except Exception as err:  # a lookup that fails leaves the package as it is
        return name, None, "no release dates for " + name + " (" + type(err).__name__ + ")"
    when = known.get(installed)
    if when is None or when[0][:10] < cutoff:
        return name, None, None
    older = [
        version for version, (uploaded, fits) in known.items()
        if uploaded[:10] < cutoff and fits and (installed.is_prerelease or not version.is_prerelease)
    ]
    if not older:
        return name, None, name + " " + have + " has no release before " + cutoff + "; kept"
    return name, str(max(older)), None


def install(wanted, pins):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("".join(name + "==" + version + "\n" for name, version in pins.items()))
    env = dict(os.environ, PIP_CONSTRAINT=handle.name)
    command = [sys.executable, "-m", "pip", "install", "--no-input", "--progress-bar", "off"]
    try:
        if subprocess.run(command + wanted, env=env).returncode == 0:
            return []
        return [one for one in wanted if subprocess.run(command + [one], env=env).returncode != 0]
    finally:
        os.unlink(handle.name)


def pip_check():
    done = subprocess.run(
        [sys.executable, "-m", "pip", "check"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        universal_newlines=True,
    )
    lines = {line.strip() for line in done.stdout.splitlines() if line.strip()}
    return set() if done.returncode == 0 else lines


def involved(line):
    """The distributions a `pip check` line names: the one that requires, and the one required."""
    match = NAMED.match(line)
    return {norm(name) for name in match.groups() if name} if match else set()


def keep_consistent(moves, original, before, pins):
    """Put back, at the version they had, moved packages that a new `pip check` line names (a
    package pinned past the cutoff may need a newer dependency), until no new line names one."""
    moved = {norm(name): name for name in moves}
    for _ in range(len(moved)):
        blamed = set()
        for line in pip_check() - before:
            blamed |= involved(line) & set(moved)
        if not blamed:
            return
        back = sorted(moved.pop(key) for key in blamed)
        print("sweagent dated: put back (a dependency needs them newer): " + ", ".join(back))
        install([name + "==" + original[norm(name)] for name in back], pins)


def main():
    sys.stdout.reconfigure(line_buffering=True)  # in order with pip's own lines in the build log
    cutoff, pins = sys.argv[1], json.loads(sys.argv[2])
    before = pip_check()
    skipped = KEPT | own_names() | {norm(name) for name in pins}
    dists = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"] or ""
        if name and norm(name) not in skipped:
            dists[norm(name)] = (name, dist.version)
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(pool.map(lambda item: verdict(item[0], item[1], cutoff), sorted(dists.values())))
    for _, _, note in found:
        if note:
            print("sweagent dated: " + note)
    moves = {name: version for name, version, _ in found if version is not None}
    if not moves:
        print("sweagent dated: every package was released before " + cutoff)
        return
    for name, version in sorted(moves.items()):
        print("sweagent dated: " + name + " " + dists[norm(name)][1] + " -> " + version)
    failed = install([name + "==" + version for name, version in sorted(moves.items())], pins)
    for one in failed:
        print("sweagent dated: could not install " + one + "; the newer release stays")
    keep_consistent(moves, {key: version for key, (_, version) in dists.items()}, before, pins)


main()
'''


def dated_command(spec: EnvironmentSpec, script_path: str, released_before: date) -> str:
    """The shell line that runs the script (written at `script_path`); it never fails the build."""
    pins = shlex.quote(json.dumps(spec_pins(spec), sort_keys=True))
    run = f"python {script_path} {released_before.isoformat()} {pins}"
    return f"{run} || echo 'sweagent dated: the release-date step failed; packages kept as installed'"
